"""Checkpoint commands (卡点/出入口): add, move, open/close and staff — the one implementation that /my-grid (a point
drawn or moved on the map) and plan-apply (`geodata.checkpoints.plans.apply_plan`) both call (issue 13; domain file
§2.7, §5.3, scenarios 9 and 10).

Before, /my-grid (geodata.editing) and the planner (geodata.checkpoints.rules) each had their own add and move,
with different role tables, stale-save errors and audit events. Now every command here:
1. asks `geodata.people.scope.require_edit(actor, "checkpoint", path)` (PermissionDenied) — for a move, of the
   unit it leaves and of the unit it joins; plan-apply asks the planning roles on top (`plans.require_plan`);
2. checks every value with the field registry (`geodata.base.layers.RULES["checkpoint"]`: vocabulary, 0–STAFF_MAX
   people, text lengths and control characters) and the point (finite lon/lat inside a community, grid or
   compound — within `POINT_TOLERANCE_DEG` of its edge, where entrances stand), collecting every problem (Rejected);
3. changes an existing checkpoint only at the version the person read (`expected_version`, required): a stale
   save — seen before writing or by the row's version column while writing — is refused with a
   `geodata.people.conflicts.Conflict` saying who changed it last and when;
4. writes one event, old → new: checkpoint.create (all fields, lon/lat, unit code), checkpoint.move (lon, lat,
   unit code), checkpoint.status (status), checkpoint.staffing (the staffing fields that changed); the roll-up
   counters move with it.
Each returns a `Change` (entity, code, new version, old, new), like every hand edit.
"""
from __future__ import annotations

import math
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from geodata.base.layers import RULES, bound_problem, checked_text, yes_no
from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import LEVEL_LABELS, Level, parse_term
from geodata.checkpoints.rules import norm_staffing
from geodata.people import reach, scope
from geodata.people.conflicts import Change, Conflict, conflict_from_fresh_read, jsonable
from geodata.people.scope import require_planning
from geodata.store.models import Checkpoint, Unit
from geodata.store.rules_config import get_setting
from geodata.store.stats import apply_delta
from geodata.store.writes import WriteContext

#: a checkpoint this close to its unit's edge (degrees, ≈ 2 m) still counts as inside: entrances sit on the edge
POINT_TOLERANCE_DEG = 2e-5
#: field → (Chinese, English): how a refusal names a checkpoint's field
LABELS: dict[str, tuple[str, str]] = {
    "code": ("编码", "code"), "name": ("名称", "name"), "kind": ("类型", "kind"), "status": ("状态", "status"),
    "is_24h": ("24小时值守", "24 h"), "staff_day": ("白班人数", "day staff"),
    "staff_night": ("夜班人数", "night staff"), "leader_name": ("卡点负责人", "checkpoint leader"),
    "leader_phone": ("电话", "phone"),
}


# --- reads and checks -------------------------------------------------------------------------------------


def checkpoint_by_code(session: Session, code: str, actor: Any = None, action: str | None = None) -> Checkpoint:
    """The checkpoint `code`. With `actor`: one answer for a code that is unknown and one outside a scoped actor's
    scope, after the role of `action` (geodata.people.reach, issue 18)."""
    return reach.find(session, actor, Checkpoint, code, ("卡点编码", "checkpoint code"), action=action)


def require_planner(actor: Any, path: str | None) -> None:
    """Raise PermissionDenied unless `actor` plans checkpoints (rosters, plans: scope.PLAN_ROLES) at `path`."""
    require_planning(actor, path, "调整卡点", "change checkpoints")


def check_point(lon: Any, lat: Any) -> tuple[float, float]:
    """(lon, lat) as floats, or Rejected when they are not finite WGS-84 degrees."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise Rejected([Problem(f"坐标无效: ({lon}, {lat})", f"invalid coordinates ({lon}, {lat})", field="lon")])
    return x, y


def units_at(session: Session, x: float, y: float, level: int | None = None, within: str | None = None
             ) -> list[Unit]:
    """Units whose polygon covers (x, y) within POINT_TOLERANCE_DEG, deepest first; `within`: under that path."""
    tol = POINT_TOLERANCE_DEG
    q = select(Unit).where(Unit.minx <= x + tol, Unit.maxx >= x - tol, Unit.miny <= y + tol, Unit.maxy >= y - tol)
    if level is not None:
        q = q.where(Unit.level == int(level))
    if within:
        q = q.where(Unit.path >= within)
    pt = shapely.Point(x, y)
    hits = [u for u in session.execute(q).scalars()
            if u.geom is not None and (not within or u.path.startswith(within)) and shapely.distance(u.geom, pt) <= tol]
    return sorted(hits, key=lambda u: -u.level)


def next_checkpoint_code(session: Session, unit: Unit) -> str:
    """`<unit code>K<n>`: the next free number after the unit's existing checkpoint codes."""
    stem = f"{unit.code}K"
    codes = session.execute(select(Checkpoint.code).where(Checkpoint.code.like(f"{stem}%"))).scalars().all()
    numbers = [int(c[len(stem):]) for c in codes if c[len(stem):].isdigit()]
    return f"{stem}{max(numbers, default=0) + 1}"


