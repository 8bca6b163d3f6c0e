"""Read the next level before anyone clicks: a drill-down then finds its figures in the cache.

A click on /explore costs one script run; at city scale its reads were most of it when the level clicked had
not been seen yet (~0.2–0.4 s for a district on a 2-core machine). While people look at a level, one
background thread reads what a click on any of its children would need — the children's own children in one
query (all streets of the city, all communities of a district…) cut per child, the children's totals, their
communities' situations for the KPI strip, flags, buildings and checkpoints — and hands each piece to the same cached
read a page calls (`dashboard.data`), so a later run is a cache hit.

One thread at a time for the whole process (a lock), each unit once per data version and day: the work is
bounded by what people look at, not by the size of the city. Nothing read here is shown to anyone until a
page asks for it through its own scope check (`auth.require_unit`).
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import geopandas as gpd
import pandas as pd
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from dashboard import data
from dashboard.state import View, store_for
from geodata.base.vocab import Level
from geodata.reporting import figures
from geodata.store.hierarchy import UnitRef
from geodata.store.versions import figures_of

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_DONE: OrderedDict[tuple, None] = OrderedDict()  # (url, version, on, code) read ahead already
_DONE_MAX = 4096


#: Streamlit's name for the thread a page run executes in (streamlit.runtime.scriptrunner.script_runner)
_RUN_THREAD = "ScriptRunner.scriptThread"


def busy() -> bool:
    """Another read-ahead is under way, or another page run besides the caller's is executing.

    Reading ahead spends the process's spare time; at the 16:00 rush there is none, and a read-ahead then
    only delays the runs people wait for (a third of the process's time in a profile of 50 people browsing).
    """
    return _LOCK.locked() or sum(t.name == _RUN_THREAD for t in threading.enumerate()) > 1


def children_ahead(v: View, unit: UnitRef, kids: gpd.GeoDataFrame, communities: pd.DataFrame | None) -> None:
    """Start reading, in the background, what drilling into any of `kids` (the children of `unit`) reads —
    when the process has nothing else to do (`busy`)."""
    key = (v.url, figures_of(v.url, v.version), v.on, unit.code)
    if not len(kids) or key in _DONE or busy():
        return
    _DONE[key] = None
    while len(_DONE) > _DONE_MAX:
        _DONE.popitem(last=False)
    thread = threading.Thread(target=_run, args=(v, unit, kids, communities), name=f"gw-prefetch-{unit.code}",
                              daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())  # st.cache_data wants a script context in its thread
    thread.start()


def _run(v: View, unit: UnitRef, kids: gpd.GeoDataFrame, communities: pd.DataFrame | None) -> None:
    if not _LOCK.acquire(blocking=False):
        return  # another read-ahead started meanwhile: this one is dropped, not queued
    try:
        read_ahead(v, unit, kids, communities)
    except Exception:  # noqa: BLE001 — reading ahead is an optimisation; the page reads again itself
        log.exception("prefetch under %s failed", unit.code)
    finally:
        _LOCK.release()


def read_ahead(v: View, unit: UnitRef, kids: gpd.GeoDataFrame, communities: pd.DataFrame | None) -> None:
    """Fill the caches for each child of `unit`: its children, totals, communities, flags, buildings."""
    url, version, on = v.url, figures_of(v.url, v.version), v.on  # the figures' version: dashboard.data
    codes = [str(c) for c in kids["code"]]
    child_level = int(kids["level"].iloc[0])
    grand = None
    if child_level < int(Level.COMPOUND):
        with store_for(url).read() as s:
            grand = data._alias(figures.units_with_figures(s, unit, child_level + 1, on, reports=False))
    for code in codes:
        if grand is not None:
            _hand(("children", url, version, code, on), _part(grand, grand["parent_code"] == code),
                  lambda: data._children(url, version, code, on))
        else:
            data._children(url, version, code, on)
        data.totals(url, version, code, on)
        path = str(kids.loc[kids["code"] == code, "path"].iloc[0])
        if child_level < int(Level.COMMUNITY) and communities is not None and len(communities):
            mine = communities["path"].str.startswith(path)
            _hand(("situations", url, version, code, int(Level.COMMUNITY), on), _part(communities, mine),
                  lambda: data._situations_at_level(url, version, code, int(Level.COMMUNITY), on))
        if child_level >= int(Level.STREET):
            data.flags(url, version, code, on)
        if child_level >= int(Level.GRID):
            data.buildings(url, version, code, on)
            data.checkpoints(url, version, code)


def _part(frame: gpd.GeoDataFrame, mask: pd.Series) -> gpd.GeoDataFrame:
    return frame[mask.to_numpy()].reset_index(drop=True)


def _hand(key: tuple, frame: gpd.GeoDataFrame, read) -> None:
    """Call the cached `read` with `frame` waiting for it under `key`: the cache stores `frame` as its result."""
    data._AHEAD[key] = frame
    try:
        read()
    finally:
        data._AHEAD.pop(key, None)
