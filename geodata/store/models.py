"""The schema: SQLAlchemy 2 typed models, one per domain noun (the "1+5+n" classes of the domain file §5.2:
人 persons/households, 房 units/buildings, 事 cases/observations/reports/events, 物 checkpoints).

Conventions:
- `code` is the stable external id people and files use; `id` is internal.
- `path` is the materialised unit path (`/1/7/93/`) of the unit an entity belongs to, so that scope checks
  and "everything under X" are one indexed range scan (see `geodata.store.hierarchy.under`).
- Mutable rows carry `version` (SQLAlchemy `version_id_col`): a save based on a stale read is refused.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import shapely
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geodata.base.types import GeometryType


def utcnow() -> dt.datetime:
    """The time every write stores (`WriteContext.now`): UTC, naive — shown to a person through
    geodata.base.clock. Gate entries alone keep the gate's local time (field_models.GateEntry.at)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Versioned:
    """Optimistic locking: UPDATE … WHERE version = :seen, else StaleDataError."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class Meta(Base):
    """Small key/value facts about the store itself (data_version, demo scale)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SharedFrame(Base):
    """A read-model frame computed once for one data version and kept for every server process
    (geodata.store.shared_frames): at the 16:00 rush each process re-read the city's levels on every version."""

    __tablename__ = "shared_frames"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    made_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class Setting(Versioned, Base):
    """Configuration people edit while the system runs (vocabularies, thresholds, norms), audited."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    __mapper_args__ = {"version_id_col": Versioned.version}


class Unit(Versioned, Base):
    """A polygon of the unit tree: city, district (区/县), street (街道/乡镇), community (社区/村),
    grid (网格), compound (小区/自然村)."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str | None] = mapped_column(String(32))
    leader_name: Mapped[str | None] = mapped_column(String(100))
    leader_phone: Mapped[str | None] = mapped_column(String(40))
    # Only leaves without buildings (rural natural villages) carry their own households/population.
    households: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[int | None] = mapped_column(Integer)
    control_state: Mapped[str] = mapped_column(String(32), default="normal")
    control_reason: Mapped[str | None] = mapped_column(Text)
    control_since: Mapped[dt.date | None] = mapped_column(Date)
    # a sealing's basis: lockdown 封锁 (by hand) | hard_isolation 硬隔离 (the rules); None unless sealed (vocab.SEAL_BASES)
    control_basis: Mapped[str | None] = mapped_column(String(16))
    geom: Mapped[shapely.Geometry] = mapped_column(GeometryType("GEOMETRY"))
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)
    label_lon: Mapped[float] = mapped_column(Float)
    label_lat: Mapped[float] = mapped_column(Float)
    # made from its children's codes by an import (geodata.exchange.parents), not read from a file: its polygon
    # is the union of its children's, recomputed as they arrive; `unnamed` until a person gives its name
    derived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    unnamed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __mapper_args__ = {"version_id_col": Versioned.version}


class UnitStats(Base):
    """Roll-up counters per unit, kept in step by the write path and checked by `geodata.exchange.integrity`.

    Date-independent counts only; "new today" / "due today" figures are computed at read time.
    """

    __tablename__ = "unit_stats"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    buildings: Mapped[int] = mapped_column(Integer, default=0)
    households: Mapped[int] = mapped_column(Integer, default=0)
    population: Mapped[int] = mapped_column(Integer, default=0)
    party_members: Mapped[int] = mapped_column(Integer, default=0)
    vulnerable: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    obs_home: Mapped[int] = mapped_column(Integer, default=0)
    obs_central: Mapped[int] = mapped_column(Integer, default=0)
    obs_self: Mapped[int] = mapped_column(Integer, default=0)
    obs_temporary: Mapped[int] = mapped_column(Integer, default=0)
    cases_confirmed: Mapped[int] = mapped_column(Integer, default=0)
    cases_asymptomatic: Mapped[int] = mapped_column(Integer, default=0)
    cases_suspected: Mapped[int] = mapped_column(Integer, default=0)
    cases_close_contact: Mapped[int] = mapped_column(Integer, default=0)
    sealed_buildings: Mapped[int] = mapped_column(Integer, default=0)
    checkpoints: Mapped[int] = mapped_column(Integer, default=0)
    checkpoints_open: Mapped[int] = mapped_column(Integer, default=0)


