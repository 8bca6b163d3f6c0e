"""Requests and events routed to done: 事件上报 → 流转 → 办结 (003 §一 5, §四, §六, §八 六; 004 三(一) 接诉即办).

A grid worker (or the community) logs what a resident asks or what a patrol found — kind, place (a building, a
compound or a point inside the grid), who reported it, text, urgency — and the tier routes it to the unit that
handles it (003 §一 5):

- 一般性事务: "由网格责任人现场处理" — the grid handles it, on the spot;
- 需要协调处理: "由网格责任人和社区协调处理" — the community;
- 紧急性工作或社区不能独立办理: "立即上报街道" — the street (an urgent event of a lower tier goes there too);
- 需要审批的工作 (003 §八 六): "社区受理中心受理界定，镇行政服务中心审核，报区行政服务中心审批" — it starts at the
  community, is forwarded to the street, and only the district closes it.

The one who logs it stays its tracker (首问负责制) whoever handles it. Each level has hours to close it (setting
"events", `due_hours`): an open event past its due time is overdue, listed per level. The handler adds notes,
forwards it a level up (a hand-over: the new level gets its own hours) and closes it with a note and the feedback
given to the reporter ("去有目的，来有问题、后有反馈"); a closed one can be reopened at the level that closed it.
"解决一件注销一件": every step is one event in the audit log and one row of the event's trail.

Scope: logging, notes, moves and reopening need the event's grid in the actor's scope (a move also the new
grid); forwarding and closing need the handling unit (geodata.people.authority "event.*").
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd
from shapely.geometry import Point
from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session

from geodata.base.clock import local
from geodata.base.layers import RULES, checked_text
from geodata.base.problems import PermissionDenied, Problem, Rejected
from geodata.base.tasks import Task
from geodata.base.vocab import Level
from geodata.people import authority, reach, scope
from geodata.people.conflicts import Conflict
from geodata.store.field_models import FieldEvent, FieldEventStep
from geodata.store.hierarchy import path_ids, under
from geodata.store.models import Building, Unit
from geodata.store.rules_config import get_setting
from geodata.store.writes import Actor, WriteContext

#: the levels that handle events, lowest first, and their place in the unit tree
LEVELS: dict[str, Level] = {"grid": Level.GRID, "community": Level.COMMUNITY, "street": Level.STREET,
                            "district": Level.DISTRICT}
LEVEL_NAMES: dict[str, tuple[str, str]] = {"grid": ("网格", "grid"), "community": ("社区", "community"),
                                           "street": ("街道", "street"), "district": ("区", "district")}


@dataclass(frozen=True)
class Tier:
    starts: str  # the level that handles it first
    closes: str  # the lowest level that may close it
    zh: str
    en: str


TIERS: dict[str, Tier] = {
    "general": Tier("grid", "grid", "一般性（网格现场处理）", "general (handled on the spot by the grid)"),
    "coordinate": Tier("community", "community", "需协调处理（社区）", "needs coordination (community)"),
    "urgent": Tier("street", "street", "紧急/社区不能独立办理（街道）", "urgent / beyond the community (street)"),
    "approval": Tier("community", "district", "需要审批（社区受理→街道审核→区审批）",
                     "needs approval (community → street → district)"),
}
KINDS: dict[str, tuple[str, str]] = {
    "request": ("居民求助", "resident request"), "livelihood": ("民生诉求", "livelihood"),
    "hazard": ("安全隐患", "hazard"), "epidemic": ("疫情线索", "epidemic lead"),
    "sanitation": ("环境卫生", "sanitation"), "dispute": ("矛盾纠纷", "dispute"), "other": ("其他", "other"),
}
URGENCIES: dict[str, tuple[str, str]] = {"normal": ("一般", "normal"), "urgent": ("紧急", "urgent")}
STATUSES: dict[str, tuple[str, str]] = {"open": ("办理中", "open"), "closed": ("已办结", "closed")}
STEPS: dict[str, tuple[str, str]] = {"log": ("登记", "logged"), "note": ("办理记录", "note"),
                                     "forward": ("上报", "forwarded"), "move": ("更正位置", "moved"),
                                     "close": ("办结", "closed"), "reopen": ("重新打开", "reopened")}


@dataclass(frozen=True)
class EventView:
    code: str
    kind: str
    tier: str
    urgency: str
    status: str
    handler_level: str
    handler_code: str
    grid_code: str
    tracker: str
    reported_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    overdue: bool
    text: str
    reporter_name: str | None
    reporter_phone: str | None
    resolution: str | None
    feedback: str | None
    reopened: int
    lon: float | None
    lat: float | None
    version: int
    path: str  # the event's grid: notes, moves and reopening are scoped here
    handler_path: str  # the unit handling it: forwarding and closing are scoped here


# --- rules -------------------------------------------------------------------------------------------------------


def due_hours(session: Session, level: str, urgency: str = "normal") -> int:
    """Hours the level handling an event has to close it (setting "events"); urgent ones get `urgent_hours`."""
    cfg = get_setting(session, "events")
    return int(cfg["urgent_hours"] if urgency == "urgent" else cfg[f"{level}_hours"])


def due_time(session: Session, start: dt.datetime, level: str, urgency: str = "normal") -> dt.datetime:
    return start + dt.timedelta(hours=due_hours(session, level, urgency))


def is_overdue(status: str, due_at: dt.datetime, now: dt.datetime) -> bool:
    """Open and past its due time (at the due time itself it is not yet overdue)."""
    return status == "open" and now > due_at


def route(tier: str, urgency: str) -> str:
    """The tier an event is handled by: an urgent one goes at least to the street (003 §一 5 紧急性工作 立即上报)."""
    if urgency == "urgent" and tier in ("general", "coordinate"):
        return "urgent"
    return tier


def next_level(level: str) -> str | None:
    names = list(LEVELS)
    i = names.index(level)
    return names[i + 1] if i + 1 < len(names) else None


# --- helpers -------------------------------------------------------------------------------------------------------


def _text(name: str, value: str | None, *, required: bool = False, zh: str = "") -> str | None:
    """Check one text field with the field registry (control characters, length); None when blank."""
    if value is None or not str(value).strip():
        if required:
            raise Rejected([Problem(f"{zh or name}不能为空", f"{name} is required", field=name)])
        return None
    stored, problem = checked_text(RULES["event"][name], name, str(value))
    if problem:
        raise Rejected([Problem(f"{zh or name}{problem[0]}", f"{name}: {problem[1]}", field=name)])
    return stored


def _choice(name: str, value: str, options: dict[str, Any], zh: str) -> str:
    if value not in options:
        raise Rejected([Problem(f"{zh}无效: {value}", f"unknown {name} {value!r} ({', '.join(options)})",
                                field=name)])
    return value


def _unit_at(session: Session, grid_path: str, level: str) -> Unit:
    """The unit of `level` above (or at) the grid whose path is `grid_path`."""
    ids = path_ids(grid_path)
    unit = session.get(Unit, ids[int(LEVELS[level]) - 1]) if len(ids) >= int(LEVELS[level]) else None
    if unit is None or unit.level != int(LEVELS[level]):
        raise Rejected([Problem(f"找不到上级{LEVEL_NAMES[level][0]}", f"no {level} above this grid",
                                field="handler_level")])
    return unit


def _event(session: Session, code: str, expected_version: int | None = None, actor: Actor | None = None,
           action: str | None = None) -> FieldEvent:
    """The event `code`: after the role of `action`, one answer for unknown and outside a scoped actor's scope
    (geodata.people.reach, issue 18), before its version is compared."""
    ev = reach.find(session, actor, FieldEvent, code, ("事件编号", "event code"), action=action)
    if expected_version is not None and ev.version != expected_version:
        raise Conflict("event", code, expected_version=expected_version, current_version=ev.version,
                       changed_by=None, changed_at=None, fields={})
    return ev


def _place(session: Session, grid: Unit, building_code: str | None, compound_code: str | None,
           lon: float | None, lat: float | None) -> tuple[int | None, int | None, float, float]:
    """(building id, compound id, lon, lat) of a place inside `grid`, refused by field when outside it."""
    if building_code:
        b = session.execute(select(Building).where(Building.code == building_code)).scalar_one_or_none()
        if b is None or b.grid_id != grid.id:
            raise Rejected([Problem(f"楼栋 {building_code} 不在网格 {grid.code} 内",
                                    f"building {building_code} is not in grid {grid.code}", field="building_code")])
        return b.id, b.compound_id, float(b.lon), float(b.lat)
    if compound_code:
        c = session.execute(select(Unit).where(Unit.code == compound_code)).scalar_one_or_none()
        if c is None or c.parent_id != grid.id:
            raise Rejected([Problem(f"小区 {compound_code} 不在网格 {grid.code} 内",
                                    f"compound {compound_code} is not in grid {grid.code}", field="compound_code")])
        p = c.geom.representative_point()
        return None, c.id, float(p.x), float(p.y)
    if lon is not None and lat is not None:
        if not grid.geom.covers(Point(float(lon), float(lat))):
            raise Rejected([Problem(f"地图上的位置不在网格 {grid.code} 内", f"the point is outside grid {grid.code}",
                                    field="point")])
        return None, None, float(lon), float(lat)
    p = grid.geom.representative_point()
    return None, None, float(p.x), float(p.y)


def _grid(session: Session, grid_code: str, actor: Actor | None = None) -> Unit:
    grid = reach.find(session, actor, Unit, grid_code, ("网格编码", "grid code"), field="grid_code")
    if grid.level != int(Level.GRID):
        raise Rejected([Problem(f"{grid_code} 不是网格编码", f"{grid_code} is not a grid code", field="grid_code")])
    return grid


def _step(ctx: WriteContext, ev: FieldEvent, step: str, *, text: str | None = None, from_level: str | None = None,
          to_level: str | None = None) -> None:
    ctx.session.add(FieldEventStep(event_id=ev.id, at=ctx.now, actor=ctx.actor.username, step=step,
                                   from_level=from_level, to_level=to_level, text=text))


def _view(ev: FieldEvent, handler_code: str, grid_code: str, now: dt.datetime) -> EventView:
    return EventView(ev.code, ev.kind, ev.tier, ev.urgency, ev.status, ev.handler_level, handler_code, grid_code,
                     ev.tracker, ev.reported_at, ev.due_at, ev.closed_at, is_overdue(ev.status, ev.due_at, now),
                     ev.text, ev.reporter_name, ev.reporter_phone, ev.resolution, ev.feedback, ev.reopened, ev.lon,
                     ev.lat, ev.version, ev.path, ev.handler_path)


def _view_of(session: Session, ev: FieldEvent, now: dt.datetime) -> EventView:
    return _view(ev, session.get(Unit, ev.handler_id).code, session.get(Unit, ev.grid_id).code, now)


# --- commands ------------------------------------------------------------------------------------------------------


def log_event(ctx: WriteContext, grid_code: str, text: str, *, kind: str = "request", tier: str = "general",
              urgency: str = "normal", building_code: str | None = None, compound_code: str | None = None,
              lon: float | None = None, lat: float | None = None, reporter_name: str | None = None,
              reporter_phone: str | None = None, code: str | None = None, patrol_id: int | None = None,
              source: str = "form", reported_at: dt.datetime | None = None) -> EventView:
    """Log an event in a grid and route it by tier; the one who logs it tracks it (首问负责制)."""
    authority.require(ctx.actor, "event.log")
    _choice("kind", kind, KINDS, "事件类型")
    _choice("tier", tier, TIERS, "分级")
    _choice("urgency", urgency, URGENCIES, "紧急程度")
    body = _text("text", text, required=True, zh="事件内容")
    name = _text("reporter_name", reporter_name, zh="反映人")
    phone = _text("reporter_phone", reporter_phone, zh="反映人电话")
    code = _text("code", code, zh="事件编号") or f"EV-{uuid.uuid4().hex[:10].upper()}"
    grid = _grid(ctx.session, grid_code, ctx.actor)
    authority.require(ctx.actor, "event.log", grid.path)
    if ctx.session.execute(select(FieldEvent.id).where(FieldEvent.code == code)).first() is not None:
        raise Rejected([Problem(f"事件编号已存在: {code}", f"event code already used: {code}", field="code")])
    building_id, compound_id, x, y = _place(ctx.session, grid, building_code, compound_code, lon, lat)
    tier = route(tier, urgency)
    level = TIERS[tier].starts
    handler = _unit_at(ctx.session, grid.path, level)
    at = reported_at or ctx.now
    ev = FieldEvent(code=code, grid_id=grid.id, path=grid.path, building_id=building_id, compound_id=compound_id,
                    lon=x, lat=y, kind=kind, tier=tier, urgency=urgency, text=body, reporter_name=name,
                    reporter_phone=phone, handler_level=level, handler_id=handler.id, handler_path=handler.path,
                    status="open", tracker=ctx.actor.username, reported_by=ctx.actor.username, reported_at=at,
                    due_at=due_time(ctx.session, at, level, urgency), reopened=0, source=source, patrol_id=patrol_id)
    ctx.session.add(ev)
    ctx.session.flush()
    _step(ctx, ev, "log", to_level=level, text=body)
    ctx.record("event.log", "event", code, path=grid.path,
               new={"kind": kind, "tier": tier, "urgency": urgency, "handler": f"{level}:{handler.code}",
                    "due_at": ev.due_at, "tracker": ev.tracker, "place": building_code or compound_code or grid.code},
               reason=f"{TIERS[tier].zh} / {TIERS[tier].en}")
    return _view(ev, handler.code, grid.code, ctx.now)


def add_note(ctx: WriteContext, code: str, note: str, *, expected_version: int | None = None) -> EventView:
    """A note on the way (办理记录): anyone whose scope covers the event's grid."""
    ev = _event(ctx.session, code, expected_version, ctx.actor, "event.note")
    authority.require(ctx.actor, "event.note", ev.path)
    body = _text("note", note, required=True, zh="办理记录")
    _step(ctx, ev, "note", text=body)
    ctx.record("event.note", "event", code, path=ev.path, new={"note": body})
    return _view_of(ctx.session, ev, ctx.now)


