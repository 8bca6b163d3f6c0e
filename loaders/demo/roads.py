"""Roads (道路) of the demo city: a road along every edge between two units, as a planned city's blocks are cut.

Compounds tile their grids, grids their communities, communities their streets, so every compound edge is an edge
between two blocks, and the demo puts a road there: street edges (and the district edges and the city's outline
among them) are main roads (主干道), community edges secondary roads (次干道), grid edges branch roads (支路), the
other compound edges lanes (小区道路). Compound entrances stand on their compound's fence, ~3 m inside it
(`loaders.demo.checkpoints`), so every entrance is a few metres from the lane outside its gate and the planner's
walking distances start where a guard would step onto the road.

All edges are noded in one pass (`shapely.union_all` of every compound boundary, snap-rounded to 1e-9° ≈ 0.1 mm,
~3 s for the city's 42,000 compounds): two compounds share an edge whose vertices differ on each side, and the
union is what makes it one road. Each noded piece takes the class of the highest boundary it lies on; pieces of
one class are merged between junctions (`line_merge`), so a main road runs from one street corner to the next.
Names come from their own random stream, so adding roads changed no other layer of a seed's city.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geodata.store.frames import WGS84

from . import names
from .units import UnitTree

#: snap-rounding grid of the noding (degrees): ~0.1 mm, far below anything drawn or measured
GRID_DEG = 1e-9
#: a piece lies on a boundary when its midpoint is this close to it (degrees, ~1 cm)
ON_EDGE_DEG = 1e-7
#: (kind, tree level whose boundaries make it), highest class first
CLASSES = (("primary", "streets"), ("secondary", "communities"), ("tertiary", "grids"))


def build_roads(rng: np.random.Generator, tree: UnitTree, city_code: str) -> gpd.GeoDataFrame:
    """The roads layer (geodata.base.layers "roads": code, name, kind, geometry in WGS-84); the street of each road is
    left to the importer's spatial join, as for a road file from a surveying office."""
    noded = shapely.union_all(shapely.boundary(tree.compounds.geom), grid_size=GRID_DEG)
    pieces = shapely.get_parts(noded)
    pieces = pieces[shapely.get_type_id(pieces) == 1]
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    kind = np.full(pieces.size, "residential", dtype=object)
    for cls, level in reversed(CLASSES):  # the highest class is written last and wins
        edges = shapely.boundary(getattr(tree, level).geom)
        hit, _ = shapely.STRtree(edges).query(mid, predicate="dwithin", distance=ON_EDGE_DEG)
        kind[np.unique(hit)] = cls

    lines, kinds = [], []
    for cls in ("primary", "secondary", "tertiary", "residential"):
        merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(pieces[kind == cls])))
        lines.append(merged)
        kinds.append(np.full(merged.size, cls, dtype=object))
    geoms = np.concatenate(lines)
    kind = np.concatenate(kinds)
    n = geoms.size
    name = np.full(n, None, dtype=object)  # lanes inside and between compounds have no name
    main = np.flatnonzero(np.isin(kind, ("primary", "secondary")))
    name[main] = names.road_names(rng, main.size)
    branch = np.flatnonzero(kind == "tertiary")
    name[branch] = np.char.add(names.place_stems(rng, branch.size), "巷")
    code = np.char.add(f"{city_code}R", np.char.zfill(np.arange(1, n + 1).astype(str), 6)).astype(object)
    return gpd.GeoDataFrame({"code": code, "name": name, "kind": kind, "street_code": np.full(n, None, dtype=object)},
                            geometry=geoms, crs=WGS84)
