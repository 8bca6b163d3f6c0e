"""What-if (卡点布设, issue 6; domain file §2.7, §1.2, scenarios 9–10): the checkpoint rules checked on the live
map or on a plan's items, and a plan judged before anything is written.

Rules (`check_rules`) — each violation a row with the rule, the checkpoint/compound, a place on the map, details
and the seed it comes from:
  single_entrance, understaffed, unstaffed, shift_gap, shift_under  (geodata.checkpoints.rules, pure frame rules)
  uncovered_entrance: an open entrance of a sealed/controlled zone (rank 2/1, named by the active scheme:
  `Area.words`) that no staffed checkpoint covers within the radius (geodata.checkpoints.coverage).

What-if: `apply_items` turns the area's checkpoints and roster into what they would be after a plan's items
(`PlanItem`: add, move, open, close, staff); `evaluate` judges that state by the rules and coverage. The optimiser
(geodata.checkpoints.optimise) proposes items; saved plans (geodata.checkpoints.plans) carry them out.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from geodata.base.problems import Problem, Rejected
from geodata.checkpoints import rules as cp_rules
from geodata.checkpoints.coverage import METHOD_ROAD, Area, Coverage, coverage
from geodata.checkpoints.rules import norm_staffing
from geodata.store.frames import WGS84

#: what a plan item may do to a checkpoint
ACTIONS = ("add", "move", "open", "close", "staff")


def check_rules(area: Area, checkpoints: pd.DataFrame | None = None, *, cov: Coverage | None = None,
                radius_m: float | None = None, shifts: pd.DataFrame | None = None, days: int = 7) -> pd.DataFrame:
    """Every violation of the checkpoint rules in the area (or in a what-if `checkpoints` frame)."""
    cps = area.checkpoints if checkpoints is None else checkpoints
    shifts = area.shifts if shifts is None else shifts
    cov = cov or coverage(area, radius_m, cps)
    ent = cov.entrances
    bad = ent[(ent["zone_rank"] >= 1) & ~ent["covered"]]
    words = area.words  # the active scheme's names of the ranks (封控区/管控区 only under that scheme)
    how_zh = "沿道路步行 " if cov.method == METHOD_ROAD else "直线 "
    how_en = " walking along roads" if cov.method == METHOD_ROAD else " in a straight line"
    parts = [
        cp_rules.single_entrance_violations(area.compounds, cps),
        cp_rules.staffing_violations(cps[cps["status"] == "open"], area.norms),
        cp_rules.violation_rows(
            "uncovered_entrance", bad,
            [f"出入口（{words.label(z, 'zh')}），{how_zh}{cov.radius_m:.0f} 米内无在岗卡点" for z in bad["zone_rank"]],
            [f"entrance ({words.label(z, 'en')}), no staffed checkpoint within {cov.radius_m:.0f} m{how_en}"
             for z in bad["zone_rank"]]),
        cp_rules.shift_violations(cps, shifts, area.norms, area.on, days),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=cp_rules.VIOLATION_COLUMNS)
    order = {r: i for i, r in enumerate(cp_rules.RULES)}
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["rule", "code"], key=lambda s: s.map(order) if s.name == "rule" else s,
                           kind="stable").reset_index(drop=True)



@dataclass
class PlanItem:
    """One planned change. `code` is the checkpoint's (None for `add`)."""

    action: str
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    lon: float | None = None
    lat: float | None = None
    staff_day: int | None = None
    staff_night: int | None = None
    is_24h: bool | None = None
    base_version: int | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)




