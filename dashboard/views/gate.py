"""/gate: checkpoint entry registration on the phone (进出登记, 逢车必查、逢人必测) and the household pass register.

Staff on duty pick their checkpoint (`?checkpoint=CODE`), tap in/out, person/vehicle, resident/visitor, type the
temperature and the pass number shown, and register: a fever (geodata.fieldwork.entries: ≥ the "gate" setting) is
flagged on the spot and raises the symptom alert; a refused pass says why. Below: today's counts per hour and the
day's log with fever rows highlighted. Community staff and the street issue passes to a compound or building at
once, revoke and reissue lost ones, and see today's counts per checkpoint. Nothing here decides: geodata does.
"""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard import auth, state
from dashboard.components import field_ledgers, gate_data, tables
from dashboard.components.edit_text import plain
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from geodata.base.problems import Refusal
from geodata.fieldwork import entries, passes
from geodata.people import authority
from geodata.store.writes import write

extend({
    "gate.title": ("卡点进出登记", "Gate log"),
    "gate.checkpoint": ("我的卡点", "My checkpoint"),
    "gate.none": ("您的范围内没有开放的卡点。", "No open checkpoint in your scope."),
    "gate.read_only": ("您可以查看此卡点的登记，但登记须由该卡点所在社区/网格的值守人员进行。",
                       "You may read this checkpoint's log; entries are registered by the community/grid staff on "
                       "duty there."),
    "gate.direction": ("进出", "Direction"),
    "gate.in": ("进", "In"), "gate.out": ("出", "Out"),
    "gate.subject": ("对象", "Who"),
    "gate.person": ("人员", "Person"), "gate.vehicle": ("车辆", "Vehicle"),
    "gate.resident": ("身份", "Resident or visitor"),
    "gate.res": ("住户", "Resident"), "gate.visitor": ("外来", "Visitor"),
    "gate.temperature": ("体温 ℃（人员必测）", "Temperature °C (required for a person)"),
    "gate.pass": ("通行证号（出门必填）", "Pass number (on the way out)"),
    "gate.note": ("备注（车牌、事由）", "Note (plate, errand)"),
    "gate.save": ("登记", "Register"),
    "gate.saved": ("已登记 {time} {direction} {subject}", "Registered {time} {direction} {subject}"),
    "gate.fever": ("⚠ 体温 {temp} ℃，发热！已上报预警：请专人带至发热门诊。",
                   "⚠ {temp} °C: fever! Alert raised — escort to a fever clinic."),
    "gate.today": ("今日统计", "Today"),
    "gate.n_in": ("进", "In"), "gate.n_out": ("出", "Out"), "gate.n_fever": ("发热", "Fever"),
    "gate.hour": ("时段", "Hour"),
    "gate.log": ("今日登记（发热标红）", "Today's log (fevers in red)"),
    "gate.empty": ("今日尚无登记。", "Nothing registered today."),
    "gate.more": ("显示最近 {n} 条，共 {total} 条。", "The newest {n} of {total}."),
    "gate.passes": ("通行证（一户一卡，每户每2天1人外出）", "Household passes (one per household, one exit per 2 days)"),
    "gate.issue_at": ("小区或楼栋编码", "Compound or building code"),
    "gate.issue": ("批量发放", "Issue to every household"),
    "gate.issued": ("已发放 {n} 张通行证。", "{n} passes issued."),
    "gate.lost": ("遗失/作废的通行证号", "Lost or revoked pass number"),
    "gate.reason": ("原因（必填）", "Reason (required)"),
    "gate.revoke": ("作废", "Revoke"),
    "gate.reissue": ("作废并补发", "Revoke and reissue"),
    "gate.revoked": ("通行证 {number} 已作废。", "Pass {number} revoked."),
    "gate.reissued": ("已补发新通行证 {number}。", "New pass {number} issued."),
    "gate.register": ("通行证台账", "Pass register"),
    "gate.per_checkpoint": ("今日各卡点进出（计数）", "Today per checkpoint (counts)"),
    "gate.col.checkpoint": ("卡点", "Checkpoint"), "gate.col.entries": ("登记", "Entries"),
    "gate.col.time": ("时间", "Time"), "gate.col.temp": ("体温", "°C"), "gate.col.pass": ("通行证", "Pass"),
    "gate.col.note": ("备注", "Note"), "gate.col.number": ("通行证号", "Pass"), "gate.col.household": ("户", "Household"),
    "gate.col.room": ("房号", "Room"), "gate.col.building": ("楼栋", "Building"), "gate.col.status": ("状态", "Status"),
    "gate.col.issued": ("发放日期", "Issued"), "gate.col.last_exit": ("最近外出", "Last exit"),
})

