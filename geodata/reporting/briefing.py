"""The daily briefing (每日简报) of the city, a district or a street: everything on the one printed page, as data.

Sections (domain file §4.2, the indicators a command centre watches; §3.1 the daily summary up the chain):
- KPIs with yesterday's value: new cases, cases in 7 days, people under observation, sealed buildings,
  communities at S1 or above, reports in / missing, 无疫小区 flags held;
- changes since yesterday: communities whose situation level or cluster flag changed, buildings sealed or
  lifted that day, flags awarded or revoked;
- top alerts: the stored alerts (geodata.situation.alerts) of the last 7 days, and the clusters and S2 communities of the
  day that have no stored alert yet (the demo's history has none);
- missing reports once the cut-off has passed (geodata.reporting.reports), and the reports summed per child unit;
- a 14-day trend (geodata.reporting.trends);
- the map: communities coloured by situation (the active scheme's colours), the unit's children outlined and
  named, missing reports, sealed buildings and 无疫小区 flags.

No files here: loaders.briefing renders this to PDF, PNG and XLSX.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.base.vocab import LEVEL_LABELS, Level, control_label
from geodata.reporting import figures, reports, trends
from geodata.situation import honours
from geodata.situation.alerts import ALERT_KINDS, open_alerts
from geodata.situation.history import LOCKDOWN_FIGURES, control_events, targets_in_states
from geodata.situation.risk import scheme_legend, situation
from geodata.store.hierarchy import UnitRef, breadcrumb, path_upper_bound, ref, unit_by_code
from geodata.store.models import Building, Unit
from geodata.store.stats import SEALED_STATES

#: how urgent each alert kind is on the page (transmission before cluster before new S1 before symptoms)
ALERT_PRIORITY = {"transmission": 0, "cluster": 1, "cases": 2, "symptom": 3}
TOP_ALERTS = 6
TREND_DAYS = 14


@dataclass(frozen=True)
class Kpi:
    key: str
    zh: str
    en: str
    value: int
    previous: int | None = None  # yesterday's value, when it means something
    total: int | None = None  # "value / total" (reports in / communities)
    alert: bool = False  # drawn in the warning colour

    @property
    def delta(self) -> int | None:
        return None if self.previous is None else self.value - self.previous

    def label(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class BriefingMap:
    """Geometries (WGS-84) and colours of the briefing map."""

    areas: gpd.GeoDataFrame  # coloured polygons: code, name, colour, rank, level_code, report_missing
    outlines: gpd.GeoDataFrame  # the unit's children: code, name, label_lon, label_lat
    boundary: gpd.GeoDataFrame  # the unit itself
    sealed: pd.DataFrame  # sealed buildings and natural villages (封锁/硬隔离, not 疫点): code, lon, lat
    flags: pd.DataFrame  # 无疫小区 flags: compound_name, lon, lat, flag (awarded | revoked), colour
    legend: list[tuple[str, str, str, str]]  # (code, label zh, label en, colour), lowest rank first


@dataclass
class Briefing:
    unit: UnitRef
    crumbs: list[UnitRef]
    on: dt.date
    now: dt.datetime
    cutoff: dt.datetime
    kpis: list[Kpi]
    changes: pd.DataFrame  # kind, severity, text_zh, text_en
    alerts: pd.DataFrame  # raised_on, kind, kind_zh, kind_en, unit_name, title_zh, title_en, acknowledged, stored
    missing: pd.DataFrame  # code, name, street_name, leader_name, leader_phone
    report_rows: pd.DataFrame  # reports summed per child unit (geodata.reporting.reports.summary rows)
    report_totals: dict[str, int]
    trend: pd.DataFrame  # TREND_DAYS rows: cases, confirmed, observations, sealed_buildings, sealed_villages
    map: BriefingMap
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def cutoff_passed(self) -> bool:
        return self.now >= self.cutoff

    def level_label(self, lang: str = "zh") -> str:
        zh, en = LEVEL_LABELS[Level(self.unit.level)]
        return en if lang == "en" else zh

    def title(self, lang: str = "zh") -> str:
        if lang == "en":
            return f"Daily briefing · {self.unit.name} · {self.on.isoformat()}"
        return f"{self.unit.name} 疫情防控每日简报 · {self.on.year}年{self.on.month}月{self.on.day}日"


def build_briefing(session: Session, unit_code: str, on: dt.date, now: dt.datetime | None = None) -> Briefing:
    """Everything the briefing of `unit_code` (city, district or street; a community works too) shows for `on`,
    with missing reports judged at `now` (default: the server clock)."""
    now = now or dt.datetime.now()
    unit_row = unit_by_code(session, unit_code)
    unit = ref(unit_row)
    crumbs = breadcrumb(session, unit_code)
    yesterday = on - dt.timedelta(days=1)

    comm_today = _community_situation(session, unit, on)
    comm_yesterday = _community_situation(session, unit, yesterday)
    trend = trends.series(session, unit_code, days=TREND_DAYS, on=on)
    status = reports.report_status(session, unit_code, on, now)
    summ = reports.summary(session, unit_code, on, now)
    flag_layer = honours.flags(session, unit_code, on)
    legend = [(c, zh, en, col) for (c, zh, col), (_, en, _) in zip(scheme_legend(session, lang="zh"),
                                                                   scheme_legend(session, lang="en"), strict=True)]

    kpis = _kpis(trend, comm_today, comm_yesterday, status, flag_layer, legend)
    changes = _changes(session, unit, on, comm_today, comm_yesterday, legend)
    alerts = _alerts(session, unit, on, comm_today)
    missing = status[status["missing"]][["code", "name", "street_name", "leader_name", "leader_phone"]]
    brief_map = _map(session, unit, on, status, flag_layer, legend)
    notes = []
    if summ.totals.get("without_figures"):
        notes.append((f"{summ.totals['without_figures']}份日报为导入数据，无分项数字",
                      f"{summ.totals['without_figures']} reports were imported without figures"))
    return Briefing(unit=unit, crumbs=crumbs, on=on, now=now, cutoff=reports.cutoff_at(session, on), kpis=kpis,
                    changes=changes, alerts=alerts, missing=missing.reset_index(drop=True), report_rows=summ.rows,
                    report_totals=summ.totals, trend=trend, map=brief_map, notes=notes)


# --- sections ------------------------------------------------------------------------------------------------


def _community_situation(session: Session, unit: UnitRef, on: dt.date) -> pd.DataFrame:
    if unit.level >= Level.COMMUNITY:
        return situation(session, [unit.id], on=on)
    return situation(session, level=int(Level.COMMUNITY), parent=unit.code, on=on)


def _kpis(trend: pd.DataFrame, today: pd.DataFrame, yesterday: pd.DataFrame, status: pd.DataFrame,
          flag_layer: pd.DataFrame, legend: list[tuple[str, str, str, str]]) -> list[Kpi]:
    last, prev = trend.iloc[-1], trend.iloc[-2]
    week, week_before = int(trend["cases"].iloc[-7:].sum()), int(trend["cases"].iloc[-8:-1].sum())
    at_risk = int((today["rank"] >= 1).sum()) if len(today) else 0
    at_risk_before = int((yesterday["rank"] >= 1).sum()) if len(yesterday) else 0
    submitted = int(status["submitted"].sum())
    missing = int(status["missing"].sum())
    held = int((flag_layer["flag"] == "awarded").sum()) if len(flag_layer) else 0
    s1 = legend[1][0]

    def locked(row: pd.Series) -> int:
        return int(row["sealed_buildings"]) + int(row.get("sealed_villages", 0))

    return [
        Kpi("new_cases", "今日新增病例", "New cases today", int(last["cases"]), int(prev["cases"]),
            alert=int(last["cases"]) > 0),
        Kpi("cases_7d", "近7日病例", "Cases, 7 days", week, week_before),
        Kpi("observations", "在观察人数", "Under observation", int(last["observations"]), int(prev["observations"])),
        # 封锁/硬隔离: sealed buildings and sealed natural villages, 疫点 not counted (issue 14 points 5 and 12)
        Kpi("locked_down", "封锁/硬隔离（楼栋+自然村）", "Sealed (buildings + villages)", locked(last), locked(prev),
            alert=locked(last) > locked(prev)),
        Kpi("communities_at_risk", f"{s1}及以上社区", f"Communities at {s1}+", at_risk, at_risk_before,
            alert=at_risk > at_risk_before),
        Kpi("reports_in", "日报已报", "Reports in", submitted, total=len(status)),
        Kpi("reports_missing", "日报未报", "Reports missing", missing, alert=missing > 0),
        Kpi("flags", "无疫小区", "Epidemic-free flags", held),
    ]


def _changes(session: Session, unit: UnitRef, on: dt.date, today: pd.DataFrame, yesterday: pd.DataFrame,
             legend: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    codes = {str(r): c for r, (c, _, _, _) in enumerate(legend)}
    if len(today):
        before = yesterday.set_index("code")[["rank", "cluster"]] if len(yesterday) else pd.DataFrame(
            columns=["rank", "cluster"])
        for r in today.itertuples(index=False):
            old_rank = int(before.loc[r.code, "rank"]) if r.code in before.index else 0
            old_cluster = bool(before.loc[r.code, "cluster"]) if r.code in before.index else False
            if int(r.rank) != old_rank:
                up = int(r.rank) > old_rank
                rows.append({"kind": "situation", "severity": 0 if up else 3,
                             "text_zh": f"{r.name}：{codes[str(old_rank)]}→{codes[str(int(r.rank))]}（{r.reason_zh}）",
                             "text_en": f"{r.name}: {codes[str(old_rank)]}→{codes[str(int(r.rank))]} "
                                        f"({r.reason_en})"})
            if bool(r.cluster) and not old_cluster:
                rows.append({"kind": "cluster", "severity": 1, "text_zh": f"{r.name}：新出现聚集性病例",
                             "text_en": f"{r.name}: new cluster"})
            elif old_cluster and not bool(r.cluster):
                rows.append({"kind": "cluster", "severity": 3, "text_zh": f"{r.name}：聚集性标记解除",
                             "text_en": f"{r.name}: cluster flag cleared"})
    rows += _control_changes(session, unit, on)
    for step in _honour_steps(session, unit, on):
        rows.append(step)
    frame = pd.DataFrame(rows, columns=["kind", "severity", "text_zh", "text_en"])
    return frame.sort_values("severity", kind="stable").reset_index(drop=True)


def _control_changes(session: Session, unit: UnitRef, on: dt.date) -> list[dict[str, object]]:
    ev = control_events(session, "building", unit.path)
    ev = ev[ev["dated"] == on] if len(ev) else ev  # a change of state, or of a sealing's basis, made for `on`
    if ev.empty:
        return []
    names = dict(session.execute(select(Building.code, Building.name).where(
        Building.code.in_(list(ev["code"].unique())))).all())
    compounds = dict(session.execute(text(
        "SELECT b.code, u.name FROM buildings b JOIN units u ON u.id = b.compound_id WHERE b.code IN "
        f"({', '.join(':c' + str(i) for i in range(ev['code'].nunique()))})"),
        {f"c{i}": c for i, c in enumerate(ev["code"].unique())}).all())
    out = []
    # the day's net change per building: the state before its first change that day → after its last
    # (a sealing by its basis, 封锁 / 硬隔离: vocab.control_label; 封锁 → 硬隔离 of a sealed building is a change too)
    day = ev.sort_values("id").groupby("code").agg(old_state=("old_state", "first"), state=("state", "last"),
                                                   old_basis=("old_basis", "first"), basis=("basis", "last"))
    for r in day.reset_index().itertuples(index=False):
        before, after = control_label(r.old_state or "normal", r.old_basis), control_label(r.state, r.basis)
        if before == after:
            continue
        where = f"{compounds.get(r.code, '')}{names.get(r.code, r.code)}"
        sealing = r.state in SEALED_STATES
        out.append({"kind": "control", "severity": 2 if sealing else 3, "text_zh": f"{where}：{before}→{after}",
                    "text_en": f"{where}: {control_label(r.old_state or 'normal', r.old_basis, 'en')} → "
                               f"{control_label(r.state, r.basis, 'en')}"})
    return out


def _honour_steps(session: Session, unit: UnitRef, on: dt.date) -> list[dict[str, object]]:
    apps = honours.applications(session, unit.code, states=("awarded", "revoked"))
    out = []
    for r in apps.itertuples(index=False):
        if r.awarded_on == on:
            out.append({"kind": "flag", "severity": 3, "text_zh": f"{r.compound_name}：授予无疫小区旗帜",
                        "text_en": f"{r.compound_name}: epidemic-free flag awarded"})
        if r.revoked_on == on:
            out.append({"kind": "flag", "severity": 1, "text_zh": f"{r.compound_name}：取消无疫小区授旗",
                        "text_en": f"{r.compound_name}: epidemic-free flag revoked"})
    return out


def _alerts(session: Session, unit: UnitRef, on: dt.date, today: pd.DataFrame) -> pd.DataFrame:
    cols = ["raised_on", "kind", "kind_zh", "kind_en", "unit_name", "title_zh", "title_en", "acknowledged",
            "stored"]
    stored = open_alerts(session, scope_path=unit.path, include_acknowledged=True)
    rows = []
    if len(stored):
        raised = pd.to_datetime(stored["raised_on"]).dt.date
        recent = stored[(raised <= on) & (raised > on - dt.timedelta(days=7))]
        for r in recent.itertuples(index=False):
            rows.append({"raised_on": pd.Timestamp(r.raised_on).date(), "kind": r.kind, "unit_name": r.unit_name,
                         "title_zh": r.title_zh, "title_en": r.title_en,
                         "acknowledged": r.acknowledged_by is not None, "stored": True})
    seen = {(r["kind"], r["unit_name"]) for r in rows}
    for r in today.itertuples(index=False):  # the day's clusters and S2 without a stored alert
        if int(r.rank) >= 2 and ("transmission", r.name) not in seen:
            rows.append({"raised_on": on, "kind": "transmission", "unit_name": r.name,
                         "title_zh": f"{r.name}：{r.label_zh}（{r.reason_zh}），{r.strategy_zh}",
                         "title_en": f"{r.name}: {r.label_en} ({r.reason_en}) — {r.strategy_en}",
                         "acknowledged": False, "stored": False})
        if bool(r.cluster) and ("cluster", r.name) not in seen:
            rows.append({"raised_on": on, "kind": "cluster", "unit_name": r.name,
                         "title_zh": f"{r.name}：{r.cluster_reason_zh}，立即报告市卫健委/市疫情防控指挥部",
                         "title_en": f"{r.name}: {r.cluster_reason_en} — report to city health / HQ now",
                         "acknowledged": False, "stored": False})
    frame = pd.DataFrame(rows, columns=[c for c in cols if c not in ("kind_zh", "kind_en")])
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["_p"] = frame["kind"].map(ALERT_PRIORITY).fillna(9)
    frame["_d"] = frame["raised_on"].map(lambda d: -d.toordinal())
    frame = frame.sort_values(["acknowledged", "_p", "_d"], kind="stable").head(TOP_ALERTS)
    frame["kind_zh"] = frame["kind"].map(lambda k: ALERT_KINDS[k].zh if k in ALERT_KINDS else k)
    frame["kind_en"] = frame["kind"].map(lambda k: ALERT_KINDS[k].en if k in ALERT_KINDS else k)
    return frame[cols].reset_index(drop=True)


def _map(session: Session, unit: UnitRef, on: dt.date, status: pd.DataFrame, flag_layer: pd.DataFrame,
         legend: list[tuple[str, str, str, str]]) -> BriefingMap:
    area_level = int(Level.COMMUNITY) if unit.level < Level.COMMUNITY else unit.level + 1
    areas = figures.outlines(session, area_level, unit)
    if len(areas):
        ids = dict(session.execute(text(
            "SELECT code, id FROM units WHERE level = :lvl AND path >= :lo AND path < :hi"),
            {"lvl": area_level, "lo": unit.path, "hi": path_upper_bound(unit.path)}).all())
        sit = situation(session, [ids[c] for c in areas["code"]], on=on)
        areas = areas.merge(sit[["code", "rank", "level_code", "colour", "cluster"]], on="code", how="left")
        missing = status.set_index("code")["missing"] if len(status) else pd.Series(dtype=bool)
        areas["report_missing"] = areas["code"].map(missing).astype("boolean").fillna(False).astype(bool)
    child_level = unit.level + 1 if unit.level < Level.COMPOUND else unit.level
    outlines = figures.outlines(session, child_level, unit)
    boundary = figures.outlines(session, unit.level, unit)
    # the sealed places (封锁/硬隔离): buildings at their point, natural villages at their label point
    locked = LOCKDOWN_FIGURES["sealed_buildings"][1]
    sealed = targets_in_states(session, on, "building", (locked,), unit.path)
    villages = targets_in_states(session, on, "compound", (locked,), unit.path)
    rows: list = []
    if len(sealed):
        rows += session.execute(select(Building.code, Building.lon, Building.lat).where(
            Building.id.in_([int(i) for i in sealed["id"]]))).all()
    if len(villages):
        rows += session.execute(select(Unit.code, Unit.label_lon, Unit.label_lat).where(
            Unit.id.in_([int(i) for i in villages["id"]]), Unit.kind == "natural_village")).all()
    points = pd.DataFrame([tuple(r) for r in rows], columns=["code", "lon", "lat"])
    flag_points = flag_layer[["compound_name", "lon", "lat", "flag", "colour"]] if len(flag_layer) else \
        pd.DataFrame(columns=["compound_name", "lon", "lat", "flag", "colour"])
    return BriefingMap(areas=areas, outlines=outlines, boundary=boundary, sealed=points, flags=flag_points,
                       legend=legend)
