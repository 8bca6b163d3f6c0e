"""Person-level reads (人): the lists only responsible staff may open, masked and logged.

Every function takes the Actor, asks geodata.people.scope before reading (PermissionDenied, in Chinese and English,
outside the actor's scope or role), masks ID numbers and phones outside the person's own grid, and appends a
`persons.view` event (geodata.people.audit.log_view) naming who looked at which list of which unit and how many rows.
Nothing here is cached by the pages: each view is a fresh, logged read (domain file §5.3, scenario 19).

Counts (how many people, observees, cases) are not person-level: they are geodata.reporting.figures / geodata.reporting.access.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import text

from geodata.base.layers import id_number_warning
from geodata.people import authority, scope
from geodata.people.audit import log_view
from geodata.store.db import Store
from geodata.store.hierarchy import path_upper_bound, unit_by_code
from geodata.store.models import Person
from geodata.store.writes import Actor, WriteContext


def _unit(store: Store, actor: Actor, code: str, what: str) -> tuple[str, str]:
    """(code, path) of the unit, after the permission check for person-level data of kind `what`."""
    with store.read() as s:
        unit = unit_by_code(s, code)
        scope.require_persons(actor, unit.path, what)
        return unit.code, unit.path


#: the column `with_id_flags` adds: True where a stored ID number is well formed but its check digit is wrong
ID_CHECK_FLAG = "id_check_wrong"


def id_check_wrong(value: Any) -> bool:
    """Whether a stored ID number has a wrong check digit (geodata.base.layers.id_number_warning): such numbers
    are imported and kept rather than refused (issue 17), so every list that shows them must say so."""
    return isinstance(value, str) and id_number_warning(value.strip().upper()) is not None


def with_id_flags(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with `ID_CHECK_FLAG` computed from its `id_number`. Call it BEFORE masking: a masked number
    (110***********1232) has no check digit to test, and the flag is no secret."""
    numbers = frame["id_number"] if "id_number" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    return frame.assign(**{ID_CHECK_FLAG: numbers.map(id_check_wrong).astype(bool)})


def _masked(actor: Actor, frame: pd.DataFrame) -> pd.DataFrame:
    """ID numbers and phones masked on the rows outside the actor's own grid (geodata.people.scope)."""
    full = scope.identifiers_shown(actor, frame["path"].tolist())
    for name, fn in scope.IDENTIFIER_FIELDS.items():
        if name in frame.columns:
            frame[name] = [v if ok or not isinstance(v, str) else fn(v)
                           for v, ok in zip(frame[name], full, strict=True)]
    frame["identifiers_masked"] = [not ok for ok in full]
    return frame


def _read(store: Store, sql: str, params: dict[str, Any], columns: list[str]) -> pd.DataFrame:
    with store.read() as s:
        return pd.DataFrame(s.execute(text(sql), params).all(), columns=columns)


def _range(path: str) -> dict[str, str]:
    return {"lo": path, "hi": path_upper_bound(path)}


def persons_in(store: Store, actor: Actor, code: str, *, limit: int = 5000) -> pd.DataFrame:
    """The person register (人员名单) under a unit: who lives where, with tags. Community/grid staff only."""
    code, path = _unit(store, actor, code, "persons")
    cols = ["code", "name", "id_number", "phone", "gender", "birth_year", "resident_type", "tags", "household_code",
            "building_code", "building_name", "path", "version"]
    frame = _read(store, (
        "SELECT p.code, p.name, p.id_number, p.phone, p.gender, p.birth_year, p.resident_type, p.tags, "
        "h.code, b.code, b.name, p.path, p.version FROM persons p LEFT JOIN households h ON h.id = p.household_id "
        "LEFT JOIN buildings b ON b.id = p.building_id WHERE p.path >= :lo AND p.path < :hi ORDER BY p.code "
        "LIMIT :limit"), {**_range(path), "limit": int(limit)}, cols)
    frame["tags"] = frame["tags"].map(_tags)
    log_view(store, actor, "persons", code, path, rows=len(frame))
    return _masked(actor, with_id_flags(frame))


