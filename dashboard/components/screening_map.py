"""The coverage of a screening round on the map: each building of the round as a dot coloured by how many of its
registered households were visited (none / some / all), with its counts in the tooltip. Colours from the mapview
palette (Okabe-Ito: readable by the colour-blind); geodata.fieldwork.screening.coverage gives the figures."""
from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.i18n import extend, t
from dashboard.mapview import elements
from dashboard.mapview.geojson import compact_properties, packed_points
from dashboard.mapview.render import legend
from dashboard.mapview.themes import OKABE_ITO, LegendEntry

extend({
    "scr.map.title": ("入户摸排进度", "Screening coverage"),
    "scr.map.none": ("未走访", "None visited"),
    "scr.map.some": ("部分走访", "Partly visited"),
    "scr.map.all": ("全部走访", "All visited"),
    "scr.map.households": ("登记户数", "Registered households"),
    "scr.map.visited": ("已走访户数", "Households visited"),
    "scr.map.share": ("走访率 %", "Coverage %"),
})

CLASSES = ("none", "some", "all")
COLORS = {"none": OKABE_ITO["vermillion"], "some": OKABE_ITO["orange"], "all": OKABE_ITO["bluish_green"]}


def coverage_class(households: np.ndarray, visited: np.ndarray) -> np.ndarray:
    """0 none, 1 some, 2 all visited; 3 (no data) for a building without households in the round."""
    out = np.where(visited <= 0, 0, np.where(visited >= households, 2, 1))
    return np.where(households <= 0, 3, out)


def coverage_layer(buildings: pd.DataFrame, lang: str = "zh", *, dark: bool = True,
                   with_legend: bool = True) -> folium.FeatureGroup:
    """`buildings`: code, name, lon, lat, households, visited (geodata's per-building coverage);
    `with_legend=False` for a page that shows legends below the map (the phone's /my-grid)."""
    hh = buildings["households"].to_numpy(dtype=float)
    vis = buildings["visited"].to_numpy(dtype=float)
    cls = coverage_class(hh, vis)
    pct = np.where(hh > 0, np.round(100 * vis / np.where(hh > 0, hh, 1)), np.nan)
    records = [{"code": str(c), "n": str(n), "k": int(k), "r": 7, "v": [int(h), int(v), None if p != p else int(p)]}
               for c, n, k, h, v, p in zip(buildings["code"], buildings["name"], cls, hh, vis, pct, strict=True)]
    styles = [{"stroke": True, "color": "#ffffff", "weight": 1, "opacity": 1.0, "fill": True, "fillColor": COLORS[c],
               "fillOpacity": 0.95} for c in CLASSES]
    styles.append({**styles[0], "fillColor": "#6b7785"})
    entries = [LegendEntry(t(f"scr.map.{c}", lang), COLORS[c], int((cls == i).sum()), "circle")
               for i, c in enumerate(CLASSES)]
    badge = [[e.label, e.color] for e in entries] + [["—", None]]
    tip = {"badges": [["k", badge]],
           "rows": [[t("scr.map.households", lang), [["v", 0, ""]]], [t("scr.map.visited", lang), [["v", 1, ""]]],
                    [t("scr.map.share", lang), [["v", 2, ""]]]]}
    xy = buildings[["lon", "lat"]].to_numpy(dtype=float)
    fg = folium.FeatureGroup(name=t("scr.map.title", lang), overlay=True, control=True, show=True)
    elements.Runtime().add_to(fg)
    bounds = None
    if len(buildings):
        bounds = [[float(np.nanmin(xy[:, 1])), float(np.nanmin(xy[:, 0]))],
                  [float(np.nanmax(xy[:, 1])), float(np.nanmax(xy[:, 0]))]]
    elements.GeoJsonLayer(packed_points(xy, compact_properties(records)),
                          {"styles": styles, "marker": "circle", "tip": tip}, bounds=bounds).add_to(fg)
    if with_legend:
        legend(entries, t("scr.map.title", lang), dark=dark, position="bottomright").add_to(fg)
    return fg


def bounds_of(buildings: pd.DataFrame) -> tuple[float, float, float, float]:
    pts = gpd.points_from_xy(buildings["lon"], buildings["lat"])
    west, south, east, north = gpd.GeoSeries(pts).total_bounds
    pad = max(east - west, north - south, 0.002) * 0.1
    return west - pad, south - pad, east + pad, north + pad
