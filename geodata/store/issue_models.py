"""Residents' requests and grid problems (事): logged in the grid, handled at the tier that can solve them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from geodata.store.models import Base, Versioned, utcnow


class GridIssue(Versioned, Base):
    """A request or problem logged by a grid worker (首问负责制: who asked, what, who follows it up)."""

    __tablename__ = "grid_issues"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    resident_name: Mapped[str | None] = mapped_column(String(100))
    resident_phone: Mapped[str | None] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(16))  # general | community | street
    handler_level: Mapped[str] = mapped_column(String(16))  # grid | community | street
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | routed | closed
    tracker: Mapped[str] = mapped_column(String(64))
    reported_by: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    __mapper_args__ = {"version_id_col": Versioned.version}