def forward_event(ctx: WriteContext, code: str, note: str, *, expected_version: int | None = None) -> EventView:
    """Hand an open event over to the level above (社区不能独立办理 → 街道; 审批: 街道审核 → 区审批). Only the unit
    handling it now (or one above it) forwards it; the new level gets its own hours, the tracker stays."""
    ev = _event(ctx.session, code, expected_version, ctx.actor, "event.forward")
    authority.require(ctx.actor, "event.forward", ev.handler_path)
    if ev.status != "open":
        raise Rejected([Problem("事件已办结，不能上报（可先重新打开）", "the event is closed: reopen it first",
                                field="status")])
    body = _text("note", note, required=True, zh="上报说明")
    up = next_level(ev.handler_level)
    if up is None:
        raise Rejected([Problem("已在最高办理层级（区），不能再上报", "already handled at the top level (district)",
                                field="handler_level")])
    unit = _unit_at(ctx.session, ev.path, up)
    old = {"handler": f"{ev.handler_level}:{ctx.session.get(Unit, ev.handler_id).code}", "due_at": ev.due_at}
    ev.handler_level, ev.handler_id, ev.handler_path = up, unit.id, unit.path
    ev.due_at = due_time(ctx.session, ctx.now, up, ev.urgency)
    _step(ctx, ev, "forward", text=body, from_level=old["handler"].split(":")[0], to_level=up)
    ctx.record("event.forward", "event", code, path=ev.path, old=old,
               new={"handler": f"{up}:{unit.code}", "due_at": ev.due_at}, reason=body)
    return _view(ev, unit.code, ctx.session.get(Unit, ev.grid_id).code, ctx.now)


