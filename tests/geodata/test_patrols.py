"""Daily patrols (issue 15; 003 §八 七.1): a finding becomes an event in the same save, grids patrolled or not per
day, the weekly summary (日清周结), patrol teams against the 3–5 norm, and scope."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.fieldwork import patrols
from geodata.fieldwork.events import event_counts, events_frame
from geodata.reporting.tasks import tasks_for
from geodata.store.field_models import FieldEvent, Patrol
from geodata.store.models import Event, Unit
from geodata.store.writes import Actor, write
from tests.factories import load_small_city


def test_a_patrol_with_a_finding_logs_an_event_and_counts_the_grid_as_patrolled(store):
    load_small_city(store)
    with store.read() as s:
        p = {u.code: u.path for u in s.execute(select(Unit)).scalars()}
    worker, other = Actor("gridworker", "grid_leader", p["G11"]), Actor("other", "grid_leader", p["G21"])
    head, street = Actor("head1", "community_head", p["C1"]), Actor("boss", "supervisor", p["S1"])
    day = dt.date.today()
    start = dt.datetime.utcnow().replace(microsecond=0) - dt.timedelta(hours=1)
    with store.read() as s:
        assert patrols.grids_not_patrolled(s, p["S1"], day) == {"grids": 4, "grids_patrolled": 0,
                                                                  "grids_not_patrolled": 4}
        assert [t.code for t in tasks_for(s, worker, day) if t.kind == "patrol"] == ["G11"]
    with pytest.raises(PermissionDenied):  # not one's own grid
        write(store, other, lambda ctx: patrols.record_patrol(ctx, "G11", start, start + dt.timedelta(hours=1)))
    with pytest.raises(Rejected) as exc:  # a place of another grid, named by row; nothing written
        write(store, worker, lambda ctx: patrols.record_patrol(
            ctx, "G11", start, start + dt.timedelta(hours=1), places=["G11K1B1", "G21K1B1"]))
    assert [(x.field, x.row) for x in exc.value.problems] == [("places", 2)]
    with pytest.raises(Rejected):  # a bad finding refuses the whole patrol
        write(store, worker, lambda ctx: patrols.record_patrol(
            ctx, "G11", start, start + dt.timedelta(hours=1), findings=[{"text": "x", "building_code": "G21K1B1"}]))
    with pytest.raises(Rejected):
        write(store, worker, lambda ctx: patrols.record_patrol(ctx, "G11", start, start - dt.timedelta(minutes=1)))
    with store.read() as s:
        assert s.execute(select(Patrol)).first() is None and s.execute(select(FieldEvent)).first() is None

    done = write(store, worker, lambda ctx: patrols.record_patrol(
        ctx, "G11", start, start + dt.timedelta(hours=1), places=["G11K1B1", "G11K1"], notes="巡查正常",
        findings=[{"text": "3栋楼道堆放电动车", "kind": "hazard", "tier": "coordinate", "building_code": "G11K1B1"}],
        day=day))
    assert len(done["events"]) == 1
    with store.read() as s:
        ev = events_frame(s, head).iloc[0]
        assert (ev["code"], ev["handler_level"], ev["tracker"], ev["source"]) == (done["events"][0], "community",
                                                                                  "gridworker", "patrol")
        assert patrols.grids_not_patrolled(s, p["S1"], day)["grids_not_patrolled"] == 3
        assert patrols.grids_not_patrolled(s, p["S1"], day - dt.timedelta(days=1))["grids_not_patrolled"] == 4
        days = patrols.grid_days(s, street, day).set_index("code")
        assert days.loc["G11", "patrolled"] and not days.loc["G12", "patrolled"]
        week = patrols.weekly_summary(s, head, day).set_index("code")
        assert (week.loc["G11", "days_patrolled"], week.loc["G11", "findings"], week.loc["G11", "events_logged"],
                week.loc["G11", "events_open"]) == (1, 1, 1, 1)
        assert "G21" not in week.index  # another community's grid
        assert event_counts(s, p["S1"], day)["events_open"] == 1
        assert [t.kind for t in tasks_for(s, worker, day) if t.kind in ("patrol", "event")] == ["event"]
        actions = s.execute(select(Event.action).where(Event.action.in_(["patrol.record", "event.log"]))
                            .order_by(Event.id)).scalars().all()
    assert actions == ["patrol.record", "event.log"]


def test_patrol_teams_are_kept_by_their_community_against_the_norm(store):
    load_small_city(store)
    with store.read() as s:
        p = {u.code: u.path for u in s.execute(select(Unit)).scalars()}
    head, head2 = Actor("head1", "community_head", p["C1"]), Actor("head2", "community_head", p["C2"])
    worker = Actor("gridworker", "grid_leader", p["G11"])
    two = [{"name": "王伟", "phone": "13900000001", "is_leader": True}, {"name": "李强"}]
    with pytest.raises(PermissionDenied):  # grid workers do not form teams
        write(store, worker, lambda ctx: patrols.save_team(ctx, "C1", "巡防一队", two))
    with pytest.raises(PermissionDenied):  # another community's head
        write(store, head2, lambda ctx: patrols.save_team(ctx, "C1", "巡防一队", two))
    with pytest.raises(Rejected):  # a phone the registry refuses
        write(store, head, lambda ctx: patrols.save_team(ctx, "C1", "巡防一队", [{"name": "王伟", "phone": "abc"}]))
    code = write(store, head, lambda ctx: patrols.save_team(ctx, "C1", "巡防一队", two))
    with store.read() as s:
        team = patrols.teams(s, head).iloc[0]
    assert (team["members"], bool(team["meets_norm"])) == (2, False)
    write(store, head, lambda ctx: patrols.save_team(ctx, "C1", "巡防一队", [*two, {"name": "赵敏"}], code=code))
    with pytest.raises(PermissionDenied):  # moving C1's team into C2 needs C1 in scope too
        write(store, head2, lambda ctx: patrols.save_team(ctx, "C2", "巡防一队", two, code=code))
    with store.read() as s:
        team = patrols.teams(s, head).iloc[0]
        assert patrols.teams(s, head2).empty
        old = s.execute(select(Event.old).where(Event.action == "team.save").order_by(Event.id.desc())).scalars().first()
    assert (team["members"], bool(team["meets_norm"])) == (3, True)
    assert old["members"] == ["王伟", "李强"]
