"""The audit log as people read it: events under their scope, filtered, and the history of one record.

Every edit is already an event (geodata.store.writes: who, when, what, old → new, why); this module is the scoped,
redacted read of that log, plus `log_view`, which records that someone looked at a person-level list.

Redaction follows geodata.people.scope: an event about person-level data (a person, household, observation or case,
or a view/export of such a list) shows its old/new values only to someone who may read those records there,
and ID numbers and phones in it are masked outside the person's own grid. Events without a unit (settings,
whole-city imports) are for whole-city scopes only.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Rejected
from geodata.people import authority, scope
from geodata.store.db import Store
from geodata.store.hierarchy import path_ids, path_upper_bound
from geodata.store.models import Building, Case, Checkpoint, Event, Household, Observation, Person, Unit
from geodata.store.writes import Actor, WriteContext

#: shown instead of the values of an event the reader may not see
REDACTED = {"…": "无权查看明细 / details not visible to you"}
#: action of the event `log_view` appends (the issue's "every view of a person-level list is logged")
VIEW_ACTION = "persons.view"

#: record kind → (model, the event entities that describe it)
RECORDS: dict[str, tuple[type, tuple[str, ...]]] = {
    "building": (Building, ("building",)),
    "checkpoint": (Checkpoint, ("checkpoint",)),
    "unit": (Unit, ("unit", "compound")),  # control changes of compounds/villages are logged as "compound"
    "household": (Household, ("household",)),
    "person": (Person, ("person",)),
    "observation": (Observation, ("observation",)),
    "case": (Case, ("case",)),
}

COLUMNS = ["id", "at", "actor", "action", "entity", "code", "path", "old", "new", "reason"]


def log_view(store: Store, actor: Actor, what: str, code: str | None, path: str | None, *, rows: int,
             detail: dict[str, Any] | None = None) -> None:
    """Record that `actor` looked at a person-level list (`what`: persons, households, observations, cases,
    health_checks) of the unit `code`.

    Its own small transaction and no data-version bump: a view changes no data, and a bump would make every
    open screen re-read its figures each time someone opens a list.
    """
    with store.session() as session, session.begin():
        ctx = WriteContext(session=session, actor=actor)
        ctx.record(VIEW_ACTION, what, code, path=path, new={"rows": int(rows), **(detail or {})},
                   reason=f"查看{scope.DATA_LABELS.get(what, (what, what))[0]} / viewed "
                          f"{scope.DATA_LABELS.get(what, (what, what))[1]}")


def _scope_condition(actor: Actor):  # noqa: ANN202 — an SQL condition on Event
    """Events the actor's scope covers: under their unit; events without a unit only for whole-city scopes."""
    sp = actor.scope_path
    if sp is None:
        return None
    under = and_(Event.path >= sp, Event.path < path_upper_bound(sp))
    if len(path_ids(sp)) <= 1:
        return or_(Event.path.is_(None), under)
    return under


