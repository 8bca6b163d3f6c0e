"""The pending proposals to revoke a 无疫小区 flag on /honours (issue 14 point 12, 001 §七): a confirmed case in a
flagged compound only proposes the revocation; the command centre confirms it (the flag is revoked, logged under
that person) or dismisses it with a reason. Who sees the buttons comes from the same actions the commands check
(`honours.revoke`, `honours.dismiss_revocation`); everyone else with the page sees the list read-only.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.components.edit_text import plain
from dashboard.components.report_form import run_write
from dashboard.i18n import extend, t
from dashboard.state import store_for
from geodata.people import authority
from geodata.situation import honours

extend({
    "honours.proposals": ("待确认的取消授旗建议（{n}）", "Flag revocations to confirm ({n})"),
    "honours.proposal.line": ("{compound}：确诊病例 {cases}（{days}），{raised_on} 由 {by} 登记病例时提出",
                              "{compound}: confirmed case(s) {cases} ({days}), raised on {raised_on} when {by} "
                              "recorded the case"),
    "honours.proposal.reason": ("理由（驳回时必填）", "Reason (required to keep the flag)"),
    "honours.proposal.confirm": ("确认取消授旗", "Confirm: revoke the flag"),
    "honours.proposal.dismiss": ("驳回，保留旗帜", "Dismiss: keep the flag"),
    "honours.proposal.readonly": ("由指挥部确认或驳回。", "The command centre confirms or dismisses it."),
    "honours.proposal.confirmed": ("已取消授旗", "Flag revoked"),
    "honours.proposal.dismissed": ("已驳回建议，旗帜保留", "Proposal dismissed, the flag stays"),
})


@st.cache_data(show_spinner=False, ttl=15 * 60, max_entries=64)
def proposals(url: str, version: int, code: str) -> pd.DataFrame:
    with store_for(url).read() as s:
        return honours.revocation_proposals(s, code)


def panel(url: str, version: int, actor, code: str, on: dt.date, lang: str, done: Callable[[str], None]) -> None:
    """The open proposals under `code`; confirm / dismiss for whoever may take those actions at each one."""
    frame = proposals(url, version, code)
    if frame.empty:
        return
    with st.container(key="honour-proposals", border=True):
        st.markdown(f"**{t('honours.proposals', lang, n=len(frame))}**")
        for row in frame.itertuples(index=False):
            alert_id, version_read = int(row.id), int(row.version)
            st.markdown(plain(t("honours.proposal.line", lang, compound=row.compound_name, cases=row.cases,
                                days=row.case_days, raised_on=row.raised_on.isoformat(), by=row.raised_by)))
            may_confirm = authority.allowed(actor, honours.action("revoke"), row.path)
            may_dismiss = authority.allowed(actor, honours.action("dismiss_revocation"), row.path)
            if not (may_confirm or may_dismiss):
                st.caption(t("honours.proposal.readonly", lang))
                continue
            reason = st.text_input(t("honours.proposal.reason", lang), key=f"honour-proposal-reason-{alert_id}")
            left, right = st.columns(2)
            if may_confirm and left.button(t("honours.proposal.confirm", lang), type="primary", width="stretch",
                                           key=f"honour-proposal-confirm-{alert_id}"):
                if run_write(url, actor, lambda ctx: honours.confirm_revocation(
                        ctx, alert_id, note=reason or None, on=on, expected_version=version_read), lang) is not None:
                    done(t("honours.proposal.confirmed", lang))
            if may_dismiss and right.button(t("honours.proposal.dismiss", lang), width="stretch",
                                            key=f"honour-proposal-dismiss-{alert_id}"):
                if run_write(url, actor, lambda ctx: honours.dismiss_revocation(
                        ctx, alert_id, reason, on=on, expected_version=version_read), lang) is not None:
                    done(t("honours.proposal.dismissed", lang))
