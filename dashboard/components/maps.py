"""The map frame: a base map that stays the same between reruns, and the layers that change passed beside it.

streamlit-folium keys its component on a hash of the base map's script. As long as `base_map(...)` is built
from the same inputs, a rerun (the wall's timer, a theme switch) keeps the same Leaflet map in the browser:
no reload, no flicker, and the zoom and centre people chose stay. What changes travels as
`feature_group_to_add`, which the component swaps in place. So: nothing that changes with figures, theme or
language may go into the base map.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from branca.element import MacroElement
from folium.template import Template
from streamlit_folium import st_folium

from dashboard.i18n import t
from dashboard.mapview import (
    base_map,
    building_layer,
    checkpoint_layer,
    checkpoint_styles,
    control_state_styles,
    flag_entries,
    flag_layer,
    legend,
    selection_layer,
    unit_layer,
    unit_theme,
)
from dashboard.mapview.elements import Fit
from dashboard.mapview.geojson import fit_zoom
from geodata.base.config import Settings
from geodata.store.frames import WGS84

#: what the wall never shows: it is read by everyone in the room (counts only, no names of persons)
WALL_HIDDEN = ("leader_name", "leader_phone")


class PlaceLabelsWhenStyled(MacroElement):
    """Place the name labels again once leaflet.css applies.

    streamlit-folium appends the CSS links and runs the map script without waiting for them, so the labels
    (permanent tooltips, centred on their width) are first measured as full-width blocks and end up half a
    map to the left [seen in Chromium 156]. Until mapview's runtime handles this itself, wait for the
    stylesheet (tooltip pane absolutely positioned) and place them again.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "(function (map, tries) {\n"
        "  function styled() { return getComputedStyle(map.getPane('tooltipPane')).position === 'absolute'; }\n"
        "  (function again() {\n"
        "    if (!styled() && tries-- > 0) { setTimeout(again, 50); return; }\n"
        "    setTimeout(function () { if (window.GW && GW.placeLabels) GW.placeLabels(map); }, 0);\n"
        "  })();\n"
        "})({{ this._parent.get_name() }}, 200);\n"
        "{% endmacro %}"
    )


def room_for_legends(bounds, *, left: float = 0.0, right: float = 0.0) -> tuple[float, float, float, float]:
    """`bounds` widened by these shares of their width, so that the legends in the map's corners sit beside
    the units instead of on them (the unit legend is bottom-left, the point legends right)."""
    west, south, east, north = (float(b) for b in bounds)
    width = max(east - west, 1e-6)
    return west - left * width, south, east + right * width, north


def frame_base(bounds, *, settings: Settings, outline: gpd.GeoDataFrame | None) -> folium.Map:
    """The base map of a page, with "locate me" (shown on phones only, map.css): every page map a field role opens
    is built here (/my-grid, /explore, /events, /screening, /places), so none of them lacks it."""
    m = base_map(bounds, tile_url=settings.tile_url, tile_attr=settings.tile_attribution,
                 dark=not settings.tile_url, outline=outline, max_zoom=settings.tile_max_zoom, locate=True)
    PlaceLabelsWhenStyled().add_to(m)
    return m


def units_group(units: gpd.GeoDataFrame, theme: str, *, lang: str, dark: bool, label: bool = True,
                frame: tuple[Any, int, int] | None = None) -> folium.FeatureGroup:
    """Unit polygons coloured by `theme`, with the theme's legend (it comes and goes with the group).

    `frame`: (bounds, width, height in pixels) the map opens on; geometry is then simplified to half a pixel
    there instead of by the units' level (base_map simplifies the outline the same way), so both meet."""
    th = unit_theme(theme, units, lang=lang, dark=dark)
    zoom = fit_zoom(*frame) if frame is not None else None
    fg = unit_layer(units, th, lang=lang, label=label, zoom=zoom)
    legend(th.legend, th.title, dark=dark).add_to(fg)
    return fg


def points_groups(buildings: gpd.GeoDataFrame | None, checkpoints: gpd.GeoDataFrame | None, *, lang: str,
                  dark: bool) -> list[folium.FeatureGroup]:
    groups = []
    if buildings is not None and len(buildings):
        fg = building_layer(buildings, lang)
        legend(control_state_styles(lang=lang).legend, t("legend.buildings", lang), dark=dark,
               note=t("legend.size_note", lang), position="bottomright").add_to(fg)
        groups.append(fg)
    if checkpoints is not None and len(checkpoints):
        fg = checkpoint_layer(checkpoints, lang)
        legend(checkpoint_styles(lang=lang).legend, t("legend.checkpoints", lang), dark=dark,
               note=t("legend.hollow_closed", lang), position="topright").add_to(fg)
        groups.append(fg)
    return groups


def selected_group(building: pd.Series | None) -> list[folium.FeatureGroup]:
    """A ring around the building whose card is open (nothing when none is)."""
    if building is None:
        return []
    return [selection_layer(gpd.GeoDataFrame([building], geometry="geometry", crs=WGS84))]


def flags_group(flags: pd.DataFrame | None, *, lang: str, dark: bool) -> list[folium.FeatureGroup]:
    """The 无疫小区 flag layer with its legend (nothing when no compound holds or lost a flag)."""
    if flags is None or not len(flags):
        return []
    fg = flag_layer(flags, lang)
    legend(flag_entries(lang), t("flag.title", lang), dark=dark, counts=False, position="topleft").add_to(fg)
    return [fg]


def fit_group(bounds) -> folium.FeatureGroup:
    """A group that frames the map on `bounds` = (west, south, east, north) when it arrives: with it a page
    keeps one base map (one Leaflet map in the browser) while the unit it shows changes."""
    west, south, east, north = (float(b) for b in bounds)
    fg = folium.FeatureGroup(control=False)
    Fit([[south, west], [north, east]]).add_to(fg)
    return fg


#: what a clickable map reports: the click counter makes a second click on the same feature a new value
CLICK_OBJECTS = ["last_object_clicked_count", "last_active_drawing"]


def show(m: folium.Map, groups: list[folium.FeatureGroup], *, key: str, height: int,
         on_click: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Draw the map. With `on_click`, a click on a feature calls it with the feature's properties, once, as a
    widget callback (before the page's script runs): a rerun for any other reason (Back, a theme switch, the
    timer) never replays an old click."""

    def clicked() -> None:
        value = st.session_state.get(key) or {}
        props = (value.get("last_active_drawing") or {}).get("properties") or {}
        if on_click is not None and props.get("code") is not None:
            on_click(props)

    st_folium(m, key=key, height=height, use_container_width=True,
              returned_objects=CLICK_OBJECTS if on_click else [],
              feature_group_to_add=groups or None, on_change=clicked if on_click else None)