# Phone first (390 × 844): one column, tap targets ≥ 44 px (the direction buttons 64 px), nothing wider than the
# screen; a fever row is red with a ⚠ so it reads without colour too.
CSS = """
<style>
[data-testid="stMainBlockContainer"] { max-width: 760px; overflow-x: hidden; }
.st-key-gw-gate button, .st-key-gw-gate input, .st-key-gw-passes button, .st-key-gw-passes input,
.st-key-gw-gate [data-baseweb="select"] > div { min-height: 48px !important; }
.st-key-gw-gate button[data-variant="segmented_control"] { min-height: 56px !important; min-width: 96px; }
.st-key-gw-gate button[data-variant="segmented_control"] p { font-size: 19px; }
.st-key-gw-gate-dir button[data-variant="segmented_control"] { min-height: 64px !important; min-width: 150px; }
.st-key-gw-gate-dir button[data-variant="segmented_control"] p { font-size: 28px; font-weight: 800; }
.st-key-gw-gate [data-testid="stElementContainer"]:has([data-testid="stFormSubmitButton"]),
.st-key-gw-gate [data-testid="stFormSubmitButton"] button { width: 100% !important; min-height: 56px !important; }
.gw-gate-sum { display: flex; gap: 18px; flex-wrap: wrap; font-size: 18px; margin: 4px 0 8px; }
.gw-gate-sum b { font-size: 34px; font-variant-numeric: tabular-nums; margin-left: 4px; }
.gw-gate-sum .gw-f b { color: #ff5b5b; }
table.gw-gate { width: 100%; border-collapse: collapse; font-size: 16px; table-layout: fixed; }
table.gw-gate td, table.gw-gate th { padding: 6px 4px; border-bottom: 1px solid #2b3a55; overflow-wrap: anywhere;
  text-align: left; }
table.gw-gate tr.gw-fever td { background: #7a1f1f; color: #fff; font-weight: 700; }
</style>
"""


#: the newest entries listed on the phone (the full day: gate-export)
LOG_ROWS = 50


def _cell(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else html.escape(str(value))


def summary(hours: pd.DataFrame, lang: str) -> None:
    ins, outs, fevers = (int(hours[c].sum()) for c in ("ins", "outs", "fevers"))
    st.html(f'<div class="gw-gate-sum"><span>{html.escape(t("gate.n_in", lang))}<b>{ins}</b></span>'
            f'<span>{html.escape(t("gate.n_out", lang))}<b>{outs}</b></span>'
            f'<span class="gw-f">{html.escape(t("gate.n_fever", lang))}<b>{fevers}</b></span></div>')
    busy = hours[(hours["ins"] + hours["outs"]) > 0]
    if len(busy):
        rows = "".join(f'<tr class="{"gw-fever" if r.fevers else ""}"><td>{r.hour:02d}:00</td><td>{r.ins}</td>'
                       f"<td>{r.outs}</td><td>{r.fevers}</td></tr>" for r in busy.itertuples())
        head = "".join(f"<th>{html.escape(t(k, lang))}</th>" for k in ("gate.hour", "gate.n_in", "gate.n_out",
                                                                      "gate.n_fever"))
        st.html(f'<table class="gw-gate gw-gate-hours"><tr>{head}</tr>{rows}</table>')


def day_log(log: pd.DataFrame, lang: str) -> None:
    if log.empty:
        st.caption(t("gate.empty", lang))
        return
    words = {"in": t("gate.in", lang), "out": t("gate.out", lang), "person": t("gate.person", lang),
             "vehicle": t("gate.vehicle", lang)}
    rows = []
    for r in log.head(LOG_ROWS).itertuples():
        temp = "" if pd.isna(r.temperature) else f"{'⚠ ' if r.fever else ''}{r.temperature:.1f}"
        who = f"{words[r.subject]}·{t('gate.res' if r.resident else 'gate.visitor', lang)}"
        rows.append(f'<tr class="{"gw-fever" if r.fever else "gw-ok"}"><td>{pd.Timestamp(r.at):%H:%M}</td>'
                    f"<td>{html.escape(words[r.direction])}</td><td>{html.escape(who)}</td><td>{temp}</td>"
                    f"<td>{_cell(r.pass_no)}</td><td>{_cell(r.note)}</td></tr>")
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>" for k in (
        "gate.col.time", "gate.direction", "gate.subject", "gate.col.temp", "gate.col.pass", "gate.col.note"))
    st.html(f'<table class="gw-gate gw-gate-log"><tr>{head}</tr>{"".join(rows)}</table>')
    if len(log) > LOG_ROWS:
        st.caption(t("gate.more", lang, n=LOG_ROWS, total=len(log)))


