"""Read models for the map and the wall: figures per unit at the level in view, buildings, checkpoints, KPIs.

Cost follows what is on screen: a call reads the children of one unit (a few to a few thousand rows) plus the
roll-up counters, never the whole city's buildings. Date-dependent figures (new today, last 7 days, releases
due) are computed at read time from small tables (cases, observations), so they are right for any `on` date.
"""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.base.vocab import LEADER_TITLES, Level
from geodata.checkpoints.rules import staffing_norms, staffing_status
from geodata.reporting.reports import report_missing
from geodata.situation.alerts import open_alerts
from geodata.situation.disinfection import group_shortfalls
from geodata.situation.history import LOCKDOWN_FIGURES, kinds_as_of, lockdown_counts
from geodata.situation.risk import situation
from geodata.store.frames import WGS84, read_frame, to_frame, wkb_sql
from geodata.store.hierarchy import UnitRef, path_upper_bound, ref
from geodata.store.models import Unit
from geodata.store.rules_config import get_setting
from geodata.store.stats import STAT_COLUMNS


def _range(path: str) -> dict[str, str]:
    return {"lo": path, "hi": path_upper_bound(path)}


def _child_of(paths: pd.Series, depth: int) -> pd.Series:
    """The id at `depth` (0 = root) of each path (-1 for a path not that deep): which child of the unit in view a
    row falls under. Each distinct path once, by one regular expression: the city's 78k checkpoints share 43k
    paths, and splitting every path in Python was a third of the wall's checkpoint figures."""
    codes, uniques = pd.factorize(paths)
    ids = pd.Series(uniques, dtype=object).str.extract(rf"^/?(?:[^/]+/){{{int(depth)}}}([^/]+)", expand=False)
    ids = pd.to_numeric(ids, errors="coerce").fillna(-1).astype("int64").to_numpy()
    return pd.Series(ids[codes] if len(codes) else np.array([], dtype="int64"), index=paths.index)


def _units_where(session: Session, where: str, params: dict, title_level: int | None) -> gpd.GeoDataFrame:
    sql = (f"SELECT u.id, u.code, u.name, u.level, u.path, u.kind, u.leader_name, u.leader_phone, u.control_state, "
           f"u.control_basis, "
           f"p.code AS parent_code, p.name AS parent_name, "
           f"{wkb_sql(session, 'u.geom')} AS geom, s.* FROM units u LEFT JOIN unit_stats s ON s.unit_id = u.id "
           f"LEFT JOIN units p ON p.id = u.parent_id WHERE {where} ORDER BY u.code")
    frame = pd.read_sql_query(text(sql), session.connection(), params=params)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame = frame.drop(columns=["unit_id"], errors="ignore")
    frame[STAT_COLUMNS] = frame[STAT_COLUMNS].fillna(0).astype("int64")
    title = LEADER_TITLES.get(Level(title_level)) if title_level and title_level <= Level.COMPOUND else None
    frame["leader_title"] = title[0] if title else ""
    return to_frame(frame, "geom")


def child_units(session: Session, parent: UnitRef) -> gpd.GeoDataFrame:
    """The children of `parent` with geometry, leaders and roll-up counters."""
    return _units_where(session, "u.parent_id = :pid", {"pid": parent.id}, parent.level + 1)


def level_units(session: Session, root: UnitRef, level: int) -> gpd.GeoDataFrame:
    """Every unit of `level` under `root` (e.g. all communities of the city) in one query."""
    return _units_where(session, "u.level = :level AND u.path >= :lo AND u.path < :hi",
                        {"level": level, **_range(root.path)}, level)


def _depth(parent: UnitRef) -> int:
    return len(parent.path.strip("/").split("/"))


