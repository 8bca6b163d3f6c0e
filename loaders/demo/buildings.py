"""Buildings (楼栋) of the urban compounds and the household counts of the rural natural villages.

Sizes follow the domain file §1.2: every grid holds 300–1000 households. Each urban grid draws a household total,
splits it over buildings (denser, smaller grids get bigger buildings), and the buildings over its compounds by
area. Natural villages carry their households and population on the compound row and have no buildings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from . import names, tiling
from .units import SCALES, UnitTree

GRID_HOUSEHOLDS = (380, 950)  # drawn per grid, inside the 300–1000 norm with room for rounding
RURAL_GRID_HOUSEHOLDS = (320, 800)
BUILDING_INSET_DEG = 0.0001  # ≈ 10 m: buildings stay off the compound's edge
_M_PER_DEG_LAT = 110_540.0


@dataclass
class Buildings:
    """Parallel arrays, one row per building, sorted by compound (and so by grid)."""

    x: np.ndarray
    y: np.ndarray
    compound: np.ndarray  # index into tree.compounds
    number: np.ndarray  # 1-based within the compound: the N of "N栋"
    households: np.ndarray
    population: np.ndarray
    floors: np.ndarray
    stair_units: np.ndarray
    per_floor: np.ndarray  # households per floor in each stair unit (1 or 2): the room numbering
    kind: np.ndarray
    footprint: np.ndarray  # Polygon or None
    code: np.ndarray
    name: np.ndarray
    address: np.ndarray
    leader_name: np.ndarray
    leader_phone: np.ndarray

    @property
    def size(self) -> int:
        return int(self.x.size)


@dataclass
class Villages:
    """Households and population of the natural-village compounds (-1 for urban compounds)."""

    households: np.ndarray
    population: np.ndarray


def allocate(rng: np.random.Generator, totals: np.ndarray, weights: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Split `totals[g]` over the items of each group in proportion to `weights` (largest remainder, exact sums).

    `group` must be sorted; ties in the remainders are broken at random.
    """
    wsum = np.bincount(group, weights=weights, minlength=totals.size)
    exact = totals[group] * weights / np.where(wsum[group] > 0, wsum[group], 1.0)
    base = np.floor(exact).astype(np.int64)
    left = totals - np.bincount(group, weights=base, minlength=totals.size).astype(np.int64)
    order = np.lexsort((rng.random(group.size), -(exact - base), group))
    first = np.searchsorted(group[order], np.arange(totals.size))
    rank = np.empty(group.size, np.int64)
    rank[order] = np.arange(group.size) - first[group[order]]
    return base + (rank < left[group])


