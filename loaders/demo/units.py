"""The unit tree of the demo city: 市 → 区 → 街道/乡镇 → 社区/村 → 网格 → 小区/自然村 (domain file §1.1).

Polygons come from `tiling.subdivide`, so each level tiles its parent. Codes follow the national administrative
division pattern: city 420100, district 4201xx, street +3 digits, community +3 digits, then grid `G01`, compound
`C01` appended to the parent's code. One street of the district and city scales is a rural township (乡镇) whose
communities are villages (村), whose grids are villagers' groups (村民组) and whose compounds are natural villages
(自然村) without buildings (domain file §1.1, "rural branch").
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from geodata.base.vocab import Level

from . import names, tiling

CITY_CODE = "420100"
CITY_NAME = "武汉市"
CITY_CENTER = (114.30, 30.59)

# The real Wuhan districts named in the brief with their division codes, and where their Voronoi seeds sit
# relative to CITY_CENTER (degrees). The demo city is ~35 km across, far smaller than the real one, so these are
# not real centroids: the old core (江岸 江汉 硚口 汉阳 武昌 青山) is packed in the middle, the large outer districts
# (东西湖 NW, 蔡甸 W, 江夏 S, 洪山 E) around it, which keeps the real relative positions and sizes.
WUHAN_DISTRICTS = (
    ("420102", "江岸区", 0.020, 0.050),
    ("420103", "江汉区", -0.012, 0.022),
    ("420104", "硚口区", -0.045, 0.012),
    ("420105", "汉阳区", -0.045, -0.032),
    ("420106", "武昌区", 0.022, -0.022),
    ("420107", "青山区", 0.070, 0.045),
    ("420111", "洪山区", 0.110, -0.040),
    ("420112", "东西湖区", -0.110, 0.085),
    ("420114", "蔡甸区", -0.135, -0.035),
    ("420115", "江夏区", 0.000, -0.110),
)

#: target sizes per scale (the brief's table); actual numbers vary a little with the seed
SCALES: dict[str, dict[str, int]] = {
    "street": {"districts": 1, "streets": 1, "communities": 8, "grids": 60, "buildings": 3_000, "persons": 2_000},
    "district": {
        "districts": 1, "streets": 10, "communities": 100, "grids": 800, "buildings": 40_000, "persons": 25_000,
    },
    "city": {
        "districts": 10, "streets": 150, "communities": 1_500, "grids": 12_000, "buildings": 500_000,
        "persons": 300_000,
    },
}

# (centre, half-extent in degrees, district used) per scale: the city ~35 km across around 114.30E 30.59N; the
# district scale a ~8 km part of 洪山区, the street scale a ~2 km part of 武昌区.
_EXTENTS = {
    "city": ((114.30, 30.59), (0.18, 0.14), None),
    "district": ((114.37, 30.52), (0.042, 0.034), "420111"),
    "street": ((114.312, 30.553), (0.011, 0.0085), "420106"),
}

_URBAN_COMPOUND_KINDS = np.array(["property_managed", "self_managed", "work_unit", "ownerless", "open_settlement"])
_URBAN_COMPOUND_P = np.array([0.42, 0.15, 0.15, 0.13, 0.15])


@dataclass
class UnitLevel:
    """All units of one level as parallel arrays; `parent` indexes the level above."""

    level: Level
    geom: np.ndarray
    parent: np.ndarray
    code: np.ndarray = field(default=None)  # type: ignore[assignment]
    name: np.ndarray = field(default=None)  # type: ignore[assignment]
    kind: np.ndarray = field(default=None)  # type: ignore[assignment]
    rural: np.ndarray = field(default=None)  # type: ignore[assignment]
    leader_name: np.ndarray = field(default=None)  # type: ignore[assignment]
    leader_phone: np.ndarray = field(default=None)  # type: ignore[assignment]

    @property
    def size(self) -> int:
        return int(self.geom.size)


@dataclass
class UnitTree:
    city: UnitLevel
    districts: UnitLevel
    streets: UnitLevel
    communities: UnitLevel
    grids: UnitLevel
    compounds: UnitLevel

    @property
    def levels(self) -> list[UnitLevel]:
        return [self.city, self.districts, self.streets, self.communities, self.grids, self.compounds]

    def ancestor(self, of: UnitLevel, up: UnitLevel, idx: np.ndarray | None = None) -> np.ndarray:
        """Index into `up` of the ancestor of each unit of `of` (or of `of[idx]`)."""
        levels = self.levels
        i, j = levels.index(of), levels.index(up)
        out = np.arange(of.size) if idx is None else np.asarray(idx)
        for k in range(i, j, -1):
            out = levels[k].parent[out]
        return out


def _fan_out(rng: np.random.Generator, n_parents: int, mean: float, exact_total: int | None = None) -> np.ndarray:
    """Children per parent: about `mean` each (±25 %), or exactly `exact_total` when there is a single parent."""
    if n_parents == 1 and exact_total is not None:
        return np.array([exact_total])
    lo, hi = max(1, round(mean * 0.75)), max(1, round(mean * 1.25))
    return rng.integers(lo, hi + 1, n_parents)


def build_units(rng: np.random.Generator, scale: str) -> UnitTree:
    targets = SCALES[scale]
    center, radii, district_code = _EXTENTS[scale]
    outline = tiling.irregular_outline(rng, center, radii)
    city = UnitLevel(Level.CITY, np.array([outline], dtype=object), np.array([-1]))

    # districts
    if scale == "city":
        d_geom, d_parent = _wuhan_districts(rng, outline)
        d_codes = np.array([d[0] for d in WUHAN_DISTRICTS], dtype=object)
        d_names = np.array([d[1] for d in WUHAN_DISTRICTS], dtype=object)
    else:
        d_geom, d_parent = city.geom.copy(), np.array([0])
        row = next(d for d in WUHAN_DISTRICTS if d[0] == district_code)
        d_codes, d_names = np.array([row[0]], dtype=object), np.array([row[1]], dtype=object)
    districts = UnitLevel(Level.DISTRICT, d_geom, d_parent, code=d_codes, name=d_names)

    # streets: more of them in bigger districts, but fewer per km² (outer districts are less dense)
    if scale == "city":
        share = np.sqrt(shapely.area(d_geom))
        n_streets = np.maximum(np.round(share / share.sum() * targets["streets"]).astype(np.int64), 4)
    else:
        n_streets = np.array([targets["streets"]])
    s_geom, s_parent = tiling.subdivide(rng, d_geom, n_streets, relax=1 if scale != "street" else 0)
    s_rural = np.zeros(s_geom.size, bool)
    if scale != "street":  # one rural township: a large street far from the city centre
        far = shapely.distance(shapely.centroid(s_geom), shapely.Point(CITY_CENTER))
        s_rural[int(np.argmax(far * shapely.area(s_geom)))] = True
        last = np.lexsort((s_rural, s_parent))  # the township after its district's streets, as its code sorts
        s_geom, s_parent, s_rural = s_geom[last], s_parent[last], s_rural[last]
    streets = UnitLevel(Level.STREET, s_geom, s_parent, rural=s_rural)

    # communities / villages
    mean_c = targets["communities"] / targets["streets"]
    n_comm = _fan_out(rng, s_geom.size, mean_c, targets["communities"] if s_geom.size == 1 else None)
    n_comm[s_rural] = rng.integers(6, 11, int(s_rural.sum()))
    c_geom, c_parent = tiling.subdivide(rng, s_geom, n_comm, relax=1)
    communities = UnitLevel(Level.COMMUNITY, c_geom, c_parent, rural=s_rural[c_parent])

    # grids / villagers' groups
    n_grid = _fan_out(rng, c_geom.size, targets["grids"] / targets["communities"])
    n_grid[communities.rural] = rng.integers(3, 7, int(communities.rural.sum()))
    g_geom, g_parent = tiling.subdivide(rng, c_geom, n_grid, relax=1)
    grids = UnitLevel(Level.GRID, g_geom, g_parent, rural=communities.rural[g_parent])

    # compounds / natural villages: irregular, so no relaxation
    n_comp = rng.integers(2, 6, g_geom.size)
    n_comp[grids.rural] = rng.integers(2, 5, int(grids.rural.sum()))
    k_geom, k_parent = tiling.subdivide(rng, g_geom, n_comp, relax=0)
    compounds = UnitLevel(Level.COMPOUND, k_geom, k_parent, rural=grids.rural[k_parent])

    tree = UnitTree(city, districts, streets, communities, grids, compounds)
    _name_units(rng, tree)
    return tree


def _wuhan_districts(rng: np.random.Generator, outline: shapely.Polygon) -> tuple[np.ndarray, np.ndarray]:
    """Ten districts around seeds at WUHAN_DISTRICTS' offsets (jittered, pulled inside the outline if needed)."""
    inner = outline.buffer(-0.012)
    xs, ys = [], []
    for _, _, dx, dy in WUHAN_DISTRICTS:
        f = 1.0
        while True:
            x = CITY_CENTER[0] + dx * f + rng.normal(0, 0.003)
            y = CITY_CENTER[1] + dy * f + rng.normal(0, 0.003)
            if inner.contains(shapely.Point(x, y)) or f < 0.1:
                break
            f *= 0.9
        xs.append(x)
        ys.append(y)
    seeds = (np.array(xs), np.array(ys), np.zeros(len(xs), dtype=np.int64))
    geom, _ = tiling.subdivide(rng, np.array([outline], dtype=object), np.array([len(xs)]), relax=0, seeds=seeds)
    # subdivide returns reading order; put the cells back in WUHAN_DISTRICTS order by the seed each contains
    shapely.prepare(geom)
    order = [int(np.flatnonzero(shapely.contains_xy(geom, x, y))[0]) for x, y in zip(xs, ys)]
    return geom[order], np.zeros(len(xs), dtype=np.int64)


