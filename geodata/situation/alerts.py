"""Alerts raised by the rules, for the command centre to acknowledge (domain file §3.1, §5.3).

- 聚集性病例 (cluster): ≥2 cases in a community within a week must be reported at once to 市卫健委 / the city HQ
  (`000_7bd660b113904959.txt` §3);
- 社区传播 (transmission, S2): the district asks the city to restrict gatherings — markets, cinemas, internet
  cafés (`004_2a51f4f7b2873512.txt`, §2.2 measure 8);
- 观察对象出现症状 (symptom): fever (>37.3 ℃) or symptoms of a person under observation go up the chain to the
  street and the district health department (`004_2a51f4f7b2873512.txt`, §3.1 "上传机制").

An alert is raised once, when its condition starts; acknowledging it (command centre only) is logged. A symptom
alert is addressed to the street and the district health role (`details["to"]`) and is cleared only by its
follow-up (geodata.situation.symptoms.record_followup), never by an acknowledgement (issue 14 point 3).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level, Term
from geodata.people import authority, scope
from geodata.store.hierarchy import path_upper_bound
from geodata.store.models import Alert, Unit
from geodata.store.writes import WriteContext

SYMPTOM = "symptom"
#: a proposal to revoke a 无疫小区 flag (issue 14 point 12): cleared only when the command centre confirms or dismisses
#: it (geodata.situation.honours), never by an acknowledgement
HONOUR_REVOCATION = "honour_revocation"
ALERT_KINDS = {t.code: t for t in (
    Term("cases", "出现病例（S1）", "Cases (S1)"),
    Term("cluster", "聚集性病例", "Cluster"),
    Term("transmission", "社区传播", "Community transmission"),
    Term("symptom", "观察对象出现症状", "Symptoms under observation"),
    Term("disinfection", "消毒未达标", "Disinfection below the daily norm"),
    Term(HONOUR_REVOCATION, "无疫小区取消授旗待确认", "Flag revocation to confirm"),
)}


def raise_alert(ctx: WriteContext, kind: str, unit: Unit, on: dt.date, title_zh: str, title_en: str,
                details: dict[str, Any] | None = None, subject_code: str | None = None) -> Alert:
    """Raise one alert at `unit` (its readers are those whose scope holds it). A symptom alert also names whom it
    goes to: the street and the district above `unit` (004 (一)4 社区→街乡镇→区卫生健康部门)."""
    if kind == SYMPTOM:
        details = {**(details or {}), "to": addressees(ctx.session, unit)}
    alert = Alert(kind=kind, unit_id=unit.id, path=unit.path, subject_code=subject_code, raised_on=on,
                  raised_at=ctx.now, raised_by=ctx.actor.username, title_zh=title_zh, title_en=title_en,
                  details=details or {})
    ctx.session.add(alert)
    ctx.session.flush()
    ctx.record("alert.raise", "alert", str(alert.id), path=unit.path,
               new={"kind": kind, "unit": unit.code, "on": on, "subject": subject_code, **(details or {})},
               reason=f"{title_zh} / {title_en}")
    return alert


def addressees(session: Session, unit: Unit) -> dict[str, str]:
    """The codes of the street and the district at or above `unit` (whichever exist)."""
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    rows = session.execute(select(Unit.level, Unit.code).where(Unit.id.in_(ids))).all()
    names = {int(Level.STREET): "street", int(Level.DISTRICT): "district"}
    return {names[int(lvl)]: code for lvl, code in rows if int(lvl) in names}


def acknowledge_alert(ctx: WriteContext, alert_id: int, *, expected_version: int | None = None) -> Alert:
    alert = ctx.session.get(Alert, alert_id)
    if alert is None:
        raise Rejected([Problem(f"预警不存在: {alert_id}", f"no such alert: {alert_id}", field="alert_id")])
    authority.require(ctx.actor, "alert.acknowledge", alert.path)
    if expected_version is not None and alert.version != expected_version:
        raise Rejected([Problem("预警已被他人处理，请刷新", "changed by someone else since you read it: reload",
                                field="version")])
    if alert.acknowledged_by:
        return alert
    if alert.kind == HONOUR_REVOCATION:
        raise Rejected([Problem("取消授旗建议须由指挥部在“无疫小区”页确认取消或驳回（说明理由），不能直接确认",
                                "a flag revocation proposal is confirmed or dismissed (with a reason) by the command "
                                "centre on the honours page; it cannot be acknowledged", field="alert_id")])
    if not acknowledgeable(alert.kind):
        raise Rejected([Problem("症状预警须由街道或区卫生健康部门登记随访处置（上门收治/转诊/排除）后解除，不能直接确认",
                                "a symptom alert clears only when the street or the district health role records its "
                                "follow-up (visit, referral, ruled out); it cannot be acknowledged", field="alert_id")])
    alert.acknowledged_by = ctx.actor.username
    alert.acknowledged_at = ctx.now
    ctx.record("alert.acknowledge", "alert", str(alert.id), path=alert.path,
               old={"acknowledged_by": None}, new={"acknowledged_by": ctx.actor.username})
    return alert


def acknowledgeable(kind: str) -> bool:
    """May an alert of `kind` be acknowledged (cleared by the command centre)? A symptom alert clears only by its
    follow-up (issue 14 point 3), a flag revocation proposal only by the command centre's confirmation or dismissal
    (point 12)."""
    return kind not in (SYMPTOM, HONOUR_REVOCATION)


def acknowledge_alerts(ctx: WriteContext, alert_ids: list[int], newest_id: int, *,
                       expected_version: int | None = None) -> list[Alert]:
    """Acknowledge a line of the wall that stands for several alerts (a village's shortfall days): the newest with
    the version read, the others as they are; each is checked and logged like `acknowledge_alert`."""
    done = [acknowledge_alert(ctx, newest_id, expected_version=expected_version)]
    return done + [acknowledge_alert(ctx, int(i)) for i in alert_ids if int(i) != newest_id]


def resolve_alert(ctx: WriteContext, alert: Alert, why_zh: str, why_en: str) -> Alert:
    """Close an alert whose condition no longer holds (a rule's own follow-up, not a person's acknowledgement):
    it leaves the open list, and the log says who closed it by which write and why."""
    alert.acknowledged_by = ctx.actor.username
    alert.acknowledged_at = ctx.now
    ctx.record("alert.resolve", "alert", str(alert.id), path=alert.path,
               old={"acknowledged_by": None}, new={"acknowledged_by": ctx.actor.username, "kind": alert.kind},
               reason=f"{why_zh} / {why_en}")
    return alert


def alerts_in_scope(session: Session, actor: Any, path: str) -> pd.DataFrame:
    """The open alerts under a unit the person may read (a street's page: shortfalls, symptoms, clusters of its
    communities); refused outside their scope."""
    scope.require_read(actor, path)
    return open_alerts(session, scope_path=path)


def open_alerts(session: Session, *, scope_path: str | None = None, kinds: tuple[str, ...] | None = None,
                include_acknowledged: bool = False) -> pd.DataFrame:
    """Alerts under `scope_path`, newest first (unacknowledged only unless asked)."""
    q = select(Alert.id, Alert.kind, Alert.raised_on, Alert.raised_at, Alert.raised_by, Unit.code.label("unit_code"),
               Unit.name.label("unit_name"), Alert.path, Alert.subject_code, Alert.title_zh, Alert.title_en,
               Alert.details, Alert.acknowledged_by, Alert.acknowledged_at, Alert.version).join(
        Unit, Unit.id == Alert.unit_id).order_by(Alert.raised_on.desc(), Alert.id.desc())
    if scope_path:
        q = q.where(Alert.path >= scope_path, Alert.path < path_upper_bound(scope_path))
    if kinds:
        q = q.where(Alert.kind.in_(kinds))
    if not include_acknowledged:
        q = q.where(Alert.acknowledged_by.is_(None))
    rows = session.execute(q).all()
    return pd.DataFrame(rows, columns=["id", "kind", "raised_on", "raised_at", "raised_by", "unit_code", "unit_name",
                                       "path", "subject_code", "title_zh", "title_en", "details", "acknowledged_by",
                                       "acknowledged_at", "version"])
