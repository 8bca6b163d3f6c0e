"""Ledgers edited as tables (st.data_editor) and the short forms beside them: buildings (台账 and control state)
and entrances/checkpoints (status and staffing).

A ledger keeps the rows as the person first saw them (with each row's version) until they save or discard:
saving sends only the changed rows, as one geodata bulk edit (one transaction), so a row someone else changed
meanwhile is refused with both values instead of being overwritten. Forms likewise start from the record and save
only what the person changed, against the version read when the form was filled (edit_common.hold), not the one
read when they press the button.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.components import lift
from dashboard.components.edit_common import hold, pick_index, reload_button, same, save, save_held
from dashboard.components.edit_text import plain
from dashboard.i18n import extend, t
from geodata.base.layers import STAFF_MAX
from geodata.base.vocab import (
    CHECKPOINT_KINDS,
    CHECKPOINT_STATUSES,
    CONTROL_CHOICES,
    control_choice,
    control_label,
    label,
)
from geodata.editing import records as editing
from geodata.people import scope
from geodata.reporting import access
from geodata.situation.control import choice_fields, control_choices
from geodata.store.hierarchy import UnitRef
from geodata.store.writes import Actor

FLASH = "gw_flash"

extend({
    "mg.village_control_form": ("设置小区/自然村管控状态", "Set a compound's or natural village's control state"),
    "mg.village": ("小区/自然村", "Compound / natural village"),
})

BUILDING_FIELDS = ("name", "address", "floors", "stair_units", "households", "population", "party_members",
                   "vulnerable", "leader_name", "leader_phone")
CHECKPOINT_FIELDS = ("name", "kind", "status", "is_24h", "staff_day", "staff_night", "leader_name", "leader_phone")
CONTROL_FORM, ENTRANCE_FORM = "gw-control-form", "gw-entrance-form"
VILLAGE_FORM = "gw-vcontrol-form"  # a compound's / natural village's control form (ControlForm)
#: the entrance form's fields → widget keys (filled from the record by edit_common.hold)
ENTRANCE_WIDGETS = {"status": "gw-entrance-status", "staff_day": "gw-entrance-day",
                    "staff_night": "gw-entrance-night", "is_24h": "gw-entrance-24h"}


def flash(message: str) -> None:
    st.session_state[FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message)


def changed_rows(base: pd.DataFrame, edited: pd.DataFrame, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows of `edited` that differ from `base` (same order, same codes), as bulk-edit rows."""
    rows = []
    for (_, old), (_, new) in zip(base.iterrows(), edited.iterrows(), strict=True):
        changes = {f: (None if same(new[f], None) else new[f]) for f in fields if not same(old[f], new[f])}
        if changes:
            rows.append({"code": old["code"], "version": int(old["version"]), **changes})
    return rows


def _ledger(kind: str, entity: str, store: Any, actor: Actor, unit: UnitRef, current: pd.DataFrame,
            fields: tuple[str, ...], config: dict[str, Any], lang: str) -> None:
    editable = scope.can_edit(actor, entity, unit.path)
    base_key, editor_key = f"gw-ledger-{kind}-{unit.code}", f"gw-editor-{kind}-{unit.code}"
    if base_key not in st.session_state:
        st.session_state[base_key] = current
    base: pd.DataFrame = st.session_state[base_key]
    if editable:
        st.caption(t("mg.ledger_hint", lang))
    edited = st.data_editor(base, key=editor_key, hide_index=True, num_rows="fixed", column_config=config,
                            disabled=True if not editable else ["code", "version", "control_state", "staffing"],
                            column_order=["code", *fields, *[c for c in ("control_state", "staffing")
                                                             if c in base.columns]])
    if not editable:
        return
    reason = st.text_input(t("mg.reason", lang), key=f"{editor_key}-reason")
    left, right = st.columns([1, 1])
    if left.button(t("mg.save", lang), key=f"{editor_key}-save", type="primary"):
        rows = changed_rows(base, edited, fields)
        if not rows:
            st.info(t("mg.nothing", lang))
            return
        done = save(store, actor, lambda ctx: editing.update_records(ctx, entity, rows, reason=reason or None),
                    lang=lang)
        if done is not None:
            _reset(base_key, editor_key)
            flash(t("mg.saved", lang, n=len(done)))
            st.rerun()
    if right.button(t("mg.conflict_take_theirs", lang), key=f"{editor_key}-reload"):
        _reset(base_key, editor_key)
        st.rerun()


