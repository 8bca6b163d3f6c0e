"""Cached reads for the pages: thin wrappers over `geodata.reporting.figures`, keyed on (database URL, data version, unit
code, day) so that a write anywhere shows on every screen's next run and nothing is read twice in between.

No SQL here: every figure comes from a geodata read model. Frames are small (the children of one unit, or the
communities of a city: ~1.5k rows), so `st.cache_data` (a pickled copy per caller) is cheap; the TTL only
bounds memory for days nobody looks at any more.
"""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard.state import store_for
from geodata.base.vocab import Level
from geodata.reporting import figures
from geodata.store import hierarchy
from geodata.store.frames import WGS84
from geodata.store.hierarchy import UnitRef, UnknownUnit

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


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=512)
def breadcrumb(url: str, version: int, code: str) -> list[UnitRef] | None:
    """Root → … → the unit `code`; None when no unit has that code."""
    with store_for(url).read() as s:
        try:
            return hierarchy.breadcrumb(s, code)
        except UnknownUnit:
            return None


#: frames read ahead (dashboard.prefetch) and handed to the cached reads below, which store them as their result
_AHEAD: dict[tuple, gpd.GeoDataFrame] = {}


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=512)
def _children(url: str, version: int, code: str, on: dt.date) -> gpd.GeoDataFrame:
    ahead = _AHEAD.get(("children", url, version, code, on))
    if ahead is not None:
        return ahead
    with store_for(url).read() as s:
        unit = hierarchy.breadcrumb(s, code)[-1]
        return _alias(figures.children_with_figures(s, unit, on))


def children(url: str, version: int, code: str, on: dt.date, lang: str = "zh") -> gpd.GeoDataFrame:
    """The children of `code` with every figure the map and the table show."""
    return localised(_children(url, version, code, on), lang)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=512)
def totals(url: str, version: int, code: str, on: dt.date) -> dict[str, int]:
    with store_for(url).read() as s:
        unit = hierarchy.breadcrumb(s, code)[-1]
        return figures.unit_totals(s, unit, on)


def units_at_level(url: str, version: int, code: str, level: int, on: dt.date, lang: str = "zh"
                   ) -> gpd.GeoDataFrame:
    """Every unit of `level` under `code` with figures (e.g. all communities of the city for the wall)."""
    return localised(_units_at_level(url, version, code, level, on), lang)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def _units_at_level(url: str, version: int, code: str, level: int, on: dt.date) -> gpd.GeoDataFrame:
    """One geodata read whatever the number of units (the wall: every community of the city)."""
    ahead = _AHEAD.get(("level", url, version, code, level, on))
    if ahead is not None:
        return ahead
    crumbs = breadcrumb(url, version, code)
    if not crumbs or crumbs[-1].level >= level:
        return gpd.GeoDataFrame(geometry=[], crs=WGS84)
    with store_for(url).read() as s:
        return _alias(figures.units_with_figures(s, crumbs[-1], level, on))


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


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=128)
def buildings(url: str, version: int, code: str, on: dt.date) -> gpd.GeoDataFrame:
    """Building points under a grid or compound (a few hundred; never called above grid level)."""
    with store_for(url).read() as s:
        unit = hierarchy.breadcrumb(s, code)[-1]
        return figures.buildings_in(s, unit, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=128)
def checkpoints(url: str, version: int, code: str) -> gpd.GeoDataFrame:
    with store_for(url).read() as s:
        unit = hierarchy.breadcrumb(s, code)[-1]
        return figures.checkpoints_in(s, unit)


def unit_row(url: str, version: int, crumbs: list[UnitRef], on: dt.date, lang: str = "zh") -> pd.Series | None:
    """The unit in view as a row of its parent's children (leader, phone, entrances): None for the root."""
    if len(crumbs) < 2:
        return None
    siblings = children(url, version, crumbs[-2].code, on, lang)
    match = siblings[siblings["code"] == crumbs[-1].code]
    return match.iloc[0] if len(match) else None


def has_situation(frame: pd.DataFrame) -> bool:
    """The situation columns arrive with the risk engine; until then pages show "—"."""
    return "situation_code" in frame.columns and frame["situation_code"].notna().any()


def is_building_level(level: int) -> bool:
    return level >= Level.GRID


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=128)
def flags(url: str, version: int, code: str, on: dt.date) -> pd.DataFrame:
    """无疫小区 flags held or revoked under `code` on `on` (geodata.situation.honours)."""
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

