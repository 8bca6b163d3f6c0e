"""Person-level sections of /my-grid: observations (start, edit, daily health check, release sign-off), cases
(record, edit) and the household/person registers — each list read through geodata.people.persons (scoped, masked,
logged) and each form saved through the geodata command that owns its rules."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.components.edit_common import (
    hold,
    person_list,
    pick_index,
    reload_button,
    save,
    save_held,
    text_table,
)
from dashboard.components.edit_ledgers import flash, forget_ledgers
from dashboard.components.tables import phone_first
from dashboard.i18n import extend, t
from geodata.base.vocab import CASE_KINDS, OBSERVATION_KINDS, label
from geodata.people import authority, persons, scope
from geodata.reporting import access
from geodata.situation.cases import record_case
from geodata.situation.signers import signing_board
from geodata.situation.observations import SIGN_ROLES, SYMPTOMS, record_health_check, sign_release, start_observation
from geodata.store.hierarchy import UnitRef
from geodata.store.writes import Actor


extend({
    "mg.must_sign": ("以下观察须由登记的包保干部/包保医务人员（或街道指定人员）签字解除：",
                     "These observations are signed off by their named cadre and medic (or those the street assigns):"),
    # issue 14 points 5, 6: a close contact names its source case; a new exposure restarts the 14 days
    "mg.source_case": ("来源病例编号（密接/密接的密接）", "Source case code (close contact / contact of a contact)"),
    "mg.exposed_on": ("末次接触日期（已在观察中再次接触：自此重新计算14天）",
                      "Last exposure (exposed again while under observation: the 14 days restart)"),
    # issue 17: an ID number with a wrong check digit is imported and kept, and shown beside the person
    "mg.id_check": ("身份证号校验位不符", "ID check digit wrong"),
    "mg.pick_person": ("输入姓名、楼栋或证件尾号查找", "Type a name, building or ID tail"),
    "mg.id_check_badge": ("⚠ 校验位不符", "⚠ check digit wrong"),
    "mg.id_check_note": ("有 {n} 人的身份证号校验位不符（导入时已保留），请核对号码。",
                         "{n} people have an ID number whose check digit is wrong (kept on import); check the "
                         "numbers."),
})


def person_labels(frame: pd.DataFrame) -> dict[str, str]:
    """Each person as staff know them — name · building · ID tail (as the register shows it), the code last — so
    a picker finds them by typing any of these (issue 16: never by a typed person code)."""
    def one(row: Any) -> str:
        tail = str(row.id_number)[-4:] if isinstance(row.id_number, str) and row.id_number else ""
        parts = [str(row.name), str(row.building_name) if isinstance(row.building_name, str) else "",
                 f"尾号{tail}" if tail else ""]
        return " · ".join(p for p in parts if p) + f"（{row.code}）"
    return {row.code: one(row) for row in frame.itertuples()}


def building_labels(frame: pd.DataFrame) -> dict[str, str]:
    """Each building by name and address, the code last: "3栋" alone is a dozen identical entries."""
    if not len(frame):
        return {}
    addresses = frame["address"] if "address" in frame.columns else pd.Series([None] * len(frame))
    return {c: " · ".join(p for p in (str(n), a if isinstance(a, str) else "") if p) + f"（{c}）"
            for c, n, a in zip(frame["code"], frame["name"], addresses, strict=True)}


def _done(lang: str) -> None:
    flash(t("mg.done", lang))
    forget_ledgers()
    st.rerun()


def _id_badges(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`frame` with the check-digit flag (geodata.people.persons.with_id_flags) as a badge a reader sees."""
    if persons.ID_CHECK_FLAG not in frame.columns:
        return frame
    badge = t("mg.id_check_badge", lang)
    return frame.assign(**{persons.ID_CHECK_FLAG: frame[persons.ID_CHECK_FLAG].map(lambda v: badge if v else "")})