def _reset(*keys: str) -> None:
    for k in keys:
        st.session_state.pop(k, None)


def forget_ledgers() -> None:
    """After a save elsewhere on the page, ledgers start again from the stored rows (new versions)."""
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(("gw-ledger-", "gw-editor-"))]:
        st.session_state.pop(k, None)


def buildings(store: Any, actor: Actor, unit: UnitRef, on: dt.date, lang: str) -> None:
    with store.read() as s:
        frame = access.buildings_in(s, actor, unit.code, on)
    if not len(frame):
        st.info(t("mg.no_buildings", lang))
        return
    current = pd.DataFrame(frame[["code", *BUILDING_FIELDS, "version"]]).copy()
    current["control_state"] = [control_label(c, b, lang) for c, b in  # a sealing by its basis: 封锁 / 硬隔离
                                zip(frame["control_state"], frame.get("control_basis", [None] * len(frame)))]
    for c in ("floors", "stair_units", "households", "population", "party_members", "vulnerable"):
        current[c] = current[c].astype("Int64")
    config = {
        "code": st.column_config.TextColumn(t("table.code", lang), pinned=True),
        "name": st.column_config.TextColumn(t("table.name", lang), max_chars=200, required=True),
        "address": st.column_config.TextColumn(t("address", lang), max_chars=300),
        "floors": st.column_config.NumberColumn(t("card.floors", lang), min_value=0, step=1),
        "stair_units": st.column_config.NumberColumn(t("mg.stair_unit", lang), min_value=0, step=1),
        "households": st.column_config.NumberColumn(t("households", lang), min_value=0, step=1),
        "population": st.column_config.NumberColumn(t("population", lang), min_value=0, step=1),
        "party_members": st.column_config.NumberColumn(t("party_members", lang), min_value=0, step=1),
        "vulnerable": st.column_config.NumberColumn(t("vulnerable", lang), min_value=0, step=1),
        "leader_name": st.column_config.TextColumn(t("card.building_leader", lang), max_chars=100),
        "leader_phone": st.column_config.TextColumn(t("phone", lang), max_chars=40),
        "control_state": st.column_config.TextColumn(t("control_state", lang)),
        "version": None,
    }
    _ledger("buildings", "building", store, actor, unit, current, BUILDING_FIELDS, config, lang)
    if scope.can_edit(actor, "building", unit.path):
        control_form(store, actor, frame, lang)


@dataclass(frozen=True)
class ControlForm:
    """One control form: the kind of target it sets (a building, or a compound / natural village, which is a unit)
    and its widget keys. Both forms are the same form (`control_form`): the same choices (封锁 and 硬隔离 apart,
    geodata's `control_choices`), the same save through `update_record` and the same lift panel below."""

    entity: str  # "building" | "unit"
    form: str  # the st.form key, and the key its held record is kept under (edit_common.hold)
    prefix: str  # the widgets: <prefix>-state, <prefix>-reason
    picker: str  # the target picker's key
    title: str  # message keys: the form's heading and the picker's label
    pick_label: str

    def key(self, what: str) -> str:
        return f"{self.prefix}-{what}"


BUILDING_CONTROL = ControlForm("building", CONTROL_FORM, "gw-control", "gw-control-building", "mg.control_form",
                               "mg.building")
