"""/events: requests and events routed to done (事件上报 → 流转 → 办结), phone first.

What waits on my unit (overdue first), a form to log one, every event of my scope with the overdue ones per level,
and a map of the open ones by urgency and overdue. `?event=CODE` opens one event's card: its trail and the steps
the reader may take there (note, forward, close with feedback, reopen) — geodata.fieldwork.events decides, the
page asks `authority.allowed` only to leave out buttons that would be refused.
"""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard import auth, state
from dashboard.components import field_ledgers, maps
from dashboard.components.edit_text import plain
from dashboard.components.field_forms import PHONE_CSS, event_fields, level_label
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from dashboard.mapview.events import event_layer
from geodata.base.clock import to_minute
from geodata.base.problems import Refusal
from geodata.fieldwork import events, patrols
from geodata.people import authority
from geodata.store.writes import write

extend({
    "ev.title": ("事件办理", "Events"),
    "ev.mine": ("待我办理", "Waiting on me"),
    "ev.new": ("上报事件", "Log an event"),
    "ev.all": ("全部事件", "All events"),
    "ev.map": ("地图", "Map"),
    "ev.none": ("没有事件。", "No events."),
    "ev.overdue_levels": ("超期未办结（按办理层级）", "Overdue (by the level handling them)"),
    "ev.status": ("状态", "Status"),
    "ev.open_only": ("只看办理中", "Open only"),
    "ev.overdue_only": ("只看超期", "Overdue only"),
    "ev.saved": ("已保存。", "Saved."),
    "ev.logged": ("已登记事件 {code}。", "Event {code} logged."),
    "ev.back": ("返回列表", "Back to the list"),
    "ev.trail": ("办理记录", "Trail"),
    "ev.note": ("办理记录", "Note"),
    "ev.add_note": ("记录", "Add note"),
    "ev.forward": ("上报（移交上级）", "Forward up"),
    "ev.forward_note": ("上报说明（必填）", "Why it goes up (required)"),
    "ev.do_forward": ("上报", "Forward"),
    "ev.close": ("办结", "Close"),
    "ev.resolution": ("办理结果（必填）", "What was done (required)"),
    "ev.feedback": ("向反映人反馈（必填）", "Feedback to the reporter (required)"),
    "ev.do_close": ("办结并反馈", "Close with feedback"),
    "ev.reopen": ("重新打开", "Reopen"),
    "ev.reopen_reason": ("重新打开的原因（必填）", "Why it is reopened (required)"),
    "ev.do_reopen": ("重新打开", "Reopen"),
    "ev.due": ("办结时限", "Due"),
    "ev.handler": ("办理单位", "Handled by"),
    "ev.tracker": ("首问责任人", "Tracked by"),
    "ev.reporter": ("反映人", "Reporter"),
    "ev.overdue": ("已超期", "Overdue"),
    "ev.closed_at": ("办结时间", "Closed"),
    "ev.legend": ("● 红：超期 ● 橙：紧急 ● 蓝：一般", "● red: overdue ● orange: urgent ● blue: normal"),
    "ev.submit": ("上报", "Log"),
    "ev.resolution_shown": ("办理结果", "What was done"),
    "ev.feedback_shown": ("反馈情况", "Feedback given"),
})


def _row_label(row: pd.Series, lang: str) -> str:
    kind = events.KINDS.get(row["kind"], (row["kind"], row["kind"]))[lang == "en"]
    flag = ("⚠ " + t("ev.overdue", lang) + " · ") if row["overdue"] else ""
    text = str(row["text"])
    text = text if len(text) <= 30 else text[:30] + "…"
    return f"{flag}{kind} · {level_label(row['handler_level'], lang)} · {text}"


def event_list(frame: pd.DataFrame, lang: str, key: str) -> None:
    """One button per event (≥ 44 px, full width): opens its card."""
    if frame.empty:
        st.info(t("ev.none", lang))
        return
    frame = frame.sort_values(["overdue", "due_at"], ascending=[False, True])
    for row in frame.head(100).to_dict("records"):
        if st.button(_row_label(pd.Series(row), lang), key=f"{key}-{row['code']}", use_container_width=True):
            st.query_params["event"] = row["code"]
            st.rerun()