def move_event(ctx: WriteContext, code: str, grid_code: str, *, building_code: str | None = None,
               compound_code: str | None = None, lon: float | None = None, lat: float | None = None,
               expected_version: int | None = None) -> EventView:
    """Correct an event's place: checked on its current grid and on the new one. The handling unit stays when it
    is above both places (a grid-level event follows its grid)."""
    ev = _event(ctx.session, code, expected_version, ctx.actor, "event.move")
    authority.require(ctx.actor, "event.move", ev.path)
    grid = _grid(ctx.session, grid_code, ctx.actor)
    authority.require(ctx.actor, "event.move", grid.path)
    building_id, compound_id, x, y = _place(ctx.session, grid, building_code, compound_code, lon, lat)
    old = {"grid": ctx.session.get(Unit, ev.grid_id).code, "lon": ev.lon, "lat": ev.lat}
    old_path = ev.path
    ev.grid_id, ev.path, ev.building_id, ev.compound_id, ev.lon, ev.lat = (grid.id, grid.path, building_id,
                                                                          compound_id, x, y)
    if not grid.path.startswith(ev.handler_path):
        handler = _unit_at(ctx.session, grid.path, ev.handler_level)
        ev.handler_id, ev.handler_path = handler.id, handler.path
    new = {"grid": grid.code, "lon": x, "lat": y}
    _step(ctx, ev, "move", text=f"{old['grid']} → {grid.code}")
    ctx.record("event.move", "event", code, path=old_path, old=old, new=new)
    if old_path != grid.path:  # a move between two places is audited at both
        ctx.record("event.move", "event", code, path=grid.path, old=old, new=new)
    return _view_of(ctx.session, ev, ctx.now)


