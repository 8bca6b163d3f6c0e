"""无疫小区 (epidemic-free compound) lifecycle: application, review, award of the flag and its revocation (domain
file §2.9, `001_7a5a7b7568cbf5a5.txt` §七; scenario 20).

    draft ──self_assess (score ≥ pass mark, evidence attached)──▶ self_assessed
          ──street_review (街道/乡镇 supervisor)──▶ street_reviewed      (not approved: returned → self_assess again)
          ──county_evaluate (county HQ: 明查 + 暗访)──▶ county_evaluated  (failed: rejected)
          ──publish_notice (公示)──▶ public_notice ──award_flag (授旗, after the notice period)──▶ awarded
          ──revoke (取消授旗: by the HQ; a confirmed case after the award proposes it, the HQ confirms)──▶ revoked

Who takes each step (§5.3: "无疫小区 flag granted/revoked only by county/city HQ"; supervisors do the street
review): the compound's community head or grid leader applies and self-assesses; the supervisor of the street
reviews; the command centre evaluates, publishes, awards, rejects and revokes. Every step is one write with a
`honour.<step>` event and a row in `honour_steps`.

Dynamic management (§2.9 "取消授旗荣誉"; 001 §七: the flag is given and taken by the county HQ; issue 14 point 12):
a confirmed case reported in a flagged compound on or after the award day — on the award day too, because
`award_flag` refuses a compound with a recent case, so a case of that day was not known when the flag was given —
*proposes* the revocation: an alert of kind `honour_revocation` for the command centre (`propose_on_confirmed_case`
inside the case's own transaction; `sync_proposals` catches cases that arrived by bulk import, idempotent). The
command centre confirms it (`confirm_revocation`: the flag is revoked, logged under that person) or dismisses it
with a reason (`dismiss_revocation`: the flag stays, the decision is in the application's history).

Rounds are quarterly (§2.9: apply in the last 10 days of the quarter, accepted in the first 10 days of the next;
each street applies for at least one compound per round); `round_status` gives per street what is due, applied,
awarded and revoked. The numbers are the "honours" setting (defaults below).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level
from geodata.people import authority, reach
from geodata.situation.alerts import HONOUR_REVOCATION, open_alerts, raise_alert, resolve_alert
from geodata.situation.targets import not_after_today
from geodata.store.hierarchy import path_upper_bound, unit_by_code
from geodata.store.models import Alert, Case, Unit
from geodata.store.reports_models import HonourApplication, HonourAttachment, HonourStep
from geodata.store.rules_config import DEFAULTS, get_setting
from geodata.store.writes import WriteContext

#: defaults of the "honours" setting live with the other rule parameters (rules_config, with their sources)
HONOUR_DEFAULTS: dict[str, Any] = DEFAULTS["honours"]

STATES: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "Draft"),
    "returned": ("退回修改", "Returned"),
    "self_assessed": ("已自评申报", "Self-assessed"),
    "street_reviewed": ("街道初审通过", "Street-reviewed"),
    "county_evaluated": ("县级评估通过", "County-evaluated"),
    "public_notice": ("公示中", "Public notice"),
    "awarded": ("已授旗", "Flag awarded"),
    "revoked": ("已取消授旗", "Flag revoked"),
    "rejected": ("未通过", "Rejected"),
}
#: states that count as "applied" in a round (sent on by the compound)
APPLIED_STATES = frozenset({"self_assessed", "street_reviewed", "county_evaluated", "public_notice", "awarded",
                            "revoked", "rejected"})

#: step → the states it starts from; who may take it is the action "honours.<step>" of geodata.people.authority
STEPS: dict[str, tuple[str, ...]] = {
    "apply": (),
    "attach": ("draft", "returned", "self_assessed"),
    "self_assess": ("draft", "returned"),
    "street_review": ("self_assessed",),
    "county_evaluate": ("street_reviewed",),
    "publish_notice": ("county_evaluated",),
    "award": ("public_notice",),
    "reject": ("street_reviewed", "county_evaluated", "public_notice"),
    "revoke": ("awarded",),
}


def settings(session: Session) -> dict[str, Any]:
    return {**HONOUR_DEFAULTS, **get_setting(session, "honours")}


# --- quarters --------------------------------------------------------------------------------------------------


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of "2026Q4"."""
    try:
        year, q = int(quarter[:4]), int(quarter[-1])
        if quarter[4] != "Q" or not 1 <= q <= 4:
            raise ValueError
    except (ValueError, IndexError):
        raise Rejected([Problem(f"季度格式应为 2026Q4: {quarter}", f"quarter must look like 2026Q4: {quarter!r}",
                                field="quarter")]) from None
    start = dt.date(year, 3 * q - 2, 1)
    nxt = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def round_window(session: Session, quarter: str) -> dict[str, dt.date]:
    """The round's dates (§2.9): applications in the last `apply_days` of the quarter, acceptance and flags
    within the first `accept_days` of the next."""
    cfg = settings(session)
    start, end = quarter_bounds(quarter)
    return {"quarter_start": start, "quarter_end": end,
            "apply_from": end - dt.timedelta(days=int(cfg["apply_days"]) - 1), "apply_until": end,
            "accept_until": end + dt.timedelta(days=int(cfg["accept_days"]))}