def households_in(store: Store, actor: Actor, code: str, *, limit: int = 5000) -> pd.DataFrame:
    """Households (户) under a unit with the head's name and phone. Community/grid staff only."""
    code, path = _unit(store, actor, code, "households")
    cols = ["code", "building_code", "building_name", "stair_unit", "room", "head_name", "members", "phone",
            "pass_no", "path", "version"]
    frame = _read(store, (
        "SELECT h.code, b.code, b.name, h.stair_unit, h.room, h.head_name, h.members, h.phone, h.pass_no, h.path, "
        "h.version FROM households h LEFT JOIN buildings b ON b.id = h.building_id "
        "WHERE h.path >= :lo AND h.path < :hi ORDER BY h.code LIMIT :limit"),
        {**_range(path), "limit": int(limit)}, cols)
    log_view(store, actor, "households", code, path, rows=len(frame))
    return _masked(actor, frame)


def observations_in(store: Store, actor: Actor, code: str, *, on: dt.date | None = None,
                    include_released: bool = False, limit: int = 5000) -> pd.DataFrame:
    """People under observation (隔离观察) under a unit, with their sign-offs and last health check.
    Community/grid staff, and health staff for the observees of their scope."""
    code, path = _unit(store, actor, code, "observations")
    on = on or dt.date.today()
    released = "" if include_released else " AND (o.released_on IS NULL OR o.released_on > :on)"
    cols = ["code", "person_code", "name", "id_number", "phone", "building_code", "building_name", "kind", "place",
            "start_date", "planned_end", "reason", "origin", "cadre_name", "medic_name", "cadre_signed_by",
            "medic_signed_by", "released_on", "last_check", "last_temperature", "path", "version"]
    frame = _read(store, (
        "SELECT o.code, p.code, p.name, p.id_number, p.phone, b.code, b.name, o.kind, o.place, o.start_date, "
        "o.planned_end, o.reason, o.origin, o.cadre_name, o.medic_name, o.cadre_signed_by, o.medic_signed_by, "
        "o.released_on, (SELECT max(c.checked_on) FROM health_checks c WHERE c.observation_id = o.id), "
        "(SELECT c.temperature FROM health_checks c WHERE c.observation_id = o.id "
        " ORDER BY c.checked_on DESC, c.id DESC LIMIT 1), o.path, o.version "
        "FROM observations o JOIN persons p ON p.id = o.person_id LEFT JOIN buildings b ON b.id = p.building_id "
        f"WHERE o.path >= :lo AND o.path < :hi AND o.start_date <= :on{released} "
        "ORDER BY o.planned_end, o.code LIMIT :limit"), {**_range(path), "on": on, "limit": int(limit)}, cols)
    for c in ("start_date", "planned_end", "released_on", "last_check"):
        frame[c] = pd.to_datetime(frame[c]).dt.date.astype(object).where(frame[c].notna(), None)
    log_view(store, actor, "observations", code, path, rows=len(frame))
    return _masked(actor, with_id_flags(frame))


def cases_in(store: Store, actor: Actor, code: str, *, limit: int = 5000) -> pd.DataFrame:
    """Cases and close contacts (病例) under a unit, with the person's name where known."""
    code, path = _unit(store, actor, code, "cases")
    cols = ["code", "kind", "reported_on", "person_code", "name", "building_code", "building_name", "stair_unit",
            "worksite", "source_known", "note", "path", "version"]
    frame = _read(store, (
        "SELECT k.code, k.kind, k.reported_on, p.code, p.name, b.code, b.name, k.stair_unit, k.worksite, "
        "k.source_known, k.note, k.path, k.version FROM cases k LEFT JOIN persons p ON p.id = k.person_id "
        "LEFT JOIN buildings b ON b.id = k.building_id WHERE k.path >= :lo AND k.path < :hi "
        "ORDER BY k.reported_on DESC, k.code LIMIT :limit"), {**_range(path), "limit": int(limit)}, cols)
    frame["reported_on"] = pd.to_datetime(frame["reported_on"]).dt.date
    frame["source_known"] = frame["source_known"].astype(bool)
    log_view(store, actor, "cases", code, path, rows=len(frame))
    return frame