def _id_check_note(frame: pd.DataFrame, lang: str) -> None:
    flagged = int(frame[persons.ID_CHECK_FLAG].sum()) if persons.ID_CHECK_FLAG in frame.columns else 0
    if flagged:
        st.caption(t("mg.id_check_note", lang, n=flagged))


def _masked_note(frame: pd.DataFrame, lang: str) -> None:
    if "identifiers_masked" in frame.columns and frame["identifiers_masked"].any():
        st.caption(t("mg.masked_note", lang))


def observations(store: Any, actor: Actor, unit: UnitRef, version: int, on: dt.date, lang: str) -> None:
    frame = person_list("observations", unit.code, version, actor,
                        lambda: persons.observations_in(store, actor, unit.code, on=on), lang)
    if frame is None:
        return
    shown = _id_badges(frame, lang).assign(kind=frame["kind"].map(lambda c: label(OBSERVATION_KINDS, c, lang)))
    text_table(shown, phone_first("observations", {
                       "code": t("table.code", lang), "name": t("mg.person", lang), "id_number": "ID",
                       persons.ID_CHECK_FLAG: t("mg.id_check", lang), "phone": t("phone", lang),
                       "building_name": t("mg.building", lang), "kind": t("mg.kind", lang),
                       "start_date": t("mg.start", lang), "planned_end": t("mg.planned_end", lang),
                       "last_check": t("mg.checked_on", lang), "last_temperature": t("mg.temperature", lang),
                       "cadre_signed_by": t("mg.cadre", lang), "medic_signed_by": t("mg.medic", lang)}),
               key="gw-obs-table")
    _id_check_note(frame, lang)
    _masked_note(frame, lang)
    codes = list(frame["code"])
    names = dict(zip(frame["code"], frame["name"], strict=True))
    left, right = st.columns(2)
    with left:
        if codes and authority.allowed(actor, "health_check.record", unit.path):
            _health_check_form(store, actor, codes, names, on, lang)
        if codes:
            _release_form(store, actor, codes, names, on, lang)
    with right:
        if scope.can_edit(actor, "observation", unit.path):
            _start_observation_form(store, actor, unit, version, on, lang)
        if codes and scope.can_edit(actor, "observation", unit.path):
            _edit_observation_form(store, actor, frame, lang)


def _task_index(codes: list[str]) -> int:
    """The picker's position of the record a task opened (`?record=`, dashboard.components.today), else 0."""
    record = st.query_params.get("record")
    return codes.index(record) if record in codes else 0


def _health_check_form(store: Any, actor: Actor, codes: list[str], names: dict[str, str], on: dt.date,
                       lang: str) -> None:
    with st.form("gw-check-form"):
        st.markdown(f"**{t('mg.check_form', lang)}**")
        code = st.selectbox(t("mg.observation", lang), codes, index=_task_index(codes),
                            format_func=lambda c: f"{names[c]}（{c}）")
        day = st.date_input(t("mg.checked_on", lang), value=on, max_value=dt.date.today(), format="YYYY-MM-DD")
        temperature = st.number_input(t("mg.temperature", lang), min_value=34.0, max_value=43.0, value=36.5,
                                      step=0.1, format="%.1f")
        # no "Select all": one tap would record every symptom and raise a false symptom alert on the wall
        symptoms = st.multiselect(t("mg.symptoms", lang), list(SYMPTOMS), select_all=False,
                                  placeholder=t("mg.no_symptoms", lang),
                                  format_func=lambda c: SYMPTOMS[c].en if lang == "en" else SYMPTOMS[c].zh)
        if st.form_submit_button(t("mg.submit", lang), type="primary"):
            if save(store, actor, lambda ctx: record_health_check(ctx, code, on=day, temperature=float(temperature),
                                                                  symptoms=symptoms), lang=lang) is not None:
                _done(lang)


