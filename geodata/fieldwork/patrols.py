"""Daily patrols and the work log (003 §八 七.1: "每天至少到网格巡查一次…认真填写网格责任人工作日志，做到工作日清周结")
and patrol teams (巡防队, 001 §十: "每个社区、村场都保证了3到5名专职巡防队员").

A grid worker records a patrol of their grid: start and end, the places visited (buildings or compounds of the grid)
or a route drawn on the map, notes, and findings — each finding becomes an event (geodata.fieldwork.events) in the
same transaction, so "a finding becomes an event in one step". Per grid and day: patrolled or not (the norm is
the setting "patrol" `per_day`); per grid and week: the summary (日清周结). A community keeps its patrol teams and
their members; the norm of 3–5 members is shown against each team.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pandas as pd
from shapely.geometry import Point
from sqlalchemy import Subquery, and_, delete, func, insert, select
from sqlalchemy.orm import Session

from geodata.base.clock import local_day
from geodata.base.layers import RULES, checked_text
from geodata.base.problems import PermissionDenied, Problem, Rejected
from geodata.base.tasks import Task
from geodata.base.vocab import Level
from geodata.fieldwork import events
from geodata.people import authority, reach
from geodata.store.field_models import FieldEvent, Patrol, PatrolTeam, PatrolTeamMember
from geodata.store.hierarchy import under
from geodata.store.models import Building, Unit
from geodata.store.rules_config import get_setting
from geodata.store.writes import Actor, WriteContext

MAX_FINDINGS = 20


def _text(name: str, value: str | None, *, zh: str, row: int | None = None) -> str | None:
    if value is None or not str(value).strip():
        return None
    stored, problem = checked_text(RULES["patrol"][name], name, str(value))
    if problem:
        raise Rejected([Problem(f"{zh}{problem[0]}", f"{name}: {problem[1]}", field=name, row=row)])
    return stored


def _grid(session: Session, code: str, actor: Actor | None = None) -> Unit:
    """The grid `code`; with `actor`, one answer for unknown and outside a scoped actor's scope (issue 18)."""
    grid = reach.find(session, actor, Unit, code, ("网格编码", "grid code"), field="grid_code")
    if grid.level != int(Level.GRID):
        raise Rejected([Problem(f"{code} 不是网格编码", f"{code} is not a grid code", field="grid_code")])
    return grid


def _places(session: Session, grid: Unit, codes: list[str]) -> list[str]:
    """The visited places, each a building or compound of `grid`; every stranger named by row."""
    codes = [c.strip() for c in codes if c and c.strip()]
    inside = set(session.execute(select(Building.code).where(Building.grid_id == grid.id, Building.code.in_(codes)))
                 .scalars())
    inside |= set(session.execute(select(Unit.code).where(Unit.parent_id == grid.id, Unit.code.in_(codes)))
                  .scalars())
    problems = [Problem(f"{c} 不是网格 {grid.code} 内的楼栋或小区", f"{c} is not a building or compound of grid "
                        f"{grid.code}", field="places", row=i + 1) for i, c in enumerate(codes) if c not in inside]
    if problems:
        raise Rejected(problems)
    return list(dict.fromkeys(codes))


def _route(grid: Unit, route: list[Any] | None) -> list[list[float]] | None:
    if not route:
        return None
    points = [[float(p[0]), float(p[1])] for p in route]
    # a route may leave the grid on the way (roads on its edge); it must touch it
    if not any(grid.geom.buffer(0.001).covers(Point(x, y)) for x, y in points):
        raise Rejected([Problem(f"巡查路线不经过网格 {grid.code}", f"the route does not pass grid {grid.code}",
                                field="route")])
    return points


def default_times(now: dt.datetime) -> tuple[dt.time, dt.time]:
    """A new patrol's default start and end on the form (local clock, on today's date): the hour up to `now`,
    but never before midnight — an hour back from 00:20 is 23:20, which on today's date comes after the end, and
    `record_patrol` refuses a patrol that ends before it starts."""
    end = now.replace(second=0, microsecond=0)
    start = max(end - dt.timedelta(hours=1), end.replace(hour=0, minute=0))
    return start.time(), end.time()


