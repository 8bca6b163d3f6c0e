"""Editing records: validation with every problem named, counters kept in step, rules kept by their commands,
conflicts between two people saving the same record, bulk edits as one transaction, and map edits (moving a
checkpoint, reshaping grids) checked before they are saved."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import func, select

from geodata.base.problems import Rejected
from geodata.checkpoints import commands
from geodata.editing import records as editing
from geodata.editing import shapes
from geodata.exchange.integrity import check
from geodata.situation.history import replay_differences
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Building, Case, Checkpoint, Event, Person, Unit, UnitStats
from geodata.store.stats import compute_all, stored_all
from geodata.store.writes import write
from tests.factories import TODAY, X0, Y0, H, W
from tests.geodata.test_scope_city import actor, city  # noqa: F401 — `city` is a fixture


def edit(store, username, entity, code, changes, version, reason=None):
    return write(store, actor(store, username), lambda ctx: editing.update_record(
        ctx, entity, code, changes, expected_version=version, reason=reason))


def row(store, model, code):
    with store.read() as s:
        return s.execute(select(model).where(model.code == code)).scalar_one()


def stats(store, code) -> UnitStats:
    with store.read() as s:
        return s.get(UnitStats, unit_by_code(s, code).id)


def counters_match(store) -> bool:
    with store.read() as s:
        return compute_all(s).sort_index().equals(stored_all(s).sort_index())


# --- validation --------------------------------------------------------------------------------------------


def test_every_invalid_field_is_named_and_nothing_is_written(city):
    before = city.data_version()
    with pytest.raises(Rejected) as err:
        edit(city, "head1", "building", "G11K1B1", {
            "name": "   ", "households": -3, "floors": "七", "control_state": "lockdown", "leader_phone": "call me",
            "address": "x" * 301, "colour": "red"}, 1)
    fields = {p.field for p in err.value.problems}
    assert fields == {"name", "households", "floors", "control_state", "leader_phone", "address", "colour"}
    messages = " ".join(p.message_zh + p.message_en for p in err.value.problems)
    assert "不能为空" in messages and "at most 300 characters (301 given)" in messages
    assert "between 0 and 100000" in messages and "unknown value 'lockdown'" in messages
    assert city.data_version() == before and row(city, Building, "G11K1B1").version == 1


def test_vocabulary_labels_and_synonyms_are_accepted_and_stored_as_codes(city):
    edit(city, "head1", "checkpoint", "E1", {"kind": "卡点", "status": "关闭", "is_24h": "否"}, 1)
    cp = row(city, Checkpoint, "E1")
    assert (cp.kind, cp.status, cp.is_24h) == ("community_checkpoint", "closed", False)
    edit(city, "grid11", "person", "P1", {"tags": "党员、独居", "gender": "female", "resident_type": "暂住"}, 1)
    with city.read() as s:
        p = s.execute(select(Person).where(Person.code == "P1")).scalar_one()
    assert (p.tags, p.gender, p.resident_type) == (["party_member", "elderly_alone"], "女", "temporary")


def test_id_numbers_phones_and_dates_are_checked(city):
    with pytest.raises(Rejected) as err:
        edit(city, "grid11", "person", "P1", {"id_number": "11010519900101123", "phone": "<b>1</b>"}, 1)
    assert {p.field for p in err.value.problems} == {"id_number", "phone"}  # 17 digits: malformed
    edit(city, "grid11", "person", "P1", {"id_number": "110105198002020048"}, 1)
    assert row(city, Person, "P1").id_number == "110105198002020048"
    with pytest.raises(Rejected, match="planned end is before the start"):
        edit(city, "head1", "observation", "O1", {"planned_end": TODAY - dt.timedelta(days=30)}, 1)


def test_households_of_a_unit_with_buildings_are_edited_on_the_buildings(city):
    with pytest.raises(Rejected, match="edit the buildings"):
        edit(city, "head1", "unit", "G11K1", {"households": 5}, 1)
    with pytest.raises(Rejected, match="only compounds"):
        edit(city, "head1", "unit", "G11", {"control_state": "closed"}, 1)


# --- counters, events and the rules' own commands --------------------------------------------------------------


def test_counts_move_with_the_edit_up_to_the_city(city):
    before = {c: stats(city, c) for c in ("G11", "C1", "420100")}
    change = edit(city, "head1", "building", "G11K1B1", {"households": 130, "population": 300}, 1, "复核入户")
    assert change.old == {"households": 100, "population": 250} and change.version == 2
    for code, old in before.items():
        new = stats(city, code)
        assert (new.households - old.households, new.population - old.population) == (30, 50), code
    edit(city, "head1", "checkpoint", "E1", {"status": "closed"}, 1)
    assert stats(city, "G11").checkpoints_open == before["G11"].checkpoints_open - 1
    edit(city, "health1", "observation", "O1", {"kind": "集中隔离"}, 1)
    g11 = stats(city, "G11")
    assert (g11.obs_home, g11.obs_central) == (before["G11"].obs_home - 1, before["G11"].obs_central + 1)
    assert counters_match(city)
    with city.read() as s:
        ev = s.execute(select(Event).where(Event.action == "building.update")).scalars().one()
        assert replay_differences(s) == []
    assert (ev.actor, ev.entity_code, ev.old, ev.new, ev.reason) == (
        "head1", "G11K1B1", {"households": 100, "population": 250}, {"households": 130, "population": 300}, "复核入户")


def test_control_state_goes_through_the_control_rules(city):
    edit(city, "head1", "building", "G11K1B2", {"control_state": "封闭管理", "control_reason": "出现密接"}, 1)
    b = row(city, Building, "G11K1B2")
    assert (b.control_state, b.control_reason) == ("closed", "出现密接")
    with city.read() as s:
        ev = s.execute(select(Event).where(Event.action == "control.change")).scalars().one()
        assert replay_differences(s) == []
    assert ev.new["state"] == "closed" and ev.actor == "head1"
    with pytest.raises(Rejected, match="a reason is required"):
        edit(city, "head1", "building", "G11K1B1", {"control_state": "sealed"}, 1)
    # the case of K1 made G21K1B1 an epidemic spot: only the lift decision ends it, not a table edit
    assert row(city, Building, "G21K1B1").control_state in ("normal", "epidemic_spot")


def test_a_case_kind_changes_through_reclassification(city):
    edit(city, "head1", "case", "K2", {"kind": "确诊", "note": "复核阳性"}, 1, "核酸阳性")
    with city.read() as s:
        actions = [e.action for e in s.execute(select(Event).where(Event.entity_code == "K2")).scalars()]
        assert replay_differences(s) == []
    assert "case.update" in actions
    assert stats(city, "G11").cases_confirmed == 1 and row(city, Building, "G11K1B2").control_state == "epidemic_spot"


# --- conflicts -------------------------------------------------------------------------------------------------


def test_second_of_two_sessions_saving_the_same_record_is_refused_with_both_values(city):
    # two people open the building at version 1 (two read sessions), both save
    with city.read() as s1, city.read() as s2:
        seen1 = s1.execute(select(Building.version).where(Building.code == "G11K1B1")).scalar_one()
        seen2 = s2.execute(select(Building.version).where(Building.code == "G11K1B1")).scalar_one()
    assert seen1 == seen2 == 1
    edit(city, "head1", "building", "G11K1B1", {"leader_name": "王楼长", "floors": 18}, seen1)
    before = city.data_version()
    with pytest.raises(editing.Conflict) as err:
        edit(city, "grid11", "building", "G11K1B1", {"leader_name": "李楼长", "floors": 18}, seen2)
    c = err.value
    assert c.changed_by == "head1" and c.changed_at is not None
    assert c.fields == {"leader_name": ("李楼长", "王楼长"), "floors": (18, 18)}
    assert c.differing == {"leader_name": ("李楼长", "王楼长")}
    assert (c.expected_version, c.current_version) == (1, 2)
    assert "已被 head1 于" in c.message_zh and "changed by head1 at" in c.message_en
    assert row(city, Building, "G11K1B1").leader_name == "王楼长" and city.data_version() == before
    # having seen both values, the second person saves again on the new version
    edit(city, "grid11", "building", "G11K1B1", {"leader_name": "李楼长"}, c.current_version)
    assert row(city, Building, "G11K1B1").leader_name == "李楼长"


def test_a_save_racing_past_the_version_check_is_refused_by_the_version_column(city):
    """The other save commits between this one's read and its write: the row's version_id_col catches it."""
    def racing(ctx):
        ctx.session.execute(select(Building).where(Building.code == "G11K1B1")).scalar_one()  # read at version 1
        edit(city, "head1", "building", "G11K1B1", {"leader_name": "王楼长"}, 1)  # another session commits
        return editing.update_record(ctx, "building", "G11K1B1", {"leader_name": "李楼长"}, expected_version=1)

    with pytest.raises(editing.Conflict) as err:
        write(city, actor(city, "grid11"), racing)
    assert err.value.changed_by == "head1" and err.value.fields == {"leader_name": ("李楼长", "王楼长")}
    assert row(city, Building, "G11K1B1").leader_name == "王楼长"


def test_a_form_saved_on_an_old_version_is_refused_naming_what_changed_and_only_changed_fields_are_written(city):
    """Issue 18 (5): the entrance form was filled at version 1; someone else saves the night staff; this save of
    the day staff is refused (saying the night staff changed), and its retry on the current version writes the
    day staff only — the other person's night staff stays."""
    read = {"status": "open", "staff_day": 4, "staff_night": 2, "is_24h": True}  # what the form showed
    assert (row(city, Checkpoint, "E1").staff_night, row(city, Checkpoint, "E1").version) == (2, 1)
    edit(city, "grid11", "checkpoint", "E1", {"staff_night": 5}, 1)
    with pytest.raises(editing.Conflict) as err:
        write(city, actor(city, "head1"), lambda ctx: editing.update_record(
            ctx, "checkpoint", "E1", {"staff_day": 6}, expected_version=1, read=read))
    c = err.value
    assert (c.changed_by, c.expected_version, c.current_version) == ("grid11", 1, 2)
    assert c.fields == {"staff_day": (6, 4)} and c.meanwhile == {"staff_night": (2, 5)} and c.read == read
    assert "其间改动：夜班人数 2 → 5" in c.message_zh and "changed meanwhile: night staff 2 → 5" in c.message_en
    cp = row(city, Checkpoint, "E1")
    assert (cp.staff_day, cp.staff_night, cp.version) == (4, 5, 2)

    change = write(city, actor(city, "head1"), lambda ctx: editing.update_record(
        ctx, "checkpoint", "E1", {"staff_day": 6}, expected_version=c.current_version, read={"staff_day": 4}))
    cp = row(city, Checkpoint, "E1")
    assert (cp.staff_day, cp.staff_night, cp.status, cp.is_24h) == (6, 5, "open", True)
    assert change.new == {"staff_day": 6}
    with city.read() as s:
        ev = s.execute(select(Event).where(Event.action == "checkpoint.update", Event.actor == "head1")).scalar_one()
    assert (ev.old, ev.new) == ({"staff_day": 4}, {"staff_day": 6})