def close_event(ctx: WriteContext, code: str, resolution: str, feedback: str, *,
                expected_version: int | None = None) -> EventView:
    """Close an event where it is handled, with what was done and what the reporter was told (后有反馈)."""
    ev = _event(ctx.session, code, expected_version, ctx.actor, "event.close")
    authority.require(ctx.actor, "event.close", ev.handler_path)
    if ev.status == "closed":
        raise Rejected([Problem("事件已办结", "the event is already closed", field="status")])
    lowest = TIERS[ev.tier].closes
    if list(LEVELS).index(ev.handler_level) < list(LEVELS).index(lowest):
        raise Rejected([Problem(f"此类事件须由{LEVEL_NAMES[lowest][0]}办结（{TIERS[ev.tier].zh}），请先上报",
                                f"this event is closed by the {lowest} ({TIERS[ev.tier].en}): forward it first",
                                field="handler_level")])
    res = _text("resolution", resolution, required=True, zh="办理结果")
    back = _text("feedback", feedback, required=True, zh="向反映人反馈")
    ev.status, ev.closed_by, ev.closed_at, ev.resolution, ev.feedback = "closed", ctx.actor.username, ctx.now, res, back
    _step(ctx, ev, "close", text=f"{res}\n反馈: {back}")
    ctx.record("event.close", "event", code, path=ev.path, old={"status": "open"},
               new={"status": "closed", "feedback": back}, reason=res)
    return _view_of(ctx.session, ev, ctx.now)


