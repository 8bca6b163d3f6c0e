"""Two Streamlit processes on one PostgreSQL agree (issue 18, "the 16:00 rush"), driven over the WebSocket with
the bench's client (bench/stclient.py), no browser:

- a daily report saved through the form on process A shows on the wall served by process B on the wall's first
  refresh once B's settled version has moved on (its fragment timer), with nothing restarted — the caches of B
  follow the database's data version;
- a session signed in once is valid on both processes, and signing out on A ends it on B;
- a tiny rush (5 community heads, 2 people browsing, the wall) on both processes: no errors, every report
  acknowledged is stored once with what was typed, none lost, none duplicated.

Needs PostgreSQL on 127.0.0.1:5432 (skipped, with the reason, when it does not answer). The street demo is
loaded into a database of its own, dropped afterwards.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.proto.TextInput_pb2 import TextInput

from bench import rush
from bench.stclient import RunResult, StreamlitSession, trigger_state
from geodata.people import sessions
from geodata.store.db import Store
from tests.conftest import scratch_pg_database

pytestmark = pytest.mark.slow

#: the wall's standing alert for missing reports (dashboard/components/alerts.py), in English
MISSING = re.compile(r"Communities not reported today: ([\d,]+)")
PAST_DAY = dt.date.today() - dt.timedelta(days=20)  # before the demo's week of reports: every report missing


def run_async(coro):
    """Run a coroutine to the end in a thread of its own: Playwright's sync API (the browser tests) leaves an
    event loop running in the main thread, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def load_street_demo(url: str) -> None:
    from loaders.demo import generate
    from loaders.demo_store import store_demo

    store = Store(url)
    store.migrate()
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _msg: None)
    store.dispose()


@pytest.fixture(scope="module")
def demo_db() -> Iterator[str]:
    with scratch_pg_database("gw_rush", "two processes need it") as url:
        yield url


#: the workers settle on a data version as in production (geodata.store.versions), only faster
SETTLE_S = 3.0