def _parse_fields(values: dict[str, Any], required: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[Problem]]:
    """Each given value checked by its registry rule: (parsed values, problems). None means "not given"."""
    parsed, problems = {}, []
    for name, value in values.items():
        blank = value is None or (isinstance(value, str) and not value.strip())
        if blank:
            if name in required:
                problems.append(_problem(name, ("不能为空", "required")))
            continue
        got, why = _parse_one(name, value)
        if why is not None:
            problems.append(_problem(name, why))
        else:
            parsed[name] = got
    return parsed, problems


def _parse_one(name: str, value: Any) -> tuple[Any, tuple[str, str] | None]:
    rule = RULES["checkpoint"][name]
    if rule.kind == "vocab":
        code = parse_term(dict(rule.vocab or {}), value)
        return (code, None) if code else (None, (f"未知取值「{value}」", f"unknown value {value!r}; one of: "
                                                                     f"{', '.join(rule.vocab or {})}"))
    if rule.kind == "bool":
        answer = yes_no(value)
        return (answer, None) if answer is not None else (None, ("应为 是 或 否", "must be yes or no"))
    if rule.kind == "int":
        try:
            number = float(value)
            if isinstance(value, bool) or not number.is_integer():
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            return None, ("应为整数", "must be a whole number")
        return (None, bound_problem(rule, int(number))) if bound_problem(rule, int(number)) else (int(number), None)
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None, ("含有无效字符", "contains characters that are not valid Unicode text")
    return checked_text(rule, name, text)


def _problem(name: str, why: tuple[str, str]) -> Problem:
    zh, en = LABELS.get(name, (name, name))
    return Problem(f"{zh}：{why[0]}", f"{en}: {why[1]}", field=name)


def _stale(session: Session, code: str, expected: int, wanted: dict[str, Any]) -> Conflict:
    return conflict_from_fresh_read(session, Checkpoint, "checkpoint", code, expected, wanted, labels=LABELS)


def _current(ctx: WriteContext, code: str, expected_version: int | None, wanted: dict[str, Any]) -> Checkpoint:
    """The checkpoint to change: in the actor's scope and role, at the version they read (else Conflict)."""
    cp = checkpoint_by_code(ctx.session, code, ctx.actor, scope.edit_action("checkpoint"))
    scope.require_edit(ctx.actor, "checkpoint", cp.path)
    if expected_version is None:
        raise Rejected([Problem("缺少读取时的版本号", "the version read is missing: reload and try again",
                                field="version")])
    if cp.version != int(expected_version):
        raise _stale(ctx.session, code, int(expected_version), wanted)
    return cp


def _flush(ctx: WriteContext, cp: Checkpoint, expected_version: int, wanted: dict[str, Any]) -> None:
    """Write, refusing a save that raced another one past the version check the same way (Conflict)."""
    try:
        ctx.session.flush()
    except StaleDataError:
        raise _stale(ctx.session, cp.code, int(expected_version), wanted) from None


# --- commands ---------------------------------------------------------------------------------------------


def add_checkpoint(ctx: WriteContext, *, name: str | None, lon: Any, lat: Any, kind: str = "community_checkpoint",
                   status: str = "open", is_24h: bool = True, staff_day: int | None = None,
                   staff_night: int | None = None, leader_name: str | None = None, leader_phone: str | None = None,
                   code: str | None = None, within: str | None = None, reason: str | None = None) -> Change:
    """Place a new checkpoint or entrance in the deepest community, grid or compound containing the point (which
    must lie in the actor's scope, and under `within` — the plan's street — when given), staffed as given or,
    when a number is not given, to its kind's norm."""
    x, y = check_point(lon, lat)
    parsed, problems = _parse_fields(
        {"name": name, "kind": kind, "status": status, "is_24h": is_24h, "staff_day": staff_day,
         "staff_night": staff_night, "leader_name": leader_name, "leader_phone": leader_phone, "code": code},
        required=("name", "kind", "status"))
    if problems:
        raise Rejected(problems)
    hits = [u for u in units_at(ctx.session, x, y, within=within) if u.level >= Level.COMMUNITY]
    if not hits:
        raise Rejected([Problem("位置不在本区域的任何社区、网格或小区内",
                                "the point lies in no community, grid or compound of this area", field="lon")])
    unit = hits[0]
    scope.require_edit(ctx.actor, "checkpoint", unit.path)
    # a chosen code is checked only once the actor may place a checkpoint here: codes are unique city-wide, so
    # "exists" told to anyone else would say that a checkpoint exists outside their scope (issue 18)
    if "code" in parsed and ctx.session.execute(select(Checkpoint.id).where(Checkpoint.code == parsed["code"])).first():
        raise Rejected([Problem(f"卡点编码已存在: {parsed['code']}", f"checkpoint code already exists: {parsed['code']}",
                                field="code")])
    parsed.setdefault("is_24h", True)
    day, night = norm_staffing(parsed["kind"], get_setting(ctx.session, "staffing"), parsed["is_24h"])
    parsed.setdefault("staff_day", day)
    parsed.setdefault("staff_night", night)
    cp = Checkpoint(code=parsed.pop("code", None) or next_checkpoint_code(ctx.session, unit), unit_id=unit.id,
                    path=unit.path, lon=x, lat=y, **parsed)
    ctx.session.add(cp)
    ctx.session.flush()
    apply_delta(ctx.session, cp.path, checkpoints=1, checkpoints_open=int(cp.status == "open"))
    new = {**{k: jsonable(getattr(cp, k)) for k in ("name", "kind", "status", "is_24h", "staff_day", "staff_night",
                                                    "leader_name", "leader_phone")},
           "lon": x, "lat": y, "unit": unit.code}
    ctx.record("checkpoint.create", "checkpoint", cp.code, path=cp.path, new=new,
               reason=reason or "新设卡点 / checkpoint placed")
    return Change("checkpoint", cp.code, cp.version, {}, new)


