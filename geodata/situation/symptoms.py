"""Symptom alerts and their follow-up (issue 14 point 3).

`004_2a51f4f7b2873512.txt` (一)4 上传机制: "对出现发热、气促、干咳等症状者，社区（村）要及时报告街乡镇政府，由街乡镇政府报告区
卫生健康部门，迅速安排就诊". A symptom alert (raised by geodata.situation.alerts.raise_alert with kind "symptom": a
flagged health check, a fever at a checkpoint gate, and a resident not under observation reported with symptoms —
geodata.situation.observations.report_resident_symptoms) is addressed to the street and the district health role
(`details["to"]`); one of them records the follow-up — 上门收治, 转诊 or 排除, by whom, on which day, a note — and
only that clears it: the command centre's acknowledgement does not (geodata.situation.alerts.acknowledge_alert).

A follow-up that rules the symptoms out (排除) lets the observation be released again: the flagged checks up to the
alert's day no longer block the sign-off (geodata.situation.observations.sign_release).

An open alert older than `followup_hours` of the "observation" setting (default 24 h [DERIVED]: the seed says
"迅速", and gives no number) is overdue; its clock starts when it was raised, or at the end of the day the
symptoms were seen when the check was recorded later.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.layers import control_character_problem, length_problem
from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Term, parse_term
from geodata.people import authority, scope
from geodata.situation.alerts import SYMPTOM, open_alerts, resolve_alert
from geodata.situation.targets import not_after_today
from geodata.store.field_models import SymptomFollowUp
from geodata.store.hierarchy import path_upper_bound
from geodata.store.models import Alert
from geodata.store.rules_config import get_setting
from geodata.store.writes import WriteContext

FOLLOWUP_OUTCOMES = {t.code: t for t in (
    Term("visit", "上门收治", "Home visit and admission", ("收治", "上门")),
    Term("referral", "转诊", "Referral", ("就诊", "转院")),
    Term("excluded", "排除", "Ruled out", ("排除异常",)),
)}
FOLLOWUP_HOURS = 24  # [DERIVED] the default of the "observation" setting's followup_hours
NOTE_MAX = 500


def followup_hours(session: Session) -> float:
    return float(get_setting(session, "observation").get("followup_hours", FOLLOWUP_HOURS))


def record_followup(ctx: WriteContext, alert_id: int, outcome: str, *, on: dt.date | None = None,
                    note: str | None = None, expected_version: int | None = None) -> SymptomFollowUp:
    """Record what was done about symptom alert `alert_id` and clear the alert (one follow-up per alert).

    Refused: not a symptom alert, already followed up, an unknown outcome, a day after today or before the alert,
    a note with control characters or longer than NOTE_MAX, a stale read (`expected_version`)."""
    alert = ctx.session.get(Alert, alert_id)
    if alert is None or alert.kind != SYMPTOM:
        raise Rejected([Problem(f"症状预警不存在: {alert_id}", f"no symptom alert {alert_id}", field="alert_id")])
    authority.require(ctx.actor, "symptom.follow_up", alert.path)
    code = parse_term(FOLLOWUP_OUTCOMES, outcome)
    on = not_after_today(on or dt.date.today(), "随访处置", "follow-up", "on")
    problems = []
    if code is None:
        problems.append(Problem(f"未知处置结果: {outcome}（应为上门收治、转诊或排除）",
                                f"unknown outcome {outcome!r} (visit, referral or ruled out)", field="outcome"))
    if on < alert.raised_on:
        problems.append(Problem(f"处置日期 {on} 早于预警日期 {alert.raised_on}",
                                f"follow-up {on} is before the alert ({alert.raised_on})", field="on"))
    note = (note or "").strip() or None
    if note is not None:
        for bad in (control_character_problem(note, "note"), length_problem(note, NOTE_MAX)):
            if bad is not None:
                problems.append(Problem(bad[0], bad[1], field="note"))
    if expected_version is not None and alert.version != expected_version:
        problems.append(Problem("预警已被他人处理，请刷新", "changed by someone else since you read it: reload",
                                field="version"))
    done = ctx.session.execute(select(SymptomFollowUp).where(SymptomFollowUp.alert_id == alert.id)
                               ).scalar_one_or_none()
    if done is not None:
        problems.append(Problem(f"已由 {done.done_by} 于 {done.done_on} 处置（{FOLLOWUP_OUTCOMES[done.outcome].zh}）",
                                f"already followed up by {done.done_by} on {done.done_on}", field="alert_id"))
    if problems:
        raise Rejected(problems)
    assert code is not None
    row = SymptomFollowUp(alert_id=alert.id, path=alert.path, subject_code=alert.subject_code, outcome=code,
                          done_on=on, done_by=ctx.actor.username, note=note, recorded_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    term = FOLLOWUP_OUTCOMES[code]
    ctx.record("symptom.follow_up", "alert", str(alert.id), path=alert.path,
               old={"followed_up": None},
               new={"outcome": code, "on": on, "by": ctx.actor.username, "subject": alert.subject_code, "note": note},
               reason=f"{term.zh} / {term.en}")
    resolve_alert(ctx, alert, f"已随访处置：{term.zh}", f"followed up: {term.en.lower()}")
    return row


def excluded_through(session: Session, subject_code: str) -> dt.date | None:
    """The latest day of a symptom alert on `subject_code` (an observation) whose follow-up ruled it out (排除):
    flagged checks up to that day no longer block the release. None when there is none."""
    return session.execute(select(Alert.raised_on).join(SymptomFollowUp, SymptomFollowUp.alert_id == Alert.id).where(
        Alert.kind == SYMPTOM, SymptomFollowUp.subject_code == subject_code,
        SymptomFollowUp.outcome == "excluded").order_by(Alert.raised_on.desc()).limit(1)).scalar()


def open_symptom_alerts(session: Session, actor: Any, path: str, *, now: dt.datetime | None = None
                        ) -> pd.DataFrame:
    """The open symptom alerts under `path` (the reader's scope), oldest first, with `overdue` (open longer than
    the follow-up hours) and `hours_open`; refused outside the reader's scope."""
    scope.require_read(actor, path)
    frame = open_alerts(session, scope_path=path, kinds=(SYMPTOM,))
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    # the clock runs from the alert's writing, or from the end of the day the symptoms were seen when the check
    # was recorded later (a back-dated check is already late)
    day_end = pd.to_datetime(frame["raised_on"]) + pd.Timedelta(days=1)
    raised = pd.concat([pd.to_datetime(frame["raised_at"]), day_end], axis=1).min(axis=1)
    hours = ((pd.Timestamp(now) - raised).dt.total_seconds() / 3600.0) if len(frame) else pd.Series(dtype=float)
    frame = frame.assign(hours_open=hours.round(1), overdue=hours > followup_hours(session))
    return frame.sort_values(["raised_at", "id"]).reset_index(drop=True)


def followups(session: Session, actor: Any, path: str, *, since: dt.date | None = None) -> pd.DataFrame:
    """Follow-ups recorded under `path` (newest first): the ledger a street or district health office keeps."""
    scope.require_read(actor, path)
    from_ = since or dt.date.min
    rows = session.execute(select(
        SymptomFollowUp.id, SymptomFollowUp.alert_id, Alert.raised_on, Alert.unit_id, SymptomFollowUp.subject_code,
        SymptomFollowUp.outcome, SymptomFollowUp.done_on, SymptomFollowUp.done_by, SymptomFollowUp.note,
        SymptomFollowUp.path).join(Alert, Alert.id == SymptomFollowUp.alert_id).where(
        SymptomFollowUp.path >= path, SymptomFollowUp.path < path_upper_bound(path), SymptomFollowUp.done_on >= from_
    ).order_by(SymptomFollowUp.done_on.desc(), SymptomFollowUp.id.desc())).all()
    return pd.DataFrame(rows, columns=["id", "alert_id", "raised_on", "unit_id", "subject_code", "outcome",
                                       "done_on", "done_by", "note", "path"])

