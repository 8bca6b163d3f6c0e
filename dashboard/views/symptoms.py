"""/symptoms: the open symptom alerts of the street's (or the district's) communities, oldest first, overdue ones
marked, each with its follow-up form (上门收治 / 转诊 / 排除, the day, a note) — for the street supervisor and the
district health role, on a phone as at a desk (issue 14 point 3). Recording the follow-up is
geodata.situation.symptoms.record_followup; it clears the alert. Below the alerts, the form that reports a resident
not under observation with symptoms (dashboard.components.symptom_report).
"""
from __future__ import annotations

import datetime as dt
import html

import streamlit as st

from dashboard import auth, state
from dashboard.components import field_ledgers
from dashboard.components.edit_text import plain
from dashboard.components.refusals import show_refusal
from dashboard.components.symptom_report import report_form
from dashboard.i18n import extend, t
from geodata.base.problems import Refusal
from geodata.people import authority
from geodata.reporting import access
from geodata.situation.symptoms import FOLLOWUP_OUTCOMES, followups, open_symptom_alerts, record_followup
from geodata.store.writes import write

extend({
    "sy.by": ("处置人", "By"),
    "sy.subject": ("对象编号", "Subject"),
    "sy.title": ("症状预警随访处置", "Follow-up of symptom alerts"),
    "sy.none": ("暂无待处置的症状预警", "No open symptom alerts"),
    "sy.open": ("待处置 {n} 条，其中逾期 {late} 条", "{n} open, {late} overdue"),
    "sy.overdue": ("逾期 {h} 小时未处置", "overdue: open {h} h"),
    "sy.hours": ("已 {h} 小时", "open {h} h"),
    "sy.outcome": ("处置结果", "Outcome"),
    "sy.on": ("处置日期", "Date"),
    "sy.note": ("处置说明", "Note"),
    "sy.save": ("登记处置", "Record follow-up"),
    "sy.saved": ("已登记处置，预警已解除。", "Follow-up recorded; the alert is cleared."),
    "sy.readonly": ("仅街道督导和卫生健康人员可登记处置", "Only the street and health staff record follow-ups"),
    "sy.done": ("近期已处置", "Recent follow-ups"),
})

CSS = """<style>
.gw-sy { background: #2a1a12; border-left: 6px solid #D55E00; border-radius: 8px; padding: 10px 12px;
  margin: 4px 0 6px; font-size: 18px; line-height: 1.4; overflow-wrap: anywhere; }
.gw-sy-late { border-left-color: #ff3b3b; }
.gw-sy-when { font-size: 15px; color: #b9c6d3; }
.gw-sy-flag { display: inline-block; font-weight: 700; color: #ff8a3d; }
[class*="st-key-gw-sy-"] button { min-height: 44px; }
[class*="st-key-gw-sy-"] [data-baseweb="radio"] { min-height: 44px; }
</style>"""


def _card(row, lang: str) -> None:  # noqa: ANN001 — a row of open_symptom_alerts
    title = str(row.title_en if lang == "en" else row.title_zh)
    hours = f"{float(row.hours_open):.0f}"
    flag = t("sy.overdue" if row.overdue else "sy.hours", lang, h=hours)
    st.html(f'<div class="gw-sy{" gw-sy-late" if row.overdue else ""}" data-alert-id="{int(row.id)}">'
            f"{html.escape(title)}<div class='gw-sy-when'>{html.escape(str(row.raised_on))} · "
            f"{html.escape(str(row.unit_name))} · <span class='gw-sy-flag'>{html.escape(flag)}</span></div></div>")


def _form(v: state.View, actor, row, lang: str) -> None:  # noqa: ANN001
    with st.container(key=f"gw-sy-{int(row.id)}"), st.form(key=f"gw-syf-{int(row.id)}", border=True):
        outcome = st.radio(t("sy.outcome", lang), list(FOLLOWUP_OUTCOMES), horizontal=True, index=None,
                           format_func=lambda c: FOLLOWUP_OUTCOMES[c].en if lang == "en" else FOLLOWUP_OUTCOMES[c].zh)
        on = st.date_input(t("sy.on", lang), value=dt.date.today(), max_value=dt.date.today(), format="YYYY-MM-DD")
        note = st.text_input(t("sy.note", lang), max_chars=500)
        if st.form_submit_button(t("sy.save", lang), type="primary", use_container_width=True):
            try:
                write(v.store, actor, lambda ctx: record_followup(ctx, int(row.id), outcome or "", on=on, note=note,
                                                                  expected_version=int(row.version)))
            except Refusal as exc:
                show_refusal(exc, lang)
                return
            st.session_state["gw-sy-flash"] = t("sy.saved", lang)
            st.rerun()


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.symptoms")
    v = state.view()
    lang = v.lang
    st.html(CSS)
    st.subheader(t("sy.title", lang))
    if flash := st.session_state.pop("gw-sy-flash", None):
        st.success(flash)
    try:
        with v.store.read() as s:
            home = access.home(s, actor)
            if home is None:
                st.info(t("no_data", lang))
                return
            frame = open_symptom_alerts(s, actor, home.path)
            done = followups(s, actor, home.path, since=dt.date.today() - dt.timedelta(days=7))
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    st.caption(plain(f"{home.name} · " + t("sy.open", lang, n=len(frame), late=int(frame["overdue"].sum()))))
    field_ledgers.download(actor, "followups", lang, code=home.code, path=home.path)  # 随访处置台账 XLSX
    if frame.empty:
        st.info(t("sy.none", lang))
    for row in frame.itertuples(index=False):
        _card(row, lang)
        if authority.allowed(actor, "symptom.follow_up", row.path):
            _form(v, actor, row, lang)
        else:
            st.caption(t("sy.readonly", lang))
    report_form(v.store, actor, home, v.version, lang)  # a resident not under observation (issue 14 point 3)
    if len(done):
        st.markdown(f"#### {t('sy.done', lang)}")
        shown = done.assign(outcome=[FOLLOWUP_OUTCOMES[c].en if lang == "en" else FOLLOWUP_OUTCOMES[c].zh
                                     for c in done["outcome"]])
        st.dataframe(shown[["done_on", "outcome", "done_by", "note", "subject_code"]].rename(columns={
            "done_on": t("sy.on", lang), "outcome": t("sy.outcome", lang), "note": t("sy.note", lang),
            "done_by": t("sy.by", lang), "subject_code": t("sy.subject", lang)}),
            hide_index=True, use_container_width=True)


main()
