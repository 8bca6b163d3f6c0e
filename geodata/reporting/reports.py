"""Daily reports (日报) and zero reports (零报告) of the communities, and the summaries built from them (domain file
§3.1 "每日汇总…无病例零报告", §4.2 "daily report completeness", scenario 12).

The flow:
- `prefill(session, community, on)`: the figures of the day read from the data (new cases by kind, people under
  observation by kind, new observations and releases, sealed buildings, checkpoints) plus the supplies the
  community entered in its last report. The head confirms them, or corrects a figure with a reason.
- `submit_report(ctx, …)`: one report per community and day; a head or grid leader of that community submits it
  (§5.3 "daily (zero) report"). A one-click zero report (`zero=True`) is accepted when the data holds no case
  that day ("无病例零报告", 004 三(二): 确诊、无症状、疑似 — a close contact or a new observation is not a case,
  issue 14 point 8); it carries the day's figures as the data gives them (new observations, releases, close
  contacts prefilled), so the summaries add up. A report submitted at or after the cut-off is accepted and marked late.
- `report_status` / `missing_reports` / `report_missing`: who has not reported, once the cut-off has passed.
- `summary(session, unit, on)`: street → district → city totals summed from the submitted reports (so each level
  is the sum of its parts), with every difference between a report and the live data per community.

Cut-off: the "daily_report" setting (`cutoff`, default 16:00 — local policy, the seeds give no hour, §8). A report
is on time when submitted strictly before the cut-off of its day: 15:59:59 is on time, 16:00:00 is late; a
report for a day submitted on a later day is late. Times are the server's wall clock (like the pages' "today"),
not the UTC of the event log.

What a report holds (`DailyReport.figures` JSON): `values` (what was submitted), `prefilled` (what the data said
at submission), `corrections` ({figure: {from, to}}), `reason`, and `revisions` when it was submitted again.
Reports imported without figures (the demo's history) count as submitted but add nothing to the sums.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level
from geodata.checkpoints.rules import staffing_status
from geodata.fieldwork.supplies import report_figures as supply_figures
from geodata.people import authority
from geodata.situation.history import kinds_as_of, lockdown_counts
from geodata.store.hierarchy import UnitRef, path_upper_bound, ref, unit_by_code
from geodata.store.models import DailyReport, Unit
from geodata.store.rules_config import get_setting
from geodata.store.writes import WriteContext


@dataclass(frozen=True)
class ReportFigure:
    """One figure of the daily report form. `source`: "data" (prefilled from the tables, a change is a
    correction) or "entered" (typed by the community: supplies). `flow`: happened that day — a zero report needs
    every flow figure to be 0."""

    key: str
    zh: str
    en: str
    source: str = "data"
    flow: bool = False


FIGURES: tuple[ReportFigure, ...] = (
    ReportFigure("new_confirmed", "新增确诊", "New confirmed", flow=True),
    ReportFigure("new_asymptomatic", "新增无症状", "New asymptomatic", flow=True),
    ReportFigure("new_suspected", "新增疑似", "New suspected", flow=True),
    ReportFigure("new_close_contact", "新增密接", "New close contacts", flow=True),
    ReportFigure("obs_new", "新增隔离观察", "New observations", flow=True),
    ReportFigure("releases", "解除隔离", "Released", flow=True),
    ReportFigure("obs_home", "居家观察", "Home observation"),
    ReportFigure("obs_central", "集中隔离", "Centralised observation"),
    ReportFigure("obs_self", "自我隔离", "Self-isolation"),
    ReportFigure("obs_temporary", "留观", "Temporary observation"),
    # 封锁/硬隔离 (000 §1(三), §3): buildings and natural villages; a 疫点 is not locked down (issue 14 points 5, 12)
    ReportFigure("sealed_buildings", "封锁/硬隔离楼栋", "Sealed buildings"),
    ReportFigure("sealed_villages", "封锁/硬隔离自然村", "Sealed natural villages"),
    ReportFigure("checkpoints_open", "开放卡点", "Open checkpoints"),
    ReportFigure("checkpoints_understaffed", "缺岗卡点", "Under-staffed checkpoints"),
    # §4.2 supplies: "masks on hand vs demand, grain days" — derived from the community's supplies ledger when it
    # keeps one (geodata.fieldwork.supplies.report_figures), else typed by the community
    ReportFigure("masks_on_hand", "口罩库存（只）", "Masks on hand", source="entered"),
    ReportFigure("supply_days", "生活物资保障天数", "Days of supplies", source="entered"),
)
FIGURE_BY_KEY = {f.key: f for f in FIGURES}
DATA_FIGURES = tuple(f.key for f in FIGURES if f.source == "data")
ENTERED_FIGURES = tuple(f.key for f in FIGURES if f.source == "entered")
FLOW_FIGURES = tuple(f.key for f in FIGURES if f.flow)
#: the figures a zero report must have at 0: the day's cases ("无病例零报告", 004 三(二)); close contacts,
#: observations and releases are not cases, and a zero report carries them as the data gives them
ZERO_FIGURES = ("new_confirmed", "new_asymptomatic", "new_suspected")
CASE_FIGURES = {"confirmed": "new_confirmed", "asymptomatic": "new_asymptomatic", "suspected": "new_suspected",
                "close_contact": "new_close_contact"}
OBS_KINDS = ("home", "central", "self", "temporary")

STATUS_LABELS = {
    "on_time": ("按时上报", "On time"),
    "late": ("迟报", "Late"),
    "pending": ("待上报", "Not yet due"),
    "missing": ("未上报", "Missing"),
}


def figure_label(key: str, lang: str = "zh") -> str:
    f = FIGURE_BY_KEY.get(key)
    return key if f is None else (f.en if lang == "en" else f.zh)


# --- the cut-off -----------------------------------------------------------------------------------------------


def cutoff_time(session: Session) -> dt.time:
    raw = str(get_setting(session, "daily_report").get("cutoff", "16:00")).strip()
    try:
        return dt.time.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"日报截止时间格式应为 HH:MM: {raw!r} / daily_report.cutoff must be HH:MM: {raw!r}") from exc


def cutoff_at(session: Session, on: dt.date) -> dt.datetime:
    """The moment the reports of `on` are due (server wall clock)."""
    return dt.datetime.combine(on, cutoff_time(session))


def is_late(session: Session, on: dt.date, submitted_at: dt.datetime) -> bool:
    """Late = submitted at or after the cut-off of `on` (15:59:59 on time, 16:00:00 late)."""
    return submitted_at >= cutoff_at(session, on)


# --- live figures ---------------------------------------------------------------------------------------------


def _communities(session: Session, unit: Unit | UnitRef) -> pd.DataFrame:
    """The communities at or under `unit`: id, code, name, path, leader, and their street (parent)."""
    lo, hi = unit.path, path_upper_bound(unit.path)
    rows = session.execute(text(
        "SELECT c.id, c.code, c.name, c.path, c.leader_name, c.leader_phone, p.code, p.name FROM units c "
        "LEFT JOIN units p ON p.id = c.parent_id WHERE c.level = :lvl AND c.path >= :lo AND c.path < :hi "
        "ORDER BY c.code"), {"lvl": int(Level.COMMUNITY), "lo": lo, "hi": hi}).all()
    return pd.DataFrame(rows, columns=["id", "code", "name", "path", "leader_name", "leader_phone", "street_code",
                                       "street_name"])


def _community_id(paths: pd.Series) -> pd.Series:
    """The community id in each path (paths of rows at or below a community)."""
    parts = paths.str.strip("/").str.split("/")
    depth = int(Level.COMMUNITY)
    return parts.map(lambda p: int(p[depth - 1]) if len(p) >= depth else -1).astype("int64")


def live_figures(session: Session, unit: Unit | UnitRef, on: dt.date) -> pd.DataFrame:
    """The data figures of `on` for every community at or under `unit` (index: community id), vectorised: one
    query per table for the whole subtree."""
    comms = _communities(session, unit)
    out = pd.DataFrame(0, index=pd.Index(comms["id"], name="community_id"), columns=list(DATA_FIGURES),
                       dtype="int64")
    if comms.empty:
        return out
    conn = session.connection()
    params = {"lo": unit.path, "hi": path_upper_bound(unit.path), "on": on}

    cases = pd.DataFrame(conn.execute(text(
        "SELECT path, kind FROM cases WHERE path >= :lo AND path < :hi AND reported_on = :on"), params).all(),
        columns=["path", "kind"])
    if len(cases):
        cases["cid"] = _community_id(cases["path"])
        cases["fig"] = cases["kind"].map(CASE_FIGURES)
        wide = pd.crosstab(cases["cid"], cases["fig"])
        for col in wide.columns:
            out.loc[out.index.intersection(wide.index), col] = wide[col]

    obs = pd.DataFrame(conn.execute(text(
        "SELECT code, path, kind, start_date, released_on FROM observations WHERE path >= :lo AND path < :hi "
        "AND start_date <= :on AND (released_on IS NULL OR released_on >= :on)"), params).all(),
        columns=["code", "path", "kind", "start_date", "released_on"])
    obs = kinds_as_of(session, obs, on, unit.path)  # the kind of that day (issue 14 point 11)
    if len(obs):
        obs["cid"] = _community_id(obs["path"])
        day = pd.Timestamp(on)
        start = pd.to_datetime(obs["start_date"])
        released = pd.to_datetime(obs["released_on"])
        active = released.isna() | (released > day)
        for kind in OBS_KINDS:
            counts = obs[active & (obs["kind"] == kind)].groupby("cid").size()
            out.loc[counts.index.intersection(out.index), f"obs_{kind}"] = counts
        new = obs[start == day].groupby("cid").size()
        out.loc[new.index.intersection(out.index), "obs_new"] = new
        rel = obs[released == day].groupby("cid").size()
        out.loc[rel.index.intersection(out.index), "releases"] = rel

    places = _sealed_places(session, unit, on)
    for col in ("sealed_buildings", "sealed_villages"):
        out[col] = places[col].reindex(out.index, fill_value=0) if len(places) else 0

    cps = pd.DataFrame(conn.execute(text(
        "SELECT path, kind, status, is_24h, staff_day, staff_night FROM checkpoints WHERE path >= :lo "
        "AND path < :hi"), params).all(), columns=["path", "kind", "status", "is_24h", "staff_day", "staff_night"])
    if len(cps):
        cps["cid"] = _community_id(cps["path"])
        staffing = staffing_status(cps, get_setting(session, "staffing"))
        opened = cps[cps["status"] == "open"].groupby("cid").size()
        under = cps[staffing.isin(["under", "unstaffed"]).to_numpy()].groupby("cid").size()
        out.loc[opened.index.intersection(out.index), "checkpoints_open"] = opened
        out.loc[under.index.intersection(out.index), "checkpoints_understaffed"] = under
    return out.astype("int64")


def _sealed_places(session: Session, unit: Unit | UnitRef, on: dt.date) -> pd.DataFrame:
    """Sealed buildings and sealed natural villages (封锁/硬隔离, not 疫点) per community on `on`: the stored states
    corrected by the control events effective by then (geodata.situation.history), so a past day's report form is
    right too."""
    frame = lockdown_counts(session, on, unit.path)
    if frame.empty:
        return frame
    return frame.assign(cid=_community_id(frame["path"].astype(str))).groupby("cid")[
        ["sealed_buildings", "sealed_villages"]].sum()


def _community(session: Session, code: str) -> Unit:
    unit = unit_by_code(session, code)
    if unit.level != Level.COMMUNITY:
        raise Rejected([Problem(f"{code} 不是社区/村", f"{code} is not a community", field="community_code")])
    return unit


def _last_entered(session: Session, community_id: int, before: dt.date) -> dict[str, Any]:
    """The supplies of the community's last report before `before` (what the form starts from)."""
    rows = session.execute(select(DailyReport.figures).where(
        DailyReport.community_id == community_id, DailyReport.report_date < before).order_by(
        DailyReport.report_date.desc()).limit(7)).scalars()
    for figs in rows:
        values = (figs or {}).get("values") or {}
        if any(values.get(k) is not None for k in ENTERED_FIGURES):
            return {k: values.get(k) for k in ENTERED_FIGURES}
    return {k: None for k in ENTERED_FIGURES}


