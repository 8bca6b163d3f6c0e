"""Daily reports (日报) of every community for the last week, with zero reports (零报告) and a few gaps.

Every community reports once a day ("每日汇总…无病例零报告", domain file §3.1); a report with no new case that day is
a zero report. About 5 % of today's reports are still missing, and a few reports came in after the cut-off.
The cut-off is the city's "daily_report" setting (its default, 16:00: the seeds give no hour, domain file §8), so
the demo's `late` flags agree with what the reports page computes from the submission times.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geodata.store.rules_config import DEFAULTS

REPORT_DAYS = 7
REPORT_CUTOFF = dt.time.fromisoformat(DEFAULTS["daily_report"]["cutoff"])
MISSING_TODAY = 0.05
MISSING_EARLIER = 0.01
LATE_SHARE = 0.04


def build_daily_reports(
    rng: np.random.Generator, community_codes: np.ndarray, cases: pd.DataFrame, today: dt.date
) -> pd.DataFrame:
    n_c = community_codes.size
    days = np.array([today - dt.timedelta(days=k) for k in range(REPORT_DAYS - 1, -1, -1)], dtype=object)
    comm = np.repeat(community_codes, REPORT_DAYS)
    day_k = np.tile(np.arange(REPORT_DAYS), n_c)
    report_date = days[day_k]
    n = comm.size

    is_today = day_k == REPORT_DAYS - 1
    missing = rng.random(n) < np.where(is_today, MISSING_TODAY, MISSING_EARLIER)
    if n and not missing[is_today].any():
        missing[np.flatnonzero(is_today)[0]] = True
    late = ~missing & (rng.random(n) < LATE_SHARE)
    cutoff = REPORT_CUTOFF.hour * 60 + REPORT_CUTOFF.minute
    minute = np.where(late, rng.integers(cutoff + 5, min(cutoff + 4 * 60, 24 * 60 - 1), n),
                      rng.integers(7 * 60 + 30, cutoff - 5, n))
    midnight = np.array([np.datetime64(d, "m") for d in days])[day_k]
    submitted = np.where(missing, np.datetime64("NaT", "m"), midnight + minute)

    # a zero report: submitted, and no case reported in the community that day (community = compound code[:12])
    with_case = set(zip(cases["compound_code"].str[:12], cases["reported_on"]))
    had_case = np.fromiter(((c, d) in with_case for c, d in zip(comm, report_date)), bool, n)
    return pd.DataFrame({
        "community_code": comm,
        "report_date": report_date,
        "submitted_at": pd.to_datetime(submitted).astype("datetime64[ns]"),
        "is_zero": ~missing & ~had_case,
        "late": late,
    })