def _release_form(store: Any, actor: Actor, codes: list[str], names: dict[str, str], on: dt.date,
                  lang: str) -> None:
    roles = [r for r in SIGN_ROLES if authority.allowed(actor, f"release.sign.{r}")]  # the action sign_release asks
    if not roles or not codes:
        return
    with store.read() as s:  # only the named signers (or those the street assigned) are offered signing
        board = signing_board(s, actor, actor.scope_path or "/", codes)
    mine = [(c, r) for c, rs in zip(board["code"], board["may_sign"], strict=True) for r in rs]
    others = board[[not rs for rs in board["may_sign"]]]
    if len(others):
        st.caption(t("mg.must_sign", lang))
        st.dataframe(others.assign(name=[names.get(c, c) for c in others["code"]])[
            ["name", "code", "cadre", "medic"]].rename(columns={
                "name": t("table.name", lang), "code": t("table.code", lang),
                "cadre": SIGN_ROLES["cadre"][1 if lang == "en" else 0],
                "medic": SIGN_ROLES["medic"][1 if lang == "en" else 0]}), hide_index=True)
    if not mine:
        return
    with st.form("gw-release-form"):
        st.markdown(f"**{t('mg.release_form', lang)}**")
        picked = st.selectbox(t("mg.observation", lang), mine, format_func=lambda cr: (
            f"{names.get(cr[0], cr[0])}（{cr[0]}）· {SIGN_ROLES[cr[1]][1 if lang == 'en' else 0]}"))
        if st.form_submit_button(t("mg.sign", lang), type="primary"):
            code, role = picked
            if save(store, actor, lambda ctx: sign_release(ctx, code, role, on=on), lang=lang) is not None:
                _done(lang)


def _start_observation_form(store: Any, actor: Actor, unit: UnitRef, version: int, on: dt.date, lang: str) -> None:
    register = None
    if scope.can_read_persons(actor, unit.path, "persons"):
        register = person_list("persons", unit.code, version, actor,
                               lambda: persons.persons_in(store, actor, unit.code), lang)
    with st.form("gw-obs-form"):
        st.markdown(f"**{t('mg.obs_form', lang)}**")
        if register is not None and len(register):
            who = person_labels(register)
            person = st.selectbox(t("mg.person", lang), list(who), index=None, format_func=who.get,
                                  placeholder=t("mg.pick_person", lang))
        else:
            person = st.text_input(t("mg.person", lang) + " " + t("table.code", lang))
        kind = st.selectbox(t("mg.kind", lang), list(OBSERVATION_KINDS),
                            format_func=lambda c: label(OBSERVATION_KINDS, c, lang))
        start = st.date_input(t("mg.start", lang), value=on, max_value=dt.date.today(), format="YYYY-MM-DD")
        place = st.text_input(t("mg.place", lang), max_chars=200)
        reason = st.text_input(t("mg.obs_reason", lang), max_chars=200)
        origin = st.text_input(t("mg.origin", lang), max_chars=200)
        cadre = st.text_input(t("mg.cadre", lang), max_chars=100)
        medic = st.text_input(t("mg.medic", lang), max_chars=100)
        source = st.text_input(t("mg.source_case", lang), max_chars=64)
        exposed = st.date_input(t("mg.exposed_on", lang), value=None, max_value=dt.date.today(),
                                format="YYYY-MM-DD")
        if st.form_submit_button(t("mg.submit", lang), type="primary"):
            done = save(store, actor, lambda ctx: start_observation(
                ctx, str(person or "").strip(), kind, start=start, place=place or None, reason=reason or None,
                origin=origin or None, cadre_name=cadre or None, medic_name=medic or None,
                source_case=source.strip() or None, exposed_on=exposed), lang=lang)
            if done is not None:
                _done(lang)


OBS_EDIT, CASE_EDIT = "gw-obs-edit", "gw-case-edit"