@pytest.fixture(scope="module")
def two_processes(demo_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[rush.Servers]:
    """Two workers on the demo database; the demo is loaded while they start (nothing is read before a page
    runs), which saves the test a few seconds."""
    with ThreadPoolExecutor(1) as pool, pytest.MonkeyPatch.context() as env:
        env.setenv("GRIDWATCH_SETTLE_S", str(SETTLE_S))
        loading = pool.submit(load_street_demo, demo_db)
        with rush.start_servers(2, demo_db, "direct", Path(tmp_path_factory.mktemp("rush"))) as servers:
            loading.result()
            yield servers


def missing_shown(run: RunResult) -> int:
    found = MISSING.search(run.text())
    assert found, f"the wall shows no missing-report count:\n{run.text()[-2000:]}"
    return int(found.group(1).replace(",", ""))


def signed_in(run: RunResult) -> bool:
    """False when the run drew the sign-in form (a password field) instead of the page."""
    assert run.ok, run.exceptions
    return not any(el.WhichOneof("type") == "text_input" and el.text_input.type == TextInput.PASSWORD
                   for el in run.widgets.values())


def test_a_report_saved_on_one_process_shows_on_the_wall_of_the_other(demo_db, two_processes):
    a, b = two_processes.worker_urls
    store = Store(demo_db)
    command = sessions.sign_in(store, "command", "demo1234")
    head = sessions.sign_in(store, "head", "demo1234")
    assert command.ok and head.ok

    async def scenario() -> tuple[int, int, int]:
        async with StreamlitSession(b, cookies={"gw_session": command.token}) as wall, \
                StreamlitSession(a, cookies={"gw_session": head.token}) as form:
            shown = await wall.open("wall", f"on={PAST_DAY}&lang=en")
            before = missing_shown(shown)
            (fragment, _every), = shown.timers.items()

            page = await form.open("reports", f"on={PAST_DAY}&lang=en")
            widgets = rush.report_widgets(page, 4242)
            assert widgets is not None, "no report form for the community head on /reports"
            saved = await form.rerun(widgets)
            assert saved.ok and saved.shown("SUCCESS") and not saved.shown("ERROR"), saved.alerts

            # B keeps the version it shows for SETTLE_S seconds (the rush's settling): by the first refresh after
            # that, its wall shows A's save
            await asyncio.sleep(SETTLE_S + 0.5)
            same = missing_shown(await wall.rerun(fragment_id=fragment, auto=True))
            return before, same, len(shown.timers)

    before, after, timers = run_async(scenario())
    store.dispose()
    assert timers == 1
    assert before >= 1
    assert after == before - 1, f"process B's wall still shows {after} missing after A saved (was {before})"


def test_a_session_is_valid_on_both_processes_and_sign_out_ends_it_on_both(demo_db, two_processes):
    a, b = two_processes.worker_urls
    store = Store(demo_db)
    result = sessions.sign_in(store, "command", "demo1234")  # what the sign-in form does with the password
    assert result.ok
    cookie = {"gw_session": result.token}

    async def scenario() -> list[bool]:
        seen = []
        async with StreamlitSession(a, cookies=cookie) as on_a, StreamlitSession(b, cookies=cookie) as on_b:
            page_a = await on_a.open("wall", "lang=en")
            seen.append(signed_in(page_a))
            page_b = await on_b.open("wall", "lang=en")
            seen.append(signed_in(page_b))
            (fragment, _every), = page_b.timers.items()
            sign_out = page_a.widget("gw-sign-out")
            assert sign_out is not None, "no sign-out button on /wall"
            seen.append(signed_in(await on_a.rerun([trigger_state(sign_out.button.id)])))
            seen.append(signed_in(await on_b.rerun(fragment_id=fragment, auto=True)))
        async with StreamlitSession(b, cookies=cookie) as again:
            seen.append(signed_in(await again.open("wall", "lang=en")))
        async with StreamlitSession(b) as nobody:  # the control: no cookie, no page
            seen.append(signed_in(await nobody.open("wall", "lang=en")))
        return seen

    seen = run_async(scenario())
    store.dispose()
    assert seen == [True, True, False, False, False, False]


def test_a_tiny_rush_on_two_processes_loses_and_duplicates_nothing(demo_db, two_processes):
    store = Store(demo_db)
    heads = rush.communities(store, 5)
    assert len(heads) == 5
    rush.ensure_accounts(store, heads)
    plan = rush.Plan(heads=5, browsers=1, walls=1, rate_per_min=300, think=(0.2, 0.5), browse_every=(0.5, 1.0),
                     wall_every=1.0, max_seconds=45, timeout=30)
    outcome = run_async(rush.rush(two_processes, store, plan, heads, seed=1, warm=False))
    store.dispose()
    rush.print_outcome(outcome)
    tally = outcome.tally
    assert dict(tally.errors) == {}
    assert sorted(tally.acknowledged) == sorted(heads)
    assert outcome.lost == [] and outcome.duplicated == 0
    assert outcome.stored == 5
    assert {"reports", "reports:submit", "explore", "wall"} <= set(tally.times)
    assert len(outcome.rss_each_mb) == 2 and outcome.rss_peak_mb > 0


def test_a_browsing_person_moves_only_between_a_unit_its_children_and_its_parent():
    """The rush's browsers click as people do on /explore (into a child, up a level, from a grid back to the
    city): a drill from the level in view, whose own row the page already holds, not a random jump."""
    import random

    tree = rush.Tree(root="C", children={"C": ["D1", "D2"], "D1": ["S1"], "S1": ["G1", "G2"]},
                     parent={"D1": "C", "D2": "C", "S1": "D1", "G1": "S1", "G2": "S1"})
    rng = random.Random(3)
    here, seen = "C", {"C"}
    for _ in range(400):
        there = rush.next_unit(tree, here, rng)
        assert there in tree.children.get(here, []) or there == tree.parent.get(here) or (
            there == tree.root and here not in tree.children), f"{here} -> {there}"
        here = there
        seen.add(here)
    assert seen == {"C", "D1", "D2", "S1", "G1", "G2"}
