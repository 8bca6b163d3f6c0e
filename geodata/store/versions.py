"""The data version pages show, agreed by every server process on one database.

Every cache is keyed on the data version, and every write bumps it. At the 16:00 rush a report lands every
second: keyed on the newest version, each /explore or wall run would read the city-wide figures again and a
process would do nothing else. So the version shown moves on at once when it has been still for `settle_s`
seconds (a quiet office sees every change on its next run), and otherwise at most once per `settle_s` seconds —
the figures are then at most that old, and everyone's caches live that long.

On PostgreSQL the version shown is kept in the database (`meta.settled_version`, "version@epoch seconds"), not per
process: processes that show the same version can share what they compute for it (geodata.store.shared_frames).
Moving it on is a compare-and-set, so of several processes that see it due at once exactly one moves it. SQLite
serves one process, and a page run there must not wait for the write lock a long import holds (busy_timeout is
30 s): the version shown is kept in the process.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from geodata.store.db import Store
from geodata.store.models import Meta

LIVE_KEY = "data_version"
SHOWN_KEY = "settled_version"


@dataclass(frozen=True)
class Shown:
    """The version shown and when (epoch seconds) it was taken."""

    version: int
    taken_at: float

    def text(self) -> str:
        return f"{self.version}@{self.taken_at:.3f}"

    @classmethod
    def parse(cls, value: str | None) -> Shown | None:
        try:
            version, taken = str(value).split("@")
            return cls(int(version), float(taken))
        except ValueError:
            return None  # missing or unreadable: taken afresh


def settle(live: int, shown: Shown | None, now: float, settle_s: float) -> Shown:
    """The rule: what to show given the newest version `live` and what is shown."""
    if (shown is None or live < shown.version  # a database rebuilt under a running server
            or (live != shown.version and now - shown.taken_at >= settle_s)):
        return Shown(live, now)
    return shown


@dataclass(frozen=True)
class Versions:
    live: int
    shown: int


def versions(store: Store, settle_s: float, now: float | None = None) -> Versions:
    """The newest data version and the one pages show (one small query; a write when the shown one moves on)."""
    now = time.time() if now is None else now
    with store.engine.connect() as conn:
        rows = dict(conn.execute(select(Meta.key, Meta.value).where(Meta.key.in_((LIVE_KEY, SHOWN_KEY)))).all())
    live = int(rows.get(LIVE_KEY) or 0)
    if settle_s <= 0:
        return Versions(live, live)
    if store.backend != "postgresql":
        with _LOCAL_LOCK:
            shown = _LOCAL[store.url] = settle(live, _LOCAL.get(store.url), now, settle_s)
        return Versions(live, shown.version)
    old = Shown.parse(rows.get(SHOWN_KEY))
    new = settle(live, old, now, settle_s)
    if new == old:
        return Versions(live, new.version)
    return Versions(live, _move(store, rows.get(SHOWN_KEY), new).version)


#: the version shown per SQLite database, in this process
_LOCAL: dict[str, Shown] = {}
_LOCAL_LOCK = threading.Lock()


def _move(store: Store, seen: str | None, new: Shown) -> Shown:
    """Set the shown version to `new` if it is still `seen`; else another process moved it first: theirs."""
    with store.engine.begin() as conn:
        if seen is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(Meta).values(key=SHOWN_KEY, value=new.text()))
                return new
            except IntegrityError:
                pass
        elif conn.execute(update(Meta).where(Meta.key == SHOWN_KEY, Meta.value == seen)
                          .values(value=new.text())).rowcount == 1:
            return new
        now = conn.execute(select(Meta.value).where(Meta.key == SHOWN_KEY)).scalar()
    return Shown.parse(now) or new
