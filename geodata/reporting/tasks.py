"""Today's tasks of a field worker (今日待办, issue 16): what the signed-in person must do today in their own grid or
community — the daily report before the cut-off, health checks due, releases due or overdue and the sign-offs they
still need, disinfection below the day's norm (residents' requests and events come with their own source, from
the module that keeps them). The phone's first screen (/my-grid) only
renders what `tasks_for` returns.

How to add a kind of task (patrols and events, screening visits, care visits …):

1. write a task source — a function `(session, actor, day) -> list[Task]` (geodata.base.tasks.Task) — in the module
   that owns its records (a fieldwork module may hold it: Task lives on the base floor). It returns only what the
   actor may do: ask `authority.allowed(actor, "<action>", path)` per record and read only under
   `actor.scope_path`; put person names in a title only when `scope.can_read_persons` allows it there;
2. set `due` (local time) when the task has a deadline: the list marks it overdue once that time has passed, so
   a source never looks at the clock;
3. add the function to `SOURCES` below (one line). Nothing else changes: the page renders every task.

Sources (domain file §3.4 每日随访, §2.5 解除, scenario 12 日报, 000 §1(一)5 消毒).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace

import pandas as pd
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from geodata.base.tasks import DUE, OPEN, OVERDUE, Task
from geodata.base.vocab import Level
from geodata.fieldwork.care import care_tasks
from geodata.fieldwork.entries import gate_tasks
from geodata.fieldwork.events import event_tasks
from geodata.fieldwork.patrols import patrol_tasks
from geodata.fieldwork.screening import screening_tasks
from geodata.people import authority, scope
from geodata.reporting.reports import cutoff_at, report_status
from geodata.situation.disinfection import disinfection_compliance
from geodata.situation.observations import SIGN_ROLES, named_signer, releases_due
from geodata.store.hierarchy import path_ids, path_upper_bound
from geodata.store.models import DailyReport, Observation, Unit
from geodata.store.rules_config import get_setting
from geodata.store.writes import Actor

__all__ = ["SOURCES", "Task", "TaskSource", "chase_list", "reports_to_chase", "tasks_for"]

TaskSource = Callable[[Session, Actor, dt.date], list[Task]]

#: health checks a day per person under observation (README: "health checks twice a day"); the "observation"
#: setting's `checks_per_day` overrides it
CHECKS_PER_DAY = 2


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59))


def home_code(session: Session, actor: Actor) -> str | None:
    """The unit the actor's /my-grid opens on (their scope's unit, or the city): where their forms are."""
    ids = path_ids(actor.scope_path or "")
    if ids:
        return session.execute(select(Unit.code).where(Unit.id == ids[-1])).scalar()
    return session.execute(select(Unit.code).where(Unit.parent_id.is_(None)).order_by(Unit.id)).scalars().first()


def _scope_bounds(actor: Actor) -> dict[str, str]:
    lo = actor.scope_path or "/"
    return {"lo": lo, "hi": path_upper_bound(lo)}


# --- the sources ---------------------------------------------------------------------------------------------


def daily_report_tasks(session: Session, actor: Actor, day: dt.date) -> list[Task]:
    """The community's daily report of `day`, due at the cut-off (16:00), while it is not in (scenario 12)."""
    ids = path_ids(actor.scope_path or "")
    if len(ids) < int(Level.COMMUNITY):
        return []
    comm = session.get(Unit, ids[int(Level.COMMUNITY) - 1])
    if comm is None or not authority.allowed(actor, "report.submit", comm.path):
        return []
    submitted = session.execute(select(DailyReport.submitted_at).where(
        DailyReport.community_id == comm.id, DailyReport.report_date == day)).scalar()
    if submitted is not None:
        return []
    due = cutoff_at(session, day)
    return [Task("daily_report", comm.code, f"报送社区日报（{due:%H:%M}前）",
                 f"Submit the community's daily report (by {due:%H:%M})", comm.path, due,
                 f"{comm.name} · {day.isoformat()}", f"{comm.name} · {day.isoformat()}", page="reports",
                 params=(("code", comm.code),), action="report.submit")]