def entry_form(v: state.View, actor, code: str, lang: str) -> None:
    with st.form("gw-gate", clear_on_submit=True, border=False):
        with st.container(key="gw-gate-dir"):
            direction = st.segmented_control(t("gate.direction", lang), ["in", "out"], default="in",
                                             format_func=lambda d: t(f"gate.{d}", lang), key="gw-gate-d")
        c1, c2 = st.columns(2)
        subject = c1.segmented_control(t("gate.subject", lang), ["person", "vehicle"], default="person",
                                       format_func=lambda s: t(f"gate.{s}", lang), key="gw-gate-s")
        resident = c2.segmented_control(t("gate.resident", lang), ["res", "visitor"], default="res",
                                        format_func=lambda s: t(f"gate.{s}", lang), key="gw-gate-r")
        temperature = st.number_input(t("gate.temperature", lang), min_value=30.0, max_value=45.0, value=None,
                                      step=0.1, format="%.1f", key="gw-gate-t")
        pass_no = st.text_input(t("gate.pass", lang), max_chars=64, key="gw-gate-p")
        note = st.text_input(t("gate.note", lang), max_chars=100, key="gw-gate-n")
        submitted = st.form_submit_button(t("gate.save", lang), type="primary")
    if not submitted:
        return
    try:
        result = write(v.store, actor, lambda ctx: entries.register_entry(
            ctx, code, direction=direction or "in", subject=subject or "person", temperature=temperature,
            resident=(resident or "res") == "res", pass_no=pass_no or None, note=note or None))
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    e = result.entry
    if result.fever:
        st.error(t("gate.fever", lang, temp=f"{e.temperature:.1f}"))
    st.success(t("gate.saved", lang, time=f"{e.at:%H:%M}", direction=t(f"gate.{e.direction}", lang),
                 subject=t(f"gate.{e.subject}", lang)))


