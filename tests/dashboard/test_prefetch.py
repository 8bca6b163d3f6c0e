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


def _direct_situations(store, code: str, level: int, on: dt.date):
    with store.read() as s:
        return figures.situations_at_level(s, breadcrumb(s, code)[-1], level, on)


@pytest.mark.parametrize("level", [Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID])
def test_read_ahead_fills_the_cache_with_what_a_drill_would_read(street, level, monkeypatch):
    v = _view(street)
    with street.read() as s:
        from sqlalchemy import text

        code = s.execute(text("SELECT min(code) FROM units WHERE level = :l"), {"l": int(level)}).scalar()
        unit = breadcrumb(s, code)[-1]
    kids = data.children(v.url, v.version, code, v.on)
    assert len(kids), f"the demo has children under {code}"
    communities = (data.situations_at_level(v.url, v.version, code, int(Level.COMMUNITY), v.on)
                   if level + 1 < Level.COMMUNITY else None)

    prefetch.read_ahead(v, unit, kids, communities)

    # from now on every read a drill makes must come from the cache: make the read model fail if called
    def no_read(*_a, **_k):
        raise AssertionError("read again although read ahead")

    expected = {c: _direct_children(street, c, v.on) for c in kids["code"]}
    expected_comms = {c: _direct_situations(street, c, int(Level.COMMUNITY), v.on) for c in kids["code"]
                      if level + 1 < Level.COMMUNITY}
    monkeypatch.setattr(figures, "children_with_figures", no_read)
    monkeypatch.setattr(figures, "units_with_figures", no_read)
    monkeypatch.setattr(figures, "unit_totals", no_read)
    monkeypatch.setattr(figures, "situations_at_level", no_read)
    monkeypatch.setattr(figures, "buildings_in", no_read)
    for child in kids["code"]:
        got = data.children(v.url, v.version, child, v.on)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected[child].reset_index(drop=True),
                                      check_dtype=False, check_like=True)
        data.totals(v.url, v.version, child, v.on)
        if child in expected_comms:
            got = data.situations_at_level(v.url, v.version, child, int(Level.COMMUNITY), v.on)
            pd.testing.assert_frame_equal(got.reset_index(drop=True), expected_comms[child].reset_index(drop=True),
                                          check_dtype=False, check_like=True)
        if level + 1 >= Level.GRID:
            data.buildings(v.url, v.version, child, v.on)


def _city_with_recorder(street, monkeypatch, target: str) -> tuple:
    """(view, city, its children, the codes `prefetch.<target>` was called for), nothing read ahead yet."""
    v = _view(street)
    started: list[str] = []
    monkeypatch.setattr(prefetch, target, lambda *a: started.append(a[1].code))
    monkeypatch.setattr(prefetch, "_DONE", prefetch.OrderedDict())
    with street.read() as s:
        city = figures.root_unit(s)
    return v, city, data.children(v.url, v.version, city.code, v.on), started


def test_each_unit_is_read_ahead_once_per_data_version(street, monkeypatch):
    v, city, kids, started = _city_with_recorder(street, monkeypatch, "_run")
    prefetch.children_ahead(v, city, kids, None)
    prefetch.children_ahead(v, city, kids, None)
    newer = SimpleNamespace(url=v.url, version=v.version + 1, on=v.on)
    prefetch.children_ahead(newer, city, kids, None)
    import time

    deadline = time.time() + 5
    while len(started) < 2 and time.time() < deadline:
        time.sleep(0.01)
    assert started == [city.code, city.code]


def test_nothing_is_read_ahead_while_other_page_runs_wait_for_the_process(street, monkeypatch):
    """At the 16:00 rush a read-ahead only delays the runs people wait for (issue 18): while another page run
    executes, or another read-ahead is under way, none is started — and none is queued behind the lock."""
    import threading

    v, city, kids, started = _city_with_recorder(street, monkeypatch, "read_ahead")

    release = threading.Event()
    others = [threading.Thread(target=release.wait, name=prefetch._RUN_THREAD) for _ in range(2)]
    for t in others:
        t.start()
    try:
        assert prefetch.busy()
        prefetch.children_ahead(v, city, kids, None)
    finally:
        release.set()
        for t in others:
            t.join()
    assert started == []

    with prefetch._LOCK:  # a read-ahead under way: a second one is dropped
        assert prefetch.busy()
        prefetch._run(v, city, kids, None)
    assert started == []

    assert not prefetch.busy()  # idle again: the next view reads ahead
    prefetch._run(v, city, kids, None)
    assert started == [city.code]


