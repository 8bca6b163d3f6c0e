"""An import cannot take over records of another place (issue 18, hole 2).

Rows are matched to stored records by code. The scope check used to look only at a row's NEW place, so a grid
leader could reuse a sibling grid's person or building code, name a place of their own grid, and pull that record
(with its full ID number and phone) into their grid. Now a row that matches a stored record is refused unless that
record's CURRENT place lies in the actor's scope and the actor's role may edit that kind of record by hand; the
whole file is refused (nothing written) with the file, row and column named. A move the actor may make is logged
where the record was and where it went.

Uses the two-street city of tests/geodata/test_scope_city.py: P4 (with a phone) lives in G12, the sibling of
grid leader grid11's G11; H1 is a household of G11.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import func, select, text

from geodata.base.problems import PermissionDenied, Rejected
from geodata.exchange.bulk import upsert_layer
from geodata.exchange.imports import import_frame
from geodata.people import audit, persons
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Building, Checkpoint, Event, Household, Observation, Person, Unit
from geodata.store.writes import Actor, write
from loaders.cli import main
from tests.factories import TODAY, X0, Y0
from tests.geodata.test_scope_city import actor, city, path_of  # noqa: F401 — `city` is a fixture

MODELS = {"persons": Person, "buildings": Building, "households": Household, "observations": Observation,
          "checkpoints": Checkpoint, "compounds": Unit}


def _snapshot(store) -> tuple:
    """Everything an import could change: every record's code, path and version, the event count, the data version."""
    with store.read() as s:
        rows = tuple(sorted((name, *r) for name, model in MODELS.items()
                            for r in s.execute(select(model.code, model.path, model.version)).all()))
        events = s.execute(select(func.count()).select_from(Event)).scalar()
    return rows, events, store.data_version()


def _point_in(store, unit_code: str) -> Point:
    return _unit_shape(store, unit_code).representative_point()


def _takeover_frame(store, layer: str) -> pd.DataFrame:
    """A row by grid11 that reuses a record code of the sibling grid G12 and names a place in grid11's own G11."""
    if layer == "persons":
        return pd.DataFrame([{"code": "P4", "name": "赵六", "household_code": "H1"}])
    if layer == "buildings":
        pt = _point_in(store, "G11K2")
        return pd.DataFrame([{"code": "G12K1B1", "name": "1栋", "compound_code": "G11K2", "lon": pt.x,
                              "lat": pt.y}])
    raise AssertionError(layer)


