"""Checkpoint rules (domain file §2.7, §1.2; scenarios 9 and 10): the staffing norm at its edges, the single
entrance of a closed compound, open entrances of sealed/controlled zones, gaps in the 24-hour roster, and who may
change checkpoints."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point
from sqlalchemy import select

from geodata.base.problems import PermissionDenied
from geodata.checkpoints import commands
from geodata.checkpoints import rules as cpr
from geodata.checkpoints.coverage import load_area
from geodata.checkpoints.rosters import set_shift
from geodata.checkpoints.rules import norm_staffing
from geodata.checkpoints.whatif import check_rules
from geodata.exchange.bulk import insert_shifts, upsert_layer
from geodata.situation.control import set_control
from geodata.store.models import Event
from geodata.store.rules_config import DEFAULTS
from geodata.store.stats import compute_all, stored_all
from geodata.store.writes import Actor, write
from tests.factories import TODAY, X0, Y0, load_small_city

NORMS = DEFAULTS["staffing"]
SYSTEM = Actor.system("test")


def _frame(**cols) -> pd.DataFrame:
    n = max(len(v) for v in cols.values() if isinstance(v, list))
    base = {"status": ["open"] * n, "is_24h": [True] * n}
    return pd.DataFrame({**base, **cols})


# --- the norm at its edges (pure) ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["compound_entrance", "community_checkpoint"])
@pytest.mark.parametrize(("day", "night", "expected"), [
    (4, 2, "ok"), (3, 2, "under"),  # ≥4 by day: 3 is one short
    (4, 1, "under"), (5, 2, "ok"),  # ≥2 by night: 1 is one short
    (3, 1, "under"), (0, 0, "unstaffed"),
])
def test_entrance_norm_is_four_by_day_and_two_by_night(kind, day, night, expected):
    frame = _frame(kind=[kind], staff_day=[day], staff_night=[night])
    assert cpr.staffing_status(frame, NORMS).tolist() == [expected]


def test_turning_the_24_hour_flag_off_does_not_remove_the_night_norm():
    """An entrance is on duty 24 h (000 §1(二)1; issue 14 point 9): without night guards it stays below its norm."""
    frame = _frame(kind=["compound_entrance", "community_checkpoint", "compound_entrance"], staff_day=[4, 4, 4],
                   staff_night=[0, 0, 2], is_24h=[False, False, False])
    assert cpr.staffing_status(frame, NORMS).tolist() == ["under", "under", "ok"]
    assert cpr.norm_staffing("compound_entrance", NORMS, is_24h=False) == (4, 2)


@pytest.mark.parametrize(("kind", "day", "night", "expected"), [
    ("police_urban", 6, 4, "ok"), ("police_urban", 5, 4, "under"),  # ≥10 a day
    ("police_border", 10, 0, "ok"), ("police_border", 9, 0, "under"),
    ("highway", 12, 8, "ok"), ("highway", 12, 7, "under"),  # highway station ≥20 a day
])
def test_police_norm_is_ten_a_day_and_twenty_at_a_highway_station(kind, day, night, expected):
    frame = _frame(kind=[kind], staff_day=[day], staff_night=[night])
    assert cpr.staffing_status(frame, NORMS).tolist() == [expected]


def test_closed_checkpoints_are_closed_whatever_their_staff():
    frame = _frame(kind=["compound_entrance", "highway"], staff_day=[0, 3], staff_night=[0, 0],
                   status=["closed", "closed"])
    assert cpr.staffing_status(frame, NORMS).tolist() == ["closed", "closed"]


def test_shortfall_counts_the_missing_people_and_the_norm_prices_a_checkpoint():
    frame = _frame(kind=["compound_entrance", "police_urban", "highway"], staff_day=[3, 5, 20], staff_night=[1, 2, 0])
    short = cpr.staffing_shortfall(frame, NORMS)
    assert short["short_day"].tolist() == [1, 0, 0]
    assert short["short_night"].tolist() == [1, 0, 0]
    assert short["short_per_day"].tolist() == [2, 3, 0]
    assert cpr.people_per_day(["compound_entrance", "community_checkpoint", "police_urban", "highway"],
                              NORMS).tolist() == [6, 6, 10, 20]


def test_changed_norms_change_the_verdict():
    frame = _frame(kind=["compound_entrance"], staff_day=[4], staff_night=[2])
    stricter = {**NORMS, "entrance_day": 5}
    assert cpr.staffing_status(frame, stricter).tolist() == ["under"]


# --- rules on a real database ----------------------------------------------------------------------------------


def _entrance(code, compound, dx, dy, *, day=4, night=2, status="open", is_24h=True, kind="compound_entrance"):
    return {"code": code, "name": f"{code}门", "kind": kind, "unit_code": compound, "status": status,
            "staff_day": day, "staff_night": night, "is_24h": is_24h,
            "geometry": Point(X0 + dx, Y0 + dy)}


def add_checkpoints(store, rows, shifts=True):
    """Checkpoints of the small city plus a full week's roster that meets the norm of their kind (so that only the
    standing staffing is judged unless a test changes a shift)."""
    def fill(ctx):
        upsert_layer(ctx, "checkpoints", gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326"))
        if shifts:
            insert_shifts(ctx, pd.DataFrame([
                {"checkpoint_code": r["code"], "date": TODAY + dt.timedelta(days=k), "shift": s, "staff": n,
                 "leader_name": "值班长"}
                for r in rows if r.get("status", "open") == "open" and r.get("is_24h", True)
                for k in range(7) for s, n in zip(("day", "night"), norm_staffing(r["kind"], NORMS))]))
    write(store, SYSTEM, fill)


def _v(store, code):
    """The version of a checkpoint as a person reads it before changing it."""
    with store.read() as s:
        return commands.checkpoint_by_code(s, code).version


def _rules(store, **kw):
    with store.read() as s:
        area = load_area(s, "S1", TODAY)
    return check_rules(area, radius_m=kw.get("radius_m", 150))


def test_three_guards_by_day_is_flagged_and_a_fourth_clears_it(store):
    """Scenario 9: a village entrance with 3 guards on the day shift is non-compliant; a fourth clears it."""
    load_small_city(store)
    add_checkpoints(store, [_entrance("E2", "G11K2", 0.025, 0.005, day=3, night=2)])
    bad = _rules(store)
    assert bad.loc[bad["code"] == "E2", "rule"].tolist() == ["understaffed"]
    assert "白班 3 人（≥4）" in bad.loc[bad["code"] == "E2", "detail_zh"].iloc[0]

    version = _v(store, "E2")
    write(store, Actor("sup", "supervisor", None),
          lambda ctx: commands.set_staffing(ctx, "E2", staff_day=4, expected_version=version))
    assert "E2" not in set(_rules(store).query("rule == 'understaffed'")["code"])
    with store.read() as s:
        ev = s.execute(select(Event).where(Event.action == "checkpoint.staffing")).scalars().one()
    assert (ev.entity_code, ev.old, ev.new, ev.actor) == ("E2", {"staff_day": 3}, {"staff_day": 4}, "sup")


def test_one_guard_at_night_is_flagged_two_are_enough(store):
    load_small_city(store)
    add_checkpoints(store, [_entrance("E2", "G11K2", 0.025, 0.005, day=4, night=1)])
    assert _rules(store).query("code == 'E2'")["rule"].tolist() == ["understaffed"]
    version = _v(store, "E2")
    write(store, SYSTEM, lambda ctx: commands.set_staffing(ctx, "E2", staff_night=2, expected_version=version))
    assert _rules(store).query("code == 'E2'").empty


def test_police_checkpoint_below_ten_a_day_is_flagged(store):
    load_small_city(store)
    add_checkpoints(store, [_entrance("J1", "C1", 0.01, 0.02, day=5, night=4, kind="police_urban"),
                            _entrance("J2", "C2", 0.06, 0.02, day=12, night=7, kind="highway")])
    bad = _rules(store).query("rule == 'understaffed'").set_index("code")
    assert set(bad.index) == {"J1", "J2"}
    assert "标准 ≥20 人/天" in bad.at["J2", "detail_zh"]


def test_second_open_entrance_of_a_closed_compound_is_flagged_until_one_closes(store):
    """Scenario 10: a compound under 封闭管理 keeps one entrance ("只留设一个出入口")."""
    load_small_city(store)
    write(store, SYSTEM, lambda ctx: set_control(ctx, "G11K1", "closed", "封闭管理", on=TODAY))
    assert _rules(store).query("rule == 'single_entrance'").empty  # E1 alone
    add_checkpoints(store, [_entrance("E1B", "G11K1", 0.015, 0.001)])
    bad = _rules(store).query("rule == 'single_entrance'")
    assert bad["code"].tolist() == ["G11K1"] and "E1、E1B" in bad["detail_zh"].iloc[0]

    version = _v(store, "E1B")
    write(store, Actor("sup", "supervisor", None),
          lambda ctx: commands.set_checkpoint_status(ctx, "E1B", "关闭", expected_version=version))
    assert _rules(store).query("rule == 'single_entrance'").empty


def test_the_open_entrances_are_named_in_code_order_whatever_order_the_rows_came_in():
    """A reused PostgreSQL database returned E1B before E1 once in CI; the detail must not follow physical order."""
    compounds = pd.DataFrame({"code": ["K1"], "name": ["小区"], "control_state": ["closed"], "lon": [0.0],
                              "lat": [0.0]})
    for order in (["E1", "E1B", "E0"], ["E1B", "E0", "E1"]):
        cps = pd.DataFrame({"code": order, "kind": "compound_entrance", "status": "open", "unit_code": "K1"})
        bad = cpr.single_entrance_violations(compounds, cps)
        assert bad["detail_zh"].tolist() == ["开放出入口 3 个（E0、E1、E1B），应只留 1 个"]
        assert bad["detail_en"].tolist() == ["3 open entrances (E0, E1, E1B); keep one"]


def test_a_sealed_compound_keeps_one_entrance_but_a_spot_is_not_a_closed_area(store):
    """Issue 14 point 9: single entrance applies to sealed (封锁/硬隔离) compounds and villages too, not to 疫点."""
    load_small_city(store)
    add_checkpoints(store, [_entrance("E1B", "G11K1", 0.015, 0.001)])
    assert _rules(store).query("rule == 'single_entrance'").empty  # normal: two gates are allowed
    write(store, SYSTEM, lambda ctx: set_control(ctx, "G11K1", "epidemic_spot", "疫点", on=TODAY))
    assert _rules(store).query("rule == 'single_entrance'").empty
    write(store, SYSTEM, lambda ctx: set_control(ctx, "G11K1", "sealed", "硬隔离", on=TODAY))
    assert _rules(store).query("rule == 'single_entrance'")["code"].tolist() == ["G11K1"]


def test_open_entrance_of_a_controlled_zone_needs_a_staffed_checkpoint_nearby(store):
    """C2 has a confirmed case today (S1 → controlled): its unguarded open entrance is flagged until a staffed
    checkpoint stands within the radius."""
    load_small_city(store)
    add_checkpoints(store, [_entrance("E9", "G21K1", 0.045, 0.001, day=0, night=0, is_24h=False),
                            _entrance("E8", "G11K2", 0.025, 0.001, day=0, night=0, is_24h=False)])
    bad = _rules(store).query("rule == 'uncovered_entrance'")
    assert bad["code"].tolist() == ["E9"]  # E8 lies in C1 (prevention zone): an unguarded gate there is allowed
    write(store, Actor("sup", "supervisor", None),
          lambda ctx: commands.add_checkpoint(ctx, lon=X0 + 0.0455, lat=Y0 + 0.0015, name="临时卡点"))
    assert _rules(store).query("rule == 'uncovered_entrance'").empty
    assert _rules(store, radius_m=20).query("rule == 'uncovered_entrance'")["code"].tolist() == ["E9"]


def test_an_under_staffed_post_still_covers_but_an_unguarded_one_does_not(store):
    load_small_city(store)
    add_checkpoints(store, [_entrance("E9", "G21K1", 0.045, 0.001, day=2, night=1)])
    assert _rules(store).query("rule == 'uncovered_entrance'").empty
    version = _v(store, "E9")
    write(store, SYSTEM, lambda ctx: commands.set_staffing(ctx, "E9", staff_day=0, staff_night=0, is_24h=False,
                                                           expected_version=version))
    assert _rules(store).query("rule == 'uncovered_entrance'")["code"].tolist() == ["E9"]


def test_a_missing_night_shift_is_a_roster_gap_and_a_short_shift_is_flagged(store):
    load_small_city(store)
    add_checkpoints(store, [_entrance("E2", "G11K2", 0.025, 0.005)])
    write(store, SYSTEM, lambda ctx: set_shift(ctx, "E2", TODAY + dt.timedelta(days=2), "night", 0))
    write(store, SYSTEM, lambda ctx: set_shift(ctx, "E2", TODAY + dt.timedelta(days=3), "day", 3))
    bad = _rules(store).query("code == 'E2'").set_index("rule")
    day2, day3 = TODAY + dt.timedelta(days=2), TODAY + dt.timedelta(days=3)
    assert bad.at["shift_gap", "detail_zh"] == f"{day2:%m-%d} 夜班"
    assert bad.at["shift_under", "detail_zh"] == f"{day3:%m-%d} 3+2人"
    write(store, SYSTEM, lambda ctx: set_shift(ctx, "E2", day2, "night", 2))
    write(store, SYSTEM, lambda ctx: set_shift(ctx, "E2", day3, "day", 4))
    assert _rules(store).query("code == 'E2'").empty


def test_the_factory_entrance_has_no_roster_and_shows_the_whole_week_as_gaps(store):
    load_small_city(store)  # E1 comes without shifts
    bad = _rules(store).query("code == 'E1'")
    assert bad["rule"].tolist() == ["shift_gap"]
    assert bad["detail_zh"].iloc[0].count("全天") == 7


def test_the_checkpoint_edit_rule_decides_who_changes_checkpoints_within_their_scope(store):
    """The commands ask scope.require_edit(actor, "checkpoint", …) — the rule /my-grid always used: community
    staff keep their entrances' staffing; the wall and health staff may not; nobody outside their scope."""
    load_small_city(store)
    with store.read() as s:
        from geodata.store.hierarchy import unit_by_code
        c1, c2 = unit_by_code(s, "C1").path, unit_by_code(s, "C2").path
    for who in (Actor("viewer", "viewer", None), Actor("health", "health", None),
                Actor("sup2", "supervisor", c2)):  # E1 stands in C1
        with pytest.raises(PermissionDenied):
            write(store, who, lambda ctx: commands.set_staffing(ctx, "E1", staff_day=5, expected_version=1))
    with pytest.raises(PermissionDenied):
        write(store, Actor("sup2", "supervisor", c2),
              lambda ctx: commands.add_checkpoint(ctx, name="x", lon=X0 + 0.001, lat=Y0 + 0.002))
    write(store, Actor("head", "community_head", c1),
          lambda ctx: commands.set_staffing(ctx, "E1", staff_day=5, expected_version=1))
    write(store, Actor("cmd", "command", None), lambda ctx: commands.set_staffing(ctx, "E1", staff_day=6,
                                                                                   expected_version=2))


