"""The field worker's first screen on /my-grid (issue 16 point 1): today's tasks, then the map of their unit with
its legends folded into one toggle and a tapped building's card as a bottom sheet over the map.

The tasks and their rules come from geodata.reporting.tasks (this only renders them); the phone rules — tap
targets ≥ 44 px, one-column cards, no horizontal scrolling at 390 px — are PHONE_CSS, for every page.
"""
from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.components import field_layers, maps
from dashboard.components.cards import building_card
from dashboard.i18n import extend, t
from dashboard.mapview import building_layer, checkpoint_layer, control_state_styles, legend_html, unit_layer, unit_theme
from geodata.reporting import access, tasks
from geodata.store.hierarchy import UnitRef
from geodata.store.writes import Actor

VIEWS = Path(__file__).resolve().parents[1] / "views"
#: where a task's form is: the page a task names (geodata.base.tasks.Task.page) → its script
PAGES = {"my_grid": VIEWS / "my_grid.py", "reports": VIEWS / "reports.py", "events": VIEWS / "events.py",
         "patrol": VIEWS / "patrol.py", "screening": VIEWS / "screening.py", "care": VIEWS / "care.py",
         "gate": VIEWS / "gate.py"}
SHEET = "gw-sheet-building"
MAP_KEY = "gw-today-map"
#: the first tasks shown; the rest fold under "另有 N 项"
SHOWN = 12

extend({
    "mg.sec.today": ("今日待办", "Today"),
    "today.title": ("今日待办", "Today's tasks"),
    "today.none": ("今日没有待办事项。", "Nothing to do today."),
    "today.more": ("另有 {n} 项", "{n} more"),
    "today.open": ("去办理", "Open"),
    "today.due": ("{time} 前", "by {time}"),
    "today.overdue": ("已超期", "Overdue"),
    "today.today": ("今日", "Today"),
    "today.no_form": ("在此处理", "Handle on site"),
    "today.summary": ("概况：住户 {households} · 人口 {population} · 隔离观察 {obs} · 近7日病例 {cases}",
                      "Summary: households {households} · population {population} · under observation {obs} · "
                      "cases 7 days {cases}"),
    "today.legend": ("图例", "Legend"),
    "today.map": ("地图（点击楼栋查看详情）", "Map (tap a building for its card)"),
    "today.close": ("关闭", "Close"),
})

