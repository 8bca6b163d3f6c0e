"""Control states of buildings and natural villages (管控状态), set by rules and by authorised people, and the
guard on lifting them (domain file §2.3, §2.2 "响应终止", scenarios 2, 4, 6, 23).

States (§2.3): normal 常态化防控 · closed 封闭管理 (one entrance only) · epidemic_spot 疫点 (a case's building,
awaiting 终末消毒) · sealed 封锁/硬隔离 · lifted 已解除. A *target* is a building, or a compound — above all a rural
natural village, which "can be sealed just like a building" (§1.1 building ↔ natural village, scenario 23).

- Rules (called by `geodata.situation.cases.record_case`) only ever raise a state: a case's building becomes a 疫点, a
  natural village with a case is sealed (封闭式硬隔离, `000_7bd660b113904959.txt` §1), the buildings of a cluster
  are hard-isolated (`000` §3).
- People change states with `set_control` (community head, grid leader, supervisor, command centre; §5.3), with a
  reason, optionally against the version they read (a concurrent edit cannot silently win).
- Leaving 疫点/封锁 is guarded (§2.2 termination, `000` §3): no close contact of the target's cases (by source link,
  wherever they live) with fewer than 14 days of observation, no new case within 14 days, terminal disinfection
  recorded after the last case; then an expert assessment (`record_expert_assessment`) and the command centre's decision (`decide_lift`).

Each change is one `control.change` event (old → new state, effective date, rule, cases, reason) and keeps
`unit_stats.sealed_buildings` in step (buildings only: the counter holds buildings, see geodata.store.stats).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.base.problems import PermissionDenied, Problem, Rejected
from geodata.base.vocab import CONTROL_CHOICES, CONTROL_STATES, SEAL_BASES, Level, parse_term
from geodata.people import authority, scope
from geodata.situation.disinfection import refresh_shortfall_alerts
from geodata.situation.history import CONTROL_ACTION, compound_control_as_of, state_counts
from geodata.situation.risk import ancestor_at, common_path, select_units
from geodata.situation.targets import Target, not_after_today, resolve_target
from geodata.store.models import Case, Disinfection, ExpertAssessment, LiftDecision, Observation
from geodata.store.rules_config import get_setting, observation_days
from geodata.store.stats import SEALED_STATES, apply_delta
from geodata.store.writes import Actor, WriteContext

#: how strong a state is; rules only move a target up this scale
SEVERITY = {"normal": 0, "lifted": 0, "closed": 1, "epidemic_spot": 2, "sealed": 3}
#: states that only a lift decision ends (§2.2 响应终止)
GUARDED = frozenset({"epidemic_spot", "sealed"})
assert GUARDED == frozenset(SEALED_STATES)
#: the basis a rule's sealing records (vocab.SEAL_BASES): the rules seal by 硬隔离 — a natural village with a confirmed
#: case (000 §1(三) 封闭式硬隔离) and a cluster's buildings (000 §3(二) 楼宇、院落); a sealing by hand is 封锁 unless the
#: person says otherwise (000 §3(一)4: 楼栋等防控区域封锁 on the health commission's advice)
RULE_BASIS = {"village_case_sealed": "hard_isolation", "cluster_hard_isolation": "hard_isolation"}
MANUAL_BASIS = "lockdown"
#: the action of geodata.people.authority that sets a target's control state: the edit of its own record (so /my-grid's
#: building form and this command answer alike, §5.3)
EDIT_ACTIONS = {"building": "edit.building", "compound": "edit.unit"}


@dataclass(frozen=True)
class ControlChange:
    kind: str
    code: str
    old: str
    new: str
    since: dt.date
    rule: str
    reason: str


def _change(ctx: WriteContext, target: Target, state: str, on: dt.date, reason: str, rule: str,
            cases: Iterable[str] = (), basis: str | None = None) -> ControlChange | None:
    """Write a state change: row, counter, event. No-op when the state is already `state`, unless a sealing is
    given another basis (`_rebase`). A sealing records its basis (封锁 / 硬隔离) on the row and in the event; any
    other state clears it."""
    old, old_since, old_reason = target.state, target.since, target.row.control_reason
    old_basis = target.row.control_basis
    if old == state:
        if state == "sealed" and basis is not None and basis != old_basis:
            return _rebase(ctx, target, basis, on, reason, rule)
        return None
    basis = (basis or RULE_BASIS.get(rule, MANUAL_BASIS)) if state == "sealed" else None
    row = target.row
    row.control_state = state
    row.control_reason = reason
    row.control_since = on
    row.control_basis = basis
    if target.kind == "building":
        delta = int(state in SEALED_STATES) - int(old in SEALED_STATES)
        apply_delta(ctx.session, target.path, sealed_buildings=delta)
    ctx.session.flush()
    ctx.record(CONTROL_ACTION, target.kind, target.code, path=target.path,
               old={"state": old, "since": old_since, "reason": old_reason, "basis": old_basis},
               new={"state": state, "since": on, "rule": rule, "cases": list(cases), "basis": basis}, reason=reason)
    # a back-dated change moves the disinfection norm of the days since: judge them now, not at the next daily run
    refresh_shortfall_alerts(ctx, target, on)
    return ControlChange(target.kind, target.code, old, state, on, rule, reason)


def _rebase(ctx: WriteContext, target: Target, basis: str, on: dt.date, reason: str, rule: str) -> ControlChange:
    """A sealed target given another basis (封锁 → 硬隔离 or back, issue 14 "Words"): the sealing goes on, so its
    start stays (`control_since`: the lift guard counts disinfection and assessments from it, and the replay of
    `control.change` events by `since` keeps the state); the change is a `control.change` event of its own, old →
    new basis, dated `on`, with its reason."""
    row = target.row
    old_basis, old_reason = row.control_basis, row.control_reason
    since = target.since or on  # a sealing from a file may have no start: the replay needs a date
    row.control_basis = basis
    row.control_reason = reason
    ctx.session.flush()
    ctx.record(CONTROL_ACTION, target.kind, target.code, path=target.path,
               old={"state": "sealed", "since": target.since, "reason": old_reason, "basis": old_basis},
               new={"state": "sealed", "since": since, "on": on, "rule": rule, "cases": [], "basis": basis},
               reason=reason)
    return ControlChange(target.kind, target.code, "sealed", "sealed", on, rule, reason)


def control_choices(current: str | None = None) -> list[str]:
    """What a person may pick for a target now showing choice `current` (vocab.CONTROL_CHOICES): every state with
    the sealing as 封锁 and 硬隔离 apart. 已解除 is the command centre's decision after the guard (`decide_lift`) and a
    sealing without a recorded basis is no choice to make anew: each is listed only as the current value."""
    return [c for c in CONTROL_CHOICES if c not in ("lifted", "sealed") or c == current]


def choice_fields(choice: str | None) -> dict[str, str | None]:
    """A control choice as a target's fields for `geodata.editing.records.update_record`: its state and a sealing's
    basis (None for any other state; both None for no known choice, which the edit refuses)."""
    c = CONTROL_CHOICES.get(choice or "")
    return {"control_state": c.state if c else None, "control_basis": c.basis if c else None}


def _check_not_backdated(target: Target, on: dt.date) -> None:
    if target.since is not None and on < target.since:
        raise Rejected([Problem(
            f"生效日期 {on} 早于当前状态的起始日期 {target.since}",
            f"effective date {on} is before the current state's start {target.since}", field="on")])


def set_control(ctx: WriteContext, target_code: str, state: str, reason: str, *, on: dt.date | None = None,
                expected_version: int | None = None, basis: str | None = None) -> ControlChange | None:
    """Set a building's or natural village's control state by hand (§2.3, §5.3), with the reason.

    Refused: unknown state; empty reason; a target changed since `expected_version` was read; leaving 疫点/封锁
    (only `decide_lift` does that, after the guard); setting 已解除 directly; an effective date before the
    current state's start; a `basis` (封锁 / 硬隔离, default 封锁) for any state but sealed. A sealed target given
    another basis is a change of its own (封锁 → 硬隔离, `_rebase`). Returns the change, or None when the state
    (and a sealing's basis) was already so.
    """
    target = resolve_target(ctx.session, target_code, ctx.actor, EDIT_ACTIONS["building"])  # same roles as a unit's
    # the control state is a field of the building (or compound / village) record: its edit action decides
    authority.require(ctx.actor, EDIT_ACTIONS[target.kind], target.path)
    problems = []
    code = parse_term(CONTROL_STATES, state)
    if code is None:
        problems.append(Problem(f"未知管控状态: {state}", f"unknown control state: {state!r}", field="state"))
    if not (reason or "").strip():
        problems.append(Problem("须填写原因", "a reason is required", field="reason"))
    # the word people chose names the basis too: "硬隔离" is sealed by hard isolation, "封锁" by lockdown
    basis_code = parse_term(SEAL_BASES, basis if basis is not None else state)
    if basis is not None and (basis_code is None or code != "sealed"):
        problems.append(Problem(f"封锁依据只适用于“封锁/硬隔离”，且须为封锁或硬隔离: {basis}",
                                f"a sealing basis applies to the sealed state only and is lockdown or hard isolation: "
                                f"{basis!r}", field="basis"))
    if problems:
        raise Rejected(problems)
    if expected_version is not None and target.row.version != expected_version:
        raise Rejected([Problem("该楼栋/自然村已被他人修改，请刷新后重试",
                                "changed by someone else since you read it: reload and try again", field="version")])
    if code == "lifted" or (target.state in GUARDED and code not in GUARDED):
        raise Rejected([Problem(
            "解除疫点/封锁不在此处设置：请在该楼栋/自然村卡片的“解除管控”中登记终末消毒、专家评估，"
            "条件满足后由指挥部决定解除",
            "an epidemic spot or sealing is not ended here: under \"Lifting\" on the building's or village's card, "
            "record the terminal disinfection and the expert assessment; once the conditions hold the command "
            "centre decides the lift", field="state")])
    on = not_after_today(on or dt.date.today(), "生效", "effective")
    _check_not_backdated(target, on)
    return _change(ctx, target, code, on, reason.strip(), "manual", basis=basis_code)


#: the name the issue uses; a natural-village code works too (scenario 23)
set_building_control = set_control


def raise_by_rule(ctx: WriteContext, target: Target, state: str, on: dt.date, rule: str, reason: str,
                  cases: Iterable[str] = ()) -> ControlChange | None:
    """A rule's change: only upwards (never weakens a state); dated no earlier than the current state."""
    if SEVERITY[state] <= SEVERITY.get(target.state, 0):
        return None
    on = max(on, target.since) if target.since else on
    return _change(ctx, target, state, on, reason, rule, cases)


# --- the lift guard --------------------------------------------------------------------------------------------


#: who acts on each item of the guard: the actions that clear it (geodata.people.authority.ACTIONS). No one
#: clears "new_case" — only time does; "contacts" clears when the observations run their days and are released.
LIFT_STEPS: dict[str, tuple[str, ...]] = {
    "state": (),
    "contacts": ("release.sign.cadre", "release.sign.medic"),
    "new_case": (),
    "terminal_disinfection": ("disinfection.record",),
    "assessment": ("assessment.record",),
}
#: the last step, once every item holds (§2.2: "报市疫情防控指挥部决定终止响应")
DECISION_COMMAND = "control.lift"


@dataclass(frozen=True)
class LiftItem:
    key: str  # state | contacts | new_case | terminal_disinfection | assessment
    ok: bool
    zh: str
    en: str
    codes: tuple[str, ...] = ()

    @property
    def commands(self) -> tuple[str, ...]:
        """The commands whose holders can clear this item (empty: only time clears it)."""
        return LIFT_STEPS.get(self.key, ())


@dataclass
class LiftCheck:
    target_code: str
    state: str
    on: dt.date
    items: list[LiftItem] = field(default_factory=list)
    assessment_id: int | None = None
    #: the assessment that counts (the latest of this sealing, after the last case), whatever its conclusion
    assessment_on: dt.date | None = None
    assessment_conclusion: str | None = None
    version: int = 0  # the target's version when read: a decision is saved against it
    is_village: bool = False
    path: str | None = None  # where the target sits (who may act on it: authority.allowed)
    basis: str | None = None  # a sealing's basis, 封锁 / 硬隔离 (vocab.SEAL_BASES; vocab.control_label names it)

    @property
    def conditions_met(self) -> bool:
        """The epidemiological conditions (everything but the expert assessment)."""
        return all(i.ok for i in self.items if i.key != "assessment")

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items)

    @property
    def guarded(self) -> bool:
        return self.state in GUARDED

    def blocking(self) -> list[LiftItem]:
        """What still stands in the way of the decision, in the order the guard checks it."""
        return [i for i in self.items if not i.ok]

    def problems(self) -> list[Problem]:
        return [Problem(i.zh, i.en, field=i.key) for i in self.items if not i.ok]


