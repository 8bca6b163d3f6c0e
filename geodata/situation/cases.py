"""Recording a case (病例) and everything the rules do about it in the same transaction (domain file §2.2–§2.4,
scenarios 2–5, 23).

`record_case` is the dashboard's and the tests' single way in:
1. the case row, `unit_stats.cases_<kind>` +1 on its path, a `case.create` event;
2. for a counted case (确诊/无症状, the "situation" setting): its building becomes a 疫点 (awaiting 终末消毒,
   `000_7bd660b113904959.txt` §3), or its natural village is sealed (封闭式硬隔离, `000` §1);
3. the community's level and cluster flag before and after the case (geodata.situation.risk): a change is logged as a
   `situation.change` event naming the rule, the cases and the person who recorded it; a level that had passed
   unlogged (a window ran out with no daily run) is logged first;
4. a cluster (≥2 cases within 7 days, `000` §3) hard-isolates (硬隔离) every building/courtyard with a case in
   the window, and raises the cluster alert; S2 raises the transmission alert (geodata.situation.alerts).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from geodata.base.codes import content_code
from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import CASE_KINDS, Level, parse_term
from geodata.people import authority, reach
from geodata.situation.control import ControlChange, Target, raise_by_rule
from geodata.situation.honours import propose_on_confirmed_case
from geodata.situation.observations import find_case
from geodata.situation.risk import (
    UnitSituation,
    community_of,
    last_announced,
    log_situation_change,
    raise_situation_alerts,
    thresholds,
    unit_situation,
)
from geodata.store.models import Alert, Building, Case, Household, Person, Unit
from geodata.store.stats import apply_delta
from geodata.store.writes import WriteContext


@dataclass
class CaseResult:
    case: Case
    before: UnitSituation
    after: UnitSituation
    control_changes: list[ControlChange] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    #: 无疫小区 flags revoked by this case (scenario 20), in the same transaction
    honour_proposals: list = field(default_factory=list)  # 无疫小区 revocations proposed (alerts)


def _place(ctx: WriteContext, *, person_code: str | None, household_code: str | None, building_code: str | None,
           compound_code: str | None) -> dict:
    """Resolve where the case lives, from the most precise code given."""
    s, who = ctx.session, ctx.actor
    reach.role_first(who, "edit.case")  # then one answer for unknown and elsewhere (issue 18)
    if person_code:
        p = reach.find(s, who, Person, person_code, ("人员编码", "person code"), field="person_code")
        hh = s.get(Household, p.household_id) if p.household_id else None
        return {"person_id": p.id, "household_id": p.household_id, "building_id": p.building_id,
                "compound_id": p.compound_id, "grid_id": p.grid_id, "path": p.path,
                "stair_unit": hh.stair_unit if hh else None}
    if household_code:
        h = reach.find(s, who, Household, household_code, ("户编码", "household code"), field="household_code")
        return {"person_id": None, "household_id": h.id, "building_id": h.building_id, "compound_id": h.compound_id,
                "grid_id": h.grid_id, "path": h.path, "stair_unit": h.stair_unit}
    if building_code:
        b = reach.find(s, who, Building, building_code, ("楼栋编码", "building code"), field="building_code")
        return {"person_id": None, "household_id": None, "building_id": b.id, "compound_id": b.compound_id,
                "grid_id": b.grid_id, "path": b.path, "stair_unit": None}
    if compound_code:
        u = reach.find(s, who, Unit, compound_code, ("小区/自然村编码", "compound/village code"),
                       field="compound_code", where=Unit.level == int(Level.COMPOUND))
        return {"person_id": None, "household_id": None, "building_id": None, "compound_id": u.id,
                "grid_id": u.parent_id, "path": u.path, "stair_unit": None}
    raise Rejected([Problem("须给出人员、户、楼栋或自然村编码", "give a person, household, building or village code",
                            field="building_code")])


def _new_code(ctx: WriteContext, person_code: str | None, place_key: tuple, reported_on: dt.date) -> str:
    """A named person's case: CASE + the content code of (person, report day) — a second one that day is a twin
    and refused. A case known by its place only: the content code of everything said about it, numbered on when
    the same place has more unnamed cases that day (several are normal in one building)."""
    if person_code:
        code = content_code("CASE", person_code, reported_on)
        if ctx.session.execute(select(Case.code).where(Case.code == code)).scalar():
            raise Rejected([Problem(f"记录编号已存在（同一人员同一报告日期已有病例记录）: {code}",
                                    f"record code exists (a case of this person on that day): {code}",
                                    field="reported_on")])
        return code
    n, code = 0, content_code("CASE", *place_key)
    while ctx.session.execute(select(Case.code).where(Case.code == code)).scalar():
        n += 1
        code = content_code("CASE", *place_key, n)
    return code


def record_case(ctx: WriteContext, *, kind: str, reported_on: dt.date, building_code: str | None = None,
                compound_code: str | None = None, household_code: str | None = None, person_code: str | None = None,
                stair_unit: int | None = None, worksite: str | None = None, source_known: bool = True,
                note: str | None = None, code: str | None = None, source_case: str | None = None) -> CaseResult:
    """Record a case or close contact and apply the rules (see the module docstring). Returns the case, the
    community's situation before and after, the control changes and the alerts raised. `source_case`: the case
    this one was exposed to (a close contact's source, 000 §3(一)2: the lift guard of the source's building
    counts it wherever it lives; a close contact of a close contact is 密接的密接)."""
    kcode = parse_term(CASE_KINDS, kind)
    problems = []
    if kcode is None:
        problems.append(Problem(f"未知病例类型: {kind}", f"unknown case kind: {kind!r}", field="kind"))
    if reported_on > dt.date.today():
        problems.append(Problem("报告日期不能晚于今天", "the report date cannot be in the future", field="reported_on"))
    if problems:
        raise Rejected(problems)
    reach.role_first(ctx.actor, "edit.case")
    source = find_case(ctx.session, source_case, actor=ctx.actor)
    place = _place(ctx, person_code=person_code, household_code=household_code, building_code=building_code,
                   compound_code=compound_code)
    authority.require(ctx.actor, "edit.case", place["path"])
    # a chosen code is checked only once the actor may record a case at this place: codes are unique city-wide, so
    # "exists" told to anyone else would say that a case exists outside their scope (issue 18)
    if code and ctx.session.execute(select(Case.id).where(Case.code == code)).first():
        raise Rejected([Problem(f"病例编号已存在: {code}", f"case code already exists: {code}", field="code")])
    if not code:  # the code an import of this record would give it (geodata.base.codes; exchange.bulk's key)
        code = _new_code(ctx, person_code, (household_code, building_code, compound_code, kcode, stair_unit,
                                            worksite, note, reported_on), reported_on)
    th = thresholds(ctx.session, "seeds")
    counted = kcode in th.case_kinds
    community = community_of(ctx.session, place["path"])
    before = unit_situation(ctx.session, community, reported_on, th)
    if counted:
        logged = last_announced(ctx.session, community, reported_on)
        if logged != before.key:  # a window passed without a daily run: log that first, so the log stays whole
            log_situation_change(ctx, community, reported_on, logged, before, th)

    case = Case(code=code, kind=kcode,
                reported_on=reported_on, person_id=place["person_id"], building_id=place["building_id"],
                compound_id=place["compound_id"], household_id=place["household_id"], grid_id=place["grid_id"],
                path=place["path"], stair_unit=stair_unit if stair_unit is not None else place["stair_unit"],
                worksite=(worksite or "").strip() or None, source_known=bool(source_known), note=note,
                source_case_id=source.id if source else None)
    ctx.session.add(case)
    ctx.session.flush()
    apply_delta(ctx.session, case.path, **{f"cases_{kcode}": 1})
    ctx.record("case.create", "case", case.code, path=case.path,
               new={"kind": kcode, "reported_on": reported_on, "path": case.path, "building_id": case.building_id,
                    "compound_id": case.compound_id, "household_id": case.household_id,
                    "stair_unit": case.stair_unit, "worksite": case.worksite, "source_known": case.source_known,
                    "source_case": source.code if source else None},
               reason=note)
    result = CaseResult(case, before, before)
    # scenario 20: a confirmed case in a flagged compound proposes revoking its flag, in this same transaction; the
    # command centre confirms (issue 14 point 12)
    result.honour_proposals = propose_on_confirmed_case(ctx, case.compound_id, case)
    if not counted:
        return result

    after = unit_situation(ctx.session, community, reported_on, th)
    result.after = after
    if after.key != before.key:
        log_situation_change(ctx, community, reported_on, before.key, after, th, trigger=case.code)
    result.control_changes += _control_rules(ctx, case, after, reported_on)
    result.alerts += raise_situation_alerts(ctx, community, reported_on, before.key, after, th)
    return result


def _target_of(ctx: WriteContext, building_id: int | None, compound_id: int | None) -> Target | None:
    if building_id is not None:
        return Target("building", ctx.session.get(Building, building_id))
    if compound_id is not None:
        return Target("compound", ctx.session.get(Unit, compound_id))
    return None


def _control_rules(ctx: WriteContext, case: Case, after: UnitSituation, on: dt.date) -> list[ControlChange]:
    changes: list[ControlChange | None] = []
    own = _target_of(ctx, case.building_id, case.compound_id)
    if own is not None and own.kind == "building":
        changes.append(raise_by_rule(
            ctx, own, "epidemic_spot", on, "case_epidemic_spot",
            f"出现病例{case.code}：疫点，待终末消毒 / case {case.code}: epidemic spot awaiting terminal disinfection",
            [case.code]))
    elif own is not None and own.is_village:
        changes.append(raise_by_rule(
            ctx, own, "sealed", on, "village_case_sealed",
            f"自然村出现病例{case.code}：封闭式硬隔离 / case {case.code} in a natural village: sealed", [case.code]))
    if after.cluster:
        rows = ctx.session.execute(select(Case.building_id, Case.compound_id).where(
            Case.code.in_(after.cluster_codes))).all()
        places = {(b, None if b is not None else c) for b, c in rows}
        codes = list(after.cluster_codes)
        for b, c in sorted(places, key=lambda p: (p[0] or 0, p[1] or 0)):
            target = _target_of(ctx, b, c)
            if target is None:
                continue
            changes.append(raise_by_rule(
                ctx, target, "sealed", on, "cluster_hard_isolation",
                f"聚集性病例（{'、'.join(codes)}）：硬隔离 / cluster ({', '.join(codes)}): hard isolation", codes))
    return [c for c in changes if c is not None]


def reclassify_case(ctx: WriteContext, code: str, kind: str, *, reason: str | None = None) -> Case:
    """Change a case's kind (e.g. 疑似 → 确诊 after screening); counters move from the old kind to the new.
    A case that becomes counted is treated as new by the rules on its report date."""
    case = reach.find(ctx.session, ctx.actor, Case, code, ("病例编号", "case code"), action="edit.case")
    authority.require(ctx.actor, "edit.case", case.path)
    kcode = parse_term(CASE_KINDS, kind)
    if kcode is None:
        raise Rejected([Problem(f"未知病例类型: {kind}", f"unknown case kind: {kind!r}", field="kind")])
    if kcode == case.kind:
        return case
    th = thresholds(ctx.session, "seeds")
    community = community_of(ctx.session, case.path)
    before = unit_situation(ctx.session, community, case.reported_on, th)
    old = case.kind
    case.kind = kcode
    ctx.session.flush()
    apply_delta(ctx.session, case.path, **{f"cases_{old}": -1, f"cases_{kcode}": 1})
    ctx.record("case.update", "case", case.code, path=case.path, old={"kind": old}, new={"kind": kcode},
               reason=reason or "病例类型变更 / case kind changed")
    after = unit_situation(ctx.session, community, case.reported_on, th)
    if after.key != before.key:
        log_situation_change(ctx, community, case.reported_on, before.key, after, th, trigger=case.code)
    if kcode in th.case_kinds and old not in th.case_kinds:
        _control_rules(ctx, case, after, case.reported_on)
        raise_situation_alerts(ctx, community, case.reported_on, before.key, after, th)
    propose_on_confirmed_case(ctx, case.compound_id, case)  # 疑似 → 确诊 proposes like a new confirmed case
    return case
