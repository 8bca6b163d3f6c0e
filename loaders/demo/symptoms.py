"""Demo symptom alerts and their follow-ups (issue 14 point 3), deterministic from the city's seed: a believable day.

About one open observation in 25 (at least three, at most MAX_ALERTS) had a flagged health check: a third were seen three days ago and
followed up (上门收治, 转诊 or 排除, by the district's health staff), a third two days ago and still open — overdue —
and a third this morning, open. Everything goes through the commands the pages use
(geodata.situation.observations.record_health_check raises the alert, geodata.situation.symptoms.record_followup
clears it): a few hundred writes at city scale, well under a second a hundred.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import select

from geodata.situation.observations import record_health_check
from geodata.situation.symptoms import record_followup
from geodata.store.models import Alert
from geodata.store.writes import WriteContext

SYMPTOM_SETS = (["发热", "干咳"], ["咳嗽"], ["气促"], ["乏力", "咽痛"])
OUTCOMES = ("上门收治", "转诊", "排除")
MAX_ALERTS = 120  # the city scale has ~12,000 open observations: 120 alerts are plenty for a wall, ~1.5 s
NOTES = {"上门收治": "120转运至定点医院", "转诊": "陪同至发热门诊", "排除": "复测体温正常，无不适"}


def pick(city, rng: np.random.Generator) -> pd.DataFrame:  # noqa: ANN001 — loaders.demo.DemoCity
    """The observations that had symptoms and on which day (days_ago: 3 followed up, 2 overdue, 0 open today)."""
    obs = city.observations
    start = pd.to_datetime(obs["start_date"]).dt.date
    live = obs[obs["released_on"].isna() & (start <= city.today - dt.timedelta(days=3))].sort_values("code")
    if live.empty:
        return pd.DataFrame(columns=["code", "days_ago", "k"])
    n = min(len(live), max(3, len(live) // 25), MAX_ALERTS)
    chosen = live.iloc[np.sort(rng.choice(len(live), n, replace=False))]
    k = np.arange(n)
    return pd.DataFrame({"code": chosen["code"].to_numpy(), "days_ago": np.array([3, 2, 0])[k % 3], "k": k})


def build_symptoms(ctx: WriteContext, city) -> int:  # noqa: ANN001
    """Record the demo's flagged checks and the follow-ups of the oldest; returns the alerts raised."""
    rng = np.random.default_rng([city.seed, 0x73796D70])  # a stream of its own: other layers stay as they were
    rows = pick(city, rng)
    temps = np.round(37.4 + rng.random(len(rows)) * 1.6, 1)
    for r, temp in zip(rows.itertuples(index=False), temps, strict=True):
        on = city.today - dt.timedelta(days=int(r.days_ago))
        symptoms = SYMPTOM_SETS[int(r.k) % len(SYMPTOM_SETS)]
        record_health_check(ctx, r.code, on=on, temperature=float(temp) if "发热" in symptoms else None,
                            symptoms=symptoms)
        if r.days_ago == 3:
            alert = ctx.session.execute(select(Alert).where(Alert.kind == "symptom", Alert.subject_code == r.code)
                                        .order_by(Alert.id.desc()).limit(1)).scalar_one()
            outcome = OUTCOMES[int(r.k) // 3 % len(OUTCOMES)]
            record_followup(ctx, alert.id, outcome, on=on + dt.timedelta(days=1), note=NOTES[outcome])
    return len(rows)
