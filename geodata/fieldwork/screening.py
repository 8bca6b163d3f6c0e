"""Door-to-door screening rounds (入户摸排): a street or community starts a round over its place, grid workers
knock on every registered household's door and say what they found, coverage grows per grid and building, and the
round closes with a report to the street (向街乡镇报告).

Sources: 004 (一)1 网格化、地毯式摸排 (every household, nothing left out); 000 §1(三)1 以家庭为单位登记造册 — the
household register is the list a round walks, so coverage is registered households visited / registered households
of the place; 001 §十四 四. A household visited twice in a round counts once.

Findings feed the rest of the loop: fever (above the observation rule's `fever_celsius`) or a listed symptom raises
the existing symptom alert for the community (the street and health staff see it: 004 上传机制) and proposes an
observation in its wording; needs are kept on the visit (and become an event where the events module logs them).

Returnee lists pushed down from the district (004 (一)2 下传机制) arrive as a round of their own (kind "returnees",
`geodata.fieldwork.returnees`): the round's households are the ones its names were matched to.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.base.clock import local_day
from geodata.base.layers import control_character_problem, length_problem
from geodata.base.problems import Problem, Rejected
from geodata.base.tasks import Task
from geodata.base.vocab import PERSON_TAGS, Level, Term, parse_term
from geodata.fieldwork.care import CARE_KINDS, care_kinds
from geodata.fieldwork.events import log_event
from geodata.people import authority, reach, scope
from geodata.people.persons import add_tags
from geodata.situation.alerts import raise_alert
from geodata.situation.observations import SYMPTOMS, fever_limit, is_fever
from geodata.situation.risk import community_of
from geodata.situation.targets import not_after_today
from geodata.store.field_models import ScreeningCareMark, ScreeningListEntry, ScreeningRound, ScreeningVisit
from geodata.store.hierarchy import is_under, under
from geodata.store.models import Building, Household, Person, Unit
from geodata.store.writes import Actor, WriteContext

#: what a round is
ROUND_KINDS = {t.code: t for t in (
    Term("sweep", "入户摸排", "Door-to-door sweep"),
    Term("returnees", "返乡人员核查", "Returnee list"),
)}
#: what the grid worker found at the door
PRESENCE = {t.code: t for t in (
    Term("present", "在家", "At home", ("在",)),
    Term("away", "不在家", "Away", ("外出", "不在")),
    Term("returned", "外地返回", "Returned from elsewhere", ("返回", "返乡")),
)}
STATUSES = {t.code: t for t in (Term("open", "进行中", "Open"), Term("closed", "已结束", "Closed"))}
#: the levels a round may cover: a street or a community starts it (a grid's own round is allowed too)
ROUND_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID)


def _text_problem(value: str | None, field: str, max_len: int | None, zh: str, en: str) -> Problem | None:
    if value is None:
        return None
    bad = control_character_problem(value, field) or length_problem(value, max_len)
    return Problem(f"{zh}：{bad[0]}", f"{en}: {bad[1]}", field=field) if bad else None


def get_round(session: Session, code: str, actor: Actor | None = None) -> ScreeningRound:
    """The round `code`. With `actor`: a round whose place and the actor's scope do not overlap answers exactly as
    an unknown code (geodata.people.reach, issue 18); a grid worker reaches the round of their community."""
    return reach.find(session, actor, ScreeningRound, code, ("摸排轮次", "screening round"), field="round",
                      overlap=True)


def check_round_fields(unit: Unit, purpose: str, starts_on: dt.date, ends_on: dt.date) -> list[Problem]:
    """The problems of a new round's scope unit, purpose and dates (shared with the returnee list's round)."""
    problems = []
    if unit.level not in {int(lv) for lv in ROUND_LEVELS}:
        problems.append(Problem(f"摸排范围应为街道、社区或网格（{unit.name} 不是）",
                                f"a round covers a street, community or grid ({unit.code} is not one)", field="unit"))
    if not (purpose or "").strip():
        problems.append(Problem("请填写摸排目的", "the purpose is required", field="purpose"))
    elif p := _text_problem(purpose, "purpose", 200, "摸排目的", "purpose"):
        problems.append(p)
    if ends_on < starts_on:
        problems.append(Problem(f"结束日期 {ends_on} 早于开始日期 {starts_on}",
                                f"the end {ends_on} is before the start {starts_on}", field="ends_on"))
    return problems


def new_round(ctx: WriteContext, unit: Unit, kind: str, purpose: str, starts_on: dt.date, ends_on: dt.date, *,
              code: str | None = None, source: str | None = None) -> ScreeningRound:
    """Insert a round whose fields were checked (`check_round_fields`) and log it."""
    rnd = ScreeningRound(code=code or f"SR-{starts_on:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}", kind=kind,
                         unit_id=unit.id, path=unit.path, purpose=purpose.strip(), source=source,
                         starts_on=starts_on, ends_on=ends_on, status="open", started_by=ctx.actor.username,
                         started_at=ctx.now)
    ctx.session.add(rnd)
    ctx.session.flush()
    ctx.record("screening.start", "screening_round", rnd.code, path=rnd.path,
               new={"kind": kind, "unit": unit.code, "purpose": rnd.purpose, "starts_on": starts_on,
                    "ends_on": ends_on, "source": source})
    return rnd


def start_round(ctx: WriteContext, unit_code: str, purpose: str, starts_on: dt.date, ends_on: dt.date, *,
                code: str | None = None) -> ScreeningRound:
    """A street or community starts a door-to-door round over `unit_code` from `starts_on` to `ends_on`."""
    unit = reach.find(ctx.session, ctx.actor, Unit, unit_code, ("单元编码", "unit code"), action="screening.start",
                      field="unit_code")
    authority.require(ctx.actor, "screening.start", unit.path)
    problems = check_round_fields(unit, purpose, starts_on, ends_on)
    if problems:
        raise Rejected(problems)
    return new_round(ctx, unit, "sweep", purpose, starts_on, ends_on, code=code)


@dataclass(frozen=True)
class VisitResult:
    visit: ScreeningVisit
    fever: bool
    symptoms: tuple[str, ...]
    alert_id: int | None
    event_code: str | None = None
    cared: tuple[str, ...] = ()  # the persons the visit put on the care list (at least one care kind added)

    @property
    def flagged(self) -> bool:
        return self.fever or bool(self.symptoms)


def _household(session: Session, code: str, actor: Actor | None = None) -> Household:
    return reach.find(session, actor, Household, code, ("户编码", "household code"), field="household")


def in_round(session: Session, rnd: ScreeningRound, household: Household) -> bool:
    """Is `household` one the round walks? A sweep: every registered household of its place; a returnee list:
    the households its names were matched to."""
    if rnd.kind == "returnees":
        return session.execute(select(ScreeningListEntry.id).where(
            ScreeningListEntry.round_id == rnd.id, ScreeningListEntry.household_id == household.id)).first() is not None
    return is_under(household.path, rnd.path)


def _care_marks(ctx: WriteContext, hh: Household, care: Mapping[str, Iterable[str]]) -> tuple[
        list[tuple[Person, list[str]]], list[Problem]]:
    """The household members a visit marks as needing care, each with its care kinds (CARE_KINDS codes or their
    words), checked before anything is written: a person outside the worker's scope answers as an unknown code
    (geodata.people.reach) and is refused by "edit.person" on their current place; a person of another household,
    an unknown or a non-care kind, or none chosen are problems."""
    marks, problems = [], []
    for code, kinds in care.items():
        person = reach.find(ctx.session, ctx.actor, Person, code, ("人员编码", "person code"), action="edit.person",
                            field="care")
        authority.require(ctx.actor, "edit.person", person.path)
        if person.household_id != hh.id:
            problems.append(Problem(f"{code} 不是户 {hh.code} 的成员，不能在本次走访中纳入关爱名单",
                                    f"{code} is not a member of household {hh.code}", field="care"))
            continue
        kinds = list(kinds)
        parsed = [parse_term(PERSON_TAGS, k) for k in kinds]
        bad = [str(k) for k, p in zip(kinds, parsed, strict=True) if p not in CARE_KINDS]
        if bad:
            problems.append(Problem(f"{code}：不是关爱类别: {'、'.join(bad)}", f"{code}: not a care kind: {bad}",
                                    field="care"))
        elif not parsed:
            problems.append(Problem(f"{code}：请选择至少一个关爱类别", f"{code}: choose at least one care kind",
                                    field="care"))
        else:
            marks.append((person, list(dict.fromkeys(p for p in parsed if p))))
    return marks, problems


def record_visit(ctx: WriteContext, round_code: str, household_code: str, presence: str, *,
                 on: dt.date | None = None, returned_from: str | None = None, returned_on: dt.date | None = None,
                 temperature: float | None = None, symptoms: Iterable[str] = (), needs: str | None = None,
                 note: str | None = None, care: Mapping[str, Iterable[str]] | None = None) -> VisitResult:
    """A grid worker marks a household visited with what they found. Refused outside the worker's place (the
    household's), for a closed round, a household the round does not walk, a day outside the round, or findings
    that do not read. Fever or a symptom raises the symptom alert of the household's community.

    `care`: household members found needing care (person code -> care kinds, geodata.fieldwork.care.CARE_KINDS).
    Their kinds are added to the person's tags (geodata.people.persons.add_tags: scoped on the person's place,
    audited old → new, a kind already there not added twice) in this same transaction, so the care list shows them
    at once; the visit keeps a `ScreeningCareMark` per person. A refusal for any of them writes nothing at all."""
    reach.role_first(ctx.actor, "screening.visit")
    rnd = get_round(ctx.session, round_code, ctx.actor)
    hh = _household(ctx.session, household_code, ctx.actor)
    authority.require(ctx.actor, "screening.visit", hh.path)
    on = on or dt.date.today()
    problems = []
    if rnd.status != "open":
        problems.append(Problem(f"摸排轮次 {rnd.code} 已结束，不能再登记", f"round {rnd.code} is closed", field="round"))
    if not in_round(ctx.session, rnd, hh):
        problems.append(Problem(f"户 {hh.code} 不在本轮摸排范围内", f"household {hh.code} is not in this round",
                                field="household"))
    pcode = parse_term(PRESENCE, presence)
    if pcode is None:
        problems.append(Problem(f"未知的在家情况: {presence}", f"unknown presence: {presence!r}", field="presence"))
    try:
        not_after_today(on, "走访", "visit", "on")
    except Rejected as exc:
        problems += exc.problems
    if not rnd.starts_on <= on <= rnd.ends_on:
        problems.append(Problem(f"走访日期 {on} 不在本轮 {rnd.starts_on}–{rnd.ends_on} 之内",
                                f"visit date {on} is outside the round ({rnd.starts_on} to {rnd.ends_on})", field="on"))
    returned_from = (returned_from or "").strip() or None
    if pcode == "returned":
        if returned_from is None:
            problems.append(Problem("外地返回：请填写从何地返回", "returned: say where from", field="returned_from"))
        if returned_on is None:
            problems.append(Problem("外地返回：请填写返回日期", "returned: give the date of return", field="returned_on"))
        elif returned_on > on:
            problems.append(Problem(f"返回日期 {returned_on} 晚于走访日期 {on}",
                                    f"return date {returned_on} is after the visit {on}", field="returned_on"))
    parsed = [parse_term(SYMPTOMS, s) for s in symptoms]
    unknown = [str(s) for s, p in zip(symptoms, parsed, strict=True) if p is None]
    if unknown:
        problems.append(Problem(f"未知症状: {'、'.join(unknown)}", f"unknown symptoms: {unknown}", field="symptoms"))
    if temperature is not None and not 34.0 <= float(temperature) <= 43.0:
        problems.append(Problem(f"体温不合理: {temperature}", f"implausible temperature: {temperature}",
                                field="temperature"))
    needs = (needs or "").strip() or None
    note = (note or "").strip() or None
    for value, field, max_len, zh, en in ((returned_from, "returned_from", 200, "返回地", "returned from"),
                                          (needs, "needs", 2000, "需求", "needs"), (note, "note", 2000, "备注", "note")):
        if p := _text_problem(value, field, max_len, zh, en):
            problems.append(p)
    marks, care_problems = _care_marks(ctx, hh, care or {})
    problems += care_problems
    if problems:
        raise Rejected(problems)
    codes = tuple(dict.fromkeys(p for p in parsed if p))
    fever = is_fever(temperature, fever_limit(ctx.session))
    visit = ScreeningVisit(round_id=rnd.id, household_id=hh.id, path=hh.path, visited_on=on,
                           visited_by=ctx.actor.username, recorded_at=ctx.now, presence=pcode,
                           returned_from=returned_from if pcode == "returned" else None,
                           returned_on=returned_on if pcode == "returned" else None, temperature=temperature,
                           symptoms=",".join(codes) or None, needs=needs, note=note)
    ctx.session.add(visit)
    ctx.session.flush()
    ctx.record("screening.visit", "household", hh.code, path=hh.path,
               new={"round": rnd.code, "on": on, "presence": pcode, "returned_from": visit.returned_from,
                    "returned_on": visit.returned_on, "temperature": temperature, "symptoms": list(codes),
                    "needs": needs, "care": {p.code: k for p, k in marks} or None})
    alert_id = None
    if fever or codes:
        words_zh = ([f"体温{temperature}℃"] if fever else []) + [SYMPTOMS[c].zh for c in codes]
        words_en = ([f"{temperature} °C"] if fever else []) + [SYMPTOMS[c].en.lower() for c in codes]
        alert = raise_alert(ctx, "symptom", community_of(ctx.session, hh.path), on,
                            f"入户摸排发现户 {hh.code} 有异常：{'、'.join(words_zh)}，请安排就诊并评估是否纳入隔离医学观察",
                            f"screening found household {hh.code} unwell: {', '.join(words_en)} — arrange a visit "
                            f"and consider an observation",
                            {"round": rnd.code, "household": hh.code, "temperature": temperature,
                             "symptoms": list(codes), "proposal": "observation"},
                            subject_code=hh.code)
        visit.alert_id = alert_id = alert.id
    if needs is not None:
        # a need at the door is a resident's request (livelihood): the events module routes it to done (003 §一 5)
        grid = ctx.session.get(Unit, hh.grid_id)
        building = ctx.session.get(Building, hh.building_id) if hh.building_id else None
        event = log_event(ctx, grid.code, f"入户摸排（{rnd.code}）户 {hh.code} 的需求：{needs}", kind="livelihood",
                          building_code=building.code if building else None, source="screening")
        visit.event_code = event.code
    cared = []
    for person, kinds in marks:
        added = add_tags(ctx, person, kinds, reason=f"入户摸排（{rnd.code}）发现需关爱 / screening round {rnd.code} "
                                                    f"found them needing care")
        ctx.session.add(ScreeningCareMark(visit_id=visit.id, round_id=rnd.id, household_id=hh.id, person_id=person.id,
                                          path=person.path, kinds=",".join(kinds), added=",".join(added) or None))
        if added:
            cared.append(person.code)
    ctx.session.flush()
    return VisitResult(visit, fever, codes, alert_id, visit.event_code, tuple(cared))


# --- reads ---------------------------------------------------------------------------------------------------


def _target_query(rnd: ScreeningRound, cols: Iterable, within: str | None):
    """SELECT `cols` of the households the round walks (within the place `within`); None when `within` lies
    outside the round."""
    if within is not None and not is_under(within, rnd.path):
        return None
    if rnd.kind == "returnees":
        ids = select(ScreeningListEntry.household_id).where(
            ScreeningListEntry.round_id == rnd.id, ScreeningListEntry.household_id.is_not(None)).distinct()
        q = select(*cols).where(Household.id.in_(ids))
    else:
        q = select(*cols).where(under(Household.path, rnd.path))
    return q if within is None else q.where(under(Household.path, within))


def _visited_ids(rnd: ScreeningRound):
    return select(ScreeningVisit.household_id).where(ScreeningVisit.round_id == rnd.id)


def _targets(session: Session, rnd: ScreeningRound, within: str | None = None) -> pd.DataFrame:
    """The households the round walks (one row each) with their grid, building and whether they were visited."""
    names = ["id", "code", "grid_id", "building_id", "room", "stair_unit", "path"]
    q = _target_query(rnd, [Household.id, Household.code, Household.grid_id, Household.building_id, Household.room,
                            Household.stair_unit, Household.path], within)
    if q is None:
        return pd.DataFrame(columns=[*names, "visited"])
    frame = pd.DataFrame(session.execute(q).all(), columns=names)
    visited = {r[0] for r in session.execute(_visited_ids(rnd).distinct())}
    frame["visited"] = frame["id"].isin(visited)
    return frame


def share(visited: int, households: int) -> float | None:
    """Coverage visited / households; None for a place without registered households (never 0 % nor 100 %)."""
    return visited / households if households else None


def _scope_of(actor: Actor, rnd: ScreeningRound) -> str | None:
    """The part of the round an actor reads: all of it when the round lies in their scope, their own place when
    their scope lies inside the round (a grid worker in a community's round); refused otherwise."""
    if scope.can_read(actor, rnd.path):
        return None
    if actor.scope_path is not None and is_under(actor.scope_path, rnd.path):
        return actor.scope_path
    raise scope.outside_scope()


def coverage(session: Session, actor: Actor, round_code: str, by: str = "grid") -> pd.DataFrame:
    """Coverage of a round per grid (every grid of the round's place, 0 households included) or per building (the
    buildings with households in the round): code, name, households, visited, share (None where 0 households)."""
    rnd = get_round(session, round_code, actor)
    within = _scope_of(actor, rnd)
    targets = _targets(session, rnd, within)
    key = "grid_id" if by == "grid" else "building_id"
    counts = targets.groupby(key).agg(households=("id", "size"), visited=("visited", "sum"))
    if by == "grid":
        place = within or rnd.path
        units = pd.DataFrame(session.execute(select(Unit.id, Unit.code, Unit.name, Unit.path, Unit.label_lon,
                                                    Unit.label_lat).where(
            under(Unit.path, place), Unit.level == int(Level.GRID))).all(),
            columns=["id", "code", "name", "path", "lon", "lat"])
    else:
        ids = [int(i) for i in counts.index.dropna()]
        units = pd.DataFrame(session.execute(select(Building.id, Building.code, Building.name, Building.path,
                                                    Building.lon, Building.lat).where(Building.id.in_(ids))).all(),
                             columns=["id", "code", "name", "path", "lon", "lat"])
    out = units.merge(counts, left_on="id", right_index=True, how="left")
    out[["households", "visited"]] = out[["households", "visited"]].fillna(0).astype(int)
    # object dtype: a place without households keeps None (a float column would turn it into NaN)
    out["share"] = pd.Series([share(v, h) for v, h in zip(out["visited"], out["households"], strict=True)],
                             index=out.index, dtype=object)
    return out.drop(columns="id").sort_values("code").reset_index(drop=True)


def round_totals(session: Session, rnd: ScreeningRound, within: str | None = None) -> dict[str, object]:
    """Households and visited households of the round (within `within`), counted in the database: the wall
    asks this of every open round of the city on each refresh, and a city-wide round walks ~10⁵ households."""
    q = _target_query(rnd, [func.count(), func.count().filter(Household.id.in_(_visited_ids(rnd)))], within)
    households, visited = session.execute(q).one() if q is not None else (0, 0)
    return {"households": int(households), "visited": int(visited), "share": share(visited, households)}


def rounds_for(session: Session, actor: Actor, *, status: str | None = None) -> pd.DataFrame:
    """The rounds an actor works in or over (their scope holds the round, or the round holds their scope), newest
    first, with their coverage as the actor sees it (a grid worker: their own grid's part)."""
    q = select(ScreeningRound, Unit.name).join(Unit, Unit.id == ScreeningRound.unit_id).order_by(
        ScreeningRound.starts_on.desc(), ScreeningRound.id.desc())
    if status is not None:
        q = q.where(ScreeningRound.status == status)
    rows = []
    for rnd, unit_name in session.execute(q).all():
        try:
            within = _scope_of(actor, rnd)
        except Exception:  # noqa: BLE001 — outside the actor's scope: not listed
            continue
        rows.append({"code": rnd.code, "kind": rnd.kind, "unit_name": unit_name, "purpose": rnd.purpose,
                     "starts_on": rnd.starts_on, "ends_on": rnd.ends_on, "status": rnd.status, "path": rnd.path,
                     **round_totals(session, rnd, within)})
    return pd.DataFrame(rows, columns=["code", "kind", "unit_name", "purpose", "starts_on", "ends_on", "status",
                                       "path", "households", "visited", "share"])


def open_round_counts(session: Session, path: str | None = None) -> pd.DataFrame:
    """Counts only (the wall): each open round under `path` with its households, visited and share."""
    q = select(ScreeningRound, Unit.name).join(Unit, Unit.id == ScreeningRound.unit_id).where(
        ScreeningRound.status == "open").order_by(ScreeningRound.starts_on, ScreeningRound.id)
    if path is not None:
        q = q.where(under(ScreeningRound.path, path))
    rows = [{"code": rnd.code, "kind": rnd.kind, "unit_name": name, "purpose": rnd.purpose, "ends_on": rnd.ends_on,
             **round_totals(session, rnd)} for rnd, name in session.execute(q).all()]
    return pd.DataFrame(rows, columns=["code", "kind", "unit_name", "purpose", "ends_on", "households", "visited",
                                       "share"])


def open_round_households(session: Session, path: str | None = None) -> pd.DataFrame:
    """The households of every open round under `path` (a household in two rounds: twice, as the wall's sums
    count it), each with its `path` and visited 1/0: the wall rolls them up to the units behind its coverage
    figure (geodata.reporting.selection). No names."""
    q = select(ScreeningRound).where(ScreeningRound.status == "open")
    if path is not None:
        q = q.where(under(ScreeningRound.path, path))
    frames = [_targets(session, rnd)[["path", "visited"]] for rnd in session.execute(q).scalars()]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["path", "visited"])
    visited = frame["visited"].astype(bool).astype(int)
    return pd.DataFrame({"path": frame["path"], "screening_households": 1, "screening_visited": visited,
                         "screening_unvisited": 1 - visited})


