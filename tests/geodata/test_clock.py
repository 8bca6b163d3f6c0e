"""Stored times on the server's clock (geodata.base.clock), and the faults of reading them in the wrong zone: a
closed screening round's date, the /patrol form's defaults just after midnight.

The process runs on Shanghai's clock (UTC+8) here, as our servers do, so that UTC and local differ by a day
between 00:00 and 08:00 local time."""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pandas as pd
import pytest

from geodata.base import clock
from geodata.base.problems import Rejected
from geodata.fieldwork import patrols
from geodata.fieldwork.screening import close_round, start_round
from geodata.store.hierarchy import unit_by_code
from geodata.store.writes import Actor, write
from tests.factories import load_small_city


@pytest.fixture
def shanghai(monkeypatch) -> Iterator[None]:
    """The process on UTC+8 (no summer time); back to its own after."""
    monkeypatch.setenv("TZ", "CST-8")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# --- the helper -----------------------------------------------------------------------------------------------

def test_a_naive_stored_time_is_utc(shanghai):
    at = dt.datetime(2026, 12, 5, 20, 30, 15, 123456)  # 04:30 next day in Shanghai
    assert clock.local(at) == dt.datetime(2026, 12, 6, 4, 30, 15, 123456)
    assert clock.local_day(at) == dt.date(2026, 12, 6)
    assert clock.to_minute(at) == "2026-12-06 04:30"
    assert clock.to_second(at) == "2026-12-06 04:30:15"


def test_an_aware_time_is_converted_from_its_own_zone(shanghai):
    tokyo = dt.timezone(dt.timedelta(hours=9))
    at = dt.datetime(2026, 12, 6, 5, 30, tzinfo=tokyo)  # 04:30 in Shanghai
    assert clock.local(at) == dt.datetime(2026, 12, 6, 4, 30)
    assert clock.local(at).tzinfo is None  # naive, to compare with the gate's local entry times
    assert clock.to_minute(pd.Timestamp(dt.datetime(2026, 12, 5, 20, 30))) == "2026-12-06 04:30"
    assert clock.to_minute("2026-12-05T20:30:00") == "2026-12-06 04:30"  # a raw SQLite value


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NaT])
def test_no_time_is_none_or_the_blank_asked_for(missing):
    assert clock.local(missing) is None
    assert clock.local_day(missing) is None
    assert clock.to_minute(missing) == "" and clock.to_minute(missing, "—") == "—"
    assert clock.to_second(missing, "?") == "?"


# --- a closed round says its local close date ------------------------------------------------------------------

def test_closing_a_closed_round_again_names_the_local_close_day(store, shanghai):
    load_small_city(store)
    with store.read() as s:
        c1 = unit_by_code(s, "C1").path
    head = Actor("head1", "community_head", c1)
    today = dt.date.today()
    write(store, head, lambda ctx: start_round(ctx, "C1", "入户摸排", today - dt.timedelta(days=3), today, code="R1"))

    def close_at(utc: dt.datetime):
        def run(ctx):
            ctx.now = utc
            return close_round(ctx, "R1")
        return run

    write(store, head, close_at(dt.datetime(2026, 12, 5, 20, 0)))  # 2026-12-06 04:00 in Shanghai
    with pytest.raises(Rejected) as again:
        write(store, head, close_at(dt.datetime(2026, 12, 6, 1, 0)))
    problem = again.value.problems[0]
    assert "2026-12-06" in problem.message_zh and "2026-12-05" not in problem.message_zh
    assert "2026-12-06" in problem.message_en
    assert problem.field == "round"


# --- the /patrol form's defaults ------------------------------------------------------------------------------

@pytest.mark.parametrize("now, start, end", [
    (dt.datetime(2026, 12, 6, 10, 30, 42), dt.time(9, 30), dt.time(10, 30)),  # the hour up to now
    (dt.datetime(2026, 12, 6, 0, 20), dt.time(0, 0), dt.time(0, 20)),  # not back into yesterday
    (dt.datetime(2026, 12, 6, 0, 0), dt.time(0, 0), dt.time(0, 0)),
])
def test_the_default_start_is_never_after_the_default_end(now, start, end):
    assert patrols.default_times(now) == (start, end)


def test_the_defaults_just_after_midnight_are_saved(store, shanghai):
    """What the form sends with its defaults at 00:20 local: refused before (start 23:20 on today's date)."""
    load_small_city(store)
    with store.read() as s:
        g11 = unit_by_code(s, "G11").path
    now = dt.datetime.combine(dt.date.today(), dt.time(0, 20))
    first, last = patrols.default_times(now)

    def utc(t: dt.time) -> dt.datetime:  # as the page turns the form's local times into stored ones
        return dt.datetime.combine(now.date(), t).astimezone(dt.timezone.utc).replace(tzinfo=None)

    def record(ctx):
        ctx.now = utc(now.time())
        return patrols.record_patrol(ctx, "G11", utc(first), utc(last), day=now.date())

    done = write(store, Actor("grid11", "grid_leader", g11), record)
    assert done["code"].startswith("PT-")
