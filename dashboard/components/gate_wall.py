"""The wall's gate figures: people and vehicles through the checkpoints today and fevers found at the gates
(counts only, never names: geodata.fieldwork.entries.gate_totals)."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.components import gate_data, kpis, wall_links, wall_screen
from dashboard.i18n import extend, t

extend({
    "kpi.gate_entries": ("卡点今日进出", "Through checkpoints today"),
    "kpi.gate_fevers": ("卡点发热", "Fevers at checkpoints"),
})


def strip(url: str, version: int, code: str, on: dt.date, lang: str) -> None:
    c = gate_data.totals(url, version, code, on)
    half, _rest = st.columns([1, 1], gap="small")  # two cards as wide as the other rows' cards
    with half:
        kpis.strip([
            kpis.Kpi("gate_entries", t("kpi.gate_entries", lang), c["entries"], page=wall_links.target("gate")),
            kpis.Kpi("gate_fevers", t("kpi.gate_fevers", lang), c["fevers"], alert=True,
                     page=wall_links.target("symptoms") or wall_links.target("gate")),
        ], link_page=None, params={}, lang=lang,
            after=lambda k: wall_screen.highlight_button(k.key, k.label, lang))
