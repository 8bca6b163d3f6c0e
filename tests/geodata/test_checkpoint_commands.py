"""One implementation of the checkpoint commands (issue 13): /my-grid (the map edit calls
`geodata.checkpoints.commands` directly, dashboard/components/edit_map.py) and plan-apply
(`geodata.checkpoints.plans.apply_plan`) give the same audit event for the same change, the same Conflict for a
stale save and the same refusal outside one's scope.

Before, /my-grid moved a checkpoint through geodata.editing (event old/new {lon, lat, unit}, a stale save a
Conflict naming who changed it) and the planner through geodata.checkpoints.rules (event {lon, lat, unit_id}, a
stale save a plain Rejected "changed since it was read", its own role table)."""
from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point
from sqlalchemy import select

from geodata.base.problems import PermissionDenied
from geodata.checkpoints import commands
from geodata.checkpoints.plans import apply_plan, save_plan
from geodata.checkpoints.whatif import PlanItem
from geodata.exchange.bulk import upsert_layer
from geodata.people import scope
from geodata.people.conflicts import Change, Conflict
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Event
from geodata.store.writes import Actor, write
from tests.factories import X0, Y0, load_small_city

SYSTEM = Actor.system("test")
#: two points inside compound G12K2 (x 0.02–0.04, y 0.02–0.04 from the origin)
INSIDE_G12K2 = ((X0 + 0.0305, Y0 + 0.0303), (X0 + 0.032, Y0 + 0.028))


def _city(store) -> Actor:
    """The small city with two gates of G12K2 (E7, E8), a police checkpoint J1 hung on the district D1 but
    standing in street S1, and the street supervisor."""
    load_small_city(store)
    rows = [{"code": c, "name": c, "kind": "compound_entrance", "unit_code": "G12K2", "status": "open",
             "staff_day": 4, "staff_night": 2, "is_24h": True, "geometry": Point(X0 + x, Y0 + 0.03)}
            for c, x in (("E7", 0.030), ("E8", 0.031))]
    rows.append({"code": "J1", "name": "J1", "kind": "police_urban", "unit_code": "D1", "status": "open",
                 "staff_day": 5, "staff_night": 5, "is_24h": True, "geometry": Point(X0 + 0.035, Y0 + 0.025)})
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "checkpoints", gpd.GeoDataFrame(
        rows, geometry="geometry", crs="EPSG:4326")))
    with store.read() as s:
        return Actor("sup", "supervisor", unit_by_code(s, "S1").path)


def _version(store, code: str) -> int:
    with store.read() as s:
        return commands.checkpoint_by_code(s, code).version


def _by_plan(store, actor: Actor, items: list[PlanItem]) -> None:
    plan = write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name="方案", items=items, radius_m=150))
    write(store, actor, lambda ctx: apply_plan(ctx, plan.code))


def _event(store, action: str, code: str) -> Event:
    with store.read() as s:
        return s.execute(select(Event).where(Event.action == action, Event.entity_code == code)
                         .order_by(Event.id.desc())).scalars().first()


def test_a_move_and_an_add_are_audited_alike_from_my_grid_and_from_a_plan(store):
    actor = _city(store)
    (x1, y1), (x2, y2) = INSIDE_G12K2
    v7, v8 = _version(store, "E7"), _version(store, "E8")
    mine = write(store, actor, lambda ctx: commands.move_checkpoint(ctx, "E7", x1, y1, expected_version=v7))
    _by_plan(store, actor, [PlanItem("move", "E8", lon=x2, lat=y2, base_version=v8)])
    by_hand, by_plan = _event(store, "checkpoint.move", "E7"), _event(store, "checkpoint.move", "E8")
    assert isinstance(mine, Change) and mine.new == by_hand.new
    assert by_hand.old == {"lon": X0 + 0.030, "lat": Y0 + 0.03, "unit": "G12K2"}
    assert by_plan.old == {"lon": X0 + 0.031, "lat": Y0 + 0.03, "unit": "G12K2"}
    assert (by_hand.new, by_plan.new) == ({"lon": x1, "lat": y1, "unit": "G12K2"},
                                          {"lon": x2, "lat": y2, "unit": "G12K2"})

    write(store, actor, lambda ctx: commands.add_checkpoint(ctx, name="东湖路口卡点", lon=x1, lat=y1))
    _by_plan(store, actor, [PlanItem("add", name="东湖路口卡点", lon=x2, lat=y2)])
    with store.read() as s:
        created = s.execute(select(Event).where(Event.action == "checkpoint.create", Event.actor == "sup")
                            .order_by(Event.id)).scalars().all()
    assert [e.entity_code for e in created] == ["G12K2K1", "G12K2K2"]
    hand, plan = created[0].new, created[1].new
    assert set(hand) == set(plan) == {"name", "kind", "status", "is_24h", "staff_day", "staff_night",
                                      "leader_name", "leader_phone", "lon", "lat", "unit"}
    same = {k: v for k, v in hand.items() if k not in ("lon", "lat")}
    assert same == {k: v for k, v in plan.items() if k not in ("lon", "lat")}
    assert (same["unit"], same["staff_day"], same["staff_night"]) == ("G12K2", 4, 2)  # staffed to the norm