class Building(Versioned, Base):
    """楼栋: a point (and optional footprint) in a grid, usually in a compound."""

    __tablename__ = "buildings"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(32))
    floors: Mapped[int | None] = mapped_column(Integer)
    stair_units: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer, default=0)
    population: Mapped[int] = mapped_column(Integer, default=0)
    party_members: Mapped[int] = mapped_column(Integer, default=0)
    vulnerable: Mapped[int] = mapped_column(Integer, default=0)
    leader_name: Mapped[str | None] = mapped_column(String(100))
    leader_phone: Mapped[str | None] = mapped_column(String(40))
    control_state: Mapped[str] = mapped_column(String(32), default="normal")
    control_reason: Mapped[str | None] = mapped_column(Text)
    control_since: Mapped[dt.date | None] = mapped_column(Date)
    # a sealing's basis: lockdown 封锁 (by hand) | hard_isolation 硬隔离 (the rules); None unless sealed (vocab.SEAL_BASES)
    control_basis: Mapped[str | None] = mapped_column(String(16))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    footprint: Mapped[shapely.Geometry | None] = mapped_column(GeometryType("POLYGON"))
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (Index("ix_buildings_lon_lat", "lon", "lat"),)


class Household(Versioned, Base):
    """户: in a building (urban) or directly in a natural village (rural)."""

    __tablename__ = "households"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    stair_unit: Mapped[int | None] = mapped_column(Integer)
    room: Mapped[str | None] = mapped_column(String(32))
    head_name: Mapped[str | None] = mapped_column(String(100))
    members: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(String(40))
    pass_no: Mapped[str | None] = mapped_column(String(64))
    __mapper_args__ = {"version_id_col": Versioned.version}


class Person(Versioned, Base):
    """人: a person with a record (vulnerable resident, party member, observee, case, returnee)."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(String(32), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    gender: Mapped[str | None] = mapped_column(String(8))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    resident_type: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    __mapper_args__ = {"version_id_col": Versioned.version}


class Observation(Versioned, Base):
    """Quarantine / isolation record (隔离观察): kind, place, 14-day planned end, two release sign-offs."""

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    planned_end: Mapped[dt.date] = mapped_column(Date, index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    origin: Mapped[str | None] = mapped_column(String(200))
    cadre_name: Mapped[str | None] = mapped_column(String(100))
    medic_name: Mapped[str | None] = mapped_column(String(100))
    #: the accounts that may sign as the 包保干部 / 包保医务人员 when the street assigns one (issue 14 point 4);
    #: otherwise the account whose display name is cadre_name / medic_name
    cadre_account: Mapped[str | None] = mapped_column(String(64))
    medic_account: Mapped[str | None] = mapped_column(String(64))
    #: the case this person is a contact of (密接 / 密接的密接, 000 §3(一)2) and the last exposure to it: the 14
    #: days run from the last exposure (issue 14 points 5, 6)
    source_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", name="fk_observations_source_case"),
                                                       index=True)
    exposed_on: Mapped[dt.date | None] = mapped_column(Date)
    cadre_signed_by: Mapped[str | None] = mapped_column(String(64))
    cadre_signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    medic_signed_by: Mapped[str | None] = mapped_column(String(64))
    medic_signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    released_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    __mapper_args__ = {"version_id_col": Versioned.version}


class HealthCheck(Base):
    """Daily follow-up of a person under observation: temperature and symptoms."""

    __tablename__ = "health_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"), index=True)
    checked_on: Mapped[dt.date] = mapped_column(Date)
    temperature: Mapped[float | None] = mapped_column(Float)
    symptoms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Case(Versioned, Base):
    """A case (确诊/疑似/无症状) or close contact, placed in a building or natural village."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    reported_on: Mapped[dt.date] = mapped_column(Date, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    stair_unit: Mapped[int | None] = mapped_column(Integer)
    worksite: Mapped[str | None] = mapped_column(String(200))
    source_known: Mapped[bool] = mapped_column(Boolean, default=True)
    #: for a close contact: the case it is a contact of (a close contact's own contacts are 密接的密接), 000 §3(一)2
    source_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", name="fk_cases_source_case"),
                                                       index=True)
    note: Mapped[str | None] = mapped_column(Text)
    __mapper_args__ = {"version_id_col": Versioned.version}


