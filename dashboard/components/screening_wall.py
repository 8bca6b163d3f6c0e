"""The wall's screening line: coverage of the open door-to-door rounds, counts and percent only (never a name)."""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.components import wall_links, wall_screen
from dashboard.i18n import extend, t
from geodata.fieldwork.screening import open_round_counts

extend({
    "scr.wall.title": ("入户摸排（进行中）", "Screening rounds (open)"),
    "scr.wall.rounds": ("{n} 轮", "{n} rounds"),
})


@st.cache_data(show_spinner=False, ttl=15 * 60, max_entries=16)
def _rounds(url: str, version: int, path: str | None) -> pd.DataFrame:
    """Once per figures version (no report changes a round): every wall refresh read every open round's households (12% of a city refresh)."""
    with state.store_for(url).read() as s:
        return open_round_counts(s, path)


def panel(v: state.View, path: str | None) -> None:
    """Households visited / households of all open rounds under `path`, as one big percentage."""
    lang = v.lang
    rounds = _rounds(v.url, v.figures, path)
    if rounds.empty:
        return
    households, visited = int(rounds["households"].sum()), int(rounds["visited"].sum())
    share = f"{100 * visited / households:.0f}%" if households else "—"
    wall_links.card("wall-screening", "screening", f'<div class="gw-kpi" data-testid="scr-wall"><div class="gw-kpi-label">{html.escape(t("scr.wall.title", lang))}'
            f'</div><div class="gw-kpi-value">{share}</div><div class="gw-kpi-parts"><b>{visited:,}</b> / '
            f'{households:,} · {html.escape(t("scr.wall.rounds", lang, n=len(rounds)))}</div></div>', lang,
            after=lambda: wall_screen.highlight_button("screening", t("scr.wall.title", lang), lang))