def health_checks_of(store: Store, actor: Actor, observation_code: str) -> pd.DataFrame:
    """The daily follow-ups of one observation, newest first."""
    with store.read() as s:
        row = s.execute(text("SELECT id, path FROM observations WHERE code = :c"), {"c": observation_code}).first()
        if row is None or scope.hides(actor, row.path):
            # the role's refusal first (the same for any code), then one answer for missing and elsewhere
            scope.require_persons(actor, actor.scope_path, "health_checks")
            raise scope.unknown_code(actor, ("隔离观察记录编号", "observation code"), observation_code)
        scope.require_persons(actor, row.path, "health_checks")
        cols = ["checked_on", "temperature", "symptoms", "recorded_by", "recorded_at"]
        frame = pd.DataFrame(s.execute(text(
            "SELECT checked_on, temperature, symptoms, recorded_by, recorded_at FROM health_checks "
            "WHERE observation_id = :i ORDER BY checked_on DESC, id DESC"), {"i": row.id}).all(), columns=cols)
    frame["symptoms"] = frame["symptoms"].map(_tags)
    log_view(store, actor, "health_checks", observation_code, row.path, rows=len(frame))
    return frame


def person(store: Store, actor: Actor, code: str) -> dict[str, Any]:
    """One person's record (the card), masked as the lists are; logged like a list of one."""
    with store.read() as s:
        row = s.execute(text(
            "SELECT p.code, p.name, p.id_number, p.phone, p.gender, p.birth_year, p.resident_type, p.tags, p.path, "
            "p.version, b.code AS building_code, b.name AS building_name, h.code AS household_code "
            "FROM persons p LEFT JOIN buildings b ON b.id = p.building_id "
            "LEFT JOIN households h ON h.id = p.household_id WHERE p.code = :c"), {"c": code}).mappings().first()
        if row is None or scope.hides(actor, row["path"]):
            # the role's refusal first (the same for any code), then one answer for missing and elsewhere
            scope.require_persons(actor, actor.scope_path, "persons")
            raise scope.unknown_code(actor, ("人员编码", "person code"), code)
        scope.require_persons(actor, row["path"], "persons")
    out = dict(row)
    out["tags"] = _tags(out["tags"])
    out[ID_CHECK_FLAG] = id_check_wrong(out["id_number"])
    log_view(store, actor, "persons", code, out["path"], rows=1, detail={"person": code})
    return scope.mask_values(out, full=scope.sees_identifiers(actor, out["path"])) or {}


def mask_frame(actor: Actor, frame: pd.DataFrame) -> pd.DataFrame:
    """Mask a person-level frame that carries `path` (for exports): ID numbers and phones outside the person's
    own grid. Frames without `path` are masked whole unless the actor is a system process."""
    if "path" not in frame.columns:
        if authority.allowed(actor, "identifiers.read_all"):
            return frame
        frame = frame.copy()
        for name, fn in scope.IDENTIFIER_FIELDS.items():
            if name in frame.columns:
                frame[name] = frame[name].map(lambda v, fn=fn: fn(v) if isinstance(v, str) else v)
        return frame
    return _masked(actor, frame.copy()).drop(columns=["identifiers_masked"])


def add_tags(ctx: WriteContext, person: Person, tags: list[str], *, reason: str | None = None) -> list[str]:
    """Add tag codes (geodata.base.vocab.PERSON_TAGS, checked by the caller) to a person's record in the caller's
    transaction: "edit.person" on the person's current place (a tag does not move them, so that is also the new
    place), a tag already there is not added twice, and the change is audited old → new as a hand edit is
    (`person.update`). Returns the tags added (empty: nothing written, nothing logged)."""
    authority.require(ctx.actor, "edit.person", person.path)
    old = _tags(person.tags)
    added = [t for t in dict.fromkeys(tags) if t not in old]
    if not added:
        return []
    person.tags = [*old, *added]  # a new list: the JSON column does not track changes in place
    ctx.session.flush()
    ctx.record("person.update", "person", person.code, path=person.path, old={"tags": old},
               new={"tags": person.tags}, reason=reason)
    return added


def _tags(value: Any) -> list[str]:
    import json

    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return list(value) if isinstance(value, (list, tuple)) else [str(value)]
