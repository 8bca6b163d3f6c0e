"""`generate`: the whole demo city as layer frames (geodata.base.layers schemas), without touching a database."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.base.layers import LAYERS, UNIT_LAYER_ZH
from geodata.base.vocab import VULNERABLE_TAGS
from geodata.store.frames import WGS84

from .buildings import Buildings, Villages, build_buildings
from .checkpoints import build_checkpoints, build_shifts
from .reports import build_daily_reports
from .residents import build_residents
from .roads import build_roads
from .situation import build_situation, plan_cases
from .units import SCALES, UnitTree, build_units
from .users import build_users

CRS = WGS84


@dataclass
class DemoCity:
    """One frame per layer of `geodata.base.layers`, plus the operational tables the dashboard needs.

    `units` holds every unit level in one GeoDataFrame (column `level` = `geodata.base.vocab.Level` value), parents
    before children; `layers()` splits it into the six unit layers.
    """

    scale: str
    seed: int
    today: dt.date
    units: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    households: pd.DataFrame
    persons: pd.DataFrame
    observations: pd.DataFrame
    cases: pd.DataFrame
    checkpoints: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    shifts: pd.DataFrame
    daily_reports: pd.DataFrame
    users: pd.DataFrame

    def layers(self) -> dict[str, pd.DataFrame]:
        """Frames keyed by the layer names of `geodata.base.layers.LAYERS`, in load order (parents first)."""
        out: dict[str, pd.DataFrame] = {}
        for level, name in enumerate(UNIT_LAYER_ZH, start=1):
            out[name] = self.units.loc[self.units["level"] == level, LAYERS[name].names].reset_index(drop=True)
        for name in ("buildings", "households", "persons", "observations", "cases", "checkpoints", "roads"):
            frame = getattr(self, name)
            # the ledgers' schema also has the columns offices name people by (name, ID number, room …): the demo
            # names them by person code and leaves those empty
            names = LAYERS[name].names
            out[name] = frame if list(frame.columns) == names else frame.reindex(columns=names)
        return out


def generate(scale: str, seed: int = 0, today: dt.date | None = None) -> DemoCity:
    """A deterministic demo city: same `scale`, `seed` and `today` give identical frames.

    `scale` is one of SCALES ('street', 'district', 'city'); `today` (default: the current date) anchors the
    live situation — observation and case dates, shifts and daily reports.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {sorted(SCALES)}")
    today = today or dt.date.today()
    rng = np.random.default_rng(seed)

    tree = build_units(rng, scale)
    bldg, villages = build_buildings(rng, tree, scale)
    plan = plan_cases(rng, tree, bldg, scale, today)
    res = build_residents(rng, tree, bldg, villages, plan, today, SCALES[scale]["persons"])
    sit = build_situation(rng, tree, bldg, res, plan, today)

    closed = np.isin(sit.compound_state[res.household_compound], ["closed", "sealed"])
    households = res.households
    households.loc[closed, "pass_no"] = [f"TX{i + 1:08d}" for i in range(int(closed.sum()))]

    cp = build_checkpoints(rng, tree, sit.compound_state, scale)
    shifts = build_shifts(rng, cp, today)
    checkpoints = gpd.GeoDataFrame(
        cp[LAYERS["checkpoints"].names[:-1]], geometry=shapely.points(cp["x"], cp["y"]), crs=CRS
    )
    reports = build_daily_reports(rng, tree.communities.code, sit.cases, today)
    # roads draw their names from a stream of their own: the other layers stay what they were for a seed
    roads = build_roads(np.random.default_rng([seed, 0x726F6164]), tree, str(tree.city.code[0]))

    frames = {
        "units": _units_frame(tree, villages, sit.compound_state),
        "buildings": _buildings_frame(tree, bldg, res.persons, res.person_building, sit.building_state),
        "households": households,
        "persons": res.persons,
        "observations": sit.observations,
        "cases": sit.cases,
        "checkpoints": checkpoints,
        "roads": roads,
        "shifts": shifts,
        "daily_reports": reports,
        "users": build_users(tree),
    }
    return DemoCity(scale=scale, seed=seed, today=today, **{k: _text_as_str(v) for k, v in frames.items()})


def _text_as_str(df: pd.DataFrame) -> pd.DataFrame:
    """Every text column as pandas' `str` dtype (missing = NaN), whether or not it holds a missing value."""
    for col in df.columns:
        if df[col].dtype == object and pd.api.types.infer_dtype(df[col], skipna=True) in ("string", "empty"):
            df[col] = df[col].astype("str")
    return df


def _units_frame(tree: UnitTree, villages: Villages, compound_state: np.ndarray) -> gpd.GeoDataFrame:
    frames = []
    for lv in tree.levels:
        parent_code = (
            np.full(lv.size, None, dtype=object) if lv.parent[0] < 0
            else tree.levels[tree.levels.index(lv) - 1].code[lv.parent]
        )
        is_compound = lv is tree.compounds
        hh = villages.households if is_compound else np.full(lv.size, -1)
        pop = villages.population if is_compound else np.full(lv.size, -1)
        frames.append(pd.DataFrame({
            "code": lv.code,
            "name": lv.name,
            "parent_code": parent_code,
            "kind": lv.kind,
            "leader_name": lv.leader_name,
            "leader_phone": lv.leader_phone,
            # only natural villages (no buildings) carry households/population on the unit row
            "households": _nullable_int(hh),
            "population": _nullable_int(pop),
            # control state is a compound's (and a building's); upper levels have a situation level instead
            "control_state": compound_state if is_compound else np.full(lv.size, None, dtype=object),
            "control_basis": np.full(lv.size, None, dtype=object),  # a sealing's: loaders.demo.seal_basis, after
            "geometry": lv.geom,
            "level": np.full(lv.size, int(lv.level), dtype=np.int64),
        }))
    df = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(df, geometry="geometry", crs=CRS)


def _nullable_int(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Int64 with <NA> where `values` is negative (the "not applicable" marker of the generator)."""
    return pd.arrays.IntegerArray(np.maximum(values, 0).astype(np.int64), values < 0)


def _buildings_frame(
    tree: UnitTree, bldg: Buildings, persons: pd.DataFrame, person_building: np.ndarray, state: np.ndarray
) -> gpd.GeoDataFrame:
    tags = persons["tags"].fillna("")
    in_bldg = person_building >= 0
    party = tags.str.contains("party_member", regex=False).to_numpy() & in_bldg
    vulnerable = tags.str.contains("|".join(sorted(VULNERABLE_TAGS))).to_numpy() & in_bldg
    n = bldg.size
    df = pd.DataFrame({
        "code": bldg.code,
        "name": bldg.name,
        "compound_code": tree.compounds.code[bldg.compound],
        "grid_code": tree.grids.code[tree.compounds.parent[bldg.compound]],
        "address": bldg.address,
        "kind": bldg.kind,
        "floors": bldg.floors,
        "stair_units": bldg.stair_units,
        "households": bldg.households,
        "population": bldg.population,
        "party_members": np.bincount(person_building[party], minlength=n),
        "vulnerable": np.bincount(person_building[vulnerable], minlength=n),
        "leader_name": bldg.leader_name,
        "leader_phone": bldg.leader_phone,
        "control_state": state,
    })
    df["footprint"] = gpd.GeoSeries(bldg.footprint, crs=CRS)
    return gpd.GeoDataFrame(df, geometry=shapely.points(bldg.x, bldg.y), crs=CRS)