def daily_figures(session: Session, parent: UnitRef, on: dt.date, *, level: int | None = None) -> pd.DataFrame:
    """Per unit one level below `parent` (or at `level` under it): new cases on `on`, cases in the 7 days to
    `on`, releases due/overdue."""
    depth = level - 1 if level else _depth(parent)
    conn = session.connection()
    params = {**_range(parent.path), "d7": on - dt.timedelta(days=6), "on": on}
    cases = pd.read_sql_query(text(
        "SELECT path, reported_on FROM cases WHERE kind IN ('confirmed','asymptomatic') "
        "AND path >= :lo AND path < :hi AND reported_on >= :d7 AND reported_on <= :on"), conn, params=params)
    obs = pd.read_sql_query(text(
        "SELECT path, planned_end FROM observations WHERE released_on IS NULL AND path >= :lo AND path < :hi "
        "AND planned_end <= :on"), conn, params=params)
    out = pd.DataFrame(columns=["id", "new_cases_today", "cases_7d", "releases_due_today", "releases_overdue"])
    parts = []
    if not cases.empty:
        cases["id"] = _child_of(cases["path"], depth)
        cases["today"] = pd.to_datetime(cases["reported_on"]).dt.date == on
        parts.append(cases.groupby("id").agg(new_cases_today=("today", "sum"), cases_7d=("path", "size")))
    if not obs.empty:
        obs["id"] = _child_of(obs["path"], depth)
        end = pd.to_datetime(obs["planned_end"]).dt.date
        obs["due"] = end == on
        obs["overdue"] = end < on
        parts.append(obs.groupby("id").agg(releases_due_today=("due", "sum"), releases_overdue=("overdue", "sum")))
    if parts:
        out = pd.concat(parts, axis=1).fillna(0).astype("int64").reset_index()
    for col in ("new_cases_today", "cases_7d", "releases_due_today", "releases_overdue"):
        if col not in out.columns:
            out[col] = 0
    return out


#: the roll-up counters (unit_stats) that are state *now*; a read for a day replaces them with that day's state
DAY_STATE_COLUMNS = ("obs_home", "obs_central", "obs_self", "obs_temporary", *LOCKDOWN_FIGURES, "locked_down")


def day_state(session: Session, parent: UnitRef, on: dt.date, *, depth: int | None = None) -> pd.DataFrame:
    """Per unit at `depth` under `parent` (None: `parent` itself, id = its id): persons under observation by kind
    and the places under control measures *on `on`*: sealed buildings and sealed natural villages (封锁/硬隔离),
    their sum `locked_down`, and epidemic spots (疫点, not locked down) — issue 14 points 5 and 12. unit_stats
    holds only today's state, so `/wall?on=` must not show it for a past day: an observation counts from its
    start to the day before its release, a building or village by its control state replayed from the event log
    (geodata.situation.history)."""
    conn = session.connection()
    obs = pd.read_sql_query(text(
        "SELECT code, path, kind FROM observations WHERE path >= :lo AND path < :hi AND start_date <= :on "
        "AND (released_on IS NULL OR released_on > :on)"), conn, params={**_range(parent.path), "on": on})
    obs = kinds_as_of(session, obs, on, parent.path)[["path", "kind"]]  # the kind of that day (issue 14 point 11)
    places = lockdown_counts(session, on, parent.path)

    def key(paths: pd.Series) -> pd.Series:
        return _child_of(paths, depth) if depth is not None else pd.Series(parent.id, index=paths.index)

    parts: list[pd.DataFrame] = []
    if not obs.empty:
        obs["id"] = key(obs["path"])
        wide = obs.assign(n=1).pivot_table(index="id", columns="kind", values="n", aggfunc="sum", fill_value=0)
        parts.append(wide.rename(columns=lambda k: f"obs_{k}").rename_axis(columns=None))
    if not places.empty:
        parts.append(places.assign(id=key(places["path"])).groupby("id")[list(LOCKDOWN_FIGURES)].sum())
    out = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=pd.Index([], dtype="int64", name="id"))
    out = out.reindex(columns=list(DAY_STATE_COLUMNS)).fillna(0).astype("int64")
    out["locked_down"] = out["sealed_buildings"] + out["sealed_villages"]
    return out.rename_axis("id").reset_index()


def alerts_on(session: Session, scope_path: str, on: dt.date) -> pd.DataFrame:
    """The alerts the wall shows for `on`: raised by that day and not yet acknowledged at its end (an alert raised
    later, or one already dealt with, is not part of that day's picture). Newest first; a village's disinfection
    shortfalls are one line ("N 天消毒未达标（自 D 起）", `grouped_ids` lists its alerts)."""
    frame = open_alerts(session, scope_path=scope_path, include_acknowledged=True)
    if frame.empty:
        return frame
    def day(value: object) -> dt.date | None:
        return None if value is None or pd.isna(value) else pd.Timestamp(value).date()

    keep = [raised is not None and raised <= on and (acked is None or acked > on)
            for raised, acked in zip(frame["raised_on"].map(day), frame["acknowledged_at"].map(day), strict=True)]
    return group_shortfalls(frame[keep].reset_index(drop=True))  # one line per village (issue 14 point 8)


