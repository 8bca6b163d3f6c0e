"""Demo screening rounds (issue 15) from the demo city, deterministic from its seed: a believable day —

- every street has an open door-to-door round over its first community, started two days ago and partly covered
  (about 40–85 % of the registered households visited, a few returned from elsewhere);
- the first street's second community had a round last week that ran late: still open, past its end, half done;
- its third community's round closed four days ago with its report to the street, nearly everyone visited.

Visits go in through geodata.fieldwork.screening.insert_visits (one statement per round), so the city scale adds
about a second.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geodata.fieldwork.screening import close_round, insert_visits, start_round
from geodata.store.writes import WriteContext
from loaders.demo.screening_care import mark_care

PLACES = np.array(["湖北武汉", "广东深圳", "浙江温州", "北京", "上海", "河南信阳"], dtype=object)


def community_of_households(city) -> pd.Series:  # noqa: ANN001 — loaders.demo.DemoCity
    """The community code of each household (compound → grid → community), indexed like `city.households`."""
    parent = city.units.set_index("code")["parent_code"]
    grid = city.households["compound_code"].map(parent)
    return grid.map(parent)


def _visits(rng: np.random.Generator, codes: np.ndarray, share: float, start: dt.date, days: int) -> pd.DataFrame:
    take = codes[rng.random(codes.size) < share]
    presence = rng.choice(["present", "present", "present", "away", "returned"], take.size).astype(object)
    ret = presence == "returned"
    on = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, max(days, 1), take.size)]
    back = [d - dt.timedelta(days=int(k)) for d, k in zip(on, rng.integers(0, 10, take.size), strict=True)]
    return pd.DataFrame({"household_code": take, "visited_on": on, "presence": presence,
                         "returned_from": np.where(ret, PLACES[rng.integers(0, PLACES.size, take.size)], None),
                         "returned_on": [b if r else None for b, r in zip(back, ret, strict=True)]})


def build_screening(ctx: WriteContext, city) -> dict[str, int]:  # noqa: ANN001
    rng = np.random.default_rng([city.seed, 0x736372])  # a stream of its own: other layers stay as they were
    today = city.today
    hh_comm = community_of_households(city)
    units = city.units
    streets = units[units["level"] == 3].sort_values("code")
    communities = units[units["level"] == 4].sort_values("code")
    rounds = 0
    for street in streets["code"]:
        comms = communities.loc[communities["parent_code"] == street, "code"].tolist()
        if not comms:
            continue
        plans = [(comms[0], "open", today - dt.timedelta(days=2), today + dt.timedelta(days=2),
                  rng.uniform(0.4, 0.85))]
        if street == streets["code"].iloc[0]:
            plans += [(c, s, a, b, sh) for c, s, a, b, sh in (
                (comms[1] if len(comms) > 1 else None, "overdue", today - dt.timedelta(days=8),
                 today - dt.timedelta(days=1), 0.5),
                (comms[2] if len(comms) > 2 else None, "closed", today - dt.timedelta(days=10),
                 today - dt.timedelta(days=4), 0.97)) if c is not None]
        for i, (comm, state, starts, ends, share) in enumerate(plans):
            purpose = {"open": "春节后入户摸排：返乡人员、发热人员、困难群众",
                       "overdue": "重点人员排查（逾期未完成）", "closed": "第一轮地毯式摸排"}[state]
            code = f"SR-{comm}-{i + 1}"
            start_round(ctx, comm, purpose, starts, ends, code=code)
            codes = city.households["code"].to_numpy()[(hh_comm == comm).to_numpy()]
            last = min(ends, today)
            visits = _visits(rng, codes, share, starts, (last - starts).days + 1)
            insert_visits(ctx, code, visits)
            mark_care(ctx, city, code, visits, last)  # a few old members put on the care list (screening_care)
            if state == "closed":
                close_round(ctx, code)
            rounds += 1
    return {"rounds": rounds}
