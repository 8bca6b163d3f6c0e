"""Coverage and the optimiser by walking distance once an area has roads: the switch from straight lines, the
city setting that forces straight lines, what the violation says, what-if points on the roads, and the
optimiser still matching brute force on a street grid."""
from __future__ import annotations

import itertools
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely.geometry import LineString, Point, box

from geodata.base.problems import Rejected
from geodata.checkpoints.coverage import (
    METHOD_ROAD,
    METHOD_STRAIGHT,
    coverage,
    distance_method,
    load_area,
    metric_xy,
    with_roads_for,
)
from geodata.checkpoints.optimise import suggest
from geodata.checkpoints.roads import margin_for
from geodata.checkpoints.whatif import PlanItem, check_rules, evaluate
from geodata.exchange.bulk import upsert_layer
from geodata.situation.control import set_control
from geodata.situation.settings import set_setting
from geodata.store.writes import Actor, write
from tests.factories import TODAY, X0, Y0, load_small_city

SYSTEM = Actor.system("test")
EPSG = 4547
_TO_LONLAT = pyproj.Transformer.from_crs(f"EPSG:{EPSG}", "EPSG:4326", always_xy=True)
#: a local metric origin inside compound G12K2 (x0 + 0.03, y0 + 0.03)
ORIGIN = metric_xy([X0 + 0.03], [Y0 + 0.03], EPSG)[0]


def lonlat(x: float, y: float) -> tuple[float, float]:
    """WGS-84 of a point given in metres east/north of ORIGIN (in the planner's own metric CRS)."""
    lon, lat = _TO_LONLAT.transform(ORIGIN[0] + x, ORIGIN[1] + y)
    return float(lon), float(lat)


def line(*xy: tuple[float, float]) -> LineString:
    return LineString([lonlat(x, y) for x, y in xy])


def add_roads(store, lines, kinds=None) -> None:
    frame = gpd.GeoDataFrame({"code": [f"R{i}" for i in range(len(lines))],
                              "kind": kinds or ["residential"] * len(lines)}, geometry=lines, crs="EPSG:4326")
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "roads", frame))


def add_checkpoints(store, rows) -> None:
    frame = gpd.GeoDataFrame([{
        "code": code, "name": code, "kind": kind, "status": "open", "staff_day": day, "staff_night": night,
        "is_24h": day > 0, "geometry": Point(lonlat(x, y))} for code, kind, x, y, day, night in rows],
        geometry="geometry", crs="EPSG:4326")
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "checkpoints", frame))


def area(store):
    with store.read() as s:
        return load_area(s, "S1", TODAY)


@pytest.fixture
def corner(store):
    """An L-shaped lane: post P at its west end, entrance E at its north end, 117 m apart in a straight line and
    160 m by the lane (100 east, 60 north); E's compound is under closed management (a controlled zone)."""
    load_small_city(store)
    add_checkpoints(store, [("P", "community_checkpoint", 0, 0, 4, 2), ("E", "compound_entrance", 100, 60, 0, 0)])
    write(store, SYSTEM, lambda ctx: set_control(ctx, "G12K2", "closed", "封闭管理", on=TODAY))
    return store


def test_coverage_walks_along_the_roads_once_the_area_has_them(corner):
    before = area(corner)
    assert len(before.roads) == 0 and distance_method(before) == METHOD_STRAIGHT
    straight = coverage(before, 150)
    assert straight.method == METHOD_STRAIGHT and straight.entrances.set_index("code").at["E", "covered"]

    add_roads(corner, [line((0, 0), (100, 0), (100, 60))])
    after = area(corner)
    assert len(after.roads) == 1 and distance_method(after) == METHOD_ROAD
    cov = coverage(after, 150)
    e = cov.entrances.set_index("code").loc["E"]
    assert cov.method == METHOD_ROAD and cov.figures["method"] == "road"
    assert not e["covered"] and e["nearest_code"] == "P" and e["nearest_m"] == pytest.approx(160, abs=0.05)
    assert coverage(after, 160.1).entrances.set_index("code").at["E", "covered"]

    bad = check_rules(after, cov=cov).query("rule == 'uncovered_entrance'")
    assert bad["code"].tolist() == ["E"]
    assert "沿道路步行 150 米内无在岗卡点" in bad["detail_zh"].iloc[0]
    assert "walking along roads" in bad["detail_en"].iloc[0]
    short = check_rules(before, radius_m=100).query("rule == 'uncovered_entrance'")  # 117 m in a straight line
    assert "直线 100 米内无在岗卡点" in short["detail_zh"].iloc[0] and "straight line" in short["detail_en"].iloc[0]


