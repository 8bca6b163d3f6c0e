"""Layer upserts: parents resolved, totals rolled up, idempotent, atomic, every change audited."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon
from sqlalchemy import func, select

from geodata.base.problems import Rejected
from geodata.exchange.bulk import upsert_layer
from geodata.exchange.integrity import check
from geodata.store.models import Building, Event, Unit, UnitStats
from geodata.store.writes import Actor, write
from tests.factories import building_frame, load_small_city


def _counts(store) -> dict[str, int]:
    with store.read() as s:
        return {
            "units": s.scalar(select(func.count()).select_from(Unit)),
            "buildings": s.scalar(select(func.count()).select_from(Building)),
            "events": s.scalar(select(func.count()).select_from(Event)),
            "version": store.data_version(),
        }


def test_small_city_loads_and_passes_the_integrity_check(store):
    load_small_city(store)
    with store.read() as s:
        report = check(s)
        city = s.execute(select(Unit).where(Unit.code == "420100")).scalar_one()
        stats = s.get(UnitStats, city.id)
    assert report.ok, report.problems
    assert stats.buildings == 16
    assert stats.households == 8 * (100 + 101)
    assert stats.obs_home == 1 and stats.obs_central == 1
    assert stats.cases_confirmed == 1
    assert stats.persons == 3


def test_the_check_finds_a_road_far_from_the_street_it_was_given(store):
    """A file may name a road's street by code; a road 1 km off that street (a wrong code, or coordinates in
    another system) is accepted by the import and named by the check. One 200 m off its street passes."""
    from shapely.geometry import LineString

    from tests.factories import X0, Y0

    load_small_city(store)
    roads = gpd.GeoDataFrame({"code": ["NEAR", "FAR"], "street_code": ["S1", "S1"]}, geometry=[
        LineString([(X0 - 0.002, Y0 + 0.01), (X0 - 0.002, Y0 + 0.02)]),  # ~190 m west of the street
        LineString([(X0 - 0.01, Y0 + 0.01), (X0 - 0.01, Y0 + 0.02)])], crs="EPSG:4326")  # ~960 m west
    write(store, Actor.system("test"), lambda ctx: upsert_layer(ctx, "roads", roads))
    with store.read() as s:
        report = check(s)
    assert report.counts["roads"] == 2
    assert [p for p in report.problems if "road" in p] == ["道路离所属街道超过 300 米 / road runs more than 300 m "
                                                          "from its street [1]: FAR"]


def test_reimporting_the_same_file_changes_nothing(store):
    load_small_city(store)
    before = _counts(store)
    result = write(store, Actor.system("test"), lambda ctx: upsert_layer(ctx, "buildings", building_frame()))
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 16)
    after = _counts(store)
    assert after["buildings"] == before["buildings"]
    assert after["events"] == before["events"]


def test_reimporting_an_edited_file_updates_by_code_and_logs_old_and_new(store):
    load_small_city(store)
    frame = building_frame()
    frame.loc[frame["code"] == "G11K1B1", "households"] = 120
    result = write(store, Actor("alice"), lambda ctx: upsert_layer(ctx, "buildings", frame))
    assert result.updated == 1 and result.unchanged == 15
    with store.read() as s:
        ev = s.execute(select(Event).where(Event.entity_code == "G11K1B1")).scalar_one()
        city_stats = s.execute(select(UnitStats).join(Unit, Unit.id == UnitStats.unit_id)
                               .where(Unit.code == "420100")).scalar_one()
        assert check(s).ok
    assert ev.actor == "alice" and ev.old == {"households": 100} and ev.new == {"households": 120}
    assert city_stats.households == 8 * 201 + 20


def test_a_file_with_one_bad_row_writes_nothing_and_names_the_row(store):
    load_small_city(store)
    before = _counts(store)
    frame = building_frame()
    frame["households"] = frame["households"].astype(object)
    frame.loc[3, "households"] = "很多"
    frame.loc[5, "compound_code"] = "NOPE"
    frame.loc[0, "households"] = 999  # a valid change that must not survive the rejection
    with pytest.raises(Rejected) as err:
        write(store, Actor("bob"), lambda ctx: upsert_layer(ctx, "buildings", frame, source="b.csv"))
    rows = {(p.row, p.field) for p in err.value.errors}
    assert rows == {(4, "households"), (6, "compound_code")}
    assert all(p.message_zh and p.message_en and p.file == "b.csv" for p in err.value.errors)
    assert _counts(store) == before


def test_a_write_that_fails_half_way_leaves_the_database_unchanged(store):
    load_small_city(store)
    before = _counts(store)

    def half_then_fail(ctx):
        frame = building_frame()
        frame["households"] = 1
        upsert_layer(ctx, "buildings", frame)  # succeeds: rows updated, events appended
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        write(store, Actor("carol"), half_then_fail)
    assert _counts(store) == before
    with store.read() as s:
        assert s.scalar(select(func.sum(Building.households))) == 8 * 201


def test_building_without_grid_code_goes_to_the_grid_that_contains_it(store):
    load_small_city(store)
    frame = gpd.GeoDataFrame([{"code": "NEW1", "name": "新楼", "geometry": Point(114.305, 30.585)}],
                             geometry="geometry", crs="EPSG:4326")
    write(store, Actor("dave"), lambda ctx: upsert_layer(ctx, "buildings", frame))
    with store.read() as s:
        b = s.execute(select(Building).where(Building.code == "NEW1")).scalar_one()
        grid = s.get(Unit, b.grid_id)
        comp = s.get(Unit, b.compound_id)
    assert grid.code == "G11" and comp.code == "G11K1"


def test_building_outside_every_grid_is_reported_not_dropped(store):
    load_small_city(store)
    frame = gpd.GeoDataFrame([{"code": "FAR", "name": "远楼", "geometry": Point(116.4, 39.9)}],
                             geometry="geometry", crs="EPSG:4326")
    with pytest.raises(Rejected) as err:
        write(store, Actor("erin"), lambda ctx: upsert_layer(ctx, "buildings", frame))
    assert "不在任何网格内" in err.value.errors[0].message_zh


def test_grid_outside_its_parent_and_self_intersecting_polygons_are_refused(store):
    load_small_city(store)
    bowtie = Polygon([(114.30, 30.58), (114.31, 30.59), (114.31, 30.58), (114.30, 30.59)])
    far = Polygon([(114.5, 30.9), (114.51, 30.9), (114.51, 30.91)])
    frame = gpd.GeoDataFrame([
        {"code": "GX", "name": "坏网格", "parent_code": "C1", "geometry": bowtie},
        {"code": "GY", "name": "远网格", "parent_code": "C1", "geometry": far},
        {"code": "GZ", "name": "孤网格", "parent_code": "C9", "geometry": far},
    ], geometry="geometry", crs="EPSG:4326")
    with pytest.raises(Rejected) as err:
        write(store, Actor("fay"), lambda ctx: upsert_layer(ctx, "grids", frame))
    msgs = {p.row: p.message_en for p in err.value.errors}
    assert "invalid polygon" in msgs[1]
    assert "outside its parent" in msgs[2]
    assert "unknown parent code" in msgs[3]


def test_duplicate_codes_in_one_file_name_both_rows(store):
    load_small_city(store)
    frame = pd.DataFrame([{"code": "PX", "name": "甲", "building_code": "G11K1B1"},
                          {"code": "PX", "name": "乙", "building_code": "G11K1B1"}])
    with pytest.raises(Rejected) as err:
        write(store, Actor("gus"), lambda ctx: upsert_layer(ctx, "persons", frame))
    assert sorted(p.row for p in err.value.errors) == [1, 2]


def test_an_import_by_a_scoped_user_outside_their_scope_is_refused_whole(store):
    load_small_city(store)
    with store.read() as s:
        c1 = s.execute(select(Unit).where(Unit.code == "C1")).scalar_one()
    head = Actor("head1", "community_head", c1.path)
    frame = building_frame()  # buildings of both communities
    frame["households"] = 7
    before = _counts(store)
    with pytest.raises(Rejected) as err:
        write(store, head, lambda ctx: upsert_layer(ctx, "buildings", frame))
    # the rows naming compounds of the other community, refused on that column as an unknown code would be
    assert all("outside your scope" in p.message_en and p.field == "compound_code" for p in err.value.errors)
    other = frame["code"].str.startswith("G2").to_numpy()
    assert {p.row for p in err.value.errors} == {i + 1 for i in range(len(frame)) if other[i]}
    assert _counts(store) == before
    own = frame[frame["code"].str.startswith("G1")]
    result = write(store, head, lambda ctx: upsert_layer(ctx, "buildings", own))
    assert result.updated == len(own)
