"""Lifting a seal from a building's or village's card (响应终止, `000` §3 三): the guard's checklist — what still
blocks the lift and who must act — and a form for each step the signed-in person owns: disinfection (随时/终末 of
a 疫点, the village's 一日一消毒 and public-area rounds), the expert assessment, the command centre's decision.

The checklist is geodata's `lift_status` (the same guard `decide_lift` applies), and who may act is
`authority.allowed` on the same action names the commands check: the page decides nothing of its own. Every form
saves through the one write path (edit_common.save), and its refusal is shown in both languages.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from dashboard import auth
from dashboard.components.edit_common import save
from dashboard.components.edit_text import plain
from dashboard.i18n import extend, t
from geodata.base.problems import PermissionDenied, Rejected
from geodata.base.vocab import control_label
from geodata.people import authority
from geodata.situation.control import ASSESSMENT_CONCLUSIONS, DECISION_COMMAND, LiftCheck, decide_lift, \
    lift_status, record_expert_assessment
from geodata.situation.disinfection import DISINFECTION_KINDS, disinfection_compliance, record_disinfection

extend({
    "lift.title": ("解除管控（响应终止）", "Lifting the control (end of response)"),
    "lift.item.contacts": ("密切接触者观察期满", "Close contacts observed for the full period"),
    "lift.item.new_case": ("观察期内无新发病例", "No new case within the period"),
    "lift.item.terminal_disinfection": ("最后一例病例后已终末消毒", "Terminal disinfection after the last case"),
    "lift.item.assessment": ("专家评估建议解除（以最新一次为准）", "Expert assessment recommends lifting (the latest counts)"),
    "lift.item.decision": ("指挥部决定解除", "The command centre decides the lift"),
    "lift.by": ("办理：{who}", "To act: {who}"),
    "lift.wait": ("待期满，无需登记", "Waits for the period to pass"),
    "lift.met": ("已满足", "met"),
    "lift.open": ("未满足", "not met"),
    "lift.norm": ("今日消毒 {done}/{required} 次（一日一消毒与公共区域消毒计入）",
                  "Disinfected today: {done} of {required} (daily and public-area rounds count)"),
    "lift.dis.title": ("登记消毒", "Record a disinfection"),
    "lift.dis.kind": ("消毒类型", "Kind of disinfection"),
    "lift.dis.area": ("部位/范围", "Area"),
    "lift.date": ("日期", "Date"),
    "lift.dis.submit": ("登记消毒", "Record the disinfection"),
    "lift.as.title": ("登记专家评估", "Record the expert assessment"),
    "lift.as.experts": ("评估专家（必填）", "Experts (required)"),
    "lift.as.conclusion": ("评估结论", "Conclusion"),
    "lift.as.note": ("说明", "Note"),
    "lift.as.submit": ("登记评估", "Record the assessment"),
    "lift.dec.title": ("指挥部决定解除", "The command centre's decision"),
    "lift.dec.reason": ("说明（可选）", "Note (optional)"),
    "lift.dec.submit": ("决定解除", "Lift"),
    "lift.dec.blocked": ("解除条件未全部满足，暂不能决定解除", "Not every lift condition holds yet"),
    "lift.saved": ("已登记。", "Recorded."),
    "lift.lifted": ("已解除。", "Lifted."),
})
FLASH = "gw-lift-flash"
ITEMS = ("contacts", "new_case", "terminal_disinfection", "assessment")


def panel(store: Any, code: str, lang: str) -> None:
    """The lift checklist and the forms of a building or natural village, for a signed-in person who may read it;
    nothing for others, nor for a target with no seal to lift and no daily norm."""
    actor = auth.current_actor()
    if actor is None:
        return
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message)  # shown even when the lift just ended the panel
    today = dt.date.today()
    try:
        with store.read() as s:
            check = lift_status(s, actor, code, today)
            norm = disinfection_compliance(s, today, scope_path=check.path)
    except (PermissionDenied, Rejected):
        return  # outside their scope, or not a target: the card shows the counts only
    norm = norm[(norm["code"] == code) & (norm["required"] > 0)] if len(norm) else norm
    if not check.guarded and norm.empty:
        return
    with st.container(border=True, key=f"gw-lift-{code}"):
        # what is lifted, by its basis: 封锁 (by hand) / 硬隔离 (the rules) / 疫点 (vocab.control_label)
        state = f" · {plain(control_label(check.state, check.basis, lang))}" if check.guarded else ""
        st.markdown(f"**{t('lift.title', lang)}**{state}")
        if len(norm):
            row = norm.iloc[0]
            text = t("lift.norm", lang, done=int(row["done_today"]), required=int(row["required"]))
            (st.warning if bool(row["short"]) else st.caption)(plain(text))
        if check.guarded:
            checklist(check, lang)
        forms(store, actor, check, bool(len(norm) and norm.iloc[0]["is_village"]), lang)


def checklist(check: LiftCheck, lang: str) -> None:
    """Each condition of the guard: met or not, why not (geodata's words), and who clears it."""
    items = {i.key: i for i in check.items}
    lines = []
    for key in ITEMS:
        item = items[key]
        mark = "✅" if item.ok else "⛔"
        line = f"{mark} {t('lift.item.' + key, lang)}：{t('lift.met' if item.ok else 'lift.open', lang)}"
        if not item.ok:
            line += "。" + plain(item.en if lang == "en" else item.zh)
            who = "；".join(authority.who(c, lang) for c in item.commands)
            line += "（" + (t("lift.by", lang, who=plain(who)) if who else t("lift.wait", lang)) + "）"
        lines.append("- " + line)
    decision = f"{'✅' if check.ok else '⏳'} {t('lift.item.decision', lang)}（" + \
        t("lift.by", lang, who=plain(authority.who(DECISION_COMMAND, lang))) + "）"
    lines.append("- " + decision)
    st.markdown("\n".join(lines))


def forms(store: Any, actor: Any, check: LiftCheck, is_village: bool, lang: str) -> None:
    """The forms of the steps this person owns (authority.allowed on the command's own action name)."""
    if authority.allowed(actor, "disinfection.record", check.path):
        disinfection_form(store, actor, check, is_village, lang)
    if check.guarded and authority.allowed(actor, "assessment.record", check.path):
        assessment_form(store, actor, check, lang)
    if check.guarded and authority.allowed(actor, DECISION_COMMAND, check.path):
        decision_form(store, actor, check, lang)


def _kinds(check: LiftCheck, is_village: bool) -> list[str]:
    """随时/终末消毒 belong to a 疫点 or sealing; 一日一消毒 and public-area rounds to a village's daily norm."""
    kinds = ["routine", "terminal", "public_area"] if check.guarded else []
    if is_village:
        kinds += [k for k in ("daily", "public_area") if k not in kinds]
    return kinds or ["public_area"]


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def disinfection_form(store: Any, actor: Any, check: LiftCheck, is_village: bool, lang: str) -> None:
    code, today = check.target_code, dt.date.today()
    with st.form(f"gw-lift-dis-{code}", clear_on_submit=True):
        st.markdown(f"**{t('lift.dis.title', lang)}**")
        kind = st.radio(t("lift.dis.kind", lang), _kinds(check, is_village), horizontal=True,
                        format_func=lambda k: DISINFECTION_KINDS[k].en if lang == "en" else DISINFECTION_KINDS[k].zh)
        on = st.date_input(t("lift.date", lang), value=today, max_value=today, key=f"gw-lift-dis-on-{code}")
        area = st.text_input(t("lift.dis.area", lang), max_chars=200, key=f"gw-lift-dis-area-{code}")
        if st.form_submit_button(t("lift.dis.submit", lang)):
            done = save(store, actor, lambda ctx: record_disinfection(ctx, code, kind, on=on, area=area or None),
                        lang=lang)
            if done is not None:
                _done(t("lift.saved", lang))


def assessment_form(store: Any, actor: Any, check: LiftCheck, lang: str) -> None:
    code, today = check.target_code, dt.date.today()
    with st.form(f"gw-lift-as-{code}", clear_on_submit=True):
        st.markdown(f"**{t('lift.as.title', lang)}**")
        experts = st.text_input(t("lift.as.experts", lang), max_chars=200, key=f"gw-lift-as-experts-{code}")
        conclusion = st.radio(t("lift.as.conclusion", lang), list(ASSESSMENT_CONCLUSIONS), horizontal=True,
                              format_func=lambda c: ASSESSMENT_CONCLUSIONS[c][1 if lang == "en" else 0])
        on = st.date_input(t("lift.date", lang), value=today, max_value=today, key=f"gw-lift-as-on-{code}")
        note = st.text_input(t("lift.as.note", lang), max_chars=500, key=f"gw-lift-as-note-{code}")
        if st.form_submit_button(t("lift.as.submit", lang)):
            done = save(store, actor, lambda ctx: record_expert_assessment(
                ctx, code, experts=experts, conclusion=conclusion, on=on, note=note or None), lang=lang)
            if done is not None:
                _done(t("lift.saved", lang))


def decision_form(store: Any, actor: Any, check: LiftCheck, lang: str) -> None:
    """Saved against the target's version read with the checklist: a change in between is refused, not lost."""
    code, today = check.target_code, dt.date.today()
    with st.form(f"gw-lift-dec-{code}", clear_on_submit=True):
        st.markdown(f"**{t('lift.dec.title', lang)}**")
        on = st.date_input(t("lift.date", lang), value=today, max_value=today, key=f"gw-lift-dec-on-{code}")
        reason = st.text_input(t("lift.dec.reason", lang), max_chars=500, key=f"gw-lift-dec-reason-{code}")
        if not check.ok:
            st.caption(t("lift.dec.blocked", lang))
        if st.form_submit_button(t("lift.dec.submit", lang), type="primary", disabled=not check.ok):
            done = save(store, actor, lambda ctx: decide_lift(ctx, code, on=on, reason=reason or None,
                                                              expected_version=check.version), lang=lang)
            if done is not None:
                _done(t("lift.lifted", lang))
