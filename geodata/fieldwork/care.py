"""Care of the vulnerable (关爱名单): who is on the list, visits and deliveries, who is overdue for a visit.

Sources: 000 §1(四)5 (全面掌握独居、空巢、留守、失能及患有多种慢性疾病的老年人和婴幼儿、孕产妇基本信息), 000 §1(三)2 (the people of
a sealed building are looked after: supplies brought to the door), 004 民政 (分散供养特困人员、农村留守老人 的生活保障).

The list is not a register of its own: a person is on it by the care tags already on their record
(`persons.tags`, geodata.base.vocab.PERSON_TAGS), several kinds at once. A grid's list is its people with such a tag;
a sealed building's is the same people in that building, who are due a visit more often (`care` setting:
`visit_days`, `sealed_visit_days`). A visit or a delivery (代购、定点投放、不见面送达) is a `CareVisit` row: date, what,
by whom, and a need found on the way (`need`); with `as_event` the need is also logged as an event of the grid
(geodata.fieldwork.events.log_event, 民生诉求, tracked by whoever recorded the visit) in the same transaction, and the
visit keeps the event's code.

Overdue: a person last visited more than `visit_days` days ago (or never) is overdue; visited exactly `visit_days`
days ago is due today, not yet overdue.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pandas as pd
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from geodata.base.layers import Rule, checked_text
from geodata.base.problems import Problem, Rejected
from geodata.base.tasks import Task
from geodata.base.vocab import PERSON_TAGS, label
from geodata.fieldwork.events import log_event
from geodata.people import authority, reach, scope
from geodata.people.audit import log_view
from geodata.people.persons import mask_frame
from geodata.store.db import Store
from geodata.store.field_models import CareVisit
from geodata.store.hierarchy import UnknownUnit, path_upper_bound
from geodata.store.models import Building, Person, Unit
from geodata.store.rules_config import get_setting
from geodata.store.stats import SEALED_STATES
from geodata.store.writes import Actor, WriteContext

#: the tags that put a person on the care list, in the order the list names them (000 §1(四)5; 004 民政)
CARE_KINDS: tuple[str, ...] = ("elderly_alone", "empty_nest", "left_behind", "disabled_elderly", "disabled",
                               "destitute", "low_income", "pregnant", "infant", "chronic")
VISIT_KINDS = {"visit": ("探访", "Visit"), "delivery": ("送达", "Delivery")}
#: 代购、定点投放、不见面送达 (000 §1(三)2: supplies for people who cannot go out)
DELIVERY_METHODS = {"proxy_purchase": ("代购", "Bought for them"), "drop_point": ("定点投放", "Left at a drop point"),
                    "contactless": ("不见面送达", "Contactless to the door")}
_WHAT, _VISITOR, _NEED = Rule("text", max_len=300), Rule("text", max_len=100), Rule("text", max_len=2000)


def tags_of(value: Any) -> list[str]:
    """The tag codes stored on a person (a JSON list, or its text on some drivers)."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def care_kinds(tags: Any) -> list[str]:
    """The care kinds among a person's tags, in CARE_KINDS order (empty: not on the list)."""
    have = set(tags_of(tags))
    return [k for k in CARE_KINDS if k in have]


def kinds_label(kinds: list[str], lang: str = "zh") -> str:
    return ("、" if lang == "zh" else ", ").join(label(PERSON_TAGS, k, lang) for k in kinds)


def visit_days(session: Session) -> tuple[int, int]:
    """(days between visits, the same in a sealed building): the `care` setting."""
    cfg = get_setting(session, "care")
    return int(cfg["visit_days"]), int(cfg["sealed_visit_days"])


def is_overdue(last_visit: dt.date | None, on: dt.date, days: int) -> bool:
    """Overdue on `on`: never visited, or last visited more than `days` days before (exactly `days`: due today)."""
    return last_visit is None or (on - last_visit).days > days


# --- reads ------------------------------------------------------------------------------------------------------

_LIST_COLUMNS = ["id", "code", "name", "phone", "birth_year", "tags", "building_code", "building_name",
                 "control_state", "room", "grid_id", "path", "last_visit"]


