"""The road table (道路): the lines the checkpoint planner walks along (issue 6, coverage by walking distance).

A road row is one piece of road as the source file gives it (a LineString or MultiLineString in WGS-84); the
walking graph is built from an area's pieces when it is needed (`geodata.checkpoints.roadnet`), so the table stores no
topology and an import never has to keep one consistent. Each road hangs on the street holding it (`unit_id`,
materialised `path`), so "the roads of a street" is one indexed range scan like every other table, and its
bounding box (`minx` … `maxy`) answers the planner's window query ("roads near this area", which must include
the roads just outside it: a walk may leave the street and come back). Migration: 0007_roads.
"""
from __future__ import annotations

import shapely
from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from geodata.base.types import GeometryType
from geodata.store.models import Base, Versioned


class Road(Versioned, Base):
    """道路: a road piece with its kind (geodata.base.vocab.ROAD_KINDS) and the street it belongs to."""

    __tablename__ = "roads"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(32))
    # the street (街道/乡镇) holding the road's middle; None only for rows written outside the import path
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    geom: Mapped[shapely.Geometry] = mapped_column(GeometryType("GEOMETRY"))  # LineString | MultiLineString
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (Index("ix_roads_bbox", "minx", "miny", "maxx", "maxy"),)
