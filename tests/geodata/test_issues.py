"""Scenario 21: a general request is closed on the spot; an urgent one goes to the street, its grid worker
kept as tracker, and only the street closes it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.reporting.issues import close_issue, log_issue, open_issues, street_of
from geodata.store.models import Event, Unit
from geodata.store.writes import Actor, write
from tests.factories import load_small_city


def _actors(store):
    with store.read() as s:
        paths = {u.code: u.path for u in s.execute(select(Unit)).scalars()}
    return (Actor("gridworker", "grid_leader", paths["G11"]), Actor("streetboss", "supervisor", paths["S1"]),
            Actor("otherworker", "grid_leader", paths["G21"]))


def test_general_request_is_closed_on_the_spot_by_the_grid_worker(store):
    load_small_city(store)
    worker, _, _ = _actors(store)
    issue = write(store, worker, lambda ctx: log_issue(ctx, "G11", "楼道灯坏了", "general", resident_name="张三"))
    assert (issue.handler_level, issue.status, issue.tracker) == ("grid", "open", "gridworker")
    closed = write(store, worker, lambda ctx: close_issue(ctx, issue.code, "已更换灯泡"))
    assert closed.status == "closed"


def test_urgent_request_goes_to_the_street_with_the_worker_as_tracker(store):
    load_small_city(store)
    worker, boss, _ = _actors(store)
    issue = write(store, worker, lambda ctx: log_issue(ctx, "G11", "独居老人发热，需上门收治", "street"))
    assert (issue.handler_level, issue.status, issue.tracker) == ("street", "routed", "gridworker")
    with store.read() as s:
        assert street_of(s, issue.code).code == "S1"
        assert [i.code for i in open_issues(s, boss.scope_path, handler_level="street")] == [issue.code]
    with pytest.raises(PermissionDenied):
        write(store, worker, lambda ctx: close_issue(ctx, issue.code, "我来办"))
    closed = write(store, boss, lambda ctx: close_issue(ctx, issue.code, "已安排120转运"))
    assert closed.status == "closed" and closed.tracker == "gridworker"
    with store.read() as s:
        actions = [e.action for e in s.execute(select(Event).where(Event.entity_code == issue.code)).scalars()]
    assert actions == ["issue.log", "issue.close"]


def test_a_worker_cannot_log_in_another_grid_and_text_is_required(store):
    load_small_city(store)
    _, _, other = _actors(store)
    with pytest.raises(PermissionDenied):
        write(store, other, lambda ctx: log_issue(ctx, "G11", "x", "general"))
    with pytest.raises(Rejected):
        write(store, other, lambda ctx: log_issue(ctx, "G21", "   ", "general"))
    with pytest.raises(Rejected):
        write(store, other, lambda ctx: log_issue(ctx, "G21", "x", "whenever"))


def test_hostile_text_is_stored_exactly(store):
    load_small_city(store)
    worker, _, _ = _actors(store)
    evil = "<script>alert(1)</script>'; DROP TABLE units; -- 😷\x07" + "长" * 9000
    issue = write(store, worker, lambda ctx: log_issue(ctx, "G11", evil, "general"))
    with store.read() as s:
        from geodata.store.issue_models import GridIssue

        stored = s.execute(select(GridIssue.description).where(GridIssue.code == issue.code)).scalar_one()
        assert s.execute(select(Unit).where(Unit.code == "G11")).scalar_one()
    assert stored == evil
