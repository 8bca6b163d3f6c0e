"""`python -m loaders daily [--date YYYY-MM-DD]`: the daily run (issue 14 point 7).

What `loaders/demo_store.py` does at the end of a demo, for a real database once a day: log the communities whose
situation level changed without a write (the automatic downgrades when a window passes,
geodata.situation.risk.run_daily_transitions), then judge the day before `--date` for every sealed or closed village
below its disinfection norm (geodata.situation.disinfection.run_daily_disinfection_check). Both run as
`system:daily` and are idempotent: a second run on the same date writes nothing. Schedule it shortly after midnight
(README, "Command line").
"""
from __future__ import annotations

import argparse
import datetime as dt

from geodata.situation.disinfection import run_daily_disinfection_check
from geodata.situation.risk import run_daily_transitions
from geodata.store.db import open_store


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / a date is YYYY-MM-DD: {text!r}") from None
    if day > dt.date.today():
        raise argparse.ArgumentTypeError(f"日期不能晚于今天 / the date cannot be after today: {text}")
    return day


def run_daily(url: str | None, on: dt.date) -> tuple[int, int]:
    """Run the day's transitions and the disinfection check for `on`; (transitions logged, alerts raised)."""
    store = open_store(url)
    try:
        transitions = run_daily_transitions(store, on)
        alerts = run_daily_disinfection_check(store, on)
    finally:
        store.dispose()
    return len(transitions), len(alerts)


def cmd_daily(args: argparse.Namespace) -> int:
    url = args.db  # None: open_store reads $DATABASE_URL, else data/gridwatch.sqlite
    on = args.date or dt.date.today()
    transitions, alerts = run_daily(url, on)
    print(f"{on}: 分级变化 {transitions} 个社区 / {transitions} situation change(s) logged; "
          f"消毒未达标预警 {alerts} 条 / {alerts} disinfection shortfall alert(s) raised")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `daily` on the CLI's subparsers (loaders/cli.py build_parser)."""
    p = sub.add_parser("daily", help="每日例行运行 / the daily run (situation changes, disinfection check)",
                       description=__doc__)
    p.add_argument("--db", help="database URL (default: $DATABASE_URL or data/gridwatch.sqlite)")
    p.add_argument("--date", type=_date, help="YYYY-MM-DD (default: today); judges the day before for disinfection")
    p.set_defaults(fn=cmd_daily)
    return p
