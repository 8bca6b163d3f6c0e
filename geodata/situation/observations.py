"""Observations (隔离观察): kinds, the 14-day planned end, daily health follow-up, release with two sign-offs,
and the releases due today or overdue (domain file §2.5, §3.4, scenarios 7, 8, 13).

- Kinds (§2.5): home 居家医学观察, central 集中隔离医学观察, self 自我隔离, temporary 留观; 14 days (the
  "observation" setting), 留观 until screened (one day unless a planned end is given) [DERIVED].
- Daily follow-up (§3.4 每日随访): temperature above 37.3 ℃ (§2.4) or any listed symptom flags the check and
  raises a symptom alert for the street and district health department (`004_2a51f4f7b2873512.txt` 上传机制).
- Release (§2.5, `000_7bd660b113904959.txt` §1): ≥14 days without symptoms, signed jointly by the 包保干部 and the
  包保医务人员 — two different people; the observation ends when the second signature lands. The signers are the
  ones named on the observation (the account whose display name is `cadre_name` / `medic_name`), or the account
  the street assigns (`assign_signer`) — not any account whose role may sign in that area (issue 14 point 4).
- The 14 days cannot be shortened by hand (000 §1(四)3): the planned end is at least the start (or the last
  exposure) plus the rule's days (`earliest_end`); a planned end before that is refused here and in the hand edit
  (geodata.editing.records). A person under observation who is exposed again gets 14 days from the new exposure
  (`record_exposure`, issue 14 point 5); the event log keeps both ends.
- Close contacts name their source case (`source_case`, 000 §3(一)2), so the lift guard of a 疫点 counts them
  wherever they live (geodata.situation.control).

`unit_stats.obs_<kind>` moves with every start, change of kind and release (geodata.store.stats.apply_delta).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.base.codes import content_code
from geodata.base.layers import control_character_problem, length_problem
from geodata.base.problems import PermissionDenied, Problem, Rejected
from geodata.base.vocab import OBSERVATION_KINDS, Term, parse_term
from geodata.people import authority, reach
from geodata.people.accounts import actor_of
from geodata.situation.alerts import SYMPTOM, raise_alert
from geodata.situation.history import kinds_as_of
from geodata.situation.risk import ancestor_at, community_of, select_units
from geodata.situation.symptoms import excluded_through
from geodata.store.hierarchy import path_upper_bound
from geodata.situation.targets import not_after_today
from geodata.store.models import Alert, Case, HealthCheck, Observation, Person, User
from geodata.store.rules_config import get_setting
from geodata.store.stats import apply_delta
from geodata.store.writes import Actor, WriteContext

#: symptoms to report "第一时间" (§2.4)
SYMPTOMS = {t.code: t for t in (
    Term("fever", "发热", "Fever"),
    Term("cough", "咳嗽", "Cough"),
    Term("diarrhoea", "腹泻", "Diarrhoea"),
    Term("short_breath", "气促", "Shortness of breath", ("气短", "呼吸急促")),
    Term("dry_cough", "干咳", "Dry cough"),
    Term("fatigue", "乏力", "Fatigue"),
    Term("sore_throat", "咽痛", "Sore throat", ("咽喉痛",)),
)}

SIGN_ROLES = {"cadre": ("包保干部", "responsible cadre"), "medic": ("包保医务人员", "responsible medic")}


def _get(session: Session, code: str, actor: Actor | None = None, action: str | None = None) -> Observation:
    """The observation `code`; with `actor`, one answer for unknown and outside a scoped actor's scope, after the
    role of `action` (geodata.people.reach, issue 18)."""
    return reach.find(session, actor, Observation, code, ("隔离观察记录编号", "observation code"), action=action)


def fever_limit(session: Session) -> float:
    """Above this a temperature is a fever at a health check or a door-to-door visit (§2.4: 高于37.3℃). The
    checkpoint gate has its own setting and reads it as "at or above" (issue 15; geodata.fieldwork.entries)."""
    return float(get_setting(session, "observation")["fever_celsius"])


def is_fever(temperature: float | None, limit: float) -> bool:
    return temperature is not None and float(temperature) > limit


def rule_days(session: Session, kind: str) -> int:
    """Days an observation of `kind` lasts by the "observation" setting (留观: until screened, §2.5)."""
    cfg = get_setting(session, "observation")
    return int(cfg["temporary_days"] if kind == "temporary" else cfg["days"])


def earliest_end(session: Session, kind: str, start: dt.date, exposed_on: dt.date | None = None) -> dt.date:
    """The earliest planned end the rule allows: the start, or the last exposure when later, plus the rule's days
    (000 §1(四)3: no one shortens the 14 days by hand)."""
    base = max(start, exposed_on) if exposed_on is not None else start
    return base + dt.timedelta(days=rule_days(session, kind))


def end_problem(session: Session, kind: str, start: dt.date, planned_end: dt.date,
                exposed_on: dt.date | None = None) -> Problem | None:
    """The refusal of a planned end that ends the observation early (the form's and the hand edit's), or None."""
    floor = earliest_end(session, kind, start, exposed_on)
    if planned_end >= floor:
        return None
    if planned_end < start:
        return Problem(f"计划解除日期早于开始日期（{start}）", f"planned end is before the start ({start})",
                       field="planned_end")
    days = rule_days(session, kind)
    return Problem(f"计划解除日期 {planned_end} 早于规定的 {floor}（自{'末次接触' if exposed_on and exposed_on > start else '开始'}"
                   f"之日起满{days}天），观察期不能人为缩短",
                   f"planned end {planned_end} is before {floor} ({days} days from the "
                   f"{'last exposure' if exposed_on and exposed_on > start else 'start'}): the observation period "
                   f"cannot be shortened by hand", field="planned_end")


def find_case(session: Session, code: str | None, field: str = "source_case", actor: Actor | None = None
              ) -> Case | None:
    """The case a contact was exposed to, by code (None when no code is given).

    With `actor` (a command): a case outside a scoped person's scope answers exactly as an unknown code does
    (geodata.people.reach, issue 18) — otherwise typing case codes into this field would tell which exist in other
    streets. So a community or grid links only a source case of its own area; a contact of a case elsewhere is
    linked by someone whose scope holds both (the street, the district, the command centre)."""
    if not code:
        return None
    return reach.find(session, actor, Case, code, ("来源病例编号", "source case code"), field=field)


def start_observation(ctx: WriteContext, person_code: str, kind: str, *, start: dt.date | None = None,
                      code: str | None = None, planned_end: dt.date | None = None, place: str | None = None,
                      reason: str | None = None, origin: str | None = None, cadre_name: str | None = None,
                      medic_name: str | None = None, source_case: str | None = None,
                      exposed_on: dt.date | None = None) -> Observation:
    """Put a person under observation from `start` (default today) to start + 14 days (§2.5), or later: a
    planned end before that is refused. `source_case`: the case this person is a contact of; `exposed_on`: the
    last contact. A person already under observation who is exposed again (a later `exposed_on`) keeps the open
    observation with 14 days from the new exposure (`record_exposure`)."""
    person = reach.find(ctx.session, ctx.actor, Person, person_code, ("人员编码", "person code"),
                        action="edit.observation", field="person_code")
    authority.require(ctx.actor, "edit.observation", person.path)
    open_obs = ctx.session.execute(select(Observation.code).where(
        Observation.person_id == person.id, Observation.released_on.is_(None))).scalar()
    if open_obs and exposed_on is not None:
        return record_exposure(ctx, open_obs, exposed_on, source_case=source_case)
    kcode = parse_term(OBSERVATION_KINDS, kind)
    problems = []
    if kcode is None:
        problems.append(Problem(f"未知隔离方式: {kind}", f"unknown observation kind: {kind!r}", field="kind"))
    if open_obs:
        problems.append(Problem(f"该人员已在隔离观察中（{open_obs}）；再次接触请填写接触日期",
                                f"already under observation ({open_obs}); for a new exposure give its date",
                                field="person_code"))
    start = not_after_today(start or dt.date.today(), "隔离开始", "observation start", "start")
    if exposed_on is not None:
        not_after_today(exposed_on, "接触", "exposure", "exposed_on")
    source = find_case(ctx.session, source_case, actor=ctx.actor)
    if kcode is not None:
        planned_end = planned_end or earliest_end(ctx.session, kcode, start, exposed_on)
        too_early = end_problem(ctx.session, kcode, start, planned_end, exposed_on)
        if too_early is not None:
            problems.append(too_early)
    # the code an import of this record would give it (person + start, geodata.base.codes), unless one is given
    code = code or content_code("OBS", person.code, start)
    twin = ctx.session.execute(select(Observation.code).where(Observation.code == code)).scalar()
    if twin:
        problems.append(Problem(f"记录编号已存在（该人员同一开始日期已有隔离观察记录）: {twin}",
                                f"record code exists (this person has an observation from that day): {twin}",
                                field="code"))
    if problems:
        raise Rejected(problems)
    obs = Observation(code=code, person_id=person.id,
                      path=person.path, kind=kcode, place=place, start_date=start, planned_end=planned_end,
                      reason=reason, origin=origin, cadre_name=cadre_name, medic_name=medic_name,
                      source_case_id=source.id if source else None, exposed_on=exposed_on)
    ctx.session.add(obs)
    ctx.session.flush()
    apply_delta(ctx.session, person.path, **{f"obs_{kcode}": 1})
    ctx.record("observation.create", "observation", obs.code, path=obs.path,
               new={"person": person.code, "kind": kcode, "path": obs.path, "start_date": start,
                    "planned_end": planned_end, "place": place, "reason": reason, "origin": origin,
                    "source_case": source.code if source else None, "exposed_on": exposed_on},
               reason=f"{OBSERVATION_KINDS[kcode].zh} / {OBSERVATION_KINDS[kcode].en}")
    return obs


def record_exposure(ctx: WriteContext, observation_code: str, exposed_on: dt.date, *,
                    source_case: str | None = None) -> Observation:
    """A person under observation is a close contact again (issue 14 point 5): the period restarts — the planned
    end becomes 14 days after the new exposure (never earlier than it was), signatures already given no longer
    count, and the event keeps the old and the new end. Refused for a released observation, an exposure after
    today, or one not later than the exposure (or start) the period already runs from."""
    obs = _get(ctx.session, observation_code, ctx.actor, "edit.observation")
    authority.require(ctx.actor, "edit.observation", obs.path)
    exposed_on = not_after_today(exposed_on, "接触", "exposure", "exposed_on")
    source = find_case(ctx.session, source_case, actor=ctx.actor)
    current = max(obs.start_date, obs.exposed_on) if obs.exposed_on else obs.start_date
    problems = []
    if obs.released_on is not None:
        problems.append(Problem(f"已于{obs.released_on}解除，请重新登记隔离观察",
                                f"released on {obs.released_on}: start a new observation", field="code"))
    if exposed_on <= current:
        problems.append(Problem(f"接触日期 {exposed_on} 不晚于观察的起算日期 {current}，观察期不变",
                                f"exposure {exposed_on} is not after the date the period runs from ({current})",
                                field="exposed_on"))
    if problems:
        raise Rejected(problems)
    old = {"exposed_on": obs.exposed_on, "planned_end": obs.planned_end,
           "source_case": _case_code(ctx.session, obs.source_case_id),
           "cadre_signed_by": obs.cadre_signed_by, "medic_signed_by": obs.medic_signed_by}
    obs.exposed_on = exposed_on
    obs.planned_end = max(obs.planned_end, earliest_end(ctx.session, obs.kind, obs.start_date, exposed_on))
    if source is not None:
        obs.source_case_id = source.id
    obs.cadre_signed_by = obs.cadre_signed_at = obs.medic_signed_by = obs.medic_signed_at = None
    ctx.session.flush()
    ctx.record("observation.reexposure", "observation", obs.code, path=obs.path, old=old,
               new={"exposed_on": exposed_on, "planned_end": obs.planned_end,
                    "source_case": _case_code(ctx.session, obs.source_case_id)},
               reason=f"再次密切接触，观察期自{exposed_on}重新计算 / exposed again: the period runs from {exposed_on}")
    return obs


def _case_code(session: Session, case_id: int | None) -> str | None:
    return session.get(Case, case_id).code if case_id else None


def change_observation_kind(ctx: WriteContext, code: str, kind: str, *, place: str | None = None) -> Observation:
    """Move an observee to another kind, e.g. home → centralised when home conditions are lacking (§2.5)."""
    obs = _get(ctx.session, code, ctx.actor, "edit.observation")
    authority.require(ctx.actor, "edit.observation", obs.path)
    kcode = parse_term(OBSERVATION_KINDS, kind)
    if kcode is None:
        raise Rejected([Problem(f"未知隔离方式: {kind}", f"unknown observation kind: {kind!r}", field="kind")])
    if obs.released_on is not None:
        raise Rejected([Problem("已解除的观察不能修改", "this observation has ended", field="code")])
    if kcode == obs.kind and place is None:
        return obs
    old = obs.kind
    obs.kind = kcode
    # 留观 → 居家/集中: the new kind's days run from the start (or the last exposure), never fewer
    obs.planned_end = max(obs.planned_end, earliest_end(ctx.session, kcode, obs.start_date, obs.exposed_on))
    if place is not None:
        obs.place = place
    ctx.session.flush()
    apply_delta(ctx.session, obs.path, **({f"obs_{old}": -1, f"obs_{kcode}": 1} if old != kcode else {}))
    ctx.record("observation.kind", "observation", obs.code, path=obs.path, old={"kind": old},
               new={"kind": kcode, "place": obs.place}, reason="变更隔离方式 / observation kind changed")
    return obs


def _reading(temperature: float | None, symptoms: Iterable[str]) -> tuple[list[Problem], list[str | None]]:
    """The problems of a temperature and a list of symptom words (the health check's and a resident report's one
    rule), and the symptom codes parsed (None where unknown)."""
    symptoms = list(symptoms)
    problems = []
    parsed = [parse_term(SYMPTOMS, s) for s in symptoms]
    unknown = [s for s, p in zip(symptoms, parsed, strict=True) if p is None]
    if unknown:
        problems.append(Problem(f"未知症状: {'、'.join(map(str, unknown))}", f"unknown symptoms: {unknown}",
                                field="symptoms"))
    if temperature is not None and not 34.0 <= float(temperature) <= 43.0:
        problems.append(Problem(f"体温不合理: {temperature}", f"implausible temperature: {temperature}",
                                field="temperature"))
    return problems, parsed


@dataclass(frozen=True)
class HealthCheckResult:
    check: HealthCheck
    fever: bool
    symptoms: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return self.fever or bool(self.symptoms)


def record_health_check(ctx: WriteContext, observation_code: str, *, on: dt.date | None = None,
                        temperature: float | None = None, symptoms: Iterable[str] = ()) -> HealthCheckResult:
    """Record the daily follow-up; >37.3 ℃ or a symptom flags it and raises a symptom alert (§2.4, §3.4)."""
    obs = _get(ctx.session, observation_code, ctx.actor, "health_check.record")
    authority.require(ctx.actor, "health_check.record", obs.path)
    on = on or dt.date.today()
    problems, parsed = _reading(temperature, symptoms)
    if on < obs.start_date or (obs.released_on is not None and on > obs.released_on):
        problems.append(Problem("日期不在观察期内", "the date is outside the observation", field="on"))
    if problems:
        raise Rejected(problems)
    fever = is_fever(temperature, fever_limit(ctx.session))
    codes = tuple(dict.fromkeys(p for p in parsed if p))
    check = HealthCheck(observation_id=obs.id, checked_on=on, temperature=temperature, symptoms=list(codes),
                        recorded_by=ctx.actor.username, recorded_at=ctx.now)
    ctx.session.add(check)
    ctx.session.flush()
    result = HealthCheckResult(check, fever, codes)
    ctx.record("health_check.record", "observation", obs.code, path=obs.path,
               new={"on": on, "temperature": temperature, "symptoms": list(codes), "flagged": result.flagged})
    if result.flagged:
        words_zh = ([f"体温{temperature}℃"] if fever else []) + [SYMPTOMS[c].zh for c in codes]
        words_en = ([f"{temperature} °C"] if fever else []) + [SYMPTOMS[c].en.lower() for c in codes]
        raise_alert(ctx, "symptom", community_of(ctx.session, obs.path), on,
                    f"隔离观察对象 {obs.code} 出现异常：{'、'.join(words_zh)}，请安排上门收治/就诊",
                    f"person under observation {obs.code}: {', '.join(words_en)} — arrange a visit/referral",
                    {"observation": obs.code, "temperature": temperature, "symptoms": list(codes)},
                    subject_code=obs.code)
    return result


REPORT_NOTE_MAX = 500


def report_resident_symptoms(ctx: WriteContext, person_code: str, *, on: dt.date | None = None,
                             temperature: float | None = None, symptoms: Iterable[str] = (),
                             note: str | None = None) -> Alert:
    """A resident who is not under observation is reported with symptoms (issue 14 point 3; 004 (一)4 上传机制):
    a fever (above `fever_limit`, §2.4 高于37.3℃) or at least one listed symptom raises the same symptom alert as a
    flagged health check — for the person's community, addressed to the street and the district health role, the
    person's code as its subject — and its follow-up (上门收治/转诊/排除) clears it. A second report of the same
    person on the same day joins the open alert (its readings added) instead of raising another.

    Refused: a person outside the reporter's scope (the same answer as an unknown code), a day after today, no
    fever and no symptom, an unknown symptom or implausible temperature, a note with control characters or too
    long, a person under observation that day (their health check raises the alert)."""
    person = reach.find(ctx.session, ctx.actor, Person, person_code, ("人员编码", "person code"),
                        action="symptom.report", field="person_code")
    authority.require(ctx.actor, "symptom.report", person.path)
    on = not_after_today(on or dt.date.today(), "症状上报", "symptom report", "on")
    symptoms = list(symptoms)
    problems, parsed = _reading(temperature, symptoms)
    codes = tuple(dict.fromkeys(p for p in parsed if p))
    fever = is_fever(temperature, fever_limit(ctx.session))
    if not problems and not fever and not codes:
        limit = fever_limit(ctx.session)
        problems.append(Problem(f"请填写发热（体温高于{limit}℃）或至少一项症状", f"give a fever (above {limit} °C) "
                                f"or at least one symptom", field="symptoms"))
    note = (note or "").strip() or None
    if note is not None:
        for bad in (control_character_problem(note, "note"), length_problem(note, REPORT_NOTE_MAX)):
            if bad is not None:
                problems.append(Problem(bad[0], bad[1], field="note"))
    observed = ctx.session.execute(select(Observation.code).where(
        Observation.person_id == person.id, Observation.start_date <= on,
        (Observation.released_on.is_(None)) | (Observation.released_on >= on))).scalar()
    if observed:
        problems.append(Problem(f"该人员正在隔离观察中（{observed}），请在“我的网格”的健康随访表中登记体温和症状",
                                f"this person is under observation ({observed}): record the temperature and "
                                f"symptoms in the health check form on My grid", field="person_code"))
    if problems:
        raise Rejected(problems)
    reading = {"on": on.isoformat(), "temperature": temperature, "symptoms": list(codes), "note": note,
               "by": ctx.actor.username}
    joined = ctx.session.execute(select(Alert).where(
        Alert.kind == SYMPTOM, Alert.subject_code == person.code, Alert.raised_on == on,
        Alert.acknowledged_by.is_(None)).order_by(Alert.id).limit(1)).scalar_one_or_none()
    if joined is not None:
        old = dict(joined.details or {})
        merged = tuple(dict.fromkeys([*old.get("symptoms", []), *codes]))
        temps = [x for x in (old.get("temperature"), temperature) if x is not None]
        joined.details = {**old, "symptoms": list(merged), "temperature": max(temps) if temps else None,
                          "reports": [*old.get("reports", []), reading]}
        ctx.session.flush()
        ctx.record("symptom.report", "alert", str(joined.id), path=person.path,
                   old={"symptoms": old.get("symptoms"), "temperature": old.get("temperature")},
                   new={"person": person.code, "on": on, "temperature": temperature, "symptoms": list(codes),
                        "note": note, "joined": joined.id},
                   reason="同日再次上报，并入未处置的症状预警 / reported again the same day: joined the open alert")
        return joined
    words_zh = ([f"体温{temperature}℃"] if fever else []) + [SYMPTOMS[c].zh for c in codes]
    words_en = ([f"{temperature} °C"] if fever else []) + [SYMPTOMS[c].en.lower() for c in codes]
    alert = raise_alert(ctx, SYMPTOM, community_of(ctx.session, person.path), on,
                        f"居民 {person.code}（未在隔离观察）出现症状：{'、'.join(words_zh)}，请安排上门收治/就诊",
                        f"resident {person.code} (not under observation): {', '.join(words_en)} — arrange a "
                        f"visit/referral",
                        {"person": person.code, "temperature": temperature, "symptoms": list(codes),
                         "reports": [reading]}, subject_code=person.code)
    ctx.record("symptom.report", "person", person.code, path=person.path,
               new={"on": on, "temperature": temperature, "symptoms": list(codes), "note": note,
                    "alert": alert.id}, reason="上报有症状居民 / resident reported with symptoms")
    return alert


def sign_release(ctx: WriteContext, observation_code: str, role: str, *, on: dt.date | None = None) -> Observation:
    """Sign the release as the 包保干部 (role='cadre') or the 包保医务人员 (role='medic'), §2.5.

    Refused before the planned end (14 days), after a flagged health check during the observation (unless a
    follow-up of its symptom alert ruled it out, geodata.situation.symptoms), twice for
    the same role, or when one person would sign for both roles. The second signature ends the observation
    (`released_on = on`) and takes the person off the counts."""
    if role not in SIGN_ROLES:
        raise Rejected([Problem(f"签字身份应为 cadre 或 medic: {role}", f"role must be cadre or medic: {role!r}",
                                field="role")])
    obs = _get(ctx.session, observation_code, ctx.actor, f"release.sign.{role}")
    authority.require(ctx.actor, f"release.sign.{role}", obs.path)
    _require_named_signer(ctx.session, ctx.actor, obs, role)
    on = not_after_today(on or dt.date.today(), "签字", "signature")
    zh, en = SIGN_ROLES[role]
    problems = []
    if obs.released_on is not None:
        problems.append(Problem(f"已于{obs.released_on}解除", f"already released on {obs.released_on}", field="code"))
    if on < obs.planned_end:
        problems.append(Problem(f"观察未满期，计划解除日期为{obs.planned_end}",
                                f"observation not over: planned end is {obs.planned_end}", field="on"))
    checks = ctx.session.execute(select(HealthCheck.checked_on, HealthCheck.temperature, HealthCheck.symptoms).where(
        HealthCheck.observation_id == obs.id, HealthCheck.checked_on >= obs.start_date, HealthCheck.checked_on <= on
    ).order_by(HealthCheck.checked_on)).all()
    limit = fever_limit(ctx.session)
    bad = [r.checked_on for r in checks if is_fever(r.temperature, limit) or r.symptoms]
    cleared = excluded_through(ctx.session, obs.code)  # a follow-up ruled the symptoms out (issue 14 point 3)
    bad = [d for d in bad if cleared is None or d > cleared]
    if bad:
        problems.append(Problem(f"观察期内有发热或症状记录（{bad[-1]}），不能解除",
                                f"fever or symptoms recorded during the observation ({bad[-1]}): no release",
                                field="health_checks"))
    signed_by = obs.cadre_signed_by if role == "cadre" else obs.medic_signed_by
    other_by = obs.medic_signed_by if role == "cadre" else obs.cadre_signed_by
    if signed_by:
        problems.append(Problem(f"{zh}已签字（{signed_by}）", f"the {en} has already signed ({signed_by})", field="role"))
    if other_by and other_by == ctx.actor.username:
        problems.append(Problem("包保干部与包保医务人员须为两名不同人员",
                                "the cadre and the medic must be two different people", field="role"))
    if problems:
        raise Rejected(problems)
    if role == "cadre":
        obs.cadre_signed_by, obs.cadre_signed_at = ctx.actor.username, ctx.now
    else:
        obs.medic_signed_by, obs.medic_signed_at = ctx.actor.username, ctx.now
    ctx.record("observation.sign", "observation", obs.code, path=obs.path,
               new={"role": role, "by": ctx.actor.username, "on": on}, reason=f"{zh}签字 / signed by the {en}")
    if obs.cadre_signed_by and obs.medic_signed_by:
        obs.released_on = on
        apply_delta(ctx.session, obs.path, **{f"obs_{obs.kind}": -1})
        ctx.record("observation.release", "observation", obs.code, path=obs.path,
                   old={"released_on": None}, new={"released_on": on, "cadre": obs.cadre_signed_by,
                                                   "medic": obs.medic_signed_by},
                   reason="包保干部与包保医务人员共同签字解除 / released with both sign-offs")
    ctx.session.flush()
    return obs


def _display_name(session: Session, actor: Actor) -> str | None:
    """The name the account signs with: a signed-in user's display name, else the stored one."""
    name = getattr(actor, "display_name", None)
    if name:
        return str(name)
    return session.execute(select(User.display_name).where(User.username == actor.username)).scalar()


