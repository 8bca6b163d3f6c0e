"""Chinese coordinate systems at the import boundary: GCJ-02/BD-09 offsets, round trips, CRS names, sanity checks."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from loaders import coords

WUHAN = (114.30, 30.59)


def test_wgs84_to_gcj02_shifts_wuhan_by_the_published_offset():
    lon, lat = coords.wgs84_to_gcj02(*WUHAN)
    # the standard formula moves central Wuhan ≈ +0.0054° east and ≈ -0.0024° south: ≈ 586 m
    assert lon - WUHAN[0] == pytest.approx(0.005437, abs=1e-5)
    assert lat - WUHAN[1] == pytest.approx(-0.002420, abs=1e-5)
    assert 400 < coords.distance_m(*WUHAN, lon, lat) < 700


def test_gcj02_to_wgs84_round_trips_to_a_millionth_of_a_degree():
    rng = np.random.default_rng(1)
    lon = rng.uniform(74, 135, 20_000)
    lat = rng.uniform(4, 53, 20_000)
    back_lon, back_lat = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat))
    assert np.abs(back_lon - lon).max() < 1e-6
    assert np.abs(back_lat - lat).max() < 1e-6
    assert coords.distance_m(lon, lat, back_lon, back_lat).max() < 1.0


def test_bd09_round_trips_through_gcj02():
    bd = coords.wgs84_to_bd09(*WUHAN)
    assert 800 < coords.distance_m(*WUHAN, *bd) < 1500  # Baidu adds ≈ +0.0065/+0.006 on top of GCJ-02
    back = coords.bd09_to_wgs84(*bd)
    assert coords.distance_m(*WUHAN, *back) < 0.01


def test_points_outside_china_are_left_alone_like_the_standard_algorithm():
    paris = (2.35, 48.86)
    assert coords.wgs84_to_gcj02(*paris) == pytest.approx(paris)
    assert coords.gcj02_to_wgs84(*paris) == pytest.approx(paris)


@pytest.mark.parametrize("text, expected", [
    ("gcj02", coords.GCJ02), ("GCJ-02", coords.GCJ02), ("高德", coords.GCJ02), ("bd09", coords.BD09),
    ("BD-09", coords.BD09), ("百度", coords.BD09), ("wgs84", "EPSG:4326"), ("cgcs2000", "EPSG:4326"),
    ("EPSG:4490", "EPSG:4326"), ("4547", "EPSG:4547"), ("EPSG:4547", "EPSG:4547"),
])
def test_source_names_are_understood(text, expected):
    assert coords.source_label(coords.parse_source(text)) == expected


def test_an_unknown_source_name_is_a_bilingual_value_error():
    with pytest.raises(ValueError, match="无法识别的坐标系.*unknown coordinate system"):
        coords.parse_source("mars-grid-7")


def test_to_wgs84_converts_gcj02_points_and_footprints_back_to_the_truth():
    truth = Point(*WUHAN)
    shifted = Point(*map(float, coords.wgs84_to_gcj02(*WUHAN)))
    outline = box(shifted.x - 1e-4, shifted.y - 1e-4, shifted.x + 1e-4, shifted.y + 1e-4)
    gdf = gpd.GeoDataFrame({"footprint": gpd.GeoSeries([outline])}, geometry=[shifted])
    out = coords.to_wgs84(gdf, "gcj02")
    assert out.crs.to_epsg() == 4326
    p = out.geometry.iloc[0]
    assert coords.distance_m(p.x, p.y, truth.x, truth.y) < 0.01
    assert out["footprint"].iloc[0].centroid.distance(truth) < 1e-6


def test_to_wgs84_reprojects_gauss_kruger_metres():
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 4547, always_xy=True).transform(*WUHAN)
    out = coords.to_wgs84(gpd.GeoDataFrame(geometry=[Point(x, y)]), "EPSG:4547")
    assert out.geometry.iloc[0].x == pytest.approx(WUHAN[0], abs=1e-8)
    assert out.geometry.iloc[0].y == pytest.approx(WUHAN[1], abs=1e-8)


def test_to_wgs84_takes_cgcs2000_as_wgs84_without_moving_anything():
    gdf = gpd.GeoDataFrame(geometry=[Point(*WUHAN)], crs=4490)
    out = coords.to_wgs84(gdf, "cgcs2000")
    assert out.crs.to_epsg() == 4326
    assert out.geometry.iloc[0].equals(Point(*WUHAN))


def test_extent_check_tells_swapped_from_projected_from_elsewhere():
    check = coords.check_extent([114.3, 30.59, 533_000.0, 2.35, np.nan], [30.59, 114.3, 3_384_000.0, 48.86, 1.0])
    assert check.inside.tolist() == [True, False, False, False, False]
    assert check.swapped.tolist() == [False, True, False, False, False]
    assert check.projected.tolist() == [False, False, True, False, False]
    assert check.outside.tolist() == [False, False, False, True, False]
    kinds = " ".join(en for _, en in check.messages())
    assert "swapped" in kinds and "projected" in kinds and "outside China" in kinds


def test_a_zone_prefixed_gauss_kruger_easting_names_its_epsg_code():
    # 38,533,000: 3-degree zone 38 (central meridian 114E) = EPSG:4526
    assert coords.guess_projected_crs([38_533_000.0], [3_384_000.0])[0] == "EPSG:4526"
    assert "EPSG:3857" in coords.guess_projected_crs([12_724_000.0], [3_579_000.0])


def test_diagnose_shift_recognises_gcj02_data_against_known_positions():
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(114.2, 114.4, 50), rng.uniform(30.5, 30.7, 50)
    g_lon, g_lat = coords.wgs84_to_gcj02(lon, lat)
    assert coords.diagnose_shift(g_lon, g_lat, lon, lat) == coords.GCJ02
    assert coords.diagnose_shift(*coords.wgs84_to_bd09(lon, lat), lon, lat) == coords.BD09
    assert coords.diagnose_shift(lon + 1e-6, lat, lon, lat) is None
