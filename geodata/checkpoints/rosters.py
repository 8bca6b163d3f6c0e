"""Duty rosters (排班表) of checkpoints: who is on which shift in the coming week and the staffing total per street
(domain file §2.7 "24小时轮流值班", §1.2 norms). The printable XLSX is written by `loaders.roster` (files are
written in loaders, where spreadsheet cells are made safe).

A roster row is one checkpoint on one date with its day and night shift (staff, leader). The roster is judged by
the same staffing rule as the checkpoints themselves (`geodata.checkpoints.rules.staffing_status`), per date.
Writes: `set_shift` (one shift) and `set_roster` (a checkpoint's shifts for several days), both audited; who may:
the same people as for checkpoints (supervisors and the command centre in their scope).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from geodata.base.layers import STAFF_MAX
from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level
from geodata.checkpoints.coverage import Area, units_in
from geodata.checkpoints.commands import checkpoint_by_code, require_planner
from geodata.checkpoints.rules import roster_by_day, staffing_norms, staffing_status
from geodata.store.hierarchy import path_ids
from geodata.store.models import Shift
from geodata.store.writes import WriteContext

SHIFTS = ("day", "night")
SHIFT_LABELS = {"day": ("白班", "Day"), "night": ("夜班", "Night")}


# --- reading ------------------------------------------------------------------------------------------------


def roster(area: Area, checkpoints: pd.DataFrame | None = None, shifts: pd.DataFrame | None = None,
           days: int = 7) -> pd.DataFrame:
    """The coming `days` days of every open 24 h checkpoint of the area: one row per checkpoint and date with
    staff_day / staff_night, the leaders of both shifts, the norm, and the day's staffing status."""
    cps = area.checkpoints if checkpoints is None else checkpoints
    sh = area.shifts if shifts is None else shifts
    by_day = roster_by_day(cps, sh, area.on, days)
    if by_day.empty:
        return by_day.assign(leader_day=[], leader_night=[], staffing=[], min_day=[], min_night=[],
                             min_per_day=[], street_code=[])
    leaders = (sh.pivot_table(index=["checkpoint_code", "on_date"], columns="shift", values="leader_name",
                              aggfunc="first").reset_index() if len(sh) else pd.DataFrame(
        columns=["checkpoint_code", "on_date"]))
    for s in SHIFTS:
        if s not in leaders.columns:
            leaders[s] = None
    leaders = leaders.rename(columns={"day": "leader_day", "night": "leader_night"})
    out = by_day.merge(leaders[["checkpoint_code", "on_date", "leader_day", "leader_night"]],
                       left_on=["code", "on_date"], right_on=["checkpoint_code", "on_date"], how="left")
    out = out.drop(columns="checkpoint_code")
    out["staffing"] = staffing_status(out, area.norms).to_numpy()
    out = pd.concat([out, staffing_norms(out, area.norms)[["min_day", "min_night", "min_per_day"]]], axis=1)
    paths = cps.set_index("code")["path"]
    street_depth = int(Level.STREET) - 1
    out["street_id"] = out["code"].map(paths).map(
        lambda p: path_ids(p)[street_depth] if isinstance(p, str) and len(path_ids(p)) > street_depth else -1)
    if area.level == Level.STREET:  # police checkpoints hang on the district but stand in this street
        out["street_id"] = path_ids(area.path)[street_depth]
    return out.sort_values(["code", "on_date"]).reset_index(drop=True)


def staffing_totals(area: Area, street_names: dict[int, str], checkpoints: pd.DataFrame | None = None,
                    shifts: pd.DataFrame | None = None, days: int = 7) -> pd.DataFrame:
    """Per street of the area: open checkpoints, standing staff a day, what the norms ask, the shortfall, and the
    people rostered on each date of the coming week (one column per date)."""
    cps = area.checkpoints if checkpoints is None else checkpoints
    open_ = cps[cps["status"] == "open"].copy()
    if open_.empty:
        return pd.DataFrame(columns=["street", "checkpoints", "people_per_day", "norm_per_day", "shortfall"])
    street_depth = int(Level.STREET) - 1
    open_["street_id"] = open_["path"].map(
        lambda p: path_ids(p)[street_depth] if len(path_ids(p)) > street_depth else -1)
    # police checkpoints hang on the district: count them in the street they stand in (the area's, if a street)
    if area.level == Level.STREET:
        open_["street_id"] = path_ids(area.path)[street_depth]
    need = staffing_norms(open_, area.norms)
    guarded = (open_["staff_day"] + open_["staff_night"] > 0) | open_["is_24h"].astype(bool)
    open_["people"] = open_["staff_day"] + open_["staff_night"]
    open_["norm"] = np.where(guarded, need["people_per_day"], 0)
    open_["short"] = np.maximum(open_["norm"] - open_["people"], 0)
    g = open_.groupby("street_id")
    out = pd.DataFrame({"checkpoints": g.size(), "guarded": g.apply(lambda f: int(
        ((f["staff_day"] + f["staff_night"]) > 0).sum()), include_groups=False), "people_per_day": g["people"].sum(),
        "norm_per_day": g["norm"].sum(), "shortfall": g["short"].sum()})
    ros = roster(area, cps, shifts, days)
    if len(ros):
        ros["people"] = ros["staff_day"] + ros["staff_night"]
        ros["street_id"] = ros["code"].map(open_.set_index("code")["street_id"])
        wide = ros.pivot_table(index="street_id", columns="on_date", values="people", aggfunc="sum")
        wide.columns = [f"{d:%m-%d}" for d in wide.columns]
        out = out.join(wide)
    out.insert(0, "street", [street_names.get(int(i), str(i)) for i in out.index])
    out = out.reset_index(drop=True)
    num = out.columns.drop("street")
    out[num] = out[num].fillna(0).astype(np.int64)
    return out