def reopen_event(ctx: WriteContext, code: str, reason: str, *, expected_version: int | None = None) -> EventView:
    """Reopen a closed event (the reporter is not satisfied, it came back) at the level that closed it."""
    ev = _event(ctx.session, code, expected_version, ctx.actor, "event.reopen")
    authority.require(ctx.actor, "event.reopen", ev.path)
    if ev.status != "closed":
        raise Rejected([Problem("事件未办结，无需重新打开", "the event is not closed", field="status")])
    body = _text("note", reason, required=True, zh="重新打开的原因")
    old = {"status": "closed", "closed_by": ev.closed_by, "closed_at": ev.closed_at}
    ev.status, ev.closed_by, ev.closed_at = "open", None, None
    ev.reopened += 1
    ev.due_at = due_time(ctx.session, ctx.now, ev.handler_level, ev.urgency)
    _step(ctx, ev, "reopen", text=body, to_level=ev.handler_level)
    ctx.record("event.reopen", "event", code, path=ev.path, old=old, new={"status": "open", "due_at": ev.due_at},
               reason=body)
    return _view_of(ctx.session, ev, ctx.now)


# --- reads ---------------------------------------------------------------------------------------------------------

_COLUMNS = ["code", "kind", "tier", "urgency", "status", "handler_level", "handler_code", "handler_name",
            "grid_code", "grid_name", "place_code", "text", "reporter_name", "reporter_phone", "tracker",
            "reported_at", "due_at", "closed_at", "closed_by", "resolution", "feedback", "reopened", "source",
            "lon", "lat", "overdue", "version"]


def day_bounds(day: dt.date, days: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of `days` local days from `day` as stored times (UTC, naive): "today" is the server's day."""
    start = dt.datetime.combine(day, dt.time()).astimezone(dt.timezone.utc).replace(tzinfo=None)
    return start, start + dt.timedelta(days=days)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def events_frame(session: Session, actor: Actor, scope_path: str | None = None, *, status: str | None = None,
                 waiting_on_me: bool = False, overdue_only: bool = False, since: dt.datetime | None = None,
                 now: dt.datetime | None = None, limit: int = 5000) -> pd.DataFrame:
    """Events whose grid lies under `scope_path` (default: the actor's scope), newest first.

    `waiting_on_me`: only open ones the actor's own unit handles now. Reporter name and phone are shown in full to
    the staff of the event's own grid and masked for everyone else (person-level data of one's own grid only)."""
    path = scope_path if scope_path is not None else actor.scope_path
    authority.require(actor, "event.read", path)
    if path is not None and actor.scope_path is not None and not path.startswith(actor.scope_path):
        raise scope.outside_scope()
    now = now or _now()
    grid, handler = Unit.__table__.alias("g"), Unit.__table__.alias("h")
    b = Building.__table__
    q = (select(FieldEvent.code, FieldEvent.kind, FieldEvent.tier, FieldEvent.urgency, FieldEvent.status,
                FieldEvent.handler_level, handler.c.code.label("handler_code"), handler.c.name.label("handler_name"),
                grid.c.code.label("grid_code"), grid.c.name.label("grid_name"),
                func.coalesce(b.c.code, grid.c.code).label("place_code"), FieldEvent.text,
                FieldEvent.reporter_name, FieldEvent.reporter_phone, FieldEvent.tracker, FieldEvent.reported_at,
                FieldEvent.due_at, FieldEvent.closed_at, FieldEvent.closed_by, FieldEvent.resolution,
                FieldEvent.feedback, FieldEvent.reopened, FieldEvent.source, FieldEvent.lon, FieldEvent.lat,
                FieldEvent.path, FieldEvent.handler_path, FieldEvent.version)
         .join(grid, grid.c.id == FieldEvent.grid_id).join(handler, handler.c.id == FieldEvent.handler_id)
         .outerjoin(b, b.c.id == FieldEvent.building_id)
         .order_by(FieldEvent.reported_at.desc()).limit(limit))
    if path is not None:
        q = q.where(under(FieldEvent.path, path))
    if status:
        q = q.where(FieldEvent.status == status)
    if waiting_on_me:
        q = q.where(FieldEvent.status == "open")
        q = q.where(FieldEvent.handler_path == actor.scope_path) if actor.scope_path else \
            q.where(FieldEvent.handler_level == "district")
    if overdue_only:
        q = q.where(FieldEvent.status == "open", FieldEvent.due_at < now)
    if since is not None:
        q = q.where(or_(FieldEvent.reported_at >= since, FieldEvent.closed_at >= since))
    rows = session.execute(q).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows], columns=[*_COLUMNS, "path", "handler_path"])
    frame["overdue"] = (frame["status"] == "open") & (frame["due_at"] < now) if len(frame) else []
    if len(frame):
        shown = scope.identifiers_shown(actor, frame["path"].tolist())
        hidden = [not s for s in shown]
        frame.loc[hidden, "reporter_phone"] = frame.loc[hidden, "reporter_phone"].map(scope.mask_phone)
        frame.loc[hidden, "reporter_name"] = frame.loc[hidden, "reporter_name"].map(
            lambda n: (n[0] + "*" * (len(n) - 1)) if isinstance(n, str) and n else n)
    return frame[_COLUMNS].reset_index(drop=True)


