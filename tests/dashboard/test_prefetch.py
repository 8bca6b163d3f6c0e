"""Reading ahead (dashboard.prefetch): what a drill finds in the cache must be what it would have read itself."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest
import streamlit as st

from dashboard import data, prefetch
from geodata.base.vocab import Level
from geodata.reporting import figures
from geodata.store.hierarchy import breadcrumb
from loaders.demo import generate
from loaders.demo_store import store_demo


@pytest.fixture
def street(store):
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _msg: None)
    st.cache_data.clear()
    yield store
    st.cache_data.clear()


def _view(store) -> SimpleNamespace:
    return SimpleNamespace(url=store.url, version=store.data_version(), on=dt.date.today())


def _direct_children(store, code: str, on: dt.date):
    with store.read() as s:
        return data._alias(figures.children_with_figures(s, breadcrumb(s, code)[-1], on))


def _direct_level(store, code: str, level: int, on: dt.date):
    with store.read() as s:
        return data._alias(figures.units_with_figures(s, breadcrumb(s, code)[-1], level, on))


@pytest.mark.parametrize("level", [Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID])
def test_read_ahead_fills_the_cache_with_what_a_drill_would_read(street, level, monkeypatch):
    v = _view(street)
    with street.read() as s:
        from sqlalchemy import text

        code = s.execute(text("SELECT min(code) FROM units WHERE level = :l"), {"l": int(level)}).scalar()
        unit = breadcrumb(s, code)[-1]
    kids = data.children(v.url, v.version, code, v.on)
    assert len(kids), f"the demo has children under {code}"
    communities = (data.units_at_level(v.url, v.version, code, int(Level.COMMUNITY), v.on)
                   if level + 1 < Level.COMMUNITY else None)

    prefetch.read_ahead(v, unit, kids, communities)

    # from now on every read a drill makes must come from the cache: make the read model fail if called
    def no_read(*_a, **_k):
        raise AssertionError("read again although read ahead")

    expected = {c: _direct_children(street, c, v.on) for c in kids["code"]}
    expected_comms = {c: _direct_level(street, c, int(Level.COMMUNITY), v.on) for c in kids["code"]
                      if level + 1 < Level.COMMUNITY}
    monkeypatch.setattr(figures, "children_with_figures", no_read)
    monkeypatch.setattr(figures, "units_with_figures", no_read)
    monkeypatch.setattr(figures, "unit_totals", no_read)
    monkeypatch.setattr(figures, "buildings_in", no_read)
    for child in kids["code"]:
        got = data._children(v.url, v.version, child, v.on)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected[child].reset_index(drop=True),
                                      check_dtype=False, check_like=True)
        data.totals(v.url, v.version, child, v.on)
        if child in expected_comms:
            got = data._units_at_level(v.url, v.version, child, int(Level.COMMUNITY), v.on)
            pd.testing.assert_frame_equal(got.reset_index(drop=True), expected_comms[child].reset_index(drop=True),
                                          check_dtype=False, check_like=True)
        if level + 1 >= Level.GRID:
            data.buildings(v.url, v.version, child, v.on)


def test_each_unit_is_read_ahead_once_per_data_version(street, monkeypatch):
    v = _view(street)
    started = []
    monkeypatch.setattr(prefetch, "_run", lambda *a: started.append(a[1].code))
    monkeypatch.setattr(prefetch, "_DONE", prefetch.OrderedDict())
    with street.read() as s:
        city = figures.root_unit(s)
    kids = data.children(v.url, v.version, city.code, v.on)
    prefetch.children_ahead(v, city, kids, None)
    prefetch.children_ahead(v, city, kids, None)
    newer = SimpleNamespace(url=v.url, version=v.version + 1, on=v.on)
    prefetch.children_ahead(newer, city, kids, None)
    import time

    deadline = time.time() + 5
    while len(started) < 2 and time.time() < deadline:
        time.sleep(0.01)
    assert started == [city.code, city.code]
