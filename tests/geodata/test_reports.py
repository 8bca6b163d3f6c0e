"""Daily reports (日报) and zero reports (零报告): cut-off edges, late and zero reports, who may submit, who has not
reported, and summaries that equal the sum of their parts (domain file §3.1, §4.2, scenario 12).

The city: tests.factories' small city with its street split in two (S1 ← C1, S2 ← C2) so a district has two
streets. On TODAY, C1 has one person under home observation (started 3 days ago) and an open entrance — nothing
new that day; C2 has a confirmed case reported TODAY and a person in centralised observation.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from shapely.geometry import box
from sqlalchemy import select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.exchange.bulk import upsert_layer
from geodata.reporting.reports import (
    DATA_FIGURES,
    FIGURES,
    cutoff_at,
    missing_reports,
    prefill,
    report_missing,
    report_status,
    submit_report,
    summary,
)
from geodata.situation.cases import record_case
from geodata.store.models import DailyReport, Event
from geodata.situation.settings import set_setting
from geodata.store.writes import Actor, write
from tests.factories import TODAY, X0, Y0, H, W, building_frame, unit_frames

SYSTEM = Actor.system("test")
COMMAND = Actor("command", "command")


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss))


def load_two_street_city(store) -> dict[str, str]:
    """The factory city with streets S1 (community C1) and S2 (community C2); returns unit paths by code."""
    frames = unit_frames()
    frames["streets"] = gpd_frame([
        {"code": "S1", "name": "大智街道", "parent_code": "D1", "geometry": box(X0, Y0, X0 + W / 2, Y0 + H)},
        {"code": "S2", "name": "一元街道", "parent_code": "D1", "geometry": box(X0 + W / 2, Y0, X0 + W, Y0 + H)},
    ])
    frames["communities"].loc[frames["communities"]["code"] == "C2", "parent_code"] = "S2"

    def fill(ctx):
        for layer, frame in frames.items():
            upsert_layer(ctx, layer, frame, recompute=False)
        upsert_layer(ctx, "buildings", building_frame(), recompute=False)
        upsert_layer(ctx, "persons", pd.DataFrame([
            {"code": "P1", "name": "张三", "building_code": "G11K1B1"},
            {"code": "P3", "name": "王五", "building_code": "G21K1B1"},
        ]), recompute=False)
        upsert_layer(ctx, "observations", pd.DataFrame([
            {"code": "O1", "person_code": "P1", "kind": "home", "start_date": TODAY - dt.timedelta(days=3)},
            {"code": "O2", "person_code": "P3", "kind": "central", "start_date": TODAY - dt.timedelta(days=5)},
        ]), recompute=False)
        upsert_layer(ctx, "cases", pd.DataFrame([
            {"code": "K1", "kind": "confirmed", "reported_on": TODAY, "person_code": "P3"},
        ]), recompute=False)
        upsert_layer(ctx, "checkpoints", gpd_frame([
            {"code": "E1", "name": "幸福1小区东门", "kind": "compound_entrance", "unit_code": "G11K1",
             "staff_day": 4, "staff_night": 2, "geometry": box(X0, Y0, X0 + 0.001, Y0 + 0.001).centroid},
        ]))

    write(store, SYSTEM, fill)
    with store.read() as s:
        from geodata.store.models import Unit

        return dict(s.execute(select(Unit.code, Unit.path)).all())


def gpd_frame(rows):
    import geopandas as gpd

    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


@pytest.fixture
def city(store):
    return store, load_two_street_city(store)


def head_of(paths, code: str) -> Actor:
    return Actor(f"head-{code}", "community_head", paths[code])


def submit(store, actor, community, on=TODAY, **kw):
    return write(store, actor, lambda ctx: submit_report(ctx, community, on, **kw))


def problems(exc: Rejected) -> str:
    return " | ".join(f"{p.message_zh} / {p.message_en}" for p in exc.value.problems)


# --- prefill ---------------------------------------------------------------------------------------------------


def test_prefill_reads_the_days_figures_from_the_data(city):
    store, _ = city
    with store.read() as s:
        c1, c2 = prefill(s, "C1", TODAY), prefill(s, "C2", TODAY)
    assert set(c1) == {f.key for f in FIGURES}
    assert (c1["obs_home"], c1["obs_new"], c1["new_confirmed"], c1["checkpoints_open"]) == (1, 0, 0, 1)
    assert (c2["obs_central"], c2["new_confirmed"], c2["checkpoints_open"]) == (1, 1, 0)
    assert c1["masks_on_hand"] is None  # supplies are typed by the community
    with store.read() as s:
        three_days_ago = prefill(s, "C1", TODAY - dt.timedelta(days=3))
    assert three_days_ago["obs_new"] == 1


def test_supplies_start_from_the_communitys_previous_report(city):
    store, paths = city
    yesterday = TODAY - dt.timedelta(days=1)
    submit(store, head_of(paths, "C1"), "C1", yesterday, figures={"masks_on_hand": 500, "supply_days": 12},
           now=at(yesterday, 9))
    with store.read() as s:
        form = prefill(s, "C1", TODAY)
    assert (form["masks_on_hand"], form["supply_days"]) == (500, 12)


# --- cut-off edges and late reports --------------------------------------------------------------------------


@pytest.mark.parametrize(("clock", "late"), [((15, 59, 59), False), ((16, 0, 0), True), ((16, 0, 1), True),
                                             ((0, 0, 0), False)])
def test_report_is_late_from_the_cutoff_second_on(city, clock, late):
    store, paths = city
    result = submit(store, head_of(paths, "C1"), "C1", zero=True, now=at(TODAY, *clock))
    assert result.late is late
    with store.read() as s:
        row = s.execute(select(DailyReport)).scalar_one()
        assert (row.late, row.submitted_at) == (late, at(TODAY, *clock))
        status = report_status(s, "C1", TODAY, at(TODAY, 23)).iloc[0]
    assert status["status"] == ("late" if late else "on_time")


def test_report_for_a_day_submitted_the_next_morning_is_late_but_accepted(city):
    store, paths = city
    yesterday = TODAY - dt.timedelta(days=1)
    result = submit(store, head_of(paths, "C1"), "C1", yesterday, zero=True, now=at(TODAY, 8))
    assert result.late is True
    with store.read() as s:
        status = report_status(s, "D1", yesterday, at(TODAY, 8)).set_index("code")
    assert status.loc["C1", "status"] == "late" and status.loc["C1", "submitted"]
    assert status.loc["C2", "status"] == "missing"


def test_cutoff_comes_from_the_daily_report_setting(city):
    store, paths = city
    write(store, COMMAND, lambda ctx: set_setting(ctx, "daily_report", {"cutoff": "10:00"}))
    with store.read() as s:
        assert cutoff_at(s, TODAY) == at(TODAY, 10)
    assert submit(store, head_of(paths, "C1"), "C1", zero=True, now=at(TODAY, 10)).late is True


def test_report_for_a_future_day_is_refused(city):
    store, paths = city
    with pytest.raises(Rejected) as exc:
        submit(store, head_of(paths, "C1"), "C1", TODAY + dt.timedelta(days=1), zero=True, now=at(TODAY, 9))
    assert "future" in problems(exc)


def test_submitting_again_keeps_the_first_time_and_late_flag(city):
    store, paths = city
    head = head_of(paths, "C1")
    submit(store, head, "C1", zero=True, now=at(TODAY, 9))
    again = submit(store, head, "C1", figures={"masks_on_hand": 300}, now=at(TODAY, 17))
    assert again.revised and again.late is False
    with store.read() as s:
        row = s.execute(select(DailyReport)).scalar_one()
        actions = s.execute(select(Event.action).where(Event.entity == "daily_report").order_by(Event.id)).scalars()
        assert list(actions) == ["daily_report.submit", "daily_report.revise"]
    assert row.submitted_at == at(TODAY, 9) and row.figures["values"]["masks_on_hand"] == 300
    assert row.figures["revisions"] == 1


# --- zero reports ---------------------------------------------------------------------------------------------


def test_one_click_zero_report_counts_as_submitted(city):
    store, paths = city
    result = submit(store, head_of(paths, "C1"), "C1", zero=True, now=at(TODAY, 9))
    assert result.is_zero
    with store.read() as s:
        status = report_status(s, "S1", TODAY, at(TODAY, 17)).iloc[0]
        missing = missing_reports(s, "D1", TODAY, at(TODAY, 17))
        report = s.execute(select(DailyReport)).scalar_one()
    assert (status["submitted"], status["is_zero"], status["status"]) == (True, True, "on_time")
    assert list(missing["code"]) == ["C2"]
    # the zero report still carries the standing figures, so the summaries add up
    assert report.figures["values"]["obs_home"] == 1 and report.figures["values"]["new_confirmed"] == 0


def test_zero_report_is_refused_when_the_day_has_a_case(city):
    store, paths = city
    with pytest.raises(Rejected) as exc:
        submit(store, head_of(paths, "C2"), "C2", zero=True, now=at(TODAY, 9))
    text = problems(exc)
    assert "零报告" in text and "新增确诊1" in text and "not zero" in text
    with store.read() as s:
        assert s.execute(select(DailyReport)).first() is None


def test_a_full_report_with_nothing_new_is_also_a_zero_report(city):
    store, paths = city
    assert submit(store, head_of(paths, "C1"), "C1", now=at(TODAY, 9)).is_zero
    assert not submit(store, head_of(paths, "C2"), "C2", now=at(TODAY, 9)).is_zero


def test_zero_report_takes_no_corrections(city):
    store, paths = city
    with pytest.raises(Rejected) as exc:
        submit(store, head_of(paths, "C1"), "C1", zero=True, corrections={"obs_home": 2}, reason="x",
               now=at(TODAY, 9))
    assert "no corrections" in problems(exc)


# --- corrections ------------------------------------------------------------------------------------------------


def test_a_correction_needs_a_reason(city):
    store, paths = city
    with pytest.raises(Rejected) as exc:
        submit(store, head_of(paths, "C2"), "C2", corrections={"obs_central": 2}, now=at(TODAY, 9))
    assert "须说明原因" in problems(exc) and "give a reason" in problems(exc)
    result = submit(store, head_of(paths, "C2"), "C2", corrections={"obs_central": 2},
                    reason="一人今日转入集中隔离点，系统未录入", now=at(TODAY, 9))
    assert result.corrections == {"obs_central": {"from": 1, "to": 2}}


def test_figures_must_be_whole_numbers_of_known_fields(city):
    store, paths = city
    with pytest.raises(Rejected) as exc:
        submit(store, head_of(paths, "C1"), "C1", figures={"masks_on_hand": -1, "nonsense": 3},
               now=at(TODAY, 9))
    text = problems(exc)
    assert "nonsense" in text and "≥ 0" in text


# --- who may submit -----------------------------------------------------------------------------------------------


def test_only_the_communitys_head_or_grid_leader_may_submit(city):
    store, paths = city
    assert submit(store, Actor("grid", "grid_leader", paths["G11"]), "C1", zero=True, now=at(TODAY, 9))
    for actor in (head_of(paths, "C2"), Actor("grid2", "grid_leader", paths["G21"]),
                  Actor("sup", "supervisor", paths["S1"]), COMMAND, Actor("head", "community_head", None)):
        with pytest.raises(PermissionDenied):
            submit(store, actor, "C1", zero=True, now=at(TODAY, 9))


# --- missing reports ---------------------------------------------------------------------------------------------


def test_missing_reports_are_listed_only_once_the_cutoff_has_passed(city):
    store, paths = city
    submit(store, head_of(paths, "C1"), "C1", zero=True, now=at(TODAY, 9))
    with store.read() as s:
        before = missing_reports(s, "D1", TODAY, at(TODAY, 15, 59, 59))
        pending = report_status(s, "D1", TODAY, at(TODAY, 15, 59, 59)).set_index("code")
        after = missing_reports(s, "D1", TODAY, at(TODAY, 16))
        wall_before = report_missing(s, TODAY, at(TODAY, 15, 59, 59)).set_index("code")
        wall_after = report_missing(s, TODAY, at(TODAY, 16)).set_index("code")
    assert before.empty and pending.loc["C2", "status"] == "pending"
    assert list(after["code"]) == ["C2"] and after.iloc[0]["street_name"] == "一元街道"
    assert not wall_before["report_missing"].any()
    assert wall_after["report_missing"].to_dict() == {"C1": False, "C2": True}


def test_a_late_report_clears_the_missing_mark(city):
    store, paths = city
    submit(store, head_of(paths, "C2"), "C2", now=at(TODAY, 18))
    with store.read() as s:
        assert missing_reports(s, "S2", TODAY, at(TODAY, 19)).empty
        assert report_status(s, "S2", TODAY, at(TODAY, 19)).iloc[0]["status"] == "late"


# --- summaries ------------------------------------------------------------------------------------------------------


def _submit_both(store, paths):
    submit(store, head_of(paths, "C1"), "C1", figures={"masks_on_hand": 800, "supply_days": 10}, now=at(TODAY, 9))
    submit(store, head_of(paths, "C2"), "C2", figures={"masks_on_hand": 200}, corrections={"obs_central": 2},
           reason="一人今日转入集中隔离点", now=at(TODAY, 16, 30))


def test_each_summary_level_equals_the_sum_of_its_parts(city):
    store, paths = city
    _submit_both(store, paths)
    now = at(TODAY, 20)
    with store.read() as s:
        by_code = {code: summary(s, code, TODAY, now) for code in ("C1", "C2", "S1", "S2", "D1", "420100")}
    keys = [f.key for f in FIGURES]
    for parent, kids in (("S1", ["C1"]), ("S2", ["C2"]), ("D1", ["S1", "S2"]), ("420100", ["D1"])):
        parent_sum = by_code[parent]
        assert list(parent_sum.rows["code"]) == kids
        for kid in kids:
            row = parent_sum.rows.set_index("code").loc[kid]
            for k in (*keys, "communities", "submitted", "late", "zero", "missing"):
                assert row[k] == by_code[kid].totals[k], (parent, kid, k)
        for k in keys:
            assert parent_sum.totals[k] == sum(by_code[kid].totals[k] for kid in kids)
    district = by_code["D1"].totals
    assert (district["communities"], district["submitted"], district["late"], district["zero"]) == (2, 2, 1, 1)
    assert (district["masks_on_hand"], district["obs_central"], district["new_confirmed"]) == (1000, 2, 1)


def test_summary_is_built_from_the_reports_not_from_the_live_data(city):
    store, paths = city
    _submit_both(store, paths)
    # a case recorded after the reports: the summary keeps what was reported and shows the difference
    write(store, SYSTEM, lambda ctx: record_case(ctx, kind="confirmed", reported_on=TODAY, building_code="G21K2B1",
                                                 code="K2"))
    with store.read() as s:
        result = summary(s, "D1", TODAY, at(TODAY, 20))
    assert result.totals["new_confirmed"] == 1
    diffs = result.differences.set_index(["community_code", "figure"])
    late_case = diffs.loc[("C2", "new_confirmed")]
    assert (late_case["reported"], late_case["live"], late_case["difference"], late_case["corrected"]) == (1, 2, -1,
                                                                                                          False)
    corrected = diffs.loc[("C2", "obs_central")]
    assert (corrected["reported"], corrected["live"], corrected["corrected"]) == (2, 1, True)
    assert corrected["reason"] == "一人今日转入集中隔离点"
    assert ("C1", "obs_home") not in diffs.index
    comm = result.communities.set_index("code")
    assert comm.loc["C2", "new_confirmed"] == 1 and comm.loc["C2", "live_new_confirmed"] == 2


def test_missing_and_imported_reports_count_but_add_nothing(city):
    store, paths = city
    submit(store, head_of(paths, "C1"), "C1", zero=True, now=at(TODAY, 9))
    with store.read() as s:
        result = summary(s, "D1", TODAY, at(TODAY, 17))
    assert (result.totals["submitted"], result.totals["missing"]) == (1, 1)
    assert result.totals["new_confirmed"] == 0  # C2's case is not in any report
    assert result.differences.empty
    assert set(DATA_FIGURES) <= set(result.rows.columns)


# --- reads for the pages -------------------------------------------------------------------------------------------


def test_page_reads_name_the_scope_list_communities_and_return_the_own_report(city):
    from geodata.reporting.reports import communities_under, community_report, scope_code

    store, paths = city
    submit(store, head_of(paths, "C2"), "C2", corrections={"obs_central": 2}, reason="转入集中隔离",
           now=at(TODAY, 9))
    with store.read() as s:
        assert (scope_code(s, paths["G21"]), scope_code(s, None)) == ("G21", None)
        assert list(communities_under(s, "D1")["code"]) == ["C1", "C2"]
        assert list(communities_under(s, "S2")["street_name"]) == ["一元街道"]
        mine = community_report(s, "C2", TODAY)
        assert community_report(s, "C1", TODAY) is None
    assert mine["values"]["obs_central"] == 2 and mine["reason"] == "转入集中隔离"
    assert mine["corrections"] == {"obs_central": {"from": 1, "to": 2}} and not mine["late"]