def record_patrol(ctx: WriteContext, grid_code: str, started_at: dt.datetime, ended_at: dt.datetime, *,
                  places: list[str] | None = None, route: list[Any] | None = None, notes: str | None = None,
                  findings: list[dict[str, Any]] | None = None, team_code: str | None = None,
                  code: str | None = None, day: dt.date | None = None) -> dict[str, Any]:
    """Record one patrol of a grid; each finding ({"text", "kind", "tier", "urgency", "building_code"…}) becomes an
    event logged by the same person (its tracker). Returns {"code", "events": [event codes]}."""
    authority.require(ctx.actor, "patrol.record")
    grid = _grid(ctx.session, grid_code, ctx.actor)
    authority.require(ctx.actor, "patrol.record", grid.path)
    if ended_at < started_at:
        raise Rejected([Problem("结束时间早于开始时间", "the patrol ends before it starts", field="ended_at")])
    if ended_at - started_at > dt.timedelta(hours=24):
        raise Rejected([Problem("一次巡查不能超过24小时", "one patrol cannot last more than 24 hours",
                                field="ended_at")])
    if started_at > ctx.now + dt.timedelta(minutes=5):
        raise Rejected([Problem("开始时间不能晚于现在", "the patrol cannot start in the future", field="started_at")])
    findings = [f for f in (findings or []) if str(f.get("text") or "").strip()]
    if len(findings) > MAX_FINDINGS:
        raise Rejected([Problem(f"一次最多登记{MAX_FINDINGS}条发现", f"at most {MAX_FINDINGS} findings",
                                field="findings")])
    visited = _places(ctx.session, grid, places or [])
    drawn = _route(grid, route)
    team_id = None
    if team_code:
        team = ctx.session.execute(select(PatrolTeam).where(PatrolTeam.code == team_code)).scalar_one_or_none()
        if team is None or not grid.path.startswith(team.path):
            raise Rejected([Problem(f"巡防队 {team_code} 不属于本社区", f"team {team_code} is not of this community",
                                    field="team_code")])
        team_id = team.id
    patrol = Patrol(code=code or f"PT-{uuid.uuid4().hex[:10].upper()}", grid_id=grid.id, path=grid.path,
                    patrol_date=day or local_day(started_at), started_at=started_at, ended_at=ended_at,
                    recorded_by=ctx.actor.username, team_id=team_id, places=visited, route=drawn,
                    notes=_text("notes", notes, zh="巡查记录"), findings=len(findings))
    ctx.session.add(patrol)
    ctx.session.flush()
    ctx.record("patrol.record", "patrol", patrol.code, path=grid.path,
               new={"grid": grid.code, "date": patrol.patrol_date, "started_at": started_at, "ended_at": ended_at,
                    "places": len(visited), "findings": len(findings)})
    logged = []
    for i, f in enumerate(findings):
        try:
            ev = events.log_event(
                ctx, grid.code, str(f["text"]), kind=f.get("kind") or "hazard", tier=f.get("tier") or "general",
                urgency=f.get("urgency") or "normal", building_code=f.get("building_code") or None,
                compound_code=f.get("compound_code") or None, lon=f.get("lon"), lat=f.get("lat"),
                reporter_name=f.get("reporter_name") or None, reporter_phone=f.get("reporter_phone") or None,
                patrol_id=patrol.id, source="patrol")
        except Rejected as exc:  # name the finding the problem is in
            raise Rejected([Problem(f"第{i + 1}条发现：{p.message_zh}", f"finding {i + 1}: {p.message_en}", field=p.field,
                                    row=i + 1)
                            for p in exc.problems]) from exc
        logged.append(ev.code)
    return {"code": patrol.code, "events": logged}


