"""The version pages key their caches on settles at the 16:00 rush, and a person still sees their own write at
once (geodata.store.versions, issue 18), and every process on one database shows the same version.

Without it every write (one a second at the rush) made every /explore and wall run in every process read the
city-wide figures again.
"""
from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from geodata.store.db import Store
from geodata.store.models import Meta
from geodata.store.versions import SHOWN_KEY, Shown, _move, settle, versions
from geodata.store.writes import Actor, write



def test_a_quiet_database_shows_every_change_at_once() -> None:
    first = settle(5, None, now=0.0, settle_s=15)
    assert first.version == 5
    assert settle(6, first, now=100.0, settle_s=15).version == 6  # still for 100 s: the next write shows at once


def test_a_busy_database_moves_on_at_most_once_per_settle_period() -> None:
    shown = settle(5, None, now=0.0, settle_s=15)
    seen = []
    for t in range(1, 15):  # a write a second: the version shown stays for 15 s, then jumps to the newest
        shown = settle(5 + t, shown, now=float(t), settle_s=15)
        seen.append(shown.version)
    assert seen == [5] * 14
    shown = settle(20, shown, now=15.0, settle_s=15)
    assert shown.version == 20
    assert settle(21, shown, now=16.0, settle_s=15).version == 20
    assert settle(21, shown, now=30.0, settle_s=15).version == 21


def test_a_rebuilt_database_is_followed_at_once() -> None:
    shown = settle(900, None, now=0.0, settle_s=15)
    assert settle(3, shown, now=1.0, settle_s=15).version == 3


def _bump(store: Store) -> None:
    write(store, Actor.system("test"), lambda ctx: None)


def test_every_process_on_one_database_shows_the_same_settled_version(store) -> None:  # both backends
    """Two processes (two Stores on one database) agree on the version shown, so what one computes for it
    the other can use (geodata.store.shared_frames); zero means the newest."""
    other = Store(store.url)
    try:
        _bump(store)
        a = versions(store, 15, now=1000.0)
        assert (a.live, a.shown) == (1, 1)
        for t in range(1, 5):  # writes keep coming: both keep showing 1, whichever asks
            _bump(store)
            assert versions(other if t % 2 else store, 15, now=1000.0 + t).shown == 1
        assert versions(other, 15, now=1016.0).shown == 5  # due: the first to ask moves it, for everyone
        _bump(other)
        seen = versions(store, 15, now=1017.0)
        assert (seen.live, seen.shown) == (6, 5)
        seen = versions(other, 0, now=1017.0)
        assert (seen.live, seen.shown) == (6, 6)
    finally:
        other.dispose()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_shown_version_moved_by_another_process_meanwhile_is_taken_not_overwritten(store) -> None:
    _bump(store)
    versions(store, 15, now=0.0)
    seen = store.meta(SHOWN_KEY)
    _bump(store)
    _bump(store)
    # another process moved it to 2 between this one's read and its move: this one takes 2, not 3
    with store.session() as s, s.begin():
        s.get(Meta, SHOWN_KEY).value = Shown(2, 20.0).text()
    assert _move(store, seen, Shown(3, 21.0)) == Shown(2, 20.0)
    assert store.meta(SHOWN_KEY) == Shown(2, 20.0).text()


def _page() -> None:
    import streamlit as st

    from dashboard import state
    from geodata.store.db import Store
    from geodata.store.models import Meta
    from geodata.store.writes import Actor, write

    url = st.session_state["url"]
    if st.session_state.pop("do_write", False):
        def touch(ctx) -> None:
            ctx.session.add(Meta(key=f"k{st.session_state.get('n', 0)}", value="x"))
        store = Store(url)
        write(store, Actor("head"), touch)
        store.dispose()
    st.write(f"VERSION {state.data_version(url)}")


def _version(at: AppTest) -> int:
    shown = [m.value for m in at.markdown if str(m.value).startswith("VERSION ")]
    assert shown, [m.value for m in at.markdown]
    return int(shown[-1].split()[1])


def test_others_write_settles_but_a_persons_own_write_shows_at_once(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRIDWATCH_SETTLE_S", "3600")
    url = f"sqlite:///{tmp_path / 'v.sqlite'}"
    store = Store(url)
    store.migrate()
    at = AppTest.from_function(_page, default_timeout=30)
    at.session_state["url"] = url
    at.run()
    first = _version(at)

    # someone else writes: this session keeps the settled version (and so its caches)
    write(store, Actor("other"), lambda ctx: ctx.session.add(Meta(key="other", value="x")))
    at.run()
    assert _version(at) == first

    # this session writes through its page: it reads its own write on the same run and after
    at.session_state["do_write"] = True
    at.run()
    mine = _version(at)
    assert mine == first + 2
    at.run()
    assert _version(at) == mine
    store.dispose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_on_sqlite_a_page_run_never_waits_for_the_write_lock_an_import_holds(store) -> None:
    """SQLite serves one process: the version shown is kept in it, so a page run writes nothing and does not wait
    (busy_timeout: 30 s) while a long import holds the database's write lock."""
    _bump(store)
    versions(store, 15, now=0.0)
    _bump(store)
    importer = store.engine.connect()
    try:
        importer.exec_driver_sql("BEGIN IMMEDIATE")  # a long import: the write lock is taken
        started = time.monotonic()
        seen = versions(store, 15, now=20.0)
        assert (seen.live, seen.shown) == (2, 2)  # due: it moves on, in this process
        assert time.monotonic() - started < 5
    finally:
        importer.rollback()
        importer.close()
    assert store.meta(SHOWN_KEY) is None
