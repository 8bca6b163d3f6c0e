"""Saved checkpoint plans: the migration, save / compare / apply through the single write path, every change
audited old → new, stale plans refused, and only supervisors and the command centre within their scope."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from shapely.geometry import Point, box
from sqlalchemy import func, inspect, select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.checkpoints import commands as cpr
from geodata.checkpoints.coverage import load_area
from geodata.checkpoints.plans import (
    apply_plan,
    compare_plans,
    discard_plan,
    list_plans,
    plan_items,
    save_plan,
)
from geodata.checkpoints.whatif import PlanItem
from geodata.people.conflicts import Conflict
from geodata.exchange.bulk import upsert_layer
from geodata.store.db import MIGRATIONS
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Base, Event, Shift
from geodata.store.planning_models import CheckpointPlan
from geodata.store.stats import compute_all, stored_all
from geodata.store.writes import Actor, write
from tests.factories import TODAY, X0, Y0, load_small_city

NEW_TABLES = {"checkpoint_plans", "checkpoint_plan_items"}
SUPERVISOR = Actor("supervisor", "supervisor", None)


def _cfg(conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def test_migration_creates_the_plan_tables_as_the_models_define_them_and_goes_back(store):
    store.migrate()
    with store.engine.connect() as conn:
        assert NEW_TABLES <= set(inspect(conn).get_table_names())
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if any(f"'{t}'" in repr(d) or f"<{t}>" in repr(d) for t in NEW_TABLES)] == []
    with store.engine.begin() as conn:
        command.downgrade(_cfg(conn), "0002")
    with store.engine.connect() as conn:
        assert not NEW_TABLES & set(inspect(conn).get_table_names())
    store.migrate()
    with store.engine.connect() as conn:
        assert NEW_TABLES <= set(inspect(conn).get_table_names())


def _setup(store):
    """The small city with two unguarded gates of G12K2 (C1) and the supervisor's scope = the street."""
    load_small_city(store)
    write(store, Actor.system("test"), lambda ctx: upsert_layer(ctx, "checkpoints", gpd.GeoDataFrame(
        [{"code": c, "name": c, "kind": "compound_entrance", "unit_code": "G12K2", "status": "open", "staff_day": 0,
          "staff_night": 0, "is_24h": False, "geometry": Point(X0 + x, Y0 + 0.03)} for c, x in (("E7", 0.030),
                                                                                                 ("E8", 0.031))],
        geometry="geometry", crs="EPSG:4326")))
    with store.read() as s:
        street = unit_by_code(s, "S1")
        return Actor("supervisor", "supervisor", street.path), load_area(s, "S1", TODAY)


def _versions(store, *codes):
    with store.read() as s:
        return {c: cpr.checkpoint_by_code(s, c).version for c in codes}


def _items(store):
    v = _versions(store, "E1", "E7")
    return [PlanItem("add", name="东湖路口卡点", lon=X0 + 0.0305, lat=Y0 + 0.0303),
            PlanItem("staff", "E7", staff_day=5, staff_night=2, is_24h=True, base_version=v["E7"]),
            PlanItem("close", "E1", base_version=v["E1"])]


def test_a_saved_plan_keeps_its_items_zone_and_figures_and_is_audited(store):
    actor, area = _setup(store)
    zone = box(X0 + 0.025, Y0 + 0.025, X0 + 0.035, Y0 + 0.035)
    plan = write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name="东湖方案", items=_items(store),
                                                     radius_m=150, zone_geom=zone, zone_rank=2,
                                                     figures={"entrances_uncovered": 0}))
    assert plan.code == "PLAN-S1-001" and plan.status == "draft"
    with store.read() as s:
        saved, items = plan_items(s, plan.code)
        ev = s.execute(select(Event).where(Event.action == "plan.save")).scalars().one()
        listed = list_plans(s, actor.scope_path)
    assert [i.action for i in items] == ["add", "staff", "close"] and items[1].staff_day == 5
    assert saved.zone_geom.equals(zone) and saved.zone_rank == 2
    assert (ev.actor, ev.entity_code, ev.new["items"]) == ("supervisor", "PLAN-S1-001", 3)
    assert listed["code"].tolist() == ["PLAN-S1-001"] and listed["items"].tolist() == [3]


