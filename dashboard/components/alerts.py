"""The wall's alert panel: stored alerts (clusters, community transmission, symptoms …) with acknowledgement,
and the standing conditions behind the KPIs (overdue releases, checkpoints below norm, missing reports).

Acknowledging is a geodata command (command centre only, audited); the panel only shows its answer.
"""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard import auth
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from geodata.people import authority
from geodata.base.problems import Refusal
from geodata.situation.alerts import acknowledge_alerts, acknowledgeable, alerts_in_scope
from geodata.store.db import Store
from geodata.store.writes import write

extend({
    "alerts.title": ("预警", "Alerts"),
    "alerts.none": ("暂无未处理预警", "No open alerts"),
    "alerts.ack": ("确认", "Acknowledge"),
    "alerts.more": ("另有 {n} 条", "{n} more"),
    "alerts.overdue": ("{n} 人逾期未解除隔离", "Persons overdue for release: {n}"),
    "alerts.understaffed": ("{n} 个卡点低于值守标准", "Checkpoints below the staffing norm: {n}"),
    "alerts.missing": ("{n} 个社区日报未报", "Communities not reported today: {n}"),
})
SHOWN = 8
CSS = """<style>
.gw-alert { background: #2a1a12; border-left: 6px solid #D55E00; border-radius: 6px; padding: 6px 10px;
  margin-bottom: 6px; font-size: 19px; line-height: 1.35; }
.gw-alert.gw-standing { background: #1c2333; border-left-color: #E69F00; }
.gw-alert-when { font-size: 15px; color: #b9c6d3; }
</style>"""


def panel(store: Store, frame: pd.DataFrame, totals: dict[str, int], missing: int, *, lang: str,
          kiosk: bool, shown: int = SHOWN) -> None:
    """Newest open alerts first (the first `shown`, then "另有 N 条"), then the standing conditions; an
    acknowledge button for the command centre."""
    st.html(CSS)
    st.markdown(f"#### {t('alerts.title', lang)}")
    standing = [(key, n) for key, n in (("alerts.overdue", totals.get("releases_overdue", 0)),
                                         ("alerts.understaffed", totals.get("checkpoints_understaffed", 0)),
                                         ("alerts.missing", missing)) if n]
    if frame.empty and not standing:
        st.caption(t("alerts.none", lang))
        return
    actor = auth.current_actor()
    may_ack = not kiosk and authority.allowed(actor, "alert.acknowledge")
    title = "title_en" if lang == "en" else "title_zh"
    for row in frame.head(shown).itertuples(index=False):
        text = html.escape(str(getattr(row, title)))
        when = html.escape(f"{row.raised_on} · {row.unit_name}")
        if may_ack and acknowledgeable(str(row.kind)):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.html(f'<div class="gw-alert">{text}<div class="gw-alert-when">{when}</div></div>')
            if right.button(t("alerts.ack", lang), key=f"ack-{row.id}"):
                ids = list(getattr(row, "grouped_ids", None) or [int(row.id)])
                _acknowledge(store, actor, int(row.id), int(row.version), lang, ids)
        else:
            st.html(f'<div class="gw-alert">{text}<div class="gw-alert-when">{when}</div></div>')
    if len(frame) > shown:
        st.caption(t("alerts.more", lang, n=len(frame) - shown))
    for key, n in standing:
        st.html(f'<div class="gw-alert gw-standing">{html.escape(t(key, lang, n=f"{n:,}"))}</div>')


def unit_alerts(store: Store, actor, path: str, *, lang: str) -> None:  # noqa: ANN001 — UserActor
    """The open alerts under a unit, for the people who work there (a street sees its villages' disinfection
    shortfalls, symptoms and clusters); read through geodata's scope check, acknowledged on the wall."""
    with store.read() as s:
        frame = alerts_in_scope(s, actor, path)
    if frame.empty:
        return
    st.html(CSS)
    st.markdown(f"#### {t('alerts.title', lang)}")
    title = "title_en" if lang == "en" else "title_zh"
    for row in frame.head(SHOWN).itertuples(index=False):
        text = html.escape(str(getattr(row, title)))
        when = html.escape(f"{row.raised_on} · {row.unit_name}")
        st.html(f'<div class="gw-alert" data-alert="{html.escape(str(row.kind))}">{text}'
                f'<div class="gw-alert-when">{when}</div></div>')
    if len(frame) > SHOWN:
        st.caption(t("alerts.more", lang, n=len(frame) - SHOWN))


def _acknowledge(store: Store, actor, alert_id: int, version: int, lang: str,  # noqa: ANN001
                 ids: list[int] | None = None) -> None:
    try:
        write(store, actor, lambda ctx: acknowledge_alerts(ctx, ids or [alert_id], alert_id,
                                                           expected_version=version))
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    st.rerun(scope="app")
