"""Coverage: which entrances, buildings and households each staffed checkpoint watches within the radius
(straight-line distance in CGCS2000 3° Gauss-Krüger metres), what a what-if change does to it, and the zones."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely.geometry import Point, box

from geodata.checkpoints.coverage import (
    compound_zones,
    coverage,
    load_area,
    metric_epsg,
    metric_xy,
    nearest,
    within_radius,
)
from geodata.checkpoints.whatif import PlanItem, evaluate
from geodata.exchange.bulk import upsert_layer
from geodata.store.writes import Actor, write
from tests.factories import TODAY, X0, Y0, load_small_city

SYSTEM = Actor.system("test")


def test_wuhan_uses_the_cgcs2000_zone_of_central_meridian_114():
    assert metric_epsg(114.3) == 4547
    assert metric_epsg(116.4) == 4548  # Beijing: CM 117°E
    assert metric_epsg(60.0) == 4534  # clamped to China's zones


def test_metric_distances_agree_with_the_ellipsoid():
    lon = np.array([114.30, 114.30, 114.30])
    lat = np.array([30.58, 30.581, 30.58])
    lon[2] += 0.001
    xy = metric_xy(lon, lat, 4547)
    geod = pyproj.Geod(ellps="GRS80")
    for j in (1, 2):
        _, _, true = geod.inv(lon[0], lat[0], lon[j], lat[j])
        assert abs(np.hypot(*(xy[j] - xy[0])) - true) < 0.01 * true


def test_within_radius_matches_brute_force_and_keeps_zero_distances():
    rng = np.random.default_rng(7)
    src = rng.uniform(0, 1000, (60, 2))
    dst = np.vstack([rng.uniform(0, 1000, (80, 2)), src[:3]])  # three targets exactly on a source
    got = within_radius(src, dst, 150.0).toarray()
    want = np.hypot(*(src[:, None, :] - dst[None, :, :]).transpose(2, 0, 1)) <= 150.0
    assert (got == want).all()
    assert got[0, 80] and got[1, 81] and got[2, 82]
    assert within_radius(src[:0], dst, 100).shape == (0, len(dst))
    idx, dist = nearest(src, dst[-3:])
    assert idx.tolist() == [0, 1, 2] and np.allclose(dist, 0)


def _add(store, rows):
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "checkpoints", gpd.GeoDataFrame(
        rows, geometry="geometry", crs="EPSG:4326")))


def _cp(code, unit, dx, dy, *, day=4, night=2, kind="compound_entrance", status="open"):
    return {"code": code, "name": code, "kind": kind, "unit_code": unit, "status": status, "staff_day": day,
            "staff_night": night, "is_24h": day + night > 0, "geometry": Point(X0 + dx, Y0 + dy)}


def _area(store):
    with store.read() as s:
        return load_area(s, "S1", TODAY)


def test_each_staffed_checkpoint_covers_the_entrances_buildings_and_households_within_the_radius(store):
    """G11K1's buildings stand at (0.006, 0.01) and (0.014, 0.01); E1 at (0.001, 0.001) is ~1.1 km away."""
    load_small_city(store)
    _add(store, [
        _cp("E2", "G11K1", 0.0060, 0.0090),            # 111 m south of building B1
        _cp("E3", "G11K1", 0.0070, 0.0090, day=0, night=0),  # unguarded gate 10x m from E2
        _cp("P1", "G11K1", 0.0140, 0.0095, kind="community_checkpoint"),  # 56 m from B2
        _cp("P2", "G11K1", 0.0100, 0.0100, kind="community_checkpoint", status="closed"),
    ])
    area = _area(store)
    cov = coverage(area, 150)
    assert cov.method == "straight" and cov.epsg == 4547
    assert set(cov.posts["code"]) == {"E1", "E2", "P1"}  # the unguarded gate and the closed post watch nothing
    ent = cov.entrances.set_index("code")
    assert ent.loc[["E1", "E2", "E3"], "covered"].tolist() == [True, True, True]
    assert ent.at["E3", "nearest_code"] == "E2" and 90 < ent.at["E3", "nearest_m"] < 100
    by = cov.covered_by("E2")
    assert by["entrances"] == ["E2", "E3"] and by["buildings"] == ["G11K1B1"]
    assert cov.covered_by("P1")["buildings"] == ["G11K1B2"]
    per = cov.per_post.set_index("code")
    assert per.at["E2", "households"] == 100 and per.at["P1", "households"] == 101
    f = cov.figures
    assert (f["buildings"], f["buildings_covered"], f["households_covered"]) == (16, 2, 201)
    assert f["entrances_open"] == 3 and f["entrances_uncovered"] == 0

    smaller = coverage(area, 60).entrances.set_index("code")
    assert not smaller.at["E3", "covered"] and coverage(area, 60).covered_by("P1")["buildings"] == ["G11K1B2"]
    with pytest.raises(ValueError):
        coverage(area, 0)


