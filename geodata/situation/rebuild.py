"""A full rebuild of what the map shows on a day, from the event log and the base tables: the check that the
incremental paths (stats deltas, control-state events, the situation derived from cases) agree with a replay."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.orm import Session

from geodata.base.vocab import Level
from geodata.situation.history import building_control_as_of, compound_control_as_of, replay_differences
from geodata.situation.risk import situation
from geodata.store.stats import compute_all


@dataclass
class Rebuild:
    """A full rebuild from the log and the base tables, with the seconds each step took."""

    on: dt.date
    buildings: pd.DataFrame
    compounds: pd.DataFrame
    stats: pd.DataFrame
    situation: pd.DataFrame
    differences: list[str]
    seconds: dict[str, float] = field(default_factory=dict)


def rebuild(session: Session, on: dt.date | None = None) -> Rebuild:
    """Everything the map shows on `on`, recomputed from scratch: control states replayed from the events,
    roll-up counters from the base tables, situation levels of every community from the cases, and the replay
    check of the stored state against the log."""

    on = on or dt.date.today()
    secs: dict[str, float] = {}
    t = time.perf_counter()
    buildings = building_control_as_of(session, on)
    compounds = compound_control_as_of(session, on)
    secs["control_states"] = time.perf_counter() - t
    t = time.perf_counter()
    stats = compute_all(session)
    secs["roll_up_counters"] = time.perf_counter() - t
    t = time.perf_counter()
    sit = situation(session, level=Level.COMMUNITY, on=on)
    secs["situation"] = time.perf_counter() - t
    t = time.perf_counter()
    diffs = replay_differences(session)
    secs["replay_check"] = time.perf_counter() - t
    return Rebuild(on, buildings, compounds, stats, sit, diffs, secs)

