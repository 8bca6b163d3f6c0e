"""Alerts raised by the rules, for the command centre to acknowledge (domain file §3.1, §5.3).

- 聚集性病例 (cluster): ≥2 cases in a community within a week must be reported at once to 市卫健委 / the city HQ
  (`000_7bd660b113904959.txt` §3);
- 社区传播 (transmission, S2): the district asks the city to restrict gatherings — markets, cinemas, internet
  cafés (`004_2a51f4f7b2873512.txt`, §2.2 measure 8);
- 观察对象出现症状 (symptom): fever (>37.3 ℃) or symptoms of a person under observation go up the chain to the
  street and the district health department (`004_2a51f4f7b2873512.txt`, §3.1 "上传机制").

An alert is raised once, when its condition starts; acknowledging it (command centre only) is logged.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Term
from geodata.people import authority, scope
from geodata.store.hierarchy import path_upper_bound
from geodata.store.models import Alert, Unit
from geodata.store.writes import WriteContext

ALERT_KINDS = {t.code: t for t in (
    Term("cases", "出现病例（S1）", "Cases (S1)"),
    Term("cluster", "聚集性病例", "Cluster"),
    Term("transmission", "社区传播", "Community transmission"),
    Term("symptom", "观察对象出现症状", "Symptoms under observation"),
    Term("disinfection", "消毒未达标", "Disinfection below the daily norm"),
)}


def raise_alert(ctx: WriteContext, kind: str, unit: Unit, on: dt.date, title_zh: str, title_en: str,
                details: dict[str, Any] | None = None, subject_code: str | None = None) -> Alert:
    alert = Alert(kind=kind, unit_id=unit.id, path=unit.path, subject_code=subject_code, raised_on=on,
                  raised_at=ctx.now, raised_by=ctx.actor.username, title_zh=title_zh, title_en=title_en,
                  details=details or {})
    ctx.session.add(alert)
    ctx.session.flush()
    ctx.record("alert.raise", "alert", str(alert.id), path=unit.path,
               new={"kind": kind, "unit": unit.code, "on": on, "subject": subject_code, **(details or {})},
               reason=f"{title_zh} / {title_en}")
    return alert


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
    alert.acknowledged_by = ctx.actor.username
    alert.acknowledged_at = ctx.now
    ctx.record("alert.acknowledge", "alert", str(alert.id), path=alert.path,
               old={"acknowledged_by": None}, new={"acknowledged_by": ctx.actor.username})
    return alert


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