def test_commands_keep_the_roll_up_counters_in_step(store):
    load_small_city(store)
    actor = Actor("sup", "supervisor", None)
    write(store, actor, lambda ctx: commands.add_checkpoint(ctx, name="新卡点", lon=X0 + 0.03, lat=Y0 + 0.005))
    write(store, actor, lambda ctx: commands.set_checkpoint_status(ctx, "E1", "closed", expected_version=1))
    write(store, actor, lambda ctx: commands.move_checkpoint(ctx, "G11K2K1", lon=X0 + 0.05, lat=Y0 + 0.03,
                                                             expected_version=1))
    with store.read() as s:
        assert compute_all(s).equals(stored_all(s).loc[compute_all(s).index])
        moved = commands.checkpoint_by_code(s, "G11K2K1")
        from geodata.store.models import Unit
        assert s.get(Unit, moved.unit_id).code == "G22K1"  # it joined the compound it now stands in
        events = s.execute(select(Event.action).where(Event.entity == "checkpoint")
                           .order_by(Event.id)).scalars().all()
    assert events[-3:] == ["checkpoint.create", "checkpoint.status", "checkpoint.move"]


def test_a_new_checkpoint_is_staffed_to_its_norm(store):
    load_small_city(store)
    cp = write(store, SYSTEM, lambda ctx: commands.add_checkpoint(ctx, name="高速卡点", lon=X0 + 0.03, lat=Y0 + 0.005,
                                                                  kind="高速"))
    assert (cp.new["kind"], cp.new["staff_day"], cp.new["staff_night"], cp.code) == ("highway", 10, 10, "G11K2K1")