def build_buildings(rng: np.random.Generator, tree: UnitTree, scale: str) -> tuple[Buildings, Villages]:
    grids, compounds = tree.grids, tree.compounds
    urban_grid = ~grids.rural
    g_area = shapely.area(grids.geom)

    # households per grid, and the mean building size: bigger buildings where grids are small (denser areas)
    hh_grid = rng.integers(*GRID_HOUSEHOLDS, grids.size)
    ref = np.median(g_area[urban_grid]) if urban_grid.any() else 1.0
    mean_size = np.clip(14.0 * (ref / g_area) ** 0.35, 8, 30)
    wanted = SCALES[scale]["buildings"] * urban_grid.sum() / max(SCALES[scale]["grids"], 1)
    mean_size = np.clip(mean_size * (hh_grid / mean_size)[urban_grid].sum() / wanted, 8, 30)
    n_comp = np.bincount(compounds.parent, minlength=grids.size)
    n_bldg = np.maximum(np.round(hh_grid / mean_size).astype(np.int64), n_comp)
    n_bldg[~urban_grid] = 0

    # buildings per compound: one each, the rest by area
    c_area = shapely.area(compounds.geom)
    urban_c = ~compounds.rural
    per_comp = np.zeros(compounds.size, np.int64)
    per_comp[urban_c] = 1 + allocate(
        rng, n_bldg - np.where(urban_grid, n_comp, 0), np.where(urban_c, c_area, 0.0), compounds.parent
    )[urban_c]

    x, y, comp, spacing = tiling.lattice_points_in(rng, compounds.geom, per_comp, BUILDING_INSET_DEG)
    grid = compounds.parent[comp]
    number = np.arange(comp.size) - np.searchsorted(comp, comp) + 1
    n = comp.size

    # households: at least 6 per building, the grid total spread with gamma-distributed weights
    households = 6 + allocate(rng, np.where(urban_grid, hh_grid - 6 * n_bldg, 0), rng.gamma(3.0, 1.0, n), grid)
    stair_units = np.clip(np.ceil(households / 24).astype(np.int64) + (rng.random(n) < 0.4), 1, 6)
    per_floor = np.where(households / stair_units >= 6, 2, 1)
    floors = np.maximum(np.ceil(households / (stair_units * per_floor)).astype(np.int64), 2)
    population = np.round(households * rng.uniform(2.3, 3.2, n)).astype(np.int64)

    c_kind = compounds.kind[comp]
    kind = np.full(n, "residential", dtype=object)
    kind[(c_kind == "work_unit") & (rng.random(n) < 0.3)] = "dormitory"
    kind[(c_kind == "property_managed") & (rng.random(n) < 0.05)] = "mixed"

    footprint = _footprints(rng, x, y, spacing[comp], compounds.geom[comp], rng.random(n) < 0.5)

    code = np.char.add(np.char.add(compounds.code[comp].astype(str), "B"), np.char.zfill(number.astype(str), 3))
    bname = np.char.add(number.astype(str), "栋")
    district = tree.ancestor(compounds, tree.districts, comp)
    road = names.road_names(rng, compounds.size)
    house_no = rng.integers(1, 400, compounds.size).astype(str)
    address = np.char.add(
        np.char.add(
            np.char.add(np.char.add(tree.districts.name[district].astype(str), road[comp]), house_no[comp]), "号"
        ),
        np.char.add(compounds.name[comp].astype(str), bname),
    )
    bldg = Buildings(
        x=x, y=y, compound=comp, number=number, households=households, population=population, floors=floors,
        stair_units=stair_units, per_floor=per_floor, kind=kind, footprint=footprint, code=code.astype(object),
        name=bname.astype(object), address=address.astype(object),
        leader_name=names.person_names(rng, rng.random(n) < 0.5), leader_phone=names.mobile_numbers(rng, n),
    )

    # natural villages: the grid's households spread over its villages by area, at least 30 each
    v_hh = np.full(compounds.size, -1, np.int64)
    v_pop = np.full(compounds.size, -1, np.int64)
    if compounds.rural.any():
        rural_total = np.where(grids.rural, rng.integers(*RURAL_GRID_HOUSEHOLDS, grids.size) - 30 * n_comp, 0)
        spread = allocate(rng, rural_total, np.where(compounds.rural, c_area, 0.0), compounds.parent)
        v_hh[compounds.rural] = 30 + spread[compounds.rural]
        v_pop[compounds.rural] = np.round(v_hh[compounds.rural] * rng.uniform(2.6, 3.4, int(compounds.rural.sum())))
    return bldg, Villages(v_hh, v_pop)


def _footprints(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, spacing: np.ndarray, compound: np.ndarray, has: np.ndarray
) -> np.ndarray:
    """Rotated rectangles (slab blocks) for the buildings flagged in `has`, clipped to their compound."""
    out = np.full(x.size, None, dtype=object)
    idx = np.flatnonzero(has)
    if idx.size == 0:
        return out
    length = np.clip(spacing[idx] * 0.6, 12 / _M_PER_DEG_LAT, 60 / _M_PER_DEG_LAT)
    width = length * rng.uniform(0.3, 0.45, idx.size)
    angle = rng.choice([0.0, np.pi / 2], idx.size) + rng.normal(0, 0.08, idx.size)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    lx = corners[None, :, 0] * length[:, None]
    ly = corners[None, :, 1] * width[:, None]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    lon_scale = 1.0 / np.cos(np.radians(y[idx]))[:, None]  # keep the rectangle square-cornered on the ground
    px = x[idx, None] + (lx * cos - ly * sin) * lon_scale
    py = y[idx, None] + (lx * sin + ly * cos)
    rect = shapely.polygons(np.stack([px, py], axis=-1))
    clipped = shapely.intersection(rect, compound[idx])
    ok = shapely.get_type_id(clipped) == 3
    out[idx[ok]] = clipped[ok]
    return out
