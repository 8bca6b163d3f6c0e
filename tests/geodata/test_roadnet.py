"""Walking distance along roads (geodata.checkpoints.roadnet) against answers worked out by hand, in plain metres."""
from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString

from geodata.checkpoints import roadnet
from geodata.checkpoints.coverage import within_radius
from geodata.checkpoints.roadnet import build_network, walking_nearest, walking_within

L_ROAD = LineString([(0, 0), (100, 0), (100, 100)])


def reach(lines, src, dst, radius):
    return walking_within(build_network(lines), np.array(src, float), np.array(dst, float), radius).toarray()


def walk(lines, a, b):
    idx, dist = walking_nearest(build_network(lines), np.array([a], float), np.array([b], float))
    return float(dist[0]) if idx[0] == 0 else np.inf


def test_around_the_corner_of_an_l_shaped_road_is_further_than_the_straight_line():
    a, b = (0, 0), (100, 100)  # 141.4 m apart, 200 m by the road
    assert within_radius(np.array([a], float), np.array([b], float), 150).toarray()[0, 0]
    assert not reach([L_ROAD], [a], [b], 150)[0, 0]
    assert reach([L_ROAD], [a], [b], 200)[0, 0]
    assert walk([L_ROAD], a, b) == pytest.approx(200)


def test_a_point_is_attached_where_it_projects_onto_the_segment_not_at_its_nearest_vertex():
    road = LineString([(0, 0), (200, 0)])
    # 20 m to the road at x=50, 80 m along it, 10 m off at x=130
    assert walk([road], (50, 20), (130, -10)) == pytest.approx(110)
    # several points on one segment are chained in order along it
    assert walk([road], (60, 5), (80, 5)) == pytest.approx(30)
    assert walk([road], (60, 5), (190, 0)) == pytest.approx(135)
    many = walking_within(build_network([road]), np.array([[60, 5]], float),
                          np.array([[80, 5], [100, 5], [170, 0], [20, 3]], float), 50).toarray()
    assert many.tolist() == [[True, True, False, True]]  # 30, 50, 110, 48 m


def test_roads_crossing_are_joined_where_they_cross_and_a_lane_ending_on_a_road_joins_it():
    x = [LineString([(0, 0), (100, 100)]), LineString([(0, 100), (100, 0)])]
    assert walk(x, (0, 0), (0, 100)) == pytest.approx(2 * np.hypot(50, 50))
    t = [LineString([(0, 0), (200, 0)]), LineString([(100, 60), (100, 1e-7)])]  # digitised a hair short
    assert walk(t, (0, 0), (100, 60)) == pytest.approx(160)


def test_points_on_road_pieces_that_do_not_meet_never_reach_each_other():
    parts = [LineString([(0, 0), (100, 0)]), LineString([(0, 50), (100, 50)])]
    assert not reach(parts, [(10, 0)], [(10, 50)], 10_000)[0, 0]
    assert walk(parts, (10, 0), (10, 50)) == np.inf
    idx, dist = walking_nearest(build_network(parts), np.array([[10, 0], [90, 50]], float),
                                np.array([[12, 50], [20, 0]], float))
    assert idx.tolist() == [1, 0] and dist.tolist() == pytest.approx([78, 10])
    # a MultiLineString is one road with several pieces, not joined where they do not touch
    assert walk([MultiLineString(parts)], (10, 0), (10, 50)) == np.inf


def test_the_radius_is_inclusive_to_the_millimetre():
    road = LineString([(0, 0), (150, 0)])
    assert reach([road], [(0, 0)], [(150, 0)], 150)[0, 0]
    assert not reach([road], [(0, 0)], [(150, 0)], 149.9)[0, 0]
    beyond = (150.1, 0)  # 0.1 m past the end of the road: the access leg counts
    assert not reach([road], [(0, 0)], [beyond], 150)[0, 0]
    assert reach([road], [(0, 0)], [beyond], 150.1)[0, 0]


def test_points_with_no_road_between_them_walk_straight_across():
    road = LineString([(0, 0), (100, 0)])
    # both 60 m from the road and 5 m apart: no road can pass between them
    assert walk([road], (50, 60), (55, 60)) == pytest.approx(5)
    # across the road: 72 m in a straight line, but the road is in the way: 60 + 40 + 60
    assert walk([road], (50, 60), (90, -60)) == pytest.approx(160)
    assert not reach([road], [(50, 60)], [(90, -60)], 100)[0, 0]


def manhattan_instance(seed: int, n: int = 30):
    """A full grid of streets every 100 m over 500 m × 500 m and points on its east–west streets; the walk
    between two points is worked out by hand: along their street, or to a north–south street and along it."""
    rng = np.random.default_rng(seed)
    ticks = np.arange(0, 501, 100.0)
    lines = [LineString([(0, y), (500, y)]) for y in ticks] + [LineString([(x, 0), (x, 500)]) for x in ticks]
    pts = np.column_stack([rng.uniform(0, 500, n), rng.choice(ticks, n)])
    ax, ay, bx, by = pts[:, None, 0], pts[:, None, 1], pts[None, :, 0], pts[None, :, 1]
    via = np.min(np.abs(ax[..., None] - ticks) + np.abs(ticks - bx[..., None]), axis=-1)
    truth = np.where(ay == by, np.abs(ax - bx), np.abs(ay - by) + via)
    return lines, pts, truth


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("cells, local_nodes", [(roadnet.CELLS, roadnet.LOCAL_SEARCH_NODES), (500, 10 ** 9),
                                                (roadnet.CELLS, 0), (500, 0)])
def test_walks_on_a_street_grid_match_the_hand_computed_distances_however_the_search_is_cut(
        seed, cells, local_nodes, monkeypatch):
    monkeypatch.setattr(roadnet, "CELLS", cells)  # 500 cells: a handful of sources per Dijkstra call
    monkeypatch.setattr(roadnet, "LOCAL_SEARCH_NODES", local_nodes)  # 0: every graph searched by neighbourhood
    lines, pts, truth = manhattan_instance(seed)
    net = build_network(lines)
    for radius in (120.0, 260.0, 410.0):
        got = walking_within(net, pts, pts, radius).toarray()
        want = truth <= radius
        assert (got == want).all(), radius
    idx, dist = walking_nearest(net, pts[:10], pts[10:])
    assert dist == pytest.approx(truth[:10, 10:].min(axis=0))
    assert (truth[:10, 10:][idx, np.arange(20)] == pytest.approx(dist))


def test_no_roads_and_no_points_give_empty_answers():
    empty = build_network([])
    assert empty.n_segments == 0
    assert walking_within(empty, np.empty((0, 2)), np.array([[0, 0]], float), 100).shape == (0, 1)
    idx, dist = walking_nearest(build_network([L_ROAD]), np.empty((0, 2)), np.array([[0, 0]], float))
    assert idx.tolist() == [-1] and dist.tolist() == [np.inf]
