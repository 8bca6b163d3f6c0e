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

The figures version (`meta.figures_version`) is the data version of the last write that changed anything the map
figures read. A daily report, a sign-in or a sign-out changes none of them (`FIGURES_NEUTRAL_TABLES`,
`FIGURES_NEUTRAL_ACTIONS`; whether a write did is decided from the statements it ran, geodata.store.writes), so at
16:00, when nearly every write is a report, the figures of the city, its levels and its units stay computed
across versions, and only what reads the reports is read again. It is a function of the data version (the last
figure-changing version at or before it): `figures_of(url, version)` answers for the versions this process has
seen, and the data version itself otherwise, which is always safe.
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
FIGURES_KEY = "figures_version"

#: tables a write may change without changing any map figure: read models keyed on the figures version
#: (dashboard.data, the wall's strips) must not read them (tests/geodata/test_figure_versions.py checks)
FIGURES_NEUTRAL_TABLES = frozenset({"daily_reports", "auth_sessions", "events"})
#: the audit events such a write may record (other events feed figures: control changes, situation announcements)
FIGURES_NEUTRAL_ACTIONS = frozenset({"daily_report.submit", "daily_report.revise", "user.sign_in", "user.sign_out",
                                     "user.sign_in_failed"})


def changes_figures(tables: set[str], actions: list[str]) -> bool:
    """Whether a write that wrote to `tables` (None among them: a statement that could not be read) and recorded
    events of `actions` may have changed what the figures read."""
    return not (tables <= FIGURES_NEUTRAL_TABLES and set(actions) <= FIGURES_NEUTRAL_ACTIONS)


@dataclass(frozen=True)
class Shown:
    """The version shown, its figures version, and when (epoch seconds) it was taken."""

    version: int
    taken_at: float
    figures: int | None = None  # None: the version itself

    @property
    def figures_version(self) -> int:
        return self.version if self.figures is None else self.figures

    def text(self) -> str:
        return f"{self.version}:{self.figures_version}@{self.taken_at:.3f}"

    @classmethod
    def parse(cls, value: str | None) -> Shown | None:
        try:
            versions, taken = str(value).split("@")
            version, _, figures = versions.partition(":")  # "V@t" before figures versions: figures = V
            fig = int(figures) if figures else None
            return cls(int(version), float(taken), None if fig == int(version) else fig)
        except ValueError:
            return None  # missing or unreadable: taken afresh


def settle(live: int, shown: Shown | None, now: float, settle_s: float, live_figures: int | None = None) -> Shown:
    """The rule: what to show given the newest version `live` (whose figures version is `live_figures`) and what
    is shown."""
    if (shown is None or live < shown.version  # a database rebuilt under a running server
            or (live != shown.version and now - shown.taken_at >= settle_s)):
        return Shown(live, now, None if live_figures == live else live_figures)
    return shown


@dataclass(frozen=True)
class Versions:
    live: int
    shown: int
    live_figures: int  # the figures version of `live`
    shown_figures: int  # the figures version of `shown`


def figures_of(url: str, version: int) -> int:
    """The figures version of data version `version` of the database at `url`: known for the versions this
    process has seen; else the data version itself (never too old, merely not shared)."""
    return _FIGURES.get((url, version), version)


#: (url, data version) -> figures version, for the versions this process has seen
_FIGURES: dict[tuple[str, int], int] = {}
_FIGURES_MAX = 4096


def _remember(url: str, version: int, figures: int | None) -> None:
    if figures is None or figures > version:
        return
    if len(_FIGURES) >= _FIGURES_MAX:
        _FIGURES.clear()
    _FIGURES[(url, version)] = figures


def _figures(rows: dict, live: int) -> int:
    """The figures version stored with data version `live` (missing: `live`, safe)."""
    try:
        return min(int(rows[FIGURES_KEY]), live)
    except (KeyError, TypeError, ValueError):
        return live


def versions(store: Store, settle_s: float, now: float | None = None) -> Versions:
    """The newest data version and the one pages show (one small query; a write when the shown one moves on)."""
    now = time.time() if now is None else now
    with store.engine.connect() as conn:
        rows = dict(conn.execute(select(Meta.key, Meta.value).where(
            Meta.key.in_((LIVE_KEY, SHOWN_KEY, FIGURES_KEY)))).all())
    live = int(rows.get(LIVE_KEY) or 0)
    live_figures = _figures(rows, live)
    if settle_s <= 0:
        shown = Shown(live, now, live_figures)
    elif store.backend != "postgresql":
        with _LOCAL_LOCK:
            shown = _LOCAL[store.url] = settle(live, _LOCAL.get(store.url), now, settle_s, live_figures)
    else:
        old = Shown.parse(rows.get(SHOWN_KEY))
        shown = settle(live, old, now, settle_s, live_figures)
        if shown != old:
            shown = _move(store, rows.get(SHOWN_KEY), shown)
    _remember(store.url, live, live_figures)
    _remember(store.url, shown.version, shown.figures_version)
    return Versions(live, shown.version, live_figures, shown.figures_version)


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
