"""Stored times shown on the server's clock: the one place a stored (UTC) time becomes local time.

Every time the store writes (`ctx.now`, `reported_at`, `due_at`, `closed_at`, an audit event's `at` …) is UTC,
naive (geodata.store.models.utcnow). The server's local zone is the clock people read and the one the 16:00
cut-off (geodata.reporting.reports.cutoff_at) and "today" (geodata.fieldwork.events.day_bounds) are on. The one
exception is a gate entry's time (geodata.fieldwork.entries), which is stored as local time already and must not
pass through here.

A naive time is taken as UTC; an aware one is converted from its own zone. A missing value (None, NaN, NaT) gives
None — or the `blank` a caller asks for in the formatted forms — so that a table column of times with holes can be
mapped through one function.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

MINUTE = "%Y-%m-%d %H:%M"
SECOND = "%Y-%m-%d %H:%M:%S"


def _missing(at: Any) -> bool:
    """None, NaN or NaT (both are unequal to themselves), without importing pandas on the lowest floor."""
    return at is None or at != at  # noqa: PLR0124


def local(at: dt.datetime | str | None) -> dt.datetime | None:
    """A stored time on the server's clock, naive (so that it compares with the gate's local entry times).

    A pandas Timestamp is taken as the datetime it is; an ISO string (a raw SQLite value) is parsed first."""
    if _missing(at):
        return None
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    if hasattr(at, "to_pydatetime"):  # a pandas Timestamp: astimezone on it would keep pandas' own rules
        at = at.to_pydatetime()
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone().replace(tzinfo=None)


def local_day(at: dt.datetime | str | None) -> dt.date | None:
    """The server's local day of a stored time: a patrol started at 23:30 UTC belongs to the next local day east
    of Greenwich."""
    when = local(at)
    return None if when is None else when.date()


def to_minute(at: dt.datetime | str | None, blank: str = "") -> str:
    """A stored time as local ISO date and minutes (forms, maps, exports): `blank` when there is none."""
    when = local(at)
    return blank if when is None else when.strftime(MINUTE)


def to_second(at: dt.datetime | str | None, blank: str = "") -> str:
    """A stored time as local ISO date and seconds (the audit trail and record history, where order matters)."""
    when = local(at)
    return blank if when is None else when.strftime(SECOND)
