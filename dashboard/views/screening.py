"""/screening: door-to-door screening rounds (入户摸排), phone first.

A grid worker picks the round and gets the next unvisited households of their own grid with big buttons (at home,
away) and a form for the rest (returned from where and when, temperature, symptoms, needs); a street or community
starts a round, takes a returnee list pushed down from the district, watches coverage per grid and on the map, and
closes the round with its report to the street. Every rule and scope check is geodata's
(geodata.fieldwork.screening, geodata.fieldwork.returnees); the page asks and draws.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, state
from dashboard.components import field_ledgers, maps, screening_map, tables
from dashboard.components.edit_common import text_table
from dashboard.components.edit_text import plain
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from geodata.base.problems import Refusal
from geodata.base.vocab import PERSON_TAGS, label
from geodata.fieldwork import returnees, screening
from geodata.fieldwork.care import CARE_KINDS, kinds_label
from geodata.people import authority, scope
from geodata.reporting import access
from geodata.situation.observations import SYMPTOMS
from geodata.store.writes import write

extend({
    "nav.screening": ("入户摸排", "Screening"),
    "scr.title": ("入户摸排", "Door-to-door screening"),
    "scr.round": ("摸排轮次", "Round"),
    "scr.none": ("暂无摸排轮次", "No screening round yet"),
    "scr.start": ("发起新一轮摸排", "Start a round"),
    "scr.purpose": ("摸排目的", "Purpose"),
    "scr.starts": ("开始日期", "Start"),
    "scr.ends": ("结束日期", "End"),
    "scr.start.go": ("发起", "Start"),
    "scr.started": ("已发起摸排 {code}", "Round {code} started"),
    "scr.import": ("导入区里下传的返乡人员名单", "Import a returnee list from the district"),
    "scr.import.file": ("名单文件（XLSX/CSV：姓名、身份证号、联系电话、住址、楼栋、房号、从何地返回、返回日期）",
                        "List (XLSX/CSV: name, ID number, phone, address, building, room, came from, arrival date)"),
    "scr.import.go": ("导入并匹配", "Import and match"),
    "scr.imported": ("已导入名单 {code}", "List imported as {code}"),
    "scr.visited": ("已走访 / 登记户数", "Visited / households"),
    "scr.share": ("走访率", "Coverage"),
    "scr.todo": ("待走访（本人网格）", "Still to visit (my grid)"),
    "scr.all_done": ("本网格的户已全部走访", "Every household of this grid has been visited"),
    "scr.present": ("在家 无异常", "At home, well"),
    "scr.away": ("不在家", "Away"),
    "scr.detail": ("详细登记（返回人员、症状、需求）", "Full visit (returnees, symptoms, needs)"),
    "scr.household": ("户", "Household"),
    "scr.presence": ("在家情况", "Presence"),
    "scr.returned_from": ("从何地返回", "Returned from"),
    "scr.returned_on": ("返回日期", "Returned on"),
    "scr.temperature": ("体温 ℃（未测留空）", "Temperature °C (blank if not taken)"),
    "scr.symptoms": ("症状", "Symptoms"),
    "scr.needs": ("需求（将转为事件办理）", "Needs (become an event)"),
    "scr.note": ("备注", "Note"),
    "scr.save": ("保存走访", "Save visit"),
    "scr.care": ("需要关爱的家庭成员（纳入关爱名单）", "Members needing care (put on the care list)"),
    "scr.care.has": ("已在名单：{kinds}", "already on the list: {kinds}"),
    "scr.care.none": ("本户没有登记的成员", "No registered member in this household"),
    "scr.cared": ("已纳入关爱名单 {n} 人", "{n} put on the care list"),
    "scr.cared_n": ("纳入关爱户", "Households put on the care list"),
    "scr.saved": ("已登记 {hh}", "Visit to {hh} recorded"),
    "scr.alerted": ("已发出症状预警", "Symptom alert raised"),
    "scr.grids": ("各网格走访情况", "Coverage per grid"),
    "scr.map": ("楼栋走访进度", "Coverage by building"),
    "scr.list": ("返乡人员名单", "Returnee list"),
    "scr.unmatched": ("未匹配到住户：{n} 人，请社区核实", "{n} names not matched to a household: the community checks"),
    "scr.close": ("结束摸排并向街道报告", "Close the round and report to the street"),
    "scr.report": ("摸排报告", "Round report"),
    "scr.unvisited": ("未走访户（交社区补访）", "Households not visited (for the community)"),
    "scr.returned_n": ("外地返回户", "Returned households"),
    "scr.flagged_n": ("发现症状户", "Households with symptoms"),
    "scr.needs_n": ("有需求户", "Households with needs"),
    "scr.col.grid": ("网格", "Grid"), "scr.col.households": ("登记户数", "Households"),
    "scr.col.visited": ("已走访", "Visited"), "scr.col.share": ("走访率", "Coverage"),
    "scr.col.community": ("社区", "Community"), "scr.col.building": ("楼栋", "Building"),
    "scr.col.room": ("房号", "Room"), "scr.col.name": ("姓名", "Name"), "scr.col.match": ("匹配", "Match"),
    "scr.col.came_from": ("从何地返回", "Came from"), "scr.col.arrived": ("返回日期", "Arrived"),
    "scr.col.row": ("行", "Row"), "scr.col.unit": ("单元", "Stair"), "scr.col.household": ("户编码", "Household"),
})

CSS = """<style>
[class*="st-key-scr-"] button { min-height: 48px; font-size: 18px; }
.gw-scr-big { font-size: 40px; font-weight: 800; line-height: 1.1; }
</style>"""


def pct(value: float | None) -> str:
    return "—" if value is None or value != value else f"{100 * value:.0f}%"


def household_label(row: pd.Series) -> str:
    parts = [row.get("building_name") or "", f"{row['stair_unit']}单元" if pd.notna(row.get("stair_unit")) else "",
             row.get("room") or "", f"· {row['head_name']}" if row.get("head_name") else ""]
    return " ".join(p for p in parts if p)


def start_forms(v: state.View, actor, home, lang: str) -> None:  # noqa: ANN001
    if not authority.allowed(actor, "screening.start", home.path):
        return
    with st.expander(t("scr.start", lang)):
        with st.form("scr-start-form"):
            purpose = st.text_input(t("scr.purpose", lang), max_chars=200)
            c1, c2 = st.columns(2)
            starts = c1.date_input(t("scr.starts", lang), value=v.on, format="YYYY-MM-DD")
            ends = c2.date_input(t("scr.ends", lang), value=v.on + dt.timedelta(days=3), format="YYYY-MM-DD")
            if st.form_submit_button(t("scr.start.go", lang), key="scr-start-go", type="primary"):
                try:
                    rnd = write(v.store, actor, lambda ctx: screening.start_round(ctx, home.code, purpose, starts, ends))
                    st.session_state["scr-round"] = rnd.code
                    st.success(t("scr.started", lang, code=rnd.code))
                except Refusal as exc:
                    show_refusal(exc, lang)
    if not authority.allowed(actor, "screening.import", home.path):
        return
    with st.expander(t("scr.import", lang)):
        with st.form("scr-import-form"):
            upload = st.file_uploader(t("scr.import.file", lang), type=["xlsx", "csv"])
            purpose = st.text_input(t("scr.purpose", lang), value="返乡人员核查", max_chars=200)
            if st.form_submit_button(t("scr.import.go", lang), key="scr-import-go") and upload is not None:
                from loaders.screening_io import read_list_upload  # the upload is read like the CLI's file

                try:
                    frame = read_list_upload(upload.getvalue(), upload.name)
                    code, warnings = write(v.store, actor, lambda ctx: returnees.import_returnees(
                        ctx, home.code, frame, purpose=purpose, starts_on=v.on, source=upload.name[-100:]))
                    st.session_state["scr-round"] = code
                    st.success(t("scr.imported", lang, code=code))
                except Refusal as exc:
                    show_refusal(exc, lang)


def visit_panel(v: state.View, actor, rnd: pd.Series, lang: str) -> None:  # noqa: ANN001
    """The next doors of the worker's own grid with one-tap buttons, and the full form."""
    try:
        with v.store.read() as s:
            todo = screening.households_to_visit(s, actor, rnd["code"], limit=50)
    except Refusal:
        return  # no person-level reads here (a supervisor): the coverage below is theirs
    st.markdown(f"#### {t('scr.todo', lang)}")
    if todo.empty:
        st.success(t("scr.all_done", lang))
        return

    def mark(hh: str, presence: str, **kw) -> None:  # noqa: ANN003
        try:
            res = write(v.store, actor, lambda ctx: screening.record_visit(ctx, rnd["code"], hh, presence, **kw))
            st.session_state["scr-flash"] = (t("scr.saved", lang, hh=hh)
                                             + (f" · {t('scr.alerted', lang)}" if res.alert_id else "")
                                             + (f" · {t('scr.cared', lang, n=len(res.cared))}" if res.cared else ""))
        except Refusal as exc:
            st.session_state["scr-refusal"] = exc

    for _, row in todo.head(6).iterrows():
        with st.container(border=True, key=f"scr-hh-{row['code']}"):
            st.markdown(f"**{plain(household_label(row))}**  \n`{plain(row['code'])}`")
            c1, c2 = st.columns(2)
            c1.button(t("scr.present", lang), key=f"scr-present-{row['code']}", type="primary", width="stretch",
                      on_click=mark, args=(row["code"], "present"))
            c2.button(t("scr.away", lang), key=f"scr-away-{row['code']}", width="stretch",
                      on_click=mark, args=(row["code"], "away"))
    with st.expander(t("scr.detail", lang)):
        # the household is chosen outside the form: its members (for the care marks) follow the choice
        labels = {r["code"]: f"{household_label(r)} ({r['code']})" for _, r in todo.iterrows()}
        hh = st.selectbox(t("scr.household", lang), list(labels), format_func=lambda c: labels[c],
                          key="scr-visit-hh")
        try:
            with v.store.read() as s:
                members = screening.members_of(s, actor, hh)
        except Refusal:
            members = None  # may not tag persons here: the visit is still recorded, without care marks
        with st.form("scr-visit-form", clear_on_submit=True):
            presence = st.radio(t("scr.presence", lang), list(screening.PRESENCE), horizontal=True,
                                format_func=lambda c: label(screening.PRESENCE, c, lang))
            came = st.text_input(t("scr.returned_from", lang), max_chars=200)
            back = st.date_input(t("scr.returned_on", lang), value=None, format="YYYY-MM-DD")
            temp = st.number_input(t("scr.temperature", lang), min_value=34.0, max_value=43.0, value=None, step=0.1)
            symptoms = st.multiselect(t("scr.symptoms", lang), list(SYMPTOMS),
                                      format_func=lambda c: label(SYMPTOMS, c, lang))
            needs = st.text_area(t("scr.needs", lang), max_chars=2000)
            note = st.text_input(t("scr.note", lang), max_chars=2000)
            care = care_choices(members, hh, lang) if members is not None else {}
            if st.form_submit_button(t("scr.save", lang), key="scr-visit-go", type="primary", width="stretch"):
                mark(hh, presence, on=v.on, returned_from=came, returned_on=back, temperature=temp,
                     symptoms=symptoms, needs=needs, note=note,
                     care={code: kinds for code, kinds in care.items() if kinds})
                st.rerun()