def save_team(ctx: WriteContext, community_code: str, name: str, members: list[dict[str, Any]], *,
              code: str | None = None) -> str:
    """Form a patrol team of a community, or replace an existing team's name and members (audited old → new)."""
    authority.require(ctx.actor, "team.edit")
    unit = reach.find(ctx.session, ctx.actor, Unit, community_code, ("社区编码", "community code"),
                      field="community_code")
    if unit.level != int(Level.COMMUNITY):
        raise Rejected([Problem(f"{community_code} 不是社区编码", f"{community_code} is not a community code",
                                field="community_code")])
    authority.require(ctx.actor, "team.edit", unit.path)
    team_name = _text("team_name", name, zh="巡防队名称")
    if not team_name:
        raise Rejected([Problem("巡防队名称不能为空", "the team needs a name", field="name")])
    rows = []
    for i, m in enumerate(members):
        member = _text("member_name", m.get("name"), zh="队员姓名", row=i + 1)
        if not member:
            continue
        rows.append({"name": member, "phone": _text("member_phone", m.get("phone"), zh="队员电话", row=i + 1),
                     "is_leader": bool(m.get("is_leader"))})
    if not rows:
        raise Rejected([Problem("巡防队至少要有一名队员", "a team needs at least one member", field="members")])
    team = None
    if code:
        team = ctx.session.execute(select(PatrolTeam).where(PatrolTeam.code == code)).scalar_one_or_none()
    old = None
    if team is None:
        team = PatrolTeam(code=code or f"TM-{uuid.uuid4().hex[:8].upper()}", community_id=unit.id, path=unit.path,
                          name=team_name, created_at=ctx.now, created_by=ctx.actor.username)
        ctx.session.add(team)
        ctx.session.flush()
    else:
        authority.require(ctx.actor, "team.edit", team.path)  # the team's current community too
        before = ctx.session.execute(select(PatrolTeamMember.name).where(PatrolTeamMember.team_id == team.id)
                                     .order_by(PatrolTeamMember.id)).scalars().all()
        old = {"name": team.name, "community": ctx.session.get(Unit, team.community_id).code,
               "members": list(before)}
        ctx.session.execute(delete(PatrolTeamMember).where(PatrolTeamMember.team_id == team.id))
        team.name, team.community_id, team.path = team_name, unit.id, unit.path
    ctx.session.add_all([PatrolTeamMember(team_id=team.id, **r) for r in rows])
    ctx.record("team.save", "patrol_team", team.code, path=unit.path, old=old,
               new={"name": team_name, "community": unit.code, "members": [r["name"] for r in rows]})
    return team.code


# --- reads ---------------------------------------------------------------------------------------------------------


def _scope(actor: Actor, scope_path: str | None) -> str | None:
    path = scope_path if scope_path is not None else actor.scope_path
    authority.require(actor, "patrol.read", path)
    return path


def grid_days(session: Session, actor: Actor, day: dt.date, scope_path: str | None = None) -> pd.DataFrame:
    """Every grid under the scope for `day`: code, name, community, patrols, findings, patrolled (≥ per_day)."""
    path = _scope(actor, scope_path)
    per_day = int(get_setting(session, "patrol")["per_day"])
    g, c = Unit.__table__.alias("g"), Unit.__table__.alias("c")
    counted = (select(Patrol.grid_id, func.count().label("patrols"), func.sum(Patrol.findings).label("findings"))
               .where(Patrol.patrol_date == day).group_by(Patrol.grid_id).subquery())
    q = (select(g.c.code, g.c.name, c.c.code.label("community_code"), c.c.name.label("community_name"),
                func.coalesce(counted.c.patrols, 0).label("patrols"),
                func.coalesce(counted.c.findings, 0).label("findings"))
         .join(c, c.c.id == g.c.parent_id).outerjoin(counted, counted.c.grid_id == g.c.id)
         .where(g.c.level == int(Level.GRID)).order_by(g.c.code))
    if path:
        q = q.where(under(g.c.path, path))
    frame = pd.DataFrame([dict(r) for r in session.execute(q).mappings()],
                         columns=["code", "name", "community_code", "community_name", "patrols", "findings"])
    frame["patrols"] = frame["patrols"].astype(int)
    frame["findings"] = frame["findings"].astype(int)
    frame["patrolled"] = frame["patrols"] >= per_day
    return frame