# Phone (≤ 640 px, issue 16): tap targets ≥ 44 px, cards in one column, nothing wider than the screen; the card
# of a tapped building slides over the bottom of the map (a bottom sheet) instead of appearing below it.
PHONE_CSS = """
<style>
@media (max-width: 640px) {
  html, body, [data-testid="stAppViewContainer"] { font-size: 16px; overflow-x: hidden; }
  [data-testid="stMainBlockContainer"] { padding-left: 0.6rem; padding-right: 0.6rem; max-width: 100vw; }
  button, [data-testid="stPageLink"] a, [data-testid="stSidebarNavLink"], [data-testid="stSelectbox"] [data-baseweb="select"] > div,
  [data-testid="stMultiSelect"] [data-baseweb="select"] > div, [data-testid="stTextInput"] input,
  [data-testid="stNumberInput"] input, [data-testid="stDateInput"] input, [data-testid="stExpander"] summary,
  [data-testid="stBaseButton-segmented_control"], [data-testid="stBaseButton-segmented_controlActive"] {
    min-height: 44px !important; }
  [data-testid="stPageLink"] a { display: flex; align-items: center; }
  .gw-card-grid { grid-template-columns: max-content 1fr; }
  .gw-card-v.gw-card-wide { grid-column: 2; }
  .gw-card-v { overflow-wrap: anywhere; }
  [data-testid="stMetric"] { padding: 0; }
  [data-testid="stMetricValue"] { font-size: 24px; }
  .st-key-gw-mg-kpis [data-testid="stHorizontalBlock"] { display: grid !important;
    grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 4px 8px; }
  .st-key-gw-mg-kpis [data-testid="stColumn"] { width: auto !important; min-width: 0 !important; }
  .st-key-gw-mg-kpis [data-testid="stMetricLabel"] p { font-size: 13px; white-space: normal; }
  [data-testid="stDataFrame"], [data-testid="stTable"] { max-width: 100%; overflow-x: auto; }
  /* KPI strips (explore, wall): two compact cards a row instead of 7–8 full-width cards above the map */
  [data-testid="stHorizontalBlock"]:has([class*="st-key-kpi-"]) { display: grid !important;
    grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 6px !important; }
  [data-testid="stHorizontalBlock"]:has([class*="st-key-kpi-"]) > [data-testid="stColumn"] { width: auto !important;
    min-width: 0 !important; }
  .gw-kpi { min-height: 0 !important; padding: 4px 10px 6px !important; }
  .gw-kpi-label { font-size: 15px !important; }
  .gw-kpi-value { font-size: 28px !important; }
  .gw-kpi-parts, .gw-kpi-cell-label { font-size: 13px !important; }
}
/* search hits in the sidebar: the whole name and place, wrapped */
[data-testid="stSidebar"] [data-testid="stPageLink"] p { white-space: normal; }
.st-key-gw-sheet { position: fixed; left: 0; right: 0; bottom: 0; z-index: 999990; max-height: 62vh;
  overflow-y: auto; background: #0e1726; border-top: 2px solid #4FC3F7; border-radius: 14px 14px 0 0;
  padding: 10px 12px 16px; box-shadow: 0 -6px 18px rgba(0,0,0,.45); }
@media (min-width: 641px) { .st-key-gw-sheet { left: auto; width: 460px; right: 16px; } }
.gw-task { border-left: 6px solid #4FC3F7; padding: 4px 10px; }
.gw-task.gw-overdue { border-left-color: #ff5b5b; }
.gw-task.gw-open { border-left-color: #7f93a8; }
.gw-task-t { font-size: 18px; font-weight: 700; overflow-wrap: anywhere; }
.gw-task-d { font-size: 15px; color: #b9c6d3; overflow-wrap: anywhere; }
.gw-task-badge { font-size: 14px; font-weight: 700; padding: 1px 8px; border-radius: 6px; margin-right: 6px;
  background: #2b3a55; }
.gw-overdue .gw-task-badge { background: #ff5b5b; color: #0b1220; }
</style>
"""


def _badge(task: tasks.Task, lang: str) -> str:
    if task.overdue:
        return t("today.overdue", lang)
    if task.due is not None and task.due.time() >= dt.time(23, 59):
        return t("today.today", lang)  # due some time today: a clock time would only add noise
    if task.due is not None:
        return t("today.due", lang, time=f"{task.due:%H:%M}")
    return ""


def task_html(task: tasks.Task, lang: str) -> str:
    """One task as a line a thumb can read: badge (overdue / due by), title, detail — all escaped."""
    badge = _badge(task, lang)
    badge_html = f'<span class="gw-task-badge">{html.escape(badge)}</span>' if badge else ""
    cls = {"overdue": "gw-overdue", "open": "gw-open"}.get(task.status, "")
    return (f'<div class="gw-task {cls}"><div class="gw-task-t">{badge_html}{html.escape(task.title(lang))}</div>'
            f'<div class="gw-task-d">{html.escape(task.detail(lang))}</div></div>')


def _open_here(params: dict[str, str]) -> None:
    st.query_params.clear()
    st.query_params.update(params)


