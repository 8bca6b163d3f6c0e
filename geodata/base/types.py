"""Geometry column type that is PostGIS `geometry` where PostGIS exists and WKB bytes elsewhere.

The same models then run on the embedded SQLite file (no extension needed: spatial work is done with
Shapely/GeoPandas) and on PostgreSQL, where PostGIS gives GiST indexes and server-side spatial SQL.
Whether a PostgreSQL database has PostGIS is only known at connect time, so `geodata.store.db` marks the engine's
dialect (`dialect.gridwatch_postgis = True`) before any table is touched, and the type reads that mark.
"""
from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

SRID = 4326


def has_postgis(dialect: Any) -> bool:
    return bool(getattr(dialect, "gridwatch_postgis", False))


class GeometryType(TypeDecorator):
    """Shapely geometry in, Shapely geometry out; EPSG:4326 always."""

    impl = LargeBinary
    cache_ok = True
    # GeoAlchemy2's DDL hooks look for these on spatial columns; our GiST indexes are made by the migration.
    spatial_index = False
    use_N_D_index = False

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        super().__init__()
        self.geometry_type = geometry_type

    def __repr__(self) -> str:  # rendered into Alembic migrations
        return f"GeometryType({self.geometry_type!r})"

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect is None:  # GeoAlchemy2's DDL hooks probe types without a dialect
            return LargeBinary()
        if has_postgis(dialect):
            return dialect.type_descriptor(
                Geometry(self.geometry_type, srid=SRID, spatial_index=False)
            )
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        wkb = shapely.to_wkb(value) if isinstance(value, shapely.Geometry) else bytes(value)
        if has_postgis(dialect):
            return WKBElement(wkb, srid=SRID)
        return wkb

    def process_result_value(self, value: Any, dialect: Any) -> shapely.Geometry | None:
        if value is None:
            return None
        if isinstance(value, WKBElement):
            data = value.data
            return shapely.from_wkb(bytes(data) if not isinstance(data, str) else bytes.fromhex(data))
        if isinstance(value, str):
            return shapely.from_wkb(bytes.fromhex(value))
        return shapely.from_wkb(bytes(value))