def test_a_stale_move_is_the_same_conflict_from_my_grid_and_from_a_plan(store):
    actor = _city(store)
    read = _version(store, "E7")
    write(store, Actor("cmd", "command", None),
          lambda ctx: commands.set_staffing(ctx, "E7", staff_day=6, expected_version=read))
    (x, y), _ = INSIDE_G12K2
    with pytest.raises(Conflict) as by_hand:
        write(store, actor, lambda ctx: commands.move_checkpoint(ctx, "E7", x, y, expected_version=read))
    with pytest.raises(Conflict) as by_plan:
        _by_plan(store, actor, [PlanItem("move", "E7", lon=x, lat=y, base_version=read)])
    assert "E7 was changed by cmd" in by_hand.value.message_en
    assert (by_plan.value.message_zh, by_plan.value.message_en) == (by_hand.value.message_zh,
                                                                    by_hand.value.message_en)
    assert by_plan.value.fields == by_hand.value.fields == {"lon": (x, X0 + 0.030), "lat": (y, Y0 + 0.03)}
    assert _version(store, "E7") == read + 1  # neither moved it
    with store.read() as s:
        assert s.execute(select(Event).where(Event.action == "checkpoint.move")).first() is None


def test_a_change_outside_ones_scope_is_refused_alike_from_my_grid_and_from_a_plan(store):
    """J1 hangs on the district: the street supervisor may plan around it but not change it, by either door."""
    actor = _city(store)
    read = _version(store, "J1")
    (x, y), _ = INSIDE_G12K2
    with pytest.raises(PermissionDenied) as by_hand:
        write(store, actor, lambda ctx: commands.move_checkpoint(ctx, "J1", x, y, expected_version=read))
    with pytest.raises(PermissionDenied) as by_plan:
        _by_plan(store, actor, [PlanItem("move", "J1", lon=x, lat=y, base_version=read)])
    assert (by_plan.value.message_zh, by_plan.value.message_en) == (by_hand.value.message_zh,
                                                                    by_hand.value.message_en)
    assert "outside your scope" in by_hand.value.message_en
    write(store, Actor("cmd", "command", None),
          lambda ctx: commands.move_checkpoint(ctx, "J1", x, y, expected_version=read))  # the city-wide role may


def test_a_role_that_may_not_edit_checkpoints_is_refused_by_every_command_as_the_edit_rule_says(store):
    _city(store)
    health = Actor("doc", "health", None)
    with store.read() as s:
        path = unit_by_code(s, "G12K2").path
    with pytest.raises(PermissionDenied) as rule:
        scope.require_edit(health, "checkpoint", path)
    calls = {
        "add": lambda ctx: commands.add_checkpoint(ctx, name="x", lon=X0 + 0.031, lat=Y0 + 0.028),
        "move": lambda ctx: commands.move_checkpoint(ctx, "E7", X0 + 0.031, Y0 + 0.028, expected_version=1),
        "status": lambda ctx: commands.set_checkpoint_status(ctx, "E7", "closed", expected_version=1),
        "staff": lambda ctx: commands.set_staffing(ctx, "E7", staff_day=5, expected_version=1),
    }
    messages = set()
    for fn in calls.values():
        with pytest.raises(PermissionDenied) as err:
            write(store, health, fn)
        messages.add(err.value.message_en)
    assert messages == {rule.value.message_en}