def lift_check(session: Session, target_code: str, on: dt.date | None = None) -> LiftCheck:
    """Which lift conditions hold for a target on `on` (§2.2 响应终止, `000_7bd660b113904959.txt` §3):
    close contacts observed ≥14 days, no new case within 14 days, terminal disinfection after the last case,
    and the expert assessment: the latest one made during this sealing and after the last case counts, so a
    "keep" after a "lift" holds the seal until a newer "lift"."""
    on = on or dt.date.today()
    target = resolve_target(session, target_code)
    days = observation_days(session)
    kinds = [*get_setting(session, "situation")["case_kinds"], "suspected"]
    check = LiftCheck(target.code, target.state, on, version=int(target.row.version or 0),
                      is_village=target.is_village, path=target.path, basis=target.row.control_basis)
    items = check.items
    guarded = target.state in GUARDED
    items.append(LiftItem("state", guarded, "" if guarded else f"当前状态为{CONTROL_STATES[target.state].zh}，无需解除",
                          "" if guarded else f"state is {target.state}: nothing to lift"))

    codes = _short_contacts(session, target, on, days)
    items.append(LiftItem(
        "contacts", not codes,
        "" if not codes else f"有{len(codes)}名密切接触者观察未满{days}天：{'、'.join(codes)}",
        "" if not codes else f"{len(codes)} close contact(s) observed fewer than {days} days: {', '.join(codes)}",
        codes))

    last_case = session.execute(select(func.max(Case.reported_on)).where(
        target.cases_filter(), Case.kind.in_(kinds), Case.reported_on <= on)).scalar()
    recent = tuple(session.execute(select(Case.code).where(
        target.cases_filter(), Case.kind.in_(kinds), Case.reported_on <= on,
        Case.reported_on > on - dt.timedelta(days=days))).scalars().all())
    items.append(LiftItem(
        "new_case", not recent,
        "" if not recent else f"{days}天内有新增病例：{'、'.join(recent)}",
        "" if not recent else f"new case(s) within {days} days: {', '.join(recent)}", recent))

    floor = last_case or target.since or dt.date.min
    terminal = session.execute(select(func.max(Disinfection.done_on)).where(
        Disinfection.target_code == target.code, Disinfection.kind == "terminal", Disinfection.done_on <= on,
        Disinfection.done_on >= floor)).scalar()
    items.append(LiftItem(
        "terminal_disinfection", terminal is not None,
        "" if terminal else "无最后一例病例之后的终末消毒记录",
        "" if terminal else "no terminal disinfection recorded after the last case"))
    items.append(_assessment_item(session, target, on, last_case, check))
    return check