def _names(session: Session, actor: Actor, rows: pd.DataFrame, what: str) -> list[str]:
    """Each row's person name where the actor may read that person-level data, else the record code."""
    return [name if scope.can_read_persons(actor, path, what) else code
            for name, path, code in zip(rows["name"], rows["path"], rows["code"], strict=True)]


def health_check_tasks(session: Session, actor: Actor, day: dt.date) -> list[Task]:
    """Each person under observation on `day` with fewer than the day's health checks (§3.4 每日随访)."""
    per_day = int(get_setting(session, "observation").get("checks_per_day", CHECKS_PER_DAY))
    rows = session.execute(text(
        "SELECT o.code, o.path, p.name, (SELECT COUNT(*) FROM health_checks h WHERE h.observation_id = o.id "
        "AND h.checked_on = :day) FROM observations o JOIN persons p ON p.id = o.person_id "
        "WHERE o.start_date <= :day AND (o.released_on IS NULL OR o.released_on > :day) "
        "AND o.path >= :lo AND o.path < :hi ORDER BY o.code"), {"day": day, **_scope_bounds(actor)}).all()
    frame = pd.DataFrame(rows, columns=["code", "path", "name", "done"])
    may = [authority.allowed(actor, "health_check.record", p) for p in frame["path"]]
    frame = frame[(frame["done"] < per_day).to_numpy() & (pd.Series(may, dtype=bool).to_numpy())]
    home = home_code(session, actor)
    return [Task("health_check", code, f"健康随访：{who}", f"Health check: {who}", path, _end_of(day),
                 f"今日已随访 {done}/{per_day} 次", f"{done} of {per_day} checks today",
                 params=(("code", home), ("section", "observations"), ("record", code)),
                 action="health_check.record")
            for code, path, who, done in zip(frame["code"], frame["path"], _names(session, actor, frame,
                                                                                  "observations"),
                                             frame["done"], strict=True)]


def release_tasks(session: Session, actor: Actor, day: dt.date) -> list[Task]:
    """Observations whose planned end is today or past and not released, for each signature (包保干部 /
    包保医务人员) still missing that this actor signs (§2.5; overdue from the day after the planned end)."""
    due = releases_due(session, day, scope_path=actor.scope_path)
    if due.empty:
        return []
    obs = {o.code: o for o in session.execute(select(Observation).where(
        Observation.code.in_(due["code"].tolist()))).scalars()}
    names = dict(session.execute(text(
        "SELECT o.code, p.name FROM observations o JOIN persons p ON p.id = o.person_id WHERE o.code IN :codes"
    ).bindparams(bindparam("codes", expanding=True)), {"codes": due["code"].tolist()}).all())
    home = home_code(session, actor)
    out = []
    for row in due.itertuples():
        who = names.get(row.code, row.code) if scope.can_read_persons(actor, row.path, "observations") else row.code
        for role, (zh, en) in SIGN_ROLES.items():
            if getattr(row, f"{role}_signed_by") is not None:
                continue
            if not authority.allowed(actor, f"release.sign.{role}", row.path) or not named_signer(
                    session, actor, obs[row.code], role):
                continue
            end = row.planned_end
            late_zh = f"已超期 {row.days_overdue} 天" if row.days_overdue else "今日到期"
            late_en = f"{row.days_overdue} days overdue" if row.days_overdue else "due today"
            out.append(Task("release", row.code, f"解除观察签字（{zh}）：{who}",
                            f"Sign the release ({en}): {who}", row.path, _end_of(end),
                            f"计划解除 {end.isoformat()} · {late_zh}", f"planned end {end.isoformat()} · {late_en}",
                            params=(("code", home), ("section", "observations"), ("record", row.code)),
                            action=f"release.sign.{role}"))
    return out


