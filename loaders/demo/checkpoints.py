"""Checkpoints (卡点) and entrances (出入口) with their staffing, and the duty shifts of the coming week.

Norms (domain file §1.2, §2.7): compound/village entrances and community checkpoints are guarded 24 h with ≥4 people
by day and ≥2 at night; police checkpoints ≥10 per day, highway-station ones ≥20. About 10 % of the guarded
checkpoints are generated under-staffed. A compound under closed management (封闭管理) keeps one entrance open
("只留设一个出入口"), except a few that break the rule with two. Entrances that are simply shut are unguarded
(0 staff, not 24 h) and get no shifts; entrances of a sealed compound are shut but guarded.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from . import names, tiling
from .units import UnitTree

ENTRANCE_INSET_DEG = 0.00003  # ≈ 3 m inside the fence: on the boundary, but still within the compound
SHIFT_DAYS = 7
UNDERSTAFFED_SHARE = 0.10
# (day, night) staff ranges: compliant and under-staffed, per kind; police ranges meet the norm whether a rule
# reads it as day staff or as day + night
_STAFF = {
    "compound_entrance": (((4, 6), (2, 3)), ((2, 3), (1, 2))),
    "community_checkpoint": (((4, 6), (2, 4)), ((2, 3), (1, 2))),
    "police_urban": (((10, 14), (6, 10)), ((5, 7), (2, 3))),
    "police_border": (((10, 14), (6, 10)), ((5, 7), (2, 3))),
    "highway": (((20, 26), (10, 14)), ((11, 14), (3, 5))),
}
# police checkpoints per scale: (urban per district, border, highway)
_POLICE = {"street": (2, 2, 1), "district": (6, 6, 1), "city": (3, 12, 4)}
_HIGHWAYS = np.array(["沪渝高速", "京港澳高速", "福银高速", "武英高速", "汉蔡高速", "武麻高速", "沪蓉高速"])
_GATE_DIRECTIONS = np.array(["东", "北", "西", "南"])


def build_checkpoints(
    rng: np.random.Generator, tree: UnitTree, compound_state: np.ndarray, scale: str
) -> pd.DataFrame:
    """The checkpoints layer as a DataFrame with x/y columns (the caller makes the points)."""
    parts = [
        _entrances(rng, tree, compound_state),
        _community_checkpoints(rng, tree),
        _police(rng, tree, scale),
    ]
    cp = pd.concat(parts, ignore_index=True)
    n = len(cp)
    guarded = cp["guarded"].to_numpy()
    idx = np.flatnonzero(guarded)
    under = np.zeros(n, bool)
    under[rng.permutation(idx)[: max(1, round(UNDERSTAFFED_SHARE * idx.size))] if idx.size else idx] = True
    day = np.zeros(n, np.int64)
    night = np.zeros(n, np.int64)
    for kind, (ok, bad) in _STAFF.items():
        for flag, ((dlo, dhi), (nlo, nhi)) in ((False, ok), (True, bad)):
            sel = guarded & (cp["kind"].to_numpy() == kind) & (under == flag)
            day[sel] = rng.integers(dlo, dhi + 1, sel.sum())
            night[sel] = rng.integers(nlo, nhi + 1, sel.sum())
    cp["staff_day"] = day
    cp["staff_night"] = night
    cp["is_24h"] = guarded
    cp["leader_name"] = names.person_names(rng, rng.random(n) < 0.7)
    cp["leader_phone"] = names.mobile_numbers(rng, n)
    return cp


def _entrances(rng: np.random.Generator, tree: UnitTree, state: np.ndarray) -> pd.DataFrame:
    comp = tree.compounds
    n_c = comp.size
    count = np.where(comp.rural, rng.choice([1, 2], n_c, p=[0.6, 0.4]), rng.choice([1, 2, 3], n_c, p=[0.35, 0.45, 0.2]))
    closed = state == "closed"
    # a few closed compounds keep two entrances open (breaking the single-entrance rule)
    violate = closed & (rng.random(n_c) < 0.12)
    if closed.any() and not violate.any():
        violate[np.flatnonzero(closed)[0]] = True
    count[violate] = np.maximum(count[violate], 2)

    owner = np.repeat(np.arange(n_c), count)
    j = np.arange(owner.size) - np.searchsorted(owner, owner)  # entrance number within its compound
    frac = (rng.random(n_c)[owner] + j / count[owner] + rng.uniform(-0.08, 0.08, owner.size)) % 1.0
    x, y = tiling.points_along_edge(comp.geom, owner, frac, ENTRANCE_INSET_DEG)

    st = state[owner]
    status = np.where(j == 0, "open", np.where(rng.random(owner.size) < 0.92, "open", "closed")).astype(object)
    status[(st == "closed") & (j > 0)] = "closed"
    status[violate[owner] & (j == 1)] = "open"
    status[st == "sealed"] = "closed"
    guarded = (status == "open") | (st == "sealed")

    # gate names from the direction of the entrance seen from the compound's centre: 东门, 东二门 …
    c = shapely.centroid(comp.geom)
    ang = np.degrees(np.arctan2(y - shapely.get_y(c)[owner], x - shapely.get_x(c)[owner]))
    direction = _GATE_DIRECTIONS[(np.round(ang / 90.0).astype(np.int64)) % 4]
    key = pd.Series(owner.astype(str)) + direction
    nth = key.groupby(key).cumcount().to_numpy() + 1
    ordinal = np.array(["", "", "二", "三", "四"])[np.minimum(nth, 4)]
    gate = np.where(comp.rural[owner], np.char.add(np.char.add(direction, ordinal), "村口"),
                    np.char.add(np.char.add(direction, ordinal), "门"))
    return pd.DataFrame({
        "code": np.char.add(np.char.add(comp.code[owner].astype(str), "E"), (j + 1).astype(str)).astype(object),
        "name": np.char.add(comp.name[owner].astype(str), gate).astype(object),
        "kind": "compound_entrance",
        "unit_code": comp.code[owner],
        "status": status,
        "guarded": guarded,
        "x": x,
        "y": y,
    })


def _community_checkpoints(rng: np.random.Generator, tree: UnitTree) -> pd.DataFrame:
    comm = tree.communities
    has = comm.rural | (rng.random(comm.size) < 0.35)
    has[0] = True  # at least one on every scale
    owner = np.flatnonzero(has)
    x, y = tiling.points_along_edge(comm.geom, owner, rng.random(owner.size), 0.0003)
    label = np.where(comm.rural[owner], "村口疫情防控卡点", "疫情防控卡点")
    return pd.DataFrame({
        "code": np.char.add(comm.code[owner].astype(str), "K1").astype(object),
        "name": np.char.add(comm.name[owner].astype(str), label).astype(object),
        "kind": "community_checkpoint",
        "unit_code": comm.code[owner],
        "status": "open",
        "guarded": True,
        "x": x,
        "y": y,
    })


def _police(rng: np.random.Generator, tree: UnitTree, scale: str) -> pd.DataFrame:
    d = tree.districts
    per_district, n_border, n_highway = _POLICE[scale]
    ux, uy, uo = tiling.points_in(rng, d.geom, np.full(d.size, per_district))
    # border and highway checkpoints sit just inside the edge of the area covered (the city, or the one district)
    edge = tree.city.geom if scale == "city" else d.geom[:1]
    frac = (rng.random() + np.arange(n_border + n_highway) / (n_border + n_highway)) % 1.0
    bx, by = tiling.points_along_edge(edge, np.zeros(frac.size, np.int64), frac, 0.002)
    shapely.prepare(d.geom)
    bo = np.array([int(np.flatnonzero(shapely.contains_xy(d.geom, px, py))[0]) for px, py in zip(bx, by)], dtype=int)
    edge_kind = rng.permutation(np.r_[np.full(n_border, "police_border"), np.full(n_highway, "highway")])
    kind = np.r_[np.full(uo.size, "police_urban"), edge_kind]
    owner = np.r_[uo, bo]
    n = owner.size
    stem = names.place_stems(rng, n)
    label = np.where(
        kind == "police_urban", np.char.add(stem, "路城区卡点"),
        np.where(kind == "police_border", np.char.add(stem, "县界卡点"),
                 np.char.add(np.char.add(_HIGHWAYS[rng.integers(0, _HIGHWAYS.size, n)], stem), "收费站卡点")),
    )
    seq = np.arange(n) + 1
    return pd.DataFrame({
        "code": np.char.add(np.char.add(d.code[owner].astype(str), "J"), np.char.zfill(seq.astype(str), 3))
        .astype(object),
        "name": label.astype(object),
        "kind": kind.astype(object),
        "unit_code": d.code[owner],
        "status": "open",
        "guarded": True,
        "x": np.r_[ux, bx],
        "y": np.r_[uy, by],
    })


def build_shifts(rng: np.random.Generator, cp: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Day and night shifts for the next SHIFT_DAYS days (today first) of every guarded checkpoint.

    Today's numbers are the checkpoint's; later days vary by one person either way. Two leaders alternate daily.
    """
    g = np.flatnonzero(cp["is_24h"].to_numpy())
    n = g.size
    days = np.array([today + dt.timedelta(days=k) for k in range(SHIFT_DAYS)], dtype=object)
    # rows: checkpoint × day × (day, night)
    cp_idx = np.repeat(g, SHIFT_DAYS * 2)
    day_k = np.tile(np.repeat(np.arange(SHIFT_DAYS), 2), n)
    is_night = np.tile(np.array([False, True]), n * SHIFT_DAYS)
    base = np.where(is_night, cp["staff_night"].to_numpy()[cp_idx], cp["staff_day"].to_numpy()[cp_idx])
    jitter = np.where(day_k == 0, 0, rng.integers(-1, 2, cp_idx.size))
    deputy = names.person_names(rng, rng.random(len(cp)) < 0.6)
    leader = np.where(day_k % 2 == 0, cp["leader_name"].to_numpy()[cp_idx], deputy[cp_idx])
    return pd.DataFrame({
        "checkpoint_code": cp["code"].to_numpy()[cp_idx],
        "date": days[day_k],
        "shift": np.where(is_night, "night", "day").astype(object),
        "staff": np.maximum(base + jitter, 1),
        "leader_name": leader,
    })