def households_to_visit(session: Session, actor: Actor, round_code: str, *, limit: int | None = 50) -> pd.DataFrame:
    """The next unvisited households of the round in the actor's own place (person-level: the household head), in
    building and room order: code, building, room, head_name, members."""
    rnd = get_round(session, round_code, actor)
    within = _scope_of(actor, rnd)
    place = within or rnd.path
    scope.require_persons(actor, place, "households")
    targets = _targets(session, rnd, within)
    todo = targets.loc[~targets["visited"], "id"].tolist()
    if not todo:
        return pd.DataFrame(columns=["code", "building_code", "building_name", "stair_unit", "room", "head_name",
                                     "members"])
    q = select(Household.code, Building.code, Building.name, Household.stair_unit, Household.room,
               Household.head_name, Household.members).outerjoin(Building, Building.id == Household.building_id).where(
        Household.id.in_(todo)).order_by(Building.code, Household.stair_unit, Household.room, Household.code)
    if limit is not None:
        q = q.limit(limit)
    return pd.DataFrame(session.execute(q).all(), columns=["code", "building_code", "building_name", "stair_unit",
                                                           "room", "head_name", "members"])


def members_of(session: Session, actor: Actor, household_code: str) -> pd.DataFrame:
    """The registered members of a household a worker may mark as needing care on a visit: code, name, birth year
    and the care kinds they already have (`kinds`). Person-level: the household's place must be the actor's and
    they must be allowed to tag persons there ("edit.person"); no ID numbers or phones."""
    hh = _household(session, household_code, actor)
    scope.require_persons(actor, hh.path, "persons")
    authority.require(actor, "edit.person", hh.path)
    rows = session.execute(select(Person.code, Person.name, Person.birth_year, Person.tags).where(
        Person.household_id == hh.id).order_by(Person.code)).all()
    frame = pd.DataFrame(rows, columns=["code", "name", "birth_year", "tags"])
    frame["kinds"] = frame["tags"].map(care_kinds)
    return frame.drop(columns="tags")