def prefill(session: Session, community_code: str, on: dt.date) -> dict[str, int | None]:
    """The report form of `community_code` for `on`: data figures from the live tables, supplies from the
    community's previous report (None when it never entered them)."""
    comm = _community(session, community_code)
    live = live_figures(session, comm, on)
    values: dict[str, int | None] = {k: int(live.loc[comm.id, k]) for k in DATA_FIGURES}
    values.update(_last_entered(session, comm.id, on))
    # derived from the community's supplies ledger where it keeps one (geodata.fieldwork.supplies), else as typed
    values.update(supply_figures(session, comm.id, on))
    return values


# --- submitting ----------------------------------------------------------------------------------------------


def can_submit(actor: Any, community_path: str) -> bool:
    """Action "report.submit" (§5.3: the community head or a grid leader — whose scope lies inside the
    community — submits its daily (zero) report; system processes for any)."""
    return authority.allowed(actor, "report.submit", community_path)


def _require_submit(actor: Any, comm: Unit) -> None:
    authority.require(actor, "report.submit", comm.path,
                      doing=(f"报送{comm.name}的日报", f"submit the report of {comm.name}"))


def _number(key: str, value: Any, problems: list[Problem]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if FIGURE_BY_KEY[key].source == "entered":
            return None
        problems.append(Problem(f"{figure_label(key)}不能为空", f"{figure_label(key, 'en')} is required", field=key))
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not np.isfinite(number) or number != int(number) or number < 0:
        problems.append(Problem(f"{figure_label(key)}应为非负整数: {value!r}",
                                f"{figure_label(key, 'en')} must be a whole number ≥ 0: {value!r}", field=key))
        return None
    return int(number)


@dataclass
class Submitted:
    report: DailyReport
    late: bool
    is_zero: bool
    corrections: dict[str, dict[str, int | None]] = field(default_factory=dict)
    revised: bool = False


def submit_report(ctx: WriteContext, community_code: str, on: dt.date, figures: dict[str, Any] | None = None, *,
                  corrections: dict[str, Any] | None = None, reason: str | None = None, zero: bool = False,
                  now: dt.datetime | None = None) -> Submitted:
    """Submit (or submit again) the daily report of `community_code` for `on`.

    `figures`: values for any figure of the form (supplies are typed here; a data figure given with a value
    other than the prefill is a correction); `corrections`: data figures changed by the head. Every correction
    needs a `reason`. `zero=True` is the one-click 零报告: refused when the data shows a case that day (a new
    observation or close contact does not stop it: its figures are carried as prefilled), and it takes no
    corrections. `now` (default: the server clock) decides lateness.
    A second submission replaces the values and keeps the first submission time and late flag.
    """
    now = now or dt.datetime.now()
    comm = _community(ctx.session, community_code)
    _require_submit(ctx.actor, comm)
    problems: list[Problem] = []
    if on > now.date():
        raise Rejected([Problem(f"不能报送未来日期（{on}）的日报", f"cannot report for a future day ({on})",
                                field="on")])
    given = {**(figures or {}), **(corrections or {})}
    unknown = sorted(set(given) - set(FIGURE_BY_KEY))
    if unknown:
        problems.append(Problem(f"未知的日报项目: {', '.join(unknown)}", f"unknown report figures: {', '.join(unknown)}",
                                field="figures"))
    prefilled = prefill(ctx.session, comm.code, on)
    if zero:
        busy = {k: prefilled[k] for k in ZERO_FIGURES if prefilled[k]}
        if busy:
            what_zh = "、".join(f"{figure_label(k)}{v}" for k, v in busy.items())
            what_en = ", ".join(f"{figure_label(k, 'en')} {v}" for k, v in busy.items())
            problems.append(Problem(f"当日有病例（{what_zh}），不能报零报告，请逐项确认后报送",
                                    f"not zero: the day has cases ({what_en}) — submit a full report",
                                    field="zero"))
        if corrections:
            problems.append(Problem("零报告不能修改数据", "a zero report takes no corrections", field="corrections"))
    values: dict[str, int | None] = dict(prefilled)
    for key in sorted(set(given) & set(FIGURE_BY_KEY)):
        values[key] = _number(key, given[key], problems)
    derived = supply_figures(ctx.session, comm.id, on)  # supplies from the ledger: a different value is a correction
    changed = {k: {"from": prefilled[k], "to": values[k]} for k in (*DATA_FIGURES, *derived)
               if values[k] != prefilled[k]}
    reason = (reason or "").strip() or None
    if changed and not reason:
        what = ", ".join(changed)
        problems.append(Problem(f"修改了系统数据（{'、'.join(figure_label(k) for k in changed)}），须说明原因",
                                f"figures differ from the data ({what}): give a reason", field="reason"))
    if problems:
        raise Rejected(problems)

    is_zero = all(not values[k] for k in ZERO_FIGURES)
    late = is_late(ctx.session, on, now)
    report = ctx.session.execute(select(DailyReport).where(
        DailyReport.community_id == comm.id, DailyReport.report_date == on)).scalar_one_or_none()
    payload: dict[str, Any] = {"values": values, "prefilled": prefilled, "corrections": changed, "reason": reason,
                               "zero_click": bool(zero)}
    revised = report is not None
    if report is None:
        report = DailyReport(community_id=comm.id, path=comm.path, report_date=on, submitted_at=now,
                             submitted_by=ctx.actor.username, is_zero=is_zero, late=late, figures=payload)
        ctx.session.add(report)
    else:
        old_figs = report.figures or {}
        payload["revisions"] = int(old_figs.get("revisions", 0)) + 1
        payload["revised_at"] = now.isoformat(timespec="seconds")
        payload["revised_by"] = ctx.actor.username
        if report.submitted_at is None:  # a placeholder row never submitted: this is the first submission
            report.submitted_at, report.submitted_by, report.late = now, ctx.actor.username, late
        report.figures = payload  # a new dict, so the JSON column is written
        report.is_zero = is_zero
    ctx.session.flush()
    ctx.record("daily_report.revise" if revised else "daily_report.submit", "daily_report",
               f"{comm.code}:{on.isoformat()}", path=comm.path,
               new={"on": on, "values": values, "is_zero": is_zero, "late": report.late,
                    "submitted_at": report.submitted_at, "zero_click": bool(zero),
                    "corrections": changed},
               reason=reason or ("零报告 / zero report" if is_zero else "日报 / daily report"))
    return Submitted(report, bool(report.late), is_zero, changed, revised)


# --- who has reported ------------------------------------------------------------------------------------------


def _reports(session: Session, unit: Unit | UnitRef, on: dt.date) -> pd.DataFrame:
    rows = session.execute(select(DailyReport.community_id, DailyReport.submitted_at, DailyReport.submitted_by,
                                  DailyReport.is_zero, DailyReport.late, DailyReport.figures).where(
        DailyReport.report_date == on, DailyReport.path >= unit.path,
        DailyReport.path < path_upper_bound(unit.path))).all()
    frame = pd.DataFrame(rows, columns=["id", "submitted_at", "submitted_by", "is_zero", "late", "figures"])
    return frame[frame["submitted_at"].notna()]


def report_status(session: Session, unit_code: str, on: dt.date, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every community at or under `unit_code` with its report of `on`: submitted, is_zero, late, and
    `status` on_time | late | pending (not in, before the cut-off) | missing (not in, cut-off passed)."""
    now = now or dt.datetime.now()
    unit = unit_by_code(session, unit_code)
    comms = _communities(session, unit)
    reps = _reports(session, unit, on)
    out = comms.merge(reps.drop(columns="figures"), on="id", how="left")
    out["submitted"] = out["submitted_at"].notna()
    out["is_zero"] = out["is_zero"].astype("boolean").fillna(False).astype(bool)
    out["late"] = out["late"].astype("boolean").fillna(False).astype(bool)
    passed = now >= cutoff_at(session, on)
    out["status"] = np.where(out["submitted"], np.where(out["late"], "late", "on_time"),
                             "missing" if passed else "pending")
    out["missing"] = out["status"] == "missing"
    out["submitted_at"] = out["submitted_at"].astype(object).where(out["submitted"], None)
    return out


def missing_reports(session: Session, unit_code: str, on: dt.date, now: dt.datetime | None = None) -> pd.DataFrame:
    """Communities at or under `unit_code` without a report for `on` once its cut-off has passed (empty before):
    code, name, street, leader and phone — the list a street chases (scenario 12)."""
    status = report_status(session, unit_code, on, now)
    return status[status["missing"]].reset_index(drop=True)[
        ["id", "code", "name", "street_code", "street_name", "leader_name", "leader_phone"]]


def report_missing(session: Session, on: dt.date, now: dt.datetime | None = None, *,
                   unit_code: str | None = None) -> pd.DataFrame:
    """For the wall map: per community (at or under `unit_code`, default the whole city) `report_missing` True when
    its report of `on` is not in and the cut-off has passed. Columns id, code, report_missing."""
    if unit_code is None:
        root = session.execute(select(Unit.code).where(Unit.parent_id.is_(None)).order_by(Unit.id)).scalars().first()
        if root is None:
            return pd.DataFrame(columns=["id", "code", "report_missing"])
        unit_code = root
    status = report_status(session, unit_code, on, now)
    return status[["id", "code"]].assign(report_missing=status["missing"].to_numpy())


# --- summaries ---------------------------------------------------------------------------------------------------

COUNT_COLUMNS = ("communities", "submitted", "on_time", "late", "zero", "missing", "pending", "without_figures")


@dataclass
class ReportSummary:
    """The reports of `on` summed for `unit`: `rows` one per child unit (for a community: itself), `totals` their
    sum, `communities` every community's reported and live figures, `differences` one row per community and
    figure where the report and the data disagree."""

    unit: UnitRef
    on: dt.date
    rows: pd.DataFrame
    totals: dict[str, int]
    communities: pd.DataFrame
    differences: pd.DataFrame


def _values(figs: Any) -> dict[str, Any]:
    return dict((figs or {}).get("values") or {})


def summary(session: Session, unit_code: str, on: dt.date, now: dt.datetime | None = None) -> ReportSummary:
    """Street → district → city summary of the reports of `on`, built from the submitted reports only.

    Every level is the sum of the communities below it, so a district's row for a street equals that street's
    totals. A report imported without figures counts as submitted (`without_figures`) and adds 0 to the sums.
    `differences`: per community with figures, each data figure whose reported value differs from the live data
    (`live` now, for `on`), with the head's correction reason when the head changed it on purpose.
    """
    now = now or dt.datetime.now()
    unit = unit_by_code(session, unit_code)
    status = report_status(session, unit_code, on, now)
    reps = _reports(session, unit, on)
    figs = dict(zip(reps["id"], reps["figures"], strict=True))
    keys = [f.key for f in FIGURES]
    reported = pd.DataFrame([{k: _values(figs.get(i)).get(k) for k in keys} for i in status["id"]],
                            index=status.index, columns=keys)
    with_figures = np.array([bool(_values(figs.get(i))) for i in status["id"]], dtype=bool)
    comm = status[["id", "code", "name", "street_code", "street_name", "path", "status", "submitted", "is_zero",
                   "late", "submitted_at", "submitted_by"]].copy()
    comm["has_figures"] = with_figures
    for k in keys:
        comm[k] = pd.to_numeric(reported[k], errors="coerce")

    # the child of `unit` each community falls under (the community itself at community level)
    depth = len(unit.path.strip("/").split("/"))
    if unit.level >= Level.COMMUNITY:
        comm["child_id"] = unit.id
    else:
        comm["child_id"] = comm["path"].str.strip("/").str.split("/").map(lambda p: int(p[depth]))
    comm["_one"] = 1
    comm["_on_time"] = (comm["status"] == "on_time").astype(int)
    comm["_late"] = (comm["status"] == "late").astype(int)
    comm["_zero"] = (comm["submitted"] & comm["is_zero"]).astype(int)
    comm["_missing"] = (comm["status"] == "missing").astype(int)
    comm["_pending"] = (comm["status"] == "pending").astype(int)
    comm["_without"] = (comm["submitted"] & ~comm["has_figures"]).astype(int)
    comm["_submitted"] = comm["submitted"].astype(int)

    children = _children_refs(session, unit)
    g = comm.groupby("child_id")
    counts = pd.DataFrame({
        "communities": g["_one"].sum(), "submitted": g["_submitted"].sum(), "on_time": g["_on_time"].sum(),
        "late": g["_late"].sum(), "zero": g["_zero"].sum(), "missing": g["_missing"].sum(),
        "pending": g["_pending"].sum(), "without_figures": g["_without"].sum()})
    sums = g[keys].sum(min_count=0).fillna(0)
    rows = children.merge(pd.concat([counts, sums], axis=1), left_on="id", right_index=True, how="left")
    for col in (*COUNT_COLUMNS, *keys):
        rows[col] = rows[col].fillna(0).astype("int64")
    totals = {col: int(rows[col].sum()) for col in (*COUNT_COLUMNS, *keys)}

    live = live_figures(session, unit, on)
    diffs = []
    for r in comm[comm["has_figures"]].itertuples(index=False):
        payload = figs.get(r.id) or {}
        corrected = payload.get("corrections") or {}
        for k in DATA_FIGURES:
            rv = getattr(r, k)
            lv = int(live.loc[r.id, k]) if r.id in live.index else 0
            if pd.isna(rv) or int(rv) == lv:
                continue
            diffs.append({"community_code": r.code, "community_name": r.name, "street_name": r.street_name,
                          "figure": k, "label_zh": figure_label(k), "label_en": figure_label(k, "en"),
                          "reported": int(rv), "live": lv, "difference": int(rv) - lv,
                          "corrected": k in corrected, "reason": payload.get("reason") if k in corrected else None})
    differences = pd.DataFrame(diffs, columns=["community_code", "community_name", "street_name", "figure",
                                               "label_zh", "label_en", "reported", "live", "difference",
                                               "corrected", "reason"])
    live_cols = live.add_prefix("live_")
    communities = comm.drop(columns=[c for c in comm.columns if c.startswith("_")]).merge(
        live_cols, left_on="id", right_index=True, how="left")
    return ReportSummary(ref(unit), on, rows.reset_index(drop=True), totals, communities.reset_index(drop=True),
                         differences)


def _children_refs(session: Session, unit: Unit) -> pd.DataFrame:
    if unit.level >= Level.COMMUNITY:
        return pd.DataFrame([{"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level}])
    rows = session.execute(select(Unit.id, Unit.code, Unit.name, Unit.level).where(Unit.parent_id == unit.id)
                           .order_by(Unit.code)).all()
    return pd.DataFrame(rows, columns=["id", "code", "name", "level"])


def completeness(session: Session, unit_code: str, on: dt.date, now: dt.datetime | None = None) -> dict[str, int]:
    """Counts for a KPI: communities, submitted, zero, late, missing, pending under `unit_code` on `on`."""
    s = report_status(session, unit_code, on, now)
    return {"communities": len(s), "submitted": int(s["submitted"].sum()),
            "zero": int((s["submitted"] & s["is_zero"]).sum()), "late": int((s["status"] == "late").sum()),
            "missing": int((s["status"] == "missing").sum()), "pending": int((s["status"] == "pending").sum())}


def scope_code(session: Session, scope_path: str | None) -> str | None:
    """The code of the unit a scope path names (its last id); None for the whole city or an unknown path."""
    if not scope_path:
        return None
    ids = [p for p in scope_path.strip("/").split("/") if p]
    unit = session.get(Unit, int(ids[-1])) if ids else None
    return unit.code if unit is not None else None


def communities_under(session: Session, unit_code: str) -> pd.DataFrame:
    """The communities at or under `unit_code`: id, code, name, street (for pickers and lists)."""
    comms = _communities(session, unit_by_code(session, unit_code))
    return comms[["id", "code", "name", "street_code", "street_name", "leader_name", "leader_phone"]]


def community_report(session: Session, community_code: str, on: dt.date) -> dict[str, Any] | None:
    """The stored report of one community for `on` (submitted_at, by, late, is_zero, values, corrections,
    reason), or None."""
    comm = _community(session, community_code)
    row = session.execute(select(DailyReport).where(DailyReport.community_id == comm.id,
                                                    DailyReport.report_date == on)).scalar_one_or_none()
    if row is None or row.submitted_at is None:
        return None
    figs = row.figures or {}
    return {"submitted_at": row.submitted_at, "submitted_by": row.submitted_by, "late": bool(row.late),
            "is_zero": bool(row.is_zero), "values": dict(figs.get("values") or {}),
            "corrections": dict(figs.get("corrections") or {}), "reason": figs.get("reason"),
            "revisions": int(figs.get("revisions", 0))}