def test_plans_compare_side_by_side_with_the_current_state(store):
    actor, area = _setup(store)
    a = write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name="加一个卡点", radius_m=150,
                                                  items=[PlanItem("add", lon=X0 + 0.0305, lat=Y0 + 0.0303)]))
    b = write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name="只配齐E7", radius_m=150,
                                                  items=[PlanItem("staff", "E7", staff_day=4, staff_night=2,
                                                                         is_24h=True, base_version=1)]))
    with store.read() as s:
        table = compare_plans(s, area, [a.code, b.code])
    assert list(table.columns) == ["current", f"{a.code} 加一个卡点", f"{b.code} 只配齐E7"]
    assert table.loc["entrances_uncovered"].tolist() == [2, 0, 0]
    assert table.loc["posts_staffed"].tolist() == [1, 2, 2]
    assert table.loc["norm_people_per_day"].tolist() == [6, 12, 12]


def test_applying_a_plan_creates_moves_closes_and_staffs_each_change_audited(store):
    actor, area = _setup(store)
    plan = write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name="东湖方案", items=_items(store),
                                                     radius_m=150))
    done = write(store, actor, lambda ctx: apply_plan(ctx, plan.code, on=TODAY))
    assert done.created == ["G12K2K1"] and done.changed == ["E7", "E1"]
    with store.read() as s:
        new = cpr.checkpoint_by_code(s, "G12K2K1")
        e7, e1 = cpr.checkpoint_by_code(s, "E7"), cpr.checkpoint_by_code(s, "E1")
        saved, items = plan_items(s, plan.code)
        events = s.execute(select(Event).where(Event.id > 0).order_by(Event.id)).scalars().all()
        shifts = s.execute(select(func.count()).select_from(Shift).where(Shift.checkpoint_id == new.id)).scalar_one()
        e7_shifts = s.execute(select(func.count()).select_from(Shift).where(Shift.checkpoint_id == e7.id)).scalar_one()
        assert compute_all(s).equals(stored_all(s).loc[compute_all(s).index])
    assert (new.name, new.kind, new.staff_day, new.staff_night, new.status) == (
        "东湖路口卡点", "community_checkpoint", 4, 2, "open")
    assert (e7.staff_day, e7.staff_night, e7.is_24h) == (5, 2, True) and e1.status == "closed"
    assert saved.status == "applied" and saved.applied_by == "supervisor" and items[0].code == "G12K2K1"
    assert shifts == 14 and e7_shifts == 14  # a week of day and night shifts for the new and re-staffed posts
    mine = [e for e in events if e.reason and plan.code in e.reason]
    by_action = {e.action: e for e in mine}
    assert set(by_action) >= {"checkpoint.create", "checkpoint.staffing", "checkpoint.status", "shift.roster",
                              "plan.apply"}
    assert by_action["checkpoint.staffing"].old == {"staff_day": 0, "staff_night": 0, "is_24h": False}
    assert by_action["checkpoint.staffing"].new == {"staff_day": 5, "staff_night": 2, "is_24h": True}
    assert by_action["checkpoint.status"].old == {"status": "open"} and by_action["checkpoint.status"].new == {
        "status": "closed"}
    assert by_action["plan.apply"].new["created"] == ["G12K2K1"]
    assert all(e.actor == "supervisor" for e in mine)

    with pytest.raises(Rejected):  # applied once only
        write(store, actor, lambda ctx: apply_plan(ctx, plan.code))