class Checkpoint(Versioned, Base):
    """卡点 / 出入口: a compound entrance or a community/police checkpoint, with its staffing."""

    __tablename__ = "checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    is_24h: Mapped[bool] = mapped_column(Boolean, default=True)
    staff_day: Mapped[int] = mapped_column(Integer, default=0)
    staff_night: Mapped[int] = mapped_column(Integer, default=0)
    leader_name: Mapped[str | None] = mapped_column(String(100))
    leader_phone: Mapped[str | None] = mapped_column(String(40))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (Index("ix_checkpoints_lon_lat", "lon", "lat"),)


class Shift(Base):
    """One duty shift at a checkpoint on a date (roster)."""

    __tablename__ = "shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    on_date: Mapped[dt.date] = mapped_column(Date)
    shift: Mapped[str] = mapped_column(String(16))  # day | night
    staff: Mapped[int] = mapped_column(Integer)
    leader_name: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("checkpoint_id", "on_date", "shift"),)


class DailyReport(Versioned, Base):
    """A community's daily report (日报), possibly a zero report (零报告)."""

    __tablename__ = "daily_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    report_date: Mapped[dt.date] = mapped_column(Date, index=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    is_zero: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (UniqueConstraint("community_id", "report_date"),)


class User(Versioned, Base):
    """A person who signs in, with a role and the unit their scope covers."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __mapper_args__ = {"version_id_col": Versioned.version}


class Event(Base):
    """Append-only event log: who, when, what, old → new, why. Never updated, never deleted."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_code: Mapped[str | None] = mapped_column(String(64), index=True)
    path: Mapped[str | None] = mapped_column(String(200), index=True)
    old: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


# --- situation and risk engine (issue 4): records the lift guard and the alerts need ----------------------


class Disinfection(Base):
    """消毒记录: 随时消毒 (routine), 终末消毒 (terminal, clears a 疫点) or 公共区域消毒 (public areas, ≥2 a day in a
    sealed natural village) of a building or a compound/natural village (domain file §2.3, §3.2, §3.5)."""

    __tablename__ = "disinfections"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # building | compound
    target_code: Mapped[str] = mapped_column(String(64), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    done_on: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    area: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ExpertAssessment(Base):
    """专家评估: the assessment (市卫健委 experts) a lift needs before the command centre decides (§2.2, 000 §3)."""

    __tablename__ = "expert_assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_code: Mapped[str] = mapped_column(String(64), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    experts: Mapped[str] = mapped_column(String(300))
    conclusion: Mapped[str] = mapped_column(String(16))  # lift | keep
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LiftDecision(Base):
    """指挥部决定解除: the command centre's decision that ends a building's or village's sealing (§2.2, 000 §3)."""

    __tablename__ = "lift_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_code: Mapped[str] = mapped_column(String(64), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("expert_assessments.id"))
    previous_state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Alert(Versioned, Base):
    """An alert raised by a rule (聚集性病例 to the city, 社区传播, symptoms under observation), acknowledged by
    the command centre (§3.1 "立即报告", §5.3)."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    subject_code: Mapped[str | None] = mapped_column(String(64))
    raised_on: Mapped[dt.date] = mapped_column(Date, index=True)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    raised_by: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __mapper_args__ = {"version_id_col": Versioned.version}