def visits_of(session: Session, actor: Actor, round_code: str) -> pd.DataFrame:
    """Every visit of the round in the actor's part of it, newest first (the results ledger and its export)."""
    rnd = get_round(session, round_code, actor)
    within = _scope_of(actor, rnd)
    scope.require_persons(actor, within or rnd.path, "households")
    q = select(ScreeningVisit.visited_on, Unit.name, Building.name, Household.code, Household.room,
               Household.head_name, ScreeningVisit.presence, ScreeningVisit.returned_from, ScreeningVisit.returned_on,
               ScreeningVisit.temperature, ScreeningVisit.symptoms, ScreeningVisit.needs, ScreeningVisit.note,
               ScreeningVisit.visited_by).join(Household, Household.id == ScreeningVisit.household_id).join(
        Unit, Unit.id == Household.grid_id).outerjoin(Building, Building.id == Household.building_id).where(
        ScreeningVisit.round_id == rnd.id).order_by(ScreeningVisit.visited_on.desc(), ScreeningVisit.id.desc())
    if within is not None:
        q = q.where(under(ScreeningVisit.path, within))
    return pd.DataFrame(session.execute(q).all(), columns=[
        "visited_on", "grid_name", "building_name", "household_code", "room", "head_name", "presence",
        "returned_from", "returned_on", "temperature", "symptoms", "needs", "note", "visited_by"])


