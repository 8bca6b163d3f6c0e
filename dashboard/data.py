"""Cached reads for the pages: thin wrappers over `geodata.reporting.figures`, keyed on (database URL, data version,
unit code, day) so that a write anywhere shows on every screen's next run once the version has settled (at most
`GRIDWATCH_SETTLE_S` later, `geodata.store.versions`; at once for the person who wrote it), and nothing is read twice
in between. The heavy frames (a unit's children, every unit of a level) are also computed once per version for all
server processes on one PostgreSQL (`geodata.store.shared_frames`).

The figures are keyed on the figures version of the data version asked for (`geodata.store.versions.figures_of`):
a daily report or a sign-in changes no figure, so at the 16:00 rush the frames stay computed across versions, and
only the daily reports' columns (`_with_reports`) are counted again for each data version — and before the
cut-off, when no report can be missing, not even read.

No SQL here: every figure comes from a geodata read model. Frames are small (the children of one unit, or the
communities of a city: ~1.5k rows), so `st.cache_data` (a pickled copy per caller) is cheap; the TTL only
bounds memory for days nobody looks at any more.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard.state import store_for
from geodata.base.vocab import Level
from geodata.reporting import figures, reports
from geodata.store import hierarchy
from geodata.store.frames import WGS84
from geodata.store.hierarchy import UnitRef, UnknownUnit
from geodata.store.shared_frames import shared_frame, stored_frame
from geodata.store.versions import figures_of

TTL_S = 15 * 60
OBSERVATION_KINDS = ("obs_home", "obs_central", "obs_self", "obs_temporary")


def _alias(frame: pd.DataFrame) -> pd.DataFrame:
    # mapview's tooltip names the temporary-observation figure `obs_temp`, the read model `obs_temporary`
    if "obs_temporary" in frame.columns and "obs_temp" not in frame.columns:
        frame["obs_temp"] = frame["obs_temporary"]
    return frame


def localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Situation label and reason in `lang`. The read model carries both languages, so the cached frames are
    shared by Chinese and English screens and only this cheap column pick depends on the language."""
    for col in ("situation_label", "situation_reason"):
        src = f"{col}_{'en' if lang == 'en' else 'zh'}"
        if src in frame.columns:
            frame[col] = frame[src]
    return frame


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=16)
def root(url: str, version: int) -> UnitRef | None:
    with store_for(url).read() as s:
        return figures.root_unit(s)


def breadcrumb(url: str, version: int, code: str) -> list[UnitRef] | None:
    """Root → … → the unit `code`; None when no unit has that code."""
    return _breadcrumb(url, figures_of(url, version), code)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=512)
def _breadcrumb(url: str, version: int, code: str) -> list[UnitRef] | None:
    with store_for(url).read() as s:
        try:
            return hierarchy.breadcrumb(s, code)
        except UnknownUnit:
            return None