VILLAGE_CONTROL = ControlForm("unit", VILLAGE_FORM, "gw-vcontrol", "gw-vcontrol-village", "mg.village_control_form",
                              "mg.village")


def control_form(store: Any, actor: Actor, frame: pd.DataFrame, lang: str,
                 which: ControlForm = BUILDING_CONTROL) -> None:
    """Set one building's (or compound's, `which`) control state with the reason (the lift guard and its refusals
    are geodata's). The form starts from the target's state and is saved against the version read then
    (edit_common.hold)."""
    rows = frame.set_index("code")
    names = dict(zip(frame["code"], frame["name"], strict=True))
    st.markdown(f"**{t(which.title, lang)}**")
    codes = list(names)
    code = st.selectbox(t(which.pick_label, lang), codes, index=pick_index(which.form, codes),
                        format_func=lambda c: f"{names[c]}（{c}）", key=which.picker)
    if code is None:
        return
    row = rows.loc[code]
    # the form edits one choice (封锁 and 硬隔离 apart, vocab.CONTROL_CHOICES); it is saved as state + basis
    now = control_choice(row["control_state"], row.get("control_basis"))
    h = hold(which.form, which.entity, code, {"version": row["version"], "control_choice": now},
             {"control_choice": which.key("state")})
    choices = control_choices(h.values["control_choice"])  # which to offer is geodata's (已解除 never)
    with st.form(which.form, clear_on_submit=False):
        choice = st.selectbox(t("mg.state", lang), choices, format_func=lambda c: CONTROL_CHOICES[c].label(lang),
                              key=which.key("state"))
        reason = st.text_area(t("mg.control_reason", lang), key=which.key("reason"), max_chars=10_000)
        submitted = st.form_submit_button(t("mg.submit", lang), type="primary")
    reload_button(which.form, h, lang)
    if submitted:
        done = _save_control(store, actor, h, choice, reason, lang)
        if done is not None:
            was = CONTROL_CHOICES[h.values["control_choice"]].label(lang)
            flash(t("mg.done", lang) + " " + plain(f"{names[code]}: {was} → {CONTROL_CHOICES[choice].label(lang)}"))
            forget_ledgers()
            st.rerun()
    lift.panel(store, code, lang)


def _save_control(store: Any, actor: Actor, h: Any, choice: str, reason: str, lang: str) -> Any:
    """Save a changed choice as state + basis against the version held (a conflict shows both values)."""
    if not h.changes({"control_choice": choice}):
        st.info(t("mg.nothing", lang))
        return None
    changes = choice_fields(choice) | {"control_reason": reason}
    read = choice_fields(h.values["control_choice"])
    return save(store, actor, lambda ctx: editing.update_record(
        ctx, h.entity, h.code, changes, expected_version=h.version, reason=reason or None, read=read), lang=lang,
        retry={"entity": h.entity, "code": h.code, "changes": changes, "reason": reason or None})


def villages(store: Any, actor: Actor, unit: UnitRef, lang: str) -> None:
    """The control form of the compounds and natural villages (小区/自然村) at or under `unit`, for whoever may
    edit a unit there (`edit.unit`, geodata.people.authority): a village is sealed or closed like a building."""
    if not scope.can_edit(actor, "unit", unit.path):
        return
    with store.read() as s:
        frame = access.compounds_in(s, actor, unit.code)
    if len(frame):
        control_form(store, actor, frame, lang, VILLAGE_CONTROL)