def pass_tools(v: state.View, actor, lang: str) -> None:
    with st.container(key="gw-passes"):
        st.markdown(f"**{plain(t('gate.passes', lang))}**")
        with st.form("gw-pass-issue", border=False):
            where = st.text_input(t("gate.issue_at", lang), max_chars=64)
            go = st.form_submit_button(t("gate.issue", lang))
        if go and where.strip():
            try:
                made = write(v.store, actor, lambda ctx: passes.issue_passes(ctx, where.strip()))
                st.success(t("gate.issued", lang, n=len(made)))
            except Refusal as exc:
                show_refusal(exc, lang)
        with st.form("gw-pass-lost", border=False):
            number = st.text_input(t("gate.lost", lang), max_chars=64)
            reason = st.text_input(t("gate.reason", lang), max_chars=200)
            c1, c2 = st.columns(2)
            revoke = c1.form_submit_button(t("gate.revoke", lang))
            reissue = c2.form_submit_button(t("gate.reissue", lang))
        if (revoke or reissue) and number.strip():
            try:
                if reissue:
                    new = write(v.store, actor, lambda ctx: passes.reissue_pass(ctx, number.strip(), reason))
                    st.success(t("gate.reissued", lang, number=plain(new.number)))
                else:
                    write(v.store, actor, lambda ctx: passes.revoke_pass(ctx, number.strip(), reason))
                    st.success(t("gate.revoked", lang, number=plain(number.strip())))
            except Refusal as exc:
                show_refusal(exc, lang)
        with st.expander(t("gate.register", lang)):
            v2 = state.view()
            frame = gate_data.register(v2.url, v2.version, actor, actor.scope_path)
            status = {k: w[1 if lang == "en" else 0] for k, w in passes.STATUS_WORDS.items()}
            columns = {  # name → (heading, values)
                "number": (t("gate.col.number", lang), frame["number"]),
                "household_code": (t("gate.col.household", lang), frame["household_code"]),
                "building_name": (t("gate.col.building", lang), frame["building_name"]),
                "room": (t("gate.col.room", lang), frame["room"]),
                "status": (t("gate.col.status", lang), frame["status"].map(status)),
                "issued_on": (t("gate.col.issued", lang), frame["issued_on"].astype(str)),
                "last_exit": (t("gate.col.last_exit", lang),
                              pd.to_datetime(frame["last_exit"]).dt.strftime("%Y-%m-%d %H:%M")),
            }
            order = tables.phone_first("passes", {c: h for c, (h, _) in columns.items()})
            shown = pd.DataFrame({h: columns[c][1] for c, h in order.items()})
            st.dataframe(shown, hide_index=True, width="stretch", height=320)


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.gate")
    v = state.view()
    lang = v.lang
    st.html(CSS)
    st.subheader(t("gate.title", lang))
    mine = gate_data.my_checkpoints(v.url, v.version, actor)
    if mine.empty:
        st.info(t("gate.none", lang))
    else:
        codes = mine["code"].tolist()
        # those who register see their own gates first
        codes.sort(key=lambda c: not bool(mine.loc[mine["code"] == c, "may_register"].iloc[0]))
        wanted = state.param("checkpoint")
        names = dict(zip(mine["code"], mine["name"]))
        code = st.selectbox(t("gate.checkpoint", lang), codes, index=codes.index(wanted) if wanted in codes else 0,
                            format_func=lambda c: f"{names[c]}（{c}）", key="gw-gate-cp")
        st.query_params["checkpoint"] = code
        may = bool(mine.loc[mine["code"] == code, "may_register"].iloc[0])
        with st.container(key="gw-gate"):
            if may:
                entry_form(v, actor, code, lang)
            else:
                st.caption(t("gate.read_only", lang))
        v = state.view()  # a registration just now bumped the data version
        st.markdown(f"**{plain(t('gate.today', lang))}** · {state.today().isoformat()}")
        try:
            summary(gate_data.hours(v.url, v.version, actor, code, state.today()), lang)
            st.markdown(f"**{plain(t('gate.log', lang))}**")
            day_log(gate_data.day_log(v.url, v.version, actor, code, state.today()), lang)
        except Refusal as exc:
            show_refusal(exc, lang)
    if authority.allowed(actor, "gate.read", actor.scope_path):
        per = gate_data.per_checkpoint(v.url, v.version, actor.scope_path, v.on)
        if len(per):
            st.markdown(f"**{plain(t('gate.per_checkpoint', lang))}**")
            names = dict(zip(mine["code"], mine["name"])) if len(mine) else {}
            st.dataframe(pd.DataFrame({
                t("gate.col.checkpoint", lang): [names.get(c, c) for c in per["code"]],
                t("gate.col.entries", lang): per["entries"], t("gate.n_in", lang): per["ins"],
                t("gate.n_out", lang): per["outs"], t("gate.n_fever", lang): per["fevers"]}),
                hide_index=True, width="stretch")
    if authority.allowed(actor, "pass.issue", actor.scope_path):
        pass_tools(v, actor, lang)
    field_ledgers.download(actor, "gate_entries", lang, on=state.today())  # today's log, as XLSX
    field_ledgers.download(actor, "gate_passes", lang)
    field_ledgers.upload(actor, "gate_passes", lang)  # the pass register where the office keeps it in Excel


main()