def _as_layer_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical frame import_frame takes (points as geometry, as the readers produce them)."""
    if "lon" not in frame.columns:
        return frame
    points = [Point(x, y) for x, y in zip(frame["lon"], frame["lat"], strict=True)]
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=points, crs="EPSG:4326")


def _compound(code: str, parent: str, shape) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([{"code": code, "name": "幸福1小区", "parent_code": parent}], geometry=[shape],
                            crs="EPSG:4326")


def _unit_shape(store, code: str):
    with store.read() as s:
        return unit_by_code(s, code).geom


@pytest.mark.parametrize("layer, code", [("persons", "P4"), ("buildings", "G12K1B1")])
def test_a_grid_leader_cannot_pull_a_sibling_grids_record_into_their_grid(city, layer, code):
    grid11 = actor(city, "grid11")
    g12 = path_of(city, "G12")
    before = _snapshot(city)
    with pytest.raises(Rejected) as err:
        import_frame(city, grid11, layer, _as_layer_frame(_takeover_frame(city, layer)), source=f"{layer}.csv")
    [problem] = err.value.errors
    assert (problem.file, problem.row, problem.field) == (f"{layer}.csv", 1, "code")
    assert problem.column in ("人员编码", "楼栋编码")
    assert code in problem.message_zh and "管辖范围" in problem.message_zh
    assert "outside your scope" in problem.message_en
    assert _snapshot(city) == before
    model = MODELS[layer]
    with city.read() as s:
        assert s.execute(select(model.path).where(model.code == code)).scalar_one().startswith(g12)
    if layer == "persons":  # still not grid11's person: not in their list, its card refused, phone unseen
        assert "P4" not in set(persons.persons_in(city, grid11, "G11")["code"])
        with pytest.raises(PermissionDenied, match="unknown or outside your scope"):  # as if P4 did not exist
            persons.person(city, grid11, "P4")


@pytest.mark.parametrize("layer, code", [("persons", "P4"), ("buildings", "G12K1B1")])
def test_the_takeover_is_refused_from_the_cli_as_a_user(city, tmp_path, capsys, layer, code):
    path = tmp_path / f"{layer}.csv"
    _takeover_frame(city, layer).to_csv(path, index=False)
    before = _snapshot(city)
    assert main(["import", str(path), "--layer", layer, "--db", city.url, "--as", "grid11"]) == 1
    printed = capsys.readouterr()
    assert "nothing was written" in printed.err
    assert f"{layer}.csv" in printed.out and "第2行" in printed.out and code in printed.out
    assert "outside your scope" in printed.out
    assert _snapshot(city) == before


def _other_takeovers(store) -> list[tuple[str, pd.DataFrame]]:
    """The same attack on every other layer matched by code: a G12 (or G21) record pulled into G11."""
    g11k2 = _point_in(store, "G11K2")
    return [
        ("households", pd.DataFrame([{"code": "H2", "building_code": "G11K1B1", "room": "301"}])),
        ("observations", pd.DataFrame([{"code": "O2", "person_code": "P2", "kind": "home",
                                        "start_date": TODAY}])),
        ("cases", pd.DataFrame([{"code": "K1", "kind": "confirmed", "reported_on": TODAY,
                                 "building_code": "G11K1B1"}])),
        ("checkpoints", _as_layer_frame(pd.DataFrame([{"code": "E2", "name": "东门", "kind": "compound_entrance",
                                                       "unit_code": "G11K2", "lon": g11k2.x, "lat": g11k2.y}]))),
        ("compounds", _compound("G12K1", "G11", _unit_shape(store, "G11").buffer(-1e-4))),
    ]


def test_every_layer_refuses_a_record_whose_current_place_is_outside_the_scope(city):
    grid11 = actor(city, "grid11")
    for layer, frame in _other_takeovers(city):
        before = _snapshot(city)
        with pytest.raises(Rejected) as err:
            import_frame(city, grid11, layer, frame, source=f"{layer}.xlsx")
        assert [(p.row, p.field, "outside your scope" in p.message_en) for p in err.value.errors] == \
            [(1, "code", True)], layer
        assert _snapshot(city) == before, layer


def test_a_supervisor_cannot_overwrite_person_records(city):
    """Supervisors may not edit persons by hand (geodata.people.scope.EDIT_ROLES), so not by import either."""
    sup1 = actor(city, "sup1")
    before = _snapshot(city)
    with pytest.raises(Rejected) as err:
        import_frame(city, sup1, "persons", pd.DataFrame([{"code": "P2", "name": "改名", "building_code": "G11K1B2"}]),
                     source="persons.csv")
    [problem] = err.value.errors
    assert (problem.row, problem.field) == (1, "code")
    assert "this role cannot edit an existing person" in problem.message_en and "人员" in problem.message_zh
    assert _snapshot(city) == before
    # what they may edit by hand they may import: a building of their street
    result = import_frame(city, sup1, "buildings", _as_layer_frame(pd.DataFrame([{
        "code": "G11K1B1", "name": "一号楼", "compound_code": "G11K1", "lon": X0 + 0.002, "lat": Y0 + 0.005}])))
    assert result.updated == 1


def test_a_community_head_reshaping_an_existing_compound_is_refused_like_by_hand(city):
    """Reshaping a unit by hand is for supervisors (geodata.people.scope.RESHAPE_ROLES): not by import either."""
    frame = _compound("G11K1", "G11", _unit_shape(city, "G11K1").buffer(-1e-4))
    before = _snapshot(city)
    with pytest.raises(Rejected) as err:
        import_frame(city, actor(city, "head1"), "compounds", frame)
    assert "this role cannot edit an existing unit" in err.value.errors[0].message_en
    assert _snapshot(city) == before
    assert import_frame(city, actor(city, "sup1"), "compounds", frame).updated == 1


def test_a_move_within_the_scope_is_logged_where_the_record_was_and_where_it_went(city):
    head1 = actor(city, "head1")  # C1 covers both G11 and G12
    result = import_frame(city, head1, "persons", pd.DataFrame([{"code": "P4", "name": "赵六", "household_code": "H1"}]))
    assert result.updated == 1
    assert path_of(city, "G11") in persons.person(city, head1, "P4")["path"]
    grid11 = actor(city, "grid11")
    grid12 = Actor("grid12", "grid_leader", path_of(city, "G12"))
    with city.read() as s:
        new_side = audit.events(s, grid11, code="P4", action="person.")
        old_side = audit.events(s, grid12, code="P4", action="person.")
    assert list(new_side["action"]) == ["person.update"]
    assert new_side.iloc[0]["new"]["path"].startswith(path_of(city, "G11"))
    assert list(old_side["action"]) == ["person.move"]
    moved = old_side.iloc[0]
    assert moved["path"].startswith(path_of(city, "G12"))
    assert moved["old"]["path"].startswith(path_of(city, "G12")) and moved["new"]["path"].startswith(
        path_of(city, "G11"))
    # the entry left behind names the move, not the person's values that now belong to the new grid
    assert set(moved["new"]) <= {"path", "grid_id", "compound_id", "building_id", "household_id"}


def test_a_supervisor_cannot_take_over_a_road_of_another_street(city):
    """Roads have no hand-edit rule; their place is their street, and that place is checked like any other."""
    s1, s2 = _unit_shape(city, "S1"), _unit_shape(city, "S2")

    def road(shape) -> gpd.GeoDataFrame:
        c = shape.centroid
        return gpd.GeoDataFrame([{"code": "R1", "name": "幸福路", "kind": "primary"}],
                                geometry=[LineString([(c.x - 0.001, c.y), (c.x + 0.001, c.y)])], crs="EPSG:4326")

    write(city, Actor.system("test"), lambda ctx: upsert_layer(ctx, "roads", road(s2)))
    before = _snapshot(city)
    with city.read() as s:
        road_path = s.execute(text("SELECT path FROM roads WHERE code = 'R1'")).scalar_one()
    with pytest.raises(Rejected) as err:
        import_frame(city, actor(city, "sup1"), "roads", road(s1))
    assert [(p.row, "outside your scope" in p.message_en) for p in err.value.errors] == [(1, True)]
    assert _snapshot(city) == before
    with city.read() as s:
        assert s.execute(text("SELECT path FROM roads WHERE code = 'R1'")).scalar_one() == road_path
    assert import_frame(city, actor(city, "sup2"), "roads", road(s2).assign(name="幸福大道")).updated == 1


def test_a_compound_moved_to_another_grid_is_logged_in_both_grids(city):
    """A supervisor may re-parent a compound within their street; both grids' staff see that it moved."""
    frame = _compound("G12K1", "G11", _unit_shape(city, "G11").buffer(-1e-4))
    old_path = path_of(city, "G12K1")
    assert import_frame(city, actor(city, "sup1"), "compounds", frame).updated == 1
    assert path_of(city, "G12K1").startswith(path_of(city, "G11"))
    grid12 = Actor("grid12", "grid_leader", path_of(city, "G12"))
    with city.read() as s:
        at_old = audit.events(s, grid12, code="G12K1", action="unit.")
        at_new = audit.events(s, actor(city, "grid11"), code="G12K1", action="unit.")
    assert list(at_old["action"]) == ["unit.update"] and list(at_old["path"]) == [old_path]
    assert list(at_new["action"]) == ["unit.move"] and at_new.iloc[0]["new"]["path"] == path_of(city, "G12K1")
    # one entry for the unit names what moved with it (its buildings and the person living there: issue 18)
    assert at_new.iloc[0]["new"]["moved"] == {"units": 1, "buildings": 2, "persons": 1}
