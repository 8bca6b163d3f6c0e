"""Saved checkpoint plans (卡点布设方案, issue 6; domain file §2.7, scenarios 9–10): save a what-if, list and
compare plans, apply or discard one.

`save_plan` stores a what-if (items + radius + drawn zone + its figures); `compare_plans` puts plans side by side,
evaluated now on today's data (geodata.checkpoints.whatif); `apply_plan` runs the items through the checkpoint
commands (geodata.checkpoints.commands — the same ones /my-grid calls: each an audited event, old → new, a stale
checkpoint refused with a Conflict) and fills the week's roster of new or re-staffed posts. Saving, applying and
discarding are for supervisors and the command centre, within their scope (scope.PLAN_ROLES); each change of a
checkpoint is asked of the checkpoint edit rule too.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.base.layers import STAFF_MAX
from geodata.base.problems import Problem, Rejected
from geodata.checkpoints import commands
from geodata.checkpoints.coverage import Area, with_roads_for
from geodata.checkpoints.rosters import set_roster
from geodata.checkpoints.whatif import ACTIONS, PlanItem, evaluate
from geodata.people.scope import require_planning
from geodata.store.hierarchy import is_under, path_upper_bound, unit_by_code
from geodata.store.models import Unit
from geodata.store.planning_models import CheckpointPlan, CheckpointPlanItem
from geodata.store.writes import WriteContext


def require_plan(actor: Any, path: str) -> None:
    """Raise PermissionDenied unless `actor` may save/apply plans for the unit at `path` (scope.PLAN_ROLES)."""
    require_planning(actor, path, "保存或实施卡点方案", "save or apply checkpoint plans")


def validate_items(items: Sequence[PlanItem]) -> list[Problem]:
    """Every problem of a plan's items: a known action, a position to add or move to, the checkpoint and the
    version it was planned against (the checkpoint commands refuse a change of a checkpoint changed since),
    staff numbers within the registry's bound."""
    problems = []
    for n, it in enumerate(items, start=1):
        where = f"items[{n}]"
        if it.action not in ACTIONS:
            problems.append(Problem(f"第 {n} 项：未知操作 {it.action}", f"item {n}: unknown action {it.action!r}",
                                    field=where))
        if it.action in ("add", "move") and (it.lon is None or it.lat is None):
            problems.append(Problem(f"第 {n} 项缺少坐标", f"item {n} needs a position", field=where))
        if it.action != "add" and not it.code:
            problems.append(Problem(f"第 {n} 项缺少卡点编码", f"item {n} needs a checkpoint code", field=where))
        if it.action != "add" and it.code and it.base_version is None:
            problems.append(Problem(f"第 {n} 项缺少卡点 {it.code} 读取时的版本号",
                                    f"item {n} lacks the version of {it.code} it was planned against", field=where))
        for v in (it.staff_day, it.staff_night):
            if v is not None and (v < 0 or v > STAFF_MAX):
                problems.append(Problem(f"第 {n} 项值守人数无效", f"item {n}: staff must be 0–{STAFF_MAX}",
                                        field=where))
    return problems


def save_plan(ctx: WriteContext, *, unit_code: str, name: str, items: Sequence[PlanItem], radius_m: float,
              zone_geom: shapely.Geometry | None = None, zone_rank: int | None = None, note: str | None = None,
              figures: dict[str, Any] | None = None) -> CheckpointPlan:
    """Save a what-if as a draft plan for a street/district (items, radius, drawn zone, figures at saving)."""
    unit = unit_by_code(ctx.session, unit_code)
    require_plan(ctx.actor, unit.path)
    problems = validate_items(items)
    if not (name or "").strip():
        problems.append(Problem("请填写方案名称", "a plan needs a name", field="name"))
    if not radius_m or radius_m <= 0:
        problems.append(Problem("覆盖半径须大于 0", "the radius must be positive", field="radius_m"))
    if zone_geom is not None and (zone_geom.is_empty or zone_geom.geom_type != "Polygon" or not zone_geom.is_valid):
        problems.append(Problem("区域边界须为有效的多边形", "the zone boundary must be a valid polygon", field="zone"))
    if problems:
        raise Rejected(problems)
    n = ctx.session.execute(select(func.count()).select_from(CheckpointPlan).where(
        CheckpointPlan.unit_id == unit.id)).scalar_one()
    code = f"PLAN-{unit.code}-{n + 1:03d}"
    while ctx.session.execute(select(CheckpointPlan.id).where(CheckpointPlan.code == code)).first():
        n += 1
        code = f"PLAN-{unit.code}-{n + 1:03d}"
    plan = CheckpointPlan(code=code, name=name.strip(), unit_id=unit.id, path=unit.path, status="draft",
                          radius_m=float(radius_m), zone_geom=zone_geom, zone_rank=zone_rank, note=note,
                          figures=_jsonable(figures or {}), created_by=ctx.actor.username, created_at=ctx.now)
    ctx.session.add(plan)
    ctx.session.flush()
    for seq, it in enumerate(items, start=1):
        ctx.session.add(CheckpointPlanItem(plan_id=plan.id, seq=seq, action=it.action, checkpoint_code=it.code,
                                           name=it.name, kind=it.kind, lon=it.lon, lat=it.lat,
                                           staff_day=it.staff_day, staff_night=it.staff_night, is_24h=it.is_24h,
                                           base_version=it.base_version, note=it.note))
    ctx.session.flush()
    ctx.record("plan.save", "checkpoint_plan", plan.code, path=plan.path,
               new={"name": plan.name, "unit": unit.code, "items": len(items), "radius_m": plan.radius_m,
                    "zone": zone_geom is not None, "figures": plan.figures},
               reason=note or "保存卡点布设方案 plan saved")
    return plan


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in d.items():
        if isinstance(v, (np.integer,)):
            v = int(v)
        elif isinstance(v, (np.floating,)):
            v = float(v)
        elif isinstance(v, np.bool_):
            v = bool(v)
        out[k] = v
    return out


