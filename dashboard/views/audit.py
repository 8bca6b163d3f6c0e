"""/audit: who changed what, when, from what to what and why — under the reader's scope, person-level values
redacted or masked as geodata.people.audit decides; `?entity=…&code=…` opens one record's history (a card's link).

Filters mirror query parameters (`user`, `action`, `entity`, `code`, `since`, `until`), so a filtered view is a
link that can be shared with someone whose scope covers it.
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import auth, state
from dashboard.components.edit_history import events_table, history_panel
from dashboard.components.edit_text import entity_label
from dashboard.components.refusals import show_refusal
from dashboard.i18n import t
from geodata.base.problems import Refusal
from geodata.editing import changes
from geodata.people import audit

ACTIONS = ("", "building.update", "checkpoint.", "control.change", "unit.", "person.update", "household.update",
           "observation.", "health_check.record", "case.", "persons.view", "export", "user.",
           # field work (issue 15): every action on each kind of record
           "event.", "patrol.", "team.", "screening.", "gate.", "pass.", "care.", "supplies.", "place.", "unowned.",
           "symptom.")
#: the field-work records (issue 15), beside the registers' (audit.RECORDS), named by changes.entity_words
FIELD_KINDS = ("event", "patrol", "patrol_team", "screening_round", "care_visit", "supplies", "place",
               "unowned_compound", "alert")


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.audit")
    v = state.view()
    lang = v.lang
    st.subheader(t("au.title", lang))
    entity = state.param("entity")
    code = state.param("code")
    if entity in audit.RECORDS and code:
        history_panel(v.store, actor, lang, default_code=code, default_entity=entity, key="gw-au-history")
        st.divider()

    kinds = ["", *audit.RECORDS, *FIELD_KINDS]
    c1, c2, c3, c4, c5, c6 = st.columns([1, 1, 1.4, 1, 1, 0.8])
    who = c1.text_input(t("au.user", lang), value=state.param("user") or "", max_chars=64)
    kind = c2.selectbox(t("mg.entity", lang), kinds, index=kinds.index(entity) if entity in kinds else 0,
                        format_func=lambda e: t("au.any", lang) if not e else
                        entity_label(e, lang) if e in audit.RECORDS else changes.entity_words(e, lang))
    action = c3.selectbox(t("au.action", lang), ACTIONS, format_func=lambda a: changes.action_filter_words(a, lang) if a else t("au.any", lang),
                          index=ACTIONS.index(state.param("action")) if state.param("action") in ACTIONS else 0)
    since = c4.date_input(t("au.since", lang), value=state.param("since"), max_value=dt.date.today(),
                          format="YYYY-MM-DD")
    until = c5.date_input(t("au.until", lang), value=state.param("until"), max_value=dt.date.today(),
                          format="YYYY-MM-DD")
    limit = c6.number_input(t("au.limit", lang), min_value=10, max_value=5000, value=200, step=50)
    code_filter = st.text_input(t("mg.code", lang), value=code or "", max_chars=64, key="gw-au-code")
    for name, value in (("user", who), ("action", action), ("code", code_filter),
                        ("since", since.isoformat() if since else ""), ("until", until.isoformat() if until else "")):
        if value:
            st.query_params[name] = value
        else:
            st.query_params.pop(name, None)
    try:
        with v.store.read() as s:
            frame = audit.events(s, actor, entity=kind or None, code=code_filter.strip() or None,
                                 user=who.strip() or None, action=action or None, since=since, until=until,
                                 limit=int(limit))
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    st.caption(t("au.rows", lang, n=len(frame)))
    if len(frame):
        events_table(frame, lang, key="gw-au-table")


main()
