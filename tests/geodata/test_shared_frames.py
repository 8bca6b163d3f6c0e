"""Frames computed once per data version for every server process on one PostgreSQL (issue 18: each process
re-read the city's levels for every version at the rush) — geodata.store.shared_frames."""
from __future__ import annotations

import threading
import time

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy import func, select

from geodata.base.vocab import Level
from geodata.reporting import figures
from geodata.store.db import Store
from geodata.store.hierarchy import ref, unit_by_code
from geodata.store.models import SharedFrame
from geodata.store.shared_frames import decode, encode, shared_frame
from tests.factories import TODAY, load_small_city


def _read_models(store: Store) -> dict[str, pd.DataFrame]:
    """The frames the pages share, as the read models give them."""
    with store.read() as s:
        city = figures.root_unit(s)
        street = ref(unit_by_code(s, "S1"))
        return {
            "children of the city": figures.children_with_figures(s, city, TODAY),
            "children of a street": figures.children_with_figures(s, street, TODAY),
            "communities of the city": figures.units_with_figures(s, city, int(Level.COMMUNITY), TODAY),
            "one community": figures.unit_with_figures(s, ref(unit_by_code(s, "C2")), TODAY),
            "situations": figures.situations_at_level(s, city, int(Level.COMMUNITY), TODAY),
        }


def test_every_shared_read_model_comes_back_from_its_stored_copy_unchanged(store) -> None:
    load_small_city(store)
    for name, frame in _read_models(store).items():
        back = decode(encode(frame))
        assert type(back) is type(frame), name
        pd.testing.assert_frame_equal(back, frame, obj=name)
        if isinstance(frame, gpd.GeoDataFrame):
            assert back.crs == frame.crs, name


class Counted:
    """A compute that counts its calls (and can take its time, as a whole-city read does)."""

    def __init__(self, frame: pd.DataFrame, seconds: float = 0.0) -> None:
        self.frame, self.seconds, self.calls = frame, seconds, 0
        self._lock = threading.Lock()

    def __call__(self, _session: object = None) -> pd.DataFrame:
        with self._lock:
            self.calls += 1
        time.sleep(self.seconds)
        return self.frame


def _stored_versions(store: Store, key: str) -> list[int]:
    with store.read() as s:
        return list(s.execute(select(SharedFrame.version).where(SharedFrame.key == key)
                              .order_by(SharedFrame.version)).scalars())


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_processes_compute_a_frame_once_per_version_and_keep_only_the_newest(store) -> None:
    load_small_city(store)
    frame = _read_models(store)["children of the city"]
    other = Store(store.url)  # a second server process on the same database
    try:
        compute = Counted(frame)
        first = shared_frame(store, "children|CITY|d", 7, compute)
        again = shared_frame(other, "children|CITY|d", 7, compute)
        assert compute.calls == 1
        pd.testing.assert_frame_equal(again, first)
        shared_frame(other, "children|CITY|d", 8, compute)  # a new version is computed again …
        assert compute.calls == 2
        assert _stored_versions(store, "children|CITY|d") == [8]  # … and the older one is gone
        shared_frame(store, "children|S1|d", 8, compute)  # another key is another frame
        assert compute.calls == 3
    finally:
        other.dispose()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_processes_asking_at_once_wait_for_one_computation(store) -> None:
    frame = pd.DataFrame({"id": [1, 2], "name": ["甲", "乙"]})
    compute = Counted(frame, seconds=0.5)
    stores = [Store(store.url) for _ in range(4)]
    results: list[pd.DataFrame] = []
    try:
        threads = [threading.Thread(target=lambda st=st: results.append(shared_frame(st, "level|X", 3, compute)))
                   for st in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        for st in stores:
            st.dispose()
    assert compute.calls == 1 and len(results) == 4
    for got in results:
        pd.testing.assert_frame_equal(got, frame)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_frame_parquet_cannot_hold_is_computed_each_time_and_not_stored(store) -> None:
    odd = pd.DataFrame({"mixed": [1, "a", 2.5]})
    compute = Counted(odd)
    for _ in range(2):
        pd.testing.assert_frame_equal(shared_frame(store, "odd", 1, compute), odd)
    assert compute.calls == 2 and _stored_versions(store, "odd") == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_serves_one_process_and_stores_nothing(store) -> None:
    compute = Counted(pd.DataFrame({"id": [1]}))
    shared_frame(store, "k", 1, compute)
    shared_frame(store, "k", 1, compute)
    assert compute.calls == 2
    with store.read() as s:
        assert s.execute(select(func.count()).select_from(SharedFrame)).scalar_one() == 0


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_page_runs_waiting_for_a_frame_hold_no_connection_the_one_computing_it_needs(store, monkeypatch) -> None:
    """At the rush twenty page runs of one process waited inside the lock, each holding one of its pooled
    connections, while the run computing the frame waited for a connection: the processes stalled. Here a pool
    of two and six runs at once."""
    monkeypatch.setenv("GRIDWATCH_DB_POOL", "2")
    small = Store(store.url)
    frame = pd.DataFrame({"id": [1]})
    calls = []

    def compute(session) -> pd.DataFrame:
        calls.append(session.execute(select(func.count()).select_from(SharedFrame)).scalar_one())
        time.sleep(0.5)
        return frame

    results: list[pd.DataFrame] = []
    started = time.monotonic()
    try:
        threads = [threading.Thread(target=lambda: results.append(shared_frame(small, "city", 9, compute)))
                   for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        small.dispose()
    assert len(results) == 6 and len(calls) == 1
    assert time.monotonic() - started < 10