def test_values_read_that_equal_the_stored_ones_are_not_reported_as_changed_meanwhile(city):
    """A form's values that equal the stored ones (1 for True, a label for its code) are not reported as changed;
    a save that does not say what it read keeps the plain message."""
    edit(city, "grid11", "checkpoint", "E1", {"staff_night": 5}, 1)
    read = {"status": "开放", "is_24h": 1, "staff_night": 5, "leader_name": ""}
    with pytest.raises(editing.Conflict) as err:
        write(city, actor(city, "head1"), lambda ctx: editing.update_record(
            ctx, "checkpoint", "E1", {"staff_day": 6}, expected_version=1, read=read))
    assert err.value.meanwhile == {}
    with pytest.raises(editing.Conflict) as err:
        edit(city, "head1", "checkpoint", "E1", {"staff_day": 6}, 1)
    assert err.value.meanwhile == {} and "其间改动" not in err.value.message_zh


# --- bulk edits ------------------------------------------------------------------------------------------------


def test_a_bulk_edit_is_one_transaction(city):
    rows = [{"code": "G11K1B1", "version": 1, "floors": 6}, {"code": "G11K1B2", "version": 1, "floors": -1},
            {"code": "G11K2B1", "version": 1, "floors": 9, "households": "many"}]
    before = city.data_version()
    with pytest.raises(Rejected) as err:
        write(city, actor(city, "head1"), lambda ctx: editing.update_records(ctx, "building", rows))
    assert sorted((p.row, p.field) for p in err.value.problems) == [(2, "floors"), (3, "households")]
    assert row(city, Building, "G11K1B1").floors is None and city.data_version() == before

    edit(city, "grid11", "building", "G11K2B1", {"floors": 4}, 1)
    good = [{"code": "G11K1B1", "version": 1, "floors": 6}, {"code": "G11K2B1", "version": 1, "floors": 9}]
    with pytest.raises(editing.BulkConflict) as err2:
        write(city, actor(city, "head1"), lambda ctx: editing.update_records(ctx, "building", good))
    assert [c.code for c in err2.value.conflicts] == ["G11K2B1"] and row(city, Building, "G11K1B1").floors is None

    good[1]["version"] = 2
    before = city.data_version()
    changes = write(city, actor(city, "head1"), lambda ctx: editing.update_records(ctx, "building", good,
                                                                                   reason="台账核对"))
    assert [c.version for c in changes] == [2, 3] and city.data_version() == before + 1
    with city.read() as s:
        n = s.execute(select(func.count()).select_from(Event).where(Event.action == "building.update",
                                                                    Event.reason == "台账核对")).scalar_one()
    assert n == 2