def test_roads_only_around_an_area_leave_it_on_straight_lines(corner):
    """A neighbour's roads within the 300 m read around an area are not the area's own road data."""
    a = area(corner)
    outside = gpd.GeoDataFrame({"code": ["N1"], "name": [None], "kind": ["primary"], "path": ["/"]},
                               geometry=[LineString([(X0 - 0.002, Y0), (X0 - 0.002, Y0 + 0.04)])], crs="EPSG:4326")
    assert distance_method(replace(a, roads=outside, cache={})) == METHOD_STRAIGHT
    inside = outside.assign(geometry=[line((0, 0), (100, 0))])
    assert distance_method(replace(a, roads=inside, cache={})) == METHOD_ROAD


def test_a_city_can_force_straight_lines_and_only_road_or_straight_is_accepted(corner):
    add_roads(corner, [line((0, 0), (100, 0), (100, 60))])
    command = Actor("chief", "command", None)
    write(corner, command, lambda ctx: set_setting(ctx, "checkpoint_planning", {"distance": "straight"}))
    forced = area(corner)
    assert len(forced.roads) == 1 and distance_method(forced) == METHOD_STRAIGHT
    assert coverage(forced, 150).entrances.set_index("code").at["E", "covered"]
    with pytest.raises(Rejected) as err:
        write(corner, command, lambda ctx: set_setting(ctx, "checkpoint_planning", {"distance": "crow"}))
    assert "road" in err.value.problems[0].message_en and "只能取" in err.value.problems[0].message_zh


def test_a_drawn_what_if_post_is_measured_from_where_it_meets_the_road(corner):
    add_roads(corner, [line((0, 0), (100, 0), (100, 60))])
    a = area(corner)
    # 20 m south of the lane at x = 50: 20 + 50 + 60 = 130 m to E by the lane
    near = evaluate(a, [PlanItem("add", lon=lonlat(50, -20)[0], lat=lonlat(50, -20)[1])], radius_m=150)
    assert near.coverage.entrances.set_index("code").at["E", "covered"]
    assert near.figures["entrances_uncovered"] == 0
    # 40 m west of E in a straight line, but 30 m off the lane's far end: 30 + 100 + 60 = 190 m
    far = evaluate(a, [PlanItem("add", lon=lonlat(-30, 0)[0], lat=lonlat(-30, 0)[1])], radius_m=150)
    assert not far.coverage.entrances.set_index("code").at["E", "covered"]
    sug = suggest(a, radius_m=150, zone="G12K2", extra_points=[lonlat(50, -20), lonlat(-30, 0)])
    assert sug.figures["distance"] == METHOD_ROAD
    assert sug.candidates.query("chosen")["source"].tolist() in (["entrance"], ["added"])


# --- the optimiser on a street grid against brute force ----------------------------------------------------------

TICKS = np.arange(0, 301, 100.0)


def grid_instance(seed: int, n_ent: int = 8, n_extra: int = 3):
    """Entrances and candidate points on the east–west lanes of a 300 m street grid, and the walk between every
    two of them worked out by hand (along their lane, or via the best north–south lane)."""
    rng = np.random.default_rng(seed)
    pts = np.column_stack([rng.uniform(5, 295, n_ent + n_extra), rng.choice(TICKS, n_ent + n_extra)])
    ax, ay, bx, by = pts[:, None, 0], pts[:, None, 1], pts[None, :, 0], pts[None, :, 1]
    via = np.min(np.abs(ax[..., None] - TICKS) + np.abs(TICKS - bx[..., None]), axis=-1)
    walk = np.where(ay == by, np.abs(ax - bx), np.abs(ay - by) + via)
    return pts[:n_ent], pts[n_ent:], walk