def apply_items(area: Area, items: Sequence[PlanItem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The area's checkpoints and roster as they would be after `items` (nothing is written).

    New and re-staffed posts get the roster `apply_plan` would write: their staffing every day and night.
    """
    cps = area.checkpoints.copy()
    if "planned" not in cps.columns:
        cps["planned"] = ""
    restaffed: list[str] = []
    new_rows = []
    for n, item in enumerate(items, start=1):
        if item.action not in ACTIONS:
            raise ValueError(f"unknown plan action {item.action!r}")
        if item.action == "add":
            kind = item.kind or "community_checkpoint"
            day, night = norm_staffing(kind, area.norms, item.is_24h is not False)
            code = item.code or f"NEW-{n}"
            new_rows.append({
                "code": code, "name": item.name or f"拟设卡点 {n}", "kind": kind, "status": "open",
                "is_24h": item.is_24h is not False,
                "staff_day": item.staff_day if item.staff_day is not None else day,
                "staff_night": item.staff_night if item.staff_night is not None else night,
                "leader_name": None, "lon": float(item.lon), "lat": float(item.lat), "unit_code": None,
                "path": area.path, "version": 0, "planned": "add"})
            restaffed.append(code)
            continue
        hit = cps.index[cps["code"] == item.code]
        if not len(hit):
            raise Rejected([Problem(f"卡点不在本区域: {item.code}", f"checkpoint not in this area: {item.code}",
                                    field="code")])
        i = hit[0]
        if item.action == "move":
            cps.loc[i, ["lon", "lat"]] = [float(item.lon), float(item.lat)]
        elif item.action in ("open", "close"):
            cps.loc[i, "status"] = "open" if item.action == "open" else "closed"
        elif item.action == "staff":
            for col in ("staff_day", "staff_night", "is_24h"):
                value = getattr(item, col)
                if value is not None:
                    cps.at[i, col] = value
            if (item.staff_day or 0) + (item.staff_night or 0) > 0:
                restaffed.append(item.code)
        cps.loc[i, "planned"] = item.action
    if new_rows:
        cps = pd.concat([cps, pd.DataFrame(new_rows)], ignore_index=True)
    cps["is_24h"] = cps["is_24h"].astype(bool)
    for col in ("staff_day", "staff_night"):
        cps[col] = pd.to_numeric(cps[col]).fillna(0).astype(np.int64)
    shifts = area.shifts
    if restaffed:
        rows = cps[cps["code"].isin(restaffed)]
        dates = [area.on + dt.timedelta(days=k) for k in range(7)]
        extra = pd.DataFrame([
            {"checkpoint_code": r.code, "on_date": d, "shift": s, "staff": int(st), "leader_name": r.leader_name}
            for r in rows.itertuples() for d in dates
            for s, st in (("day", r.staff_day), ("night", r.staff_night if r.is_24h else 0)) if st > 0])
        keep = shifts[~shifts["checkpoint_code"].isin(restaffed)]
        shifts = pd.concat([keep, extra], ignore_index=True) if len(extra) else keep
    import geopandas as gpd
    cps = gpd.GeoDataFrame(cps.drop(columns="geometry", errors="ignore"),
                           geometry=gpd.points_from_xy(cps["lon"], cps["lat"]), crs=WGS84)
    return cps, shifts


@dataclass
class Evaluation:
    """A state of the area's checkpoints (stored, or after a plan's items) judged by the rules and coverage."""

    checkpoints: pd.DataFrame
    shifts: pd.DataFrame
    coverage: Coverage
    violations: pd.DataFrame
    figures: dict[str, Any]


def evaluate(area: Area, items: Sequence[PlanItem] = (), *, radius_m: float | None = None) -> Evaluation:
    """Coverage, staffing and violations of the area after `items` (none: as stored)."""
    cps, shifts = apply_items(area, items)
    cov = coverage(area, radius_m, cps)
    violations = check_rules(area, cps, cov=cov, shifts=shifts)
    open_ = cps[cps["status"] == "open"]
    staffed = cov.posts
    norm = cp_rules.staffing_norms(staffed, area.norms) if len(staffed) else pd.DataFrame({"people_per_day": []})
    figures = {
        **cov.figures,
        "checkpoints_open": int(len(open_)),
        "posts_staffed": int(len(staffed)),
        "people_per_day": int((staffed["staff_day"] + staffed["staff_night"]).sum()) if len(staffed) else 0,
        "norm_people_per_day": int(norm["people_per_day"].sum()),
        "violations": int(len(violations)),
        **{f"violations_{r}": int((violations["rule"] == r).sum()) for r in cp_rules.RULES},
    }
    return Evaluation(cps, shifts, cov, violations, figures)
