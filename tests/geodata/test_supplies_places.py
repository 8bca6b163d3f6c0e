"""Supplies (stock, days left, the daily report's derived figures), places and the 无主小区 ledger (四清), grid size
norms at their edges, and migration 0013_care (issue 15 part 4)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

import geodata.store.field_models  # noqa: F401 — the care tables in Base.metadata
from geodata.base.problems import PermissionDenied, Rejected
from geodata.fieldwork.grid_norms import grid_size_warnings
from geodata.fieldwork.places import places_in, save_place, save_unowned, unowned_in
from geodata.fieldwork.supplies import days_left, record_movement, stock_table
from geodata.reporting.reports import prefill, submit_report
from geodata.store.field_models import SupplyMovement
from geodata.store.models import Building, Event, Unit
from geodata.store.stats import recompute_all
from geodata.store.writes import Actor, write
from tests.factories import TODAY, load_small_city

SYSTEM = Actor.system("test")


@pytest.fixture
def city(store):
    load_small_city(store)
    with store.read() as s:
        paths = {u.code: u.path for u in s.execute(select(Unit)).scalars()}
    return store, paths


def move(store, actor, item, direction, qty, days_ago, community="C1"):
    return write(store, actor, lambda ctx: record_movement(ctx, community, item, direction, qty,
                                                           on=TODAY - dt.timedelta(days=days_ago), today=TODAY))


def test_days_left_arithmetic():
    assert days_left(100, 70, 7) == 10  # 10 a day
    assert days_left(99, 70, 7) == 9  # rounded down
    assert days_left(0, 70, 7) == 0
    assert days_left(500, 0, 7) is None  # nothing used: not in use, no division by zero


def test_stock_is_the_sum_and_a_negative_stock_is_refused(city):
    store, paths = city
    head = Actor("head1", "community_head", paths["C1"])
    move(store, head, "masks", "receipt", 1000, 10)
    move(store, head, "masks", "issue", 300, 3)
    assert move(store, head, "masks", "issue", 400, 1) == 300
    with pytest.raises(Rejected) as exc:
        move(store, head, "masks", "issue", 301, 0)
    assert exc.value.errors[0].field == "quantity" and "库存不能为负" in exc.value.errors[0].message_zh
    with pytest.raises(Rejected):  # a backdated issue that would empty a later day
        move(store, head, "masks", "issue", 500, 5)
    with pytest.raises(Rejected) as exc:
        move(store, head, "masks", "issue", -5, 0)
    assert exc.value.errors[0].field == "quantity"
    with pytest.raises(PermissionDenied):
        move(store, Actor("head2", "community_head", paths["C2"]), "masks", "receipt", 5, 0)
    with store.read() as s:
        assert len(s.execute(select(SupplyMovement)).all()) == 3
        table = stock_table(s, TODAY, scope_path=paths["C1"]).set_index("item")
    assert (table.loc["masks", "stock"], table.loc["masks", "issued"], table.loc["masks", "days_left"]) == (300, 700, 3)


def test_report_supply_figures_are_derived_when_the_ledger_exists_else_typed(city):
    store, paths = city
    head = Actor("head1", "community_head", paths["C1"])
    with store.read() as s:
        typed = prefill(s, "C1", TODAY)
    assert (typed["masks_on_hand"], typed["supply_days"]) == (None, None)
    write(store, head, lambda ctx: submit_report(ctx, "C1", TODAY - dt.timedelta(days=1),
                                                 {"masks_on_hand": 50, "supply_days": 4},
                                                 now=dt.datetime.combine(TODAY, dt.time(9))))
    with store.read() as s:
        assert prefill(s, "C1", TODAY)["masks_on_hand"] == 50  # as typed the day before
    move(store, head, "masks", "receipt", 800, 6)
    move(store, head, "daily_goods", "receipt", 140, 6)
    move(store, head, "daily_goods", "issue", 70, 2)
    with store.read() as s:
        derived = prefill(s, "C1", TODAY)
    assert (derived["masks_on_hand"], derived["supply_days"]) == (800, 7)  # 70 left at 10 a day
    with pytest.raises(Rejected) as exc:  # a typed value against the ledger is a correction: it needs a reason
        write(store, head, lambda ctx: submit_report(ctx, "C1", TODAY, {"masks_on_hand": 900},
                                                     now=dt.datetime.combine(TODAY, dt.time(10))))
    assert exc.value.errors[0].field == "reason"
    done = write(store, head, lambda ctx: submit_report(ctx, "C1", TODAY, {},
                                                        now=dt.datetime.combine(TODAY, dt.time(10))))
    assert done.report.figures["values"]["masks_on_hand"] == 800


def test_place_state_change_is_audited_and_scoped_at_both_places(city):
    store, paths = city
    g11, g21 = Actor("grid11", "grid_leader", paths["G11"]), Actor("grid21", "grid_leader", paths["G21"])
    write(store, g11, lambda ctx: save_place(ctx, "PL1", name="幸福药房", kind="药店", unit_code="G11", lon=114.31,
                                             lat=30.59, staff_on_site=3))
    with pytest.raises(PermissionDenied):  # another grid's worker: the place's current unit
        write(store, g21, lambda ctx: save_place(ctx, "PL1", state="closed"))
    with pytest.raises(Rejected, match="不存在或不在您的管辖范围内"):  # moving it out of the grid: the new unit is
        write(store, g11, lambda ctx: save_place(ctx, "PL1", unit_code="G21"))  # told as unknown (issue 18)
    write(store, g11, lambda ctx: save_place(ctx, "PL1", state="提升一级管理", staff_on_site=2, reason="疫情升级"))
    with store.read() as s:
        row = places_in(s, g11, "G11").iloc[0]
        ev = s.execute(select(Event).where(Event.action == "place.state")).scalar_one()
    assert (row["state"], row["staff_on_site"], row["kind"]) == ("upgraded", 2, "pharmacy")
    assert (ev.old, ev.new, ev.actor) == ({"state": "open", "staff_on_site": 3},
                                         {"state": "upgraded", "staff_on_site": 2}, "grid11")


def test_four_clears_progress(city):
    store, paths = city
    head = Actor("head1", "community_head", paths["C1"])
    write(store, head, lambda ctx: save_unowned(ctx, "G11K1", no_property="是", no_security=True, owner="街道城管科"))
    with store.read() as s:
        assert unowned_in(s, head, "C1").loc[0, "progress"] == 0
    write(store, head, lambda ctx: save_unowned(ctx, "G11K1", clear_basics="是", clear_residents="√"))
    write(store, head, lambda ctx: save_unowned(ctx, "G11K1", clear_gaps=True, clear_risks="是"))
    with pytest.raises(Rejected):
        write(store, head, lambda ctx: save_unowned(ctx, "G11K1", clear_gaps="也许"))
    with pytest.raises(Rejected, match="不存在或不在您的管辖范围内"):  # another community's compound: as unknown
        write(store, Actor("head2", "community_head", paths["C2"]),
              lambda ctx: save_unowned(ctx, "G11K1", clear_gaps=False))
    with store.read() as s:
        row = unowned_in(s, head, "C1").iloc[0]
    assert (row["progress"], row["no_property"], row["no_authority"], row["owner"]) == (1.0, True, False, "街道城管科")


def _set(store, **households):
    """Set buildings' households (and their heads: `(households, leader)`), then the roll-up counters."""
    def fn(ctx):
        for code, (n, leader) in households.items():
            ctx.session.execute(update(Building).where(Building.code == code).values(households=n,
                                                                                    leader_name=leader))
        recompute_all(ctx.session)
    write(store, SYSTEM, fn)


