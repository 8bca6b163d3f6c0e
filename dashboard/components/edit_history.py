"""Event tables of the audit log and of one record's history, in words (what changed, old → new, local time)."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.components.edit_common import text_table
from dashboard.components.edit_text import entity_label, plain
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from geodata.base.problems import Refusal
from geodata.editing import changes
from geodata.people import audit
from geodata.store.writes import Actor


extend({"au.change": ("修改内容（原值 → 新值）", "What changed (old → new)")})


def events_table(frame: pd.DataFrame, lang: str, *, key: str) -> None:
    """Events in words (geodata.editing.changes): local time, the action's name, old → new per field."""
    shown = changes.in_words(frame, lang)
    text_table(shown, {"at": t("au.at", lang), "actor": t("au.user", lang),
                       "action": t("au.action", lang), "entity": t("mg.entity", lang), "code": t("mg.code", lang),
                       "change": t("au.change", lang), "reason": t("au.reason", lang)},
               key=key, height=min(38 + 35 * max(len(shown), 1), 600))


def history_panel(store: Any, actor: Actor, lang: str, *, default_code: str = "", default_entity: str = "building",
                  key: str = "gw-history") -> None:
    """Pick a record (kind + code) and list its history, oldest first."""
    kinds = list(audit.RECORDS)
    left, right = st.columns([1, 2])
    entity = left.selectbox(t("mg.entity", lang), kinds, index=kinds.index(default_entity) if default_entity in
                            kinds else 0, format_func=lambda e: entity_label(e, lang), key=f"{key}-entity")
    code = right.text_input(t("mg.code", lang), value=default_code, key=f"{key}-code", max_chars=64)
    if not code:
        return
    try:
        with store.read() as s:
            frame = audit.history(s, actor, entity, code.strip())
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    st.markdown("**" + t("au.history_of", lang, entity=plain(entity_label(entity, lang)), code=plain(code)) + "**")
    if frame.empty:
        st.info(t("mg.no_rows", lang))
        return
    events_table(frame, lang, key=f"{key}-table")