@dataclass(frozen=True)
class RoundReport:
    """向街乡镇报告: the round's totals, its coverage per grid, and the households not visited, per community."""

    code: str
    purpose: str
    unit_name: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    households: int
    visited: int
    share: float | None
    returned: int
    flagged: int
    with_needs: int
    grids: pd.DataFrame  # code, name, households, visited, share
    unvisited: pd.DataFrame  # community, grid, building, room, household code
    cared: int = 0  # households whose visit put someone on the care list


def cared_households(session: Session, rnd: ScreeningRound, within: str | None = None) -> int:
    """Households of the round (in `within`) whose visit put at least one member on the care list (a care kind
    the person did not have yet: `ScreeningCareMark.added`)."""
    q = select(ScreeningCareMark.household_id).where(ScreeningCareMark.round_id == rnd.id,
                                                     ScreeningCareMark.added.is_not(None)).distinct()
    if within is not None:
        q = q.where(under(ScreeningCareMark.path, within))
    return len(session.execute(q).all())


def round_report(session: Session, actor: Actor, round_code: str) -> RoundReport:
    """The report to the street: counts per grid, households with findings, and the unvisited households listed
    for their community to finish (their codes and rooms: no names)."""
    rnd = get_round(session, round_code, actor)
    within = _scope_of(actor, rnd)
    targets = _targets(session, rnd, within)
    grids = coverage(session, actor, round_code, "grid")
    visits = pd.DataFrame(session.execute(select(ScreeningVisit.household_id, ScreeningVisit.presence,
                                                 ScreeningVisit.temperature, ScreeningVisit.symptoms,
                                                 ScreeningVisit.needs, ScreeningVisit.path).where(
        ScreeningVisit.round_id == rnd.id)).all(), columns=["hh", "presence", "temperature", "symptoms", "needs", "path"])
    if within is not None and len(visits):
        visits = visits[visits["path"].str.startswith(within)]
    fever_at = fever_limit(session)
    flagged = visits[(visits["temperature"].fillna(0) > fever_at) | visits["symptoms"].notna()]["hh"].nunique()
    returned = visits[visits["presence"] == "returned"]["hh"].nunique()
    with_needs = visits[visits["needs"].notna()]["hh"].nunique()
    todo = targets[~targets["visited"]]
    unvisited = pd.DataFrame(columns=["community", "grid", "building", "stair_unit", "room", "household"])
    if len(todo):
        rows = session.execute(select(Household.code, Household.stair_unit, Household.room, Building.name,
                                      Unit.name, Unit.parent_id).outerjoin(
            Building, Building.id == Household.building_id).join(Unit, Unit.id == Household.grid_id).where(
            Household.id.in_(todo["id"].tolist()))).all()
        parents = {u.id: u.name for u in session.execute(select(Unit.id, Unit.name).where(
            Unit.id.in_({r[5] for r in rows}))).all()}
        unvisited = pd.DataFrame([{"community": parents.get(r[5], ""), "grid": r[4], "building": r[3] or "",
                                   "stair_unit": r[1], "room": r[2] or "", "household": r[0]} for r in rows])
        unvisited = unvisited.sort_values(["community", "grid", "building", "stair_unit", "room"]).reset_index(drop=True)
    unit = session.get(Unit, rnd.unit_id)
    households, visited = len(targets), int(targets["visited"].sum())
    return RoundReport(rnd.code, rnd.purpose, unit.name, rnd.starts_on, rnd.ends_on, rnd.status, households, visited,
                       share(visited, households), int(returned), int(flagged), int(with_needs), grids, unvisited,
                       cared_households(session, rnd, within))


