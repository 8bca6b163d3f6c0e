"""Event tables of the audit log and of one record's history, shown as text (old/new values as JSON text)."""
from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.components.edit_common import text_table
from dashboard.components.edit_text import entity_label, plain
from dashboard.components.refusals import show_refusal
from dashboard.i18n import t
from geodata.base.problems import Refusal
from geodata.people import audit
from geodata.store.writes import Actor


def _json(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return json.dumps(value, ensure_ascii=False, default=str)


def events_table(frame: pd.DataFrame, lang: str, *, key: str) -> None:
    shown = frame.assign(old=frame["old"].map(_json), new=frame["new"].map(_json),
                         at=frame["at"].map(lambda v: "" if v is None else str(v)[:19]))
    text_table(shown, {"at": t("au.at", lang) + " (UTC)", "actor": t("au.user", lang),
                       "action": t("au.action", lang), "entity": t("mg.entity", lang), "code": t("mg.code", lang),
                       "old": t("au.old", lang), "new": t("au.new", lang), "reason": t("au.reason", lang)},
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