def brute_cover(A: np.ndarray) -> int:
    need = A.any(axis=1)
    for r in range(A.shape[1] + 1):
        for s in itertools.combinations(range(A.shape[1]), r):
            if (A[:, list(s)].any(axis=1) >= need).all():
                return r
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(3))
def test_the_optimiser_with_walking_distance_matches_brute_force(store, seed):
    load_small_city(store)
    lanes = [line((-50, y), (350, y)) for y in TICKS] + [line((x, -50), (x, 350)) for x in TICKS]
    add_roads(store, lanes)
    ent, extra, walk = grid_instance(seed)
    add_checkpoints(store, [(f"A{i}", "compound_entrance", x, y, 0, 0) for i, (x, y) in enumerate(ent)])
    radius = 170.0
    near_edge = np.abs(walk - radius) < 0.05
    assert not near_edge.any(), "pick another seed: a walk lies within 5 cm of the radius"
    a = area(store)
    zone = box(*lonlat(-60, -60), *lonlat(360, 360))
    sug = suggest(a, radius_m=radius, zone=zone, extra_points=[lonlat(x, y) for x, y in extra])
    order = np.argsort(sug.targets["code"].str[1:].astype(int).to_numpy())
    want = walk[: len(ent)] <= radius  # targets × (entrances, then the extra points)
    got = sug.matrix.toarray()
    assert sug.figures["distance"] == METHOD_ROAD and sug.figures["targets"] == len(ent)
    assert (got[order][:, np.r_[order, len(ent) + np.arange(len(extra))]] == want).all()
    assert sug.figures["checkpoints"] == brute_cover(want) and sug.solution.optimal
    assert sug.figures["uncovered"] == 0


def test_a_long_walk_that_leaves_the_area_is_read_far_enough_around(store):
    """In community C1, post P and entrance E stand 60 m inside its east edge, 100 m apart, and the only way
    between them is a lane that goes 440 m east into the next community: 1,100 m on foot. The default 300 m of
    surroundings misses the lane's far side; C1 read for a 1,200 m radius has it, and C1 read for less refuses
    to answer for 1,200 m rather than answer wrong."""
    load_small_city(store)
    east = metric_xy([X0 + 0.04], [Y0 + 0.03], EPSG)[0][0] - ORIGIN[0]  # C1's east edge, metres east
    x_in, x_out = east - 60, east + 440
    add_checkpoints(store, [("P", "community_checkpoint", x_in, 0, 4, 2), ("E", "compound_entrance", x_in, 100, 0, 0)])
    add_roads(store, [line((x_in, 0), (x_out, 0)), line((x_out, 0), (x_out, 100)), line((x_out, 100), (x_in, 100))])

    with store.read() as s:
        near = load_area(s, "C1", TODAY)  # the city's 150 m radius: roads read 300 m around
        far = load_area(s, "C1", TODAY, radius_m=1200)
        widened = with_roads_for(s, near, 1200)
        assert with_roads_for(s, near, 600) is near  # 600 m walks never go more than 300 m out
    assert near.road_margin_m == 300 and sorted(near.roads["code"]) == ["R0", "R2"]
    assert distance_method(near) == METHOD_ROAD
    with pytest.raises(ValueError, match="1200 m"):
        coverage(near, 1200)
    for a in (far, widened):
        assert a.road_margin_m == 600 and sorted(a.roads["code"]) == ["R0", "R1", "R2"]
        e = coverage(a, 1200).entrances.set_index("code").loc["E"]
        assert e["covered"] and e["nearest_code"] == "P" and e["nearest_m"] == pytest.approx(1100, abs=1)
    assert not coverage(far, 1090).entrances.set_index("code").at["E", "covered"]


def test_the_margin_grows_with_the_radius_in_100_m_steps():
    assert [margin_for(r) for r in (None, 150, 600, 601, 1200, 2000)] == [300, 300, 300, 400, 600, 1000]
