"""Sealed natural villages are counted wherever sealed buildings are, and a 疫点 is not counted as locked down
(issue 14 points 12 and 5; 000 §1(三), §3): the wall's KPIs and the figures per unit (any day), the daily
report's data figures, the unit list export. Day 1 is 2026-09-01 (tests.risk_helpers); tests.factories' small
city plus a natural village G22V1 in community C2.
"""
from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from dashboard.components.kpis import city_kpis
from geodata.exchange.bulk import upsert_layer
from geodata.reporting.figures import unit_totals, units_with_figures
from geodata.reporting.reports import FIGURE_BY_KEY, live_figures
from geodata.situation.cases import record_case
from geodata.situation.control import set_control
from geodata.store.hierarchy import ref, unit_by_code
from geodata.store.writes import Actor, write
from loaders.export import export_list
from tests.factories import X0, Y0, load_small_city
from tests.risk_helpers import day

SYSTEM = Actor.system("test")


@pytest.fixture
def city(store):
    load_small_city(store)
    village = gpd.GeoDataFrame([{"code": "G22V1", "name": "李家湾", "parent_code": "G22", "kind": "natural_village",
                                 "households": 40, "population": 120,
                                 "geometry": box(X0 + 0.061, Y0 + 0.021, X0 + 0.062, Y0 + 0.022)}],
                               geometry="geometry", crs="EPSG:4326")
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "compounds", village))

    def events(ctx):
        set_control(ctx, "G11K1B1", "sealed", "封锁", on=day(1))  # C1
        record_case(ctx, kind="confirmed", reported_on=day(1), building_code="G21K1B1", code="A1")  # C2: a 疫点
        set_control(ctx, "G22V1", "sealed", "自然村封闭式硬隔离", on=day(2))  # C2

    write(store, SYSTEM, events)
    return store


def totals(store, code, on):
    with store.read() as s:
        return unit_totals(s, ref(unit_by_code(s, code)), on)


def test_the_wall_counts_sealed_villages_with_sealed_buildings_and_not_epidemic_spots(city):
    now, before = totals(city, "S1", day(2)), totals(city, "S1", day(1))
    assert {k: now[k] for k in ("sealed_buildings", "sealed_villages", "locked_down", "epidemic_spots")} == {
        "sealed_buildings": 1, "sealed_villages": 1, "locked_down": 2, "epidemic_spots": 1}
    assert (before["sealed_villages"], before["locked_down"]) == (0, 1)  # the village was sealed on day 2
    kpi = next(k for k in city_kpis(now, units_with_figures_frame(city), "zh") if k.key == "locked_down")
    assert (kpi.label, kpi.value, [(p.label, p.value) for p in kpi.parts]) == (
        "封锁/硬隔离", 2, [("楼栋", 1), ("自然村", 1)])
    assert "疫点 1 处" in kpi.note and "不计入" in kpi.note


def units_with_figures_frame(store):
    with store.read() as s:
        return units_with_figures(s, ref(unit_by_code(s, "S1")), 4, day(2))


def test_figures_per_community_and_the_daily_report_count_the_village(city):
    frame = units_with_figures_frame(city).set_index("code")
    assert frame.loc[["C1", "C2"], ["sealed_buildings", "sealed_villages", "locked_down", "epidemic_spots"]
                     ].values.tolist() == [[1, 0, 1, 0], [0, 1, 1, 1]]
    with city.read() as s:
        report = live_figures(s, unit_by_code(s, "S1"), day(2))
        c2 = unit_by_code(s, "C2").id
    assert (report.loc[c2, "sealed_buildings"], report.loc[c2, "sealed_villages"]) == (0, 1)
    assert FIGURE_BY_KEY["sealed_buildings"].zh == "封锁/硬隔离楼栋"
    assert FIGURE_BY_KEY["sealed_villages"].zh == "封锁/硬隔离自然村"


def test_the_community_list_export_carries_sealed_villages_and_epidemic_spots(city):
    frame = export_list(city, SYSTEM, "communities", scope_code=None, fmt="xlsx", on=day(2)).set_index("code")
    assert frame.loc["C2", ["sealed_buildings", "sealed_villages", "epidemic_spots"]].tolist() == [0, 1, 1]