# --- free text -------------------------------------------------------------------------------------------------

EVIL = [
    "<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE buildings; --",
    "Robert'); DELETE FROM persons WHERE '1'='1", "{{7*7}} ${7*7} %s %(x)s", "👨‍👩‍👧‍👦🦠 防疫 ✅",
    "RTL\u202eZW\u200bLS\u2028NEL\x85BOM\ufeff", "\\x00 not a NUL", "**bold** _md_ [link](javascript:x)",
]


@pytest.mark.parametrize("value", EVIL)
def test_malicious_text_is_stored_exactly(city, value):
    edit(city, "head1", "building", "G11K1B1", {"name": value[:200], "address": value[:300],
                                                "control_state": "closed", "control_reason": value}, 1)
    b = row(city, Building, "G11K1B1")
    assert (b.name, b.address, b.control_reason) == (value[:200], value[:300], value)
    edit(city, "head1", "case", "K2", {"note": value}, 1, reason=value)
    with city.read() as s:
        ev = s.execute(select(Event).where(Event.action == "case.update")).scalars().one()
    assert ev.new == {"note": value} and ev.reason == value


def test_ten_thousand_characters_fit_text_fields_and_are_refused_by_short_ones(city):
    long = ("长文本🦠<b>" * 1500)[:10_000]
    edit(city, "head1", "case", "K2", {"note": long}, 1)
    with city.read() as s:
        assert s.execute(select(Case.note).where(Case.code == "K2")).scalar_one() == long
    with pytest.raises(Rejected, match=r"at most 200 characters \(10000 given\)"):
        edit(city, "head1", "building", "G11K1B1", {"name": long}, 1)
    with pytest.raises(Rejected, match="NUL"):
        edit(city, "head1", "case", "K2", {"note": "a\x00b"}, 2)
    with pytest.raises(Rejected, match="not valid Unicode"):
        edit(city, "head1", "case", "K2", {"note": "lone \ud800 surrogate"}, 2)