def close_round(ctx: WriteContext, round_code: str) -> RoundReport:
    """Close a round with its report to the street: no visit is recorded after this; the totals at closing are
    kept on the round and in the log."""
    rnd = get_round(ctx.session, round_code, ctx.actor)
    authority.require(ctx.actor, "screening.close", rnd.path)
    if rnd.status != "open":
        on = local_day(rnd.closed_at)  # closed_at is ctx.now (UTC); the day a person knows is the local one
        raise Rejected([Problem(f"摸排轮次 {rnd.code} 已于 {on:%Y-%m-%d} 结束",
                                f"round {rnd.code} was already closed on {on:%Y-%m-%d}", field="round")])
    report = round_report(ctx.session, ctx.actor, round_code)
    rnd.status, rnd.closed_by, rnd.closed_at = "closed", ctx.actor.username, ctx.now
    rnd.closed_households, rnd.closed_visited = report.households, report.visited
    ctx.session.flush()
    ctx.record("screening.close", "screening_round", rnd.code, path=rnd.path, old={"status": "open"},
               new={"status": "closed", "households": report.households, "visited": report.visited,
                    "unvisited": report.households - report.visited, "returned": report.returned,
                    "flagged": report.flagged, "with_needs": report.with_needs, "cared": report.cared},
               reason="结束摸排，向街乡镇报告 / round closed, reported to the street")
    return report