def card(actor, code: str, lang: str) -> None:
    v = state.view()
    try:
        with v.store.read() as s:
            ev, steps = events.event_card(s, actor, code)
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    if st.button(t("ev.back", lang), key="gw-ev-back", use_container_width=True):
        st.query_params.pop("event", None)
        st.rerun()
    kind = events.KINDS.get(ev.kind, (ev.kind, ev.kind))[lang == "en"]
    tier = (events.TIERS[ev.tier].en if lang == "en" else events.TIERS[ev.tier].zh)
    status = events.STATUSES[ev.status][lang == "en"]
    rows = [(t("ev.status", lang), status + (f" · {t('ev.overdue', lang)}" if ev.overdue else "")),
            (t("ef.kind", lang), kind), (t("ef.tier", lang), tier),
            (t("ef.urgency", lang), events.URGENCIES[ev.urgency][lang == "en"]),
            (t("ev.handler", lang), f"{level_label(ev.handler_level, lang)} {ev.handler_code}"),
            (t("ev.tracker", lang), ev.tracker), (t("ev.due", lang), to_minute(ev.due_at, "—")),
            (t("ev.reporter", lang), " ".join(x for x in (ev.reporter_name, ev.reporter_phone) if x) or "—")]
    if ev.closed_at:
        rows.append((t("ev.closed_at", lang), to_minute(ev.closed_at, "—")))
    st.html(f'<div class="gw-ev-card" data-event="{html.escape(ev.code)}" data-status="{ev.status}">'
            f"<b>{html.escape(ev.code)}</b><p>{html.escape(ev.text)}</p>"
            + "".join(f"<div><span>{html.escape(k)}</span> {html.escape(str(val))}</div>" for k, val in rows)
            + (f"<div><span>{html.escape(t('ev.resolution_shown', lang))}</span> {html.escape(ev.resolution or '')}</div>"
               f"<div><span>{html.escape(t('ev.feedback_shown', lang))}</span> {html.escape(ev.feedback or '')}</div>"
               if ev.status == "closed" else "") + "</div>")
    st.markdown(f"**{t('ev.trail', lang)}**")
    for s in steps.to_dict("records"):
        what = events.STEPS.get(s["step"], (s["step"], s["step"]))[lang == "en"]
        st.markdown(plain(f"{to_minute(s['at'], '—')} · {s['actor']} · {what} · {s['text'] or ''}"))

    def run(fn, done: str = "ev.saved") -> None:
        try:
            write(v.store, actor, fn)
        except Refusal as exc:
            show_refusal(exc, lang)
            return
        st.success(t(done, lang))
        st.rerun()

    if ev.status == "open":
        if authority.allowed(actor, "event.close", ev.handler_path):
            with st.form("gw-ev-close", border=True):
                st.markdown(f"**{t('ev.close', lang)}**")
                res = st.text_area(t("ev.resolution", lang), max_chars=4000, key="gw-ev-res")
                back = st.text_area(t("ev.feedback", lang), max_chars=4000, key="gw-ev-fb")
                if st.form_submit_button(t("ev.do_close", lang), use_container_width=True):
                    run(lambda ctx: events.close_event(ctx, code, res, back, expected_version=ev.version))
        if ev.handler_level != "district" and authority.allowed(actor, "event.forward", ev.handler_path):
            with st.form("gw-ev-forward", border=True):
                st.markdown(f"**{t('ev.forward', lang)}**")
                why = st.text_area(t("ev.forward_note", lang), max_chars=4000, key="gw-ev-why")
                if st.form_submit_button(t("ev.do_forward", lang), use_container_width=True):
                    run(lambda ctx: events.forward_event(ctx, code, why, expected_version=ev.version))
        with st.form("gw-ev-note", border=True):
            note = st.text_area(t("ev.note", lang), max_chars=4000, key="gw-ev-notetext")
            if st.form_submit_button(t("ev.add_note", lang), use_container_width=True):
                run(lambda ctx: events.add_note(ctx, code, note))
    elif authority.allowed(actor, "event.reopen", ev.path):
        with st.form("gw-ev-reopen", border=True):
            why = st.text_area(t("ev.reopen_reason", lang), max_chars=4000, key="gw-ev-reopen-why")
            if st.form_submit_button(t("ev.do_reopen", lang), use_container_width=True):
                run(lambda ctx: events.reopen_event(ctx, code, why, expected_version=ev.version))


