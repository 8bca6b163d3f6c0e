"""/my-grid: the signed-in person's own community or grid — status, buildings, entrances, observations, cases,
households — and everything they are responsible for editing there.

`?code=CODE` opens a unit under their scope (a grid of their community, a community of their street); any
other code is refused by geodata with nothing of that unit shown, whatever the URL, query parameter or form
value said. `?section=` picks the part shown (only that part runs, so a person-level list is read — and logged —
only when it is opened).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import auth, state
from dashboard.components import alerts, edit_ledgers, edit_map, edit_records, lift, symptom_report, tables, today
from dashboard.components.edit_common import pending_conflict, text_table
from dashboard.components.edit_history import history_panel
from dashboard.components.edit_text import plain
from dashboard.components.refusals import show_refusal
from dashboard.i18n import t
from geodata.base.problems import Refusal
from geodata.base.vocab import LEVEL_LABELS, Level
from geodata.people import scope
from geodata.reporting import access

PAGE = str(Path(__file__).resolve())
#: everyone but the wall account (counts on the wall are its whole job)
SECTIONS = ("today", "status", "buildings", "checkpoints", "observations", "cases", "households", "map", "history")


def sections_for(actor, unit) -> list[str]:  # noqa: ANN001 — UserActor, UnitRef
    """The parts worth showing this person here (geodata still checks each read and write). "today" (the tasks,
    then the map) comes first: it is the field worker's phone screen (issue 16)."""
    out = ["today", "status"]
    if unit.level >= Level.COMMUNITY:
        out.append("buildings")
    out.append("checkpoints")
    if scope.can_read_persons(actor, unit.path, "observations"):
        out.append("observations")
    if scope.can_read_persons(actor, unit.path, "cases") or scope.can_edit(actor, "case", unit.path):
        out.append("cases")
    if scope.can_read_persons(actor, unit.path, "households"):
        out.append("households")
    out += ["map", "history"]
    return out


def status(v: state.View, actor, unit, lang: str) -> None:  # noqa: ANN001
    with v.store.read() as s:
        totals = access.unit_totals(s, actor, unit.code, v.on)
        kids = access.children_with_figures(s, actor, unit.code, v.on, lang=lang)
    alerts.unit_alerts(v.store, actor, unit.path, lang=lang)  # shortfalls, symptoms … of the unit's places
    if unit.level == Level.COMPOUND:
        lift.panel(v.store, unit.code, lang)  # a natural village: its seal, daily norm and their steps
    obs = sum(int(totals.get(k, 0)) for k in ("obs_home", "obs_central", "obs_self", "obs_temporary"))
    cols = st.container(key="gw-mg-kpis").columns(6)  # a 3 × 2 grid on a phone (today.PHONE_CSS)
    for col, (key, value) in zip(cols, [("households", totals["households"]), ("population", totals["population"]),
                                        ("obs_total", obs), ("cases_7d", totals["cases_7d"]),
                                        ("locked_down", totals["locked_down"]),
                                        ("checkpoints_understaffed", totals["checkpoints_understaffed"])],
                                 strict=True):
        col.metric(t(key, lang), f"{int(value):,}")
    if len(kids):
        shown = pd.DataFrame(kids.drop(columns="geometry"))
        picked = text_table(shown, tables.phone_first("units", {
                                    "name": t("table.name", lang), "code": t("table.code", lang),
                                    "situation_label": t("situation", lang), "households": t("households", lang),
                                    "population": t("population", lang), "obs_total": t("obs_total", lang),
                                    "cases_7d": t("cases_7d", lang), "locked_down": t("locked_down", lang)}),
                            key=f"gw-kids-{unit.code}", select=True)
        rows = picked.selection.rows if picked is not None and hasattr(picked, "selection") else []
        if rows:
            st.query_params["code"] = str(shown.iloc[rows[0]]["code"])
            st.query_params["section"] = "status"
            st.rerun()


def main() -> None:
    state.require_entry()
    v = state.view()
    lang = v.lang
    actor = auth.require_signed_in("page.my_grid")  # the action the navigation uses
    with v.store.read() as s:
        home = access.home(s, actor)
        code = st.query_params.get("code") or (home.code if home else None)
        if code is None:
            st.info(t("no_data", lang))
            return
        try:
            unit = access.unit(s, actor, code)
            crumbs = access.breadcrumb(s, actor, code)
        except Refusal as exc:
            show_refusal(exc, lang)
            if home is not None:
                st.page_link(PAGE, label=plain(home.name), query_params={"code": home.code})
            return

    # the ancestors by name only; units the person may open are links
    with st.container(horizontal=True, gap="small", key="gw-mg-crumbs"):
        for u in crumbs:
            if scope.can_read(actor, u.path) and u.code != unit.code:
                st.page_link(PAGE, label=plain(u.name), query_params={"code": u.code})
            else:
                st.text(u.name)
    level = LEVEL_LABELS[Level(unit.level)][1 if lang == "en" else 0]
    st.subheader(plain(f"{unit.name} · {level} · {unit.code}"))
    edit_ledgers.show_flash()
    pending_conflict(v.store, actor, lang)

    available = sections_for(actor, unit)
    section = st.query_params.get("section")
    if section not in available:
        section = available[0]
    # the URL is the source of truth (links, Back); the control mirrors it and writes it back
    if st.session_state.get("gw-section") != section:
        st.session_state["gw-section"] = section
    st.segmented_control(t("mg.section", lang), available, key="gw-section", required=True,
                         format_func=lambda sname: t(f"mg.sec.{sname}", lang),
                         on_change=lambda: st.query_params.__setitem__("section", st.session_state["gw-section"]))
    try:
        if section == "today":
            today.task_list(v.store, actor, v.on, lang)
            today.summary_line(v.store, actor, unit, v.on, lang)
            today.phone_map(v.store, actor, unit, v.settings, v.on, lang)
        elif section == "status":
            status(v, actor, unit, lang)
        elif section == "buildings":
            edit_ledgers.buildings(v.store, actor, unit, v.on, lang)
            edit_ledgers.villages(v.store, actor, unit, lang)  # 小区/自然村: sealed or closed like a building
        elif section == "checkpoints":
            edit_ledgers.checkpoints(v.store, actor, unit, lang)
        elif section == "observations":
            edit_records.observations(v.store, actor, unit, v.version, v.on, lang)
        elif section == "cases":
            edit_records.cases(v.store, actor, unit, v.version, v.on, lang)
        elif section == "households":
            edit_records.registers(v.store, actor, unit, v.version, lang)
            symptom_report.report_form(v.store, actor, unit, v.version, lang)  # issue 14 point 3
        elif section == "map":
            edit_map.editor(v.store, actor, unit, v.settings, v.on, lang)
        elif section == "history":
            history_panel(v.store, actor, lang, default_code=unit.code, default_entity="unit", key="gw-mg-history")
    except Refusal as exc:
        show_refusal(exc, lang)


main()
