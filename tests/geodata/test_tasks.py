"""Today's tasks of a field worker (issue 16 point 1): the rules behind the phone's first screen — scoped to the
person's own grid or community, due times from the rules, overdue first, and one source list others extend."""
from __future__ import annotations

import datetime as dt

from geodata.base.tasks import Task
from geodata.people.accounts import create_user
from geodata.reporting import tasks
from geodata.reporting.reports import submit_report
from geodata.situation.observations import assign_signer, record_health_check
from geodata.store.writes import Actor, write
from tests.factories import TODAY, load_small_city
from tests.risk_helpers import SYSTEM, run, unit


def actor(store, username, role, code):
    return Actor(username, role, unit(store, code).path)


#: the sources of this module's rules (other helpers add theirs to tasks.SOURCES, tested with their records)
OWN = [tasks.daily_report_tasks, tasks.health_check_tasks, tasks.release_tasks, tasks.disinfection_tasks]


def tasks_of(store, who, now=None, sources=OWN):
    with store.read() as s:
        return tasks.tasks_for(s, who, TODAY, now or dt.datetime.combine(TODAY, dt.time(9)), sources=sources)


def test_grid_leader_sees_own_grid_tasks_report_and_checks_then_they_go_when_done(store):
    load_small_city(store)
    grid = actor(store, "grid", "grid_leader", "G11")
    got = tasks_of(store, grid)
    kinds = [(t.kind, t.code) for t in got]
    # the community report (due 16:00) and the two health checks of O1 (张三 in G11); nothing of G21's O2
    assert ("daily_report", "C1") in kinds and ("health_check", "O1") in kinds
    assert not any(t.code == "O2" for t in got)
    check = next(t for t in got if t.kind == "health_check")
    assert check.title_zh == "健康随访：张三" and "0/2" in check.detail_zh
    assert dict(check.params) == {"code": "G11", "section": "observations", "record": "O1"}
    report = next(t for t in got if t.kind == "daily_report")
    assert report.due == dt.datetime.combine(TODAY, dt.time(16)) and report.status == "due"
    assert report.page == "reports"

    # a grid leader of the other grid of the community: the report, not 张三
    other = tasks_of(store, actor(store, "g12", "grid_leader", "G12"))
    assert [t.kind for t in other] == ["daily_report"]

    # two checks done, the report in: nothing left
    for temp in (36.5, 36.6):
        run(store, SYSTEM, record_health_check, "O1", on=TODAY, temperature=temp)
    assert [t.kind for t in tasks_of(store, grid)] == ["daily_report"]
    write(store, SYSTEM, lambda ctx: submit_report(ctx, "C1", TODAY, zero=False,
                                                   now=dt.datetime.combine(TODAY, dt.time(10))))
    assert tasks_of(store, grid) == []


def test_after_the_cutoff_the_report_is_overdue_and_listed_first(store):
    load_small_city(store)
    head = actor(store, "head", "community_head", "C1")
    got = tasks_of(store, head, now=dt.datetime.combine(TODAY, dt.time(16, 30)))
    assert got[0].kind == "daily_report" and got[0].overdue
    assert all(t.status == "due" for t in got[1:])


def test_release_due_is_a_task_only_for_the_assigned_signer(store):
    load_small_city(store)  # O2 of 王五 (G21) started 14 days ago: its planned end is today
    write(store, SYSTEM, lambda ctx: create_user(ctx, "head2", "王书记", "community_head", "C2", "secret-password"))
    head2 = actor(store, "head2", "community_head", "C2")
    assert not [t for t in tasks_of(store, head2) if t.kind == "release"]  # nobody named yet
    run(store, SYSTEM, assign_signer, "O2", "cadre", "head2")
    release = [t for t in tasks_of(store, head2) if t.kind == "release"]
    assert [(t.code, t.action) for t in release] == [("O2", "release.sign.cadre")]
    assert "今日到期" in release[0].detail_zh and release[0].title_zh.endswith("王五")
    # the next day it is overdue, and sorts before today's health checks
    with store.read() as s:
        later = tasks.tasks_for(s, head2, TODAY + dt.timedelta(days=1),
                                dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(9)), sources=OWN)
    assert later[0].kind == "release" and later[0].overdue and "已超期 1 天" in later[0].detail_zh


def test_the_wall_and_the_command_centre_get_no_person_tasks(store):
    load_small_city(store)
    for who in (Actor("wall", "viewer"), Actor("command", "command")):
        assert not [t for t in tasks_of(store, who) if t.kind in ("health_check", "release")]


def test_a_new_source_is_one_entry_in_the_list(store):
    load_small_city(store)

    def patrols(session, who, day):
        return [Task("patrol", "PT1", "巡查", "Patrol", who.scope_path, None)]

    got = tasks_of(store, actor(store, "grid", "grid_leader", "G11"), sources=[*OWN, patrols])
    assert set(OWN) <= set(tasks.SOURCES)
    assert got[-1].kind == "patrol" and got[-1].status == "open"


def test_communities_to_chase_before_the_cutoff_with_leader_and_phone_for_contact_readers_only(store):
    load_small_city(store)
    write(store, SYSTEM, lambda ctx: submit_report(ctx, "C2", TODAY, zero=False,
                                                   now=dt.datetime.combine(TODAY, dt.time(9))))
    morning = dt.datetime.combine(TODAY, dt.time(10))
    with store.read() as s:
        sup = tasks.reports_to_chase(s, actor(store, "sup", "supervisor", "S1"), "S1", TODAY, morning)
        wall = tasks.reports_to_chase(s, Actor("wall", "viewer"), "S1", TODAY, morning)
        evening = tasks.reports_to_chase(s, actor(store, "sup", "supervisor", "S1"), "S1", TODAY,
                                         dt.datetime.combine(TODAY, dt.time(17)))
    # before 16:00 the community not yet in is named, pending, with its leader and phone
    assert sup[["code", "status", "leader_name", "leader_phone"]].values.tolist() == [
        ["C1", "pending", "王书记", "13800000000"]]
    assert not sup["contacts_hidden"].any()
    assert wall["leader_name"].isna().all() and wall["leader_phone"].isna().all() and wall["contacts_hidden"].all()
    assert evening["status"].tolist() == ["missing"]
