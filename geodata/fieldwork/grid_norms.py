"""Grid size norms (003 §四: 每个网格以300-500户…为宜; §八 四.1: 每个社区按500--1000户居民建立一个网格，按100-150户居民设立1个
楼栋长): warnings for the street and the community, read from the `grid_size` setting.

- A grid with fewer households than `min_households` or more than `max_households` (300 and 1000, the two seed
  norms together) is out of the norm; the edges themselves are inside.
- One 楼栋长 (building head: `buildings.leader_name`; several names separated by 、,，/ count as several) looks after
  at most `leader_max_households` (150) households. A building of `leader_min_households` (100) households or more
  needs its own, ceil(households ÷ 150) of them; a smaller building may share one with its compound. A compound
  needs ceil(its households ÷ 150) heads among its buildings. So 99 households without a head is no warning for the
  building, 100 is; 150 with one head is fine, 151 needs two.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from geodata.base.vocab import Level
from geodata.store.hierarchy import path_upper_bound
from geodata.store.rules_config import get_setting

_SEPARATORS = re.compile(r"[、,，/;；\s]+")
COLUMNS = ["kind", "code", "name", "households", "leaders", "needed", "zh", "en", "path"]


def heads(name: object) -> int:
    """How many building heads a `leader_name` names (0 when blank)."""
    if not isinstance(name, str):
        return 0
    return len([p for p in _SEPARATORS.split(name.strip()) if p])


def heads_needed(households: int, per_head: int) -> int:
    return math.ceil(households / per_head) if households > 0 else 0


def grid_size_warnings(session: Session, scope_path: str | None) -> pd.DataFrame:
    """Every warning under `scope_path` (None: the city): grids outside the household norm, buildings and
    compounds short of building heads. Columns: kind (grid | building | compound), code, name, households, leaders,
    needed, zh, en (the reason), path."""
    cfg = get_setting(session, "grid_size")
    lo, hi = int(cfg["min_households"]), int(cfg["max_households"])
    per_head, own_from = int(cfg["leader_max_households"]), int(cfg["leader_min_households"])
    cond, params = ("path >= :lo AND path < :hi", {"lo": scope_path, "hi": path_upper_bound(scope_path)}) \
        if scope_path else ("1 = 1", {})
    out: list[pd.DataFrame] = []

    grids = pd.DataFrame(session.execute(text(
        f"SELECT u.code, u.name, coalesce(s.households, 0), u.path FROM units u LEFT JOIN unit_stats s "
        f"ON s.unit_id = u.id WHERE u.level = :grid AND {cond.replace('path', 'u.path')}"), {**params, "grid": int(Level.GRID)}).all(),
        columns=["code", "name", "households", "path"])
    g = grids[(grids["households"] < lo) | (grids["households"] > hi)].copy()
    if len(g):
        small = g["households"] < lo
        g["zh"] = np.where(small, [f"网格仅 {h} 户，少于 {lo} 户" for h in g["households"]],
                           [f"网格 {h} 户，超过 {hi} 户" for h in g["households"]])
        g["en"] = np.where(small, [f"{h} households, fewer than {lo}" for h in g["households"]],
                           [f"{h} households, more than {hi}" for h in g["households"]])
        out.append(g.assign(kind="grid", leaders=None, needed=None))

    b = pd.DataFrame(session.execute(text(
        f"SELECT code, name, households, leader_name, compound_id, path FROM buildings WHERE {cond}"),
        params).all(), columns=["code", "name", "households", "leader_name", "compound_id", "path"])
    b["leaders"] = b["leader_name"].map(heads).astype(int)
    b["households"] = b["households"].fillna(0).astype(int)
    b["needed"] = [heads_needed(h, per_head) if h >= own_from else 0 for h in b["households"]]
    short = b[b["leaders"] < b["needed"]].copy()
    if len(short):
        short["zh"] = [f"{h} 户，楼栋长 {n} 名，应至少 {k} 名（每 {own_from}–{per_head} 户 1 名）"
                       for h, n, k in zip(short["households"], short["leaders"], short["needed"], strict=True)]
        short["en"] = [f"{h} households, {n} building heads, needs at least {k} (one per {own_from}–{per_head})"
                       for h, n, k in zip(short["households"], short["leaders"], short["needed"], strict=True)]
        out.append(short.assign(kind="building"))

    in_comp = b[b["compound_id"].notna()]
    if len(in_comp):
        c = in_comp.groupby("compound_id").agg(households=("households", "sum"), leaders=("leaders", "sum"))
        c["needed"] = [heads_needed(int(h), per_head) for h in c["households"]]
        c = c[c["leaders"] < c["needed"]]
        if len(c):
            units = pd.DataFrame(session.execute(text(
                f"SELECT id, code, name, path FROM units WHERE level = :lvl AND {cond}"),
                {**params, "lvl": int(Level.COMPOUND)}).all(), columns=["compound_id", "code", "name", "path"])
            c = units.merge(c.reset_index(), on="compound_id")
            c["zh"] = [f"小区 {h} 户，楼栋长 {n} 名，应至少 {k} 名" for h, n, k in
                       zip(c["households"], c["leaders"], c["needed"], strict=True)]
            c["en"] = [f"compound of {h} households, {n} building heads, needs at least {k}" for h, n, k in
                       zip(c["households"], c["leaders"], c["needed"], strict=True)]
            out.append(c.assign(kind="compound"))
    if not out:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.concat([f[COLUMNS] for f in out], ignore_index=True)
    return frame.sort_values(["kind", "code"], key=lambda s: s.map({"grid": 0, "compound": 1, "building": 2})
                             if s.name == "kind" else s).reset_index(drop=True)