def insert_visits(ctx: WriteContext, round_code: str, visits: pd.DataFrame) -> int:
    """Many visits of one round at once (a demo day, a paper tally typed in later): columns household_code,
    visited_on, presence, and optionally returned_from, returned_on, visited_by. Checked as a whole — the actor may
    visit every household's place, the households are the round's, presences known — then inserted in one
    statement with one event. Findings that raise alerts or events go through `record_visit` instead."""
    rnd = get_round(ctx.session, round_code, ctx.actor)
    if visits.empty:
        return 0
    found = pd.DataFrame(ctx.session.execute(select(Household.code, Household.id, Household.path).where(
        under(Household.path, rnd.path))).all(), columns=["household_code", "household_id", "path"])
    frame = visits.merge(found, on="household_code", how="left")
    problems = []
    if rnd.status != "open":
        problems.append(Problem(f"摸排轮次 {rnd.code} 已结束", f"round {rnd.code} is closed", field="round"))
    missing = frame.loc[frame["household_id"].isna(), "household_code"].tolist()
    if missing:
        problems.append(Problem(f"{len(missing)} 户不在本轮摸排范围内（如 {missing[0]}）",
                                f"{len(missing)} households are not in this round (e.g. {missing[0]})",
                                field="household"))
    bad = sorted(set(frame["presence"]) - set(PRESENCE))
    if bad:
        problems.append(Problem(f"未知的在家情况: {bad}", f"unknown presence: {bad}", field="presence"))
    if problems:
        raise Rejected(problems)
    for path in frame["path"].unique():
        authority.require(ctx.actor, "screening.visit", path)
    frame["returned_from"] = frame.get("returned_from")
    frame["returned_on"] = frame.get("returned_on")
    frame["visited_by"] = frame.get("visited_by", ctx.actor.username)
    rows = [{"round_id": rnd.id, "household_id": int(r.household_id), "path": r.path, "visited_on": r.visited_on,
             "visited_by": r.visited_by or ctx.actor.username, "recorded_at": ctx.now, "presence": r.presence,
             "returned_from": r.returned_from if isinstance(r.returned_from, str) else None,
             "returned_on": r.returned_on if isinstance(r.returned_on, dt.date) else None}
            for r in frame.itertuples(index=False)]
    ctx.session.execute(ScreeningVisit.__table__.insert(), rows)
    ctx.record("screening.visits", "screening_round", rnd.code, path=rnd.path,
               new={"visits": len(rows), "households": int(frame["household_id"].nunique())})
    return len(rows)


def screening_tasks(session: Session, actor: Actor, day: dt.date) -> list[Task]:
    """Households still to visit in the open rounds of the worker's place (geodata.reporting.tasks): one task per
    round, due at the end of its last day (overdue after it)."""
    if actor.scope_path is None or not authority.allowed(actor, "screening.visit", actor.scope_path):
        return []
    out = []
    for r in rounds_for(session, actor, status="open").itertuples():
        left = int(r.households) - int(r.visited)
        if left <= 0 or r.starts_on > day:
            continue
        out.append(Task("screening", r.code, f"入户摸排：还有 {left} 户待走访（{r.purpose}）",
                        f"Screening: {left} households still to visit ({r.purpose})", r.path,
                        dt.datetime.combine(r.ends_on, dt.time(23, 59)), f"截止 {r.ends_on}", f"by {r.ends_on}",
                        page="screening", action="screening.visit"))
    return out
