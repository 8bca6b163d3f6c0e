"""The open-events layer (事件, issue 15): a dot per open event at its place, coloured overdue / urgent / normal —
the one layer /events, /explore and /my-grid draw. The tooltip says what and where it stands (kind, urgency, the
level handling it, due), never who reported it: the reporter's name and phone stay on the event's card."""
from __future__ import annotations

import folium
import numpy as np
import pandas as pd

from dashboard.i18n import extend, t
from dashboard.mapview import elements
from dashboard.mapview.geojson import compact_properties, packed_points
from dashboard.mapview.render import legend, legend_html
from dashboard.mapview.themes import OKABE_ITO, LegendEntry
from geodata.base.clock import to_minute

extend({
    "evl.title": ("办理中的事件", "Open events"),
    "evl.overdue": ("超期", "Overdue"),
    "evl.urgent": ("紧急", "Urgent"),
    "evl.normal": ("一般", "Normal"),
    "evl.kind": ("类型", "Kind"),
    "evl.handler": ("办理层级", "Handled by"),
    "evl.due": ("办结时限", "Due"),
})

#: style index → class, in the order of the legend (Okabe-Ito, as the other themes)
CLASSES = ("overdue", "urgent", "normal")
COLOURS = {"overdue": OKABE_ITO["vermillion"], "urgent": OKABE_ITO["orange"], "normal": OKABE_ITO["blue"]}


def event_class(overdue: pd.Series, urgency: pd.Series) -> np.ndarray:
    """0 overdue, 1 urgent (not overdue), 2 normal — overdue first: it is what needs chasing."""
    late = overdue.fillna(False).astype(bool).to_numpy()
    urgent = urgency.isin(["urgent", "high"]).to_numpy()
    return np.where(late, 0, np.where(urgent, 1, 2))


def _style(colour: str) -> dict:
    return {"stroke": True, "color": "#ffffff", "weight": 2, "opacity": 1.0, "fill": True, "fillColor": colour,
            "fillOpacity": 0.95, "radius": 9}


def entries(frame: pd.DataFrame, lang: str) -> list[LegendEntry]:
    cls = event_class(frame["overdue"], frame["urgency"]) if len(frame) else np.empty(0, dtype=int)
    return [LegendEntry(t(f"evl.{c}", lang), COLOURS[c], int((cls == i).sum()), "circle")
            for i, c in enumerate(CLASSES)]


def legend_text(frame: pd.DataFrame, lang: str) -> str:
    """The legend as HTML, for pages that keep legends below the map (the phone's /my-grid)."""
    return legend_html(entries(frame, lang), t("evl.title", lang))


def event_layer(frame: pd.DataFrame, kind_labels: dict[str, str], level_labels: dict[str, str], *, lang: str,
                dark: bool = True, with_legend: bool = True) -> folium.FeatureGroup:
    """`frame`: open events with code, kind, urgency, handler_level, due_at, overdue, lon, lat
    (geodata.fieldwork.events.events_frame); events without a place are left out."""
    placed = frame[frame["lon"].notna() & frame["lat"].notna()] if len(frame) else frame
    cls = event_class(placed["overdue"], placed["urgency"]) if len(placed) else np.empty(0, dtype=int)
    records = [{"code": str(r.code), "n": kind_labels.get(r.kind, str(r.kind)), "k": int(k),
                "x": [level_labels.get(r.handler_level, str(r.handler_level)), to_minute(r.due_at)]}
               for r, k in zip(placed.itertuples(index=False), cls, strict=True)]
    xy = placed[["lon", "lat"]].to_numpy(dtype=float) if len(placed) else np.empty((0, 2))
    tip = {"badges": [["k", [[t(f"evl.{c}", lang), COLOURS[c]] for c in CLASSES]]],
           "rows": [[t("evl.handler", lang), [["x", 0, ""]]], [t("evl.due", lang), [["x", 1, ""]]]]}
    fg = folium.FeatureGroup(name=t("evl.title", lang), overlay=True, control=True, show=True)
    elements.Runtime().add_to(fg)
    elements.GeoJsonLayer(packed_points(xy, compact_properties(records)),
                          {"styles": [_style(COLOURS[c]) for c in CLASSES], "marker": "circle", "tip": tip}).add_to(fg)
    if with_legend:
        legend(entries(placed, lang), t("evl.title", lang), dark=dark, position="bottomleft").add_to(fg)
    return fg