def named_signer(session: Session, actor: Actor, obs: Observation, role: str) -> bool:
    """Is `actor` the person who signs as `role` for this observation: the account the street assigned, or —
    none assigned — the account whose display name is the observation's 包保干部 / 包保医务人员? System processes
    (imports, the demo) sign for anyone."""
    if actor.role == authority.SYSTEM:
        return True
    account = obs.cadre_account if role == "cadre" else obs.medic_account
    if account:
        return actor.username == account
    name = (obs.cadre_name if role == "cadre" else obs.medic_name) or ""
    return bool(name.strip()) and _display_name(session, actor) == name.strip()


def _require_named_signer(session: Session, actor: Actor, obs: Observation, role: str) -> None:
    if named_signer(session, actor, obs, role):
        return
    zh, en = SIGN_ROLES[role]
    who = (obs.cadre_account if role == "cadre" else obs.medic_account) or \
        (obs.cadre_name if role == "cadre" else obs.medic_name)
    if who:
        raise PermissionDenied(f"只有本观察登记的{zh}（{who}）或街道指定的人员可以签字",
                               f"only this observation's {en} ({who}) or someone the street assigns may sign")
    raise PermissionDenied(f"本观察未登记{zh}：请街道指定签字人员", f"no {en} is named on this observation: the "
                           f"street assigns who signs")


