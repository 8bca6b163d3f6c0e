"""Reading roads (道路) for the checkpoint planner: the roads in and around an area, and the area's walking network.

`roads_near` is the window query: every road whose bounding box meets the area's, widened by `margin_m`. The
margin is there because a walk between two points of the area may leave it: a walk of length r that starts and
ends inside never goes further than r/2 outside. `margin_for(r)` is the margin that makes a walk of r exact: the
default 300 m for any radius up to 600 m (the planner's default is 150 m), r/2 above.

`walking_network` turns those roads into a `geodata.checkpoints.roadnet.RoadNetwork` in the area's metric CRS.
"""
from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy.orm import Session

from geodata.checkpoints.roadnet import RoadNetwork, build_network
from geodata.store.frames import WGS84, read_frame, wkb_sql

#: metres around the area whose roads are read (see the module docstring)
ROAD_MARGIN_M = 300.0
_M_PER_DEG = 111_320.0
ROAD_COLUMNS = ["code", "name", "kind", "path"]


def margin_for(radius_m: float | None) -> float:
    """Metres of surroundings to read so that walks up to `radius_m` are exact (rounded up to 100 m, so that
    nearby radii share one read)."""
    return max(ROAD_MARGIN_M, math.ceil((radius_m or 0) / 2 / 100) * 100.0)


def no_roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in ROAD_COLUMNS},
                            geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


def roads_near(session: Session, bounds: tuple[float, float, float, float], margin_m: float = ROAD_MARGIN_M
               ) -> gpd.GeoDataFrame:
    """Roads whose bounding box meets `bounds` (minx, miny, maxx, maxy in WGS-84) widened by `margin_m`."""
    minx, miny, maxx, maxy = bounds
    dlat = margin_m / _M_PER_DEG
    dlon = margin_m / (_M_PER_DEG * max(math.cos(math.radians((miny + maxy) / 2)), 0.1))
    frame = read_frame(session, f"SELECT code, name, kind, path, {wkb_sql(session, 'geom')} AS geom FROM roads "
                       "WHERE maxx >= :minx AND minx <= :maxx AND maxy >= :miny AND miny <= :maxy ORDER BY code",
                       {"minx": minx - dlon, "maxx": maxx + dlon, "miny": miny - dlat, "maxy": maxy + dlat})
    return no_roads() if frame.empty else frame


def walking_network(roads: gpd.GeoDataFrame, to_metric: Any) -> RoadNetwork:
    """The roads' walking network in metres; `to_metric(lon, lat) -> (n, 2)` is the area's projection."""
    geoms = np.asarray(roads.geometry.values, dtype=object)
    if not len(geoms):
        return build_network([])
    metric = shapely.transform(geoms, lambda xy: to_metric(xy[:, 0], xy[:, 1]))
    return build_network(metric)
