"""The live epidemic situation on `today`: cases, observations (quarantine/isolation) and control states.

Cases are concentrated so that the situation ladder of the domain file §2.2 has something to show:
- S2 communities (社区传播): 2–3 confirmed/asymptomatic cases of unknown source within the last 10 days, their
  buildings sealed (硬隔离, a cluster: ≥2 cases within a week, §2.2 `000` §3) and every compound closed;
- S1 communities (出现病例): one confirmed case of known source, its building an epidemic spot (疫点); the first
  S1 community has instead two confirmed cases in the same stair unit (the "同一单元≥2例" rule, scenario 3), the
  second is the demo logins' community with the case in their grid;
- one community with a suspected case only, and on the district/city scales one village with a confirmed case
  (its natural village sealed, scenario 23) and one community whose 18–20-day-old case is lifted (已解除).
Close contacts are family members (and a few neighbours) of the cases, under centralised observation; returnees
are under home or self observation. Observations last 14 days (domain file §2.5); a few are overdue.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import names
from .buildings import Buildings
from .residents import Residents
from .units import UnitTree
from .users import first_urban

OBSERVATION_DAYS = 14
# (S2 communities, S1 communities) per scale
_AFFECTED = {"street": (1, 2), "district": (2, 5), "city": (3, 20)}
_ORIGINS = np.array([
    "北京市朝阳区", "上海市浦东新区", "广州市白云区", "深圳市龙岗区", "西安市雁塔区", "郑州市金水区", "成都市武侯区",
    "南京市江宁区", "杭州市余杭区", "天津市南开区", "长沙市岳麓区", "重庆市渝北区",
])
_ABROAD = np.array(["境外(新加坡)", "境外(韩国)", "境外(美国)", "境外(日本)"])
_KNOWN_SOURCE_NOTES = np.array([
    "外省返汉人员，集中隔离期间检出", "既往病例的密切接触者，隔离管控中检出", "外地输入关联病例", "同住家属为既往确诊病例",
])
_UNKNOWN_SOURCE_NOTES = np.array(["感染来源不明，流调溯源中", "社区筛查发现，来源不明", "发热门诊就诊发现，来源待查"])
_WORKSITES = np.array(["建筑工地", "农贸市场", "物流园", "商场", "食品加工厂"])
_HOTELS = np.array(["如家酒店", "锦江之星", "汉庭酒店", "城市便捷酒店", "7天酒店", "格林豪泰"])


def plan_cases(
    rng: np.random.Generator, tree: UnitTree, bldg: Buildings, scale: str, today: dt.date
) -> pd.DataFrame:
    """One row per person of the cases layer: cluster, role ('case'|'contact'), kind, building (-1 in a village),
    compound, household_slot (same cluster + slot = same household), pin_unit (stair unit or -1), reported_on,
    source_known, worksite, note, situation ('S1'|'S2'|'S1_unit'|'suspect'|'rural'|'lifted')."""
    comm_of_b = tree.ancestor(tree.compounds, tree.communities, bldg.compound)
    urban = np.flatnonzero(~tree.communities.rural & (np.bincount(comm_of_b, minlength=tree.communities.size) > 2))
    n_s2, n_s1 = _AFFECTED[scale]
    extra = 1 if scale == "street" else 2  # suspected-only (+ lifted on the larger scales)
    # the demo logins' community (and grid) is the second S1 community: their map should not be empty
    _, login_comm, login_grid = first_urban(tree)
    others = rng.choice(urban[urban != login_comm], min(urban.size - 1, n_s2 + n_s1 + extra - 1), replace=False)
    picks = np.insert(others, min(n_s2 + 1, others.size), login_comm)
    rows: list[dict] = []

    def add(cluster: int, role: str, kind: str, b: int, slot: int, reported: dt.date, known: bool,
            situation: str, note: str, pin: int = -1, worksite: str | None = None, compound: int = -1) -> None:
        rows.append({
            "cluster": cluster, "role": role, "kind": kind, "building": b,
            "compound": int(bldg.compound[b]) if b >= 0 else compound, "household_slot": slot, "pin_unit": pin,
            "reported_on": reported, "source_known": known, "worksite": worksite, "note": note,
            "situation": situation,
        })

    def days_ago(lo: int, hi: int) -> dt.date:
        return today - dt.timedelta(days=int(rng.integers(lo, hi + 1)))

    def family(cluster: int, b: int, slot: int, reported: dt.date, situation: str, n: int, compound: int = -1):
        for _ in range(n):
            add(cluster, "contact", "close_contact", b, slot, reported, True, situation, "确诊病例同住家属",
                compound=compound)

    cluster = 0
    buildings_of = {int(c): np.flatnonzero(comm_of_b == c) for c in picks}
    in_login_grid = np.flatnonzero(tree.compounds.parent[bldg.compound] == login_grid)
    if in_login_grid.size:
        buildings_of[login_comm] = in_login_grid
    for c in picks[:n_s2]:
        n_cases = int(rng.integers(2, 4))
        for i, b in enumerate(rng.choice(buildings_of[int(c)], n_cases, replace=False)):
            reported = days_ago(0, 9)
            kind = "confirmed" if i < 2 else str(rng.choice(["confirmed", "asymptomatic"]))
            add(cluster, "case", kind, int(b), 0, reported, False, "S2", str(rng.choice(_UNKNOWN_SOURCE_NOTES)))
            family(cluster, int(b), 0, reported, "S2", int(rng.integers(1, 3)))
            cluster += 1
    for k, c in enumerate(picks[n_s2:n_s2 + n_s1]):
        b = int(rng.choice(buildings_of[int(c)]))
        reported = days_ago(0, 12)
        worksite = None
        if rng.random() < 0.3:
            worksite = names.place_stems(rng, 1)[0] + str(rng.choice(_WORKSITES))
        if k == 0:  # two confirmed cases in different households of one stair unit
            add(cluster, "case", "confirmed", b, 0, reported, True, "S1_unit", "同一单元聚集病例，传播链明确", pin=1)
            add(cluster, "case", "confirmed", b, 1, min(reported + dt.timedelta(days=1), today), True, "S1_unit",
                "同一单元聚集病例，传播链明确", pin=1)
            family(cluster, b, 0, reported, "S1_unit", 1)
        else:
            add(cluster, "case", "confirmed", b, 0, reported, True, "S1", str(rng.choice(_KNOWN_SOURCE_NOTES)),
                worksite=worksite)
            family(cluster, b, 0, reported, "S1", int(rng.integers(1, 4)))
            for slot in range(1, int(rng.integers(1, 3)) + 1):  # neighbours in the same building
                add(cluster, "contact", "close_contact", b, slot, reported, True, "S1", "同楼栋密切接触者")
        cluster += 1
    rest = picks[n_s2 + n_s1:]
    if rest.size:
        b = int(rng.choice(buildings_of[int(rest[0])]))
        add(cluster, "case", "suspected", b, 0, days_ago(0, 1), True, "suspect", "发热伴咳嗽，核酸结果待复核")
        cluster += 1
    if rest.size > 1:
        b = int(rng.choice(buildings_of[int(rest[1])]))
        reported = days_ago(17, 20)
        add(cluster, "case", "confirmed", b, 0, reported, True, "lifted", "外地输入病例，已治愈出院，疫点已终末消毒")
        family(cluster, b, 0, reported, "lifted", 1)
        cluster += 1
    villages = np.flatnonzero(tree.compounds.rural)
    if villages.size:
        v = int(rng.choice(villages))
        reported = days_ago(2, 6)
        add(cluster, "case", "confirmed", -1, 0, reported, True, "rural", "外地务工返乡人员", compound=v)
        family(cluster, -1, 0, reported, "rural", 2, compound=v)
    return pd.DataFrame(rows, columns=[
        "cluster", "role", "kind", "building", "compound", "household_slot", "pin_unit", "reported_on",
        "source_known", "worksite", "note", "situation",
    ])


@dataclass
class Situation:
    cases: pd.DataFrame
    observations: pd.DataFrame
    building_state: np.ndarray  # control_state per building
    compound_state: np.ndarray  # control_state per compound


def build_situation(
    rng: np.random.Generator,
    tree: UnitTree,
    bldg: Buildings,
    res: Residents,
    plan: pd.DataFrame,
    today: dt.date,
) -> Situation:
    persons, hh = res.persons, res.households
    hh_by_code = hh.set_index("code")

    # cases layer: the plan's people, in report order
    in_plan = np.flatnonzero(res.person_plan >= 0)
    p = plan.iloc[res.person_plan[in_plan]].reset_index(drop=True)
    pc = persons.iloc[in_plan].reset_index(drop=True)
    order = np.lexsort((p["cluster"].to_numpy(), p["reported_on"].map(dt.date.toordinal).to_numpy()))
    p, pc = p.iloc[order].reset_index(drop=True), pc.iloc[order].reset_index(drop=True)
    cases = pd.DataFrame({
        "code": [f"CASE{i + 1:05d}" for i in range(len(p))],
        "kind": p["kind"].to_numpy(dtype=object),
        "reported_on": p["reported_on"].to_numpy(dtype=object),
        "person_code": pc["code"].to_numpy(dtype=object),
        "building_code": pc["building_code"].to_numpy(dtype=object),
        "compound_code": pc["compound_code"].to_numpy(dtype=object),
        "household_code": pc["household_code"].to_numpy(dtype=object),
        "stair_unit": pd.array(hh_by_code.loc[pc["household_code"], "stair_unit"].to_numpy(), dtype="Int64"),
        "worksite": p["worksite"].to_numpy(dtype=object),
        "source_known": p["source_known"].to_numpy(dtype=bool),
        "note": p["note"].to_numpy(dtype=object),
    })

    # control states
    b_state = np.full(bldg.size, "normal", dtype=object)
    c_state = np.full(tree.compounds.size, "normal", dtype=object)
    active = p["role"].eq("case") & p["kind"].isin(["confirmed", "asymptomatic"])
    for situation, b_value in (("S1", "epidemic_spot"), ("S1_unit", "sealed"), ("S2", "sealed"), ("lifted", "lifted")):
        sel = (active & p["situation"].eq(situation)).to_numpy()
        b = p.loc[sel, "building"].to_numpy()
        b_state[b[b >= 0]] = b_value
        if situation != "lifted":
            c_state[p.loc[sel, "compound"].to_numpy()] = "closed"
    comm_of_c = tree.ancestor(tree.compounds, tree.communities)
    s2_comms = np.unique(comm_of_c[p.loc[p["situation"].eq("S2"), "compound"].to_numpy()])
    c_state[np.isin(comm_of_c, s2_comms) & ~tree.compounds.rural] = "closed"
    rural_case = p.loc[p["situation"].eq("rural"), "compound"].to_numpy()
    c_state[rural_case] = "sealed"
    preventive = (c_state == "normal") & ~tree.compounds.rural & (rng.random(tree.compounds.size) < 0.06)
    c_state[preventive] = "closed"

    observations = _observations(rng, tree, bldg, res, p, pc, today)
    return Situation(cases, observations, b_state, c_state)


def _observations(
    rng: np.random.Generator,
    tree: UnitTree,
    bldg: Buildings,
    res: Residents,
    plan_rows: pd.DataFrame,
    plan_persons: pd.DataFrame,
    today: dt.date,
) -> pd.DataFrame:
    persons = res.persons
    today64 = np.datetime64(today, "D")
    community = tree.ancestor(tree.compounds, tree.communities, res.person_compound)
    district = tree.ancestor(tree.compounds, tree.districts, res.person_compound)

    # returnees: home (most) or self observation; a few from abroad go to a central site
    ret = np.flatnonzero(res.person_role == "returnee")
    n_ret = ret.size
    ago = rng.integers(0, 21, n_ret)
    due = rng.random(n_ret) < 0.08  # a few finish their 14 days today
    ago[due] = OBSERVATION_DAYS
    abroad = rng.random(n_ret) < 0.05
    r_kind = np.where(rng.random(n_ret) < 0.75, "home", "self").astype(object)
    r_kind[abroad] = "central"
    r_origin = _ORIGINS[rng.integers(0, _ORIGINS.size, n_ret)].astype(object)
    r_origin[abroad] = _ABROAD[rng.integers(0, _ABROAD.size, abroad.sum())]
    r_reason = np.where(abroad, "境外入境人员", np.where(rng.random(n_ret) < 0.6, "中高风险地区返乡", "外地返汉人员"))

    # close contacts: central (home when conditions allow), from the case's report date;
    # suspected cases: temporary observation (留观) until screened
    contact = (plan_rows["role"].eq("contact")).to_numpy()
    suspect = (plan_rows["kind"].eq("suspected")).to_numpy()
    code_to_idx = pd.Series(np.arange(len(persons)), index=persons["code"])
    c_idx = code_to_idx[plan_persons.loc[contact, "code"]].to_numpy()
    s_idx = code_to_idx[plan_persons.loc[suspect, "code"]].to_numpy()
    c_ago = (today64 - plan_rows.loc[contact, "reported_on"].to_numpy(dtype="datetime64[D]")).astype(np.int64)
    s_ago = (today64 - plan_rows.loc[suspect, "reported_on"].to_numpy(dtype="datetime64[D]")).astype(np.int64)
    c_kind = np.where(rng.random(c_idx.size) < 0.8, "central", "home").astype(object)

    who = np.r_[ret, c_idx, s_idx].astype(np.int64)
    kind = np.r_[r_kind, c_kind, np.full(s_idx.size, "temporary", dtype=object)]
    ago = np.r_[ago, c_ago, s_ago].astype(np.int64)
    reason = np.r_[r_reason.astype(object), np.full(c_idx.size, "密切接触者", dtype=object),
                   np.full(s_idx.size, "疑似病例待排查", dtype=object)]
    origin = np.r_[r_origin, np.full(c_idx.size + s_idx.size, None, dtype=object)]
    n = who.size
    start = today64 - ago
    planned_end = start + OBSERVATION_DAYS
    # released on the planned day when it has passed, except a few overdue (planned_end passed, not released)
    overdue = _share(rng, planned_end < today64, 0.07)
    released = np.where((planned_end < today64) & ~overdue, planned_end, np.datetime64("NaT"))
    early = (kind == "temporary") & (ago >= 2)  # 留观 ends once screened negative
    released[early] = start[early] + 2

    b = res.person_building[who]
    district_name = tree.districts.name[district[who]].astype(str)
    home = np.where(
        b >= 0,
        np.char.add(tree.compounds.name[res.person_compound[who]].astype(str),
                    np.char.add(bldg.name[np.maximum(b, 0)].astype(str), "（居家）")),
        np.char.add(tree.compounds.name[res.person_compound[who]].astype(str), "（居家）"),
    )
    central = np.char.add(np.char.add(district_name, "集中隔离点·"), _HOTELS[rng.integers(0, _HOTELS.size, n)])
    temporary = np.char.add(tree.communities.name[community[who]].astype(str), "临时医学观察点")
    place = np.where(kind == "central", central, np.where(kind == "temporary", temporary, home))

    order = np.lexsort((who, start))
    return pd.DataFrame({
        "code": [f"OBS{i + 1:06d}" for i in range(n)],
        "person_code": persons["code"].to_numpy()[who][order],
        "kind": kind[order],
        "place": place[order].astype(object),
        "start_date": _dates(start[order]),
        "planned_end": _dates(planned_end[order]),
        "reason": reason[order],
        "origin": origin[order],
        "cadre_name": names.person_names(rng, rng.random(n) < 0.5),
        "medic_name": names.person_names(rng, rng.random(n) < 0.4),
        "released_on": _dates(released[order]),
    })


def _share(rng: np.random.Generator, eligible: np.ndarray, share: float) -> np.ndarray:
    """A random `share` of the eligible items (at least one when any is eligible), as a mask."""
    idx = np.flatnonzero(eligible)
    pick = rng.permutation(idx)[: max(1, round(share * idx.size))] if idx.size else idx
    mask = np.zeros(eligible.size, bool)
    mask[pick] = True
    return mask


def _dates(values: np.ndarray) -> np.ndarray:
    """datetime64[D] → datetime.date objects (None for NaT)."""
    out = values.astype("datetime64[D]").astype(object)
    out[np.isnat(values)] = None
    return out