def assign_signer(ctx: WriteContext, observation_code: str, role: str, username: str) -> Observation:
    """The street names the account that signs as `role` (issue 14 point 4 "or someone the street assigns"):
    the account must exist, be active, and hold the signing action for this observation's place."""
    if role not in SIGN_ROLES:
        raise Rejected([Problem(f"签字身份应为 cadre 或 medic: {role}", f"role must be cadre or medic: {role!r}",
                                field="role")])
    obs = _get(ctx.session, observation_code, ctx.actor, "release.assign")
    authority.require(ctx.actor, "release.assign", obs.path)
    zh, en = SIGN_ROLES[role]
    user = ctx.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    problems = []
    if user is None or not user.active:
        problems.append(Problem(f"用户不存在或已停用: {username}", f"no active user {username!r}", field="username"))
    elif not authority.allowed(actor_of(ctx.session, user), f"release.sign.{role}", obs.path):
        problems.append(Problem(f"{user.display_name}（{username}）无权在此以{zh}身份签字",
                                f"{username} may not sign as the {en} here", field="username"))
    if obs.released_on is not None:
        problems.append(Problem(f"已于{obs.released_on}解除", f"already released on {obs.released_on}", field="code"))
    if (obs.cadre_signed_by if role == "cadre" else obs.medic_signed_by):
        problems.append(Problem(f"{zh}已签字", f"the {en} has already signed", field="role"))
    if problems:
        raise Rejected(problems)
    old = {"account": obs.cadre_account if role == "cadre" else obs.medic_account,
           "name": obs.cadre_name if role == "cadre" else obs.medic_name}
    if role == "cadre":
        obs.cadre_account, obs.cadre_name = user.username, user.display_name
    else:
        obs.medic_account, obs.medic_name = user.username, user.display_name
    ctx.session.flush()
    ctx.record("observation.assign_signer", "observation", obs.code, path=obs.path, old=old,
               new={"role": role, "account": user.username, "name": user.display_name},
               reason=f"街道指定{zh} / the street assigns the {en}")
    return obs


