"""/care: a grid worker's care list on the phone — who is overdue a visit first, big buttons to record a visit or a
delivery (代购、定点投放、不见面送达) with what was brought and any need found.

`?code=` a grid (default: the person's own unit) or a sealed building's code (its people, due every day). Every
read and write is checked in geodata (geodata.fieldwork.care); this page only asks and shows.
"""
from __future__ import annotations

import html

import streamlit as st

from dashboard import auth, state
from dashboard.components import field_ledgers
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from geodata.base.problems import Refusal
from geodata.fieldwork import care
from geodata.people import authority
from geodata.reporting import access
from geodata.store.writes import write

extend({
    "care.title": ("关爱服务", "Care list"),
    "care.on_list": ("关爱对象", "On the list"),
    "care.overdue": ("逾期未探访", "Overdue"),
    "care.person": ("服务对象", "Person"),
    "care.kind": ("服务类型", "Kind"),
    "care.method": ("送达方式", "Method"),
    "care.what": ("送达物品 / 探访情况", "What was brought / found"),
    "care.need": ("需求（如有）", "Need found (if any)"),
    "care.date": ("日期", "Date"),
    "care.save_visit": ("记录探访", "Record the visit"),
    "care.save_delivery": ("记录送达", "Record the delivery"),
    "care.saved": ("已记录：{name}", "Recorded: {name}"),
    "care.last": ("上次：{day}（{n} 天前）", "Last: {day} ({n} days ago)"),
    "care.never": ("从未探访", "Never visited"),
    "care.sealed": ("封锁/硬隔离楼栋，每日探访", "Sealed building: daily"),
    "care.empty": ("本网格暂无关爱对象", "Nobody on the care list here"),
    "care.need_kept": ("需求已记在探访记录上", "The need is kept on the visit record"),
    "care.as_event": ("需求作为事件上报", "Report the need as an event"),
})

CSS = """
<style>
.st-key-gw-care button, .st-key-gw-care [data-baseweb="select"] > div, .st-key-gw-care input,
.st-key-gw-care textarea { min-height: 48px; font-size: 18px; }
.st-key-gw-care [data-testid="stFormSubmitButton"] button { width: 100%; min-height: 56px; font-size: 20px;
  font-weight: 700; }
.gw-care-row { border: 1px solid #2b3a55; border-radius: 10px; padding: 10px 12px; margin: 6px 0;
  overflow-wrap: anywhere; }
.gw-care-row.gw-overdue { border-color: #D55E00; border-width: 2px; }
.gw-care-name { font-size: 20px; font-weight: 700; }
.gw-care-tag { font-size: 15px; color: #b9c6d3; }
.gw-care-badge { font-size: 15px; font-weight: 700; color: #fff; background: #D55E00; border-radius: 6px;
  padding: 1px 8px; margin-left: 6px; }
.gw-care-big { font-size: 40px; font-weight: 800; line-height: 1.1; }
</style>
"""


def _row(r, lang: str) -> str:  # noqa: ANN001 — a row of the care list
    e = html.escape
    last = (t("care.last", lang, day=r.last_visit.isoformat(), n=int(r.days_since)) if r.last_visit is not None
            else t("care.never", lang))
    badge = f'<span class="gw-care-badge">{e(t("care.overdue", lang))}</span>' if r.overdue else ""
    sealed = f' · {e(t("care.sealed", lang))}' if r.sealed else ""
    where = " ".join(str(x) for x in (r.building_name, r.room) if x)
    return (f'<div class="gw-care-row{" gw-overdue" if r.overdue else ""}"><span class="gw-care-name">'
            f"{e(str(r.name))}</span>{badge}<div class=\"gw-care-tag\">{e(care.kinds_label(r.kinds, lang))} · "
            f"{e(where)}{e(sealed)}</div><div class=\"gw-care-tag\">{e(last)}</div></div>")


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.care")
    v = state.view()
    lang = v.lang
    st.html(CSS)
    with v.store.read() as s:
        home = access.home(s, actor)
    code = st.query_params.get("code") or (home.code if home else None)
    st.subheader(t("care.title", lang))
    if code is None:
        st.info(t("care.empty", lang))
        return
    try:
        frame = care.care_list(v.store, actor, code, on=state.today())
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    c1, c2 = st.columns(2)
    c1.html(f'<div class="gw-care-tag">{html.escape(t("care.on_list", lang))}</div>'
            f'<div class="gw-care-big">{len(frame):,}</div>')
    c2.html(f'<div class="gw-care-tag">{html.escape(t("care.overdue", lang))}</div>'
            f'<div class="gw-care-big" style="color:#ff8a3d">{int(frame["overdue"].sum()):,}</div>')
    if flash := st.session_state.pop("gw-care-flash", None):
        st.success(flash)
    if frame.empty:
        st.info(t("care.empty", lang))
        return
    if authority.allowed(actor, "care.record", frame["path"].iloc[0]):
        record_form(v, actor, frame, lang)
    for ledger in ("care_list", "care_visits"):  # XLSX with Chinese headers, for those who may read the list
        field_ledgers.download(actor, ledger, lang, code=code)
    st.html("".join(_row(r, lang) for r in frame.itertuples(index=False)))


def record_form(v: state.View, actor, frame, lang: str) -> None:  # noqa: ANN001
    names = {r.code: f"{r.name} · {r.building_name or ''} {r.room or ''}".strip() for r in frame.itertuples()}
    with st.container(key="gw-care"):
        kind = st.segmented_control(t("care.kind", lang), list(care.VISIT_KINDS), default="delivery",
                                    key="gw-care-kind", required=True,
                                    format_func=lambda k: care.VISIT_KINDS[k][1 if lang == "en" else 0])
        with st.form("gw-care-form", clear_on_submit=True, border=True):
            person = st.selectbox(t("care.person", lang), list(names), format_func=lambda c: names[c],
                                  key="gw-care-person")
            method = None
            if kind == "delivery":
                method = st.radio(t("care.method", lang), list(care.DELIVERY_METHODS), horizontal=True,
                                  format_func=lambda m: care.DELIVERY_METHODS[m][1 if lang == "en" else 0],
                                  key="gw-care-method")
            what = st.text_input(t("care.what", lang), max_chars=300, key="gw-care-what")
            need = st.text_input(t("care.need", lang), max_chars=2000, key="gw-care-need")
            as_event = st.checkbox(t("care.as_event", lang), key="gw-care-event")
            on = st.date_input(t("care.date", lang), value=state.today(), max_value=state.today(),
                               format="YYYY-MM-DD", key="gw-care-date")
            label = t("care.save_delivery" if kind == "delivery" else "care.save_visit", lang)
            if st.form_submit_button(label, type="primary", use_container_width=True):
                try:
                    write(v.store, actor, lambda ctx: care.record_visit(
                        ctx, person, on=on, kind=kind, method=method, what=what, need=need, as_event=as_event,
                        today=state.today()))
                except Refusal as exc:
                    show_refusal(exc, lang)
                    return
                msg = t("care.saved", lang, name=names[person])
                st.session_state["gw-care-flash"] = msg + (f" · {t('care.need_kept', lang)}" if need.strip() else "")
                st.rerun()


main()
