"""The process's cap on page runs computing at once (dashboard.run_gate): a burst of first opens is served in
arrival order instead of all finishing together at the end, and a full run calling its own fragment never
waits on itself."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import run_gate
from dashboard.run_gate import RunGate, slots_from
from geodata.people import sessions
from tests.dashboard.apptest_pages import switch_to
from tests.dashboard.test_page_security import APP
from tests.geodata.test_scope_city import PASSWORD, city  # noqa: F401 — `city` is a fixture


def test_no_more_than_the_slots_are_inside_at_once():
    gate = RunGate(2)
    inside, most, lock = 0, 0, threading.Lock()

    def run() -> None:
        nonlocal inside, most
        with gate.held():
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.02)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=run) for _ in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(5)
    assert most == 2 and inside == 0


def test_a_burst_waiting_for_one_slot_is_served_in_arrival_order():
    gate = RunGate(1)
    done: list[int] = []
    first_inside = threading.Event()
    release = threading.Event()

    def run(i: int) -> None:
        with gate.held():
            if i == 0:
                first_inside.set()
                release.wait(5)
            done.append(i)

    threads = [threading.Thread(target=run, args=(0,))]
    threads[0].start()
    first_inside.wait(5)
    for i in range(1, 8):  # each arrives while the slot is taken, one after another
        th = threading.Thread(target=run, args=(i,))
        th.start()
        threads.append(th)
        time.sleep(0.01)
    release.set()
    for th in threads:
        th.join(5)
    assert done == list(range(8))


def enters(gate: RunGate) -> bool:
    """Whether another thread gets a slot of `gate` within 2 s."""
    got_in = threading.Event()

    def run() -> None:
        with gate.held():
            got_in.set()

    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(2)
    return got_in.is_set()


def test_a_run_inside_calls_its_gated_fragment_without_waiting_on_itself():
    gate = RunGate(1)

    @gate.gated
    def fragment(x: int) -> int:
        return x * 2

    result: list[int] = []

    def full_run() -> None:
        with gate.held():
            result.append(fragment(21))

    th = threading.Thread(target=full_run, daemon=True)
    th.start()
    th.join(2)
    assert not th.is_alive(), "a full run waited on the slot it holds"
    assert result == [42]
    assert enters(gate), "the slot was not given back"


def test_a_run_that_fails_or_is_interrupted_gives_its_slot_back():
    gate = RunGate(1)
    with pytest.raises(RuntimeError):  # Streamlit stops a run by raising inside it (StopException, RerunException)
        with gate.held():
            raise RuntimeError("rerun")
    assert enters(gate)
    with gate.held():  # and while it is held, nobody else gets in
        assert not enters(gate)


@pytest.mark.parametrize("value, slots", [(None, 3), ("1", 1), ("6", 6), ("0", 1), ("-2", 1), ("many", 3)])
def test_slots_come_from_the_environment_with_a_floor_of_one(value, slots):
    env = {} if value is None else {"GRIDWATCH_RUN_SLOTS": value}
    assert slots_from(env) == slots


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_page_run_and_its_fragments_compute_inside_the_gate(city, monkeypatch):  # noqa: F811
    """The entry script holds a slot for the whole run, and each page's fragment (whose own reruns skip the entry
    script) is gated: the wall's refresh, /explore's table, /checkpoints' map."""
    monkeypatch.setenv("DATABASE_URL", city.url)
    monkeypatch.delenv("TILE_URL", raising=False)
    gate = RunGate(3)
    inside: list[bool] = []
    gated_names: list[str] = []

    @contextmanager
    def held():
        with gate.held():
            inside.append(True)
            yield

    def gated(fn):
        gated_names.append(fn.__name__)
        return gate.gated(fn)

    monkeypatch.setattr(run_gate, "held", held)
    monkeypatch.setattr(run_gate, "gated", gated)
    token = sessions.sign_in(city, "command", PASSWORD).token
    for page, fragment in (("wall", "live"), ("explore", "table_panel"), ("checkpoints", "map_panel")):
        inside.clear()
        gated_names.clear()
        st.cache_data.clear()
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["gw_token"] = token
        switch_to(at, f"views/{page}.py")
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert inside == [True], page
        assert fragment in gated_names, (page, gated_names)