def releases_due(session: Session, on: dt.date | None = None, *, scope_path: str | None = None) -> pd.DataFrame:
    """Observations whose planned end is `on` (due_today) or earlier (overdue) and that are not released, with
    their sign-offs: the list a community works through each day. No names (join persons under scope rules)."""
    on = on or dt.date.today()
    params = {"on": on, "lo": scope_path or "/", "hi": path_upper_bound(scope_path or "/")}
    rows = session.execute(text(
        "SELECT o.code, o.kind, o.path, o.person_id, o.start_date, o.planned_end, o.cadre_signed_by, "
        "o.medic_signed_by FROM observations o WHERE o.released_on IS NULL AND o.planned_end <= :on "
        "AND o.start_date <= :on AND o.path >= :lo AND o.path < :hi ORDER BY o.planned_end, o.code"), params).all()
    frame = pd.DataFrame(rows, columns=["code", "kind", "path", "person_id", "start_date", "planned_end",
                                        "cadre_signed_by", "medic_signed_by"])
    frame["planned_end"] = pd.to_datetime(frame["planned_end"]).dt.date
    frame["days_overdue"] = [(on - d).days for d in frame["planned_end"]]
    frame["status"] = ["due_today" if d == 0 else "overdue" for d in frame["days_overdue"]]
    return frame


