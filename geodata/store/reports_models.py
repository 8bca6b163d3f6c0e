"""Tables of the 无疫小区 (epidemic-free compound) lifecycle (domain file §2.9, scenario 20), migration 0004.

Daily reports use the existing `daily_reports` table (geodata.store.models.DailyReport): what a head confirmed,
corrected and why sits in its `figures` JSON (see geodata.reporting.reports), so no column is added there.

- `honour_applications`: one compound's application in one quarterly round, with its state, score and the
  dates the flag was awarded and revoked. State changes only through geodata.situation.honours.
- `honour_steps`: every step taken on an application (who, in which role, when, from → to, note). The event log
  holds the same facts for the audit; this table lets a page list an application's history in one query.
- `honour_attachments`: the evidence (佐证资料) as small files stored in the database, with their SHA-256.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from geodata.store.models import Base, Versioned, utcnow


class HonourApplication(Versioned, Base):
    """无疫小区申报: a compound's application in the round of `quarter` ("2026Q4")."""

    __tablename__ = "honour_applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    quarter: Mapped[str] = mapped_column(String(8), index=True)
    state: Mapped[str] = mapped_column(String(24), index=True, default="draft")
    score: Mapped[int | None] = mapped_column(Integer)
    pass_mark: Mapped[int | None] = mapped_column(Integer)
    items: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    applied_on: Mapped[dt.date | None] = mapped_column(Date)
    notice_from: Mapped[dt.date | None] = mapped_column(Date)
    awarded_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (UniqueConstraint("compound_id", "quarter"),)


class HonourStep(Base):
    """One step of an application's lifecycle (申报、街道初审、县级评估、公示、授旗、取消授旗)."""

    __tablename__ = "honour_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("honour_applications.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    taken_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class HonourAttachment(Base):
    """佐证资料: one evidence file of an application (bytes in the database, size-limited by the setting)."""

    __tablename__ = "honour_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("honour_applications.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