def move_checkpoint(ctx: WriteContext, code: str, lon: Any, lat: Any, *, expected_version: int | None,
                    reason: str | None = None) -> Change:
    """Move a checkpoint or entrance. It stays with its unit while the point is inside that unit (an entrance on
    the edge counts as inside); moved into another unit of the same level it joins that unit — which must lie in
    the actor's scope too — and the counters move with it. Outside every such unit: refused."""
    x, y = check_point(lon, lat)
    wanted = {"lon": x, "lat": y}
    cp = _current(ctx, code, expected_version, wanted)
    unit = ctx.session.get(Unit, cp.unit_id)
    hits = units_at(ctx.session, x, y, unit.level)
    target = unit if any(u.id == unit.id for u in hits) else (hits[0] if hits else None)
    if target is None:
        lzh, len_ = LEVEL_LABELS[Level(unit.level)]
        raise Rejected([Problem(f"新位置不在{unit.name}内，也不在其他{lzh}内",
                                f"the new place lies outside {unit.name} and outside every other {len_.lower()}",
                                field="lon")])
    if target.id != unit.id:
        scope.require_edit(ctx.actor, "checkpoint", target.path)
    old = {"lon": cp.lon, "lat": cp.lat, "unit": unit.code}
    old_path = cp.path
    cp.lon, cp.lat, cp.unit_id, cp.path = x, y, target.id, target.path
    _flush(ctx, cp, int(expected_version), wanted)
    if target.path != old_path:
        is_open = int(cp.status == "open")
        apply_delta(ctx.session, old_path, checkpoints=-1, checkpoints_open=-is_open)
        apply_delta(ctx.session, target.path, checkpoints=1, checkpoints_open=is_open)
    new = {"lon": x, "lat": y, "unit": target.code}
    ctx.record("checkpoint.move", "checkpoint", cp.code, path=cp.path, old=old, new=new,
               reason=reason or "卡点位置调整 / moved")
    return Change("checkpoint", cp.code, cp.version, old, new)


def set_checkpoint_status(ctx: WriteContext, code: str, status: str, *, expected_version: int | None,
                          reason: str | None = None) -> Change:
    """Open or close a checkpoint / entrance (scenario 10: closing the second entrance clears the warning)."""
    parsed, problems = _parse_fields({"status": status}, required=("status",))
    if problems:
        raise Rejected(problems)
    new_status = parsed["status"]
    cp = _current(ctx, code, expected_version, {"status": new_status})
    if new_status == cp.status:
        return Change("checkpoint", cp.code, cp.version)
    old = {"status": cp.status}
    cp.status = new_status
    _flush(ctx, cp, int(expected_version), {"status": new_status})
    apply_delta(ctx.session, cp.path, checkpoints_open=1 if new_status == "open" else -1)
    ctx.record("checkpoint.status", "checkpoint", cp.code, path=cp.path, old=old, new={"status": new_status},
               reason=reason or ("开放 / opened" if new_status == "open" else "关闭 / closed"))
    return Change("checkpoint", cp.code, cp.version, old, {"status": new_status})


def set_staffing(ctx: WriteContext, code: str, *, staff_day: int | None = None, staff_night: int | None = None,
                 is_24h: bool | None = None, leader_name: str | None = None, expected_version: int | None,
                 reason: str | None = None) -> Change:
    """Change a checkpoint's standing staffing (scenario 9: a fourth guard by day clears the warning); fields
    not given stay as they are."""
    parsed, problems = _parse_fields({"staff_day": staff_day, "staff_night": staff_night, "is_24h": is_24h,
                                     "leader_name": leader_name})
    if problems:
        raise Rejected(problems)
    cp = _current(ctx, code, expected_version, parsed)
    changed = {k: v for k, v in parsed.items() if getattr(cp, k) != v}
    if not changed:
        return Change("checkpoint", cp.code, cp.version)
    old = {k: getattr(cp, k) for k in changed}
    for k, v in changed.items():
        setattr(cp, k, v)
    _flush(ctx, cp, int(expected_version), parsed)
    ctx.record("checkpoint.staffing", "checkpoint", cp.code, path=cp.path, old=old, new=changed,
               reason=reason or "值守调整 / staffing changed")
    return Change("checkpoint", cp.code, cp.version, old, changed)