def new_event(actor, lang: str) -> None:
    v = state.view()
    with v.store.read() as s:
        grids = patrols.grids_in_scope(s, actor)
    if not grids:
        st.info(t("ev.none", lang))
        return
    labels = dict(grids)
    grid = st.selectbox(t("ef.grid", lang), [c for c, _ in grids], format_func=lambda c: f"{labels[c]} {c}",
                        key="gw-ev-grid")
    with v.store.read() as s:
        places = patrols.places_of(s, actor, grid)
    with st.form("gw-ev-new", border=True, clear_on_submit=True):
        values = event_fields(lang, places, key="gw-ev-new")
        if st.form_submit_button(t("ev.submit", lang), use_container_width=True):
            try:
                ev = write(v.store, actor, lambda ctx: events.log_event(ctx, grid, **values))
            except Refusal as exc:
                show_refusal(exc, lang)
                return
            st.success(t("ev.logged", lang, code=ev.code))


def event_map(frame: pd.DataFrame, lang: str) -> None:
    points = frame[frame["lon"].notna()]
    if points.empty:
        st.info(t("ev.none", lang))
        return
    v = state.view()
    bounds = (points["lon"].min() - 0.002, points["lat"].min() - 0.002, points["lon"].max() + 0.002,
              points["lat"].max() + 0.002)
    base = maps.frame_base(bounds, settings=v.settings, outline=None)
    en = lang == "en"
    # the one open-events layer, shared with /explore and /my-grid (dashboard/mapview/events.py)
    fg = event_layer(points, {k: w[en] for k, w in events.KINDS.items()},
                     {k: w[en] for k, w in events.LEVEL_NAMES.items()}, lang=lang, dark=not v.settings.tile_url)
    maps.show(base, [fg, maps.fit_group(bounds)], key="gw-ev-map", height=420)


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.events")
    v = state.view()
    lang = v.lang
    st.html(PHONE_CSS)
    st.subheader(t("ev.title", lang))
    code = state.param("event")
    if code:
        card(actor, code, lang)
        return
    try:
        with v.store.read() as s:
            mine = events.events_frame(s, actor, waiting_on_me=True)
            everything = events.events_frame(s, actor, limit=1000)
            late = events.overdue_by_level(s, actor)
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    tab_mine, tab_new, tab_all, tab_map = st.tabs([f"{t('ev.mine', lang)}（{len(mine)}）", t("ev.new", lang),
                                                  t("ev.all", lang), t("ev.map", lang)])
    with tab_mine:
        event_list(mine, lang, "gw-ev-mine")
    with tab_new:
        if authority.allowed(actor, "event.log"):
            new_event(actor, lang)
    with tab_all:
        field_ledgers.download(actor, "events", lang)  # 事件台账 and 巡查日志 as XLSX
        field_ledgers.upload(actor, "events", lang)  # an office's event ledger from Excel
        st.markdown(f"**{t('ev.overdue_levels', lang)}**")
        st.html('<div class="gw-ev-late">' + " · ".join(
            f'<span data-level="{lvl}">{html.escape(level_label(lvl, lang))} <b>{n}</b></span>'
            for lvl, n in late.items()) + "</div>")
        only_open = st.toggle(t("ev.open_only", lang), value=True, key="gw-ev-open")
        only_late = st.toggle(t("ev.overdue_only", lang), value=False, key="gw-ev-late")
        shown = everything
        if only_open:
            shown = shown[shown["status"] == "open"]
        if only_late:
            shown = shown[shown["overdue"]]
        event_list(shown, lang, "gw-ev-all")
    with tab_map:
        event_map(everything[everything["status"] == "open"], lang)


main()