def _rank_in_parent(parent: np.ndarray) -> np.ndarray:
    """1-based position of each child among its siblings (children are sorted by parent)."""
    first = np.searchsorted(parent, parent, side="left")
    return np.arange(parent.size) - first + 1


def _name_units(rng: np.random.Generator, tree: UnitTree) -> None:
    city, districts, streets, communities, grids, compounds = tree.levels
    city.code = np.array([CITY_CODE], dtype=object)
    city.name = np.array([CITY_NAME], dtype=object)
    city.kind = np.array([None], dtype=object)
    city.rural = np.array([False])
    districts.kind = np.full(districts.size, None, dtype=object)
    districts.rural = np.zeros(districts.size, bool)

    stems = names.place_stems(rng, streets.size + communities.size)
    s_stem, c_stem = stems[: streets.size], stems[streets.size:]

    # division-code convention: 街道 001–099, 镇 100–199, 乡 200–299; 社区 001–199, 村 200–399
    town = np.where(rng.random(streets.size) < 0.7, "镇", "乡")
    s_rank = _rank_in_parent(streets.parent)
    s_rank = np.where(streets.rural, np.where(town == "镇", 101, 201), s_rank)  # there is one township at most
    streets.code = np.char.add(districts.code[streets.parent].astype(str), _pad(s_rank, 3))
    streets.name = np.where(streets.rural, np.char.add(s_stem, town), np.char.add(s_stem, "街道")).astype(object)
    streets.kind = np.where(streets.rural, "rural", "urban").astype(object)

    c_rank = _rank_in_parent(communities.parent)
    communities.code = np.char.add(
        streets.code[communities.parent].astype(str), _pad(np.where(communities.rural, 200 + c_rank, c_rank), 3)
    )
    communities.name = np.where(communities.rural, np.char.add(c_stem, "村"), np.char.add(c_stem, "社区")).astype(object)
    communities.kind = np.where(communities.rural, "rural", "urban").astype(object)

    g_rank = _rank_in_parent(grids.parent)
    grids.code = np.char.add(np.char.add(communities.code[grids.parent].astype(str), "G"), _pad(g_rank, 2))
    n = g_rank.astype(str)
    urban_grid = np.char.add(np.char.add(np.char.add(c_stem[grids.parent], "第"), n), "网格")
    rural_grid = np.char.add(np.char.add(np.char.add(c_stem[grids.parent], "村第"), n), "村民组")
    grids.name = np.where(grids.rural, rural_grid, urban_grid).astype(object)
    grids.kind = np.where(grids.rural, "rural", "urban").astype(object)

    compounds.code = np.char.add(
        np.char.add(grids.code[compounds.parent].astype(str), "C"), _pad(_rank_in_parent(compounds.parent), 2)
    )
    kinds = _URBAN_COMPOUND_KINDS[rng.choice(_URBAN_COMPOUND_KINDS.size, compounds.size, p=_URBAN_COMPOUND_P)]
    compounds.kind = np.where(compounds.rural, "natural_village", kinds).astype(object)
    compounds.name = names.compound_names(rng, compounds.kind.astype(str))

    for level in tree.levels:
        level.code = level.code.astype(object)
        male = rng.random(level.size) < 0.7
        level.leader_name = names.person_names(rng, male)
        level.leader_phone = names.mobile_numbers(rng, level.size)


def _pad(values: np.ndarray, width: int) -> np.ndarray:
    return np.char.zfill(values.astype(str), width)
