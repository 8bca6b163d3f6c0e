"""Demo reports of residents not under observation with symptoms (issue 14 point 3), deterministic from the city's
seed: about one resident in 3,000 (at least three, at most MAX_REPORTS), none under observation — a third seen two
days ago and ruled out (排除) the next day, a third yesterday and still open (overdue), a third today (open; every
sixth of them reported twice, the second report joining the same alert). Everything goes through the commands the
pages use (geodata.situation.observations.report_resident_symptoms, geodata.situation.symptoms.record_followup).
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from geodata.situation.observations import report_resident_symptoms
from geodata.situation.symptoms import record_followup
from geodata.store.writes import WriteContext

SYMPTOM_SETS = (["咳嗽"], ["发热", "乏力"], ["咽痛"], ["干咳", "气促"])
MAX_REPORTS = 45
NOTES = ("邻居反映", "本人电话报告", "网格员入户发现")


def build_resident_symptoms(ctx: WriteContext, city) -> int:  # noqa: ANN001 — loaders.demo.DemoCity
    """Report the demo's residents with symptoms and follow up the oldest; returns the reports made."""
    rng = np.random.default_rng([city.seed, 0x72657379])  # a stream of its own: other layers stay as they were
    observed = set(city.observations["person_code"]) if "person_code" in city.observations else set()
    people = city.persons[~city.persons["code"].isin(observed)].sort_values("code")
    if people.empty:
        return 0
    n = min(len(people), max(3, len(people) // 3000), MAX_REPORTS)
    chosen = people["code"].to_numpy()[np.sort(rng.choice(len(people), n, replace=False))]
    temps = np.round(37.4 + rng.random(n) * 1.5, 1)
    done = 0
    for k, (code, temp) in enumerate(zip(chosen, temps, strict=True)):
        days_ago = (2, 1, 0)[k % 3]
        on = city.today - dt.timedelta(days=days_ago)
        symptoms = SYMPTOM_SETS[k % len(SYMPTOM_SETS)]
        alert = report_resident_symptoms(ctx, str(code), on=on, symptoms=symptoms, note=NOTES[k % len(NOTES)],
                                         temperature=float(temp) if "发热" in symptoms else None)
        done += 1
        if days_ago == 0 and k % 6 == 2:  # reported again the same day: joins the open alert
            report_resident_symptoms(ctx, str(code), on=on, temperature=float(temp) + 0.2)
            done += 1
        if days_ago == 2:
            record_followup(ctx, alert.id, "排除", on=on + dt.timedelta(days=1), note="复测体温正常，无不适")
    return done
