"""The wall's field-work row: open, overdue and closed-today events, and grids not patrolled today (counts only,
never names: geodata.fieldwork.events.event_counts / patrols.grids_not_patrolled)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.components import kpis, wall_links, wall_screen
from dashboard.i18n import extend, t
from dashboard.state import store_for
from geodata.fieldwork import events, patrols
from geodata.reporting import selection
from geodata.store.hierarchy import unit_by_code

extend({
    "kpi.events_open": ("办理中事件", "Open events"),
    "kpi.events_overdue": ("超期事件", "Overdue events"),
    "kpi.events_closed_today": ("今日办结", "Closed today"),
    "kpi.grids_not_patrolled": ("今日未巡查网格", "Grids not patrolled today"),
    "kpi.grids_patrolled": ("已巡查", "patrolled"),
})


@st.cache_data(show_spinner=False, ttl=15 * 60, max_entries=64)
def field_counts(url: str, version: int, code: str, on: dt.date, minute: str) -> dict[str, int]:
    """Counts under unit `code` on day `on`; `minute` keys the cache too, since "overdue" moves with the clock."""
    with store_for(url).read() as s:
        unit = unit_by_code(s, code)
        return {**events.event_counts(s, unit.path, on), **patrols.grids_not_patrolled(s, unit.path, on)}


@st.cache_data(show_spinner=False, ttl=15 * 60, max_entries=16)
def unit_figures(url: str, version: int, code: str, level: int, on: dt.date, minute: str) -> pd.DataFrame:
    """The wall's field-work figures per unit of `level` under `code` (geodata decides what each counts), for the
    units behind a clicked card; `minute` keys the cache as in `field_counts`."""
    units = data.units_at_level(url, version, code, level, on)
    with store_for(url).read() as s:
        return selection.field_figures(s, units[["code", "path"]], unit_by_code(s, code).path, on)


def strip(url: str, version: int, code: str, on: dt.date, lang: str) -> None:
    c = field_counts(url, version, code, on, dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    kpis.strip([
        kpis.Kpi("events_open", t("kpi.events_open", lang), c["events_open"], page=wall_links.target("events")),
        kpis.Kpi("events_overdue", t("kpi.events_overdue", lang), c["events_overdue"], alert=True,
                 page=wall_links.target("events")),
        kpis.Kpi("events_closed_today", t("kpi.events_closed_today", lang), c["events_closed_today"],
                 page=wall_links.target("events")),
        kpis.Kpi("grids_not_patrolled", t("kpi.grids_not_patrolled", lang), c["grids_not_patrolled"], alert=True,
                 parts=(kpis.Part(t("kpi.grids_patrolled", lang), c["grids_patrolled"]),),
                 page=wall_links.target("patrol")),
    ], link_page=None, params={}, lang=lang, after=lambda k: wall_screen.highlight_button(k.key, k.label, lang))