# --- map edits -------------------------------------------------------------------------------------------------


def test_a_checkpoint_moves_within_its_compound_or_joins_the_next(city):
    g11k2 = (X0 + W * 3 / 8, Y0 + H / 4)  # compound G11K2, same grid
    change = write(city, actor(city, "head1"), lambda ctx: commands.move_checkpoint(
        ctx, "E1", X0 + 0.003, Y0 + 0.003, expected_version=1))
    assert change.new["unit"] == "G11K1"
    before_k1, before_k2 = stats(city, "G11K1"), stats(city, "G11K2")
    write(city, actor(city, "head1"), lambda ctx: commands.move_checkpoint(ctx, "E1", *g11k2, expected_version=2))
    cp = row(city, Checkpoint, "E1")
    with city.read() as s:
        assert s.get(Unit, cp.unit_id).code == "G11K2" and cp.path == unit_by_code(s, "G11K2").path
    assert stats(city, "G11K1").checkpoints == before_k1.checkpoints - 1
    assert stats(city, "G11K2").checkpoints == before_k2.checkpoints + 1 and counters_match(city)
    # an entrance on the compound's edge is inside; a point off the map is not
    write(city, actor(city, "head1"), lambda ctx: commands.move_checkpoint(ctx, "E1", X0 + W / 4, Y0 + 0.001,
                                                                          expected_version=3))
    with pytest.raises(Rejected, match="outside"):
        write(city, actor(city, "head1"), lambda ctx: commands.move_checkpoint(ctx, "E1", X0 - 1, Y0,
                                                                              expected_version=4))
    with pytest.raises(editing.Conflict):
        write(city, actor(city, "head1"), lambda ctx: commands.move_checkpoint(ctx, "E1", *g11k2,
                                                                              expected_version=1))


