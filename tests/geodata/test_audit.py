"""The audit log as people read it: filters, a record's history, view logging that changes no data version, and
events without a unit kept for whole-city scopes."""
from __future__ import annotations

import datetime as dt

from geodata.editing import records as editing
from geodata.people import audit, persons
from geodata.situation.settings import set_setting
from geodata.store.writes import Actor, write
from tests.factories import TODAY
from tests.geodata.test_scope_city import actor, city  # noqa: F401 — `city` is a fixture


def edit(store, username, entity, code, changes, version, reason=None):
    return write(store, actor(store, username), lambda ctx: editing.update_record(
        ctx, entity, code, changes, expected_version=version, reason=reason))


def test_filters_combine_and_the_newest_come_first(city):
    edit(city, "head1", "building", "G11K1B1", {"floors": 6}, 1, "核对")
    edit(city, "grid11", "building", "G11K1B1", {"floors": 7}, 2, "再核对")
    edit(city, "grid11", "checkpoint", "E1", {"staff_day": 5}, 1)
    head = actor(city, "head1")
    with city.read() as s:
        by_grid = audit.events(s, head, user="grid11")
        floors = audit.events(s, head, entity="building", code="G11K1B1", action="building.update")
        updates = audit.events(s, head, action="building.")
        today = audit.events(s, head, since=dt.date.today(), until=dt.date.today(), entity="checkpoint",
                             action="checkpoint.update")
        none = audit.events(s, head, until=dt.date.today() - dt.timedelta(days=1), action="building.update")
        one = audit.events(s, head, limit=1)
    assert list(by_grid["action"]) == ["checkpoint.update", "building.update"]
    assert [r["new"] for r in floors.to_dict("records")] == [{"floors": 7}, {"floors": 6}]
    assert list(floors["reason"]) == ["再核对", "核对"] and list(updates["code"]) == ["G11K1B1", "G11K1B1"]
    assert list(today["code"]) == ["E1"] and none.empty and len(one) == 1


def test_a_records_history_opens_oldest_first_with_who_what_and_why(city):
    edit(city, "head1", "building", "G11K1B2", {"control_state": "closed", "control_reason": "密接"}, 1)
    edit(city, "head1", "building", "G11K1B2", {"leader_name": "新楼长"}, 2, "换人")
    edit(city, "sup1", "unit", "G11K1", {"control_state": "closed", "control_reason": "小区封闭"}, 1)
    with city.read() as s:
        b = audit.history(s, actor(city, "grid11"), "building", "G11K1B2")
        u = audit.history(s, actor(city, "sup1"), "unit", "G11K1")
    assert list(b["action"]) == ["control.change", "building.update"]
    assert b.iloc[0]["old"]["state"] == "normal" and b.iloc[0]["new"]["state"] == "closed"
    assert (b.iloc[1]["actor"], b.iloc[1]["old"], b.iloc[1]["new"], b.iloc[1]["reason"]) == (
        "head1", {"leader_name": "赵楼长"}, {"leader_name": "新楼长"}, "换人")
    assert list(u["action"]) == ["control.change"]  # logged as a compound: found as the unit it is


def test_viewing_a_list_is_logged_without_touching_the_data_version(city):
    version = city.data_version()
    persons.observations_in(city, actor(city, "health1"), "C1", on=TODAY)
    assert city.data_version() == version
    with city.read() as s:
        views = audit.events(s, actor(city, "head1"), action=audit.VIEW_ACTION)
    assert len(views) == 1
    assert (views.iloc[0]["actor"], views.iloc[0]["entity"], views.iloc[0]["code"], views.iloc[0]["new"]) == (
        "health1", "observations", "C1", {"rows": 1})


def test_events_without_a_unit_are_for_whole_city_scopes(city):
    write(city, Actor("command", "command"), lambda ctx: set_setting(
        ctx, "observation", {"fever_celsius": 37.5}))
    with city.read() as s:
        command = audit.events(s, actor(city, "command"), entity="setting")
        head = audit.events(s, actor(city, "head1"), entity="setting")
    assert len(command) == 1 and head.empty