#: how far the guard follows contact links from a target's cases: 密接 (1) and 密接的密接 (2), 000 §3(一)2
CONTACT_DEPTH = 2


def _contact_ids(session: Session, target: Target) -> set[int]:
    """Ids of the cases at the target and of their contacts to CONTACT_DEPTH, by source links — wherever the
    contacts live (issue 14 point 6)."""
    found = set(session.execute(select(Case.id).where(
        target.cases_filter(), Case.kind != "close_contact")).scalars())
    frontier = set(found)
    for _ in range(CONTACT_DEPTH):
        if not frontier:
            break
        frontier = set(session.execute(select(Case.id).where(
            Case.source_case_id.in_(frontier), Case.kind == "close_contact")).scalars()) - found
        found |= frontier
    return found


def _short_contacts(session: Session, target: Target, on: dt.date, days: int) -> tuple[str, ...]:
    """Close contacts of the target's cases observed fewer than `days` days on `on` (000 §3 响应终止): the
    observations linked to those cases (from the start or the last exposure, wherever the person lives) and the
    close-contact records linked to them; a close-contact record placed at the target without a source counts
    too (it cannot be told apart). Residents of the target under observation for another reason (a returnee)
    do not hold the lift."""
    linked = _contact_ids(session, target)
    floor = on - dt.timedelta(days=days)
    runs_from = func.coalesce(Observation.exposed_on, Observation.start_date)
    obs = session.execute(select(Observation.code).where(
        Observation.source_case_id.in_(linked), Observation.start_date <= on,
        Observation.released_on.is_(None) | (Observation.released_on > on), runs_from > floor)).scalars().all() \
        if linked else []
    contacts = session.execute(select(Case.code).where(
        Case.kind == "close_contact", Case.reported_on <= on, Case.reported_on > floor,
        Case.source_case_id.in_(linked) | (target.cases_filter() & Case.source_case_id.is_(None)))).scalars().all()
    return tuple(sorted(set(obs) | set(contacts)))


