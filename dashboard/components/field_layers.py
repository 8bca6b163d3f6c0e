"""The field work's layers on the shared maps (issue 15 gap 1): open events by urgency/overdue, places by state,
and an open screening round's coverage — a control to switch them on and the layers for the unit in view.

Every read is of the unit in view (its path or code), never the whole city, so the cost grows with what is on
screen; /explore offers them from street level down (above it a city's events would be a cloud of dots, and the
wall's panels count them). Who sees a layer is the action table's answer: the reads are geodata's and refuse
anyone they must, and a refused layer is simply not drawn (the wall account reads no events).
"""
from __future__ import annotations

from typing import Any

import folium
import streamlit as st

from dashboard.components.screening_map import CLASSES, COLORS, coverage_class, coverage_layer
from dashboard.i18n import extend, t
from dashboard.mapview.events import event_layer
from dashboard.mapview.events import legend_text as event_legend
from dashboard.mapview.places import STATE_COLOURS, place_layer
from dashboard.mapview.render import legend_html
from dashboard.mapview.themes import LegendEntry
from geodata.base.problems import Refusal
from geodata.fieldwork import events, places, screening
from geodata.people import authority
from geodata.store.hierarchy import UnitRef
from geodata.store.writes import Actor

extend({
    "fld.layers": ("地图图层", "Map layers"),
    "fld.events": ("事件", "Events"),
    "fld.places": ("场所", "Places"),
    "fld.screening": ("摸排进度", "Screening"),
    # the places layer's own words (dashboard/mapview/places.py), the same texts as /places registers
    "pl.layer": ("场所", "Places"), "pl.kind": ("类型", "Kind"), "pl.state": ("状态", "State"),
    "pl.staff": ("在岗人数", "Staff on site"),
})

#: the layers each page offers, and which are on until switched off
OFFERED = {"explore": ("events", "places"), "my_grid": ("events", "places", "screening")}
DEFAULT_ON = ("events",)
#: at most this many events drawn (the newest): a street's open events, not a city's history
EVENT_LIMIT = 2000


def choose(page: str, lang: str, *, key: str | None = None) -> list[str]:
    """The layer switches (multi-select pills, ≥ 44 px on a phone like every button): what is switched on."""
    offered = list(OFFERED[page])
    picked = st.pills(t("fld.layers", lang), offered, selection_mode="multi",
                      default=[x for x in DEFAULT_ON if x in offered], format_func=lambda x: t(f"fld.{x}", lang),
                      key=key or f"gw-fld-{page}")
    return list(picked or [])


def open_round(session: Any, actor: Actor, unit: UnitRef) -> str | None:
    """The newest open screening round that covers the unit in view or lies inside it."""
    rounds = screening.rounds_for(session, actor, status="open")
    for r in rounds.itertuples(index=False):
        if unit.path.startswith(r.path) or str(r.path).startswith(unit.path):
            return str(r.code)
    return None


def _event_group(session: Any, actor: Actor, unit: UnitRef, lang: str, dark: bool, with_legend: bool
                 ) -> tuple[folium.FeatureGroup, str] | None:
    if not authority.allowed(actor, "event.read", unit.path):
        return None
    frame = events.events_frame(session, actor, unit.path, status="open", limit=EVENT_LIMIT)
    en = lang == "en"
    kinds = {k: v[en] for k, v in events.KINDS.items()}
    levels = {k: v[en] for k, v in events.LEVEL_NAMES.items()}
    return (event_layer(frame, kinds, levels, lang=lang, dark=dark, with_legend=with_legend),
            event_legend(frame, lang))


def _place_group(session: Any, actor: Actor, unit: UnitRef, lang: str, dark: bool, with_legend: bool
                 ) -> tuple[folium.FeatureGroup, str] | None:
    frame = places.places_in(session, actor, unit.code)
    frame = frame[frame["lon"].notna() & frame["lat"].notna()]
    en = lang == "en"
    states = {k: term.en if en else term.zh for k, term in places.PLACE_STATES.items()}
    kinds = {k: term.en if en else term.zh for k, term in places.PLACE_KINDS.items()}
    fg = place_layer(frame, states, kinds, lang=lang, dark=dark, with_legend=with_legend)
    counts = frame["state"].value_counts()
    text = legend_html([LegendEntry(states.get(s, s), c, int(counts.get(s, 0)), "circle")
                        for s, c in STATE_COLOURS.items()], t("pl.layer", lang))
    return fg, text


def _screening_group(session: Any, actor: Actor, unit: UnitRef, lang: str, dark: bool, with_legend: bool
                     ) -> tuple[folium.FeatureGroup, str] | None:
    code = open_round(session, actor, unit)
    if code is None:
        return None
    buildings = screening.coverage(session, actor, code, "building").dropna(subset=["lon", "lat"])
    fg = coverage_layer(buildings, lang, dark=dark, with_legend=with_legend)
    cls = coverage_class(buildings["households"].to_numpy(dtype=float), buildings["visited"].to_numpy(dtype=float))
    text = legend_html([LegendEntry(t(f"scr.map.{c}", lang), COLORS[c], int((cls == i).sum()), "circle")
                        for i, c in enumerate(CLASSES)], t("scr.map.title", lang))
    return fg, text


BUILDERS = {"events": _event_group, "places": _place_group, "screening": _screening_group}


def overlays(store: Any, actor: Actor | None, unit: UnitRef, chosen: list[str], lang: str, *, dark: bool = True,
             with_legend: bool = True) -> tuple[list[folium.FeatureGroup], list[str]]:
    """The chosen layers for the unit in view, and their legends as HTML (for pages that show legends below the
    map); a layer its reader may not see is left out."""
    groups, legends = [], []
    if actor is None or not chosen:
        return groups, legends
    with store.read() as s:
        for name in chosen:
            try:
                made = BUILDERS[name](s, actor, unit, lang, dark, with_legend)
            except Refusal:
                continue
            if made is not None:
                groups.append(made[0])
                legends.append(made[1])
    return groups, legends
