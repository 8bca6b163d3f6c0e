"""A demo day never holds records in the future: built at 09:00 the demo had today's patrols starting at 15:00,
events reported this afternoon and supplies recorded at 08:00 UTC (16:00 in Shanghai). Everything is capped at
the build time (the write's `ctx.now`, UTC)."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import text

from geodata.store.writes import Actor, write
from loaders.demo import generate
from loaders.demo.care import build_care
from loaders.demo.events import build
from tests.factories import TODAY, load_small_city

#: 09:00 in Shanghai on the demo's day, as stored (UTC)
MORNING = dt.datetime.combine(TODAY, dt.time(1, 0))


@pytest.fixture(scope="module")
def city():
    return generate("street", seed=0, today=TODAY)


def _frames(city, now: dt.datetime):
    return build(city, np.random.default_rng([0, 0x6576656E]), now)


def test_a_morning_build_has_no_patrol_or_event_after_it(city):
    events, patrols, _teams, _members = _frames(city, MORNING)
    assert (patrols["started_at"] <= MORNING).all() and (patrols["ended_at"] <= MORNING).all()
    assert (patrols["patrol_date"] == TODAY).any()  # the early ones are under way: today is not empty
    assert (events["reported_at"] <= MORNING).all()
    closed = events[events["status"] == "closed"]
    assert (closed["closed_at"] <= MORNING).all()


def test_the_cap_leaves_the_days_before_as_they_were(city):
    events, patrols, _t, _m = _frames(city, MORNING)
    late_events, late_patrols, _t, _m = _frames(city, dt.datetime.combine(TODAY, dt.time(23, 59)))
    before = late_patrols[late_patrols["patrol_date"] < TODAY]
    assert patrols[patrols["patrol_date"] < TODAY].reset_index(drop=True).equals(before.reset_index(drop=True))
    assert len(late_patrols[late_patrols["patrol_date"] == TODAY]) > len(patrols[patrols["patrol_date"] == TODAY])
    assert set(events["code"]) <= set(late_events["code"])  # an event keeps its code whatever the time


def test_care_visits_and_supplies_are_not_recorded_after_the_build(store):
    load_small_city(store)
    early = dt.datetime.combine(TODAY, dt.time(0, 30))  # before the demo's 08:00 and 09:00 (UTC) entries

    def run(ctx):
        ctx.now = early
        return build_care(ctx, SimpleNamespace(seed=0, today=TODAY))

    done = write(store, Actor.system("demo"), run)
    assert done["visits"] and done["movements"]
    with store.read() as s:
        latest = [s.execute(text(f"SELECT max(recorded_at) FROM {t}")).scalar_one()  # noqa: S608 — fixed names
                  for t in ("care_visits", "supply_movements")]
    assert all(_as_time(at) <= early for at in latest), latest


def _as_time(at) -> dt.datetime:
    """SQLite hands a raw text back from a plain SQL query."""
    return dt.datetime.fromisoformat(at) if isinstance(at, str) else at