def disinfection_tasks(session: Session, actor: Actor, day: dt.date) -> list[Task]:
    """Sealed buildings and sealed/closed villages below the day's disinfection norm (000 §1(一)5, §1(三)4)."""
    if not authority.allowed(actor, "disinfection.record"):
        return []
    frame = disinfection_compliance(session, day, scope_path=actor.scope_path)
    frame = frame[frame["short"]] if len(frame) else frame
    if frame.empty:
        return []
    kinds = frame["target_kind"].tolist()
    codes = frame["code"].tolist()
    units = dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())
    bnames = dict(session.execute(text("SELECT code, name FROM buildings WHERE code IN :codes").bindparams(
        bindparam("codes", expanding=True)), {"codes": codes}).all())
    grids = dict(session.execute(text(
        "SELECT b.code, g.code FROM buildings b JOIN units g ON g.id = b.grid_id WHERE b.code IN :codes"
    ).bindparams(bindparam("codes", expanding=True)), {"codes": codes}).all())
    out = []
    for kind, code, path, done, need in zip(kinds, codes, frame["path"], frame["done_today"], frame["required"],
                                            strict=True):
        if not authority.allowed(actor, "disinfection.record", path):
            continue
        name = (bnames.get(code) if kind == "building" else units.get(code)) or code
        params = ((("code", grids.get(code, "")), ("section", "buildings"), ("record", code)) if kind == "building"
                  else (("code", code), ("section", "status")))
        out.append(Task("disinfection", code, f"消毒：{name}", f"Disinfection: {name}", path, _end_of(day),
                        f"今日已消毒 {done}/{need} 次", f"{done} of {need} rounds today", params=params,
                        action="disinfection.record"))
    return out


#: every task source, in the order their tasks are listed at the same urgency; add yours here (see the docstring)
SOURCES: list[TaskSource] = [
    daily_report_tasks,
    health_check_tasks,
    release_tasks,
    disinfection_tasks,
    event_tasks,  # events waiting on my unit or tracked by me (geodata.fieldwork.events)
    patrol_tasks,  # my grid not patrolled today (geodata.fieldwork.patrols)
    screening_tasks,  # households still to visit in open rounds (geodata.fieldwork.screening)
    care_tasks,  # people of the care list due or overdue a visit (geodata.fieldwork.care)
    gate_tasks,  # fevers at my gates today (geodata.fieldwork.entries)
]


def _status(task: Task, now: dt.datetime) -> str:
    if task.due is None:
        return OPEN
    return OVERDUE if now > task.due else DUE


def tasks_for(session: Session, actor: Actor, day: dt.date, now: dt.datetime | None = None, *,
              sources: Iterable[TaskSource] | None = None) -> list[Task]:
    """Every task of every source for `actor` on `day`: overdue first, then by due time, then open-ended ones
    (in source order within each). `now` (local time, default the server clock) decides what is overdue."""
    now = now or dt.datetime.now()
    tasks = [t for source in (SOURCES if sources is None else sources) for t in source(session, actor, day)]
    tasks = [replace(t, status=_status(t, now)) for t in tasks]
    rank = {OVERDUE: 0, DUE: 1, OPEN: 2}
    return sorted(tasks, key=lambda t: (rank[t.status], t.due or dt.datetime.max))


# --- the street's and the command centre's to-do: communities whose report is not in -----------------------------


def reports_to_chase(session: Session, actor: Actor, unit_code: str, on: dt.date,
                     now: dt.datetime | None = None) -> pd.DataFrame:
    """The communities at or under `unit_code` whose report of `on` is not in — before the cut-off too (status
    "pending"), not only after it ("missing"), so a street can phone them before 16:00 (issue 16 point 5) — with
    their street, leader and phone. Leader and phone only for those who may read contacts ("contacts.read"), else
    None with `contacts_hidden` True: a page says so instead of showing a blank. The scope is the caller's
    (geodata.reporting.access checks the unit)."""
    return chase_list(report_status(session, unit_code, on, now), actor)


def chase_list(status: pd.DataFrame, actor: Actor) -> pd.DataFrame:
    """`reports_to_chase` from a `report_status` frame the caller already holds (the /reports page reads it once,
    cached, for its counts: reading it again cost a fifth of a page run at the 16:00 rush)."""
    out = status[~status["submitted"]].reset_index(drop=True)[
        ["code", "name", "street_name", "status", "leader_name", "leader_phone"]]
    hidden = not scope.sees_staff_contacts(actor)
    if hidden:
        out = out.assign(leader_name=None, leader_phone=None)
    return out.assign(contacts_hidden=hidden)