#: frames read ahead (dashboard.prefetch) and handed to the cached reads below, which store them as their result
_AHEAD: dict[tuple, gpd.GeoDataFrame] = {}


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=512)
def _children(url: str, version: int, code: str, on: dt.date) -> gpd.GeoDataFrame:
    """The children's figures but the daily reports' (`version`: a figures version)."""
    ahead = _AHEAD.get(("children", url, version, code, on))
    if ahead is not None:
        return ahead
    return _shared(url, version, _children_key(code, on), lambda s: _alias(figures.children_with_figures(
        s, hierarchy.breadcrumb(s, code)[-1], on, reports=False)))


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def _cutoff(url: str, version: int, on: dt.date) -> dt.datetime:
    """The reports' cut-off of `on` (`version`: a figures version — a setting changed is no report)."""
    with store_for(url).read() as s:
        return reports.cutoff_at(s, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def _missing_paths(url: str, version: int, on: dt.date) -> list[str]:
    """The communities of the city whose report of `on` is missing, once the cut-off has passed (asked only
    then): once per data version for every process."""
    at = _cutoff(url, figures_of(url, version), on)  # asked once it has passed: the reports not in by then are missing
    frame = _shared(url, version, f"missing|{on}", lambda s: pd.DataFrame(
        {"path": figures.missing_report_paths(s, on, at)}, dtype=object))
    return frame["path"].tolist()


def _with_reports(frame: pd.DataFrame, url: str, version: int, on: dt.date) -> pd.DataFrame:
    """`frame` (units of one level) with the daily reports' columns as of data version `version`: before the
    cut-off nothing can be missing, and nothing is read."""
    passed = dt.datetime.now() >= _cutoff(url, figures_of(url, version), on)
    return figures.count_missing_reports(frame, _missing_paths(url, version, on) if passed else [])


def _children_key(code: str, on: dt.date) -> str:
    return f"children|{code}|{on}"


def children(url: str, version: int, code: str, on: dt.date, lang: str = "zh") -> gpd.GeoDataFrame:
    """The children of `code` with every figure the map and the table show."""
    fig = figures_of(url, version)
    frame = _children(url, fig, code, on)
    _remember_children((url, fig, code, on), frame)
    return localised(_with_reports(frame, url, version, on), lang)


#: children frames pages read lately, by (url, version, parent code, day): a unit's own row is its row among its
#: parent's children (the same figures: tests/geodata/test_figures.py), so a click from a level into one of its
#: units, and the read-ahead of each child's totals, read no subtree for the unit itself
_SEEN_CHILDREN: OrderedDict[tuple, gpd.GeoDataFrame] = OrderedDict()
_SEEN_MAX = 64
_SEEN_LOCK = threading.Lock()


def _remember_children(key: tuple, frame: gpd.GeoDataFrame) -> None:
    with _SEEN_LOCK:
        _SEEN_CHILDREN[key] = frame.copy()  # the caller's copy is localised in place
        _SEEN_CHILDREN.move_to_end(key)
        while len(_SEEN_CHILDREN) > _SEEN_MAX:
            _SEEN_CHILDREN.popitem(last=False)


def _row_among_siblings(url: str, version: int, code: str, on: dt.date) -> gpd.GeoDataFrame | None:
    crumbs = breadcrumb(url, version, code)
    if not crumbs or len(crumbs) < 2:
        return None
    with _SEEN_LOCK:
        among = _SEEN_CHILDREN.get((url, version, crumbs[-2].code, on))
    if among is None:  # another server process may have read the parent's children for this version
        among = stored_frame(store_for(url), _children_key(crumbs[-2].code, on), version)
    if among is None:
        return None
    row = among[among["code"] == code]
    return row.reset_index(drop=True) if len(row) == 1 else None


def totals(url: str, version: int, code: str, on: dt.date) -> dict[str, int]:
    """The KPI strip of `code`: below the root from the unit's own row (read once for the card and the strip)."""
    return _totals(url, figures_of(url, version), code, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=512)
def _totals(url: str, version: int, code: str, on: dt.date) -> dict[str, int]:
    crumbs = breadcrumb(url, version, code)
    if crumbs and len(crumbs) > 1:
        row = _own_row(url, version, code, on)
        if len(row):
            return figures.totals_of(row.iloc[0])
    # the root's totals are a whole-city read: once per version for every process, like the levels
    row = _shared(url, version, f"totals|{code}|{on}", lambda s: pd.DataFrame(
        [figures.unit_totals(s, hierarchy.breadcrumb(s, code)[-1], on)]))
    return {k: int(v) for k, v in row.iloc[0].items()}


def units_at_level(url: str, version: int, code: str, level: int, on: dt.date, lang: str = "zh"
                   ) -> gpd.GeoDataFrame:
    """Every unit of `level` under `code` with figures (e.g. all communities of the city for the wall)."""
    frame = _units_at_level(url, figures_of(url, version), code, level, on)
    return localised(_with_reports(frame, url, version, on), lang)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def _units_at_level(url: str, version: int, code: str, level: int, on: dt.date) -> gpd.GeoDataFrame:
    """One geodata read whatever the number of units (the wall: every community of the city)."""
    return _below("level", url, version, code, level, on, lambda: gpd.GeoDataFrame(geometry=[], crs=WGS84),
                  lambda s, unit: _alias(figures.units_with_figures(s, unit, level, on, reports=False)))


def _below(kind: str, url: str, version: int, code: str, level: int, on: dt.date, empty, read):  # noqa: ANN001
    """A read of the units of `level` under `code`: the frame read ahead for it (dashboard.prefetch), else
    `empty()` when `code` is unknown or not above `level`, else `read(session, unit)`."""
    ahead = _AHEAD.get((kind, url, version, code, level, on))
    if ahead is not None:
        return ahead
    crumbs = breadcrumb(url, version, code)
    if not crumbs or crumbs[-1].level >= level:
        return empty()
    return _shared(url, version, f"{kind}|{code}|{level}|{on}", lambda s: read(s, crumbs[-1]))


def _shared(url: str, version: int, key: str, read):  # noqa: ANN001, ANN202 — read: Session -> frame
    """`read(session)` computed once for this data version by whichever server process needs it first and
    read by the others (geodata.store.shared_frames): the levels people click through at the rush were each
    process's own whole-city reads."""
    return shared_frame(store_for(url), key, version, read)


def situations_at_level(url: str, version: int, code: str, level: int, on: dt.date, lang: str = "zh"
                        ) -> pd.DataFrame:
    """Every unit of `level` under `code` with its situation only (a KPI strip counting communities per level)."""
    return localised(_situations_at_level(url, figures_of(url, version), code, level, on), lang)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=128)
