"""Risk engine at city scale: one new case handled incrementally, and a full rebuild from the event log.

    python -m loaders demo --scale city --db sqlite:///bench/out/city.sqlite   # or let `python -m bench demo` do it
    python -m bench.bench_risk --db sqlite:///bench/out/city.sqlite [--extra-cases 3000]
    python -m bench risk                                                      # uses bench/out/city.sqlite

The bench writes (one case; optionally synthetic cases so that the case table has a realistic few thousand rows
in the windows), so a SQLite database is first copied to a temporary file; a PostgreSQL database is used in
place — point it at a bench copy. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from geodata.base.vocab import Level
from geodata.exchange.bulk import upsert_layer
from geodata.situation.cases import record_case
from geodata.situation.control import control_summary
from geodata.situation.history import building_control_as_of
from geodata.situation.rebuild import rebuild
from geodata.situation.risk import run_daily_transitions, situation
from geodata.store.db import Store, open_store
from geodata.store.models import Building, Case, Unit
from geodata.store.writes import Actor, write

DEFAULT_DB = Path(__file__).resolve().parent / "out" / "city.sqlite"


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Median wall time in seconds over `repeat` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def _add_cases(store: Store, n: int, seed: int, today: dt.date) -> None:
    """`n` synthetic cases on random buildings over the last 30 days (bench data only)."""
    rng = np.random.default_rng(seed)
    with store.read() as s:
        codes = np.array(s.execute(select(Building.code)).scalars().all())
    frame = pd.DataFrame({
        "code": [f"BENCH-{seed}-{i}" for i in range(n)],
        "kind": rng.choice(["confirmed", "asymptomatic"], n, p=[0.7, 0.3]),
        "reported_on": [today - dt.timedelta(days=int(d)) for d in rng.integers(0, 30, n)],
        "building_code": rng.choice(codes, n),
        "stair_unit": rng.integers(1, 4, n),
        "source_known": rng.random(n) < 0.8,
    })
    t, _ = _timed(lambda: write(store, Actor.system("bench"), lambda ctx: upsert_layer(ctx, "cases", frame)))
    print(f"  synthetic cases   {n} added in {t:.1f} s (bulk upsert + roll-up recompute)")


def run(store: Store, *, extra_cases: int = 0, seed: int = 0, repeat: int = 5) -> dict[str, float]:
    today = dt.date.today()
    if extra_cases:
        _add_cases(store, extra_cases, seed, today)
    figures: dict[str, float] = {}
    with store.read() as s:
        n_comm = s.scalar(select(func.count()).select_from(Unit).where(Unit.level == int(Level.COMMUNITY)))
        n_grid = s.scalar(select(func.count()).select_from(Unit).where(Unit.level == int(Level.GRID)))
        n_bldg = s.scalar(select(func.count()).select_from(Building))
        n_case = s.scalar(select(func.count()).select_from(Case))
        n_win = s.execute(text("SELECT count(*) FROM cases WHERE reported_on >= :d"),
                          {"d": today - dt.timedelta(days=13)}).scalar_one()
        print(f"  database          {store!r}")
        print(f"  size              {n_comm} communities, {n_grid} grids, {n_bldg} buildings, {n_case} cases "
              f"({n_win} in the 14-day window)")

        cold, _ = _timed(lambda: situation(s, level=Level.COMMUNITY, on=today))
        warm, comms = _timed(lambda: situation(s, level=Level.COMMUNITY, on=today), repeat)
        figures["situation_communities_s"] = warm
        print(f"  situation, all communities   {_ms(warm)} (first call {_ms(cold)}); "
              + ", ".join(f"{c}×{n}" for c, n in comms["level_code"].value_counts().sort_index().items()))
        t, _ = _timed(lambda: situation(s, level=Level.GRID, on=today), repeat)
        figures["situation_grids_s"] = t
        print(f"  situation, all grids         {_ms(t)}")
        t, _ = _timed(lambda: situation(s, level=Level.DISTRICT, on=today), repeat)
        figures["situation_districts_s"] = t
        print(f"  situation, districts roll-up {_ms(t)}")
        t, _ = _timed(lambda: situation(s, level=Level.COMMUNITY, on=today - dt.timedelta(days=10)), repeat)
        print(f"  situation, 10 days ago       {_ms(t)}")
        quiet_ids = comms.loc[comms["rank"] == 0, "unit_id"].iloc[:repeat].tolist()
        targets = []
        for uid in quiet_ids:  # one building in each of `repeat` communities still at S0
            community = s.get(Unit, int(uid))
            targets.append((community.code, int(uid), s.execute(select(Building.code).where(
                Building.path >= community.path, Building.path < community.path[:-1] + "0").limit(1)).scalar_one()))

    t, done = _timed(lambda: run_daily_transitions(store, today))
    print(f"  daily transitions, first run {_ms(t)} ({len(done)} communities logged)")
    t, done = _timed(lambda: run_daily_transitions(store, today))
    print(f"  daily transitions, again     {_ms(t)} ({len(done)} logged: idempotent)")

    writes, reads, last = [], [], None
    for community_code, uid, target in targets:
        code = f"BENCH-NEW-{time.time_ns()}"
        t_write, result = _timed(lambda: write(store, Actor("bench", "community_head"), lambda ctx: record_case(
            ctx, kind="confirmed", reported_on=today, building_code=target, code=code)))
        with store.read() as s:
            t_read, after = _timed(lambda: situation(s, level=Level.COMMUNITY, on=today))
        writes.append(t_write)
        reads.append(t_read)
        last = (community_code, result, after.set_index("unit_id").loc[uid])
    t_write, t_read = statistics.median(writes), statistics.median(reads)
    figures["incremental_write_s"] = t_write
    figures["incremental_total_s"] = t_write + t_read
    community_code, result, row = last
    print(f"  one new case: write          {_ms(t_write)} median of {len(writes)} (case, counters, 疫点, "
          f"situation.change event; e.g. {community_code} {result.before.rank}→{result.after.rank})")
    print(f"  one new case: + situation    {_ms(t_read)} → total {_ms(t_write + t_read)}; "
          f"{community_code} now {row['level_code']} ({row['reason_zh']})")

    with store.read() as s:
        t_full, full = _timed(lambda: rebuild(s, today))
        figures["rebuild_s"] = t_full
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in full.seconds.items())
        print(f"  full rebuild from the log    {t_full:8.2f} s ({steps}); differences: {len(full.differences)}")
        t, _ = _timed(lambda: building_control_as_of(s, today - dt.timedelta(days=7)))
        print(f"  building states 7 days ago   {t:8.2f} s (all {n_bldg} buildings replayed)")
        t, _ = _timed(lambda: control_summary(s, level=Level.DISTRICT))
        print(f"  control summary, districts   {t:8.2f} s")
    return figures


def main(argv: str | list[str] | None = None, *, extra_cases: int = 0) -> dict[str, float]:
    """`main(store_url)` or `main(argv)` (the `python -m bench` runner passes a list)."""
    if isinstance(argv, str):
        url, copy, seed = argv, True, 0
    else:
        p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        p.add_argument("--db", default=f"sqlite:///{DEFAULT_DB}")
        p.add_argument("--extra-cases", type=int, default=extra_cases)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--in-place", action="store_true", help="do not copy a SQLite database first")
        args = p.parse_args(sys.argv[1:] if argv is None else argv)
        url, copy, seed, extra_cases = args.db, not args.in_place, args.seed, args.extra_cases
    parsed = make_url(url)
    tmp = None
    if parsed.get_backend_name() == "sqlite":
        source = Path(parsed.database or "")
        if not source.exists():
            print(f"  no database at {source}: load one with `python -m loaders demo --scale city --db {url}`")
            return {}
        if copy:
            tmp = tempfile.TemporaryDirectory(prefix="bench_risk_")
            target = Path(tmp.name) / source.name
            shutil.copyfile(source, target)
            url = f"sqlite:///{target}"
    store = open_store(url)
    try:
        if store.is_empty():
            print("  the database is empty: load the city demo first")
            return {}
        return run(store, extra_cases=extra_cases, seed=seed)
    finally:
        store.dispose()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main(None)
