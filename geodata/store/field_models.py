"""Field-work records (geodata.fieldwork): events, patrols, screening rounds, gate entries, passes, care, supplies,
places. One module so the store stays small; each workflow keeps to its own section below."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from geodata.store.models import Base, Versioned, utcnow

# --- events and requests (事件上报 → 流转 → 办结), patrols and patrol teams -----------------------------------
# geodata.fieldwork.events / geodata.fieldwork.patrols; migration 0010_events (replaces grid_issues of 0006)


class PatrolTeam(Versioned, Base):
    """A patrol team (巡防队, 001 §十: 3–5 full-time members per community), kept by its community."""

    __tablename__ = "patrol_teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    __mapper_args__ = {"version_id_col": Versioned.version}


class PatrolTeamMember(Base):
    """One member of a patrol team (name and phone: the community calls them)."""

    __tablename__ = "patrol_team_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("patrol_teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)


class Patrol(Base):
    """One patrol of a grid (巡查, 003 §八 七.1 每天至少到网格巡查一次): when, where, what was found."""

    __tablename__ = "patrols"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    patrol_date: Mapped[dt.date] = mapped_column(Date, index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_teams.id"))
    places: Mapped[list[str] | None] = mapped_column(JSON)  # building / compound codes visited
    route: Mapped[list[list[float]] | None] = mapped_column(JSON)  # [[lon, lat], …] drawn on the map
    notes: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[int] = mapped_column(Integer, default=0)


class FieldEvent(Versioned, Base):
    """A request or event (事件) routed until done: where it is, who reported it, who handles it now (`handler_*`,
    the unit whose staff may close it), who took it first and tracks it (首问负责制), by when."""

    __tablename__ = "field_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)  # the grid's path: the event's place
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(16))  # general | coordinate | urgent | approval
    urgency: Mapped[str] = mapped_column(String(16), default="normal")  # normal | urgent
    text: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(40))
    handler_level: Mapped[str] = mapped_column(String(16), index=True)  # grid | community | street | district
    handler_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    handler_path: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | closed
    tracker: Mapped[str] = mapped_column(String(64))
    reported_by: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16), default="form")  # form | patrol | import | migrated
    patrol_id: Mapped[int | None] = mapped_column(ForeignKey("patrols.id"), index=True)
    __mapper_args__ = {"version_id_col": Versioned.version}


class FieldEventStep(Base):
    """One step of an event's way (logged, note, forwarded, moved, closed, reopened): its trail on the card."""

    __tablename__ = "field_event_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("field_events.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(16))
    from_level: Mapped[str | None] = mapped_column(String(16))
    to_level: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)


# --- door-to-door screening rounds and returnee lists ----------------------------------------------------------


class ScreeningRound(Versioned, Base):
    """A door-to-door screening round (网格化、地毯式摸排, 004 (一)1) over a street, community or grid, or a returnee
    list pushed down from the district (下传机制, 004 (一)2: kind "returnees"); closed with a report to the street."""

    __tablename__ = "screening_rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # sweep | returnees
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(200))  # returnees: the list's origin (file, who sent it)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | closed
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # the report's totals as they stood at closing (the per-grid lines are re-read from the visits, frozen by then)
    closed_households: Mapped[int | None] = mapped_column(Integer)
    closed_visited: Mapped[int | None] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": Versioned.version}


class ScreeningListEntry(Base):
    """One name of a returnee list, as the district sent it, and the household it was matched to (or none)."""

    __tablename__ = "screening_list_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    building_code: Mapped[str | None] = mapped_column(String(64))
    room: Mapped[str | None] = mapped_column(String(32))
    came_from: Mapped[str | None] = mapped_column(String(200))
    arrived_on: Mapped[dt.date | None] = mapped_column(Date)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    matched_by: Mapped[str | None] = mapped_column(String(16))  # id_number | name_room | hand | None: unmatched
    path: Mapped[str] = mapped_column(String(200), index=True)  # the household's, else the round's


class ScreeningVisit(Base):
    """One knock on a household's door in a round: who, when, what was found. A revisit is another row; coverage
    counts the household once."""

    __tablename__ = "screening_visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    visited_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    presence: Mapped[str] = mapped_column(String(16))  # present | away | returned
    returned_from: Mapped[str | None] = mapped_column(String(200))
    returned_on: Mapped[dt.date | None] = mapped_column(Date)
    temperature: Mapped[float | None] = mapped_column(Float)
    symptoms: Mapped[str | None] = mapped_column(String(200))  # symptom codes, comma-separated
    needs: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    alert_id: Mapped[int | None] = mapped_column(Integer)  # the symptom alert this visit raised
    event_code: Mapped[str | None] = mapped_column(String(64))  # the event its needs became


