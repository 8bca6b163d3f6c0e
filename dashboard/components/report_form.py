"""The community's daily report form (日报): figures prefilled from the data, a reason when any is changed, a
one-click zero report (零报告) when the day has nothing new. The rules live in geodata.reporting.reports.submit_report;
this component only collects the figures, calls it through the write path and shows its answer.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboard.components import report_reads as rr
from dashboard.components.edit_text import plain
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from dashboard.state import store_for
from geodata.base.problems import Refusal
from geodata.reporting.reports import DATA_FIGURES, FIGURES, ZERO_FIGURES, figure_label, submit_report
from geodata.store.writes import Actor, write

extend({
    "reports.form.title": ("{name} {day} 日报", "Daily report of {name}, {day}"),
    "reports.form.prefilled": ("数字已按系统数据预填：核对后确认报送；修改任何一项须说明原因。",
                               "Figures are prefilled from the data: confirm them, or correct one and say why."),
    "reports.form.reason": ("修改原因（修改了预填数字时必填）", "Reason for corrections (required when you change a figure)"),
    "reports.form.submit": ("确认报送", "Submit report"),
    "reports.form.zero": ("一键零报告", "One-click zero report"),
    "reports.form.zero_help": ("当日无新增病例时可用（新增隔离、解除等按系统数据一并报送）",
                               "On a day with no new case (new observations, releases and the like are sent as the data "
                               "gives them)"),
    "reports.form.zero_blocked": ("当日有病例（{what}），请逐项确认后报送", "The day has cases ({what}): submit a full report"),
    "reports.form.done": ("已报送（{at}{late}）", "Submitted ({at}{late})"),
    "reports.form.done_late": ("，迟报", ", late"),
    "reports.form.again": ("可再次报送以更正，首次报送时间不变。", "You can submit again to correct it; the first time is kept."),
    "reports.form.saved": ("日报已报送{late}", "Report submitted{late}"),
    "reports.form.zero_saved": ("零报告已报送{late}", "Zero report submitted{late}"),
    "reports.form.supplies": ("物资（社区填写）", "Supplies (typed by the community)"),
})

FLASH = "reports_form_flash"


def run_write(url: str, actor: Actor, fn: Callable[[Any], Any], lang: str) -> Any | None:
    """One command through the write path; refusals are shown, not raised. Returns the result or None."""
    try:
        return write(store_for(url), actor, fn)
    except Refusal as exc:
        show_refusal(exc, lang)
        return None


def report_form(url: str, version: int, actor: Actor, community: str, name: str, on: dt.date, lang: str) -> None:
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    st.subheader(t("reports.form.title", lang, name=plain(name), day=on.isoformat()))
    pre = rr.prefill(url, version, community, on)
    mine = rr.own_report(url, version, community, on)
    if mine:
        late = t("reports.form.done_late", lang) if mine["late"] else ""
        st.info(t("reports.form.done", lang, at=f"{mine['submitted_at']:%Y-%m-%d %H:%M}", late=late) + " "
                + t("reports.form.again", lang))
    st.caption(t("reports.form.prefilled", lang))
    start = {**pre, **(mine["values"] if mine else {})}
    with st.form(f"daily-report-{community}-{on}"):
        cols = st.columns(4)
        values: dict[str, int | None] = {}
        data_figs = [f for f in FIGURES if f.source == "data"]
        for i, f in enumerate(data_figs):
            values[f.key] = cols[i % 4].number_input(
                figure_label(f.key, lang), min_value=0, step=1, value=int(start.get(f.key) or 0),
                key=f"rep-{community}-{on}-{f.key}")
        st.markdown(f"**{t('reports.form.supplies', lang)}**")
        cols = st.columns(4)
        for i, f in enumerate([f for f in FIGURES if f.source == "entered"]):
            current = start.get(f.key)
            values[f.key] = cols[i % 4].number_input(
                figure_label(f.key, lang), min_value=0, step=1, value=None if current is None else int(current),
                key=f"rep-{community}-{on}-{f.key}")
        reason = st.text_input(t("reports.form.reason", lang), key=f"rep-{community}-{on}-reason")
        submitted = st.form_submit_button(t("reports.form.submit", lang), type="primary")
    busy = {k: pre[k] for k in ZERO_FIGURES if pre.get(k)}
    zero = st.button(t("reports.form.zero", lang), disabled=bool(busy), help=t("reports.form.zero_help", lang),
                     key=f"rep-{community}-{on}-zero")
    if busy:
        what = ("、" if lang != "en" else ", ").join(f"{figure_label(k, lang)} {v}" for k, v in busy.items())
        st.caption(t("reports.form.zero_blocked", lang, what=what))

    if submitted:
        corrections = {k: int(values[k]) for k in DATA_FIGURES if values[k] != pre.get(k)}
        entered = {f.key: values[f.key] for f in FIGURES if f.source == "entered"}
        result = run_write(url, actor, lambda ctx: submit_report(ctx, community, on, entered,
                                                                 corrections=corrections or None,
                                                                 reason=reason), lang)
        if result is not None:
            late = t("reports.form.done_late", lang) if result.late else ""
            st.session_state[FLASH] = t("reports.form.saved", lang, late=late)
            st.rerun()
    if zero:
        result = run_write(url, actor, lambda ctx: submit_report(ctx, community, on, zero=True), lang)
        if result is not None:
            late = t("reports.form.done_late", lang) if result.late else ""
            st.session_state[FLASH] = t("reports.form.zero_saved", lang, late=late)
            st.rerun()
