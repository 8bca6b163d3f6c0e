"""The demo city's roads: along the edges between its units, classed by the edge they follow, every street
served, every compound entrance a few metres from a road, and stored like an imported road file."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from geodata.base.vocab import ROAD_KINDS, Level
from geodata.checkpoints.coverage import METHOD_ROAD, coverage, distance_method, load_area
from geodata.store.db import open_store
from loaders.demo import DemoCity, generate
from loaders.demo_store import store_demo

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def district() -> DemoCity:
    return generate("district", seed=5, today=TODAY)


def _level(city: DemoCity, level: Level):
    return city.units[city.units["level"] == int(level)]


def test_roads_are_lines_with_unique_codes_and_known_kinds(district):
    roads = district.roads
    assert len(roads) > 100 and roads["code"].is_unique
    assert set(roads.geometry.geom_type) <= {"LineString", "MultiLineString"}
    assert set(roads["kind"]) == {"primary", "secondary", "tertiary", "residential"} <= set(ROAD_KINDS)
    assert roads.loc[roads["kind"] != "residential", "name"].notna().all()


def test_every_edge_between_compounds_is_a_road_and_street_edges_are_main_roads(district):
    roads = np.asarray(district.roads.geometry.values, dtype=object)
    network = shapely.union_all(roads)
    edges = shapely.union_all(shapely.boundary(np.asarray(_level(district, Level.COMPOUND).geometry.values)))
    assert shapely.difference(edges, shapely.buffer(network, 1e-6)).length < 1e-6 * edges.length
    main = shapely.union_all(roads[(district.roads["kind"] == "primary").to_numpy()])
    streets = shapely.union_all(shapely.boundary(np.asarray(_level(district, Level.STREET).geometry.values)))
    assert shapely.difference(streets, shapely.buffer(main, 1e-6)).length < 1e-6 * streets.length
    for level in (Level.STREET, Level.COMMUNITY):  # no street or community without a road inside or along it
        polys = np.asarray(_level(district, level).geometry.values, dtype=object)
        assert shapely.intersects(polys, network).all()


def test_compound_entrances_stand_a_few_metres_from_a_road(district):
    ent = district.checkpoints[district.checkpoints["kind"] == "compound_entrance"]
    tree = shapely.STRtree(np.asarray(district.roads.geometry.values, dtype=object))
    _, dist = tree.query_nearest(np.asarray(ent.geometry.values, dtype=object), return_distance=True,
                                 all_matches=False)
    assert np.max(dist) * 111_000 < 5  # degrees → metres (≈, latitude 30.5°): within 5 m


def test_the_stored_demo_street_plans_by_walking_distance(tmp_path):
    street = generate("street", seed=7, today=TODAY)
    store = open_store(f"sqlite:///{tmp_path / 'street.sqlite'}")
    store_demo(store, street, scale="street", seed=7, log=lambda _: None)
    with store.engine.connect() as c:
        n, streets = c.execute(text("SELECT count(*), count(DISTINCT unit_id) FROM roads")).one()
        code = c.execute(text("SELECT code FROM units WHERE level = 3")).scalar()
    assert n == len(street.roads) and streets == 1
    with store.read() as s:
        area = load_area(s, code, TODAY)
    assert distance_method(area) == METHOD_ROAD and len(area.roads) == n
    cov = coverage(area, 150)
    assert cov.method == METHOD_ROAD and cov.figures["entrances_covered"] > 0
    store.dispose()