def test_a_what_if_checkpoint_covers_what_was_uncovered_without_writing(store):
    load_small_city(store)
    _add(store, [_cp("E7", "G12K2", 0.030, 0.030, day=0, night=0), _cp("E8", "G12K2", 0.031, 0.030, day=0, night=0),
                 _cp("P9", "G12K1", 0.010, 0.035, kind="community_checkpoint")])
    area = _area(store)
    before = evaluate(area, radius_m=150).figures
    add = PlanItem("add", lon=X0 + 0.0305, lat=Y0 + 0.0305)
    after = evaluate(area, [add], radius_m=150)
    assert before["entrances_uncovered"] == 2 and after.figures["entrances_uncovered"] == 0
    assert after.figures["posts_staffed"] == before["posts_staffed"] + 1
    assert after.figures["norm_people_per_day"] == before["norm_people_per_day"] + 6
    new = after.checkpoints.query("planned == 'add'")
    assert new[["kind", "staff_day", "staff_night"]].iloc[0].tolist() == ["community_checkpoint", 4, 2]
    assert after.violations.query("code == @new.code.iloc[0]").empty  # its roster is planned too: no gap
    staffed = evaluate(area, [PlanItem("staff", "E7", staff_day=4, staff_night=2)], radius_m=150)
    assert staffed.figures["entrances_uncovered"] == 0  # E8 is 96 m from E7
    moved = evaluate(area, [PlanItem("move", "P9", lon=X0 + 0.0305, lat=Y0 + 0.0302)], radius_m=150)
    assert moved.figures["entrances_uncovered"] == 0
    assert moved.checkpoints.set_index("code").at["P9", "planned"] == "move"
    assert _area(store).checkpoints.set_index("code").at["E7", "staff_day"] == 0  # nothing was written


def test_zones_come_from_control_states_situations_and_drawn_boundaries(store):
    load_small_city(store)
    from geodata.situation.control import set_control
    write(store, SYSTEM, lambda ctx: set_control(ctx, "G12K1", "sealed", "硬隔离", on=TODAY))
    area = _area(store)
    zones = compound_zones(area)
    assert zones["G12K1"] == 2  # sealed compound
    assert zones["G21K1"] == 1 and zones["G22K2"] == 1  # C2 has a case today: S1 → controlled
    assert zones["G11K2"] == 0
    drawn = area.with_zone(box(X0 + 0.021, Y0 + 0.001, X0 + 0.03, Y0 + 0.01), 2)
    assert compound_zones(drawn)["G11K2"] == 2
    later = None
    with store.read() as s:
        later = load_area(s, "S1", TODAY + dt.timedelta(days=30))
    assert compound_zones(later)["G21K1"] == 0  # the case is older than the 14-day window


def test_police_checkpoints_of_the_district_standing_in_the_street_are_part_of_it(store):
    load_small_city(store)
    _add(store, [{**_cp("J1", "D1", 0.02, 0.02, kind="police_urban", day=6, night=4)}])
    area = _area(store)
    assert "J1" in set(area.checkpoints["code"])
    assert "J1" in set(coverage(area, 100).posts["code"])


def test_natural_villages_hold_their_own_households(store):
    load_small_city(store)
    village = gpd.GeoDataFrame([{"code": "G22V1", "name": "李家湾", "parent_code": "G22", "kind": "natural_village",
                                 "households": 40, "population": 120,
                                 "geometry": box(X0 + 0.061, Y0 + 0.021, X0 + 0.062, Y0 + 0.022)}],
                               geometry="geometry", crs="EPSG:4326")
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "compounds", village))
    _add(store, [_cp("V1", "G22V1", 0.0615, 0.0215)])
    area = _area(store)
    cov = coverage(area, 100)
    row = cov.buildings.set_index("code").loc["G22V1"]
    assert row["kind"] == "natural_village" and row["covered"] and row["households"] == 40
    assert cov.per_post.set_index("code").at["V1", "households"] == 40


def test_the_coverage_matrix_and_the_figures_agree(store):
    load_small_city(store)
    _add(store, [_cp("E2", "G11K1", 0.0060, 0.0090), _cp("E3", "G11K1", 0.0070, 0.0090, day=0, night=0)])
    cov = coverage(_area(store), 150)
    pe = cov.post_entrance.toarray()
    assert (pe.sum(axis=0) > 0).tolist() == cov.entrances["covered"].tolist()
    assert cov.per_post["entrances"].tolist() == pe.sum(axis=1).tolist()
    assert cov.entrances["n_posts"].tolist() == pe.sum(axis=0).tolist()