# --- permission ------------------------------------------------------------------------------------------------


def action(step: str) -> str:
    """The action of the one table (geodata.people.authority) that takes `step`."""
    return f"honours.{step}"


def steps_for(actor: Any, application: HonourApplication) -> list[str]:
    """The steps `actor` may take on `application` now (what a page offers as buttons)."""
    return [s for s, starts in STEPS.items()
            if application.state in starts and authority.allowed(actor, action(s), application.path)]


# --- the steps ---------------------------------------------------------------------------------------------------


def _get(session: Session, code: str, actor: Any = None) -> HonourApplication:
    """The application `code`; with `actor`, one answer for unknown and outside a scoped actor's scope (issue 18)."""
    return reach.find(session, actor, HonourApplication, code, ("申报编号", "application code"))


def _step(ctx: WriteContext, app: HonourApplication, step: str, to_state: str, on: dt.date,
          note: str | None = None, details: dict[str, Any] | None = None, *, check: bool = True) -> HonourStep:
    """Move `app` to `to_state` by `step`: permission, from-state, the step row and the event."""
    starts, entry = STEPS[step], authority.action(action(step))
    zh, en = entry.zh, entry.en
    if check:
        authority.require(ctx.actor, action(step), app.path)
    if app.state not in starts:
        raise Rejected([Problem(f"当前状态为“{STATES[app.state][0]}”，不能{zh}",
                                f"the application is {STATES[app.state][1].lower()}: cannot {en}", field="state")])
    old = app.state
    app.state = to_state
    app.updated_at = ctx.now
    row = HonourStep(application_id=app.id, step=step, from_state=old, to_state=to_state, taken_on=on,
                     actor=ctx.actor.username, role=ctx.actor.role, note=note, details=details or {}, at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record(f"honour.{step}", "honour", app.code, path=app.path, old={"state": old},
               new={"state": to_state, "on": on, **(details or {})}, reason=note or f"{zh} / {en}")
    return row


def _compound(session: Session, code: str, actor: Any = None) -> Unit:
    unit = reach.find(session, actor, Unit, code, ("小区/自然村编码", "compound code"), field="compound_code")
    if unit.level != Level.COMPOUND:
        raise Rejected([Problem(f"{code} 不是小区/自然村", f"{code} is not a compound", field="compound_code")])
    return unit


def flag_holder(session: Session, compound_id: int) -> HonourApplication | None:
    """The application whose flag the compound holds now (awarded, not revoked), if any."""
    return session.execute(select(HonourApplication).where(
        HonourApplication.compound_id == compound_id, HonourApplication.state == "awarded")).scalars().first()


def start_application(ctx: WriteContext, compound_code: str, *, quarter: str | None = None,
                      on: dt.date | None = None, note: str | None = None) -> HonourApplication:
    """Open an application (draft) for a compound in the round of `quarter` (default: the quarter of `on`)."""
    on = on or dt.date.today()
    comp = _compound(ctx.session, compound_code, ctx.actor)
    authority.require(ctx.actor, action("apply"), comp.path)
    quarter = quarter or quarter_of(on)
    quarter_bounds(quarter)
    problems = []
    if flag_holder(ctx.session, comp.id) is not None:
        problems.append(Problem(f"{comp.name}已获授旗，无需重复申报", f"{comp.name} already holds the flag",
                                field="compound_code"))
    if ctx.session.execute(select(HonourApplication.id).where(HonourApplication.compound_id == comp.id,
                                                              HonourApplication.quarter == quarter)).first():
        problems.append(Problem(f"{comp.name}在{quarter}已有申报", f"{comp.name} already applied in {quarter}",
                                field="quarter"))
    if problems:
        raise Rejected(problems)
    app = HonourApplication(code=f"WY-{quarter}-{comp.code}", compound_id=comp.id, path=comp.path, quarter=quarter,
                            state="draft", items={}, created_by=ctx.actor.username, created_at=ctx.now,
                            updated_at=ctx.now)
    ctx.session.add(app)
    ctx.session.flush()
    ctx.session.add(HonourStep(application_id=app.id, step="apply", from_state=None, to_state="draft", taken_on=on,
                               actor=ctx.actor.username, role=ctx.actor.role, note=note, details={}, at=ctx.now))
    ctx.record("honour.apply", "honour", app.code, path=app.path,
               new={"state": "draft", "compound": comp.code, "quarter": quarter, "on": on},
               reason=note or "创建无疫小区申报 / application started")
    return app


def attach_evidence(ctx: WriteContext, application_code: str, file_name: str, content: bytes, *,
                    content_type: str | None = None) -> HonourAttachment:
    """Store one evidence file (佐证资料) with its SHA-256; refused when empty or above the size limit."""
    app = _get(ctx.session, application_code, ctx.actor)
    authority.require(ctx.actor, action("attach"), app.path)
    if app.state not in STEPS["attach"]:
        raise Rejected([Problem(f"当前状态为“{STATES[app.state][0]}”，不能再上传资料",
                                f"the application is {STATES[app.state][1].lower()}: no more evidence",
                                field="state")])
    limit = int(settings(ctx.session)["max_attachment_bytes"])
    name = (file_name or "").strip().replace("\\", "/").rsplit("/", 1)[-1]
    problems = []
    if not name:
        problems.append(Problem("文件名不能为空", "the file needs a name", field="file_name"))
    if not content:
        problems.append(Problem("文件为空", "the file is empty", field="content"))
    elif len(content) > limit:
        problems.append(Problem(f"文件过大（{len(content):,} 字节，上限 {limit:,}）",
                                f"file too large ({len(content):,} bytes, limit {limit:,})", field="content"))
    if problems:
        raise Rejected(problems)
    digest = hashlib.sha256(content).hexdigest()
    att = HonourAttachment(application_id=app.id, file_name=name[:255], content_type=content_type, size=len(content),
                           sha256=digest, content=bytes(content), uploaded_by=ctx.actor.username,
                           uploaded_at=ctx.now)
    ctx.session.add(att)
    ctx.session.flush()
    ctx.record("honour.attach", "honour", app.code, path=app.path,
               new={"file_name": att.file_name, "size": att.size, "sha256": digest},
               reason=f"上传佐证资料 / evidence attached: {att.file_name}")
    return att


def submit_self_assessment(ctx: WriteContext, application_code: str, score: int, *,
                           items: dict[str, Any] | None = None, on: dt.date | None = None,
                           note: str | None = None) -> HonourApplication:
    """Send the self-assessment (自评表) on to the street: refused below the pass mark (default 60, §2.9) and,
    when the setting asks for it, without evidence."""
    on = on or dt.date.today()
    app = _get(ctx.session, application_code, ctx.actor)
    authority.require(ctx.actor, action("self_assess"), app.path)
    cfg = settings(ctx.session)
    pass_mark, max_score = int(cfg["pass_mark"]), int(cfg["max_score"])
    problems = []
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= max_score:
        problems.append(Problem(f"自评分应为 0–{max_score} 的整数: {score!r}",
                                f"the score must be a whole number 0–{max_score}: {score!r}", field="score"))
    elif score < pass_mark:
        problems.append(Problem(f"自评{score}分，低于及格线{pass_mark}分，不能报送",
                                f"self-assessment {score} is below the pass mark {pass_mark}: cannot be sent on",
                                field="score"))
    if cfg["evidence_required"] and not ctx.session.execute(select(HonourAttachment.id).where(
            HonourAttachment.application_id == app.id)).first():
        problems.append(Problem("请先上传佐证资料", "attach the evidence first", field="attachments"))
    if problems:
        raise Rejected(problems)
    app.score, app.pass_mark, app.items, app.applied_on = score, pass_mark, dict(items or {}), on
    _step(ctx, app, "self_assess", "self_assessed", on, note, {"score": score, "pass_mark": pass_mark},
          check=False)
    return app


def street_review(ctx: WriteContext, application_code: str, *, approve: bool = True, note: str | None = None,
                  on: dt.date | None = None) -> HonourApplication:
    """街道(乡镇)初审: approved → street_reviewed; not approved → returned to the compound (a note is required)."""
    app = _get(ctx.session, application_code, ctx.actor)
    if not approve and not (note or "").strip():
        authority.require(ctx.actor, action("street_review"), app.path)
        raise Rejected([Problem("退回须说明原因", "say why it is returned", field="note")])
    _step(ctx, app, "street_review", "street_reviewed" if approve else "returned", on or dt.date.today(), note,
          {"approved": bool(approve)})
    return app


def county_evaluate(ctx: WriteContext, application_code: str, *, passed: bool = True, note: str | None = None,
                    inspections: tuple[str, ...] = ("明查", "暗访"), on: dt.date | None = None) -> HonourApplication:
    """县疫情防控指挥部评估 (明查 + 暗访, §2.9): passed → county_evaluated; failed → rejected (a note is required)."""
    app = _get(ctx.session, application_code, ctx.actor)
    if not passed and not (note or "").strip():
        authority.require(ctx.actor, action("county_evaluate"), app.path)
        raise Rejected([Problem("未通过须说明原因", "say why it failed", field="note")])
    if passed:
        _step(ctx, app, "county_evaluate", "county_evaluated", on or dt.date.today(), note,
              {"passed": True, "inspections": list(inspections)})
    else:
        authority.require(ctx.actor, action("county_evaluate"), app.path)
        _step(ctx, app, "reject", "rejected", on or dt.date.today(), note,
              {"passed": False, "inspections": list(inspections)})
    return app


def publish_notice(ctx: WriteContext, application_code: str, *, on: dt.date | None = None,
                   note: str | None = None) -> HonourApplication:
    """公示: the notice runs `notice_days` from `on`; the flag can be awarded when it is over."""
    on = on or dt.date.today()
    app = _get(ctx.session, application_code, ctx.actor)
    _step(ctx, app, "publish_notice", "public_notice", on, note,
          {"notice_days": int(settings(ctx.session)["notice_days"])})
    app.notice_from = on
    return app


def _recent_cases(session: Session, path: str, kinds: list[str], since: dt.date, until: dt.date) -> pd.DataFrame:
    params: dict[str, Any] = {"lo": path, "hi": path_upper_bound(path), "since": since, "until": until,
                              **{f"k{i}": k for i, k in enumerate(kinds)}}
    sql = ("SELECT code, kind, reported_on FROM cases WHERE path >= :lo AND path < :hi AND reported_on >= :since "
           f"AND reported_on <= :until AND kind IN ({', '.join(':k' + str(i) for i in range(len(kinds)))}) "
           "ORDER BY reported_on, code")
    return pd.DataFrame(session.execute(text(sql), params).all(), columns=["code", "kind", "reported_on"])


def award_flag(ctx: WriteContext, application_code: str, *, on: dt.date | None = None,
               note: str | None = None) -> HonourApplication:
    """授旗 (command centre): refused before the notice period is over and while the compound has a confirmed case
    within the last `clean_days` (it would fail criterion 4, §2.9)."""
    on = on or dt.date.today()
    app = _get(ctx.session, application_code, ctx.actor)
    authority.require(ctx.actor, action("award"), app.path)
    cfg = settings(ctx.session)
    problems = []
    if app.state == "public_notice" and app.notice_from is not None:
        ends = app.notice_from + dt.timedelta(days=int(cfg["notice_days"]))
        if on < ends:
            problems.append(Problem(f"公示期未满（{app.notice_from} 起 {cfg['notice_days']} 天，{ends} 可授旗）",
                                    f"the public notice runs until {ends}", field="on"))
    cases = _recent_cases(ctx.session, app.path, list(cfg["revoke_case_kinds"]),
                          on - dt.timedelta(days=int(cfg["clean_days"]) - 1), on)
    if len(cases):
        problems.append(Problem(f"近{cfg['clean_days']}天内有确诊病例（{'、'.join(cases['code'])}），不能授旗",
                                f"confirmed case(s) within {cfg['clean_days']} days ({', '.join(cases['code'])}): "
                                f"no flag", field="cases"))
    if problems:
        raise Rejected(problems)
    _step(ctx, app, "award", "awarded", on, note)
    app.awarded_on = on
    return app


def reject_application(ctx: WriteContext, application_code: str, reason: str, *,
                       on: dt.date | None = None) -> HonourApplication:
    """The command centre stops an application (e.g. an objection during the notice); a reason is required."""
    app = _get(ctx.session, application_code, ctx.actor)
    authority.require(ctx.actor, action("reject"), app.path)
    if not (reason or "").strip():
        raise Rejected([Problem("驳回须说明原因", "say why it is rejected", field="reason")])
    _step(ctx, app, "reject", "rejected", on or dt.date.today(), reason)
    return app


def _revoke(ctx: WriteContext, app: HonourApplication, on: dt.date, reason: str, details: dict[str, Any],
            *, check: bool) -> HonourApplication:
    _step(ctx, app, "revoke", "revoked", on, reason, details, check=check)
    app.revoked_on, app.revoked_reason = on, reason
    return app


def revoke_flag(ctx: WriteContext, application_code: str, reason: str, *,
                on: dt.date | None = None) -> HonourApplication:
    """取消授旗 by the command centre (the compound no longer meets the criteria); a reason is required."""
    app = _get(ctx.session, application_code, ctx.actor)
    authority.require(ctx.actor, action("revoke"), app.path)
    if not (reason or "").strip():
        raise Rejected([Problem("取消授旗须说明原因", "say why the flag is revoked", field="reason")])
    return _revoke(ctx, app, on or dt.date.today(), reason, {"automatic": False}, check=False)


def _proposal_reason(case_codes: list[str]) -> str:
    return (f"小区出现确诊病例{'、'.join(case_codes)}，经指挥部确认取消授旗 / confirmed case(s) "
            f"{', '.join(case_codes)} in the compound: revocation confirmed by the command centre")


def _proposals_of(session: Session, app: HonourApplication) -> list[Alert]:
    """Every revocation proposal ever raised for `app` (open or dealt with), oldest first."""
    return list(session.execute(select(Alert).where(Alert.kind == HONOUR_REVOCATION, Alert.subject_code == app.code)
                                .order_by(Alert.id)).scalars())


def _propose(ctx: WriteContext, app: HonourApplication, cases: list[tuple[str, dt.date]]) -> Alert | None:
    """Raise (or extend) the proposal to revoke `app`'s flag for `cases` ((code, reported_on)) not yet in one of
    its proposals. One open proposal per flag: a further case is added to it, so the command centre decides once."""
    proposals = _proposals_of(ctx.session, app)
    covered = {c for p in proposals for c in (p.details or {}).get("cases", [])}
    new = [(c, d) for c, d in cases if c not in covered]
    if not new:
        return None
    open_ = next((p for p in proposals if p.acknowledged_by is None), None)
    if open_ is not None:
        old = list(open_.details.get("cases", []))
        open_.details = {**open_.details, "cases": old + [c for c, _ in new],
                         "case_days": [*open_.details.get("case_days", []), *[d.isoformat() for _, d in new]]}
        ctx.session.flush()
        ctx.record("alert.update", "alert", str(open_.id), path=open_.path, old={"cases": old},
                   new={"cases": open_.details["cases"]}, reason="取消授旗建议增加病例 / case added to the proposal")
        return open_
    compound = ctx.session.get(Unit, app.compound_id)
    codes = [c for c, _ in new]
    return raise_alert(
        ctx, HONOUR_REVOCATION, compound, new[0][1],
        f"{compound.name}出现确诊病例{'、'.join(codes)}，建议取消无疫小区授旗，待指挥部确认",
        f"{compound.name}: confirmed case(s) {', '.join(codes)}; revoking its flag awaits the command centre",
        {"application": app.code, "cases": codes, "case_days": [d.isoformat() for _, d in new]},
        subject_code=app.code)


def propose_on_confirmed_case(ctx: WriteContext, compound_id: int | None, case: Case) -> list[Alert]:
    """Call in the transaction that records `case`: when it is of a revoking kind (confirmed) and reported on or
    after the award day of a flag its compound holds, propose to revoke that flag (an alert for the county
    command centre, 001 §七: the flag is revoked only by the HQ; issue 14 point 12). Nothing is revoked here.
    Returns the proposals raised or extended (usually none)."""
    if compound_id is None:
        return []
    kinds = list(settings(ctx.session)["revoke_case_kinds"])
    if case.kind not in kinds:
        return []
    compound = ctx.session.get(Unit, compound_id)
    holders = ctx.session.execute(select(HonourApplication).where(
        HonourApplication.state == "awarded", HonourApplication.awarded_on <= case.reported_on,
        HonourApplication.path >= compound.path, HonourApplication.path < path_upper_bound(compound.path))
    ).scalars().all()
    out = [_propose(ctx, app, [(case.code, case.reported_on)]) for app in holders]
    return [p for p in out if p is not None]


def sync_proposals(ctx: WriteContext, on: dt.date | None = None, *, check: bool = True) -> list[Alert]:
    """Propose revoking every flag whose compound has a confirmed case reported on or after its award day and by
    `on` that no proposal names yet (cases imported in bulk bypass `propose_on_confirmed_case`). Idempotent: a
    case already proposed (even if dismissed) is not proposed again. `check=False` inside an import, whose
    permission was checked: a proposal changes no flag."""
    on = on or dt.date.today()
    if check:
        authority.require(ctx.actor, action("sync"))
    kinds = list(settings(ctx.session)["revoke_case_kinds"])
    holders = ctx.session.execute(select(HonourApplication).where(
        HonourApplication.state == "awarded").order_by(HonourApplication.id)).scalars().all()
    done = []
    for app in holders:
        cases = _recent_cases(ctx.session, app.path, kinds, app.awarded_on, on)
        if len(cases):
            days = _as_dates(cases["reported_on"])
            proposal = _propose(ctx, app, list(zip(cases["code"], days, strict=True)))
            if proposal is not None:
                done.append(proposal)
    return done


def _open_proposal(session: Session, alert_id: int, expected_version: int | None) -> tuple[Alert,
                                                                                           HonourApplication]:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.kind != HONOUR_REVOCATION:
        raise Rejected([Problem(f"取消授旗建议不存在: {alert_id}", f"no such revocation proposal: {alert_id}",
                                field="alert_id")])
    if alert.acknowledged_by is not None:
        raise Rejected([Problem(f"该建议已由 {alert.acknowledged_by} 处理", f"already dealt with by "
                                f"{alert.acknowledged_by}", field="alert_id")])
    if expected_version is not None and alert.version != expected_version:
        raise Rejected([Problem("该建议已被他人处理，请刷新", "changed by someone else since you read it: reload",
                                field="version")])
    return alert, _get(session, alert.subject_code)


def confirm_revocation(ctx: WriteContext, alert_id: int, *, note: str | None = None, on: dt.date | None = None,
                       expected_version: int | None = None) -> HonourApplication:
    """The command centre confirms a proposal: the flag is revoked (取消授旗) on `on` (default today, not after
    today), logged under the person who confirmed, and the proposal closes."""
    alert, app = _open_proposal(ctx.session, alert_id, expected_version)
    authority.require(ctx.actor, action("revoke"), app.path)
    on = not_after_today(on or dt.date.today(), "取消授旗", "revocation")
    cases = list((alert.details or {}).get("cases", []))
    reason = (note or "").strip() or _proposal_reason(cases)
    _revoke(ctx, app, on, reason, {"automatic": False, "proposal": alert.id, "cases": cases}, check=False)
    resolve_alert(ctx, alert, f"指挥部确认取消授旗（{app.code}）", f"the command centre revoked the flag ({app.code})")
    return app


def dismiss_revocation(ctx: WriteContext, alert_id: int, reason: str, *, on: dt.date | None = None,
                       expected_version: int | None = None) -> Alert:
    """The command centre dismisses a proposal (the flag stays): a reason is required; the decision is a step of
    the application's history (awarded → awarded) and an event, and the proposal closes. Its cases are not
    proposed again; a later case raises a new proposal."""
    alert, app = _open_proposal(ctx.session, alert_id, expected_version)
    authority.require(ctx.actor, action("dismiss_revocation"), app.path)
    if not (reason or "").strip():
        raise Rejected([Problem("保留旗帜须说明理由", "say why the flag is kept", field="reason")])
    on = not_after_today(on or dt.date.today(), "驳回建议", "dismissal")
    reason = reason.strip()
    cases = list((alert.details or {}).get("cases", []))
    ctx.session.add(HonourStep(application_id=app.id, step="dismiss_revocation", from_state=app.state,
                               to_state=app.state, taken_on=on, actor=ctx.actor.username, role=ctx.actor.role,
                               note=reason, details={"proposal": alert.id, "cases": cases}, at=ctx.now))
    ctx.record("honour.dismiss_revocation", "honour", app.code, path=app.path, old={"state": app.state},
               new={"state": app.state, "on": on, "proposal": alert.id, "cases": cases}, reason=reason)
    resolve_alert(ctx, alert, f"指挥部驳回取消授旗建议：{reason}", f"the command centre kept the flag: {reason}")
    return alert


def revocation_proposals(session: Session, unit_code: str | None = None) -> pd.DataFrame:
    """Open proposals to revoke a flag under `unit_code` (default everything), oldest first: alert id and
    version, application, compound, cases and their days, raised on / by."""
    path = unit_by_code(session, unit_code).path if unit_code else "/"
    frame = open_alerts(session, scope_path=path, kinds=(HONOUR_REVOCATION,))
    cols = ["id", "version", "application", "compound_code", "compound_name", "cases", "case_days", "raised_on",
            "raised_by", "title_zh", "title_en", "path"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame = frame.sort_values(["raised_on", "id"]).reset_index(drop=True)
    frame["application"] = frame["subject_code"]
    frame["compound_code"], frame["compound_name"] = frame["unit_code"], frame["unit_name"]
    frame["cases"] = frame["details"].map(lambda d: "、".join((d or {}).get("cases", [])))
    frame["case_days"] = frame["details"].map(lambda d: "、".join((d or {}).get("case_days", [])))
    frame["raised_on"] = _as_dates(frame["raised_on"])
    return frame[cols]


# --- reads -------------------------------------------------------------------------------------------------------

APPLICATION_COLUMNS = ["code", "compound_code", "compound_name", "community_name", "street_code", "street_name",
                       "quarter", "state", "state_zh", "state_en", "score", "pass_mark", "applied_on", "notice_from",
                       "awarded_on", "revoked_on", "revoked_reason", "attachments", "version", "path"]


def applications(session: Session, unit_code: str | None = None, *, quarter: str | None = None,
                 states: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Applications under `unit_code` (default everything), newest round first, with compound, community and
    street names and the number of evidence files."""
    path = unit_by_code(session, unit_code).path if unit_code else "/"
    params: dict[str, Any] = {"lo": path, "hi": path_upper_bound(path)}
    where = ""
    if quarter:
        where += " AND a.quarter = :quarter"
        params["quarter"] = quarter
    if states:
        where += f" AND a.state IN ({', '.join(':s' + str(i) for i in range(len(states)))})"
        params.update({f"s{i}": s for i, s in enumerate(states)})
    rows = session.execute(text(
        "SELECT a.code, c.code, c.name, a.quarter, a.state, a.score, a.pass_mark, a.applied_on, a.notice_from, "
        "a.awarded_on, a.revoked_on, a.revoked_reason, a.version, a.path, "
        "(SELECT count(*) FROM honour_attachments t WHERE t.application_id = a.id) "
        "FROM honour_applications a JOIN units c ON c.id = a.compound_id "
        f"WHERE a.path >= :lo AND a.path < :hi{where} ORDER BY a.quarter DESC, a.code"), params).all()
    frame = pd.DataFrame(rows, columns=["code", "compound_code", "compound_name", "quarter", "state", "score",
                                        "pass_mark", "applied_on", "notice_from", "awarded_on", "revoked_on",
                                        "revoked_reason", "version", "path", "attachments"])
    for col in ("applied_on", "notice_from", "awarded_on", "revoked_on"):
        frame[col] = _as_dates(frame[col])
    frame = _with_parents(session, frame)
    frame["state_zh"] = frame["state"].map(lambda s: STATES[s][0])
    frame["state_en"] = frame["state"].map(lambda s: STATES[s][1])
    return frame.reindex(columns=APPLICATION_COLUMNS)


def _as_dates(values: pd.Series) -> pd.Series:
    """Dates as `datetime.date` or None: raw SQL hands SQLite dates back as text, PostgreSQL as dates."""
    def one(v: Any) -> dt.date | None:
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
            return None
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        return dt.date.fromisoformat(str(v)[:10])
    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def _with_parents(session: Session, frame: pd.DataFrame) -> pd.DataFrame:
    """Community and street names of each row's path."""
    if frame.empty:
        return frame.assign(community_name=[], street_code=[], street_name=[])
    parts = frame["path"].str.strip("/").str.split("/")
    comm_ids = parts.map(lambda p: int(p[int(Level.COMMUNITY) - 1]))
    street_ids = parts.map(lambda p: int(p[int(Level.STREET) - 1]))
    ids = sorted(set(comm_ids) | set(street_ids))
    names = {r[0]: (r[1], r[2]) for r in session.execute(select(Unit.id, Unit.code, Unit.name).where(
        Unit.id.in_(ids))).all()}
    return frame.assign(community_name=[names.get(i, ("", ""))[1] for i in comm_ids],
                        street_code=[names.get(i, ("", ""))[0] for i in street_ids],
                        street_name=[names.get(i, ("", ""))[1] for i in street_ids])


def application(session: Session, code: str) -> HonourApplication:
    return _get(session, code)


def steps(session: Session, code: str) -> pd.DataFrame:
    """The history of one application: step, from → to, day, who (and in which role), note."""
    app = _get(session, code)
    rows = session.execute(select(HonourStep.step, HonourStep.from_state, HonourStep.to_state, HonourStep.taken_on,
                                  HonourStep.actor, HonourStep.role, HonourStep.note, HonourStep.at).where(
        HonourStep.application_id == app.id).order_by(HonourStep.id)).all()
    return pd.DataFrame(rows, columns=["step", "from_state", "to_state", "on", "actor", "role", "note", "at"])


def attachments(session: Session, code: str) -> pd.DataFrame:
    """Evidence files of one application (without their bytes: `attachment_content` reads one)."""
    app = _get(session, code)
    rows = session.execute(select(HonourAttachment.id, HonourAttachment.file_name, HonourAttachment.content_type,
                                  HonourAttachment.size, HonourAttachment.sha256, HonourAttachment.uploaded_by,
                                  HonourAttachment.uploaded_at).where(
        HonourAttachment.application_id == app.id).order_by(HonourAttachment.id)).all()
    return pd.DataFrame(rows, columns=["id", "file_name", "content_type", "size", "sha256", "uploaded_by",
                                       "uploaded_at"])


def attachment_content(session: Session, attachment_id: int) -> tuple[str, str | None, bytes]:
    att = session.get(HonourAttachment, attachment_id)
    if att is None:
        raise Rejected([Problem(f"附件不存在: {attachment_id}", f"no such attachment: {attachment_id}", field="id")])
    return att.file_name, att.content_type, bytes(att.content)


@dataclass(frozen=True)
class FlagStyle:
    zh: str
    en: str
    colour: str


#: the flag layer: awarded red flag, revoked grey crossed flag (Okabe-Ito vermillion / grey, as the map themes)
FLAG_STYLES = {"awarded": FlagStyle("无疫小区（已授旗）", "Epidemic-free compound", "#D55E00"),
               "revoked": FlagStyle("已取消授旗", "Flag revoked", "#999999")}


def flags(session: Session, unit_code: str | None = None, on: dt.date | None = None) -> pd.DataFrame:
    """The flag layer: every compound under `unit_code` that held a flag on `on` (awarded, not yet revoked) or
    had it revoked by then — code, name, state (awarded | revoked), dates, reason, label point (lon, lat), colour.
    Without `on`, the stored states."""
    frame = applications(session, unit_code, states=("awarded", "revoked"))
    if frame.empty:
        return frame.assign(lon=[], lat=[], flag="", colour="")
    if on is not None:
        held = frame["awarded_on"].map(lambda d: d is not None and d <= on)
        frame = frame[held.to_numpy()].copy()
        frame["state"] = ["revoked" if (r is not None and r <= on) else "awarded" for r in frame["revoked_on"]]
    # one row per compound: its latest round
    frame = frame.sort_values("quarter").groupby("compound_code", as_index=False).last()
    points = dict((r[0], (r[1], r[2])) for r in session.execute(select(Unit.code, Unit.label_lon, Unit.label_lat)
                                                                .where(Unit.code.in_(list(frame["compound_code"]))))
                  .all())
    frame["lon"] = [points[c][0] for c in frame["compound_code"]]
    frame["lat"] = [points[c][1] for c in frame["compound_code"]]
    frame["flag"] = frame["state"]
    frame["colour"] = frame["state"].map(lambda s: FLAG_STYLES[s].colour)
    frame["state_zh"] = frame["state"].map(lambda s: STATES[s][0])
    frame["state_en"] = frame["state"].map(lambda s: STATES[s][1])
    return frame.reset_index(drop=True)


ROUND_COLUMNS = ["street_code", "street_name", "compounds", "flags_held", "quota", "due", "applied", "in_review",
                 "awarded", "revoked", "rejected"]


def round_status(session: Session, unit_code: str, quarter: str) -> pd.DataFrame:
    """The quarterly round per street at or under `unit_code` (§2.9, §4.2 "无疫小区 pipeline"): compounds, flags
    held now, the quota (≥1 application per street per round), `due` (applications the street still owes this
    round), applied (sent on by the compound this round), in_review, awarded (this round's applications that got
    the flag, even if revoked since), revoked (flags of any round revoked within the quarter: dynamic
    management), rejected."""
    quarter_bounds(quarter)
    unit = unit_by_code(session, unit_code)
    lo, hi = unit.path, path_upper_bound(unit.path)
    if unit.level > Level.STREET:  # a community or below: its street's row
        street = session.get(Unit, int(unit.path.strip("/").split("/")[int(Level.STREET) - 1]))
        lo, hi = street.path, path_upper_bound(street.path)
    streets = pd.DataFrame(session.execute(text(
        "SELECT id, code, name, path FROM units WHERE level = :lvl AND path >= :lo AND path < :hi ORDER BY code"),
        {"lvl": int(Level.STREET), "lo": lo, "hi": hi}).all(), columns=["id", "code", "name", "path"])
    compounds = pd.DataFrame(session.execute(text(
        "SELECT path FROM units WHERE level = :lvl AND path >= :lo AND path < :hi"),
        {"lvl": int(Level.COMPOUND), "lo": lo, "hi": hi}).all(), columns=["path"])
    apps = pd.DataFrame(session.execute(text(
        "SELECT path, quarter, state, revoked_on FROM honour_applications WHERE path >= :lo AND path < :hi"),
        {"lo": lo, "hi": hi}).all(), columns=["path", "quarter", "state", "revoked_on"])
    start, end = quarter_bounds(quarter)
    quota = int(settings(session)["quota_per_street"])

    def street_of(paths: pd.Series) -> pd.Series:
        return paths.str.strip("/").str.split("/").map(lambda p: int(p[int(Level.STREET) - 1]))

    out = streets.rename(columns={"code": "street_code", "name": "street_name"})
    out["compounds"] = out["id"].map(street_of(compounds["path"]).value_counts() if len(compounds) else {})
    if len(apps):
        apps["sid"] = street_of(apps["path"])
        this = apps[apps["quarter"] == quarter]
        out["flags_held"] = out["id"].map(apps[apps["state"] == "awarded"].groupby("sid").size())
        out["applied"] = out["id"].map(this[this["state"].isin(APPLIED_STATES)].groupby("sid").size())
        review = this["state"].isin(("self_assessed", "street_reviewed", "county_evaluated", "public_notice"))
        out["in_review"] = out["id"].map(this[review].groupby("sid").size())
        out["awarded"] = out["id"].map(this[this["state"].isin(("awarded", "revoked"))].groupby("sid").size())
        revoked_on = _as_dates(apps["revoked_on"])
        in_quarter = revoked_on.map(lambda d: d is not None and start <= d <= end)
        out["revoked"] = out["id"].map(apps[in_quarter.to_numpy()].groupby("sid").size())
        out["rejected"] = out["id"].map(this[this["state"] == "rejected"].groupby("sid").size())
    for col in ("compounds", "flags_held", "applied", "in_review", "awarded", "revoked", "rejected"):
        out[col] = out[col].fillna(0).astype("int64") if col in out.columns else 0
    out["quota"] = quota
    out["due"] = (quota - out["applied"]).clip(lower=0).astype("int64")
    return out[ROUND_COLUMNS].reset_index(drop=True)


def candidates(session: Session, unit_code: str, quarter: str) -> pd.DataFrame:
    """Compounds at or under `unit_code` that may open an application in `quarter`: no flag held and no
    application in that round yet. Columns code, name, community_name, street_name."""
    unit = unit_by_code(session, unit_code)
    rows = session.execute(text(
        "SELECT c.code, c.name, c.path FROM units c WHERE c.level = :lvl AND c.path >= :lo AND c.path < :hi "
        "AND NOT EXISTS (SELECT 1 FROM honour_applications a WHERE a.compound_id = c.id AND (a.state = 'awarded' "
        "OR a.quarter = :q)) ORDER BY c.code"),
        {"lvl": int(Level.COMPOUND), "lo": unit.path, "hi": path_upper_bound(unit.path), "q": quarter}).all()
    frame = _with_parents(session, pd.DataFrame(rows, columns=["code", "name", "path"]))
    return frame.reindex(columns=["code", "name", "community_name", "street_name"])