def event_card(session: Session, actor: Actor, code: str, now: dt.datetime | None = None
               ) -> tuple[EventView, pd.DataFrame]:
    """One event and its trail (steps, oldest first), read under the actor's scope."""
    ev = _event(session, code, actor=actor, action="event.read")
    authority.require(actor, "event.read", ev.path)
    view = _view_of(session, ev, now or _now())
    if not scope.sees_identifiers(actor, ev.path):
        name = view.reporter_name
        view = EventView(**{**view.__dict__, "reporter_phone": scope.mask_phone(view.reporter_phone),
                            "reporter_name": (name[0] + "*" * (len(name) - 1)) if name else name})
    steps = session.execute(select(FieldEventStep.at, FieldEventStep.actor, FieldEventStep.step,
                                   FieldEventStep.from_level, FieldEventStep.to_level, FieldEventStep.text)
                            .where(FieldEventStep.event_id == ev.id).order_by(FieldEventStep.id)).mappings().all()
    return view, pd.DataFrame([dict(s) for s in steps],
                              columns=["at", "actor", "step", "from_level", "to_level", "text"])


def _wall_counts(day: dt.date, now: dt.datetime) -> list:
    """The wall's event figures as SQL counts, in COUNT_FIGURES order: one rule for the city's numbers and for
    the units behind them (`event_counts`, `event_counts_by_path`)."""
    start, end = day_bounds(day)
    is_open = FieldEvent.status == "open"
    return [func.count().filter(is_open),
            func.count().filter(and_(is_open, FieldEvent.due_at < now)),
            func.count().filter(and_(FieldEvent.closed_at >= start, FieldEvent.closed_at < end,
                                     FieldEvent.status == "closed")),
            func.count().filter(and_(FieldEvent.reported_at >= start, FieldEvent.reported_at < end))]


#: the figures `_wall_counts` counts, in its order
COUNT_FIGURES = ("events_open", "events_overdue", "events_closed_today", "events_logged_today")


def event_counts(session: Session, scope_path: str | None, day: dt.date, now: dt.datetime | None = None
                 ) -> dict[str, int]:
    """Counts only (the wall): open, overdue, closed on `day`, logged on `day`, under `scope_path`."""
    where = [under(FieldEvent.path, scope_path)] if scope_path else []
    q = select(*_wall_counts(day, now or _now())).select_from(FieldEvent).where(*where)
    return {k: int(v) for k, v in zip(COUNT_FIGURES, session.execute(q).one(), strict=True)}


def event_counts_by_path(session: Session, scope_path: str | None, day: dt.date, now: dt.datetime | None = None
                         ) -> pd.DataFrame:
    """The same counts per place an event lies at (its `path`: a grid or below), one query: the wall rolls them
    up to the units behind a figure (geodata.reporting.selection). Counts only."""
    where = [under(FieldEvent.path, scope_path)] if scope_path else []
    q = (select(FieldEvent.path, *_wall_counts(day, now or _now())).where(*where).group_by(FieldEvent.path))
    frame = pd.DataFrame(session.execute(q).all(), columns=["path", *COUNT_FIGURES])
    return frame.astype({k: int for k in COUNT_FIGURES})


def overdue_by_level(session: Session, actor: Actor, scope_path: str | None = None,
                     now: dt.datetime | None = None) -> dict[str, int]:
    """Open events past their due time under the scope, per level that handles them (网格/社区/街道/区)."""
    path = scope_path if scope_path is not None else actor.scope_path
    authority.require(actor, "event.read", path)
    now = now or _now()
    q = (select(FieldEvent.handler_level, func.count()).where(FieldEvent.status == "open", FieldEvent.due_at < now)
         .group_by(FieldEvent.handler_level))
    if path:
        q = q.where(under(FieldEvent.path, path))
    found = dict(session.execute(q).all())
    return {level: int(found.get(level, 0)) for level in LEVELS}


def open_points(session: Session, actor: Actor, scope_path: str | None = None, now: dt.datetime | None = None
                ) -> pd.DataFrame:
    """Open events as map points: code, kind, urgency, handler level, overdue, lon, lat (no names or phones)."""
    frame = events_frame(session, actor, scope_path, status="open", now=now)
    return frame[["code", "kind", "urgency", "handler_level", "overdue", "due_at", "lon", "lat"]]