def observation_counts(session: Session, on: dt.date | None = None, unit_ids: list[int] | None = None, *,
                       level: int | None = None, parent: object = None) -> pd.DataFrame:
    """People under observation on `on`, by kind, per unit (start ≤ on and not released by then): the date-aware
    twin of unit_stats.obs_* for the map's time control. Children's counts add up to their parent's."""
    on = on or dt.date.today()
    units = select_units(session, unit_ids, level=level, parent=parent)
    rows = session.execute(text(
        "SELECT code, path, kind FROM observations WHERE start_date <= :on AND (released_on IS NULL OR "
        "released_on > :on)"), {"on": on}).all()
    obs = kinds_as_of(session, pd.DataFrame(rows, columns=["code", "path", "kind"]), on)  # that day's kind
    kinds = list(OBSERVATION_KINDS)
    parts = []
    for lvl, group in units.groupby("level"):
        keyed = obs.assign(_key=ancestor_at(obs["path"], int(lvl)))
        keyed = keyed[keyed["_key"].isin(group["id"])]
        wide = pd.crosstab(keyed["_key"], keyed["kind"]).reindex(columns=kinds, fill_value=0)
        parts.append(group.merge(wide, left_on="id", right_index=True, how="left"))
    out = pd.concat(parts, ignore_index=True) if parts else units
    for k in kinds:
        out[k] = out[k].fillna(0).astype("int64") if k in out.columns else 0
    out["total"] = out[kinds].sum(axis=1)
    return out.rename(columns={"id": "unit_id", "level": "unit_level", **{k: f"obs_{k}" for k in kinds}})