def _assessment_item(session: Session, target: Target, on: dt.date, last_case: dt.date | None,
                     check: LiftCheck) -> LiftItem:
    """The latest assessment of this sealing made after the last case (by date, then by the order recorded):
    it must recommend the lift. An earlier "lift" does not outlive a later "keep"."""
    since_floor = max(d for d in (last_case, target.since, dt.date.min) if d is not None)
    latest = session.execute(select(ExpertAssessment).where(
        ExpertAssessment.target_code == target.code, ExpertAssessment.assessed_on <= on,
        ExpertAssessment.assessed_on >= since_floor).order_by(
        ExpertAssessment.assessed_on.desc(), ExpertAssessment.id.desc())).scalars().first()
    if latest is not None:
        check.assessment_on, check.assessment_conclusion = latest.assessed_on, latest.conclusion
    if latest is not None and latest.conclusion == "lift":
        check.assessment_id = latest.id
        return LiftItem("assessment", True, "", "")
    if latest is not None:
        return LiftItem("assessment", False,
                        f"最新专家评估（{latest.assessed_on}，{latest.experts}）结论为继续管控",
                        f"the latest expert assessment ({latest.assessed_on}, {latest.experts}) says keep the control")
    return LiftItem("assessment", False, "尚无建议解除的专家评估（市卫健委）",
                    "no expert assessment recommending the lift yet")


