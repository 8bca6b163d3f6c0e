"""Door-to-door screening rounds (issue 15): coverage at its edges, scope of the current and the new place,
findings that raise the symptom alert, returnee lists matched by ID number and by name + room, the closing report."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.exchange.bulk import upsert_layer
from geodata.fieldwork.returnees import entries_of, import_returnees, match_entry
from geodata.fieldwork.screening import (
    close_round,
    coverage,
    households_to_visit,
    open_round_counts,
    record_visit,
    round_report,
    rounds_for,
    start_round,
)
from geodata.store.field_models import FieldEvent, ScreeningListEntry, ScreeningRound, ScreeningVisit
from geodata.store.models import Alert, Event, Unit
from geodata.store.writes import Actor, write
from tests.factories import load_small_city

def today() -> dt.date:
    """Read at each use, not at import: a whole run can cross midnight (CI did, and 14 tests failed)."""
    return dt.date.today()
SYSTEM = Actor.system("test")
#: G11 has four registered households in two buildings, G12 one, G21 one, G22 none
HOUSEHOLDS = [("H1", "G11K1B1", 1, "101", "张三"), ("H2", "G11K1B1", 1, "102", "赵六"),
              ("H3", "G11K1B1", 2, "201", "孙七"), ("H4", "G11K1B2", 1, "101", "李四"),
              ("H5", "G12K1B1", 1, "101", "周八"), ("H6", "G21K1B1", 1, "101", "王五")]


@pytest.fixture
def city(store):
    load_small_city(store)

    def fill(ctx):
        upsert_layer(ctx, "households", pd.DataFrame(
            [{"code": c, "building_code": b, "stair_unit": su, "room": r, "head_name": n, "members": 2}
             for c, b, su, r, n in HOUSEHOLDS]), recompute=False)
        upsert_layer(ctx, "persons", pd.DataFrame([
            {"code": "P9", "name": "钱九", "id_number": "420102198502020013", "household_code": "H2",
             "building_code": "G11K1B1"},
            {"code": "P10", "name": "吴十", "household_code": "H5", "building_code": "G12K1B1"},
        ]))

    write(store, SYSTEM, fill)
    with store.read() as s:
        paths = {u.code: u.path for u in s.execute(select(Unit)).scalars()}
    return {"paths": paths,
            "grid": Actor("grid11", "grid_leader", paths["G11"]),
            "other": Actor("grid21", "grid_leader", paths["G21"]),
            "head": Actor("head1", "community_head", paths["C1"]),
            "street": Actor("street", "supervisor", paths["S1"])}


def _start(store, actor, unit="C1", code="R1"):
    return write(store, actor, lambda ctx: start_round(ctx, unit, "春节后入户摸排", today() - dt.timedelta(days=1),
                                                        today() + dt.timedelta(days=5), code=code)).code


def _visit(store, actor, hh, presence="present", rnd="R1", **kw):
    return write(store, actor, lambda ctx: record_visit(ctx, rnd, hh, presence, **kw))


def _grid(frame, code):
    return frame.set_index("code").loc[code]


def test_coverage_counts_a_revisit_once_and_a_grid_without_households_has_no_share(store, city):
    _start(store, city["head"])
    with store.read() as s:
        before = coverage(s, city["head"], "R1", "grid")
    assert set(before["code"]) == {"G11", "G12"}
    assert _grid(before, "G11")[["households", "visited"]].tolist() == [4, 0]
    assert _grid(before, "G11")["share"] == 0
    _visit(store, city["grid"], "H1")
    _visit(store, city["grid"], "H1", presence="away")  # a revisit of the same door
    _visit(store, city["grid"], "H4")
    with store.read() as s:
        grids = coverage(s, city["head"], "R1", "grid")
        buildings = coverage(s, city["head"], "R1", "building")
        visits = s.execute(select(func.count()).select_from(ScreeningVisit)).scalar()
    assert visits == 3
    assert _grid(grids, "G11")[["households", "visited", "share"]].tolist() == [4, 2, 0.5]
    assert _grid(buildings, "G11K1B1")[["households", "visited"]].tolist() == [3, 1]
    assert _grid(buildings, "G11K1B2")["share"] == 1.0
    # a street-wide round: G22 has no registered household — no share at all, never 0 % or 100 %
    _start(store, city["street"], "S1", "R2")
    with store.read() as s:
        street = coverage(s, city["street"], "R2", "grid")
    assert _grid(street, "G22")["households"] == 0 and _grid(street, "G22")["share"] is None
    assert _grid(street, "G21")["share"] == 0


def test_all_households_visited_is_full_coverage(store, city):
    _start(store, city["grid"].__class__("h", "community_head", city["paths"]["C1"]), "G12", "R3")
    _visit(store, city["grid"].__class__("g12", "grid_leader", city["paths"]["G12"]), "H5", rnd="R3")
    with store.read() as s:
        totals = rounds_for(s, city["head"]).set_index("code").loc["R3"]
        wall = open_round_counts(s)
    assert (totals["households"], totals["visited"], totals["share"]) == (1, 1, 1.0)
    assert set(wall.columns) == {"code", "kind", "unit_name", "purpose", "ends_on", "households", "visited", "share"}


def test_round_totals_count_each_door_once_in_the_part_each_reader_sees(store, city):
    """The totals are counted in the database (the wall asks them of every open round on each refresh): a revisit
    is one visited household, a grid worker's totals are their grid's part, a returnee round counts its list."""
    _start(store, city["head"])  # C1: G11's four households and G12's one
    _visit(store, city["grid"], "H1")
    _visit(store, city["grid"], "H1", presence="away")
    _visit(store, city["grid"], "H4")
    frame = pd.DataFrame([{"name": "钱九", "id_number": "420102198502020013"},  # H2, G11
                          {"name": "吴十", "building_code": "G12K1B1", "room": "101"}])  # H5, G12
    write(store, city["head"], lambda ctx: import_returnees(ctx, "C1", frame, purpose="返乡人员核查", code="RL1"))
    _visit(store, city["grid"], "H2", rnd="RL1")
    with store.read() as s:
        head = rounds_for(s, city["head"]).set_index("code")
        grid = rounds_for(s, city["grid"]).set_index("code")
        wall = open_round_counts(s).set_index("code")
    assert head.loc["R1", ["households", "visited", "share"]].tolist() == [5, 2, 0.4]
    assert grid.loc["R1", ["households", "visited", "share"]].tolist() == [4, 2, 0.5]  # G11 only
    assert head.loc["RL1", ["households", "visited"]].tolist() == [2, 1]
    assert grid.loc["RL1", ["households", "visited"]].tolist() == [1, 1]
    assert wall.loc["R1", ["households", "visited"]].tolist() == [5, 2]
    assert wall.loc["RL1", ["households", "visited"]].tolist() == [2, 1]


def test_a_grid_worker_of_another_grid_is_refused_and_nothing_is_written(store, city):
    _start(store, city["head"])
    with pytest.raises(PermissionDenied):
        _visit(store, city["other"], "H1")  # G21's worker at a door in G11
    with pytest.raises(PermissionDenied):
        write(store, city["grid"], lambda ctx: start_round(ctx, "C1", "x", today(), today()))  # grid staff do not start
    with pytest.raises(PermissionDenied):  # a community head of C1 cannot open a round over C2
        write(store, city["head"], lambda ctx: start_round(ctx, "C2", "x", today(), today()))
    with store.read() as s:
        assert s.execute(select(func.count()).select_from(ScreeningVisit)).scalar() == 0
        assert s.execute(select(func.count()).select_from(ScreeningRound)).scalar() == 1
        # the G21 worker does not even see C1's round
        assert rounds_for(s, city["other"]).empty
        with pytest.raises(PermissionDenied):
            households_to_visit(s, city["other"], "R1")


def test_a_household_outside_the_round_and_bad_findings_are_refused_by_field(store, city):
    _start(store, city["head"], "G11", "R1")
    with pytest.raises(Rejected) as exc:
        _visit(store, city["head"], "H5")  # G12: the head may, but the round is G11's
    assert exc.value.problem.field == "household"
    with pytest.raises(Rejected) as exc:
        _visit(store, city["grid"], "H1", presence="returned", symptoms=["hiccups"])
    assert {p.field for p in exc.value.errors} == {"returned_from", "returned_on", "symptoms"}
    assert all(p.message_zh and p.message_en for p in exc.value.errors)
    with pytest.raises(Rejected):
        _visit(store, city["grid"], "H1", needs="买药\x00")  # a control character
    with store.read() as s:
        assert s.execute(select(func.count()).select_from(ScreeningVisit)).scalar() == 0


def test_a_fever_at_the_door_raises_the_symptom_alert_and_needs_become_an_event(store, city):
    _start(store, city["head"])
    res = _visit(store, city["grid"], "H1", presence="returned", returned_from="湖北武汉",
                 returned_on=today() - dt.timedelta(days=2), temperature=37.9, symptoms=["咳嗽"], needs="需要代购药品")
    assert res.flagged and res.alert_id is not None
    _visit(store, city["grid"], "H2")
    with store.read() as s:
        alerts = s.execute(select(Alert).where(Alert.kind == "symptom")).scalars().all()
        visit = s.execute(select(ScreeningVisit).where(ScreeningVisit.alert_id.is_not(None))).scalar_one()
    assert [a.subject_code for a in alerts] == ["H1"] and alerts[0].path == city["paths"]["C1"]
    assert visit.needs == "需要代购药品" and visit.symptoms == "cough"
    assert visit.event_code == res.event_code
    with store.read() as s:
        event = s.execute(select(FieldEvent).where(FieldEvent.code == res.event_code)).scalar_one()
    assert "需要代购药品" in event.text and event.path == city["paths"]["G11"] and event.status == "open"


def test_returnee_list_matches_by_id_then_name_and_room_and_flags_the_rest(store, city):
    frame = pd.DataFrame([
        {"姓名": "钱九", "身份证号": "420102198502020013", "从何地返回": "广东深圳", "返回日期": "2026-01-20"},
        {"姓名": "吴十", "楼栋": "G12K1B1", "房号": "101", "从何地返回": "浙江温州"},
        {"姓名": "无名氏", "楼栋": "G12K1B1", "房号": "909", "联系电话": "13812345678"},
        {"姓名": "孙七", "楼栋": "G11K1B1", "房号": "201"},  # the household head by name at their room
    ]).rename(columns={"姓名": "name", "身份证号": "id_number", "从何地返回": "came_from", "返回日期": "arrived_on",
                       "楼栋": "building_code", "房号": "room", "联系电话": "phone"})
    code, warnings = write(store, city["head"], lambda ctx: import_returnees(ctx, "C1", frame, purpose="返乡人员核查",
                                                                             code="RL1"))
    assert warnings == []
    with store.read() as s:
        entries = entries_of(s, city["head"], "RL1").set_index("row_no")
        grids = coverage(s, city["head"], "RL1", "grid")
    assert entries.loc[2, ["household_code", "matched_by"]].tolist() == ["H2", "id_number"]
    assert entries.loc[3, ["household_code", "matched_by"]].tolist() == ["H5", "name_room"]
    assert entries.loc[4, "matched_by"] is None and entries.loc[4, "household_code"] is None
    assert entries.loc[5, "household_code"] == "H3"
    # the round walks the matched households only
    assert _grid(grids, "G11")["households"] == 2 and _grid(grids, "G12")["households"] == 1
    # the community places the unmatched name by hand; a head of another community may not (current place)
    other_head = Actor("head2", "community_head", city["paths"]["C2"])
    with pytest.raises(PermissionDenied):
        write(store, other_head, lambda ctx: match_entry(ctx, "RL1", 4, "H6"))
    with pytest.raises(PermissionDenied):  # nor may C1's head move it into C2 (the new place)
        write(store, city["head"], lambda ctx: match_entry(ctx, "RL1", 4, "H6"))
    write(store, city["head"], lambda ctx: match_entry(ctx, "RL1", 4, "H4"))
    with store.read() as s:
        assert entries_of(s, city["head"], "RL1").set_index("row_no").loc[4, "matched_by"] == "hand"


def test_a_malformed_returnee_list_is_refused_by_row_with_both_languages_and_nothing_written(store, city):
    frame = pd.DataFrame([
        {"name": "钱九", "id_number": "420102198502020013"},
        {"name": "", "id_number": "12345"},  # no name, malformed ID number
        {"name": "张三", "phone": "call me", "arrived_on": "明天"},
    ])
    with pytest.raises(Rejected) as exc:
        write(store, city["head"], lambda ctx: import_returnees(ctx, "C1", frame, purpose="返乡人员核查"))
    by_row = {(p.row, p.field) for p in exc.value.errors}
    assert by_row == {(3, "name"), (3, "id_number"), (4, "phone"), (4, "arrived_on")}
    assert all(p.message_zh and p.message_en and p.message_zh != p.message_en for p in exc.value.errors)
    with store.read() as s:
        assert s.execute(select(func.count()).select_from(ScreeningRound)).scalar() == 0
        assert s.execute(select(func.count()).select_from(ScreeningListEntry)).scalar() == 0
        assert s.execute(select(func.count()).select_from(Event).where(Event.action.like("screening.%"))).scalar() == 0


def test_closing_reports_counts_per_grid_and_lists_the_unvisited_for_the_community(store, city):
    _start(store, city["head"])
    _visit(store, city["grid"], "H1", presence="returned", returned_from="北京", returned_on=today())
    _visit(store, city["grid"], "H3", needs="独居老人需送菜")
    with pytest.raises(PermissionDenied):
        write(store, city["grid"], lambda ctx: close_round(ctx, "R1"))  # grid staff do not close a round
    report = write(store, city["head"], lambda ctx: close_round(ctx, "R1"))
    assert (report.households, report.visited, report.returned, report.with_needs) == (5, 2, 1, 1)
    assert _grid(report.grids, "G11")[["households", "visited"]].tolist() == [4, 2]
    assert _grid(report.grids, "G12")[["households", "visited"]].tolist() == [1, 0]
    assert report.unvisited["household"].tolist() == ["H2", "H4", "H5"]
    assert "head_name" not in report.unvisited.columns  # the street's report names no one
    with store.read() as s:
        rnd = s.execute(select(ScreeningRound).where(ScreeningRound.code == "R1")).scalar_one()
        again = round_report(s, city["street"], "R1")
    assert (rnd.status, rnd.closed_households, rnd.closed_visited) == ("closed", 5, 2)
    assert again.visited == 2
    with pytest.raises(Rejected):  # no visit after closing, no second close
        _visit(store, city["grid"], "H2")
    with pytest.raises(Rejected):
        write(store, city["head"], lambda ctx: close_round(ctx, "R1"))


def test_the_worker_today_list_shows_households_still_to_visit(store, city):
    from geodata.fieldwork.screening import screening_tasks

    _start(store, city["head"])
    _visit(store, city["grid"], "H1")
    with store.read() as s:
        tasks = screening_tasks(s, city["grid"], today())
        none_for_other = screening_tasks(s, city["other"], today())
    assert [t.code for t in tasks] == ["R1"] and "3 户" in tasks[0].title_zh  # G11: four households, one visited
    assert none_for_other == []


def test_results_export_has_chinese_headers_and_neutralised_cells(store, city, tmp_path):
    from openpyxl import load_workbook

    from loaders import cells
    from loaders.screening_io import results_workbook

    _start(store, city["head"])
    _visit(store, city["grid"], "H1", needs="=HYPERLINK(\"http://x\")")
    out = cells.save_workbook(results_workbook(store, city["head"], "R1"), tmp_path / "r1.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["报告", "走访记录", "未走访户"]
    visits = wb["走访记录"]
    assert [c.value for c in visits[1]][:4] == ["走访日期", "网格", "楼栋", "户编码"]
    needs = [c.value for c in visits[2]][11]
    assert needs.startswith("'=") and visits.cell(2, 12).data_type == "s"
    assert wb["未走访户"].max_row == 1 + 4  # header + H2, H3, H4, H5