# --- writing ------------------------------------------------------------------------------------------------


def _check_shift(shift: str, staff: int) -> None:
    problems = []
    if shift not in SHIFTS:
        problems.append(Problem(f"班次应为白班或夜班: {shift}", f"shift must be day or night, got {shift!r}",
                                field="shift"))
    if staff < 0 or staff > STAFF_MAX:
        problems.append(Problem(f"人数应在 0–{STAFF_MAX} 之间", f"staff must be between 0 and {STAFF_MAX}",
                                field="staff"))
    if problems:
        raise Rejected(problems)


def set_shift(ctx: WriteContext, checkpoint_code: str, on_date: dt.date, shift: str, staff: int,
              leader_name: str | None = None, *, reason: str | None = None) -> Shift:
    """Create or change one shift of a checkpoint (staff 0 leaves the shift empty: a roster gap)."""
    cp = checkpoint_by_code(ctx.session, checkpoint_code, ctx.actor, "plan.checkpoints")
    require_planner(ctx.actor, cp.path)
    _check_shift(shift, int(staff))
    row = ctx.session.execute(select(Shift).where(Shift.checkpoint_id == cp.id, Shift.on_date == on_date,
                                                  Shift.shift == shift)).scalar_one_or_none()
    old = None if row is None else {"staff": row.staff, "leader_name": row.leader_name}
    if row is None:
        row = Shift(checkpoint_id=cp.id, on_date=on_date, shift=shift, staff=int(staff), leader_name=leader_name)
        ctx.session.add(row)
    else:
        row.staff = int(staff)
        if leader_name is not None:
            row.leader_name = leader_name
    ctx.session.flush()
    new = {"staff": row.staff, "leader_name": row.leader_name}
    if old != new:
        ctx.record("shift.set", "checkpoint", cp.code, path=cp.path, old=old,
                   new={"on_date": on_date, "shift": shift, **new}, reason=reason or "排班调整 roster changed")
    return row


def set_roster(ctx: WriteContext, checkpoint_code: str, *, start: dt.date, days: int, staff_day: int,
               staff_night: int, leader_name: str | None = None, reason: str | None = None) -> int:
    """Set a checkpoint's day and night shifts for `days` days from `start` (leaders kept where set; a shift of 0
    people is removed). One event for the whole change. Returns the number of shifts written."""
    cp = checkpoint_by_code(ctx.session, checkpoint_code, ctx.actor, "plan.checkpoints")
    require_planner(ctx.actor, cp.path)
    _check_shift("day", int(staff_day))
    _check_shift("night", int(staff_night))
    end = start + dt.timedelta(days=days - 1)
    existing = {(r.on_date, r.shift): r for r in ctx.session.execute(select(Shift).where(
        Shift.checkpoint_id == cp.id, Shift.on_date >= start, Shift.on_date <= end)).scalars()}
    before = {f"{d:%m-%d} {s}": r.staff for (d, s), r in existing.items()}
    written = 0
    for k in range(days):
        d = start + dt.timedelta(days=k)
        for s, n in (("day", int(staff_day)), ("night", int(staff_night))):
            row = existing.get((d, s))
            if n == 0:
                if row is not None:
                    ctx.session.execute(delete(Shift).where(Shift.id == row.id))
                continue
            if row is None:
                ctx.session.add(Shift(checkpoint_id=cp.id, on_date=d, shift=s, staff=n,
                                      leader_name=leader_name or cp.leader_name))
            else:
                row.staff = n
                if leader_name:
                    row.leader_name = leader_name
            written += 1
    ctx.session.flush()
    ctx.record("shift.roster", "checkpoint", cp.code, path=cp.path, old={"shifts": before},
               new={"from": start, "days": days, "staff_day": staff_day, "staff_night": staff_night},
               reason=reason or "排班调整 roster changed")
    return written


def street_names(session: Session, area: Area) -> dict[int, str]:
    """Names of the streets of an area (and of the area itself when it is a street), by unit id."""
    frame = units_in(session, area.path, int(Level.STREET))
    # checkpoints hanging on the district (police) when the area is a district
    return {-1: "区级卡点", **dict(zip(frame["id"].astype(int), frame["name"]))}