def care_choices(members: pd.DataFrame, hh: str, lang: str) -> dict:
    """One row of care-kind pills (big taps) per household member; returns person code -> the kinds chosen. What a
    choice means — added tags, scope, duplicates — is geodata's."""
    st.markdown(f"**{t('scr.care', lang)}**")
    if members.empty:
        st.caption(t("scr.care.none", lang))
        return {}
    out = {}
    for m in members.itertuples():
        has = f" · {t('scr.care.has', lang, kinds=kinds_label(m.kinds, lang))}" if m.kinds else ""
        born = f" ({int(m.birth_year)})" if pd.notna(m.birth_year) else ""
        out[m.code] = list(st.pills(plain(f"{m.name}{born}{has}"), list(CARE_KINDS), selection_mode="multi",
                                    key=f"scr-care-{hh}-{m.code}",
                                    format_func=lambda c: label(PERSON_TAGS, c, lang)) or [])
    return out


def coverage_panel(v: state.View, actor, rnd: pd.Series, lang: str) -> None:  # noqa: ANN001
    with v.store.read() as s:
        grids = screening.coverage(s, actor, rnd["code"], "grid")
        buildings = screening.coverage(s, actor, rnd["code"], "building")
    st.markdown(f"#### {t('scr.grids', lang)}")
    shown = grids.assign(share=[pct(x) for x in grids["share"]])
    text_table(shown, tables.phone_first("screening_grids", {
        "name": t("scr.col.grid", lang), "households": t("scr.col.households", lang),
        "visited": t("scr.col.visited", lang), "share": t("scr.col.share", lang)}), key="scr-grids")
    placed = buildings.dropna(subset=["lon", "lat"])
    if len(placed):
        st.markdown(f"#### {t('scr.map', lang)}")
        base = maps.frame_base(screening_map.bounds_of(placed), settings=v.settings, outline=None)
        maps.show(base, [screening_map.coverage_layer(placed, lang, dark=not v.settings.tile_url)],
                  key="scr-map", height=380)