def _where(session: Session, code: str, actor: Actor | None = None) -> tuple[str, str, dict[str, Any]]:
    """(path for the scope check, SQL condition on persons p, params) for a unit code or a building code. With
    `actor`: after the role ("care.read"), a code outside a scoped actor's scope answers exactly as an unknown one
    (`scope.UnitNotInScope`, issue 18)."""
    reach.role_first(actor, None if actor is None else "care.read")
    unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is not None and not reach.hidden(actor, unit.path):
        return unit.path, "p.path >= :lo AND p.path < :hi", {"lo": unit.path, "hi": path_upper_bound(unit.path)}
    b = session.execute(select(Building).where(Building.code == code)).scalar_one_or_none()
    if b is not None and not reach.hidden(actor, b.path):
        return b.path, "p.building_id = :bid", {"bid": b.id}
    if actor is not None and actor.scope_path is not None:
        raise scope.UnitNotInScope(code)
    raise UnknownUnit(code)


def _frame(session: Session, cond: str, params: dict[str, Any], on: dt.date) -> pd.DataFrame:
    rows = session.execute(text(
        "SELECT p.id, p.code, p.name, p.phone, p.birth_year, p.tags, b.code, b.name, b.control_state, h.room, "
        "p.grid_id, p.path, (SELECT max(v.visited_on) FROM care_visits v WHERE v.person_id = p.id "
        "AND v.visited_on <= :on) FROM persons p LEFT JOIN buildings b ON b.id = p.building_id "
        f"LEFT JOIN households h ON h.id = p.household_id WHERE {cond} AND p.tags IS NOT NULL ORDER BY p.code"),
        {**params, "on": on}).all()
    frame = pd.DataFrame(rows, columns=_LIST_COLUMNS)
    frame["kinds"] = frame["tags"].map(care_kinds)
    frame = frame[frame["kinds"].map(bool)].drop(columns="tags").reset_index(drop=True)
    days, sealed_days = visit_days(session)
    frame["sealed"] = frame["control_state"].isin(SEALED_STATES)
    frame["due_days"] = frame["sealed"].map({True: sealed_days, False: days}).astype(int)
    last = pd.to_datetime(frame["last_visit"])
    frame["last_visit"] = last.dt.date.astype(object).where(last.notna(), None)
    since = (pd.Timestamp(on) - last).dt.days
    frame["days_since"] = since.astype("Int64")
    frame["overdue"] = (last.isna() | (since > frame["due_days"])).astype(bool)
    return frame


def care_list(store: Store, actor: Actor, code: str, *, on: dt.date | None = None) -> pd.DataFrame:
    """The care list of a unit (a grid, a community …) or of one building (a sealed one: its people cannot go out):
    who, which kinds, where, last visit, days since, due every N days, overdue. Person-level: checked
    ("care.read"), phones masked outside the reader's own grid, and the view logged. Overdue first."""
    on = on or dt.date.today()
    with store.read() as s:
        path, cond, params = _where(s, code, actor)
        authority.require(actor, "care.read", path)
        frame = _frame(s, cond, params, on)
    frame = frame.sort_values(["overdue", "sealed", "days_since", "code"], ascending=[False, False, False, True],
                              na_position="first").reset_index(drop=True)
    log_view(store, actor, "care_list", code, path, rows=len(frame))
    return mask_frame(actor, frame)


def _on_list_sql() -> str:
    """SQL: person p carries a care tag. Tags are a JSON list of codes; a code's quoted form in the stored text
    matches it alone (`"disabled"` is not inside `"disabled_elderly"`), the same on SQLite and PostgreSQL."""
    return "(" + " OR ".join(f"CAST(p.tags AS TEXT) LIKE '%\"{k}\"%'" for k in CARE_KINDS) + ")"


