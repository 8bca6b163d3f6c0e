"""Residents' requests by tier (domain file scenario 21; `003_95f0023bc3eb152a.txt` §一/§四/§七).

"小事不出社区，大事不出街道": a general request (一般性) is handled in the grid and can be closed on the spot
("解决一件注销一件"); one the community handles stays with the community; an urgent one, or one the community
cannot handle alone (紧急/社区不能独立办理), goes to the street — and the grid worker who took it stays its
tracker (首问负责制) until the street closes it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level
from geodata.people import authority
from geodata.store.hierarchy import is_under, path_ids, unit_by_code
from geodata.store.issue_models import GridIssue
from geodata.store.models import Unit
from geodata.store.writes import WriteContext

#: tier → who handles it and what it is called; who may close it there is the action "issue.close.<tier>" of
#: geodata.people.authority, who may log one "issue.log"
TIERS: dict[str, tuple[str, str, str]] = {
    "general": ("grid", "一般性", "general"),
    "community": ("community", "社区办理", "community"),
    "street": ("street", "紧急/社区不能独立办理", "urgent / beyond the community"),
}
MAX_TEXT = 10_000


@dataclass(frozen=True)
class IssueView:
    code: str
    tier: str
    handler_level: str
    status: str
    tracker: str


def _view(issue: GridIssue) -> IssueView:
    return IssueView(issue.code, issue.tier, issue.handler_level, issue.status, issue.tracker)


def _check_text(name: str, zh: str, value: str | None, *, required: bool = False) -> None:
    if required and not (value or "").strip():
        raise Rejected([Problem(f"{zh}不能为空", f"{name} is required", field=name)])
    if value is not None and len(value) > MAX_TEXT:
        raise Rejected([Problem(f"{zh}过长（最多{MAX_TEXT}字）", f"{name} is too long (max {MAX_TEXT})", field=name)])


def log_issue(ctx: WriteContext, grid_code: str, description: str, tier: str, *, resident_name: str | None = None,
              resident_phone: str | None = None, category: str | None = None) -> IssueView:
    """Record a request taken in a grid; route it by tier. The one who logs it tracks it."""
    authority.require(ctx.actor, "issue.log")
    if tier not in TIERS:
        raise Rejected([Problem(f"未知分级 {tier}", f"unknown tier {tier!r} (general, community, street)",
                                field="tier")])
    _check_text("description", "事项内容", description, required=True)
    _check_text("resident_name", "姓名", resident_name)
    grid = unit_by_code(ctx.session, grid_code)
    if grid.level != Level.GRID:
        raise Rejected([Problem("应为网格编码", "must be a grid code", field="grid_code")])
    authority.require(ctx.actor, "issue.log", grid.path)
    handler = TIERS[tier][0]
    issue = GridIssue(
        code=f"ISS-{uuid.uuid4().hex[:10].upper()}", grid_id=grid.id, path=grid.path, category=category,
        description=description, resident_name=resident_name, resident_phone=resident_phone, tier=tier,
        handler_level=handler, status="routed" if handler == "street" else "open",
        tracker=ctx.actor.username, reported_by=ctx.actor.username, reported_at=ctx.now)
    ctx.session.add(issue)
    ctx.session.flush()
    ctx.record("issue.log", "issue", issue.code, path=grid.path,
               new={"tier": tier, "handler_level": handler, "status": issue.status, "tracker": issue.tracker},
               reason=f"{TIERS[tier][1]} / {TIERS[tier][2]}")
    return _view(issue)


def close_issue(ctx: WriteContext, code: str, resolution: str) -> IssueView:
    """Close a request where it is handled: on the spot for a general one, by the street for a routed one."""
    _check_text("resolution", "办理结果", resolution, required=True)
    issue = ctx.session.execute(select(GridIssue).where(GridIssue.code == code)).scalar_one_or_none()
    if issue is None:
        raise Rejected([Problem(f"事项不存在: {code}", f"no such request: {code}", field="code")])
    if issue.status == "closed":
        raise Rejected([Problem("事项已办结", "the request is already closed", field="status")])
    authority.require(ctx.actor, f"issue.close.{issue.tier}", issue.path)
    old = {"status": issue.status}
    issue.status, issue.closed_by, issue.closed_at, issue.resolution = "closed", ctx.actor.username, ctx.now, resolution
    ctx.record("issue.close", "issue", code, path=issue.path, old=old, new={"status": "closed"}, reason=resolution)
    return _view(issue)


def open_issues(session, scope_path: str | None, *, handler_level: str | None = None) -> list[IssueView]:
    """Open and routed requests under `scope_path`, optionally only those a level handles."""
    q = select(GridIssue).where(GridIssue.status != "closed").order_by(GridIssue.reported_at)
    if handler_level:
        q = q.where(GridIssue.handler_level == handler_level)
    return [_view(i) for i in session.execute(q).scalars() if is_under(i.path, scope_path)]


def street_of(session, issue_code: str) -> Unit:
    issue = session.execute(select(GridIssue).where(GridIssue.code == issue_code)).scalar_one()
    ids = path_ids(issue.path)
    return session.get(Unit, ids[int(Level.STREET) - 1])