def checkpoint_figures(session: Session, parent: UnitRef, *, level: int | None = None) -> pd.DataFrame:
    """Per unit one level below `parent` (or at `level` under it): entrances open, under-staffed and unstaffed
    checkpoints, by the norms."""
    depth = level - 1 if level else _depth(parent)
    frame = pd.read_sql_query(text(
        "SELECT path, kind, status, is_24h, staff_day, staff_night FROM checkpoints WHERE path >= :lo AND path < :hi"),
        session.connection(), params=_range(parent.path))
    cols = ["id", "checkpoints_understaffed", "checkpoints_unstaffed", "entrances_open"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["staffing"] = staffing_status(frame, get_setting(session, "staffing"))
    frame["id"] = _child_of(frame["path"], depth)
    frame["under"] = frame["staffing"] == "under"
    frame["unstaffed"] = frame["staffing"] == "unstaffed"
    frame["open_entrance"] = (frame["status"] == "open") & (frame["kind"] == "compound_entrance")
    return frame.groupby("id").agg(
        checkpoints_understaffed=("under", "sum"), checkpoints_unstaffed=("unstaffed", "sum"),
        entrances_open=("open_entrance", "sum")).reset_index()


def children_with_figures(session: Session, parent: UnitRef, on: dt.date, *, lang: str = "zh",
                          reports: bool = True) -> gpd.GeoDataFrame:
    """Everything the map and the table beside it show for the children of `parent`."""
    return _with_figures(session, child_units(session, parent), parent, on, lang=lang, level=None, reports=reports)


def unit_with_figures(session: Session, unit: UnitRef, on: dt.date, *, lang: str = "zh",
                      reports: bool = True) -> gpd.GeoDataFrame:
    """`unit` itself as one row with the figures its parent's children carry. A page showing one unit (/explore
    after a jump) reads the unit's own subtree, not its parent's: for a district, not the whole city."""
    units = _units_where(session, "u.id = :id", {"id": unit.id}, unit.level)
    return _with_figures(session, units, unit, on, lang=lang, level=unit.level, reports=reports)


def units_with_figures(session: Session, root: UnitRef, level: int, on: dt.date, *, lang: str = "zh",
                       reports: bool = True) -> gpd.GeoDataFrame:
    """The same figures for every unit of `level` under `root` (the wall: all communities of the city), in a
    fixed number of queries whatever the number of units."""
    if level == root.level + 1:
        return children_with_figures(session, root, on, lang=lang, reports=reports)
    return _with_figures(session, level_units(session, root, level), root, on, lang=lang, level=level,
                         reports=reports)


def situations_at_level(session: Session, root: UnitRef, level: int, on: dt.date, *, lang: str = "zh"
                        ) -> pd.DataFrame:
    """Every unit of `level` under `root` with its situation (code, labels, colour, rank) and nothing else, no
    geometry: a KPI strip counting communities per situation level. The full figures of every community of the
    city (`units_with_figures`) are a whole-city read, and /explore at the city asked for them on every drill."""
    units = pd.read_sql_query(
        select(Unit.id, Unit.code, Unit.path).where(Unit.level == int(level), Unit.path >= root.path,
                                                    Unit.path < path_upper_bound(root.path)).order_by(Unit.code),
        session.connection())
    return with_situation(session, units, on, lang=lang)


def _with_figures(session: Session, units: gpd.GeoDataFrame, parent: UnitRef, on: dt.date, *, lang: str,
                  level: int | None, reports: bool = True) -> gpd.GeoDataFrame:
    """`units` with every figure; without `reports`, not the daily reports' columns (`with_missing_reports`):
    those change with every report, the others with no report (geodata.store.versions, figures version)."""
    if units.empty:
        return units
    depth = level - 1 if level else _depth(parent)
    units = units.drop(columns=list(DAY_STATE_COLUMNS), errors="ignore").merge(day_state(session, parent, on, depth=depth), on="id",
                                                              how="left")
    for extra in (daily_figures(session, parent, on, level=level), checkpoint_figures(session, parent, level=level)):
        if not extra.empty:
            units = units.merge(extra, on="id", how="left")
    for col in ("new_cases_today", "cases_7d", "releases_due_today", "releases_overdue",
                "checkpoints_understaffed", "checkpoints_unstaffed", "entrances_open", *DAY_STATE_COLUMNS):
        if col not in units.columns:
            units[col] = 0
        units[col] = units[col].fillna(0).astype("int64")
    units["obs_total"] = units[["obs_home", "obs_central", "obs_self", "obs_temporary"]].sum(axis=1)
    if reports:
        units = with_missing_reports(session, units, parent, on)
    return with_situation(session, units, on, lang=lang)


def with_missing_reports(session: Session, units: pd.DataFrame, parent: UnitRef, on: dt.date,
                         now: dt.datetime | None = None) -> pd.DataFrame:
    """Add `reports_missing` (communities under each unit whose daily report of `on` is not in after the
    cut-off, scenario 12) and `report_missing` (any). Below community level a report is the community's."""
    level = int(units["level"].iloc[0]) if len(units) else 0
    paths = missing_report_paths(session, on, now, unit_code=parent.code) if 0 < level <= Level.COMMUNITY else []
    return count_missing_reports(units, paths)


def missing_report_paths(session: Session, on: dt.date, now: dt.datetime | None = None, *,
                         unit_code: str | None = None) -> list[str]:
    """The paths of the communities (at or under `unit_code`, default the city) whose report of `on` is missing:
    not in, and the cut-off passed. One read for any number of units: pages cache it per data version and
    count it under any level with `count_missing_reports`."""
    missing = report_missing(session, on, now, unit_code=unit_code)
    missing = missing[missing["report_missing"].astype(bool)]
    if missing.empty:
        return []
    return sorted(session.execute(select(Unit.path).where(Unit.id.in_([int(i) for i in missing["id"]]))).scalars())


def count_missing_reports(units: pd.DataFrame, paths: list[str]) -> pd.DataFrame:
    """`units` (all of one level) with `reports_missing`, the communities of `paths` under each, and
    `report_missing` (any). Below community level a report is the community's: nothing to count."""
    if units.empty:
        return units
    units = units.drop(columns=["reports_missing", "report_missing"], errors="ignore")
    level = int(units["level"].iloc[0])
    if level > Level.COMMUNITY or not paths:
        return units.assign(reports_missing=0, report_missing=False)
    counts = _child_of(pd.Series(paths, dtype=object), level - 1).value_counts().rename("reports_missing")
    units = units.merge(counts, left_on="id", right_index=True, how="left")
    units["reports_missing"] = units["reports_missing"].fillna(0).astype("int64")
    units["report_missing"] = units["reports_missing"] > 0
    return units


def with_situation(session: Session, units: pd.DataFrame, on: dt.date, *, lang: str = "zh") -> pd.DataFrame:
    """Add the derived situation (geodata.situation.risk) of each unit: code, label, colour, reason, cluster flag."""
    if units.empty:
        return units
    sit = situation(session, unit_ids=[int(i) for i in units["id"]], on=on)
    cols = sit[["unit_id", "level_code", "label_zh", "label_en", "colour", "reason_zh", "reason_en", "cluster",
                "rank"]].rename(columns={
        "unit_id": "id", "level_code": "situation_code", "label_zh": "situation_label_zh",
        "label_en": "situation_label_en", "colour": "situation_color", "reason_zh": "situation_reason_zh",
        "reason_en": "situation_reason_en", "rank": "situation_rank"})
    units = units.drop(columns=[c for c in cols.columns if c != "id" and c in units.columns]).merge(
        cols, on="id", how="left")
    units["situation_label"] = units["situation_label_en" if lang == "en" else "situation_label_zh"]
    units["situation_reason"] = units["situation_reason_en" if lang == "en" else "situation_reason_zh"]
    return units


def buildings_in(session: Session, unit: UnitRef, on: dt.date) -> gpd.GeoDataFrame:
    """Building points under a grid or compound, with observations and cases per building."""
    conn = session.connection()
    params = {**_range(unit.path), "on": on}
    frame = pd.read_sql_query(text(
        "SELECT b.id, b.code, b.name, b.address, b.households, b.population, b.party_members, b.vulnerable, "
        "b.leader_name, b.leader_phone, b.control_state, b.control_reason, b.control_basis, b.lon, b.lat, b.floors, "
        "b.stair_units "
        "FROM buildings b WHERE b.path >= :lo AND b.path < :hi ORDER BY b.code"), conn, params=params)
    obs = pd.read_sql_query(text(
        "SELECT p.building_id AS id, count(*) AS obs_total FROM observations o JOIN persons p ON p.id = o.person_id "
        "WHERE o.released_on IS NULL AND o.path >= :lo AND o.path < :hi GROUP BY p.building_id"), conn, params=params)
    cases = pd.read_sql_query(text(
        "SELECT building_id AS id, count(*) AS cases FROM cases WHERE kind IN ('confirmed','asymptomatic') "
        "AND path >= :lo AND path < :hi AND reported_on <= :on GROUP BY building_id"), conn, params=params)
    frame = frame.merge(obs, on="id", how="left").merge(cases, on="id", how="left")
    frame[["obs_total", "cases"]] = frame[["obs_total", "cases"]].fillna(0).astype("int64")
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84)


