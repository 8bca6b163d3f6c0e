"""Importing a road layer (道路): lines from GeoJSON, GeoPackage, Shapefile and KML; codes made from the geometry
when the file has none; the street found by spatial join; points and polygons refused by row; all or nothing."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, box
from sqlalchemy import text

from geodata.base.problems import Rejected
from geodata.exchange.bulk import road_codes
from geodata.exchange.imports import import_frame
from geodata.store.db import open_store
from geodata.store.writes import Actor
from loaders.cli import main
from loaders.readers import read_layer, resolve_layer
from tests.factories import X0, Y0, load_small_city

SYSTEM = Actor.system("test")


def roads_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "道路编码": ["R1", "R2", None],
        "道路名称": ["中山大道", "胜利街", None],
        "道路等级": ["主干道", "secondary", "residential"],
    }, geometry=[
        LineString([(X0 + 0.001, Y0 + 0.02), (X0 + 0.079, Y0 + 0.02)]),
        MultiLineString([[(X0 + 0.05, Y0 + 0.001), (X0 + 0.05, Y0 + 0.019)],
                         [(X0 + 0.05, Y0 + 0.021), (X0 + 0.05, Y0 + 0.039)]]),
        LineString([(X0 + 0.01, Y0 + 0.01), (X0 + 0.012, Y0 + 0.011), (X0 + 0.015, Y0 + 0.01)]),
    ], crs="EPSG:4326")


@pytest.fixture
def city(tmp_path):
    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    store = open_store(url)
    load_small_city(store)
    yield url, store
    store.dispose()


def _roads(store) -> list[tuple]:
    with store.engine.connect() as c:
        return c.execute(text("SELECT r.code, r.name, r.kind, u.code FROM roads r JOIN units u ON u.id = r.unit_id "
                              "ORDER BY r.code")).all()


@pytest.mark.parametrize("name", ["道路", "路网", "road", "roads"])
def test_the_layer_is_known_by_its_chinese_and_english_names_and_streets_stay_streets(name):
    assert resolve_layer(name) == "roads"
    assert resolve_layer("streets") == resolve_layer("street") == resolve_layer("街道乡镇") == "streets"


@pytest.mark.filterwarnings("ignore:Could not decode error message")  # GDAL cutting Chinese field names to 10 bytes
@pytest.mark.parametrize("driver, suffix", [("GeoJSON", "geojson"), ("GPKG", "gpkg"),
                                             ("ESRI Shapefile", "shp"), ("KML", "kml")])
def test_lines_are_read_from_every_gis_format(tmp_path, driver, suffix):
    frame = roads_frame()
    if driver == "KML":  # KML keeps a name and a description; the rest travels as "key: value" lines
        frame = gpd.GeoDataFrame({"Name": frame["道路名称"], "Description": [
            f"道路编码：{c}\n道路等级：{k}" if c else f"道路等级：{k}" for c, k in zip(frame["道路编码"],
                                                                         frame["道路等级"])]},
            geometry=frame.geometry, crs="EPSG:4326")
    path = tmp_path / f"道路.{suffix}"
    frame.to_file(path, driver=driver, engine="pyogrio", **({"encoding": "UTF-8"} if suffix == "shp" else {}))
    result = read_layer(path, "roads")
    assert result.ok, [str(p) for p in result.errors]
    assert result.rows_read == 3
    got = result.frame
    # a GeoPackage layer of mixed lines is written as MultiLineStrings throughout: either is a road
    assert set(got.geometry.geom_type) <= {"LineString", "MultiLineString"}
    assert shapely.length(got.geometry.values) == pytest.approx(shapely.length(roads_frame().geometry.values))
    assert got["kind"].tolist() == ["primary", "secondary", "residential"]
    assert got["code"].tolist()[:2] == ["R1", "R2"]


def test_points_polygons_and_unknown_kinds_are_refused_by_row_in_both_languages(tmp_path):
    frame = gpd.GeoDataFrame({"code": ["R1", "R2", "R3", "R4"], "kind": ["primary", "primary", "飞机跑道", None]},
                             geometry=[LineString([(X0, Y0), (X0 + 0.01, Y0)]), Point(X0, Y0),
                                       box(X0, Y0, X0 + 0.01, Y0 + 0.01), LineString([(X0, Y0), (X0, Y0)])],
                             crs="EPSG:4326")
    path = tmp_path / "roads.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    result = read_layer(path, "roads")
    assert not result.ok and result.rows_read == 4 and len(result.frame) == 1  # features are numbered from 1
    problems = {(p.row, p.field): p for p in result.errors}
    assert set(problems) == {(2, "geometry"), (3, "geometry"), (3, "kind"), (4, "geometry")}
    point, polygon, kind, flat = (problems[k] for k in ((2, "geometry"), (3, "geometry"), (3, "kind"),
                                                          (4, "geometry")))
    assert "应为线" in point.message_zh and "点" in point.message_zh and "Point" in point.message_en
    assert "应为线" in polygon.message_zh and "Polygon" in polygon.message_en
    assert "飞机跑道" in kind.message_zh and "主干道" in kind.message_zh and "not a known kind" in kind.message_en
    assert "长度为零" in flat.message_zh and "zero length" in flat.message_en


def test_import_assigns_streets_makes_codes_and_is_idempotent(city, tmp_path, capsys):
    url, store = city
    path = tmp_path / "roads.geojson"
    roads_frame().to_file(path, driver="GeoJSON", engine="pyogrio")
    assert main(["import", str(path), "--layer", "道路", "--db", url]) == 0
    rows = _roads(store)
    made = road_codes(roads_frame().geometry.values[2:])[0]
    assert [r[0] for r in rows] == sorted(["R1", "R2", made]) and made.startswith("RD")
    assert {r[3] for r in rows} == {"S1"}  # the small city's only street, by spatial join
    assert {r[0]: r[2] for r in rows} == {"R1": "primary", "R2": "secondary", made: "residential"}
    capsys.readouterr()
    assert main(["import", str(path), "--layer", "roads", "--db", url]) == 0
    assert "新增 inserted 0, 更新 updated 0, 未变 unchanged 3" in capsys.readouterr().out
    reversed_lane = roads_frame().iloc[[2]].copy()
    reversed_lane["geometry"] = [LineString(list(reversed_lane.geometry.iloc[0].coords)[::-1])]
    assert road_codes(reversed_lane.geometry.values)[0] == made  # the same lane digitised the other way round


def test_roads_go_out_with_the_export_command_and_come_back_unchanged(city, tmp_path, capsys):
    url, store = city
    path = tmp_path / "roads.geojson"
    roads_frame().to_file(path, driver="GeoJSON", engine="pyogrio")
    assert main(["import", str(path), "--layer", "roads", "--db", url]) == 0
    out = tmp_path / "out.gpkg"
    assert main(["export", str(out), "--layer", "roads", "--format", "gpkg", "--scope", "S1", "--db", url]) == 0
    back = gpd.read_file(out)
    assert sorted(back["code"]) == [r[0] for r in _roads(store)] and set(back["street_code"]) == {"S1"}
    capsys.readouterr()
    assert main(["import", str(out), "--layer", "道路", "--db", url]) == 0
    assert "新增 inserted 0, 更新 updated 0, 未变 unchanged 3" in capsys.readouterr().out


def test_a_road_outside_every_street_rejects_the_whole_file(city):
    url, store = city
    frame = read_layer_frame(roads_frame())
    frame.loc[len(frame)] = {"_row": 4, "code": "FAR", "name": "远方路", "kind": "primary",
                             "geometry": LineString([(X0 + 1, Y0 + 1), (X0 + 1.01, Y0 + 1)])}
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    with pytest.raises(Rejected) as err:
        import_frame(store, SYSTEM, "roads", frame, source="roads.geojson")
    problem = err.value.problems[0]
    assert problem.row == 4 and "不在任何街道乡镇范围内" in problem.message_zh and "lies in no street" in \
        problem.message_en
    assert _roads(store) == []  # the three good rows were not written either
    with pytest.raises(Rejected) as err:
        import_frame(store, SYSTEM, "roads", frame.iloc[:3].assign(street_code=["S1", "NOPE", None]))
    assert err.value.problems[0].field == "street_code" and _roads(store) == []


def test_a_supervisor_imports_roads_only_inside_their_scope(city):
    url, store = city
    with store.engine.connect() as c:
        community = c.execute(text("SELECT path FROM units WHERE code = 'C1'")).scalar()
    head = Actor("head", "community_head", community)
    with pytest.raises(Rejected) as err:  # roads hang on the street, above a community head's scope
        import_frame(store, head, "roads", read_layer_frame(roads_frame()))
    assert "超出您的管辖范围" in err.value.problems[0].message_zh and _roads(store) == []


def read_layer_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.rename(columns={"道路编码": "code", "道路名称": "name", "道路等级": "kind"})
    out["kind"] = ["primary", "secondary", "residential"]
    out.insert(0, "_row", range(1, len(out) + 1))
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
