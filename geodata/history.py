"""The past, rebuilt from the event log: control states as of any date, the situation levels announced, and a
replay that checks the stored state against the log.

What is stored where (so that every status is recomputable for any past date):
- situation levels are never stored: `geodata.risk.situation(..., on=date)` derives them from `cases.reported_on`;
- building and village control states are stored on their rows *and* every change is a `control.change` event
  with its effective date (`new.since`), its rule and its reason — `control_as_of` replays them;
- each change of a community's level or cluster flag is a `situation.change` event (rule, case codes, who),
  which explains the map but is not needed to draw it;
- observations carry `start_date` / `released_on`, so counts on a past date are a date filter.

Replay order for control states is the order of writing (event id), so that replaying the whole log gives
exactly the stored row even where an import changed a state; the commands refuse back-dating before a target's
current `control_since`, so write order and date order agree for them.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.models import Building, Case, Event, Observation, Unit
from geodata.vocab import Level

CONTROL_ACTION = "control.change"
SITUATION_ACTION = "situation.change"
#: what a bulk import logs when a file changes a row (see geodata.bulk): entity name per control target kind
_IMPORT_ENTITY = {"building": "building", "compound": "unit"}


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def events(session: Session, actions: tuple[str, ...], *, entity: str | None = None,
           code: str | None = None) -> pd.DataFrame:
    """Events of the given actions in write order, JSON columns as dicts."""
    q = select(Event.id, Event.at, Event.actor, Event.action, Event.entity, Event.entity_code, Event.path,
               Event.old, Event.new, Event.reason).where(Event.action.in_(actions)).order_by(Event.id)
    if entity is not None:
        q = q.where(Event.entity == entity)
    if code is not None:
        q = q.where(Event.entity_code == code)
    cols = ["id", "at", "actor", "action", "entity", "code", "path", "old", "new", "reason"]
    return pd.DataFrame(session.execute(q).all(), columns=cols)


# --- control states ------------------------------------------------------------------------------------------


def control_events(session: Session, kind: str = "building") -> pd.DataFrame:
    """Every change of a building's (kind='building') or compound's (kind='compound') control state, in write
    order: id, code, effective date, state, old_state, rule, actor, reason."""
    imp = f"{_IMPORT_ENTITY[kind]}.update"
    ev = events(session, (CONTROL_ACTION, imp))
    cols = ["id", "code", "effective", "state", "old_state", "rule", "actor", "reason"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for r in ev.itertuples(index=False):
        new, old = r.new or {}, r.old or {}
        if r.action == CONTROL_ACTION:
            if r.entity != kind:
                continue
            rows.append((r.id, r.code, _date(new.get("since")), new.get("state"), old.get("state"),
                         new.get("rule"), r.actor, r.reason))
        elif "control_state" in new:  # a file import changed the state: effective the day it was written
            rows.append((r.id, r.code, r.at.date(), new["control_state"], old.get("control_state"), "import",
                         r.actor, r.reason))
    return pd.DataFrame(rows, columns=cols)


def _targets(session: Session, kind: str) -> pd.DataFrame:
    if kind == "building":
        q = select(Building.id, Building.code, Building.path, Building.compound_id, Building.grid_id,
                   Building.control_state, Building.control_since, Building.control_reason)
        cols = ["id", "code", "path", "compound_id", "grid_id", "state", "since", "reason"]
    else:
        q = select(Unit.id, Unit.code, Unit.path, Unit.kind, Unit.parent_id, Unit.control_state, Unit.control_since,
                   Unit.control_reason).where(Unit.level == int(Level.COMPOUND))
        cols = ["id", "code", "path", "kind", "grid_id", "state", "since", "reason"]
    return pd.DataFrame(session.execute(q).all(), columns=cols)


def control_as_of(session: Session, on: dt.date | None, kind: str = "building") -> pd.DataFrame:
    """Control state of every building (or compound) on `on`, replayed from the event log (None = stored now).

    A target without events keeps its stored state for every date (it was imported so, and never changed).
    """
    frame = _targets(session, kind)
    if on is None or frame.empty:
        return frame
    ev = control_events(session, kind)
    if ev.empty:
        return frame
    known = ev[ev["effective"] <= on].groupby("code").last()
    first = ev.groupby("code").first()
    codes = frame["code"]
    has_last = codes.isin(known.index)
    before_first = ~has_last & codes.isin(first.index)
    frame.loc[has_last, "state"] = known.loc[codes[has_last], "state"].to_numpy()
    frame.loc[has_last, "since"] = known.loc[codes[has_last], "effective"].to_numpy()
    frame.loc[has_last, "reason"] = known.loc[codes[has_last], "reason"].to_numpy()
    frame.loc[before_first, "state"] = first.loc[codes[before_first], "old_state"].fillna("normal").to_numpy()
    frame.loc[before_first, "since"] = None
    frame.loc[before_first, "reason"] = None
    return frame


def building_control_as_of(session: Session, on: dt.date | None) -> pd.DataFrame:
    """Every building's control state on `on` (id, code, path, compound_id, grid_id, state, since, reason)."""
    return control_as_of(session, on, "building")


def compound_control_as_of(session: Session, on: dt.date | None) -> pd.DataFrame:
    """Every compound's / natural village's own control state on `on` (id, code, path, kind, state, …)."""
    return control_as_of(session, on, "compound")


# --- situation announcements -----------------------------------------------------------------------------------