# --- today's tasks (geodata.reporting.tasks.SOURCES) ------------------------------------------------------------


def event_tasks(session: Session, actor: Actor, day: dt.date) -> list[Task]:  # noqa: ARG001 — due times are their own
    """Open events waiting on the actor's own unit (to close or forward), and those the actor tracks (首问负责制)
    wherever they are handled; each due by its due time, so an overdue one is listed first."""
    if actor.scope_path is None or not authority.allowed(actor, "event.read", actor.scope_path):
        return []
    q = (select(FieldEvent).where(FieldEvent.status == "open", or_(
        FieldEvent.handler_path == actor.scope_path,
        and_(FieldEvent.tracker == actor.username, under(FieldEvent.path, actor.scope_path))))
         .order_by(FieldEvent.due_at).limit(200))
    out = []
    for ev in session.execute(q).scalars():
        mine = ev.handler_path == actor.scope_path
        kind_zh, kind_en = KINDS.get(ev.kind, (ev.kind, ev.kind))
        level_zh, level_en = LEVEL_NAMES[ev.handler_level]
        summary = ev.text if len(ev.text) <= 40 else ev.text[:40] + "…"
        out.append(Task("event", ev.code, f"事件（{kind_zh}）：{summary}", f"Event ({kind_en}): {summary}", ev.path,
                        local(ev.due_at),  # a task's `due` is local time (geodata.base.tasks)
                        "待本级办结或上报" if mine else f"我跟踪的事件（{level_zh}办理中）",
                        "to close or forward" if mine else f"you track it (with the {level_en})",
                        page="events", params=(("event", ev.code),),
                        action="event.close" if mine else "event.note"))
    return out


# --- bulk (the demo city) ----------------------------------------------------------------------------------------

CHUNK = 5000


def _system_only(ctx: WriteContext, what_zh: str, what_en: str) -> None:
    if ctx.actor.role != authority.SYSTEM:
        raise PermissionDenied(f"只有系统进程可以批量写入{what_zh}", f"only system processes bulk-write {what_en}")


def insert_events(ctx: WriteContext, frame: pd.DataFrame) -> int:
    """Bulk-insert events already made consistent by a generator (the demo city: system processes only), each with
    its "log" step and, when closed, its "close" step; one audit event for the batch, as for shifts and reports.

    Columns: code, grid_code, building_code (or None), kind, tier, urgency, text, handler_level, status, tracker,
    reported_at, due_at, closed_at, closed_by, resolution, feedback (times UTC)."""
    _system_only(ctx, "事件", "events")
    authority.require(ctx.actor, "event.log")
    if frame.empty:
        return 0
    units = {c: (i, p) for i, c, p in ctx.session.execute(select(Unit.id, Unit.code, Unit.path).where(
        Unit.level <= int(Level.GRID)))}
    paths = {i: p for i, p in units.values()}
    codes = [c for c in frame["building_code"].dropna().unique().tolist()]
    buildings: dict[str, tuple[int, int | None, float, float]] = {}
    for start in range(0, len(codes), CHUNK):
        for code, bid, cid, x, y in ctx.session.execute(select(
                Building.code, Building.id, Building.compound_id, Building.lon, Building.lat).where(
                Building.code.in_(codes[start:start + CHUNK]))):
            buildings[code] = (bid, cid, x, y)
    rows = []
    for r in frame.to_dict("records"):
        gid, gpath = units[r["grid_code"]]
        hid = path_ids(gpath)[int(LEVELS[r["handler_level"]]) - 1]
        bid, cid, x, y = buildings.get(r.get("building_code") or "", (None, None, None, None))
        closed = r["status"] == "closed"
        rows.append({
            "code": r["code"], "grid_id": gid, "path": gpath, "building_id": bid, "compound_id": cid, "lon": x,
            "lat": y, "kind": r["kind"], "tier": r["tier"], "urgency": r["urgency"], "text": r["text"],
            "reporter_name": None, "reporter_phone": None, "handler_level": r["handler_level"], "handler_id": hid,
            "handler_path": paths[hid], "status": r["status"], "tracker": r["tracker"], "reported_by": r["tracker"],
            "reported_at": r["reported_at"], "due_at": r["due_at"], "closed_by": r["closed_by"] if closed else None,
            "closed_at": r["closed_at"] if closed else None, "resolution": r["resolution"] if closed else None,
            "feedback": r["feedback"] if closed else None, "reopened": 0, "source": "demo", "patrol_id": None,
            "version": 1})
    for start in range(0, len(rows), CHUNK):
        ctx.session.execute(insert(FieldEvent), rows[start:start + CHUNK])
    ids = dict(ctx.session.execute(select(FieldEvent.code, FieldEvent.id).where(FieldEvent.source == "demo")).all())
    steps = []
    for r in rows:
        steps.append({"event_id": ids[r["code"]], "at": r["reported_at"], "actor": r["tracker"], "step": "log",
                      "from_level": None, "to_level": r["handler_level"], "text": r["text"]})
        if r["status"] == "closed":
            steps.append({"event_id": ids[r["code"]], "at": r["closed_at"], "actor": r["closed_by"],
                          "step": "close", "from_level": None, "to_level": None,
                          "text": f"{r['resolution']}\n反馈: {r['feedback']}"})
    for start in range(0, len(steps), CHUNK):
        ctx.session.execute(insert(FieldEventStep), steps[start:start + CHUNK])
    ctx.record("event.import", "event", None, new={"inserted": len(rows)})
    return len(rows)