def lift_status(session: Session, actor: Actor, target_code: str, on: dt.date | None = None) -> LiftCheck:
    """`lift_check` for a person's page: refused outside their scope (the checklist names observations)."""
    target = resolve_target(session, target_code, actor)
    if not scope.can_read(actor, target.path):
        raise PermissionDenied("超出您的管辖范围，无法查看解除条件", "outside your scope: cannot see the lift conditions")
    return lift_check(session, target_code, on)


ASSESSMENT_CONCLUSIONS = {"lift": ("建议解除", "recommend lifting"), "keep": ("继续管控", "keep the control")}


def record_expert_assessment(ctx: WriteContext, target_code: str, *, experts: str, conclusion: str = "lift",
                             on: dt.date | None = None, note: str | None = None) -> ExpertAssessment:
    """Record the experts' assessment of a sealed target (市卫健委 experts; health staff or command centre).
    Refused for a date after today: an assessment cannot be entered before it is made."""
    target = resolve_target(ctx.session, target_code, ctx.actor, "assessment.record")
    authority.require(ctx.actor, "assessment.record", target.path)
    problems = []
    if conclusion not in ASSESSMENT_CONCLUSIONS:
        problems.append(Problem(f"评估结论应为 lift 或 keep: {conclusion}", f"conclusion must be lift or keep: "
                                f"{conclusion!r}", field="conclusion"))
    if not (experts or "").strip():
        problems.append(Problem("须填写评估专家", "name the experts", field="experts"))
    if problems:
        raise Rejected(problems)
    on = not_after_today(on or dt.date.today(), "评估", "assessment")
    row = ExpertAssessment(target_kind=target.kind, target_code=target.code, path=target.path, assessed_on=on,
                           experts=experts.strip(), conclusion=conclusion, note=note, recorded_by=ctx.actor.username,
                           recorded_at=ctx.now, **target.ids())
    ctx.session.add(row)
    ctx.session.flush()
    zh, en = ASSESSMENT_CONCLUSIONS[conclusion]
    ctx.record("expert_assessment.record", target.kind, target.code, path=target.path,
               new={"on": on, "experts": row.experts, "conclusion": conclusion, "assessment_id": row.id},
               reason=f"专家评估：{zh} / expert assessment: {en}")
    return row