def _situations_at_level(url: str, version: int, code: str, level: int, on: dt.date) -> pd.DataFrame:
    return _below("situations", url, version, code, level, on, lambda: pd.DataFrame(columns=["id", "code", "path"]),
                  lambda s, unit: figures.situations_at_level(s, unit, level, on))


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def outlines(url: str, version: int, code: str, levels: tuple[int, ...]) -> gpd.GeoDataFrame:
    """Polygons of `levels` (e.g. districts and streets) inside `code`, with their level, for orientation."""
    with store_for(url).read() as s:
        within = hierarchy.breadcrumb(s, code)[-1]
        parts = []
        for level in levels:
            frame = figures.outlines(s, level, within)
            frame["level"] = level
            parts.append(frame)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=WGS84)


def buildings(url: str, version: int, code: str, on: dt.date) -> gpd.GeoDataFrame:
    """Building points under a grid or compound (a few hundred; never called above grid level)."""
    return _buildings(url, figures_of(url, version), code, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=128)
def _buildings(url: str, version: int, code: str, on: dt.date) -> gpd.GeoDataFrame:
    with store_for(url).read() as s:
        unit = hierarchy.breadcrumb(s, code)[-1]
        return figures.buildings_in(s, unit, on)


def checkpoints(url: str, version: int, code: str) -> gpd.GeoDataFrame:
    return _checkpoints(url, figures_of(url, version), code)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=128)
def _checkpoints(url: str, version: int, code: str) -> gpd.GeoDataFrame:
    with store_for(url).read() as s:
        unit = hierarchy.breadcrumb(s, code)[-1]
        return figures.checkpoints_in(s, unit)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=512)
def _own_row(url: str, version: int, code: str, on: dt.date) -> gpd.GeoDataFrame:
    among = _row_among_siblings(url, version, code, on)
    if among is not None:
        return among
    return _shared(url, version, f"own|{code}|{on}", lambda s: _alias(figures.unit_with_figures(
        s, hierarchy.breadcrumb(s, code)[-1], on, reports=False)))


def unit_row(url: str, version: int, crumbs: list[UnitRef], on: dt.date, lang: str = "zh") -> pd.Series | None:
    """The unit in view with its figures, leader, phone and entrances, as its parent's children carry it:
    None for the root. Read from the unit's own subtree (a jump to a district must not read the whole city)."""
    if len(crumbs) < 2:
        return None
    row = _with_reports(_own_row(url, figures_of(url, version), crumbs[-1].code, on), url, version, on)
    row = localised(row, lang)
    return row.iloc[0] if len(row) else None


def has_situation(frame: pd.DataFrame) -> bool:
    """The situation columns arrive with the risk engine; until then pages show "—"."""
    return "situation_code" in frame.columns and frame["situation_code"].notna().any()


def is_building_level(level: int) -> bool:
    return level >= Level.GRID


def flags(url: str, version: int, code: str, on: dt.date) -> pd.DataFrame:
    """无疫小区 flags held or revoked under `code` on `on` (geodata.situation.honours)."""
    return _flags(url, figures_of(url, version), code, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=128)
def _flags(url: str, version: int, code: str, on: dt.date) -> pd.DataFrame:
    from geodata.situation.honours import flags as honour_flags

    with store_for(url).read() as s:
        frame = honour_flags(s, code, on)
    return frame[frame["lon"].notna()] if len(frame) else frame


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def alerts(url: str, version: int, code: str, on: dt.date) -> pd.DataFrame:
    """Alerts under `code` open on `on` (raised by then, not acknowledged by its end), newest first."""
    with store_for(url).read() as s:
        unit = hierarchy.breadcrumb(s, code)[-1]
        return figures.alerts_on(s, unit.path, on)

