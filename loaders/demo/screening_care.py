"""Demo care marks of screening visits (issue 15: findings feed the care list), deterministic from the city's seed.

In each round a few visited households have a member of 70 or more nobody had on the care list yet: the grid worker's revisit
marks them (独居老人, sometimes 慢性病 too) through geodata.fieldwork.screening.record_visit, so the tags, the visit's
mark and the audit are what a real visit writes. A handful per round: city scale adds well under a second.
"""
from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
import pandas as pd

from geodata.fieldwork.care import CARE_KINDS
from geodata.fieldwork.screening import record_visit
from geodata.store.writes import WriteContext

PER_ROUND = 3  # households per round whose visit puts someone on the care list
CARE = frozenset(CARE_KINDS)


def care_candidates(city, households: np.ndarray) -> pd.DataFrame:  # noqa: ANN001 — loaders.demo.DemoCity
    """Members aged 70 or more not on the care list yet (no care kind among their tags), of the given households:
    person and household codes, one per household."""
    p = city.persons
    p = p[(city.today.year - p["birth_year"] >= 70) & p["household_code"].isin(households)]
    off_list = p["tags"].fillna("").str.split(",").map(lambda tags: not CARE & set(tags)).astype(bool)
    return p.loc[off_list, ["code", "household_code"]].drop_duplicates("household_code")


def mark_care(ctx: WriteContext, city, round_code: str, visited: pd.DataFrame, on: dt.date) -> int:  # noqa: ANN001
    """Revisit up to PER_ROUND of the round's visited households on `on`, each putting an old member on the care
    list; returns how many were marked."""
    rng = np.random.default_rng([city.seed, 0x636172, zlib.crc32(round_code.encode())])
    found = care_candidates(city, visited["household_code"].to_numpy())
    if found.empty:
        return 0
    picked = found.iloc[np.sort(rng.choice(len(found), min(PER_ROUND, len(found)), replace=False))]
    for person, hh in zip(picked["code"], picked["household_code"], strict=True):
        kinds = ["elderly_alone"] + (["chronic"] if rng.random() < 0.5 else [])
        record_visit(ctx, round_code, hh, "present", on=on, care={person: kinds})
    return len(picked)
