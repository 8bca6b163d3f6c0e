"""/places: the community's and the street's page for supplies, places and organisations — the supplies stock with
its receipts and issues and days left, institutions and public places on a map with their state and staff, the
无主小区 ledger with its 四清, and the grid size norms' warnings (geodata.fieldwork: supplies, places, grid_norms).

`?code=` a unit under the person's scope (default: their own); `?section=` supplies | places | unowned | norms.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, state
from dashboard.components import field_ledgers, maps
from dashboard.components.edit_text import plain
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from dashboard.mapview.places import place_layer
from geodata.base.problems import Refusal
from geodata.base.vocab import Level
from geodata.fieldwork import grid_norms, places, supplies
from geodata.people import authority
from geodata.reporting import access, reports
from geodata.store.writes import write

extend({
    "pl.title": ("场所与物资", "Places and supplies"),
    "pl.sec.supplies": ("物资", "Supplies"), "pl.sec.places": ("场所", "Places"),
    "pl.sec.unowned": ("无主小区", "Unowned compounds"), "pl.sec.norms": ("网格规模", "Grid size"),
    "pl.section": ("栏目", "Section"),
    "pl.layer": ("场所", "Places"), "pl.kind": ("类型", "Kind"), "pl.state": ("状态", "State"),
    "pl.staff": ("在岗人数", "Staff on site"), "pl.name": ("名称", "Name"), "pl.code": ("编码", "Code"),
    "pl.unit": ("所属单元", "Unit"), "pl.reason": ("原因", "Reason"), "pl.save": ("保存", "Save"),
    "pl.saved": ("已保存", "Saved"), "pl.none": ("暂无记录", "Nothing recorded"),
    "sup.item": ("物资", "Item"), "sup.stock": ("库存", "Stock"), "sup.issued": ("近7日出库", "Issued, last 7 days"),
    "sup.days": ("可用天数", "Days left"), "sup.not_used": ("未使用", "not in use"),
    "sup.direction": ("入库/出库", "Receipt/issue"), "sup.qty": ("数量", "Quantity"), "sup.note": ("备注", "Note"),
    "sup.date": ("日期", "Date"), "sup.pick": ("选择社区", "Community"),
    "un.compound": ("小区编码", "Compound code"), "un.owner": ("责任单位", "Unit in charge"),
    "un.progress": ("四清进度", "四清 progress"), "un.note": ("备注", "Note"),
    "gn.kind": ("对象", "What"), "gn.reason": ("提示", "Warning"), "gn.none": ("均符合网格规模标准", "All within the norms"),
    "gn.k.grid": ("网格", "Grid"), "gn.k.building": ("楼栋", "Building"), "gn.k.compound": ("小区", "Compound"),
})
SECTIONS = ("supplies", "places", "unowned", "norms")


def _zh(lang: str) -> int:
    return 1 if lang == "en" else 0


def supplies_section(v, actor, unit, lang: str) -> None:  # noqa: ANN001
    code = unit.code
    with v.store.read() as s:
        if unit.level < Level.COMMUNITY:  # a street: pick one of its communities
            comms = reports.communities_under(s, unit.code)
            names = dict(zip(comms["code"], comms["name"], strict=True))
            if not names:
                st.info(t("pl.none", lang))
                return
            code = st.selectbox(t("sup.pick", lang), list(names), format_func=lambda c: plain(str(names[c])))
        elif unit.level > Level.COMMUNITY:  # a grid: its community's supplies
            code = next(u.code for u in access.breadcrumb(s, actor, unit.code) if u.level == Level.COMMUNITY)
    with v.store.read() as s:
        stock = supplies.community_stock(s, actor, code, state.today())
        path = access.unit(s, actor, code).path
    cols = st.columns(len(stock))
    for col, r in zip(cols, stock.itertuples(), strict=True):
        days = t("sup.not_used", lang) if r.days_left is None or pd.isna(r.days_left) else f"{int(r.days_left)}"
        col.metric(f"{r.en if lang == 'en' else r.zh}（{r.unit}）", f"{r.stock:,}",
                   f"{t('sup.days', lang)}: {days}", delta_color="off")
    if not authority.allowed(actor, "supplies.record", path):
        return
    with st.form("gw-sup-form", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        item = c1.selectbox(t("sup.item", lang), list(supplies.ITEMS),
                            format_func=lambda i: supplies.ITEMS[i][_zh(lang)])
        direction = c2.selectbox(t("sup.direction", lang), list(supplies.DIRECTIONS),
                                 format_func=lambda d: supplies.DIRECTIONS[d][_zh(lang)])
        qty = c3.number_input(t("sup.qty", lang), min_value=1, step=1, value=1)
        on = st.date_input(t("sup.date", lang), value=state.today(), max_value=state.today(), format="YYYY-MM-DD")
        note = st.text_input(t("sup.note", lang), max_chars=300)
        if st.form_submit_button(t("pl.save", lang), type="primary"):
            try:
                write(v.store, actor, lambda ctx: supplies.record_movement(ctx, code, item, direction, int(qty),
                                                                             on=on, note=note, today=state.today()))
            except Refusal as exc:
                show_refusal(exc, lang)
                return
            st.rerun()


def places_section(v, actor, unit, lang: str) -> None:  # noqa: ANN001
    kinds = {k: term.en if lang == "en" else term.zh for k, term in places.PLACE_KINDS.items()}
    states = {k: term.en if lang == "en" else term.zh for k, term in places.PLACE_STATES.items()}
    with v.store.read() as s:
        frame = places.places_in(s, actor, unit.code)
    if len(frame):
        bounds = (frame["lon"].min() - 0.003, frame["lat"].min() - 0.003, frame["lon"].max() + 0.003,
                  frame["lat"].max() + 0.003)
        base = maps.frame_base(bounds, settings=v.settings, outline=None)
        maps.show(base, [maps.fit_group(bounds), place_layer(frame, states, kinds, lang=lang,
                                                             dark=not v.settings.tile_url)],
                  key=f"gw-pl-map-{unit.code}", height=380)
        shown = frame.assign(kind=frame["kind"].map(kinds), state=frame["state"].map(states))
        st.dataframe(shown[["name", "kind", "state", "staff_on_site", "unit_name", "code"]].rename(columns={
            "name": t("pl.name", lang), "kind": t("pl.kind", lang), "state": t("pl.state", lang),
            "staff_on_site": t("pl.staff", lang), "unit_name": t("pl.unit", lang), "code": t("pl.code", lang)}),
            hide_index=True, use_container_width=True)
    else:
        st.info(t("pl.none", lang))
    if not len(frame) or not authority.allowed(actor, "places.edit", unit.path):
        return
    with st.form("gw-pl-state"):
        names = dict(zip(frame["code"], frame["name"], strict=True))
        code = st.selectbox(t("pl.name", lang), list(names), format_func=lambda c: plain(str(names[c])))
        c1, c2 = st.columns(2)
        new_state = c1.selectbox(t("pl.state", lang), list(states), format_func=states.get)
        staff = c2.number_input(t("pl.staff", lang), min_value=0, max_value=places.STAFF_MAX, step=1, value=0)
        reason = st.text_input(t("pl.reason", lang), max_chars=200)
        if st.form_submit_button(t("pl.save", lang), type="primary"):
            try:
                write(v.store, actor, lambda ctx: places.save_place(ctx, code, state=new_state, staff_on_site=staff,
                                                                     reason=reason or None))
            except Refusal as exc:
                show_refusal(exc, lang)
                return
            st.rerun()


def unowned_section(v, actor, unit, lang: str) -> None:  # noqa: ANN001
    with v.store.read() as s:
        frame = places.unowned_in(s, actor, unit.code)
    if len(frame):
        labels = {**{k: z[_zh(lang)] for k, z in places.FLAGS.items()},
                  **{k: z[_zh(lang)] for k, z in places.CLEARS.items()}}
        shown = frame[["compound_name", "compound_code", *places.FLAGS, "owner", *places.CLEARS, "progress"]].copy()
        shown["progress"] = (shown["progress"] * 100).round().astype(int).astype(str) + "%"
        st.dataframe(shown.rename(columns={**labels, "compound_name": t("pl.name", lang),
                                           "compound_code": t("pl.code", lang), "owner": t("un.owner", lang),
                                           "progress": t("un.progress", lang)}),
                     hide_index=True, use_container_width=True)
    else:
        st.info(t("pl.none", lang))
    if not authority.allowed(actor, "unowned.edit", unit.path):
        return
    with st.form("gw-un-form"):
        code = st.text_input(t("un.compound", lang), max_chars=64)
        flags = {k: st.checkbox(z[_zh(lang)]) for k, z in places.FLAGS.items()}
        owner = st.text_input(t("un.owner", lang), max_chars=200)
        clears = {k: st.checkbox(z[_zh(lang)]) for k, z in places.CLEARS.items()}
        if st.form_submit_button(t("pl.save", lang), type="primary"):
            try:
                write(v.store, actor, lambda ctx: places.save_unowned(ctx, code.strip(), **flags, **clears,
                                                                       owner=owner or None))
            except Refusal as exc:
                show_refusal(exc, lang)
                return
            st.rerun()


def norms_section(v, actor, unit, lang: str) -> None:  # noqa: ANN001
    with v.store.read() as s:
        warnings = grid_norms.grid_size_warnings(s, unit.path)
    if not len(warnings):
        st.success(t("gn.none", lang))
        return
    shown = pd.DataFrame({t("gn.kind", lang): [t(f"gn.k.{k}", lang) for k in warnings["kind"]],
                          t("pl.name", lang): warnings["name"], t("pl.code", lang): warnings["code"],
                          t("gn.reason", lang): warnings["en" if lang == "en" else "zh"]})
    st.dataframe(shown, hide_index=True, use_container_width=True)


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.places")
    v = state.view()
    lang = v.lang
    with v.store.read() as s:
        home = access.home(s, actor)
        code = st.query_params.get("code") or (home.code if home else None)
        if code is None:
            st.info(t("pl.none", lang))
            return
        try:
            unit = access.unit(s, actor, code)
        except Refusal as exc:
            show_refusal(exc, lang)
            return
    st.subheader(plain(f"{t('pl.title', lang)} · {unit.name}"))
    section = st.query_params.get("section")
    if section not in SECTIONS:
        section = SECTIONS[0]
    if st.session_state.get("gw-pl-section") != section:
        st.session_state["gw-pl-section"] = section
    st.segmented_control(t("pl.section", lang), SECTIONS, key="gw-pl-section", required=True,
                         format_func=lambda n: t(f"pl.sec.{n}", lang),
                         on_change=lambda: st.query_params.__setitem__("section", st.session_state["gw-pl-section"]))
    try:
        {"supplies": supplies_section, "places": places_section, "unowned": unowned_section,
         "norms": norms_section}[section](v, actor, unit, lang)
    except Refusal as exc:
        show_refusal(exc, lang)
    if section in ("places", "unowned"):  # the ledger as XLSX, and its import where offices keep it in Excel
        field_ledgers.download(actor, section, lang, code=unit.code, path=unit.path)
        field_ledgers.upload(actor, section, lang)


main()