def plan_items(session: Session, code: str) -> tuple[CheckpointPlan, list[PlanItem]]:
    plan = session.execute(select(CheckpointPlan).where(CheckpointPlan.code == code)).scalar_one_or_none()
    if plan is None:
        raise Rejected([Problem(f"方案不存在: {code}", f"no plan {code!r}", field="code")])
    rows = session.execute(select(CheckpointPlanItem).where(CheckpointPlanItem.plan_id == plan.id)
                           .order_by(CheckpointPlanItem.seq)).scalars().all()
    items = [PlanItem(r.action, r.checkpoint_code, r.name, r.kind, r.lon, r.lat, r.staff_day, r.staff_night,
                      r.is_24h, r.base_version, r.note) for r in rows]
    return plan, items


def list_plans(session: Session, scope_path: str | None = None, unit_code: str | None = None) -> pd.DataFrame:
    """Saved plans in a scope (or of one unit), newest first: code, name, unit, status, radius, who, when, items."""
    q = select(CheckpointPlan)
    if unit_code:
        q = q.where(CheckpointPlan.unit_id == unit_by_code(session, unit_code).id)
    if scope_path:
        q = q.where(CheckpointPlan.path >= scope_path, CheckpointPlan.path < path_upper_bound(scope_path))
    plans = session.execute(q.order_by(CheckpointPlan.id.desc())).scalars().all()
    counts = dict(session.execute(select(CheckpointPlanItem.plan_id, func.count()).group_by(
        CheckpointPlanItem.plan_id)).all())
    return pd.DataFrame([{
        "code": p.code, "name": p.name, "status": p.status, "radius_m": p.radius_m, "items": counts.get(p.id, 0),
        "zone": p.zone_geom is not None, "created_by": p.created_by, "created_at": p.created_at,
        "applied_by": p.applied_by, "applied_at": p.applied_at, "version": p.version, **{
            f"fig_{k}": v for k, v in (p.figures or {}).items()}}
        for p in plans], columns=None if plans else ["code", "name", "status", "radius_m", "items", "zone",
                                                      "created_by", "created_at", "applied_by", "applied_at",
                                                      "version"])


COMPARE_FIGURES = ("posts_staffed", "people_per_day", "norm_people_per_day", "entrances_open", "entrances_covered",
                   "entrances_uncovered", "zone_entrances_uncovered", "buildings_covered", "households_covered",
                   "violations")


def compare_plans(session: Session, area: Area, codes: Sequence[str], *, with_current: bool = True
                  ) -> pd.DataFrame:
    """Figures of the current state and of each plan side by side (one column each), evaluated now on today's
    data with each plan's own radius and zone."""
    cols: dict[str, dict[str, Any]] = {}
    radius = None
    for code in codes:
        plan, items = plan_items(session, code)
        if not is_under(plan.path, area.path) and not is_under(area.path, plan.path):
            raise Rejected([Problem(f"方案 {code} 不属于本区域", f"plan {code} is not for this area", field="code")])
        radius = radius or plan.radius_m
        area = with_roads_for(session, area, plan.radius_m)
        a = area.with_zone(plan.zone_geom, plan.zone_rank or 1)
        cols[f"{plan.code} {plan.name}"] = evaluate(a, items, radius_m=plan.radius_m).figures
    if with_current:
        cols = {"current": evaluate(area, radius_m=radius).figures, **cols}
    frame = pd.DataFrame(cols)
    return frame.loc[[f for f in COMPARE_FIGURES if f in frame.index]]


@dataclass
class Applied:
    plan: str
    created: list[str]
    changed: list[str]
    shifts_written: int