def checkpoints_in(session: Session, unit: UnitRef) -> gpd.GeoDataFrame:
    frame = pd.read_sql_query(text(
        "SELECT c.id, c.code, c.name, c.kind, c.status, c.is_24h, c.staff_day, c.staff_night, c.leader_name, "
        "c.leader_phone, c.lon, c.lat, u.name AS unit_name FROM checkpoints c LEFT JOIN units u ON u.id = c.unit_id "
        "WHERE c.path >= :lo AND c.path < :hi ORDER BY c.code"), session.connection(),
        params=_range(unit.path))
    norms = get_setting(session, "staffing")
    frame["staffing"] = staffing_status(frame, norms) if len(frame) else []
    need = staffing_norms(frame, norms) if len(frame) else pd.DataFrame(
        columns=["min_day", "min_night", "min_per_day", "people_per_day"])
    frame = pd.concat([frame, need[["min_day", "min_night", "min_per_day"]]], axis=1)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84)


def outlines(session: Session, level: int, within: UnitRef | None = None) -> gpd.GeoDataFrame:
    """Polygons of one level (e.g. districts) for orientation when there is no tile server."""
    params: dict[str, object] = {"level": level}
    where = ""
    if within is not None:
        where = " AND path >= :lo AND path < :hi"
        params.update(_range(within.path))
    return read_frame(session, f"SELECT code, name, label_lon, label_lat, {wkb_sql(session, 'geom')} AS geom "
                      f"FROM units WHERE level = :level{where}", params)