def _redact(actor: Actor, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    olds, news = [], []
    for entity, path, old, new in zip(frame["entity"], frame["path"], frame["old"], frame["new"], strict=True):
        path = path if isinstance(path, str) else None  # no place read back as NaN: only the whole city sees it
        kind = scope.PERSON_ENTITIES.get(entity)
        if kind is not None and not scope.can_read_persons(actor, path, kind):
            olds.append(None if old is None else dict(REDACTED))
            news.append(None if new is None else dict(REDACTED))
            continue
        full = kind is None or scope.sees_identifiers(actor, path)
        olds.append(scope.mask_values(old, full=full))
        news.append(scope.mask_values(new, full=full))
    frame["old"] = olds
    frame["new"] = news
    return frame


def events(session: Session, actor: Actor, *, entity: str | None = None, code: str | None = None,
           user: str | None = None, action: str | None = None, since: dt.datetime | dt.date | None = None,
           until: dt.datetime | dt.date | None = None, limit: int = 500) -> pd.DataFrame:
    """The newest `limit` events under the actor's scope matching the filters (all optional), newest first.

    `entity` matches a record kind of RECORDS (so "unit" finds compound control changes too) or any raw event
    entity; `action` matches exactly or, ending in ".", as a prefix ("control." …); `since`/`until` are
    inclusive (a date means the whole day)."""
    authority.require(actor, "audit.read")
    q = select(Event.id, Event.at, Event.actor, Event.action, Event.entity, Event.entity_code, Event.path,
               Event.old, Event.new, Event.reason)
    cond = _scope_condition(actor)
    if cond is not None:
        q = q.where(cond)
    if entity:
        q = q.where(Event.entity.in_(RECORDS[entity][1] if entity in RECORDS else (entity,)))
    if code:
        q = q.where(Event.entity_code == code)
    if user:
        q = q.where(Event.actor == user)
    if action:
        q = q.where(Event.action.startswith(action, autoescape=True) if action.endswith(".") else
                    Event.action == action)
    if since is not None:
        q = q.where(Event.at >= _start(since))
    if until is not None:
        q = q.where(Event.at < _end(until))
    limit = max(1, min(int(limit), 10_000))
    rows = session.execute(q.order_by(Event.id.desc()).limit(limit)).all()
    return _redact(actor, pd.DataFrame(rows, columns=COLUMNS))


def _start(v: dt.datetime | dt.date) -> dt.datetime:
    return v if isinstance(v, dt.datetime) else dt.datetime.combine(v, dt.time.min)


def _end(v: dt.datetime | dt.date) -> dt.datetime:
    return v + dt.timedelta(microseconds=1) if isinstance(v, dt.datetime) else \
        dt.datetime.combine(v + dt.timedelta(days=1), dt.time.min)


def record_path(session: Session, entity: str, code: str) -> str | None:
    """Where a record lies (its unit path); Rejected when there is no such record."""
    if entity not in RECORDS:
        raise Rejected([Problem(f"未知记录类型: {entity}", f"unknown record kind {entity!r}; known: {sorted(RECORDS)}",
                                field="entity")])
    model = RECORDS[entity][0]
    path = session.execute(select(model.path).where(model.code == code)).scalar_one_or_none()
    if path is None:
        raise Rejected([Problem(f"记录不存在: {code}", f"no {entity} with code {code!r}", field="code")])
    return path


def history(session: Session, actor: Actor, entity: str, code: str) -> pd.DataFrame:
    """Every event about one record, oldest first: the "history" a record's card opens.

    Refused (PermissionDenied) when the record lies outside the actor's scope, or is person-level data the actor
    may not read — the same answer whatever the URL or form asked for."""
    authority.require(actor, "audit.read")
    kind = scope.PERSON_ENTITIES.get(entity)
    if kind is not None and actor.scope_path is not None:
        scope.require_persons(actor, actor.scope_path, kind)  # the role's refusal first, the same for any code
    try:
        path = record_path(session, entity, code)
    except Rejected as missing:
        if actor.scope_path is None or missing.errors[0].field != "code":
            raise
        path = None
    if path is None or scope.hides(actor, path):
        # one answer for a record that does not exist and one outside the scope (issue 18)
        zh, en = scope.ENTITY_LABELS.get(entity, (entity, entity))
        raise scope.unknown_code(actor, (f"{zh}编码", f"{en} code"), code)
    if kind is not None:
        scope.require_persons(actor, path, kind)
    else:
        scope.require_read(actor, path)
    q = select(Event.id, Event.at, Event.actor, Event.action, Event.entity, Event.entity_code, Event.path,
               Event.old, Event.new, Event.reason).where(
        Event.entity_code == code, Event.entity.in_(RECORDS[entity][1])).order_by(Event.id)
    return _redact(actor, pd.DataFrame(session.execute(q).all(), columns=COLUMNS))


def last_change(session: Session, entity: str, code: str) -> tuple[str, dt.datetime] | None:
    """Who changed a record last and when (from the log), for the "changed by X at T" of a conflict."""
    row = session.execute(select(Event.actor, Event.at).where(
        Event.entity_code == code, Event.entity.in_(RECORDS[entity][1]) if entity in RECORDS else
        Event.entity == entity, Event.action != VIEW_ACTION).order_by(Event.id.desc()).limit(1)).first()
    return (row.actor, row.at) if row else None
