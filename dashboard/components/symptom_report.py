"""The form "上报有症状居民" (issue 14 point 3): a resident not under observation reported with a fever or symptoms,
on /symptoms and in /my-grid's persons section. Phone first: one column, 44 px targets. The rules (who, whom,
the fever limit, the symptom words, joining a same-day alert) are geodata.situation.observations
.report_resident_symptoms; this form only asks and shows its answer."""
from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from dashboard.components.edit_common import person_list, save
from dashboard.components.edit_records import person_labels
from dashboard.i18n import extend, t
from geodata.people import authority, persons, scope
from geodata.situation.observations import SYMPTOMS, report_resident_symptoms
from geodata.store.hierarchy import UnitRef
from geodata.store.writes import Actor

extend({
    "sr.title": ("上报有症状居民", "Report a resident with symptoms"),
    "sr.hint": ("未在隔离观察的居民出现发热或症状时上报（隔离观察对象请在健康随访中登记）；体温高于37.3℃为发热，"
                "体温与症状至少填一项。",
                "For a resident not under observation (people under observation: the health check). Above 37.3 °C is "
                "a fever; give a temperature or at least one symptom."),
    "sr.person": ("居民", "Resident"),
    "sr.code": ("居民编码", "Resident code"),
    "sr.temperature": ("体温（℃，可不填）", "Temperature (°C, optional)"),
    "sr.symptoms": ("症状", "Symptoms"),
    "sr.none": ("无其他症状", "No other symptoms"),
    "sr.on": ("发现日期", "Seen on"),
    "sr.note": ("说明（可不填）", "Note (optional)"),
    "sr.submit": ("上报", "Report"),
    "sr.raised": ("已上报：症状预警已发送街道和区卫生健康部门（预警 {id}）。",
                  "Reported: the symptom alert goes to the street and the district health office (alert {id})."),
})

CSS = """<style>
[class*="st-key-gw-symrep"] button, [class*="st-key-gw-symrep"] input { min-height: 44px; }
</style>"""


def report_form(store: Any, actor: Actor, unit: UnitRef, version: int, lang: str) -> None:
    """The form, for those the action table lets report here (nothing otherwise)."""
    if not authority.allowed(actor, "symptom.report", unit.path):
        return
    flash_key = "gw-symrep-flash"
    register = None
    if scope.can_read_persons(actor, unit.path, "persons"):
        register = person_list("persons", unit.code, version, actor,
                               lambda: persons.persons_in(store, actor, unit.code), lang)
    st.html(CSS)
    with st.container(key="gw-symrep"), st.form("gw-symrep-form"):
        st.markdown(f"**{t('sr.title', lang)}**")
        st.caption(t("sr.hint", lang))
        if flash := st.session_state.pop(flash_key, None):
            st.success(flash)
        if register is not None and len(register):
            who = person_labels(register)  # name · building · 尾号…, found by typing any of them
            person = st.selectbox(t("sr.person", lang), list(who), index=None, format_func=who.get,
                                  placeholder=t("mg.pick_person", lang), key="gw-symrep-person")
        else:  # a role that does not read the person register names the resident by code
            person = st.text_input(t("sr.code", lang), max_chars=64, key="gw-symrep-code")
        temperature = st.number_input(t("sr.temperature", lang), min_value=34.0, max_value=43.0, value=None,
                                      step=0.1, format="%.1f", key="gw-symrep-temp")
        # no "Select all": one tap would report every symptom
        symptoms = st.multiselect(t("sr.symptoms", lang), list(SYMPTOMS), select_all=False,
                                  placeholder=t("sr.none", lang), key="gw-symrep-symptoms",
                                  format_func=lambda c: SYMPTOMS[c].en if lang == "en" else SYMPTOMS[c].zh)
        on = st.date_input(t("sr.on", lang), value=dt.date.today(), max_value=dt.date.today(), format="YYYY-MM-DD",
                           key="gw-symrep-on")
        note = st.text_input(t("sr.note", lang), max_chars=500, key="gw-symrep-note")
        if st.form_submit_button(t("sr.submit", lang), type="primary", use_container_width=True):
            alert = save(store, actor, lambda ctx: report_resident_symptoms(
                ctx, str(person or "").strip(), on=on, temperature=None if temperature is None else float(temperature),
                symptoms=symptoms, note=note or None), lang=lang)
            if alert is not None:
                st.session_state[flash_key] = t("sr.raised", lang, id=alert.id)
                st.rerun()
