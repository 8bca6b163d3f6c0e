"""Households (户) and persons (人) with records: the key people a grid ledger lists by name.

Only people the community keeps a record of are generated — party members and vulnerable residents (domain file
§2.6), returnees under observation and the people of the case plan — not the whole population; a building's
`households`/`population` count everyone. The building's `party_members` and `vulnerable` counts are derived from
these records, so the counts and the name lists always agree ("户不漏人").
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.base.layers import LAYERS
from geodata.base.vocab import VULNERABLE_TAGS

from . import names
from .buildings import Buildings, Villages
from .units import UnitTree

# Relative rates of party-member and vulnerable records per resident; both are scaled together so that the
# recorded persons match the scale's target (≈ 0.6 per building), which keeps the city-scale frames small.
PARTY_RATE = 0.0075
VULNERABLE_RATE = 0.0072
RETURNEE_PER_BUILDING = 0.03

_URBAN_VULNERABLE = {
    "elderly_alone": 0.22, "empty_nest": 0.25, "disabled_elderly": 0.08, "infant": 0.13,
    "pregnant": 0.07, "low_income": 0.12, "disabled": 0.10, "left_behind": 0.03,
}
_RURAL_VULNERABLE = {
    "elderly_alone": 0.15, "empty_nest": 0.15, "disabled_elderly": 0.08, "infant": 0.10,
    "pregnant": 0.05, "low_income": 0.15, "disabled": 0.10, "left_behind": 0.22,
}
_ELDERLY = {"elderly_alone", "empty_nest", "left_behind", "disabled_elderly"}
# (lowest, highest) age by primary tag / role
_AGES = {
    "elderly_alone": (68, 96), "empty_nest": (62, 90), "left_behind": (65, 92), "disabled_elderly": (70, 98),
    "infant": (0, 3), "pregnant": (22, 40), "low_income": (25, 80), "disabled": (12, 80),
    "party_member": (22, 88), "returnee": (18, 60), "case": (8, 82), "contact": (3, 80),
}
_PRIME = 9973  # > any building's household count: (start + r·p) mod H visits distinct rooms


@dataclass
class Residents:
    households: pd.DataFrame  # the `households` layer (pass_no filled in later)
    persons: pd.DataFrame  # the `persons` layer
    person_building: np.ndarray  # building index or -1 (natural village)
    person_compound: np.ndarray
    person_role: np.ndarray  # 'party' | 'vulnerable' | 'returnee' | 'case' | 'contact'
    person_plan: np.ndarray  # row of the case plan, -1 for others
    household_compound: np.ndarray


def build_residents(
    rng: np.random.Generator,
    tree: UnitTree,
    bldg: Buildings,
    villages: Villages,
    plan: pd.DataFrame,
    today: dt.date,
    target_persons: int,
) -> Residents:
    compounds = tree.compounds
    rural_c = np.flatnonzero(compounds.rural)
    # places: every building, then every natural village; a place is (building index or -1, compound index)
    place_b = np.r_[np.arange(bldg.size), np.full(rural_c.size, -1)]
    place_c = np.r_[bldg.compound, rural_c]
    place_pop = np.r_[bldg.population, villages.population[rural_c]]
    place_hh = np.r_[bldg.households, villages.households[rural_c]]
    place_rural = np.r_[np.zeros(bldg.size, bool), np.ones(rural_c.size, bool)]
    n_places = place_b.size

    # A. party members and vulnerable residents, per place
    n_ret = int(round(RETURNEE_PER_BUILDING * max(bldg.size, 1) + 0.5 * rural_c.size))
    k = max(target_persons - n_ret - len(plan), 0) / max(place_pop.sum() * (PARTY_RATE + VULNERABLE_RATE), 1.0)
    n_party = rng.poisson(place_pop * PARTY_RATE * k)
    n_vuln = rng.poisson(place_pop * VULNERABLE_RATE * k)
    a_place = np.r_[np.repeat(np.arange(n_places), n_party), np.repeat(np.arange(n_places), n_vuln)]
    a_role = np.r_[np.full(n_party.sum(), "party"), np.full(n_vuln.sum(), "vulnerable")].astype(object)
    tag = np.where(a_role == "party", "party_member", "").astype(object)
    vul = a_role == "vulnerable"
    for rural, table in ((False, _URBAN_VULNERABLE), (True, _RURAL_VULNERABLE)):
        sel = vul & (place_rural[a_place] == rural)
        keys = np.array(list(table), dtype=object)
        p = np.array(list(table.values()))
        tag[sel] = keys[rng.choice(keys.size, int(sel.sum()), p=p / p.sum())]
    order = np.lexsort((rng.random(a_place.size), a_place))
    a_place, a_role, tag = a_place[order], a_role[order], tag[order]
    # a new household unless it shares one with the previous record of the same place (never an 独居 one)
    alone = tag == "elderly_alone"
    new_hh = np.r_[True, a_place[1:] != a_place[:-1]] | (rng.random(a_place.size) < 0.75) | alone
    new_hh[1:] |= alone[:-1]
    a_hh = np.cumsum(new_hh) - 1

    # B. returnees under observation: more of them in villages (返乡), 1–2 per household
    w = place_hh * np.where(place_rural, 3.0, 1.0)
    b_place = np.sort(rng.choice(n_places, n_ret, p=w / w.sum()))
    b_new = np.r_[True, b_place[1:] != b_place[:-1]] | (rng.random(n_ret) < 0.7)
    b_hh = (a_hh[-1] + 1 if a_hh.size else 0) + np.cumsum(b_new) - 1

    # C. the case plan: persons sharing (cluster, household_slot) share a household
    c_place = np.where(
        plan["building"].to_numpy() >= 0,
        plan["building"].to_numpy(),
        bldg.size + np.searchsorted(rural_c, plan["compound"].to_numpy()),
    ).astype(np.int64)
    slot_key = plan["cluster"].astype(str) + ":" + plan["household_slot"].astype(str)
    _, c_slot = np.unique(slot_key.to_numpy(dtype=str), return_inverse=True)
    c_hh = (b_hh[-1] + 1 if b_hh.size else (a_hh[-1] + 1 if a_hh.size else 0)) + c_slot
    c_role = plan["role"].to_numpy(dtype=object)

    p_place = np.r_[a_place, b_place, c_place]
    p_hh = np.r_[a_hh, b_hh, c_hh].astype(np.int64)
    p_role = np.r_[a_role, np.full(n_ret, "returnee", dtype=object), c_role]
    p_tag = np.r_[tag, np.full(n_ret, "returnee", dtype=object), np.full(len(plan), "", dtype=object)]
    p_plan = np.r_[np.full(a_place.size + n_ret, -1), np.arange(len(plan))]
    p_hh = _fold_overflow(p_hh, p_place, place_hh)
    n = p_place.size

    # ages, gender, secondary tags
    age_key = np.where(np.isin(p_role, ["case", "contact"]), p_role, p_tag)
    age_key = np.where(age_key == "", "party_member", age_key)
    lo = np.array([_AGES[k][0] for k in age_key], dtype=float)
    hi = np.array([_AGES[k][1] for k in age_key], dtype=float)
    birth = names.birth_dates(rng, today, lo, hi)
    age = (np.datetime64(today, "D") - birth).astype(np.int64) / 365.25
    male = rng.random(n) < np.where(np.isin(p_tag, ["elderly_alone", "empty_nest"]), 0.4, 0.5)
    male[p_tag == "pregnant"] = False
    tags = p_tag.copy()
    is_vul = np.isin(p_tag, list(VULNERABLE_TAGS))
    also_party = is_vul & (age >= 22) & (rng.random(n) < 0.12)
    tags[also_party] = tags[also_party] + ",party_member"
    chronic = (age >= 60) & (rng.random(n) < 0.4)
    tags[chronic] = np.where(tags[chronic] == "", "chronic", tags[chronic] + ",chronic")

    # households: members (everyone living there, recorded or not), rooms, codes
    hh_place = np.zeros(p_hh.max() + 1 if n else 0, np.int64)
    hh_place[p_hh] = p_place
    n_hh = hh_place.size
    recorded = np.bincount(p_hh, minlength=n_hh)
    hh_alone = np.zeros(n_hh, bool)
    hh_alone[p_hh[p_tag == "elderly_alone"]] = True
    members = np.maximum(recorded, rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5], n_hh))
    members[hh_alone] = 1
    # order households by place so codes run building by building
    hh_order = np.lexsort((np.arange(n_hh), hh_place))
    rank_of_hh = np.empty(n_hh, np.int64)
    rank_of_hh[hh_order] = np.arange(n_hh)
    hh_place_s = hh_place[hh_order]
    within = np.arange(n_hh) - np.searchsorted(hh_place_s, hh_place_s)
    cap = place_hh[hh_place_s]
    start = rng.integers(0, 10**6, n_places)
    room_idx = (start[hh_place_s] + within * _PRIME) % cap

    hb = place_b[hh_place_s]
    is_bldg = hb >= 0
    units = np.where(is_bldg, bldg.stair_units[np.maximum(hb, 0)], 1)
    per_floor = np.where(is_bldg, bldg.per_floor[np.maximum(hb, 0)], 1)
    stair_unit = room_idx % units + 1
    j = room_idx // units
    floor, door = j // per_floor + 1, j % per_floor + 1
    room = np.where(
        is_bldg,
        np.char.add(floor.astype(str), np.char.zfill(door.astype(str), 2)),
        np.char.add((room_idx + 1).astype(str), "号"),
    ).astype(object)
    place_code = np.where(is_bldg, bldg.code[np.maximum(hb, 0)], compounds.code[place_c[hh_place_s]])
    hh_code = np.char.add(np.char.add(place_code.astype(str), "H"), np.char.zfill((within + 1).astype(str), 3))

    hh = pd.DataFrame({
        "code": hh_code.astype(object),
        "building_code": np.where(is_bldg, place_code, None),
        "compound_code": compounds.code[place_c[hh_place_s]],
        "stair_unit": pd.array(np.where(is_bldg, stair_unit, 0), dtype="Int64"),
        "room": room,
        "members": members[hh_order],
    })
    hh.loc[~is_bldg, "stair_unit"] = pd.NA
    _pin_stair_units(hh, plan, p_plan, p_hh, rank_of_hh, bldg, place_b, p_place)

    # persons: codes in household order, eldest first
    p_rank_hh = rank_of_hh[p_hh]
    p_order = np.lexsort((-age, p_rank_hh))
    first = np.searchsorted(p_rank_hh[p_order], p_rank_hh[p_order])
    p_within = np.arange(n) - first + 1

    def o(a: np.ndarray) -> np.ndarray:
        return a[p_order]

    pb, pc = place_b[o(p_place)], place_c[o(p_place)]
    resident_type = rng.choice(["resident", "temporary", "floating"], n, p=[0.9, 0.07, 0.03]).astype(object)
    ret = o(p_role) == "returnee"
    resident_type[ret] = rng.choice(["resident", "temporary", "floating"], int(ret.sum()), p=[0.6, 0.3, 0.1])
    district = tree.ancestor(compounds, tree.districts, pc)
    area = np.where(
        resident_type == "resident",
        tree.districts.code[district].astype(str),
        names.OUTSIDE_AREA_CODES[rng.integers(0, names.OUTSIDE_AREA_CODES.size, n)],
    )
    male_o, birth_o = o(male), o(birth)
    phone = names.mobile_numbers(rng, n)
    phone[(o(age) < 12) | ((o(p_tag) == "elderly_alone") & (rng.random(n) < 0.2))] = None
    person_hh_code = hh["code"].to_numpy()[p_rank_hh[p_order]]
    persons = pd.DataFrame({
        "code": np.char.add(np.char.add(person_hh_code.astype(str), "P"), p_within.astype(str)).astype(object),
        "name": names.person_names(rng, male_o),
        "id_number": names.id_numbers(rng, area, birth_o, male_o),
        "phone": phone,
        "gender": np.where(male_o, "男", "女").astype(object),
        "birth_year": birth_o.astype("datetime64[Y]").astype(np.int64) + 1970,
        "household_code": person_hh_code,
        "building_code": np.where(pb >= 0, bldg.code[np.maximum(pb, 0)], None),
        "compound_code": compounds.code[pc],
        "resident_type": resident_type,
        "tags": np.where(o(tags) == "", None, o(tags)),  # no category: blank, not ""
    })

    # the household head is its eldest recorded member
    heads = persons.groupby("household_code", sort=False).first()
    hh["head_name"] = hh["code"].map(heads["name"])
    hh["phone"] = hh["code"].map(heads["phone"])
    no_phone = hh["phone"].isna().to_numpy()
    hh.loc[no_phone, "phone"] = names.mobile_numbers(rng, int(no_phone.sum()))
    hh["pass_no"] = None
    hh = hh[LAYERS["households"].names]
    return Residents(
        households=hh,
        persons=persons,
        person_building=pb,
        person_compound=pc,
        person_role=o(p_role),
        person_plan=o(p_plan),
        household_compound=place_c[hh_place_s],
    )


def _fold_overflow(p_hh: np.ndarray, p_place: np.ndarray, place_hh: np.ndarray) -> np.ndarray:
    """Household ids 0..k-1 with no place holding more recorded households than it has households.

    Extra households of a crowded place join its last allowed one (vanishingly rare; it keeps rooms distinct).
    """
    ids, p_hh = np.unique(p_hh, return_inverse=True)
    hh_place = np.zeros(ids.size, np.int64)
    hh_place[p_hh] = p_place
    order = np.lexsort((np.arange(ids.size), hh_place))
    within = np.empty(ids.size, np.int64)
    within[order] = np.arange(ids.size) - np.searchsorted(hh_place[order], hh_place[order])
    over = within >= place_hh[hh_place]
    if not over.any():
        return p_hh
    target = np.arange(ids.size)
    last_ok = order[np.searchsorted(hh_place[order], hh_place) + place_hh[hh_place] - 1]
    target[over] = last_ok[over]
    _, p_hh = np.unique(target[p_hh], return_inverse=True)
    return p_hh


def _pin_stair_units(
    hh: pd.DataFrame,
    plan: pd.DataFrame,
    p_plan: np.ndarray,
    p_hh: np.ndarray,
    rank_of_hh: np.ndarray,
    bldg: Buildings,
    place_b: np.ndarray,
    p_place: np.ndarray,
) -> None:
    """Move the households the case plan pins to a stair unit (the same-unit rule) into free rooms of that unit."""
    pinned = np.flatnonzero(plan["pin_unit"].to_numpy() > 0)
    for row in pinned:
        person = int(np.flatnonzero(p_plan == row)[0])
        h = int(rank_of_hh[p_hh[person]])
        b = int(place_b[p_place[person]])
        unit = int(plan["pin_unit"].iat[row])
        if hh.at[h, "stair_unit"] == unit:
            continue
        units, per_floor, cap = int(bldg.stair_units[b]), int(bldg.per_floor[b]), int(bldg.households[b])
        code = bldg.code[b]
        used = set(hh.loc[hh["building_code"] == code, "room"].astype(str) + "/" + hh.loc[
            hh["building_code"] == code, "stair_unit"].astype(str))
        for idx in range(unit - 1, cap, units):
            j = idx // units
            room = f"{j // per_floor + 1}{j % per_floor + 1:02d}"
            if f"{room}/{unit}" not in used:
                hh.at[h, "stair_unit"] = unit
                hh.at[h, "room"] = room
                break
