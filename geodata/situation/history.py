"""The past, rebuilt from the event log: control states as of any date, the situation levels announced, and a
replay that checks the stored state against the log.

What is stored where (so that every status is recomputable for any past date):
- situation levels are never stored: `geodata.situation.risk.situation(..., on=date)` derives them from `cases.reported_on`;
- building and village control states are stored on their rows *and* every change is a `control.change` event
  with its effective date (`new.since`), its rule and its reason — `control_as_of` replays them;
- each change of a community's level or cluster flag is a `situation.change` event (rule, case codes, who),
  which explains the map but is not needed to draw it;
- observations carry `start_date` / `released_on`, so counts on a past date are a date filter; their kind on a past
  date is replayed from the `observation.kind` events (`kinds_as_of`).

Replay order for control states is the order of writing (event id), so that replaying the whole log gives
exactly the stored row even where an import changed a state; the commands refuse back-dating before a target's
current `control_since`, so write order and date order agree for them.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.base.vocab import Level
from geodata.store.hierarchy import path_upper_bound
from geodata.store.models import Case, Event, Observation

CONTROL_ACTION = "control.change"
SITUATION_ACTION = "situation.change"
#: what a bulk import logs when a file changes a row (see geodata.exchange.bulk): entity name per control target kind
_IMPORT_ENTITY = {"building": "building", "compound": "unit"}


def _date(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def rows_frame(session: Session, query: Any, columns: list[str], params: dict[str, Any] | None = None
               ) -> pd.DataFrame:
    """Run `query` and return its rows as a DataFrame (tuples first: several times faster than Row objects)."""
    return pd.DataFrame.from_records([tuple(r) for r in session.execute(query, params or {})], columns=columns)


def events(session: Session, actions: tuple[str, ...], *, entity: str | None = None,
           code: str | None = None, path: str | None = None) -> pd.DataFrame:
    """Events of the given actions in write order (optionally of one code, or under a unit path), JSON as dicts."""
    q = select(Event.id, Event.at, Event.actor, Event.action, Event.entity, Event.entity_code, Event.path,
               Event.old, Event.new, Event.reason).where(Event.action.in_(actions)).order_by(Event.id)
    if entity is not None:
        q = q.where(Event.entity == entity)
    if code is not None:
        q = q.where(Event.entity_code == code)
    if path is not None:
        q = q.where(Event.path >= path, Event.path < path_upper_bound(path))
    cols = ["id", "at", "actor", "action", "entity", "code", "path", "old", "new", "reason"]
    return rows_frame(session, q, cols)


# --- observations -------------------------------------------------------------------------------------------

OBSERVATION_KIND_ACTION = "observation.kind"


def kinds_as_of(session: Session, frame: pd.DataFrame, on: dt.date, path: str | None = None) -> pd.DataFrame:
    """`frame` (observations: `code`, `kind` as stored now) with `kind` as it was at the end of `on` (issue 14
    point 11: the past is the past): an observation moved from home to central today still counts as home three
    days ago. A change of kind takes effect the day it is written (`observation.kind` events), so the kind on
    `on` is the old kind of the first change written after `on`, else the stored one."""
    if frame.empty:
        return frame
    after = dt.datetime.combine(on + dt.timedelta(days=1), dt.time())
    q = select(Event.entity_code, Event.old).where(Event.action == OBSERVATION_KIND_ACTION, Event.at >= after
                                                   ).order_by(Event.id)
    if path is not None:
        q = q.where(Event.path >= path, Event.path < path_upper_bound(path))
    first: dict[str, str] = {}
    for code, old in session.execute(q):
        if code not in first and (old or {}).get("kind"):
            first[code] = old["kind"]
    if not first:
        return frame
    return frame.assign(kind=[first.get(c, k) for c, k in zip(frame["code"], frame["kind"], strict=True)])


# --- control states ------------------------------------------------------------------------------------------


def control_events(session: Session, kind: str = "building", path: str | None = None) -> pd.DataFrame:
    """Every change of a building's (kind='building') or compound's (kind='compound') control state, in write
    order (optionally under a unit path): id, code, effective date, state, old_state, rule, actor, reason, and a
    sealing's basis before and after (basis, old_basis: 封锁 / 硬隔离, None when not recorded) and the day the
    change was made for (dated: `effective`, but a basis change's own day: the sealing it changes keeps its start)."""
    imp = f"{_IMPORT_ENTITY[kind]}.update"
    ev = events(session, (CONTROL_ACTION, imp), path=path)
    cols = ["id", "code", "effective", "state", "old_state", "rule", "actor", "reason", "basis", "old_basis", "dated"]
    rows = []
    for r in ev.itertuples(index=False):
        new, old = r.new or {}, r.old or {}
        if r.action == CONTROL_ACTION:
            if r.entity != kind:
                continue
            rows.append((r.id, r.code, _date(new.get("since")), new.get("state"), old.get("state"),
                         new.get("rule"), r.actor, r.reason, new.get("basis"), old.get("basis"),
                         _date(new.get("on") or new.get("since"))))
        elif "control_state" in new:  # a file import changed the state: effective the day it was written
            rows.append((r.id, r.code, _date(r.at), new["control_state"], old.get("control_state"), "import",
                         r.actor, r.reason, new.get("control_basis"), old.get("control_basis"), _date(r.at)))
    return pd.DataFrame(rows, columns=cols)


def replayed_states(session: Session, on: dt.date, kind: str = "building", path: str | None = None
                    ) -> pd.DataFrame:
    """The state on `on` of every target that has control events (indexed by code): the last change written
    with an effective date ≤ `on`, else the state before its first change. Targets without events never
    changed: their stored state holds for every date, so they are not listed."""
    ev = control_events(session, kind, path)
    cols = ["state", "since", "reason"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    first = ev.groupby("code").first()
    out = pd.DataFrame({"state": first["old_state"].fillna("normal"), "since": None, "reason": None},
                       index=first.index)
    known = ev[ev["effective"] <= on].groupby("code").last()
    out.loc[known.index, "state"] = known["state"]
    out.loc[known.index, "since"] = known["effective"]
    out.loc[known.index, "reason"] = known["reason"]
    return out[cols]


_TARGET_SQL = {
    "building": ("SELECT id, code, path, compound_id, grid_id, control_state, control_since, control_reason "
                 "FROM buildings", ["id", "code", "path", "compound_id", "grid_id", "state", "since", "reason"]),
    "compound": ("SELECT id, code, path, kind, parent_id, control_state, control_since, control_reason "
                 f"FROM units WHERE level = {int(Level.COMPOUND)}",
                 ["id", "code", "path", "kind", "grid_id", "state", "since", "reason"]),
}


def _targets(session: Session, kind: str, path: str | None = None) -> pd.DataFrame:
    sql, cols = _TARGET_SQL[kind]
    params: dict[str, Any] = {}
    if path is not None:
        sql += (" AND" if " WHERE " in sql else " WHERE") + " path >= :lo AND path < :hi"
        params = {"lo": path, "hi": path_upper_bound(path)}
    frame = rows_frame(session, text(sql), cols, params)
    frame["since"] = [_date(v) for v in frame["since"]]
    return frame


def _stored_states(session: Session, kind: str, codes: list[str]) -> pd.Series:
    table = "buildings" if kind == "building" else "units"
    out: list[tuple[str, str]] = []
    for start in range(0, len(codes), 900):
        chunk = {f"c{i}": c for i, c in enumerate(codes[start:start + 900])}
        out += [tuple(r) for r in session.execute(text(
            f"SELECT code, control_state FROM {table} WHERE code IN ({', '.join(':' + k for k in chunk)})"), chunk)]
    return pd.Series(dict(out), dtype=object)


def control_as_of(session: Session, on: dt.date | None, kind: str = "building", path: str | None = None
                  ) -> pd.DataFrame:
    """Control state of every building (or compound) on `on`, replayed from the event log (None = stored now);
    `path` limits it to one subtree (a grid's buildings for the map cost milliseconds, the city's seconds).

    A target without events keeps its stored state for every date (it was imported so, and never changed).
    """
    frame = _targets(session, kind, path)
    if on is None or frame.empty:
        return frame
    patch = replayed_states(session, on, kind, path)
    hit = frame["code"].isin(patch.index)
    if hit.any():
        rows = patch.loc[frame.loc[hit, "code"]]
        for col in ("state", "since", "reason"):
            frame.loc[hit, col] = rows[col].to_numpy()
    return frame


_COUNT_SQL = {
    "building": "SELECT path, control_state, count(*) FROM buildings{where} GROUP BY path, control_state",
    "village": (f"SELECT path, control_state, count(*) FROM units WHERE level = {int(Level.COMPOUND)} "
                "AND kind = 'natural_village'{and_where} GROUP BY path, control_state"),
}


def state_counts(session: Session, kind: str, on: dt.date | None = None, path: str | None = None,
                 states: tuple[str, ...] | None = None) -> pd.DataFrame:
    """How many buildings (kind='building') or natural villages (kind='village') are in each control state on
    `on`, per leaf path: path, state, n. Counted in SQL from the stored rows, then corrected for the few
    targets whose events say they were in another state on `on` — cheap at city scale.

    `states`: count only these (a figure needs one or two: at city scale every leaf path in every state was 84k
    rows read, half of a wall refresh)."""
    params: dict[str, Any] = {}
    conds = []
    if path is not None:
        conds.append("path >= :lo AND path < :hi")
        params = {"lo": path, "hi": path_upper_bound(path)}
    if states is not None:
        names = {f"st{i}": st for i, st in enumerate(states)}
        conds.append(f"control_state IN ({', '.join(':' + k for k in names)})")
        params.update(names)
    cond = " AND ".join(conds)
    sql = _COUNT_SQL[kind].format(where=f" WHERE {cond}" if cond else "", and_where=f" AND {cond}" if cond else "")
    counts = rows_frame(session, text(sql), ["path", "state", "n"], params)
    if on is None:
        return counts
    patch = replayed_states(session, on, "building" if kind == "building" else "compound", path)
    if patch.empty:
        return counts
    table, extra = ("buildings", "") if kind == "building" else (
        "units", f" AND level = {int(Level.COMPOUND)} AND kind = 'natural_village'")
    codes = list(patch.index)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(codes), 900):
        chunk = {f"c{i}": c for i, c in enumerate(codes[start:start + 900])}
        rows += [tuple(r) for r in session.execute(text(
            f"SELECT code, path, control_state FROM {table} WHERE code IN "
            f"({', '.join(':' + k for k in chunk)}){extra}"), chunk)]
    stored = pd.DataFrame.from_records(rows, columns=["code", "path", "state"])
    if stored.empty:
        return counts
    then = patch.loc[stored["code"], "state"].to_numpy()
    fix = pd.concat([stored.assign(n=-1)[["path", "state", "n"]],
                     stored.assign(state=then, n=1)[["path", "state", "n"]]], ignore_index=True)
    out = pd.concat([counts, fix], ignore_index=True).groupby(["path", "state"], as_index=False)["n"].sum()
    keep = (out["n"] != 0) & (out["state"].isin(states) if states is not None else True)
    return out[keep].reset_index(drop=True)


#: the figures of places under control measures, by what the seeds call them (issue 14 points 5 and 12; 000 §1(三),
#: §3): a building or a natural village in the `sealed` state is 封锁 (宿舍(公寓)、楼栋, §3(一)4) or 硬隔离 (a
#: village with a confirmed case §1(三), a cluster's 楼宇、院落 §3(二)) — one state, counted as locked down; a 疫点
#: (`epidemic_spot`) is a place to disinfect (随时消毒、终末消毒) and is counted apart, never as locked down
LOCKDOWN_FIGURES = {"sealed_buildings": ("building", "sealed"), "sealed_villages": ("village", "sealed"),
                    "epidemic_spots": ("building", "epidemic_spot")}


def lockdown_counts(session: Session, on: dt.date | None, path: str | None = None) -> pd.DataFrame:
    """Per leaf path under `path` on `on` (None: stored now): sealed_buildings, sealed_villages, epidemic_spots
    (LOCKDOWN_FIGURES). Two grouped counts (buildings, villages) corrected by their events, as `state_counts`."""
    parts = []
    for kind in ("building", "village"):
        wanted = tuple(sorted({state for k, state in LOCKDOWN_FIGURES.values() if k == kind}))
        counts = state_counts(session, kind, on, path, states=wanted)
        for figure, (k, state) in LOCKDOWN_FIGURES.items():
            if k == kind:
                rows = counts[counts["state"] == state]
                parts.append(rows.groupby("path")["n"].sum().rename(figure))
    out = pd.concat(parts, axis=1).fillna(0).astype("int64") if parts else pd.DataFrame()
    out = out.reindex(columns=list(LOCKDOWN_FIGURES)).fillna(0).astype("int64")
    return out.rename_axis("path").reset_index()


def targets_in_states(session: Session, on: dt.date | None, kind: str, states: tuple[str, ...],
                      path: str | None = None) -> pd.DataFrame:
    """The buildings or compounds whose control state on `on` is one of `states` (same columns as
    `control_as_of`), without reading every target: those stored in `states` plus those with events."""
    sql, cols = _TARGET_SQL[kind]
    patch = replayed_states(session, on, kind, path) if on is not None else pd.DataFrame(columns=["state"])
    names = {f"s{i}": st for i, st in enumerate(states)}
    cond = f"control_state IN ({', '.join(':' + k for k in names)})"
    params: dict[str, Any] = dict(names)
    if path is not None:
        cond += " AND path >= :lo AND path < :hi"
        params.update(lo=path, hi=path_upper_bound(path))
    frames = [rows_frame(session, text(sql + (" AND " if " WHERE " in sql else " WHERE ") + cond), cols, params)]
    codes = [c for c in patch.index]
    for start in range(0, len(codes), 900):
        chunk = {f"c{i}": c for i, c in enumerate(codes[start:start + 900])}
        where = f"code IN ({', '.join(':' + k for k in chunk)})"
        frames.append(rows_frame(session, text(sql + (" AND " if " WHERE " in sql else " WHERE ") + where), cols,
                                 chunk))
    frame = pd.concat(frames, ignore_index=True).drop_duplicates("code")
    frame["since"] = [_date(v) for v in frame["since"]]
    hit = frame["code"].isin(patch.index)
    if hit.any():
        rows = patch.loc[frame.loc[hit, "code"]]
        for col in ("state", "since", "reason"):
            frame.loc[hit, col] = rows[col].to_numpy()
    return frame[frame["state"].isin(states)].reset_index(drop=True)


def building_control_as_of(session: Session, on: dt.date | None, path: str | None = None) -> pd.DataFrame:
    """Every building's control state on `on` (id, code, path, compound_id, grid_id, state, since, reason)."""
    return control_as_of(session, on, "building", path)


def compound_control_as_of(session: Session, on: dt.date | None, path: str | None = None) -> pd.DataFrame:
    """Every compound's / natural village's own control state on `on` (id, code, path, kind, state, …)."""
    return control_as_of(session, on, "compound", path)


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
        replayed = replayed_states(session, dt.date.max, kind)["state"]
        if replayed.empty:
            continue
        stored = _stored_states(session, kind, list(replayed.index))  # targets without events cannot differ
        common = replayed.index.intersection(stored.index)
        bad = common[stored.loc[common].to_numpy() != replayed.loc[common].to_numpy()]
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
        for row in session.execute(select(*cols)):
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