# --- an office's event ledger (Excel) ----------------------------------------------------------------------------

#: ledger columns: our name → the Chinese header offices use (export writes these, import reads them)
LEDGER_HEADERS: dict[str, str] = {
    "code": "事件编号", "grid_code": "网格编码", "grid_name": "网格", "place_code": "地点编码", "kind": "事件类型",
    "tier": "分级", "urgency": "紧急程度", "text": "事件内容", "reporter_name": "反映人",
    "reporter_phone": "反映人电话", "tracker": "首问责任人", "handler_level": "办理层级", "handler_name": "办理单位",
    "status": "状态", "reported_at": "登记时间", "due_at": "办结时限", "overdue": "是否超期", "closed_at": "办结时间",
    "closed_by": "办结人", "resolution": "办理结果", "feedback": "反馈情况", "reopened": "重新打开次数",
}


def _term(value: Any, terms: dict[str, Any], field: str, zh: str, row: int) -> str:
    """A ledger cell as our term: the term itself or its Chinese/English label."""
    text = "" if value is None else str(value).strip()
    for key, names in terms.items():
        words = (names.zh, names.en) if isinstance(names, Tier) else names
        if text == key or text in words or any(text and w.startswith(text) for w in words):
            return key
    raise Rejected([Problem(f"{zh}无法识别: {text}", f"unknown {field}: {text!r}", field=field, row=row)])


def import_ledger(ctx: WriteContext, records: list[dict[str, Any]]) -> list[str]:
    """Import an office's event ledger (rows keyed by LEDGER_HEADERS' Chinese headers or our names): each row is
    logged through `log_event` (and closed through `close_event` when its status says 已办结), so scope, the field
    registry and the audit apply row by row. All or nothing: every problem is named by its sheet row (the header is
    row 1) and nothing is written when any row is refused."""
    by_header = {v: k for k, v in LEDGER_HEADERS.items()}
    problems: list[Problem] = []
    codes: list[str] = []
    for i, raw in enumerate(records):
        row = {by_header.get(str(k).strip(), str(k).strip()): v for k, v in raw.items()}
        row = {k: (None if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "" else v)
               for k, v in row.items()}
        n = int(row.pop("row", None) or i + 2)  # the row a person sees in the file, when the reader knows it
        try:
            if not row.get("grid_code"):
                raise Rejected([Problem("缺少网格编码", "grid code missing", field="grid_code", row=n)])
            kind = _term(row.get("kind") or "request", KINDS, "kind", "事件类型", n)
            tier = _term(row.get("tier") or "general", TIERS, "tier", "分级", n)
            urgency = _term(row.get("urgency") or "normal", URGENCIES, "urgency", "紧急程度", n)
            status = _term(row.get("status") or "open", STATUSES, "status", "状态", n)
            at = row.get("reported_at")
            at = pd.Timestamp(at).to_pydatetime() if at is not None else None
            place = str(row["place_code"]).strip() if row.get("place_code") else None
            is_building = place is not None and ctx.session.execute(
                select(Building.id).where(Building.code == place)).first() is not None
            ev = log_event(ctx, str(row["grid_code"]).strip(), str(row.get("text") or ""), kind=kind, tier=tier,
                           urgency=urgency, building_code=place if is_building else None,
                           compound_code=place if place and not is_building else None,
                           reporter_name=row.get("reporter_name"),
                           reporter_phone=None if row.get("reporter_phone") is None else str(row["reporter_phone"]),
                           code=None if row.get("code") is None else str(row["code"]), source="import",
                           reported_at=at)
            if status == "closed":
                close_event(ctx, ev.code, str(row.get("resolution") or ""), str(row.get("feedback") or ""))
            codes.append(ev.code)
        except Rejected as exc:
            problems += [Problem(p.message_zh, p.message_en, field=p.field, row=n) for p in exc.problems]
    if problems:
        raise Rejected(problems)
    return codes
