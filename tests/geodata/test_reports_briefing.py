"""The daily briefing's data (geodata.reporting.briefing): KPIs against yesterday, changes since yesterday, top alerts,
missing reports after the cut-off, the trend and the map layers (domain file §4.2, scenario 12, scenario 20's
flag layer). tests.factories' small city: district D1 江岸区 → street S1 → communities C1, C2; TODAY has the
imported confirmed case K1 in C2.
"""
from __future__ import annotations

import datetime as dt

import pytest

from geodata.reporting.briefing import build_briefing
from geodata.reporting.reports import submit_report
from geodata.situation.cases import record_case
from geodata.situation.honours import (
    attach_evidence,
    award_flag,
    county_evaluate,
    publish_notice,
    start_application,
    street_review,
    submit_self_assessment,
)
from geodata.store.writes import Actor, write
from tests.factories import TODAY, load_small_city

SYSTEM = Actor.system("test")
COMMAND = Actor("command", "command")


def at(hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(TODAY, dt.time(hh, mm))


def award(store, compound: str, on: dt.date) -> None:
    code = write(store, SYSTEM, lambda ctx: start_application(ctx, compound, on=on).code)
    write(store, SYSTEM, lambda ctx: attach_evidence(ctx, code, "自评表.pdf", b"%PDF"))
    write(store, SYSTEM, lambda ctx: submit_self_assessment(ctx, code, 85, on=on))
    write(store, SYSTEM, lambda ctx: street_review(ctx, code, on=on))
    write(store, COMMAND, lambda ctx: county_evaluate(ctx, code, on=on))
    write(store, COMMAND, lambda ctx: publish_notice(ctx, code, on=on))
    write(store, COMMAND, lambda ctx: award_flag(ctx, code, on=on + dt.timedelta(days=5)))


@pytest.fixture
def city(store):
    load_small_city(store)
    award(store, "G12K1", TODAY - dt.timedelta(days=30))

    def cases(ctx):
        record_case(ctx, kind="confirmed", reported_on=TODAY, building_code="G11K2B1", code="A1")
        record_case(ctx, kind="confirmed", reported_on=TODAY, building_code="G11K2B2", code="A2")

    write(store, SYSTEM, cases)
    write(store, SYSTEM, lambda ctx: submit_report(ctx, "C1", TODAY, now=at(9)))
    return store


def test_kpis_compare_with_yesterday(city):
    with city.read() as s:
        b = build_briefing(s, "D1", TODAY, at(17))
    k = {x.key: x for x in b.kpis}
    assert (k["new_cases"].value, k["new_cases"].previous, k["new_cases"].alert) == (3, 0, True)
    # A1's and A2's buildings: a cluster, hard-isolated (硬隔离, the `sealed` state), not 疫点 any more
    assert (k["locked_down"].value, k["locked_down"].delta) == (2, 2)
    assert k["locked_down"].zh == "封锁/硬隔离（楼栋+自然村）"
    assert (k["communities_at_risk"].value, k["communities_at_risk"].previous) == (2, 0)
    assert (k["reports_in"].value, k["reports_in"].total, k["reports_missing"].value) == (1, 2, 1)
    assert k["flags"].value == 1
    assert b.title() == "江岸区 疫情防控每日简报 · 2026年11月25日"
    assert [c.name for c in b.crumbs] == ["测试市", "江岸区"]


def test_changes_since_yesterday_name_the_communities_buildings_and_rules(city):
    with city.read() as s:
        b = build_briefing(s, "D1", TODAY, at(17))
    text = list(b.changes["text_zh"])
    assert any(t.startswith("第1社区：S0→S1") for t in text)
    assert any(t.startswith("第2社区：S0→S1") for t in text)
    assert "第1社区：新出现聚集性病例" in text
    # each building's net change of the day: 疫点 on the case, then hard isolation for the cluster
    assert sum(t.endswith("：常态化防控→硬隔离") for t in text) == 2  # a sealing by its basis (issue 14 "Words")
    assert not [t for t in text if "封锁/硬隔离" in t]
    assert b.changes["severity"].is_monotonic_increasing


def test_top_alerts_put_stored_and_derived_alerts_in_order(city):
    with city.read() as s:
        b = build_briefing(s, "D1", TODAY, at(17))
    # the cluster first, then the new S1 raised by A1 (第2社区's case came in by import: no alert is stored)
    assert list(b.alerts["kind"]) == ["cluster", "cases"]
    assert list(b.alerts["unit_name"]) == ["第1社区", "第1社区"]
    assert b.alerts.iloc[0]["stored"] and "第1社区" in b.alerts.iloc[0]["title_zh"]


def test_missing_reports_appear_after_the_cutoff_only(city):
    with city.read() as s:
        before = build_briefing(s, "D1", TODAY, at(15, 30))
        after = build_briefing(s, "D1", TODAY, at(16))
    assert before.missing.empty and not before.cutoff_passed
    assert list(after.missing["code"]) == ["C2"] and after.cutoff_passed
    assert after.map.areas.set_index("code")["report_missing"].to_dict() == {"C1": False, "C2": True}
    assert (after.report_totals["submitted"], after.report_totals["missing"]) == (1, 1)


def test_map_layers_carry_colours_outlines_sealed_buildings_and_flags(city):
    with city.read() as s:
        district = build_briefing(s, "D1", TODAY, at(17))
        street = build_briefing(s, "S1", TODAY, at(17))
        community = build_briefing(s, "C1", TODAY, at(17))
    m = district.map
    assert list(m.areas["code"]) == ["C1", "C2"] and set(m.areas["level_code"]) == {"S1"}
    assert set(m.areas["colour"]) == {m.legend[1][3]}
    assert list(m.outlines["name"]) == ["大智街道"] and list(m.boundary["code"]) == ["D1"]
    assert sorted(m.sealed["code"]) == ["G11K2B1", "G11K2B2"]
    assert list(m.flags["compound_name"]) == ["幸福1小区"] and list(m.flags["flag"]) == ["awarded"]
    assert list(street.map.outlines["code"]) == ["C1", "C2"]
    assert list(community.map.areas["code"]) == ["G11", "G12"]  # a community's map shows its grids


def test_trend_ends_on_the_day(city):
    with city.read() as s:
        b = build_briefing(s, "420100", TODAY, at(17))
    assert len(b.trend) == 14 and b.trend.index[-1].date() == TODAY
    assert int(b.trend["cases"].iloc[-1]) == 3