def _found(store, path) -> set[tuple[str, str]]:
    with store.read() as s:
        w = grid_size_warnings(s, path)
    return set(zip(w["kind"], w["code"], strict=True))


def test_building_head_warnings_at_100_and_150_households(city):
    store, paths = city
    assert _found(store, paths["S1"]) == set()  # 402 households a grid, one head a building of 100/101
    # 99 without a head: shared with the compound, no warning; 100 without one: a warning. 150 with one head is
    # enough, 151 needs two. Each compound (250 households, one head) needs two.
    _set(store, G11K1B1=(99, None), G11K1B2=(151, "赵楼长"), G11K2B1=(100, None), G11K2B2=(150, "钱楼长"))
    assert _found(store, paths["C1"]) == {("building", "G11K1B2"), ("building", "G11K2B1"), ("compound", "G11K1"),
                                          ("compound", "G11K2")}
    _set(store, G11K1B2=(151, "赵楼长、钱楼长"), G11K2B1=(100, "孙楼长"))  # several names count as several heads
    assert _found(store, paths["C1"]) == set()


def test_grid_household_norm_at_its_edges(city):
    store, paths = city
    heads5 = "李、周、吴、郑、王"
    # G12 at exactly 1000 and G21 at exactly 300: inside the norm
    _set(store, G12K1B1=(698, heads5), G21K1B1=(0, None), G21K1B2=(0, None), G21K2B2=(200, "甲、乙"))
    assert {w for w in _found(store, paths["S1"]) if w[0] == "grid"} == set()
    # 1001 and 299: outside
    _set(store, G12K1B1=(699, heads5), G22K1B1=(0, None), G22K1B2=(0, None), G22K2B1=(99, "丙"),
         G22K2B2=(200, "甲、乙"))
    with store.read() as s:
        w = grid_size_warnings(s, paths["S1"])
    grids = w[w["kind"] == "grid"].set_index("code")
    assert sorted(grids.index) == ["G12", "G22"]
    assert "超过 1000" in grids.loc["G12", "zh"] and "少于 300" in grids.loc["G22", "zh"]
