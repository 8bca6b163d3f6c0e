"""Tables of the checkpoint planner (issue 6): saved plans (卡点布设方案) and their items.

A plan is a list of changes to the checkpoints of one street or district — add a checkpoint, move one, open or
close it, change its staffing — with the radius and the drawn what-if zone it was judged with, and the figures
(coverage, staffing, violations) it had when saved. Applying a plan runs each item through the checkpoint
commands of `geodata.checkpoints.rules` (each one an audited event, old → new). Migration: 0003_checkpoint_plans.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import shapely
from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from geodata.base.types import GeometryType
from geodata.store.models import Base, Versioned, utcnow


class CheckpointPlan(Versioned, Base):
    """卡点布设方案: a supervisor's saved what-if for a street/district; draft → applied (or discarded)."""

    __tablename__ = "checkpoint_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | applied | discarded
    radius_m: Mapped[float] = mapped_column(Float)
    zone_geom: Mapped[shapely.Geometry | None] = mapped_column(GeometryType("POLYGON"))
    zone_rank: Mapped[int | None] = mapped_column(Integer)  # 1 controlled, 2 sealed (coverage.ZONE_CODES)
    note: Mapped[str | None] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    applied_by: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __mapper_args__ = {"version_id_col": Versioned.version}


class CheckpointPlanItem(Base):
    """One change of a plan. `base_version`: the checkpoint's version when planned — applying refuses a plan whose
    checkpoints changed since (a concurrent edit cannot be silently overwritten)."""

    __tablename__ = "checkpoint_plan_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("checkpoint_plans.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # add | move | open | close | staff
    checkpoint_code: Mapped[str | None] = mapped_column(String(64))  # None for `add` until applied
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(32))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    staff_day: Mapped[int | None] = mapped_column(Integer)
    staff_night: Mapped[int | None] = mapped_column(Integer)
    is_24h: Mapped[bool | None] = mapped_column(Boolean)
    base_version: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
