"""/reports: daily reports (日报/零报告), who has not reported, the summaries built from the reports with their
differences from the live data, trend charts and the printable briefing (domain file §3.1, §4.2, scenario 12).

- a signed-in community head or grid leader gets the report form of their community;
- everyone sees, for the unit in view (`?code=`, else the signed-in user's scope, else the city): reports in,
  late, zero and missing (after the cut-off), the per-unit summary, differences, trends, briefing downloads.
Nothing is decided here: geodata.reporting.reports, geodata.reporting.trends and geodata.reporting.briefing answer, loaders.briefing draws.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, data, state
from dashboard.components import report_reads as rr
from dashboard.components.charts import trend_chart
from dashboard.components.edit_text import plain
from dashboard.components.report_form import report_form
from dashboard.i18n import MISSING, extend, t
from geodata.base.vocab import Level
from geodata.people import authority
from geodata.reporting import tasks
from geodata.reporting.reports import FIGURES, STATUS_LABELS, figure_label
from geodata.reporting.trends import SERIES, WINDOWS, series_label

extend({
    "reports.title": ("日报与简报 · {name}", "Daily reports and briefing · {name}"),
    "reports.sign_in": ("报送日报须先登录（社区书记或网格长）；下面的统计无需登录。",
                        "Sign in as a community head or grid leader to submit a report; the figures below need no "
                        "sign-in."),
    "reports.tab.status": ("上报情况", "Who reported"),
    "reports.tab.summary": ("汇总与差异", "Summary and differences"),
    "reports.tab.trend": ("趋势", "Trends"),
    "reports.tab.briefing": ("简报下载", "Briefing"),
    "reports.kpi.communities": ("应报社区", "Communities"),
    "reports.kpi.submitted": ("已报", "Submitted"),
    "reports.kpi.zero": ("零报告", "Zero reports"),
    "reports.kpi.late": ("迟报", "Late"),
    "reports.kpi.missing": ("未报", "Missing"),
    "reports.kpi.pending": ("待报", "Not yet due"),
    "reports.cutoff": ("截止时间 {cutoff}", "Cut-off {cutoff}"),
    "reports.before_cutoff": ("截止时间未到：{n} 个社区尚未报送，截止后列为未报。",
                              "Before the cut-off: {n} communities have not reported yet."),
    "reports.missing_list": ("未上报社区", "Communities without a report"),
    "reports.chase_list": ("尚未报送的社区（截止前，请联系负责人）", "Communities not yet reported (before the cut-off: call "
                                                           "their leaders)"),
    "reports.all_in": ("全部已报", "All reports are in"),
    "reports.rows": ("按下级汇总（来自已报日报）", "Summed by unit (from the submitted reports)"),
    "reports.differences": ("日报与系统数据不一致之处", "Where reports differ from the data"),
    "reports.no_differences": ("日报与系统数据一致", "Reports agree with the data"),
    "reports.imported": ("{n} 份日报为导入数据，无分项数字，只计入已报。",
                         "{n} reports were imported without figures: counted as submitted only."),
    "reports.window": ("时间范围（天）", "Window (days)"),
    "reports.by_child": ("按下级单位", "By unit below"),
    "reports.figure": ("指标", "Figure"),
    "reports.briefing_help": ("一页 A4 简报（PDF）与分表数据（XLSX），在服务器上生成，不依赖外网。",
                              "One-page A4 briefing (PDF) and the same sections as sheets (XLSX), made on the "
                              "server without internet."),
    "reports.download_pdf": ("下载 PDF 简报", "Download PDF briefing"),
    "reports.download_xlsx": ("下载 XLSX", "Download XLSX"),
    "reports.col.status": ("状态", "Status"),
    "reports.col.street": ("街道", "Street"),
    "reports.col.submitted_at": ("报送时间", "Submitted at"),
    "reports.col.reported": ("日报数", "Reported"),
    "reports.col.live": ("系统数", "Data"),
    "reports.col.diff": ("差", "Difference"),
    "reports.col.corrected": ("主动更正", "Corrected"),
    "reports.col.reason": ("原因", "Reason"),
    "reports.unknown_code": ("单元编码不存在：{code}", "Unknown unit code: {code}"),
})


#: the widget key of the page's tabs (its value: the open tab's label)
TAB_KEY = "reports-tab"


def community_of(scope_path: str | None) -> str | None:
    """The community path of a scope (a community head's own, a grid leader's parent)."""
    if not scope_path:
        return None
    ids = [p for p in scope_path.strip("/").split("/") if p]
    depth = int(Level.COMMUNITY)
    return "/" + "/".join(ids[:depth]) + "/" if len(ids) >= depth else None


def status_panel(v: state.View, actor, code: str, now: dt.datetime) -> None:  # noqa: ANN001 — UserActor
    lang = v.lang
    frame = rr.status(v.url, v.version, code, v.on, now)
    cutoff = rr.cutoff(v.url, v.version, v.on)
    counts = {"communities": len(frame), "submitted": int(frame["submitted"].sum()),
              "zero": int((frame["submitted"] & frame["is_zero"]).sum()),
              "late": int((frame["status"] == "late").sum()), "missing": int(frame["missing"].sum()),
              "pending": int((frame["status"] == "pending").sum())}
    cols = st.columns(6)
    for col, key in zip(cols, counts, strict=True):
        col.metric(t(f"reports.kpi.{key}", lang), counts[key])
    st.caption(t("reports.cutoff", lang, cutoff=f"{cutoff:%Y-%m-%d %H:%M}"))
    if counts["pending"]:
        st.info(t("reports.before_cutoff", lang, n=counts["pending"]))
    # who to phone: before the cut-off the communities still pending, after it those missing (issue 16 point 5)
    chase = tasks.chase_list(frame, actor)  # from the status read above, not a second read
    st.markdown(f"**{t('reports.chase_list' if counts['pending'] else 'reports.missing_list', lang)}**")
    if chase.empty:
        st.caption(t("reports.all_in", lang))
    else:
        if bool(chase["contacts_hidden"].any()):
            chase = chase.assign(leader_name=t("contacts.hidden", lang), leader_phone=t("contacts.hidden", lang))
        chase = chase.assign(status=chase["status"].map(lambda s: STATUS_LABELS[s][1 if lang == "en" else 0]))
        st.dataframe(chase[["street_name", "code", "name", "status", "leader_name", "leader_phone"]].rename(columns={
            "street_name": t("reports.col.street", lang), "code": t("table.code", lang),
            "name": t("table.name", lang), "status": t("reports.col.status", lang), "leader_name": t("leader", lang),
            "leader_phone": t("phone", lang)}), hide_index=True, width="stretch")
    shown = frame.assign(status=frame["status"].map(lambda s: STATUS_LABELS[s][1 if lang == "en" else 0]),
                         submitted_at=frame["submitted_at"].map(  # not in yet: a dash, never "None"
                             lambda d: MISSING if d is None or pd.isna(d) else f"{pd.Timestamp(d):%Y-%m-%d %H:%M}"))
    st.dataframe(shown[["street_name", "code", "name", "status", "submitted_at", "is_zero"]].rename(columns={
        "street_name": t("reports.col.street", lang), "code": t("table.code", lang), "name": t("table.name", lang),
        "status": t("reports.col.status", lang), "submitted_at": t("reports.col.submitted_at", lang),
        "is_zero": t("reports.kpi.zero", lang)}), hide_index=True, width="stretch", height=320)


def summary_panel(v: state.View, code: str, now: dt.datetime) -> None:
    lang = v.lang
    summ = rr.summary(v.url, v.version, code, v.on, now)
    st.markdown(f"**{t('reports.rows', lang)}**")
    keys = [f.key for f in FIGURES]
    cols = ["code", "name", "communities", "submitted", "late", "zero", "missing", *keys]
    names = {"code": t("table.code", lang), "name": t("table.name", lang),
             **{k: t(f"reports.kpi.{k}", lang) for k in ("communities", "submitted", "late", "zero", "missing")},
             **{k: figure_label(k, lang) for k in keys}}
    total = pd.DataFrame([{**summ.totals, "code": summ.unit.code, "name": summ.unit.name}])
    st.dataframe(pd.concat([summ.rows, total], ignore_index=True)[cols].rename(columns=names), hide_index=True,
                 width="stretch")
    if summ.totals.get("without_figures"):
        st.caption(t("reports.imported", lang, n=summ.totals["without_figures"]))
    st.markdown(f"**{t('reports.differences', lang)}**")
    if summ.differences.empty:
        st.caption(t("reports.no_differences", lang))
        return
    d = summ.differences
    st.dataframe(d[["street_name", "community_name", f"label_{'en' if lang == 'en' else 'zh'}", "reported", "live",
                    "difference", "corrected", "reason"]].rename(columns={
        "street_name": t("reports.col.street", lang), "community_name": t("table.name", lang),
        f"label_{'en' if lang == 'en' else 'zh'}": t("reports.figure", lang),
        "reported": t("reports.col.reported", lang), "live": t("reports.col.live", lang),
        "difference": t("reports.col.diff", lang), "corrected": t("reports.col.corrected", lang),
        "reason": t("reports.col.reason", lang)}), hide_index=True, width="stretch")


def trend_panel(v: state.View, code: str) -> None:
    lang = v.lang
    days = st.segmented_control(t("reports.window", lang), options=list(WINDOWS), default=14, key="reports-days")
    days = days or 14
    frame = rr.trend(v.url, v.version, code, days, v.on)
    frame.index = frame.index.date
    cols = st.columns(3)
    cols[0].caption(series_label("cases", lang))
    trend_chart(cols[0], frame["cases"], kind="bar", lang=lang)
    cols[1].caption(series_label("observations", lang))
    trend_chart(cols[1], frame["observations"], lang=lang)
    cols[2].caption(t("kpi.locked_down", lang))  # 封锁/硬隔离: buildings and natural villages (issue 14 point 12)
    sealed = ["sealed_buildings", "sealed_villages"]
    trend_chart(cols[2], frame[sealed].rename(columns=lambda k: series_label(k, lang)), lang=lang)
    crumbs = data.breadcrumb(v.url, v.version, code)
    if crumbs and crumbs[-1].level < Level.GRID:
        figure = st.selectbox(t("reports.by_child", lang), options=list(SERIES),
                              format_func=lambda k: series_label(k, lang), key="reports-child-figure")
        split = rr.trend_by_child(v.url, v.version, code, figure, days, v.on)
        split.index = split.index.date
        trend_chart(st, split, height=300, lang=lang)


def briefing_panel(v: state.View, code: str, now: dt.datetime) -> None:
    lang = v.lang
    st.caption(t("reports.briefing_help", lang))
    name = f"briefing-{code}-{v.on.isoformat()}"
    cols = st.columns(2)
    url, version, on = v.url, v.version, v.on
    cols[0].download_button(t("reports.download_pdf", lang), key="reports-pdf", file_name=f"{name}.pdf",
                            mime="application/pdf", on_click="ignore",
                            data=lambda: rr.briefing_file(url, version, code, on, now, "pdf", lang))
    cols[1].download_button(t("reports.download_xlsx", lang), key="reports-xlsx", file_name=f"{name}.xlsx",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            on_click="ignore",
                            data=lambda: rr.briefing_file(url, version, code, on, now, "xlsx", lang))


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.reports")  # staff lists: not for the wall account
    v = state.view()
    lang = v.lang
    root = data.root(v.url, v.version)
    if root is None:
        st.info(t("no_data", lang))
        return
    code = rr.unit_in_view(v, actor, root.code)
    crumbs = data.breadcrumb(v.url, v.version, code)
    if not crumbs:
        st.error(t("reports.unknown_code", lang, code=plain(code)))
        return
    unit = crumbs[-1]
    st.header(t("reports.title", lang, name=plain(unit.name)))
    now = rr.minute()

    if actor is None:
        st.info(t("reports.sign_in", lang))
    elif authority.allowed(actor, "report.submit", community_of(actor.scope_path)) and actor.scope_path:
        community = rr.scope_code(v.url, v.version, community_of(actor.scope_path))
        if community:
            names = rr.communities(v.url, v.version, community)
            report_form(v.url, v.version, actor, community, names.iloc[0]["name"], v.on, lang)
            st.divider()

    if unit.level > Level.COMMUNITY:  # grids and below have no reports of their own: show their community
        unit = crumbs[int(Level.COMMUNITY) - 1]
    # only the tab open is computed (a rerun when another is chosen): at 16:00 every community head opens this
    # page to submit, and the summary and trends they do not look at were half of each run (issue 18)
    labels = [t(f"reports.tab.{k}", lang) for k in ("status", "summary", "trend", "briefing")]
    tabs = st.tabs(labels, key=TAB_KEY, on_change="rerun")
    panels = (lambda: status_panel(v, actor, unit.code, now), lambda: summary_panel(v, unit.code, now),
              lambda: trend_panel(v, unit.code), lambda: briefing_panel(v, unit.code, now))
    for tab, panel in zip(tabs, panels, strict=True):
        if tab.open:
            with tab:
                panel()


main()
