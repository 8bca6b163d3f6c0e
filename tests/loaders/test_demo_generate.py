"""The demo city generator: tiling, containment, codes, norms, the live situation and determinism."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import shapely

from geodata.base.layers import LAYERS
from geodata.base.vocab import CASE_KINDS, CHECKPOINT_KINDS, CONTROL_STATES, OBSERVATION_KINDS, UNIT_KINDS, Level
from loaders.demo import SCALES, DemoCity, generate
from loaders.demo.names import id_number_is_valid

TODAY = dt.date(2026, 11, 25)
ROLES = {"command", "supervisor", "community_head", "grid_leader", "health", "viewer"}


@pytest.fixture(scope="module")
def street() -> DemoCity:
    return generate("street", seed=7, today=TODAY)


@pytest.fixture(scope="module")
def district() -> DemoCity:
    return generate("district", seed=3, today=TODAY)


def _units(city: DemoCity, level: Level) -> pd.DataFrame:
    return city.units[city.units["level"] == int(level)]


def test_frames_use_the_layer_schemas_in_wgs84(street):
    for name, frame in street.layers().items():
        assert list(frame.columns) == LAYERS[name].names, name
        for col in LAYERS[name].required:
            assert frame[col].notna().all(), (name, col)
    assert list(street.units.columns) == LAYERS["city"].names + ["level"]
    for frame in (street.units, street.buildings, street.checkpoints):
        assert frame.crs.to_epsg() == 4326
    assert street.buildings["footprint"].notna().mean() == pytest.approx(0.5, abs=0.1)


def test_units_are_listed_parents_first(street):
    assert street.units["level"].is_monotonic_increasing
    assert list(street.units["level"].unique()) == [int(lv) for lv in Level]


@pytest.mark.parametrize("child_level", [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID, Level.COMPOUND])
def test_children_tile_their_parent(street, child_level):
    parents = _units(street, Level(child_level - 1)).set_index("code")
    children = _units(street, child_level)
    for code, group in children.groupby("parent_code"):
        parent = parents.loc[code, "geometry"]
        geoms = group.geometry.to_numpy()
        assert set(shapely.get_type_id(geoms)) == {3}  # one Polygon each
        assert shapely.is_valid(geoms).all()
        assert abs(shapely.area(geoms).sum() - parent.area) / parent.area < 1e-9
        assert shapely.union_all(geoms).symmetric_difference(parent).area < 1e-12
        assert (shapely.area(shapely.difference(geoms, parent)) < 1e-14).all()  # inside the parent
        tree = shapely.STRtree(geoms)
        i, j = tree.query(geoms, predicate="intersects")
        pairs = i < j
        overlap = shapely.area(shapely.intersection(geoms[i[pairs]], geoms[j[pairs]]))
        assert overlap.sum() < 1e-12


def test_every_unit_has_a_known_parent_and_a_unique_code(street):
    units = street.units
    assert units["code"].is_unique
    assert units["parent_code"].dropna().isin(units["code"]).all()
    assert units["parent_code"].isna().sum() == 1  # only the city
    child_level = units.set_index("code")["level"]
    parent_level = units["parent_code"].map(child_level)
    assert (parent_level.dropna() == units.loc[parent_level.notna(), "level"] - 1).all()
    assert units["kind"].dropna().isin(list(UNIT_KINDS)).all()


def test_codes_are_unique_and_references_resolve(street):
    b, hh, p = street.buildings, street.households, street.persons
    for frame in (b, hh, p, street.observations, street.cases, street.checkpoints):
        assert frame["code"].is_unique
    units = set(street.units["code"])
    assert b["compound_code"].isin(units).all() and b["grid_code"].isin(units).all()
    assert hh["building_code"].dropna().isin(b["code"]).all()
    assert hh["compound_code"].isin(units).all()
    assert p["household_code"].isin(hh["code"]).all()
    assert street.observations["person_code"].isin(p["code"]).all()
    assert street.cases["person_code"].isin(p["code"]).all()
    assert street.checkpoints["unit_code"].isin(units).all()
    assert street.shifts["checkpoint_code"].isin(street.checkpoints["code"]).all()
    assert set(street.daily_reports["community_code"]) == set(_units(street, Level.COMMUNITY)["code"])
    assert street.users["scope_code"].isin(units).all()
    # a room is taken once per stair unit of a building
    assert not hh.duplicated(["compound_code", "building_code", "stair_unit", "room"]).any()


def test_every_building_is_inside_its_grid_and_compound(street):
    b = street.buildings
    geom = street.units.set_index("code").geometry
    x, y = b.geometry.x.to_numpy(), b.geometry.y.to_numpy()
    assert shapely.contains_xy(geom.loc[b["grid_code"]].to_numpy(), x, y).all()
    assert shapely.contains_xy(geom.loc[b["compound_code"]].to_numpy(), x, y).all()
    compound_grid = street.units.set_index("code")["parent_code"]
    assert (b["compound_code"].map(compound_grid) == b["grid_code"]).all()


def test_grid_households_are_within_the_norm(street):
    villages = street.units[street.units["kind"] == "natural_village"]
    per_grid = pd.concat([
        street.buildings.groupby("grid_code")["households"].sum(),
        villages.groupby("parent_code")["households"].sum().astype(int),
    ])
    assert per_grid.index.is_unique and len(per_grid) == len(_units(street, Level.GRID))
    assert per_grid.between(300, 1000).all()


def test_sizes_are_near_the_scale_targets(street):
    target = SCALES["street"]
    assert len(_units(street, Level.COMMUNITY)) == target["communities"]
    assert 0.7 * target["grids"] <= len(_units(street, Level.GRID)) <= 1.3 * target["grids"]
    assert 0.7 * target["buildings"] <= len(street.buildings) <= 1.3 * target["buildings"]
    assert 0.7 * target["persons"] <= len(street.persons) <= 1.3 * target["persons"]


def test_building_counts_match_the_person_records(street):
    p = street.persons
    party = p[p["tags"].str.contains("party_member", na=False)].groupby("building_code").size()
    b = street.buildings.set_index("code")
    assert (b["party_members"] == party.reindex(b.index, fill_value=0)).all()
    assert b["vulnerable"].sum() > 0


def test_id_numbers_are_checksum_valid_and_match_the_person(street):
    p = street.persons
    assert p["id_number"].map(id_number_is_valid).all()
    assert p["id_number"].is_unique
    assert (p["id_number"].str[6:10].astype(int) == p["birth_year"]).all()
    male_digit = p["id_number"].str[16].astype(int) % 2 == 1
    assert (male_digit == (p["gender"] == "男")).all()
    phones = pd.concat([p["phone"].dropna(), street.buildings["leader_phone"]])
    assert phones.str.fullmatch(r"1[358]\d{9}").all()


def test_there_are_s1_and_s2_like_communities(street):
    cases = street.cases.assign(community=street.cases["compound_code"].str[:12])
    recent = cases[cases["reported_on"] > TODAY - dt.timedelta(days=14)]
    infected = recent[recent["kind"].isin(["confirmed", "asymptomatic"])]
    s1 = infected[infected["kind"] == "confirmed"].groupby("community").size()
    s2 = infected[~infected["source_known"]].groupby("community").size()
    assert (s2 >= 2).sum() >= 1
    assert len(set(s1.index) - set(s2.index)) >= 1
    assert cases["kind"].isin(list(CASE_KINDS)).all()
    assert cases["source_known"].mean() > 0.5
    urban = ~cases["compound_code"].isin(street.units.loc[street.units["kind"] == "natural_village", "code"])
    assert cases.loc[urban, "building_code"].notna().all()


def test_case_buildings_and_compounds_are_under_control(street):
    b = street.buildings.set_index("code")
    infected = street.cases[street.cases["kind"].isin(["confirmed", "asymptomatic"])]
    in_building = infected["building_code"].dropna()
    assert b.loc[in_building, "control_state"].isin(["sealed", "epidemic_spot", "lifted"]).all()
    assert b["control_state"].isin(list(CONTROL_STATES)).all()
    compounds = _units(street, Level.COMPOUND)
    assert compounds["control_state"].isin(list(CONTROL_STATES)).all()
    assert (compounds["control_state"] == "closed").any() and (compounds["control_state"] == "normal").any()


def test_closed_compounds_keep_one_open_entrance_with_a_few_violations(street):
    cp = street.checkpoints
    entrances = cp[cp["kind"] == "compound_entrance"]
    state = _units(street, Level.COMPOUND).set_index("code")["control_state"]
    open_count = entrances[entrances["status"] == "open"].groupby("unit_code").size()
    closed = state[state == "closed"].index
    counts = open_count.reindex(closed, fill_value=0)
    assert (counts >= 1).all()
    assert (counts == 2).sum() >= 1
    assert (counts == 1).mean() > 0.7


def test_checkpoints_are_mostly_staffed_to_the_norm(street):
    cp = street.checkpoints
    assert cp["kind"].isin(list(CHECKPOINT_KINDS)).all()
    assert set(cp["kind"]) == set(CHECKPOINT_KINDS)
    guarded = cp[cp["is_24h"]]
    norm_day = guarded["kind"].map({"compound_entrance": 4, "community_checkpoint": 4, "police_urban": 10,
                                    "police_border": 10, "highway": 20})
    norm_night = guarded["kind"].map({"compound_entrance": 2, "community_checkpoint": 2}).fillna(0)
    under = (guarded["staff_day"] < norm_day) | (guarded["staff_night"] < norm_night)
    assert under.sum() >= 1
    assert 0.03 < under.mean() < 0.2
    entrances = cp[cp["kind"] == "compound_entrance"]
    geom = street.units.set_index("code").geometry.loc[entrances["unit_code"]].to_numpy()
    assert shapely.contains_xy(geom, entrances.geometry.x, entrances.geometry.y).all()
    assert (shapely.distance(shapely.boundary(geom), entrances.geometry.to_numpy()) < 1e-4).all()


def test_shifts_cover_the_next_week_for_guarded_checkpoints(street):
    s = street.shifts
    assert set(s["date"]) == {TODAY + dt.timedelta(days=k) for k in range(7)}
    assert set(s["shift"]) == {"day", "night"}
    assert not s.duplicated(["checkpoint_code", "date", "shift"]).any()
    assert s["checkpoint_code"].nunique() == street.checkpoints["is_24h"].sum()
    assert (s["staff"] >= 1).all()


def test_observations_include_released_due_and_overdue(street):
    o = street.observations
    assert o["kind"].isin(list(OBSERVATION_KINDS)).all()
    assert (o["start_date"] >= TODAY - dt.timedelta(days=20)).all()
    assert (o["planned_end"] == o["start_date"] + dt.timedelta(days=14)).all()
    released = o["released_on"].notna()
    assert released.any()
    assert ((o["planned_end"] == TODAY) & ~released).any()
    assert ((o["planned_end"] < TODAY) & ~released).any()


def test_daily_reports_cover_a_week_with_gaps_and_zero_reports(street):
    r = street.daily_reports
    assert len(r) == 7 * len(_units(street, Level.COMMUNITY))
    today = r[r["report_date"] == TODAY]
    assert today["submitted_at"].isna().any()
    assert r["is_zero"].mean() > 0.5
    assert not (r["late"] & r["submitted_at"].isna()).any()
    # late means what the reports page computes: submitted at or after the city's cut-off (16:00 by default)
    from geodata.store.rules_config import DEFAULTS

    cutoff = dt.time.fromisoformat(DEFAULTS["daily_report"]["cutoff"])
    sent = r[r["submitted_at"].notna()]
    assert (sent["late"] == (sent["submitted_at"].dt.time >= cutoff)).all()
    assert sent["late"].any() and not sent["late"].all()


def test_one_demo_user_per_role(street):
    assert set(street.users["role"]) == ROLES
    assert street.users["username"].is_unique
    assert (street.users["password"] == "demo1234").all()


def test_the_scoped_logins_see_a_case_in_their_grid(street):
    scope = street.users.set_index("username")["scope_code"]
    grid = scope["grid"]
    assert grid.startswith(scope["head"]) and scope["head"].startswith(scope["supervisor"])
    confirmed = street.cases[street.cases["kind"] == "confirmed"]
    assert confirmed["compound_code"].str.startswith(grid).any()


def test_same_seed_gives_identical_frames(street):
    again = generate("street", seed=7, today=TODAY)
    for name in ("units", "buildings", "households", "persons", "observations", "cases", "checkpoints", "shifts",
                 "daily_reports", "users"):
        a, b = getattr(street, name), getattr(again, name)
        geo = [c for c in a.columns if a[c].dtype.name == "geometry"]
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns=geo)), pd.DataFrame(b.drop(columns=geo)))
        for c in geo:
            assert (shapely.to_wkb(a[c].to_numpy()) == shapely.to_wkb(b[c].to_numpy())).all(), (name, c)
    other = generate("street", seed=8, today=TODAY)
    n = min(len(other.buildings), len(street.buildings))
    assert (shapely.to_wkb(other.buildings.geometry.to_numpy()[:n]) != shapely.to_wkb(
        street.buildings.geometry.to_numpy()[:n])).any()


def test_district_scale_has_a_rural_township_without_buildings(district):
    units = district.units
    streets = units[units["level"] == int(Level.STREET)]
    township = streets[streets["kind"] == "rural"]
    assert len(township) == 1 and township["name"].iloc[0][-1] in "镇乡"
    assert township["code"].iloc[0][-3:] in ("101", "201")  # 镇 1xx, 乡 2xx after the 街道 0xx
    assert district.users.set_index("username").loc["supervisor", "scope_code"] != township["code"].iloc[0]
    villages = units[units["kind"] == "natural_village"]
    assert len(villages) > 0
    assert villages["households"].notna().all() and villages["population"].notna().all()
    assert units.loc[units["kind"] != "natural_village", "households"].isna().all()
    assert not district.buildings["compound_code"].isin(villages["code"]).any()
    grid_hh = villages.groupby("parent_code")["households"].sum()
    assert grid_hh.between(300, 1000).all()
    assert district.persons["compound_code"].isin(villages["code"]).any()
    village_rows = units[(units["level"] == int(Level.COMMUNITY)) & (units["kind"] == "rural")]
    assert len(village_rows) >= 6 and village_rows["name"].str.endswith("村").all()
    assert (village_rows["code"].str[-3:].astype(int) > 200).all()