def announced_situation(session: Session, on: dt.date | None = None, code: str | None = None) -> pd.DataFrame:
    """The last `situation.change` per community with effective date ≤ `on`: code, rank, cluster, on, event_id."""
    ev = events(session, (SITUATION_ACTION,), code=code)
    cols = ["code", "rank", "cluster", "on", "event_id"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame({
        "code": ev["code"],
        "rank": [int((n or {}).get("rank", 0)) for n in ev["new"]],
        "cluster": [bool((n or {}).get("cluster", False)) for n in ev["new"]],
        "on": [_date((n or {}).get("on")) for n in ev["new"]],
        "event_id": ev["id"],
    })
    if on is not None:
        frame = frame[frame["on"] <= on]
    return frame.sort_values(["on", "event_id"]).groupby("code", as_index=False).last()[cols]


def explain(session: Session, code: str) -> pd.DataFrame:
    """Why a community, building, village or case is as it is: its events in order, each with who, the rule,
    the cases that triggered it and the reason."""
    q = select(Event.id, Event.at, Event.actor, Event.action, Event.old, Event.new, Event.reason).where(
        Event.entity_code == code).order_by(Event.id)
    rows = []
    for r in session.execute(q).all():
        new = r.new or {}
        rows.append({"id": r.id, "at": r.at, "actor": r.actor, "action": r.action,
                     "effective": _date(new.get("on") or new.get("since")), "rule": new.get("rule"),
                     "cases": new.get("cases") or ([new["trigger"]] if new.get("trigger") else []),
                     "old": r.old, "new": r.new, "reason": r.reason})
    return pd.DataFrame(rows, columns=["id", "at", "actor", "action", "effective", "rule", "cases", "old", "new",
                                       "reason"])


# --- replay: the stored state against the log ------------------------------------------------------------------


def _fold(ev: pd.DataFrame, fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Apply create/update events in write order: code → the last value of each field."""
    out: dict[str, dict[str, Any]] = {}
    for r in ev.itertuples(index=False):
        cur = out.setdefault(r.code, {})
        for k, v in (r.new or {}).items():
            if k in fields:
                cur[k] = v
    return out


def _norm(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    if isinstance(v, str) and len(v) >= 10 and v[4] == "-" and v[7] == "-":
        return v[:10]
    return v


def replay_differences(session: Session) -> list[str]:
    """Where the stored rows disagree with the event log (empty = the log reproduces the state):
    control states of buildings and compounds, cases (kind, date, place), observations (kind, release)."""
    problems: list[str] = []
    for kind, label in (("building", "楼栋 building"), ("compound", "小区/自然村 compound")):
        stored = _targets(session, kind).set_index("code")["state"]
        replayed = control_as_of(session, dt.date.max, kind).set_index("code")["state"]
        bad = stored.index[stored.to_numpy() != replayed.reindex(stored.index).to_numpy()]
        if len(bad):
            problems.append(f"{label}管控状态与事件日志不符 / control state differs from the log: "
                            + ", ".join(f"{c} {stored[c]}≠{replayed[c]}" for c in bad[:20]))
    checks = (
        (Case, ("case.create", "case.update"), ("kind", "reported_on", "path"), "病例 case"),
        (Observation, ("observation.create", "observation.update", "observation.release", "observation.kind"),
         ("kind", "path", "released_on"), "隔离观察 observation"),
    )
    for model, actions, fields, label in checks:
        folded = _fold(events(session, actions), fields)
        cols = [model.code, *[getattr(model, f) for f in fields]]
        for row in session.execute(select(*cols)).all():
            code, values = row[0], dict(zip(fields, row[1:], strict=True))
            logged = folded.get(code)
            if logged is None:
                problems.append(f"{label} {code} 无创建事件 / has no create event")
                continue
            diff = [f for f in fields if _norm(logged.get(f)) != _norm(values[f])]
            if diff:
                problems.append(f"{label} {code} 与事件日志不符 / differs from the log: "
                                + ", ".join(f"{f}: {values[f]}≠{logged.get(f)}" for f in diff))
    return problems


@dataclass
class Rebuild:
    """A full rebuild from the log and the base tables, with the seconds each step took."""

    on: dt.date
    buildings: pd.DataFrame
    compounds: pd.DataFrame
    stats: pd.DataFrame
    situation: pd.DataFrame
    differences: list[str]
    seconds: dict[str, float] = field(default_factory=dict)


def rebuild(session: Session, on: dt.date | None = None) -> Rebuild:
    """Everything the map shows on `on`, recomputed from scratch: control states replayed from the events,
    roll-up counters from the base tables, situation levels of every community from the cases, and the replay
    check of the stored state against the log."""
    from geodata.risk import situation  # risk writes through this module's readers: import late
    from geodata.stats import compute_all

    on = on or dt.date.today()
    secs: dict[str, float] = {}
    t = time.perf_counter()
    buildings = building_control_as_of(session, on)
    compounds = compound_control_as_of(session, on)
    secs["control_states"] = time.perf_counter() - t
    t = time.perf_counter()
    stats = compute_all(session)
    secs["roll_up_counters"] = time.perf_counter() - t
    t = time.perf_counter()
    sit = situation(session, level=Level.COMMUNITY, on=on)
    secs["situation"] = time.perf_counter() - t
    t = time.perf_counter()
    diffs = replay_differences(session)
    secs["replay_check"] = time.perf_counter() - t
    return Rebuild(on, buildings, compounds, stats, sit, diffs, secs)