def _edit_observation_form(store: Any, actor: Actor, frame: pd.DataFrame, lang: str) -> None:
    """Kind, place and planned end of one observation, starting from the record and saving only what changed
    against the version read when it was picked (edit_common.hold)."""
    rows = frame.set_index("code")
    st.markdown(f"**{t('mg.obs_edit', lang)}**")
    codes = list(rows.index)
    code = st.selectbox(t("mg.observation", lang), codes, index=pick_index(OBS_EDIT, codes),
                        format_func=lambda c: f"{rows.at[c, 'name']}（{c}）", key=f"{OBS_EDIT}-code")
    if code is None:
        return
    h = hold(OBS_EDIT, "observation", code, rows.loc[code],
             {"kind": f"{OBS_EDIT}-kind", "place": f"{OBS_EDIT}-place", "planned_end": f"{OBS_EDIT}-end"})
    with st.form(OBS_EDIT):
        kind = st.selectbox(t("mg.kind", lang), list(OBSERVATION_KINDS), key=f"{OBS_EDIT}-kind",
                            format_func=lambda c: label(OBSERVATION_KINDS, c, lang))
        place = st.text_input(t("mg.place", lang), max_chars=200, key=f"{OBS_EDIT}-place")
        end = st.date_input(t("mg.planned_end", lang), value=None, key=f"{OBS_EDIT}-end", format="YYYY-MM-DD")
        note = st.text_input(t("mg.reason", lang), key=f"{OBS_EDIT}-reason")
        submitted = st.form_submit_button(t("mg.submit", lang), type="primary")
    reload_button(OBS_EDIT, h, lang)
    if submitted and save_held(store, actor, h, {"kind": kind, "place": place, "planned_end": end}, lang=lang,
                               reason=note or None) is not None:
        _done(lang)


def cases(store: Any, actor: Actor, unit: UnitRef, version: int, on: dt.date, lang: str) -> None:
    frame = None
    if scope.can_read_persons(actor, unit.path, "cases"):
        frame = person_list("cases", unit.code, version, actor, lambda: persons.cases_in(store, actor, unit.code),
                            lang)
    if frame is not None:
        shown = frame.assign(kind=frame["kind"].map(lambda c: label(CASE_KINDS, c, lang)))
        text_table(shown, phone_first("cases", {
                           "code": t("table.code", lang), "kind": t("mg.kind", lang),
                           "reported_on": t("mg.reported_on", lang), "name": t("mg.person", lang),
                           "building_name": t("mg.building", lang), "stair_unit": t("mg.stair_unit", lang),
                           "worksite": t("mg.worksite", lang), "note": t("mg.note", lang)}), key="gw-case-table")
    left, right = st.columns(2)
    if scope.can_edit(actor, "case", unit.path):
        with left:
            _record_case_form(store, actor, unit, version, on, lang)
        if frame is not None and len(frame):
            with right:
                _edit_case_form(store, actor, frame, lang)


def _record_case_form(store: Any, actor: Actor, unit: UnitRef, version: int, on: dt.date, lang: str) -> None:
    with store.read() as s:
        buildings = access.buildings_in(s, actor, unit.code, on) if unit.level >= 4 else pd.DataFrame()
    names = building_labels(buildings)
    register = None
    if scope.can_read_persons(actor, unit.path, "persons"):
        register = person_list("persons", unit.code, version, actor,
                               lambda: persons.persons_in(store, actor, unit.code), lang)
    with st.form("gw-case-form"):
        st.markdown(f"**{t('mg.case_form', lang)}**")
        kind = st.selectbox(t("mg.kind", lang), list(CASE_KINDS), format_func=lambda c: label(CASE_KINDS, c, lang))
        reported = st.date_input(t("mg.reported_on", lang), value=on, max_value=dt.date.today(),
                                 format="YYYY-MM-DD")
        building = st.selectbox(t("mg.building", lang), [None, *names],
                                format_func=lambda c: t("mg.none", lang) if c is None else names[c])
        if register is not None and len(register):  # picked by what people know, not a typed code
            who = person_labels(register)
            person = st.selectbox(t("mg.person", lang), list(who), index=None, format_func=who.get,
                                  placeholder=t("mg.pick_person", lang))
        else:
            person = st.text_input(t("mg.person", lang) + " " + t("table.code", lang))
        stair = st.number_input(t("mg.stair_unit", lang), min_value=0, max_value=100, value=None, step=1)
        worksite = st.text_input(t("mg.worksite", lang), max_chars=200)
        known = st.checkbox(t("mg.source_known", lang), value=True)
        source = st.text_input(t("mg.source_case", lang), max_chars=64)
        note = st.text_area(t("mg.note", lang), max_chars=10_000)
        if st.form_submit_button(t("mg.submit", lang), type="primary"):
            done = save(store, actor, lambda ctx: record_case(
                ctx, kind=kind, reported_on=reported, building_code=building, person_code=(person or "").strip() or None,
                stair_unit=int(stair) if stair is not None else None, worksite=worksite or None, source_known=known,
                note=note or None, source_case=source.strip() or None), lang=lang)
            if done is not None:
                _done(lang)