def unit_totals(session: Session, unit: UnitRef, on: dt.date) -> dict[str, int]:
    """The KPI strip for one unit on `on`: roll-up counters (observations and sealed buildings as they were on
    `on`) plus that day's figures."""
    row = session.execute(text("SELECT * FROM unit_stats WHERE unit_id = :id"), {"id": unit.id}).mappings().first()
    totals = {c: int(row[c]) if row else 0 for c in STAT_COLUMNS}
    day = day_state(session, unit, on)
    totals.update({c: int(day[c].sum()) for c in DAY_STATE_COLUMNS})
    params = {**_range(unit.path), "d7": on - dt.timedelta(days=6), "on": on}
    conn = session.connection()
    totals["new_cases_today"] = conn.execute(text(
        "SELECT count(*) FROM cases WHERE kind IN ('confirmed','asymptomatic') AND path >= :lo AND path < :hi "
        "AND reported_on = :on"), params).scalar_one()
    totals["cases_7d"] = conn.execute(text(
        "SELECT count(*) FROM cases WHERE kind IN ('confirmed','asymptomatic') AND path >= :lo AND path < :hi "
        "AND reported_on >= :d7 AND reported_on <= :on"), params).scalar_one()
    totals["releases_due_today"] = conn.execute(text(
        "SELECT count(*) FROM observations WHERE released_on IS NULL AND path >= :lo AND path < :hi "
        "AND planned_end = :on"), params).scalar_one()
    totals["releases_overdue"] = conn.execute(text(
        "SELECT count(*) FROM observations WHERE released_on IS NULL AND path >= :lo AND path < :hi "
        "AND planned_end < :on"), params).scalar_one()
    frame = pd.read_sql_query(text(
        "SELECT kind, status, is_24h, staff_day, staff_night FROM checkpoints WHERE path >= :lo AND path < :hi"),
        conn, params=_range(unit.path))
    staffing = staffing_status(frame, get_setting(session, "staffing")) if len(frame) else pd.Series(dtype=object)
    # the KPI counts both: a checkpoint below its norm and one with nobody on duty
    totals["checkpoints_understaffed"] = int(staffing.isin(["under", "unstaffed"]).sum())
    return totals


#: the daily figures a unit's own row carries under the names of `unit_totals`
_ROW_TOTALS = ("new_cases_today", "cases_7d", "releases_due_today", "releases_overdue")


def totals_of(row: pd.Series) -> dict[str, int]:
    """`unit_totals` of a unit from its row of `unit_with_figures` (same reads, same day), so a page that has the
    row does not read the unit's subtree twice. The KPI's under-staffed checkpoints count both those below their
    norm and those with nobody on duty, as `unit_totals` does."""
    totals = {c: int(row[c]) for c in (*STAT_COLUMNS, *DAY_STATE_COLUMNS, *_ROW_TOTALS)}
    totals["checkpoints_understaffed"] = int(row["checkpoints_understaffed"]) + int(row["checkpoints_unstaffed"])
    return totals


def root_unit(session: Session) -> UnitRef | None:
    unit = session.execute(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)).scalars().first()
    return ref(unit) if unit else None
