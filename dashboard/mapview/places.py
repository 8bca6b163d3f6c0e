"""The places layer (养老机构、农贸市场、超市、药店, issue 15 part 4): a dot per place coloured by its state — open,
提升一级管理, closed — with its kind, state and staff on site in the tooltip (names of places, never of persons)."""
from __future__ import annotations

import folium
import numpy as np
import pandas as pd

from dashboard.i18n import t
from dashboard.mapview import elements
from dashboard.mapview.geojson import compact_properties, packed_points
from dashboard.mapview.render import legend
from dashboard.mapview.themes import LegendEntry

# Okabe-Ito, as the themes: open bluish green, stricter management orange, closed grey
STATE_COLOURS = {"open": "#009E73", "upgraded": "#E69F00", "closed": "#8a8f98"}


def _style(colour: str) -> dict:
    return {"stroke": True, "color": "#ffffff", "weight": 2, "opacity": 1.0, "fill": True, "fillColor": colour,
            "fillOpacity": 0.95, "radius": 9}


def place_layer(places: pd.DataFrame, state_labels: dict[str, str], kind_labels: dict[str, str], *, lang: str,
                dark: bool = True, with_legend: bool = True) -> folium.FeatureGroup:
    """`places`: code, name, kind, state, staff_on_site, lon, lat (geodata.fieldwork.places.places_in);
    `with_legend=False` for a page that shows legends below the map (the phone's /my-grid)."""
    states = list(STATE_COLOURS)
    records = [{"code": str(r.code), "n": str(r.name), "k": states.index(r.state) if r.state in states else 0,
                "x": [kind_labels.get(r.kind, r.kind), state_labels.get(r.state, r.state), int(r.staff_on_site)]}
               for r in places.itertuples(index=False)]
    xy = np.column_stack([places["lon"].to_numpy(dtype=float), places["lat"].to_numpy(dtype=float)]) \
        if len(places) else np.empty((0, 2))
    tip = {"rows": [[t("pl.kind", lang), [["x", 0, ""]]], [t("pl.state", lang), [["x", 1, ""]]],
                    [t("pl.staff", lang), [["x", 2, ""]]]]}
    fg = folium.FeatureGroup(name=t("pl.layer", lang), overlay=True, control=True, show=True)
    elements.Runtime().add_to(fg)
    elements.GeoJsonLayer(packed_points(xy, compact_properties(records)),
                          {"styles": [_style(STATE_COLOURS[s]) for s in states], "marker": "circle", "tip": tip}).add_to(fg)
    if not with_legend:
        return fg
    counts = places["state"].value_counts() if len(places) else pd.Series(dtype=int)
    legend([LegendEntry(state_labels.get(s, s), STATE_COLOURS[s], int(counts.get(s, 0)), "circle") for s in states],
           t("pl.layer", lang), dark=dark, position="bottomleft").add_to(fg)
    return fg