def _patrolled(session: Session, day: dt.date) -> Subquery:
    """The grids with their daily patrol (≥ the `patrol` setting's per_day) on `day`: one rule for the wall's
    count and for the grids behind it."""
    per_day = int(get_setting(session, "patrol")["per_day"])
    return (select(Patrol.grid_id).where(Patrol.patrol_date == day).group_by(Patrol.grid_id)
            .having(func.count() >= per_day).subquery())


def patrolled_by_grid(session: Session, scope_path: str | None, day: dt.date) -> pd.DataFrame:
    """Every grid under the scope with 1/0 in `grids_patrolled` and `grids_not_patrolled` on `day`, one query:
    the wall rolls them up to the units behind "今日未巡查网格" (geodata.reporting.selection). No names."""
    done = _patrolled(session, day)
    q = select(Unit.path, done.c.grid_id).select_from(Unit).outerjoin(done, done.c.grid_id == Unit.id).where(
        Unit.level == int(Level.GRID))
    if scope_path:
        q = q.where(under(Unit.path, scope_path))
    frame = pd.DataFrame(session.execute(q).all(), columns=["path", "grid_id"])
    patrolled = frame["grid_id"].notna().astype(int)
    return pd.DataFrame({"path": frame["path"], "grids_patrolled": patrolled, "grids_not_patrolled": 1 - patrolled})