def task_list(store: Any, actor: Actor, on: dt.date, lang: str) -> list[tasks.Task]:
    with store.read() as s:
        todo = tasks.tasks_for(s, actor, on)
    st.markdown(f"### {t('today.title', lang)}（{len(todo)}）")
    if not todo:
        st.info(t("today.none", lang))
        return todo

    def one(i: int, task: tasks.Task) -> None:
        with st.container(key=f"gw-task-{i}", border=True):
            st.html(task_html(task, lang))
            if task.page == "my_grid":  # this page: the parameters go into the URL (Back, reruns keep them)
                st.button(t("today.open", lang), key=f"gw-task-open-{i}", icon=":material/arrow_forward:",
                          on_click=_open_here, args=(dict(task.params),), use_container_width=True)
            elif (page := PAGES.get(task.page)) is not None:
                st.page_link(str(page), label=t("today.open", lang), icon=":material/arrow_forward:",
                             query_params=dict(task.params), use_container_width=True)

    for i, task in enumerate(todo[:SHOWN]):
        one(i, task)
    if len(todo) > SHOWN:
        with st.expander(t("today.more", lang, n=len(todo) - SHOWN)):
            for i, task in enumerate(todo[SHOWN:], start=SHOWN):
                one(i, task)
    return todo


def summary_line(store: Any, actor: Actor, unit: UnitRef, on: dt.date, lang: str) -> None:
    """The unit's figures as one line (the desktop's six KPI cards would push the map screens down on a phone)."""
    with store.read() as s:
        totals = access.unit_totals(s, actor, unit.code, on)
    obs = sum(int(totals.get(k, 0)) for k in ("obs_home", "obs_central", "obs_self", "obs_temporary"))
    st.caption(t("today.summary", lang, households=f"{int(totals['households']):,}",
                 population=f"{int(totals['population']):,}", obs=obs, cases=int(totals["cases_7d"])))


def _open_sheet(props: dict[str, Any]) -> None:
    """A tapped building opens its sheet (a unit or a checkpoint opens nothing here)."""
    if props.get("b"):
        st.session_state[SHEET] = str(props["code"])


def phone_map(store: Any, actor: Actor, unit: UnitRef, settings: Any, on: dt.date, lang: str) -> None:
    """The unit's map: units coloured by situation, buildings by control state, checkpoints; the legends in one
    collapsed toggle below it (on a phone they covered most of the map and swallowed taps); a tapped building's
    card as a bottom sheet."""
    with store.read() as s:
        kids = access.children_with_figures(s, actor, unit.code, on, lang=lang)
        polygons = kids if len(kids) else access.outlines(s, actor, unit.level, unit.code)
        buildings = access.buildings_in(s, actor, unit.code, on) if unit.level >= 5 else None
        checkpoints = access.checkpoints_in(s, actor, unit.code)
    dark = not settings.tile_url
    base = maps.frame_base(polygons.total_bounds, settings=settings, outline=None)
    groups, legends = [], []
    if len(kids):
        theme = unit_theme("situation", kids, lang=lang, dark=dark)
        groups.append(unit_layer(kids, theme, lang=lang))
        legends.append(legend_html(theme.legend, theme.title))
    if buildings is not None and len(buildings):
        groups.append(building_layer(buildings, lang))
        legends.append(legend_html(control_state_styles(lang=lang).legend, t("legend.buildings", lang)))
    if checkpoints is not None and len(checkpoints):
        groups.append(checkpoint_layer(checkpoints, lang))
    st.markdown(f"**{t('today.map', lang)}**")
    more = field_layers.overlays(store, actor, unit, field_layers.choose("my_grid", lang), lang, dark=dark,
                                 with_legend=False)  # events, places, screening coverage (issue 15)
    groups, legends = groups + more[0], legends + more[1]
    maps.show(base, groups, key=MAP_KEY, height=420, on_click=_open_sheet)
    if legends:
        with st.expander(t("today.legend", lang), expanded=False):
            for part in legends:
                st.html(f'<div class="gw-legend-inline">{part}</div>')
    code = st.session_state.get(SHEET)
    if code and buildings is not None and len(buildings):
        match = buildings[buildings["code"] == code]
        if len(match):
            with st.container(key="gw-sheet"):
                if st.button(t("today.close", lang), key="gw-sheet-close", icon=":material/close:"):
                    st.session_state.pop(SHEET, None)
                    st.rerun()
                building_card(pd.Series(match.iloc[0]), lang=lang)