def list_panel(v: state.View, actor, rnd: pd.Series, lang: str) -> None:  # noqa: ANN001
    try:
        with v.store.read() as s:
            entries = returnees.entries_of(s, actor, rnd["code"])
    except Refusal:
        return
    st.markdown(f"#### {t('scr.list', lang)}")
    unmatched = int(entries["matched_by"].isna().sum())
    if unmatched:
        st.warning(t("scr.unmatched", lang, n=unmatched))
    entries["match"] = [returnees.MATCHES.get(m, ("", ""))[1 if lang == "en" else 0] for m in entries["matched_by"]]
    text_table(entries, tables.phone_first("screening_entries", {
        "row_no": t("scr.col.row", lang), "name": t("scr.col.name", lang),
        "came_from": t("scr.col.came_from", lang), "arrived_on": t("scr.col.arrived", lang),
        "household_code": t("scr.col.household", lang), "match": t("scr.col.match", lang)}), key="scr-entries")


def report_panel(report: screening.RoundReport, lang: str) -> None:
    st.markdown(f"#### {t('scr.report', lang)} · {plain(report.unit_name)} · {report.starts_on}–{report.ends_on}")
    cols = st.columns(5)
    for col, (key, value) in zip(cols, [("scr.visited", f"{report.visited}/{report.households}"),
                                        ("scr.returned_n", report.returned), ("scr.flagged_n", report.flagged),
                                        ("scr.needs_n", report.with_needs), ("scr.cared_n", report.cared)],
                                 strict=True):
        col.metric(t(key, lang), value)
    if len(report.unvisited):
        st.markdown(f"**{t('scr.unvisited', lang)}**")
        text_table(report.unvisited, tables.phone_first("screening_unvisited", {
            "community": t("scr.col.community", lang), "grid": t("scr.col.grid", lang),
            "building": t("scr.col.building", lang), "stair_unit": t("scr.col.unit", lang),
            "room": t("scr.col.room", lang), "household": t("scr.col.household", lang)}), key="scr-unvisited")


