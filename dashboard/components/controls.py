"""The few controls people set (language, day, map theme): each mirrors a query parameter, so a URL reproduces
what is on screen and a wall can be configured by its URL alone (`?kiosk=1&theme=observations&lang=en`)."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import state
from dashboard.i18n import t

LANG_NAMES = {"zh": "中文", "en": "English"}


def _sync(key: str, value: object) -> None:
    # the URL wins (back button, shared link): put its value into the widget before the widget is drawn
    if st.session_state.get(key) != value:
        st.session_state[key] = value


def language(current: str, default: str) -> None:
    _sync("lang_choice", current)
    st.segmented_control(t("ctl.lang", current), options=list(LANG_NAMES), format_func=LANG_NAMES.get,
                         key="lang_choice", required=True,
                         on_change=lambda: state.set_lang(st.session_state["lang_choice"], default))


def as_of(current: dt.date, lang: str) -> None:
    _sync("as_of_choice", current)
    st.date_input(t("ctl.as_of", lang), max_value=state.today(), key="as_of_choice", format="YYYY-MM-DD",
                  on_change=lambda: state.set_as_of(st.session_state["as_of_choice"] or state.today()))


def theme(current: str, lang: str) -> None:
    _sync("theme_choice", current)
    st.segmented_control(t("ctl.theme", lang), options=list(state.THEMES),
                         format_func=lambda name: t(f"theme.{name}", lang), key="theme_choice", required=True,
                         on_change=lambda: state.set_theme(st.session_state["theme_choice"]))
