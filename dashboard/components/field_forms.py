"""Shared pieces of the field pages (/events, /patrol): phone-sized controls, the event fields of a form, labels.

Phone first (390 × 844): Streamlit stacks columns below 640 px; buttons, inputs and tabs get a 44 px tap height
and long words wrap instead of widening the page.
"""
from __future__ import annotations

import streamlit as st

from dashboard.i18n import extend, t
from geodata.fieldwork import events

PHONE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { max-width: 900px; overflow-x: hidden; }
[class*="st-key-gw-ev"] button, [class*="st-key-gw-pt"] button, [data-testid="stFormSubmitButton"] button,
[data-testid="stTab"] { min-height: 44px; }
[class*="st-key-gw-ev"] button p, [class*="st-key-gw-pt"] button p { white-space: normal; text-align: left; }
.gw-ev-card { background: #16213A; border: 1px solid #2b3a55; border-radius: 10px; padding: 10px 14px;
  overflow-wrap: anywhere; font-size: 17px; }
.gw-ev-card span, .gw-pt-day span { color: #aebdcc; margin-right: 6px; }
.gw-ev-late span, .gw-pt-day { margin-right: 14px; font-size: 18px; }
.gw-ev-late b, .gw-pt-day b { font-size: 26px; }
</style>
"""

extend({
    "ef.grid": ("网格", "Grid"),
    "ef.text": ("事件内容（必填）", "What happened (required)"),
    "ef.kind": ("事件类型", "Kind"),
    "ef.tier": ("分级", "Tier"),
    "ef.urgency": ("紧急程度", "Urgency"),
    "ef.place": ("地点（楼栋/小区，可不选）", "Place (building/compound, optional)"),
    "ef.reporter": ("反映人姓名", "Reporter's name"),
    "ef.reporter_phone": ("反映人电话", "Reporter's phone"),
    "ef.level.grid": ("网格", "Grid"),
    "ef.level.community": ("社区", "Community"),
    "ef.level.street": ("街道", "Street"),
    "ef.level.district": ("区", "District"),
})


def level_label(level: str, lang: str) -> str:
    return t(f"ef.level.{level}", lang)


def event_fields(lang: str, places: list[tuple[str, str, str]], *, key: str, text_label: str | None = None) -> dict:
    """The fields of one event inside a form (places: geodata.fieldwork.patrols.places_of); returns the keyword
    arguments of `events.log_event`."""
    en = lang == "en"
    text = st.text_area(text_label or t("ef.text", lang), max_chars=4000, key=f"{key}-text")
    kind = st.selectbox(t("ef.kind", lang), list(events.KINDS), format_func=lambda k: events.KINDS[k][en],
                        key=f"{key}-kind")
    tier = st.selectbox(t("ef.tier", lang), list(events.TIERS),
                        format_func=lambda k: events.TIERS[k].en if en else events.TIERS[k].zh, key=f"{key}-tier")
    urgency = st.radio(t("ef.urgency", lang), list(events.URGENCIES), horizontal=True,
                       format_func=lambda k: events.URGENCIES[k][en], key=f"{key}-urgency")
    names = {c: n for c, n, _ in places}
    kinds = {c: k for c, _, k in places}
    place = st.selectbox(t("ef.place", lang), ["", *names], format_func=lambda c: f"{names[c]} {c}" if c else "—",
                         key=f"{key}-place")
    reporter = st.text_input(t("ef.reporter", lang), max_chars=100, key=f"{key}-reporter")
    phone = st.text_input(t("ef.reporter_phone", lang), max_chars=40, key=f"{key}-phone")
    return {"text": text, "kind": kind, "tier": tier, "urgency": urgency,
            "building_code": place if kinds.get(place) == "building" else None,
            "compound_code": place if kinds.get(place) == "compound" else None,
            "reporter_name": reporter or None, "reporter_phone": phone or None}