def checkpoints(store: Any, actor: Actor, unit: UnitRef, lang: str) -> pd.DataFrame:
    with store.read() as s:
        frame = access.checkpoints_in(s, actor, unit.code)
    if not len(frame):
        st.info(t("mg.no_rows", lang))
        return frame
    current = pd.DataFrame(frame[["code", *CHECKPOINT_FIELDS, "version"]]).copy()
    current["staffing"] = frame["staffing"].map(lambda v: t(f"staffing.{v}", lang))
    for c in ("staff_day", "staff_night"):
        current[c] = current[c].astype("Int64")
    config = {
        "code": st.column_config.TextColumn(t("table.code", lang), pinned=True),
        "name": st.column_config.TextColumn(t("table.name", lang), max_chars=200, required=True),
        "kind": st.column_config.SelectboxColumn(t("mg.kind", lang), options=list(CHECKPOINT_KINDS), required=True,
                                                 format_func=lambda c: label(CHECKPOINT_KINDS, c, lang)),
        "status": st.column_config.SelectboxColumn(t("status", lang), options=list(CHECKPOINT_STATUSES),
                                                   required=True,
                                                   format_func=lambda c: label(CHECKPOINT_STATUSES, c, lang)),
        "is_24h": st.column_config.CheckboxColumn(t("mg.is_24h", lang)),
        "staff_day": st.column_config.NumberColumn(t("mg.staff_day", lang), min_value=0, max_value=STAFF_MAX, step=1),
        "staff_night": st.column_config.NumberColumn(t("mg.staff_night", lang), min_value=0, max_value=STAFF_MAX,
                                                     step=1),
        "leader_name": st.column_config.TextColumn(t("leader", lang), max_chars=100),
        "leader_phone": st.column_config.TextColumn(t("phone", lang), max_chars=40),
        "staffing": st.column_config.TextColumn(t("staffing", lang)),
        "version": None,
    }
    _ledger("checkpoints", "checkpoint", store, actor, unit, current, CHECKPOINT_FIELDS, config, lang)
    if scope.can_edit(actor, "checkpoint", unit.path):
        entrance_form(store, actor, frame, lang)
    return frame


def entrance_form(store: Any, actor: Actor, frame: pd.DataFrame, lang: str) -> None:
    """One entrance's status and staffing (scenario 9: a fourth guard by day clears the warning). The form starts
    from the entrance as read when it was picked — its status, day and night staff and 24-hour flag — and saves
    only the fields changed, against that version: a save by someone else in between is a conflict, and a field
    left alone is never written back (edit_common.hold)."""
    rows = frame.set_index("code")
    st.markdown(f"**{t('mg.entrance_form', lang)}**")
    codes = list(rows.index)
    code = st.selectbox(t("mg.checkpoint", lang), codes, index=pick_index(ENTRANCE_FORM, codes),
                        format_func=lambda c: f"{rows.at[c, 'name']}（{c}）", key="gw-entrance-code")
    if code is None:
        return
    h = hold(ENTRANCE_FORM, "checkpoint", code, rows.loc[code], ENTRANCE_WIDGETS)
    with st.form(ENTRANCE_FORM, clear_on_submit=False):
        status = st.radio(t("mg.status", lang), list(CHECKPOINT_STATUSES), horizontal=True,
                          format_func=lambda c: label(CHECKPOINT_STATUSES, c, lang), key="gw-entrance-status")
        day = st.number_input(t("mg.staff_day", lang), min_value=0, max_value=STAFF_MAX, step=1, key="gw-entrance-day")
        night = st.number_input(t("mg.staff_night", lang), min_value=0, max_value=STAFF_MAX, step=1,
                                key="gw-entrance-night")
        is_24h = st.checkbox(t("mg.is_24h", lang), key="gw-entrance-24h")
        reason = st.text_input(t("mg.reason", lang), key="gw-entrance-reason")
        submitted = st.form_submit_button(t("mg.submit", lang), type="primary")
    reload_button(ENTRANCE_FORM, h, lang)
    if submitted:
        entered = {"status": status, "staff_day": None if day is None else int(day),
                   "staff_night": None if night is None else int(night), "is_24h": bool(is_24h)}
        if save_held(store, actor, h, entered, lang=lang, reason=reason or None) is not None:
            flash(t("mg.done", lang))
            forget_ledgers()
            st.rerun()