def grids_not_patrolled(session: Session, scope_path: str | None, day: dt.date) -> dict[str, int]:
    """Counts only (the wall): grids under the scope, and those without their daily patrol on `day`."""
    done = _patrolled(session, day)
    q = select(func.count(), func.count(done.c.grid_id)).select_from(Unit).outerjoin(
        done, done.c.grid_id == Unit.id).where(Unit.level == int(Level.GRID))
    if scope_path:
        q = q.where(under(Unit.path, scope_path))
    total, patrolled = session.execute(q).one()
    return {"grids": int(total), "grids_patrolled": int(patrolled), "grids_not_patrolled": int(total - patrolled)}


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the ISO week of `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def weekly_summary(session: Session, actor: Actor, day: dt.date, scope_path: str | None = None) -> pd.DataFrame:
    """日清周结 per grid for the week of `day` (Monday to `day`): days patrolled of the days so far, patrols,
    findings, events logged and closed in the grid that week, events still open."""
    path = _scope(actor, scope_path)
    monday, _ = week_of(day)
    start, end = events.day_bounds(monday, (day - monday).days + 1)
    g = Unit.__table__.alias("g")
    pq = (select(Patrol.grid_id, func.count(func.distinct(Patrol.patrol_date)).label("days_patrolled"),
                 func.count().label("patrols"), func.sum(Patrol.findings).label("findings"))
          .where(Patrol.patrol_date >= monday, Patrol.patrol_date <= day).group_by(Patrol.grid_id).subquery())
    eq = (select(FieldEvent.grid_id,
                 func.count().filter(and_(FieldEvent.reported_at >= start, FieldEvent.reported_at < end))
                 .label("events_logged"),
                 func.count().filter(and_(FieldEvent.closed_at >= start, FieldEvent.closed_at < end,
                                          FieldEvent.status == "closed")).label("events_closed"),
                 func.count().filter(FieldEvent.status == "open").label("events_open"))
          .group_by(FieldEvent.grid_id).subquery())
    q = (select(g.c.code, g.c.name, *(func.coalesce(col, 0).label(col.name) for col in
                                      (pq.c.days_patrolled, pq.c.patrols, pq.c.findings, eq.c.events_logged,
                                       eq.c.events_closed, eq.c.events_open)))
         .outerjoin(pq, pq.c.grid_id == g.c.id).outerjoin(eq, eq.c.grid_id == g.c.id)
         .where(g.c.level == int(Level.GRID)).order_by(g.c.code))
    if path:
        q = q.where(under(g.c.path, path))
    cols = ["code", "name", "days_patrolled", "patrols", "findings", "events_logged", "events_closed", "events_open"]
    frame = pd.DataFrame([dict(r) for r in session.execute(q).mappings()], columns=cols)
    for col in cols[2:]:
        frame[col] = frame[col].astype(int)
    frame.insert(2, "days", (day - monday).days + 1)
    return frame


def patrol_log(session: Session, actor: Actor, since: dt.date, until: dt.date, scope_path: str | None = None
               ) -> pd.DataFrame:
    """The work log: every patrol under the scope between two days, newest first."""
    path = _scope(actor, scope_path)
    g = Unit.__table__.alias("g")
    q = (select(Patrol.code, g.c.code.label("grid_code"), g.c.name.label("grid_name"), Patrol.patrol_date,
                Patrol.started_at, Patrol.ended_at, Patrol.recorded_by, Patrol.places, Patrol.notes,
                Patrol.findings)
         .join(g, g.c.id == Patrol.grid_id).where(Patrol.patrol_date >= since, Patrol.patrol_date <= until)
         .order_by(Patrol.started_at.desc()))
    if path:
        q = q.where(under(Patrol.path, path))
    frame = pd.DataFrame([dict(r) for r in session.execute(q).mappings()],
                         columns=["code", "grid_code", "grid_name", "patrol_date", "started_at", "ended_at",
                                  "recorded_by", "places", "notes", "findings"])
    frame["places"] = frame["places"].map(lambda p: "、".join(p) if isinstance(p, list) else "")
    return frame


def teams(session: Session, actor: Actor, scope_path: str | None = None) -> pd.DataFrame:
    """Patrol teams under the scope with their members and whether they meet the 3–5 norm (setting "patrol")."""
    path = _scope(actor, scope_path)
    cfg = get_setting(session, "patrol")
    c = Unit.__table__.alias("c")
    q = (select(PatrolTeam.id, PatrolTeam.code, PatrolTeam.name, c.c.code.label("community_code"),
                c.c.name.label("community_name")).join(c, c.c.id == PatrolTeam.community_id)
         .order_by(c.c.code, PatrolTeam.code))
    if path:
        q = q.where(under(PatrolTeam.path, path))
    rows = [dict(r) for r in session.execute(q).mappings()]
    members: dict[int, list[str]] = {}
    if rows:
        for tid, name, leader in session.execute(
                select(PatrolTeamMember.team_id, PatrolTeamMember.name, PatrolTeamMember.is_leader)
                .where(PatrolTeamMember.team_id.in_([r["id"] for r in rows])).order_by(PatrolTeamMember.id)):
            members.setdefault(tid, []).append(f"{name}（队长）" if leader else name)
    frame = pd.DataFrame(rows, columns=["id", "code", "name", "community_code", "community_name"])
    frame["members"] = [len(members.get(i, [])) for i in frame["id"]]
    frame["member_names"] = ["、".join(members.get(i, [])) for i in frame["id"]]
    frame["meets_norm"] = frame["members"].between(int(cfg["team_min"]), int(cfg["team_max"]))
    return frame.drop(columns="id")


# --- today's tasks (geodata.reporting.tasks.SOURCES) ------------------------------------------------------------


def patrol_tasks(session: Session, actor: Actor, day: dt.date) -> list[Task]:
    """A grid worker's grid without its daily patrol on `day` (003 §八 七.1 每天至少到网格巡查一次), due at the day's
    end."""
    if actor.scope_path is None or not authority.allowed(actor, "patrol.record", actor.scope_path):
        return []
    frame = grid_days(session, actor, day)
    frame = frame[~frame["patrolled"]]
    if len(frame) > 50:  # a community's or a street's: the grids are on /patrol, one task says how many
        return [Task("patrol", "", f"今日未巡查网格 {len(frame)} 个", f"{len(frame)} grids not patrolled today",
                     actor.scope_path, dt.datetime.combine(day, dt.time(23, 59)), page="patrol",
                     action="patrol.record")]
    return [Task("patrol", code, f"网格巡查：{name}", f"Patrol the grid: {name}", None,
                 dt.datetime.combine(day, dt.time(23, 59)), "今日尚未巡查", "not patrolled today", page="patrol",
                 params=(("grid", code),), action="patrol.record")
            for code, name in zip(frame["code"], frame["name"], strict=True)]


def grids_in_scope(session: Session, actor: Actor, limit: int = 500) -> list[tuple[str, str]]:
    """(code, name) of the grids under the actor's scope, for a form's grid choice (a street's: the first 500)."""
    authority.require(actor, "patrol.read", actor.scope_path)
    q = select(Unit.code, Unit.name).where(Unit.level == int(Level.GRID)).order_by(Unit.code).limit(limit)
    if actor.scope_path:
        q = q.where(under(Unit.path, actor.scope_path))
    return [(c, n) for c, n in session.execute(q).all()]


def places_of(session: Session, actor: Actor, grid_code: str) -> list[tuple[str, str, str]]:
    """(code, name, "compound" | "building") of the compounds and buildings of a grid in the actor's scope: the
    places a patrol visits and an event happens at."""
    reach.role_first(actor, "patrol.read")
    grid = _grid(session, grid_code, actor)
    authority.require(actor, "patrol.read", grid.path)
    compounds = session.execute(select(Unit.code, Unit.name).where(Unit.parent_id == grid.id)
                                .order_by(Unit.code)).all()
    names = dict(compounds)
    buildings = session.execute(select(Building.code, Building.name, Unit.code).outerjoin(
        Unit, Unit.id == Building.compound_id).where(Building.grid_id == grid.id).order_by(Building.code)).all()
    return ([(c, n, "compound") for c, n in compounds]
            + [(b, f"{names.get(k, '')}{n}", "building") for b, n, k in buildings])


# --- bulk (the demo city) ----------------------------------------------------------------------------------------


def insert_patrols(ctx: WriteContext, patrols: pd.DataFrame, teams: pd.DataFrame, members: pd.DataFrame) -> int:
    """Bulk-insert generated patrols (code, grid_code, patrol_date, started_at, ended_at, recorded_by, places,
    findings), patrol teams (code, community_code, name) and their members (team_code, name, phone, is_leader):
    the demo city, system processes only; one audit event per table, as for shifts."""
    if ctx.actor.role != authority.SYSTEM:
        raise PermissionDenied("只有系统进程可以批量写入巡查记录", "only system processes bulk-write patrols")
    units = {c: (i, p) for i, c, p in ctx.session.execute(select(Unit.id, Unit.code, Unit.path).where(
        Unit.level.in_([int(Level.COMMUNITY), int(Level.GRID)])))}
    team_rows = [{"code": r["code"], "community_id": units[r["community_code"]][0],
                  "path": units[r["community_code"]][1], "name": r["name"], "created_at": ctx.now,
                  "created_by": ctx.actor.username, "version": 1} for r in teams.to_dict("records")]
    for start in range(0, len(team_rows), events.CHUNK):
        ctx.session.execute(insert(PatrolTeam), team_rows[start:start + events.CHUNK])
    ids = dict(ctx.session.execute(select(PatrolTeam.code, PatrolTeam.id)).all())
    member_rows = [{"team_id": ids[r["team_code"]], "name": r["name"], "phone": r["phone"],
                    "is_leader": bool(r["is_leader"])} for r in members.to_dict("records")]
    for start in range(0, len(member_rows), events.CHUNK):
        ctx.session.execute(insert(PatrolTeamMember), member_rows[start:start + events.CHUNK])
    rows = [{"code": r["code"], "grid_id": units[r["grid_code"]][0], "path": units[r["grid_code"]][1],
             "patrol_date": r["patrol_date"], "started_at": r["started_at"], "ended_at": r["ended_at"],
             "recorded_by": r["recorded_by"], "team_id": None, "places": list(r["places"]), "route": None,
             "notes": None, "findings": int(r["findings"])} for r in patrols.to_dict("records")]
    for start in range(0, len(rows), events.CHUNK):
        ctx.session.execute(insert(Patrol), rows[start:start + events.CHUNK])
    ctx.record("patrol.import", "patrol", None, new={"patrols": len(rows), "teams": len(team_rows),
                                                     "members": len(member_rows)})
    return len(rows)
