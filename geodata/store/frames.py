"""Geometry frames: a query (or rows already read) as a GeoDataFrame in WGS-84, the one place that decodes geometry.

Spatial reads that must be fast go around the ORM with raw SQL (`pd.read_sql_query`), and then the geometry
column arrives as whatever the driver hands back: WKB bytes from SQLite, a `memoryview` or bytes from
`ST_AsBinary(...)` on PostgreSQL, hex (E)WKB text when a PostGIS column is selected as it is, shapely objects
when a SQLAlchemy statement selects a `GeometryType` column, and None/NaN for a missing shape. Every such read
goes through `read_frame`/`to_frame` here so that all of those decode the same way (vectorised, one
`shapely.from_wkb` per column), and every frame carries the one CRS everything is stored in (`WGS84`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Executable, text
from sqlalchemy.orm import Session

from geodata.base.types import has_postgis

#: the coordinate reference system of everything stored (WGS-84 longitude/latitude; see geodata.base.types)
WGS84 = "EPSG:4326"


def wkb_sql(session: Session, column: str) -> str:
    """`column` as the SQL that reads it as WKB bytes: `ST_AsBinary(column)` on PostGIS (half the bytes of the hex
    EWKB a bare geometry column is sent as), the column itself on SQLite (which stores WKB)."""
    return f"ST_AsBinary({column})" if has_postgis(session.connection().dialect) else column


def geometries(values: Any) -> np.ndarray:
    """Shapely geometries (or None) from a column of WKB bytes/memoryview, hex (E)WKB text, shapely objects, or
    None/NaN; one vectorised decode for the whole column."""
    raw = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    out = np.full(len(raw), None, dtype=object)
    ready = shapely.is_geometry(raw)
    out[ready] = raw[ready]
    todo = ~ready & ~pd.isna(raw)
    if todo.any():
        encoded = raw[todo]
        if any(isinstance(v, (memoryview, bytearray)) for v in encoded):  # the C decoder takes bytes or str only
            encoded = np.array([bytes(v) if isinstance(v, (memoryview, bytearray)) else v for v in encoded],
                               dtype=object)
        out[todo] = shapely.from_wkb(encoded)
    return out


def to_frame(frame: pd.DataFrame, geometry: str = "geom") -> gpd.GeoDataFrame:
    """`frame` with its column `geometry` decoded and made the active geometry, named "geometry" in its place, in
    `WGS84`. An empty frame gives an empty GeoDataFrame with the same columns."""
    frame = frame.assign(**{geometry: geometries(frame[geometry])}).rename(columns={geometry: "geometry"})
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)


def read_frame(session: Session, sql_or_stmt: str | Executable, params: Mapping[str, Any] | None = None,
               geometry: str = "geom") -> gpd.GeoDataFrame:
    """Run a query (SQL text or a SQLAlchemy statement) on the session's connection and return its rows as a
    GeoDataFrame in `WGS84`, the column `geometry` decoded as the active geometry "geometry" (see `to_frame`).

    Write the geometry in SQL as `wkb_sql(session, "u.geom")` so that PostGIS sends bytes; a bare PostGIS column
    decodes too."""
    stmt = text(sql_or_stmt) if isinstance(sql_or_stmt, str) else sql_or_stmt
    frame = pd.read_sql_query(stmt, session.connection(), params=dict(params) if params is not None else None)
    return to_frame(frame, geometry)


__all__ = ["WGS84", "geometries", "read_frame", "to_frame", "wkb_sql"]