def overdue_by_grid(session: Session, scope_path: str | None, on: dt.date) -> pd.DataFrame:
    """Counts per grid under `scope_path` (None: the city): people on the care list, overdue for a visit, of
    them in sealed buildings. Counts only — what the wall and the street see.

    One aggregate in the database: the wall asks for the whole city (140k people on the list in the city demo),
    and reading them into pandas took 10 s a refresh. Overdue is `is_overdue` written as a cut-off day."""
    lo_hi = {"lo": scope_path, "hi": path_upper_bound(scope_path)} if scope_path else {}
    in_scope = "p.path >= :lo AND p.path < :hi" if scope_path else "1 = 1"
    visits_in_scope = "AND v.path >= :lo AND v.path < :hi" if scope_path else ""
    days, sealed_days = visit_days(session)
    sealed = "b.control_state IN :sealed_states"
    rows = session.execute(text(
        f"SELECT p.grid_id, count(*), "
        f"sum(CASE WHEN lv.last_visit IS NULL OR lv.last_visit < "
        f"(CASE WHEN {sealed} THEN :cut_sealed ELSE :cut END) THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {sealed} THEN 1 ELSE 0 END) "
        "FROM persons p LEFT JOIN buildings b ON b.id = p.building_id "
        "LEFT JOIN (SELECT v.person_id, max(v.visited_on) AS last_visit FROM care_visits v "
        f"WHERE v.visited_on <= :on {visits_in_scope} GROUP BY v.person_id) lv ON lv.person_id = p.id "
        f"WHERE {in_scope} AND {_on_list_sql()} GROUP BY p.grid_id"
    ).bindparams(bindparam("sealed_states", expanding=True)),
        {**lo_hi, "on": on, "sealed_states": list(SEALED_STATES),
         "cut": on - dt.timedelta(days=days), "cut_sealed": on - dt.timedelta(days=sealed_days)}).all()
    out = pd.DataFrame(rows, columns=["grid_id", "on_list", "overdue", "sealed"])
    if out.empty:
        return pd.DataFrame(columns=["grid_code", "grid_name", "path", "on_list", "overdue", "sealed"])
    grids = pd.DataFrame(session.execute(text("SELECT id, code, name, path FROM units WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)), {"ids": [int(i) for i in out["grid_id"]]}).all(),
        columns=["grid_id", "grid_code", "grid_name", "path"])
    out = grids.merge(out, on="grid_id").drop(columns="grid_id")
    return out.astype({"on_list": int, "overdue": int, "sealed": int}).sort_values(
        ["overdue", "grid_code"], ascending=[False, True]).reset_index(drop=True)


def visits_in(store: Store, actor: Actor, code: str, *, since: dt.date | None = None,
              limit: int = 5000) -> pd.DataFrame:
    """Visits and deliveries under a unit (or in a building), newest first; person-level like the list."""
    with store.read() as s:
        path, cond, params = _where(s, code, actor)
        authority.require(actor, "care.read", path)
        cond = cond + (" AND v.visited_on >= :since" if since else "")
        rows = s.execute(text(
            "SELECT v.code, v.visited_on, v.kind, v.method, v.what, v.visitor, v.need, v.event_code, p.code, p.name, "
            "b.code, v.recorded_by, v.path FROM care_visits v JOIN persons p ON p.id = v.person_id "
            f"LEFT JOIN buildings b ON b.id = p.building_id WHERE {cond} "
            "ORDER BY v.visited_on DESC, v.id DESC LIMIT :limit"), {**params, "since": since, "limit": int(limit)}).all()
    frame = pd.DataFrame(rows, columns=["code", "visited_on", "kind", "method", "what", "visitor", "need",
                                        "event_code", "person_code", "name", "building_code", "recorded_by", "path"])
    frame["visited_on"] = pd.to_datetime(frame["visited_on"]).dt.date
    log_view(store, actor, "care_visits", code, path, rows=len(frame))
    return frame


# --- the command ----------------------------------------------------------------------------------------------


def _text(rule: Rule, name: str, zh: str, value: str | None, problems: list[Problem], *,
          required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            problems.append(Problem(f"{zh}不能为空", f"{name} is required", field=name))
        return None
    stored, why = checked_text(rule, name, value)
    if why:
        problems.append(Problem(f"{zh}: {why[0]}", f"{name}: {why[1]}", field=name))
    return stored


def record_visit(ctx: WriteContext, person_code: str, *, on: dt.date, kind: str = "visit",
                 method: str | None = None, what: str | None = None, visitor: str | None = None,
                 need: str | None = None, as_event: bool = False, today: dt.date | None = None) -> str:
    """Record a visit to, or a delivery for, a person on the care list; returns the visit's code.

    Refused (nothing written) for a person not on the list, outside the actor's scope ("care.record" at the
    person's place), a day in the future, an unknown kind or method, a delivery without what was brought, or
    text the field rules refuse (control characters, too long)."""
    today = today or dt.date.today()
    person = reach.find(ctx.session, ctx.actor, Person, person_code, ("人员编码", "person code"),
                        action="care.record", field="person_code")
    authority.require(ctx.actor, "care.record", person.path)
    problems: list[Problem] = []
    kinds = care_kinds(person.tags)
    if not kinds:
        problems.append(Problem(f"{person_code} 不在关爱名单上（无独居、残疾、特困等类别）",
                                f"{person_code} is not on the care list (no care kind on the record)",
                                field="person_code"))
    if kind not in VISIT_KINDS:
        problems.append(Problem(f"未知的服务类型 {kind!r}（探访 visit、送达 delivery）",
                                f"unknown kind {kind!r} (visit, delivery)", field="kind"))
    if kind == "delivery" and method not in DELIVERY_METHODS:
        problems.append(Problem("送达须选择方式：代购、定点投放或不见面送达",
                                "a delivery needs its method: proxy_purchase, drop_point or contactless", field="method"))
    if kind == "visit" and method is not None:
        problems.append(Problem("探访没有送达方式", "a visit has no delivery method", field="method"))
    if not isinstance(on, dt.date) or on > today:
        problems.append(Problem(f"日期不能晚于今天（{today.isoformat()}）", f"the date cannot be after today ({today})",
                                field="visited_on"))
    what = _text(_WHAT, "what", "送达物品/探访内容", what, problems, required=kind == "delivery")
    visitor = _text(_VISITOR, "visitor", "探访人", visitor, problems) or ctx.actor.username
    need = _text(_NEED, "need", "需求", need, problems)
    if problems:
        raise Rejected(problems)
    visit = CareVisit(code=f"CV-{uuid.uuid4().hex[:10].upper()}", person_id=person.id, path=person.path,
                      visited_on=on, kind=kind, method=method if kind == "delivery" else None, what=what,
                      visitor=visitor, need=need, recorded_by=ctx.actor.username, recorded_at=ctx.now)
    ctx.session.add(visit)
    if as_event and need:  # a need that someone must act on: an event of the person's grid (事件上报)
        grid = ctx.session.get(Unit, person.grid_id)
        building = ctx.session.get(Building, person.building_id) if person.building_id else None
        visit.event_code = log_event(ctx, grid.code, need, kind="livelihood",
                                     building_code=building.code if building else None, source="care").code
    ctx.session.flush()
    ctx.record(f"care.{kind}", "care_visit", visit.code, path=person.path,
               new={"person": person.code, "on": on, "kind": kind, "method": visit.method, "what": what,
                    "visitor": visitor, "need": need, "event": visit.event_code},
               reason=f"{VISIT_KINDS[kind][0]} / {VISIT_KINDS[kind][1]}")
    return visit.code


def due_in_grid(session: Session, grid_path: str, on: dt.date) -> int:
    """How many people of the care list under `grid_path` are due or overdue a visit on `on` (a count for a grid
    worker's day: due today counts too)."""
    frame = _frame(session, "p.path >= :lo AND p.path < :hi", {"lo": grid_path, "hi": path_upper_bound(grid_path)}, on)
    since = frame["days_since"].astype("float")
    return int((frame["overdue"] | (since >= frame["due_days"])).sum())


def insert_visits(ctx: WriteContext, rows: list[dict[str, Any]]) -> int:
    """Bulk-insert visit rows already resolved to person ids and paths (the demo city's, a migration's): one
    audited event for the lot. For bulk loads by a system process ("import"); people record visits one by one."""
    authority.require(ctx.actor, "import")
    for start in range(0, len(rows), 5000):
        ctx.session.execute(CareVisit.__table__.insert(), rows[start:start + 5000])
    ctx.record("care.import", "care_visit", None, new={"inserted": len(rows)})
    return len(rows)


def care_tasks(session: Session, actor: Actor, day: dt.date) -> list[Task]:
    """A grid worker's "today" (geodata.reporting.tasks): the people of their place due or overdue a care visit,
    one task for the lot, open-ended (the list is the page /care). Names only where the actor may read persons."""
    if actor.scope_path is None or not authority.allowed(actor, "care.record", actor.scope_path):
        return []
    n = due_in_grid(session, actor.scope_path, day)
    if not n or not scope.can_read_persons(actor, actor.scope_path):
        return []
    return [Task("care", f"care:{actor.scope_path}", f"关爱探访：{n} 人今日到期或逾期", f"Care visits: {n} due or overdue",
                 actor.scope_path, None, page="care", action="care.record")]