def test_a_drawn_checkpoint_joins_the_deepest_unit(city):
    change = write(city, actor(city, "sup1"), lambda ctx: commands.add_checkpoint(
        ctx, name="<新卡点>", kind="卡点", lon=X0 + 0.002, lat=Y0 + 0.002, staff_day=4, staff_night=2))
    assert change.code == "G11K1K1" and change.new["unit"] == "G11K1"
    assert stats(city, "G11K1").checkpoints == 2 and counters_match(city)


def grid(code, dy=0.0):
    """The factory grid box, its shared north/south edge moved by dy."""
    ci, gi = int(code[1]) - 1, int(code[2]) - 1
    cx, gy = X0 + ci * W / 2, Y0 + gi * H / 2
    south, north = gy + (dy if gi == 1 else 0), gy + H / 2 + (dy if gi == 0 else 0)
    return box(cx, south, cx + W / 2, north)


def test_two_grids_share_a_moved_boundary(city):
    dy = 0.0001  # 0.5 % of a grid's height: the compounds stick out within the import tolerance
    result = write(city, actor(city, "sup1"), lambda ctx: shapes.reshape_units(
        ctx, {"G11": (grid("G11", dy).wkt, 1), "G12": (shapely.to_geojson(grid("G12", dy)), 1)}, reason="边界调整"))
    assert [c.code for c in result.changes] == ["G11", "G12"] and result.changes[0].version == 2
    assert any("stick out" in w.message_en for w in result.warnings)
    g11 = row(city, Unit, "G11")
    assert g11.maxy == pytest.approx(Y0 + H / 2 + dy) and shapely.equals(g11.geom, grid("G11", dy))
    assert g11.label_lat < g11.maxy and counters_match(city)
    with city.read() as s:
        report = check(s)
    assert not [p for p in report.problems if "G11×G12" in p or "children do not tile their parent" in p and "C1" in p]


@pytest.mark.parametrize("shape, message", [
    (box(X0, Y0, X0 + W / 2, Y0 + H / 2 + 0.002), "overlaps G12"),
    (box(X0 - 0.01, Y0, X0 + W / 2, Y0 + H / 2), "outside its parent"),
    ("POLYGON((114.30 30.58, 114.34 30.60, 114.34 30.58, 114.30 30.60, 114.30 30.58))", "invalid polygon"),
    ("LINESTRING(114.30 30.58, 114.34 30.60)", "must be a polygon"),
    ("not a shape", "cannot read the shape"),
    (box(X0, Y0, X0 + W / 4, Y0 + H / 2), "building(s) would fall outside"),
])
def test_a_bad_shape_is_refused_with_the_reason(city, shape, message):
    value = shape if isinstance(shape, str) else shape.wkt
    with pytest.raises(Rejected, match=re.escape(message)):
        write(city, actor(city, "sup1"), lambda ctx: shapes.reshape_unit(ctx, "G11", value, expected_version=1))
    assert row(city, Unit, "G11").version == 1


def test_a_shrunk_grid_names_the_buildings_left_outside(city):
    with pytest.raises(Rejected) as err:
        write(city, actor(city, "sup1"), lambda ctx: shapes.reshape_unit(
            ctx, "G11", box(X0, Y0, X0 + W / 4, Y0 + H / 2).wkt, expected_version=1))
    text = str(err.value)
    assert "G11K2B1" in text and "G11K2B2" in text and "G11K1B1" not in text
