"""Trend series (7/14/30 days) of cases, people under observation and sealed buildings, per unit and per child
(domain file §4.2). Day 1 is 2026-09-01 (tests.risk_helpers); tests.factories' small city (one street S1 with
communities C1 and C2) plus its fixed rows dated around 2026-11-25, which lie outside these windows.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geodata.exchange.bulk import upsert_layer
from geodata.reporting.trends import WINDOWS, series, series_by_child, window
from geodata.situation.cases import record_case
from geodata.situation.control import set_control
from geodata.situation.observations import sign_release, start_observation
from geodata.store.writes import Actor, write
from tests.factories import X0, Y0, load_small_city
from tests.risk_helpers import day

SYSTEM = Actor.system("test")


@pytest.fixture
def city(store):
    load_small_city(store)
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "persons", pd.DataFrame([
        {"code": "Q1", "name": "甲", "building_code": "G11K1B1"},
        {"code": "Q2", "name": "乙", "building_code": "G21K1B2"},
    ])))
    village = gpd.GeoDataFrame([{"code": "G22V1", "name": "李家湾", "parent_code": "G22", "kind": "natural_village",
                                 "households": 40, "population": 120,
                                 "geometry": box(X0 + 0.061, Y0 + 0.021, X0 + 0.062, Y0 + 0.022)}],
                               geometry="geometry", crs="EPSG:4326")
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "compounds", village))

    def events(ctx):
        record_case(ctx, kind="confirmed", reported_on=day(2), building_code="G11K2B1", code="A1")
        record_case(ctx, kind="asymptomatic", reported_on=day(4), building_code="G21K2B1", code="A2")
        record_case(ctx, kind="close_contact", reported_on=day(4), building_code="G21K2B1", code="A3")
        set_control(ctx, "G22K1B1", "sealed", "封控演练", on=day(5))
        set_control(ctx, "G22V1", "sealed", "自然村硬隔离演练", on=day(6))
        start_observation(ctx, "Q1", "home", start=day(1))
        start_observation(ctx, "Q2", "central", start=day(3))

    write(store, SYSTEM, events)
    return store


def test_windows_end_on_the_day_asked():
    idx = window(day(14), 14)
    assert len(idx) == 14 and idx[0].date() == day(1) and idx[-1].date() == day(14)
    assert WINDOWS == (7, 14, 30)


def test_series_counts_cases_by_day_observations_active_and_sealed_buildings(city):
    with city.read() as s:
        frame = series(s, "420100", days=7, on=day(7))
    by_day = {d.date(): row for d, row in frame.iterrows()}
    assert [by_day[day(n)]["cases"] for n in range(1, 8)] == [0, 1, 0, 1, 0, 0, 0]  # close contacts do not count
    assert [by_day[day(n)]["confirmed"] for n in range(1, 8)] == [0, 1, 0, 0, 0, 0, 0]
    assert [by_day[day(n)]["observations"] for n in range(1, 8)] == [1, 1, 2, 2, 2, 2, 2]
    # A1's building is a 疫点 from day 2 and A2's from day 4: places to disinfect, not locked down (issue 14
    # point 5); G22K1B1 is sealed on day 5, the natural village G22V1 on day 6 (point 12)
    assert [by_day[day(n)]["sealed_buildings"] for n in range(1, 8)] == [0, 0, 0, 0, 1, 1, 1]
    assert [by_day[day(n)]["sealed_villages"] for n in range(1, 8)] == [0, 0, 0, 0, 0, 1, 1]


def test_a_community_series_holds_only_its_own_rows_and_children_add_up(city):
    with city.read() as s:
        c1 = series(s, "C1", days=7, on=day(7))
        c2 = series(s, "C2", days=7, on=day(7))
        street = series(s, "S1", days=7, on=day(7))
        split = {f: series_by_child(s, "S1", f, days=7, on=day(7)) for f in street.columns}
    assert (c1["sealed_buildings"].iloc[-1], c2["sealed_buildings"].iloc[-1]) == (0, 1)
    assert (c1["sealed_villages"].iloc[-1], c2["sealed_villages"].iloc[-1]) == (0, 1)
    pd.testing.assert_frame_equal(c1 + c2, street)
    for figure, frame in split.items():
        assert list(frame.columns) == ["第1社区", "第2社区"]
        assert (frame.sum(axis=1) == street[figure]).all(), figure


def test_a_released_observation_leaves_the_series_on_its_release_day(city):
    from sqlalchemy import select

    from geodata.store.models import Observation

    with city.read() as s:
        code = s.execute(select(Observation.code).where(Observation.start_date == day(1))).scalar_one()
    # 14 days from day 1: both signatures on day 15 (geodata.situation.observations.sign_release)
    # (who may sign — the named 包保干部/包保医务人员 — is tested in test_control_rules; system processes sign for anyone)
    write(city, Actor.system("cadre"), lambda ctx: sign_release(ctx, code, "cadre", on=day(15)))
    write(city, Actor.system("medic"), lambda ctx: sign_release(ctx, code, "medic", on=day(15)))
    with city.read() as s:
        frame = series(s, "C1", days=7, on=day(16))
    assert list(frame["observations"]) == [1, 1, 1, 1, 1, 0, 0]


def test_unknown_series_is_refused(city):
    with city.read() as s, pytest.raises(ValueError):
        series_by_child(s, "S1", "nonsense", days=7, on=day(7))
