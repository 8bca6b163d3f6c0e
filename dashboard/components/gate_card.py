"""A checkpoint card's gate figures: today's entries in/out and fevers at it (counts only, fit for every reader of
/explore, the wall account included), and for those who may open /gate a link to its log."""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard import auth, state
from dashboard.components import gate_data
from dashboard.i18n import extend, t
from geodata.people import authority

extend({
    "gate.card": ("今日进出 {n}（进 {ins} · 出 {outs}） · 发热 {fevers}",
                  "Today {n} through (in {ins} · out {outs}) · fevers {fevers}"),
    "gate.card_link": ("进出登记", "Gate log"),
})


def today_line(checkpoint: pd.Series, lang: str) -> None:
    v = state.view()
    code = str(checkpoint.get("code"))
    c = gate_data.checkpoint_today(v.url, v.version, code, v.on)
    style = ' style="color:#ff8a3d;font-weight:700"' if c["fevers"] else ""  # a fever today reads at a glance
    st.html(f'<div class="gw-card-sub"{style} data-gate-entries="{c["entries"]}" data-gate-fevers="{c["fevers"]}">'
            f'{html.escape(t("gate.card", lang, n=c["entries"], ins=c["ins"], outs=c["outs"], fevers=c["fevers"]))}'
            "</div>")
    if authority.allowed(auth.current_actor(), "page.gate"):
        st.page_link("views/gate.py", label=t("gate.card_link", lang), icon=":material/login:",
                     query_params={"checkpoint": code})
