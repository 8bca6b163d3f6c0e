"""The wall's care and supplies box (issue 15 part 4): people overdue a care visit, and the communities whose supplies
run out first — counts and community names only, never a person (geodata.fieldwork.care / supplies decide)."""
from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.components import wall_links, wall_screen
from dashboard.i18n import extend, t
from geodata.fieldwork import care, supplies
from geodata.store.hierarchy import unit_by_code

extend({
    "wall.care_overdue": ("关爱逾期未探访", "Care visits overdue"),
    "wall.care_of": ("关爱对象 {n} 人", "of {n} on the care list"),
    "wall.supplies_low": ("物资可用天数最少", "Supplies running out first"),
    "wall.days": ("{n} 天", "{n} days"),
})


@st.cache_data(show_spinner=False, max_entries=16)
def _figures(url: str, version: int, root_code: str, on: dt.date) -> tuple[int, int, pd.DataFrame]:
    store = state.store_for(url)
    with store.read() as s:
        path = unit_by_code(s, root_code).path
        grids = care.overdue_by_grid(s, path, on)
        low = supplies.lowest_days_left(s, path, on, limit=3)
    return int(grids["on_list"].sum()), int(grids["overdue"].sum()), low


def panel(v: state.View, root_code: str) -> None:
    on_list, overdue, low = _figures(v.url, v.figures, root_code, v.on)
    e, lang = html.escape, v.lang
    rows = "".join(
        f'<div class="gw-kpi-parts">{e(str(r.community_name))} · {e(supplies.ITEMS[r.item][1 if lang == "en" else 0])}'
        f' <b>{e(t("wall.days", lang, n=int(r.days_left)))}</b></div>' for r in low.itertuples())
    wall_links.card("wall-care", "care", f'<div class="gw-kpi{" gw-kpi-alert" if overdue else ""}" style="min-height:0;margin-top:8px">'
            f'<div class="gw-kpi-label">{e(t("wall.care_overdue", lang))}</div>'
            f'<div class="gw-kpi-value">{overdue:,}</div>'
            f'<div class="gw-kpi-parts">{e(t("wall.care_of", lang, n=f"{on_list:,}"))}</div>'
            + (f'<div class="gw-kpi-label" style="margin-top:8px">{e(t("wall.supplies_low", lang))}</div>{rows}'
               if rows else "") + "</div>", lang,
            after=lambda: wall_screen.highlight_button("care_overdue", t("wall.care_overdue", lang), lang))