def test_a_plan_whose_checkpoints_changed_since_is_refused_and_nothing_is_written(store):
    actor, area = _setup(store)
    plan = write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name="东湖方案", items=_items(store),
                                                     radius_m=150))
    write(store, Actor("cmd", "command", None), lambda ctx: cpr.set_staffing(ctx, "E1", staff_day=6,
                                                                              expected_version=1))
    with pytest.raises(Conflict, match="E1 was changed by cmd"):
        write(store, actor, lambda ctx: apply_plan(ctx, plan.code))
    with store.read() as s:
        assert s.execute(select(CheckpointPlan.status)).scalar_one() == "draft"
        assert cpr.checkpoint_by_code(s, "E7").staff_day == 0  # the item before the stale one was rolled back
        assert s.execute(select(func.count()).select_from(Event).where(Event.reason.like(f"%{plan.code}%"))
                         ).scalar_one() == 0


def test_only_supervisors_and_command_in_scope_save_and_apply(store):
    actor, area = _setup(store)
    items = [PlanItem("add", lon=X0 + 0.0305, lat=Y0 + 0.0303)]
    with store.read() as s:
        c2 = unit_by_code(s, "C2").path
    for who in (Actor("head", "community_head", None), Actor("grid", "grid_leader", None),
                Actor("viewer", "viewer", None), Actor("sup2", "supervisor", c2)):
        with pytest.raises(PermissionDenied):
            write(store, who, lambda ctx: save_plan(ctx, unit_code="S1", name="x", items=items, radius_m=150))
    plan = write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name="x", items=items, radius_m=150))
    with pytest.raises(PermissionDenied):
        write(store, Actor("sup2", "supervisor", c2), lambda ctx: apply_plan(ctx, plan.code))
    write(store, Actor("cmd", "command", None), lambda ctx: apply_plan(ctx, plan.code))


def test_bad_plans_are_refused_with_every_problem(store):
    actor, _ = _setup(store)
    with pytest.raises(Rejected) as err:
        write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name=" ", radius_m=0, items=[
            PlanItem("teleport", "E1", base_version=1), PlanItem("add"), PlanItem("staff", None, staff_day=-1),
            PlanItem("close", "E1")]))
    fields = [p.field for p in err.value.problems]
    assert fields.count("items[1]") == 1 and fields.count("items[3]") == 2 and "name" in fields
    assert "radius_m" in fields and "items[2]" in fields
    # a change of a checkpoint must say which version it was planned against (applied, a stale one is refused)
    assert [p.message_en for p in err.value.problems if p.field == "items[4]"] == [
        "item 4 lacks the version of E1 it was planned against"]


def test_a_discarded_plan_cannot_be_applied(store):
    actor, _ = _setup(store)
    plan = write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name="x", radius_m=150,
                                                     items=[PlanItem("close", "E8", base_version=1)]))
    write(store, actor, lambda ctx: discard_plan(ctx, plan.code))
    with pytest.raises(Rejected, match="discarded"):
        write(store, actor, lambda ctx: apply_plan(ctx, plan.code))
    with store.read() as s:
        assert list_plans(s, unit_code="S1")["status"].tolist() == ["discarded"]


def test_applying_on_a_later_day_writes_that_week(store):
    actor, _ = _setup(store)
    later = TODAY + dt.timedelta(days=3)
    plan = write(store, actor, lambda ctx: save_plan(ctx, unit_code="S1", name="x", radius_m=150,
                                                     items=[PlanItem("staff", "E8", staff_day=4, staff_night=2,
                                                                     is_24h=True, base_version=1)]))
    write(store, actor, lambda ctx: apply_plan(ctx, plan.code, on=later))
    with store.read() as s:
        e8 = cpr.checkpoint_by_code(s, "E8")
        dates = s.execute(select(Shift.on_date).where(Shift.checkpoint_id == e8.id)).scalars().all()
    assert min(dates) == later and max(dates) == later + dt.timedelta(days=6)