def test_a_unit_clicked_from_its_parent_takes_its_own_row_from_the_parents_children(street, monkeypatch):
    """A drill reads the unit's own row (card and KPI strip) and its children: the row is already among the
    children of the level clicked from, with the same figures, so only the children are read (in the rush, two
    subtree reads per drill were a third of a run). A unit whose parent was not seen reads its own subtree."""
    v = _view(street)
    with street.read() as s:
        from sqlalchemy import text

        street_code = s.execute(text("SELECT min(code) FROM units WHERE level = :l"),
                                {"l": int(Level.STREET)}).scalar()
        crumbs = {c: breadcrumb(s, c) for c in [street_code]}
    kids = data.children(v.url, v.version, street_code, v.on)
    reads: list[str] = []
    real = figures.unit_with_figures
    monkeypatch.setattr(figures, "unit_with_figures", lambda s, unit, on, **kw: reads.append(unit.code) or real(
        s, unit, on, **kw))
    for code in kids["code"]:
        with street.read() as s:
            chain = breadcrumb(s, code)
            direct = data._alias(real(s, chain[-1], v.on))
        row = data.unit_row(v.url, v.version, chain, v.on)
        cols = sorted(set(direct.columns) - {"geometry"})
        pd.testing.assert_series_equal(row[cols], direct.iloc[0][cols], check_dtype=False, check_names=False)
        assert data.totals(v.url, v.version, code, v.on) == figures.totals_of(direct.iloc[0])
    assert reads == [], "the own row was read from the unit's subtree although its parent's children held it"
    data.unit_row(v.url, v.version, crumbs[street_code], v.on)  # the street's parent was never shown
    assert reads == [street_code]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_second_process_takes_the_levels_the_first_computed_for_the_version(street, monkeypatch):
    """Issue 18: several processes on one PostgreSQL each read the city's levels again for every version. A process
    with an empty cache (the cache cleared stands for a second process) now reads none of them itself."""
    v = _view(street)
    city = data.root(v.url, v.version).code
    kids = data.children(v.url, v.version, city, v.on)
    first_child = str(kids["code"].iloc[0])
    data._SEEN_CHILDREN.clear()  # the unit's own row read for itself, not taken from its parent's children
    row = data._own_row(v.url, v.version, first_child, v.on)
    level = data.units_at_level(v.url, v.version, city, int(Level.COMMUNITY), v.on)
    sits = data.situations_at_level(v.url, v.version, city, int(Level.COMMUNITY), v.on)
    st.cache_data.clear()
    data._SEEN_CHILDREN.clear()

    def no_read(*_a, **_k):
        raise AssertionError("computed again in the second process")

    for name in ("children_with_figures", "unit_with_figures", "units_with_figures", "situations_at_level"):
        monkeypatch.setattr(figures, name, no_read)
    pd.testing.assert_frame_equal(data._own_row(v.url, v.version, first_child, v.on), row)
    pd.testing.assert_frame_equal(data.children(v.url, v.version, city, v.on), kids)
    pd.testing.assert_frame_equal(data.units_at_level(v.url, v.version, city, int(Level.COMMUNITY), v.on), level)
    pd.testing.assert_frame_equal(data.situations_at_level(v.url, v.version, city, int(Level.COMMUNITY), v.on),
                                  sits)
    st.cache_data.clear()
    with pytest.raises(AssertionError, match="computed again"):  # a new version is computed afresh
        data.children(v.url, v.version + 1, city, v.on)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_unit_clicked_in_another_process_takes_its_row_from_the_stored_children_of_its_parent(street, monkeypatch):
    """A click into a unit lands on whichever process serves that person: its own row comes from the parent's
    children another process read for this version, and the root's totals are read once for all."""
    v = _view(street)
    city = data.root(v.url, v.version).code
    kids = data.children(v.url, v.version, city, v.on)
    totals = data.totals(v.url, v.version, city, v.on)
    st.cache_data.clear()
    data._SEEN_CHILDREN.clear()

    def no_read(*_a, **_k):
        raise AssertionError("read again in the second process")

    monkeypatch.setattr(figures, "unit_with_figures", no_read)
    monkeypatch.setattr(figures, "unit_totals", no_read)
    for code in kids["code"]:
        row = data._own_row(v.url, v.version, str(code), v.on)
        want = kids[kids["code"] == code].drop(columns=["reports_missing", "report_missing"])  # per data version
        pd.testing.assert_frame_equal(row, want.reset_index(drop=True))
    assert data.totals(v.url, v.version, city, v.on) == totals


def test_at_the_rush_a_report_moves_the_report_columns_and_no_figure_is_read_again(street, monkeypatch):
    """Issue 18: a daily report changes no map figure (geodata.store.versions, figures version). The next data
    version shows it in the report columns — once the cut-off has passed — and reads no figure again; before the
    cut-off nothing about reports is read at all."""
    from geodata.reporting.reports import submit_report
    from geodata.situation.settings import set_setting
    from geodata.store.versions import versions
    from geodata.store.writes import Actor, write

    url, on = street.url, dt.date.today()
    write(street, Actor("cmd", "command", None), lambda ctx: set_setting(ctx, "daily_report", {"cutoff": "00:00"}))
    first = versions(street, 0).live
    with street.read() as s:
        from sqlalchemy import text

        parent = s.execute(text("SELECT min(code) FROM units WHERE level = :l"), {"l": int(Level.STREET)}).scalar()
    kids = data.children(url, first, parent, on).set_index("code")
    totals = data.totals(url, first, parent, on)
    missing = kids.index[kids["report_missing"]]
    assert len(missing)  # the cut-off (00:00) has passed and a community of the demo has not reported today
    community = str(missing[0])
    write(street, Actor.system("test"), lambda ctx: submit_report(
        ctx, community, on, zero=True, now=dt.datetime.combine(on, dt.time(9))))
    second = versions(street, 0)
    assert second.live == first + 1 and second.live_figures == data.figures_of(url, first)

    def no_read(*_a, **_k):
        raise AssertionError("a figure read again after a daily report")

    for name in ("children_with_figures", "units_with_figures", "unit_with_figures", "unit_totals"):
        monkeypatch.setattr(figures, name, no_read)
    after = data.children(url, second.live, parent, on).set_index("code")
    assert not after.at[community, "report_missing"]
    assert after.drop(index=community)["report_missing"].equals(kids.drop(index=community)["report_missing"])
    assert data.totals(url, second.live, parent, on) == totals

    monkeypatch.setattr(data, "_cutoff", lambda *_a: dt.datetime.max)  # before the cut-off: nothing is read
    monkeypatch.setattr(figures, "missing_report_paths", no_read)
    assert not data.children(url, second.live, parent, on)["report_missing"].any()