def main() -> None:
    state.require_entry()
    v = state.view()
    lang = v.lang
    actor = auth.require_signed_in("page.screening")
    st.html(CSS)
    st.subheader(t("scr.title", lang))
    if flash := st.session_state.pop("scr-flash", None):
        st.success(flash)
    if refusal := st.session_state.pop("scr-refusal", None):
        show_refusal(refusal, lang)
    with v.store.read() as s:
        home = access.home(s, actor)
        rounds = screening.rounds_for(s, actor)
    if home is not None:
        start_forms(v, actor, home, lang)
    if rounds.empty:
        st.info(t("scr.none", lang))
        return
    names = {r.code: f"{r.unit_name} · {r.purpose} · {label(screening.STATUSES, r.status, lang)}"
             for r in rounds.itertuples()}
    if st.session_state.get("scr-round") not in names:
        st.session_state["scr-round"] = rounds["code"].iloc[0]
    code = st.selectbox(t("scr.round", lang), list(names), key="scr-round", format_func=lambda c: names[c])
    rnd = rounds.set_index("code", drop=False).loc[code]
    c1, c2 = st.columns(2)
    c1.markdown(f"{t('scr.visited', lang)}<div class='gw-scr-big'>{int(rnd['visited'])} / {int(rnd['households'])}"
                f"</div>", unsafe_allow_html=True)
    c2.markdown(f"{t('scr.share', lang)}<div class='gw-scr-big' data-testid='scr-share'>{pct(rnd['share'])}</div>",
                unsafe_allow_html=True)
    try:
        if rnd["status"] == "open" and actor.scope_path and authority.allowed(actor, "screening.visit",
                                                                            actor.scope_path):
            visit_panel(v, actor, rnd, lang)
        if rnd["kind"] == "returnees":
            list_panel(v, actor, rnd, lang)
        coverage_panel(v, actor, rnd, lang)
        field_ledgers.download(actor, "screening", lang, code=home.code if home else None, path=rnd["path"],
                               round_code=code)  # the round's results as XLSX (报告、走访记录、未走访户)
        if rnd["status"] == "open" and authority.allowed(actor, "screening.close", rnd["path"]):
            if st.button(t("scr.close", lang), key="scr-close-go"):
                report = write(v.store, actor, lambda ctx: screening.close_round(ctx, code))
                report_panel(report, lang)
        elif rnd["status"] == "closed" and scope.can_read(actor, rnd["path"]):
            with v.store.read() as s:
                report_panel(screening.round_report(s, actor, code), lang)
    except Refusal as exc:
        show_refusal(exc, lang)


main()