def _edit_case_form(store: Any, actor: Actor, frame: pd.DataFrame, lang: str) -> None:
    """A case's kind and note, starting from the record: a note added to a close contact leaves the kind alone
    (a kind sent unchanged would be a reclassification), saved against the version read when it was picked."""
    rows = frame.set_index("code")
    st.markdown(f"**{t('mg.case_edit', lang)}**")
    codes = list(rows.index)
    code = st.selectbox(t("table.code", lang), codes, index=pick_index(CASE_EDIT, codes), key=f"{CASE_EDIT}-code")
    if code is None:
        return
    h = hold(CASE_EDIT, "case", code, rows.loc[code], {"kind": f"{CASE_EDIT}-kind", "note": f"{CASE_EDIT}-note"})
    with st.form(CASE_EDIT):
        kind = st.selectbox(t("mg.kind", lang), list(CASE_KINDS), format_func=lambda c: label(CASE_KINDS, c, lang),
                            key=f"{CASE_EDIT}-kind")
        note = st.text_area(t("mg.note", lang), max_chars=10_000, key=f"{CASE_EDIT}-note")
        reason = st.text_input(t("mg.reason", lang), key=f"{CASE_EDIT}-reason")
        submitted = st.form_submit_button(t("mg.submit", lang), type="primary")
    reload_button(CASE_EDIT, h, lang)
    if submitted and save_held(store, actor, h, {"kind": kind, "note": note}, lang=lang,
                               reason=reason or None) is not None:
        _done(lang)


def registers(store: Any, actor: Actor, unit: UnitRef, version: int, lang: str) -> None:
    """Households and persons of the unit (community/grid staff; masked outside one's own grid)."""
    hh = person_list("households", unit.code, version, actor, lambda: persons.households_in(store, actor, unit.code),
                     lang)
    if hh is not None:
        st.markdown(f"**{t('mg.households', lang)}**")
        text_table(hh, phone_first("households", {
                        "code": t("table.code", lang), "building_name": t("mg.building", lang),
                        "stair_unit": t("mg.stair_unit", lang), "room": "房号 Room",
                        "head_name": "户主 Head", "members": t("population", lang), "phone": t("phone", lang),
                        "pass_no": "通行证 Pass"}), key="gw-hh-table", height=300)
        _masked_note(hh, lang)
    people = person_list("persons", unit.code, version, actor, lambda: persons.persons_in(store, actor, unit.code),
                         lang)
    if people is not None:
        st.markdown(f"**{t('mg.persons', lang)}**")
        text_table(_id_badges(people, lang), phone_first("persons", {
            "code": t("table.code", lang), "name": t("table.name", lang), "id_number": "ID",
            persons.ID_CHECK_FLAG: t("mg.id_check", lang), "phone": t("phone", lang), "gender": "性别 Gender",
            "birth_year": "出生 Born", "resident_type": "类型 Type", "tags": "类别 Tags",
            "building_name": t("mg.building", lang)}), key="gw-person-table", height=300)
        _id_check_note(people, lang)