def decide_lift(ctx: WriteContext, target_code: str, *, on: dt.date | None = None, reason: str | None = None,
                expected_version: int | None = None) -> LiftDecision:
    """The command centre lifts a 疫点/封锁 (§2.2 响应终止: "市疫情防控指挥部 decides"). Refused unless the actor
    is the command centre and every item of `lift_check` holds; the refusal lists each unmet condition. Refused
    for a date after today: the guard would be read on a day whose cases and assessments are not known yet."""
    target = resolve_target(ctx.session, target_code, ctx.actor, DECISION_COMMAND)
    authority.require(ctx.actor, DECISION_COMMAND, target.path)
    on = not_after_today(on or dt.date.today(), "解除决定", "lift decision")
    if expected_version is not None and target.row.version != expected_version:
        raise Rejected([Problem("该楼栋/自然村已被他人修改，请刷新后重试",
                                "changed by someone else since you read it: reload and try again", field="version")])
    check = lift_check(ctx.session, target_code, on)
    if not check.ok:
        raise Rejected(check.problems())
    _check_not_backdated(target, on)
    previous = target.state
    text_zh = "专家评估后指挥部决定解除"
    text_en = "lifted by the command centre after the expert assessment"
    why = f"{text_zh} / {text_en}" + (f"：{reason.strip()}" if reason and reason.strip() else "")
    decision = LiftDecision(target_kind=target.kind, target_code=target.code, path=target.path, decided_on=on,
                            assessment_id=check.assessment_id, previous_state=previous, reason=reason,
                            decided_by=ctx.actor.username, decided_at=ctx.now, **target.ids())
    ctx.session.add(decision)
    ctx.session.flush()
    _change(ctx, target, "lifted", on, why, "lift_decision")
    return decision


# --- roll-up: grid ← compounds ← buildings ----------------------------------------------------------------------

STATES = tuple(CONTROL_STATES)


def control_summary(session: Session, unit_ids: list[int] | None = None, *, level: int | None = None,
                    parent: object = None, on: dt.date | None = None) -> pd.DataFrame:
    """Per unit: buildings and natural villages below it by control state on `on` (None = now, else replayed
    from the event log), the worst state, and `sealed` (buildings + villages under 疫点/封锁). Derived from the
    buildings and villages each time, so a parent's counts are always the sum of its children's."""
    units = select_units(session, unit_ids, level=level, parent=parent)
    scope = common_path(units["path"]) if len(units) else None
    counts = {kind: state_counts(session, kind, on, scope) for kind in ("building", "village")}
    parts = []
    for lvl, group in units.groupby("level"):
        wides = []
        for kind, prefix in (("building", "buildings"), ("village", "villages")):
            frame = counts[kind]
            keyed = frame.assign(_key=ancestor_at(frame["path"], int(lvl)))
            keyed = keyed[keyed["_key"].isin(group["id"])]
            wide = keyed.pivot_table(index="_key", columns="state", values="n", aggfunc="sum", fill_value=0)
            wide = wide.reindex(columns=list(STATES), fill_value=0)
            wide.columns = [f"{prefix}_{s}" for s in wide.columns]
            wides.append(wide)
        parts.append(group.merge(pd.concat(wides, axis=1), left_on="id", right_index=True, how="left"))
    out = pd.concat(parts, ignore_index=True) if parts else units
    count_cols = [f"{p}_{s}" for p in ("buildings", "villages") for s in STATES]
    for col in count_cols:
        out[col] = out[col].fillna(0).astype("int64") if col in out.columns else 0
    compounds = out.loc[out["level"] == int(Level.COMPOUND), "id"].tolist()
    own = compound_control_as_of(session, on, scope).set_index("id")["state"] if compounds else pd.Series(
        dtype=object)
    out["own_state"] = out["id"].map(own).where(out["level"] == int(Level.COMPOUND))
    rank = pd.Series(0, index=out.index)
    for s in STATES:
        has = (out[f"buildings_{s}"] + out[f"villages_{s}"]) > 0
        rank = rank.where(~has | (rank >= SEVERITY[s]), SEVERITY[s])
    own_rank = out["own_state"].map(SEVERITY).fillna(0).astype("int64")
    rank = rank.where(rank >= own_rank, own_rank)
    by_rank = {0: "normal", 1: "closed", 2: "epidemic_spot", 3: "sealed"}
    out["worst_state"] = rank.map(by_rank)
    out["sealed"] = sum(out[f"{p}_{s}"] for p in ("buildings", "villages") for s in SEALED_STATES)
    return out.rename(columns={"id": "unit_id", "level": "unit_level"})