class ScreeningCareMark(Base):
    """A household member a screening visit marked as needing care (findings feed the care list, issue 15): which
    care kinds the worker chose and which of them the visit added to the person's tags (`added`; empty when the
    person already had them all). Migration 0016_screening_care."""

    __tablename__ = "screening_care_marks"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("screening_visits.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    kinds: Mapped[str] = mapped_column(String(200))  # care kind codes chosen, comma-separated
    added: Mapped[str | None] = mapped_column(String(200))  # of them, the ones the person did not have yet

# --- checkpoint entry registration and household passes --------------------------------------------------------


class GateEntry(Base):
    """One person or vehicle through a checkpoint (进出登记, 000 §1(二)2–4; 001 §十四 三 逢车必查、逢人必测): direction,
    temperature (flagged at the "gate" setting's fever threshold), resident or visitor, the household pass shown
    on the way out. Kept at the checkpoint's place (`path`); an entry is a fact, never edited."""

    __tablename__ = "gate_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    # local time, not UTC like every other stored time: the gate's wall clock (geodata.fieldwork.entries.gate_now),
    # so its per-hour counts are the hours the gate works by; never pass it through geodata.base.clock
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    subject: Mapped[str] = mapped_column(String(16))  # person | vehicle
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    resident: Mapped[bool] = mapped_column(Boolean, default=True)  # resident (住户) or visitor (外来)
    temperature: Mapped[float | None] = mapped_column(Float)
    fever: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_id: Mapped[int | None] = mapped_column(ForeignKey("household_passes.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    note: Mapped[str | None] = mapped_column(String(100))  # a plate number, a visitor's errand
    recorded_by: Mapped[str] = mapped_column(String(64))


class HouseholdPass(Versioned, Base):
    """通行证/出入券 (000 §1(五) 一户一卡): one active pass per household, its number unique; a lost pass is
    revoked and a new one issued (`replaces`)."""

    __tablename__ = "household_passes"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | revoked
    issued_on: Mapped[dt.date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoke_reason: Mapped[str | None] = mapped_column(String(200))
    replaces: Mapped[str | None] = mapped_column(String(64))
    __mapper_args__ = {"version_id_col": Versioned.version}


# --- care of the vulnerable, deliveries, supplies, places and organisations ------------------------------------


class CareVisit(Base):
    """探访/送达: a visit to, or a delivery for, a person on the care list (000 §1(四)5, §1(三)2; 004 民政):
    代购 (bought for them), 定点投放 (left at a drop point), 不见面送达 (contactless to the door). A fact, never
    edited; a need found on the visit is kept here and, when it becomes an event, its code."""

    __tablename__ = "care_visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # visit | delivery
    method: Mapped[str | None] = mapped_column(String(16))  # deliveries: proxy_purchase | drop_point | contactless
    what: Mapped[str | None] = mapped_column(String(300))
    visitor: Mapped[str] = mapped_column(String(100))
    need: Mapped[str | None] = mapped_column(Text)
    event_code: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SupplyMovement(Base):
    """One receipt (入库) or issue (出库) of a community's supplies (masks, disinfectant, daily goods): the stock is
    their running sum, never typed (§4.2 "masks on hand vs demand, grain days")."""

    __tablename__ = "supply_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    item: Mapped[str] = mapped_column(String(32))
    on_date: Mapped[dt.date] = mapped_column(Date, index=True)
    direction: Mapped[str] = mapped_column(String(8))  # receipt | issue
    quantity: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Place(Versioned, Base):
    """An institution or public place (养老机构 004 民政; 农贸市场、超市、药店 000 §1(六)) with its state (open,
    提升一级管理, closed) and the staff on site."""

    __tablename__ = "places"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), default="open")
    staff_on_site: Mapped[int] = mapped_column(Integer, default=0)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    __mapper_args__ = {"version_id_col": Versioned.version}


class UnownedCompound(Versioned, Base):
    """无主小区 台账 (002 item 1): a compound with no managing unit, no property service or no guards, the unit that
    took charge of it, and its 四清 (basic facts, residents and party members, gaps in management and services,
    disputes and hazards: each cleared or not)."""

    __tablename__ = "unowned_compounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    no_authority: Mapped[bool] = mapped_column(Boolean, default=False)
    no_property: Mapped[bool] = mapped_column(Boolean, default=False)
    no_security: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str | None] = mapped_column(String(200))
    clear_basics: Mapped[bool] = mapped_column(Boolean, default=False)
    clear_residents: Mapped[bool] = mapped_column(Boolean, default=False)
    clear_gaps: Mapped[bool] = mapped_column(Boolean, default=False)
    clear_risks: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __mapper_args__ = {"version_id_col": Versioned.version}


# --- the control loop (issue 14): the follow-up of a symptom alert ---------------------------------------------


class SymptomFollowUp(Base):
    """随访处置 of a symptom alert (issue 14 point 3; 004 (一)4 上传机制 社区→街乡镇→区卫生健康部门): what the street
    or the district health role did — 上门收治 (visit), 转诊 (referral) or 排除 (ruled out) — by whom, on which
    day, with a note. One per alert: recording it clears the alert."""

    __tablename__ = "symptom_followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", name="fk_symptom_followups_alert"), unique=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    subject_code: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    done_on: Mapped[dt.date] = mapped_column(Date)
    done_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