def apply_plan(ctx: WriteContext, code: str, *, expected_version: int | None = None, on: dt.date | None = None,
               reason: str | None = None) -> Applied:
    """Carry out a draft plan: every item through the checkpoint commands (one audited event each, old → new),
    a roster for the coming week for new and re-staffed posts, the plan marked applied — all or nothing.

    Refused when the plan is not a draft or was changed since `expected_version` (Rejected), or when a checkpoint
    it touches changed since the plan was made — its version differs from the item's `base_version` — with the
    same `Conflict` a stale save on /my-grid gets (geodata.checkpoints.commands).
    """
    plan, items = plan_items(ctx.session, code)
    require_plan(ctx.actor, plan.path)
    if plan.status != "draft":
        raise Rejected([Problem(f"方案 {code} 已{ '实施' if plan.status == 'applied' else '作废'}，不能再实施",
                                f"plan {code} is {plan.status}; only drafts can be applied", field="status")])
    if expected_version is not None and plan.version != expected_version:
        raise Rejected([Problem("方案已被他人修改，请刷新后重试", "the plan changed since you read it: reload",
                                field="version")])
    on = on or dt.date.today()
    created, changed, shifts = [], [], 0
    reason = reason or f"实施方案 {plan.code} {plan.name} / applying plan {plan.code}"
    for n, it in enumerate(items, start=1):
        if it.action == "add":  # named as the what-if showed it (geodata.checkpoints.whatif.apply_items)
            done = commands.add_checkpoint(
                ctx, lon=it.lon, lat=it.lat, kind=it.kind or "community_checkpoint", name=it.name or f"拟设卡点 {n}",
                staff_day=it.staff_day, staff_night=it.staff_night, is_24h=it.is_24h is not False, within=plan.path,
                reason=reason)
            created.append(done.code)
            shifts += _roster(ctx, done.code, on, reason)
            continue
        target = commands.checkpoint_by_code(ctx.session, it.code, ctx.actor, "plan.checkpoints")
        if not is_under(target.path, plan.path) and not _inside(ctx.session, plan, target):
            raise Rejected([Problem(f"卡点 {it.code} 不在方案区域内", f"checkpoint {it.code} is outside the plan's area",
                                    field="code")])
        version = it.base_version
        if it.action == "move":
            commands.move_checkpoint(ctx, it.code, it.lon, it.lat, expected_version=version, reason=reason)
        elif it.action in ("open", "close"):
            commands.set_checkpoint_status(ctx, it.code, "open" if it.action == "open" else "closed",
                                           expected_version=version, reason=reason)
        elif it.action == "staff":
            commands.set_staffing(ctx, it.code, staff_day=it.staff_day, staff_night=it.staff_night,
                                  is_24h=it.is_24h, expected_version=version, reason=reason)
            shifts += _roster(ctx, it.code, on, reason)
        changed.append(it.code)
    old = {"status": plan.status}
    plan.status = "applied"
    plan.applied_by = ctx.actor.username
    plan.applied_at = ctx.now
    for it_row, code_new in zip([i for i in _item_rows(ctx.session, plan.id) if i.action == "add"], created):
        it_row.checkpoint_code = code_new
    ctx.session.flush()
    ctx.record("plan.apply", "checkpoint_plan", plan.code, path=plan.path, old=old,
               new={"status": "applied", "created": created, "changed": changed, "shifts": shifts}, reason=reason)
    return Applied(plan.code, created, changed, shifts)


def _roster(ctx: WriteContext, code: str, on: dt.date, reason: str) -> int:
    """The coming week's roster of a new or re-staffed post, from its standing staffing (none for a released one)."""
    cp = commands.checkpoint_by_code(ctx.session, code)
    if cp.staff_day + cp.staff_night <= 0:
        return 0
    return set_roster(ctx, cp.code, start=on, days=7, staff_day=cp.staff_day,
                      staff_night=cp.staff_night if cp.is_24h else 0, reason=reason)


def _inside(session: Session, plan: CheckpointPlan, target: Any) -> bool:
    """A police checkpoint hangs on the district but may stand in the plan's street."""
    unit = session.get(Unit, plan.unit_id)
    return bool(unit is not None and is_under(plan.path, target.path)
                and shapely.covers(unit.geom, shapely.Point(target.lon, target.lat)))


def _item_rows(session: Session, plan_id: int) -> list[CheckpointPlanItem]:
    return list(session.execute(select(CheckpointPlanItem).where(CheckpointPlanItem.plan_id == plan_id)
                                .order_by(CheckpointPlanItem.seq)).scalars())


def discard_plan(ctx: WriteContext, code: str, *, reason: str | None = None) -> CheckpointPlan:
    """Mark a draft plan discarded (kept for the record)."""
    plan, _ = plan_items(ctx.session, code)
    require_plan(ctx.actor, plan.path)
    if plan.status != "draft":
        raise Rejected([Problem("只能作废草稿方案", "only draft plans can be discarded", field="status")])
    plan.status = "discarded"
    ctx.session.flush()
    ctx.record("plan.discard", "checkpoint_plan", plan.code, path=plan.path, old={"status": "draft"},
               new={"status": "discarded"}, reason=reason or "作废方案 plan discarded")
    return plan
