"""Events routed to done (issue 15; 003 §一 5, §八 六): tiers and due times at their edges, overdue per level,
notes, forward, close with feedback, reopen, scope on the current and the new place, and the audit trail."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.fieldwork import events
from geodata.fieldwork.events import (add_note, close_event, event_card, event_counts, events_frame, forward_event,
                                      log_event, move_event, overdue_by_level, reopen_event)
from geodata.situation.settings import set_setting
from geodata.store.field_models import FieldEvent
from geodata.store.models import Event, Unit
from geodata.store.writes import Actor, write
from tests.factories import load_small_city


def _actors(store) -> dict[str, Actor]:
    with store.read() as s:
        p = {u.code: u.path for u in s.execute(select(Unit)).scalars()}
    return {"grid": Actor("gridworker", "grid_leader", p["G11"]), "grid2": Actor("other", "grid_leader", p["G21"]),
            "head": Actor("head1", "community_head", p["C1"]), "head2": Actor("head2", "community_head", p["C2"]),
            "street": Actor("streetboss", "supervisor", p["S1"]), "district": Actor("dist", "supervisor", p["D1"]),
            "command": Actor("cmd", "command", None)}


@pytest.fixture
def city(store):
    load_small_city(store)
    return _actors(store)


def _due(store, code: str) -> tuple[dt.datetime, dt.datetime]:
    with store.read() as s:
        ev = s.execute(select(FieldEvent).where(FieldEvent.code == code)).scalar_one()
        return ev.reported_at, ev.due_at


def test_each_tier_starts_at_its_level_with_that_levels_hours(store, city):
    w = city["grid"]
    cases = {"general": ("grid", "G11", 24), "coordinate": ("community", "C1", 72), "urgent": ("street", "S1", 72),
             "approval": ("community", "C1", 72)}
    for tier, (level, unit, hours) in cases.items():
        ev = write(store, w, lambda ctx, t=tier: log_event(ctx, "G11", f"{t} 楼道堆物", tier=t, kind="hazard",
                                                            building_code="G11K1B1"))
        assert (ev.handler_level, ev.handler_code, ev.tracker, ev.status) == (level, unit, "gridworker", "open")
        reported, due = _due(store, ev.code)
        assert due - reported == dt.timedelta(hours=hours)
    # urgent of a general tier goes to the street, with the urgent hours
    ev = write(store, w, lambda ctx: log_event(ctx, "G11", "独居老人发热", tier="general", urgency="urgent"))
    reported, due = _due(store, ev.code)
    assert (ev.tier, ev.handler_level, due - reported) == ("urgent", "street", dt.timedelta(hours=4))


def test_due_hours_come_from_the_settings(store, city):
    write(store, city["command"], lambda ctx: set_setting(ctx, "events", {"grid_hours": 2}))
    ev = write(store, city["grid"], lambda ctx: log_event(ctx, "G11", "路灯不亮"))
    reported, due = _due(store, ev.code)
    assert due - reported == dt.timedelta(hours=2)


def test_overdue_starts_one_moment_after_the_due_time_and_is_listed_per_level(store, city):
    w = city["grid"]
    ev = write(store, w, lambda ctx: log_event(ctx, "G11", "井盖缺失", kind="hazard"))
    _, due = _due(store, ev.code)
    with store.read() as s:
        assert overdue_by_level(s, city["street"], now=due) == {"grid": 0, "community": 0, "street": 0,
                                                                  "district": 0}
        later = due + dt.timedelta(seconds=1)
        assert overdue_by_level(s, city["street"], now=later)["grid"] == 1
        assert events_frame(s, city["head"], overdue_only=True, now=later)["code"].tolist() == [ev.code]
        assert events_frame(s, city["head2"], overdue_only=True, now=later).empty  # another community's
        assert event_counts(s, city["street"].scope_path, due.date(), now=later)["events_overdue"] == 1
    assert events.is_overdue("open", due, due) is False and events.is_overdue("closed", due, later) is False


def test_forward_close_with_feedback_and_reopen(store, city):
    w, head, street = city["grid"], city["head"], city["street"]
    ev = write(store, w, lambda ctx: log_event(ctx, "G11", "楼顶漏水需物业维修", tier="coordinate",
                                               reporter_name="张三", reporter_phone="13812345678"))
    # the grid worker cannot forward or close what the community handles
    with pytest.raises(PermissionDenied):
        write(store, w, lambda ctx: forward_event(ctx, ev.code, "我来上报"))
    with pytest.raises(PermissionDenied):
        write(store, w, lambda ctx: close_event(ctx, ev.code, "修好了", "已告知"))
    write(store, w, lambda ctx: add_note(ctx, ev.code, "已联系物业，物业不管"))
    fwd = write(store, head, lambda ctx: forward_event(ctx, ev.code, "物业拒绝维修，社区不能独立办理"))
    assert (fwd.handler_level, fwd.handler_code, fwd.tracker) == ("street", "S1", "gridworker")
    _, due = _due(store, ev.code)
    with store.read() as s:
        assert events_frame(s, street, waiting_on_me=True)["code"].tolist() == [ev.code]
        assert events_frame(s, head, waiting_on_me=True).empty
    with pytest.raises(PermissionDenied):  # the community passed it on: only the street closes it now
        write(store, head, lambda ctx: close_event(ctx, ev.code, "x", "y"))
    with pytest.raises(Rejected):  # feedback to the reporter is required
        write(store, street, lambda ctx: close_event(ctx, ev.code, "已协调住建部门维修", " "))
    closed = write(store, street, lambda ctx: close_event(ctx, ev.code, "已协调住建部门维修", "已电话告知张三"))
    assert (closed.status, closed.feedback) == ("closed", "已电话告知张三")
    with store.read() as s:
        assert event_counts(s, street.scope_path, closed.closed_at.date())["events_closed_today"] == 1
    again = write(store, w, lambda ctx: reopen_event(ctx, ev.code, "居民反映仍在漏水"))
    assert (again.status, again.handler_level, again.reopened) == ("open", "street", 1)
    with store.read() as s:
        view, steps = event_card(s, w, ev.code)
        actions = [e.action for e in s.execute(select(Event).where(Event.entity_code == ev.code)
                                               .order_by(Event.id)).scalars()]
    assert steps["step"].tolist() == ["log", "note", "forward", "close", "reopen"]
    assert actions == ["event.log", "event.note", "event.forward", "event.close", "event.reopen"]
    assert view.reporter_phone == "13812345678"  # the grid's own worker sees it in full
    with store.read() as s:
        assert event_card(s, street, ev.code)[0].reporter_phone == "138****5678"  # the street does not


def test_approval_is_closed_only_by_the_district(store, city):
    ev = write(store, city["grid"], lambda ctx: log_event(ctx, "G11", "申请临时救助", tier="approval",
                                                            kind="livelihood"))
    write(store, city["head"], lambda ctx: forward_event(ctx, ev.code, "社区受理界定，报街道审核"))
    with pytest.raises(Rejected):  # the street reviews; it cannot close an approval
        write(store, city["street"], lambda ctx: close_event(ctx, ev.code, "审核通过", "已告知"))
    write(store, city["street"], lambda ctx: forward_event(ctx, ev.code, "街道审核通过，报区审批"))
    with pytest.raises(Rejected):  # the district is the top
        write(store, city["district"], lambda ctx: forward_event(ctx, ev.code, "再往上"))
    done = write(store, city["district"], lambda ctx: close_event(ctx, ev.code, "区行政服务中心批准", "已通知申请人"))
    assert (done.status, done.handler_level) == ("closed", "district")


def test_scope_on_the_current_and_the_new_place(store, city):
    ev = write(store, city["grid"], lambda ctx: log_event(ctx, "G11", "占道经营"))
    with pytest.raises(PermissionDenied):  # a worker of another grid cannot log in G11
        write(store, city["grid2"], lambda ctx: log_event(ctx, "G11", "x"))
    with pytest.raises(PermissionDenied):  # nor add notes, reopen or read it
        write(store, city["head2"], lambda ctx: add_note(ctx, ev.code, "x"))
    with store.read() as s, pytest.raises(PermissionDenied):
        event_card(s, city["head2"], ev.code)
    with pytest.raises(PermissionDenied):  # moving it into a grid outside one's scope is refused (new place)
        write(store, city["head"], lambda ctx: move_event(ctx, ev.code, "G21"))
    with pytest.raises(PermissionDenied):  # and so is moving it from there (current place)
        write(store, city["head2"], lambda ctx: move_event(ctx, ev.code, "G21"))
    moved = write(store, city["head"], lambda ctx: move_event(ctx, ev.code, "G12", compound_code="G12K1"))
    assert (moved.grid_code, moved.handler_code) == ("G12", "G12")  # a grid-level event follows its grid
    with store.read() as s:
        paths = s.execute(select(Event.path).where(Event.action == "event.move")).scalars().all()
        grid_paths = dict(s.execute(select(Unit.code, Unit.path).where(Unit.code.in_(["G11", "G12"]))).all())
    assert sorted(paths) == sorted([grid_paths["G11"], grid_paths["G12"]])  # audited at both places


def test_place_must_lie_in_the_grid_and_text_is_checked(store, city):
    w = city["grid"]
    with pytest.raises(Rejected) as exc:
        write(store, w, lambda ctx: log_event(ctx, "G11", "x", building_code="G21K1B1"))
    assert exc.value.problems[0].field == "building_code"
    with pytest.raises(Rejected):
        write(store, w, lambda ctx: log_event(ctx, "G11", "x", lon=0.0, lat=0.0))
    with pytest.raises(Rejected):
        write(store, w, lambda ctx: log_event(ctx, "G11", "bell\x07"))  # a control character
    with pytest.raises(Rejected):
        write(store, w, lambda ctx: log_event(ctx, "G11", "x", reporter_phone="call me"))
    with pytest.raises(Rejected):
        write(store, w, lambda ctx: log_event(ctx, "G11", "x", tier="whenever"))
    evil = "<script>alert(1)</script>'; DROP TABLE units; --\n第二行"
    ev = write(store, w, lambda ctx: log_event(ctx, "G11", evil))
    with store.read() as s:
        assert s.execute(select(FieldEvent.text).where(FieldEvent.code == ev.code)).scalar_one() == evil
        assert s.execute(select(FieldEvent).where(FieldEvent.text == "x")).first() is None  # nothing written
