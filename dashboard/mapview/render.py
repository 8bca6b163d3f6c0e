"""GeoDataFrames → folium map and layers, for the wall map and the pages.

Pure rendering: no database, no Streamlit. A page builds `base_map(...)` once, then adds (or passes to
`st_folium(..., feature_group_to_add=...)`) the FeatureGroups from `unit_layer`, `building_layer` and
`checkpoint_layer`, and a `legend(...)`.

What a click reports: every feature keeps its `code` in its GeoJSON properties, and streamlit-folium 0.27.4
answers a click on a feature of any of these layers with `result["last_active_drawing"]["properties"]["code"]`
(its frontend calls `e.layer.toGeoJSON()` on the click event propagated to the L.GeoJSON group). Units also
carry `properties["level"]`.

Speed and size (measured in tests/dashboard/test_mapview.py, printed with `pytest -s`): one compact GeoJSON
text per layer, styles looked up in the browser by a class index per feature instead of folium's
per-feature Python `style_function` (which writes a `switch` case per feature id into the page), canvas
rendering (`prefer_canvas`), geometry simplified by level and rounded to 1e-5°.
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely

from dashboard.i18n import MISSING, t
from dashboard.mapview import elements
from dashboard.mapview.locate import Locate
from dashboard.mapview.geojson import (
    check_wgs84,
    compact_properties,
    fit_zoom,
    lean_geometries,
    packed_points,
    packed_polygons,
    representative_points,
    tolerance_for_zoom,
    tolerances,
)
from dashboard.mapview.themes import (
    LegendEntry,
    UnitTheme,
    building_radius,
    checkpoint_styles,
    control_state_styles,
    css_color,
    report_missing_mask,
    theme_config,
    unit_theme,
)
from geodata.base.vocab import CHECKPOINT_KINDS, CHECKPOINT_STATUSES, LEADER_TITLES, Level, control_label, label

OUTLINE_PANE = ("gw-outline", 420)  # above the unit fills (overlayPane 400), below markers (600)

#: numeric figures sent per unit, in this order (the tooltip spec refers to them by index)
UNIT_FIGURES = (
    "households", "population", "party_members", "vulnerable",
    "obs_home", "obs_central", "obs_self", "obs_temp",
    "cases_confirmed", "cases_7d", "new_cases_today",
    "sealed_buildings", "releases_due_today",
    "checkpoints", "checkpoints_understaffed", "entrances_open", "sealed_villages", "epidemic_spots",
)
BUILDING_FIGURES = ("obs_total", "cases", "households", "population")
CHECKPOINT_FIGURES = ("staff_day", "staff_night")


# --- base map ---------------------------------------------------------------------------------------------


def base_map(
    bounds: Sequence[float],
    *,
    tile_url: str | None,
    tile_attr: str,
    dark: bool,
    outline: pd.DataFrame | None = None,
    max_zoom: int = 19,
    config: dict | None = None,
    locate: bool = False,
) -> folium.Map:
    """An empty map fitted to `bounds` = (west, south, east, north), e.g. `frame.total_bounds`.

    With `tile_url` the map gets that tile layer (an intranet tile server: nothing public is ever linked).
    Without it the background is a flat colour, and `outline` (district/street polygons with `name` and
    optional `level`) is drawn with permanent name labels so people can still find their way.
    `locate`: a "locate me" button (mapview/locate.py) for the field roles' phones.
    """
    cfg = theme_config(config)
    west, south, east, north = (float(b) for b in bounds)
    if not all(np.isfinite([west, south, east, north])):
        raise ValueError(f"map bounds must be finite, got {list(bounds)} (an empty frame has no bounds)")
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=11,
        tiles=None,
        prefer_canvas=True,
        control_scale=False,  # GW.chrome adds a metric-only one: folium's shows feet and miles too
        attribution_control=bool(tile_url),
    )
    # Leaflet takes maxZoom from the tile layers; without one the map needs it itself (facts B8)
    m.options["maxZoom"] = max_zoom
    if not tile_url:
        # whole-number zoom steps leave a city using ~60 % of a wall screen; without tiles to keep sharp,
        # quarter steps let fitBounds fill it
        m.options["zoomSnap"] = 0.25
        m.options["zoomDelta"] = 0.5
    elements.Runtime().add_to(m)
    mode = "dark" if dark else "light"
    elements.Chrome(background=cfg["background"][mode], dark=dark, panes=[OUTLINE_PANE]).add_to(m)
    if locate:
        Locate().add_to(m)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attr, max_zoom=max_zoom, name=tile_attr, overlay=False,
                         control=False).add_to(m)
    if outline is not None and len(outline):
        _add_outline(m, outline, cfg, mode, with_labels=not tile_url,
                     finest=tolerance_for_zoom(fit_zoom(bounds), (south + north) / 2))
    m.fit_bounds([[south, west], [north, east]])
    return m


def _add_outline(m: folium.Map, outline: pd.DataFrame, cfg: dict, mode: str, *, with_labels: bool,
                 finest: float) -> None:
    """`finest`: half a pixel at the zoom the map opens at. A district's usual tolerance (~50 m) is a few
    pixels on a map of one street, where the outline then visibly misses the units' edges."""
    check_wgs84(outline)
    levels = _levels(outline)
    major = levels <= int(Level.DISTRICT)
    tol = np.minimum(tolerances(levels, len(outline), cfg["simplify_tolerance"], 0.0002), finest)
    geoms = lean_geometries(outline.geometry, tol)
    # unfilled and not interactive: an outline must never hide or catch clicks meant for units
    props = [{"k": 0 if big else 1} for big in major.tolist()]
    elements.GeoJsonLayer(
        packed_polygons(geoms, props),
        {"styles": cfg["outline"][mode], "interactive": False, "pane": OUTLINE_PANE[0]},
    ).add_to(m)
    if with_labels:
        names = _texts(outline, "name")
        order = np.lexsort((-shapely.area(geoms), levels))  # districts first, then bigger before smaller
        xy = representative_points(geoms)
        cls = np.where(levels <= int(Level.DISTRICT), 0, np.where(levels == int(Level.STREET), 1, 2))
        points = [[xy[i, 1], xy[i, 0], names[i], 0, int(cls[i])] for i in order if names[i] and xy[i, 0] == xy[i, 0]]
        elements.Labels(points, classes=["gw-label gw-label-lg", "gw-label gw-label-md", "gw-label gw-label-sm"],
                        sizes=[26, 20, 18], priority=0).add_to(m)


# --- units ------------------------------------------------------------------------------------------------


def unit_layer(
    units: pd.DataFrame,
    theme: UnitTheme | str = "situation",
    *,
    lang: str = "zh",
    label: bool = True,
    figures: bool = True,
    zoom: float | None = None,
    name: str | None = None,
    config: dict | None = None,
) -> folium.FeatureGroup:
    """Unit polygons coloured by `theme`, with hover highlight, a tooltip and (zoomed in) name labels.

    `theme` is a `UnitTheme` computed on this same frame, or a theme name computed here with defaults.
    `figures=False` sends only name, code and situation (the tooltip shrinks to those): for very many units,
    e.g. every grid of a city, where the figures would be most of the payload.
    `zoom`: the zoom the layer is first seen at; geometry is simplified to half a pixel there. Without it
    the tolerance comes from each unit's level (config "simplify_tolerance").
    """
    check_wgs84(units)
    if isinstance(theme, str):
        theme = unit_theme(theme, units, lang=lang, config=config)
    if len(theme.classes) != len(units):
        raise ValueError(f"theme was computed for {len(theme.classes)} units, the frame has {len(units)}")
    cfg = theme.config
    levels = _levels(units)
    if zoom is not None:
        tol: float | np.ndarray = tolerance_for_zoom(zoom, float(np.mean(units.total_bounds[1::2])))
    else:
        tol = tolerances(levels, len(units), cfg["simplify_tolerance"])
    geoms = lean_geometries(units.geometry, tol)

    codes = _texts(units, "code")
    names = _texts(units, "name")
    situation = _texts(units, "situation_code")
    reasons = _texts(units, "situation_reason")
    missing = report_missing_mask(units)
    numbers = _numbers(units, UNIT_FIGURES)
    leaders = _leaders(units, levels, lang)
    phones = _texts(units, "leader_phone")
    records = [
        {
            "code": codes[i], "level": int(levels[i]), "n": names[i], "k": int(theme.classes[i]),
            "s": situation[i], "r": reasons[i], "m": 1 if missing[i] else None,
            "v": numbers[i] if figures else None,
            "x": [leaders[i] or None, phones[i] or None] if figures else None,
        }
        for i in range(len(units))
    ]
    fg = _group(name or theme.title)
    elements.GeoJsonLayer(
        packed_polygons(geoms, compact_properties(records)),
        {
            "styles": list(theme.styles),
            "missing": theme.report_missing,
            "highlight": theme.highlight,
            "tip": _unit_tip(units, lang, figures=figures),
        },
        bounds=_bounds(units),
    ).add_to(fg)
    if label:
        min_zoom = cfg["label_min_zoom"]
        order = np.argsort(-shapely.area(geoms), kind="stable")
        xy = representative_points(geoms)
        points = [
            [xy[i, 1], xy[i, 0], names[i], int(min_zoom.get(int(levels[i]), 14)), 0]
            for i in order
            if names[i] and xy[i, 0] == xy[i, 0]
        ]
        elements.Labels(points, classes=["gw-label"], sizes=[18], priority=1).add_to(fg)
    return fg


def _unit_tip(units: pd.DataFrame, lang: str, *, figures: bool = True) -> dict:
    """Tooltip spec for units: labels once per layer, figures by index into each feature's `v`."""
    f = {name: i for i, name in enumerate(UNIT_FIGURES)}

    def v(col: str, prefix: str = "") -> list:
        return ["v", f[col], prefix]

    situations: dict[str, list[str]] = {}
    codes, labels, colors = (_texts(units, c) for c in ("situation_code", "situation_label", "situation_color"))
    for code, lab, col in zip(codes, labels, colors):
        if code and code not in situations:
            situations[code] = [lab or t(f"situation.{code}", lang), css_color(col)]
    return {
        "badges": [["s", situations]],
        "sub": "r",
        "flag": ["m", t("report_missing", lang)],
        "rows": [] if not figures else [
            [t("households", lang), [v("households")]],
            [t("population", lang), [v("population")]],
            [t("party_members", lang), [v("party_members")]],
            [t("vulnerable", lang), [v("vulnerable")]],
            [t("obs_total", lang), [v("obs_home", t("obs_home", lang)), v("obs_central", t("obs_central", lang)),
                                    v("obs_self", t("obs_self", lang)), v("obs_temp", t("obs_temp", lang))], 1],
            [t("cases", lang), [v("new_cases_today", t("new_cases_today", lang)), v("cases_7d", t("cases_7d", lang)),
                                v("cases_confirmed", t("cases_confirmed", lang))]],
            [t("releases_due_today", lang), [v("releases_due_today")]],
            [t("kpi.locked_down", lang), [v("sealed_buildings", t("kpi.locked_down.buildings", lang)),
                                          v("sealed_villages", t("kpi.locked_down.villages", lang))]],
            [t("epidemic_spots", lang), [v("epidemic_spots")]],
            [t("checkpoints", lang), [v("checkpoints"),
                                      v("checkpoints_understaffed", t("checkpoints_understaffed", lang)),
                                      v("entrances_open", t("entrances_open", lang))]],
            [t("leader", lang), [["x", 0, ""]]],
            [t("phone", lang), [["x", 1, ""]]],
        ],
    }


#: the columns naming and reaching the person in charge of a unit, building or checkpoint
CONTACT_COLUMNS = ("leader_name", "leader_phone")


def hide_contacts(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy with every name and phone of those in charge that exists replaced by "已隐藏" (hidden), for a screen
    that may not show them (the wall, the wall account). Dropping them would make the tooltip say "负责人 —", which
    tells the room that nobody is in charge."""
    out = frame.copy()
    hidden = t("contacts.hidden", lang)
    for col in CONTACT_COLUMNS:
        if col in out.columns:
            known = out[col].notna() & (out[col].astype(str).str.strip() != "")
            out[col] = out[col].astype(object).where(~known, hidden).where(known, None)
    return out


def _leaders(units: pd.DataFrame, levels: np.ndarray, lang: str) -> list[str]:
    """"社区书记 张三": the frame's leader_title, else the title of the unit's level."""
    names = _texts(units, "leader_name")
    titles = _texts(units, "leader_title")
    out = []
    for name, title, lv in zip(names, titles, levels.tolist()):
        if not title and name and lv in Level._value2member_map_:
            pair = LEADER_TITLES.get(Level(lv))
            title = (pair[1] if lang == "en" else pair[0]) if pair else ""
        out.append(f"{title} {name}".strip() if name else "")
    return out


# --- buildings --------------------------------------------------------------------------------------------


def building_layer(
    buildings: pd.DataFrame,
    lang: str = "zh",
    *,
    name: str | None = None,
    config: dict | None = None,
) -> folium.FeatureGroup:
    """Buildings as canvas circle markers: colour (and a white ring when sealed / epidemic spot) by control
    state, size by people under observation. Send a viewport's worth (≤ ~10k), never a whole city (facts 0.1).
    """
    check_wgs84(buildings)
    styles = control_state_styles(lang=lang, config=config)
    states = styles.index(_texts(buildings, "control_state"))
    obs = _numbers_array(buildings, "obs_total")
    radius = building_radius(obs, styles.config)
    codes, names = _texts(buildings, "code"), _texts(buildings, "name")
    figures = _numbers(buildings, BUILDING_FIGURES)
    texts = [_texts(buildings, c) for c in ("leader_name", "leader_phone", "address")]
    # a sealing named by its basis under the state's badge: 封锁 (by hand) or 硬隔离 (the rules), vocab.control_label
    bases = _texts(buildings, "control_basis")
    raw_states = _texts(buildings, "control_state")
    basis = [t("tip.seal_basis", lang, b=control_label(s, b, lang)) if s == "sealed" and b else None
             for s, b in zip(raw_states, bases)]
    records = [
        {"code": codes[i], "b": 1, "n": names[i], "k": int(states[i]), "r": int(radius[i]), "v": figures[i],
         "x": [texts[0][i] or None, texts[1][i] or None, texts[2][i] or None], "s": basis[i]}
        for i in range(len(buildings))
    ]
    badge = [[e.label, e.color] for e in styles.legend] + [[MISSING, None]]
    tip = {
        "badges": [["k", badge]],
        "sub": "s",
        "rows": [
            [t("obs_total", lang), [["v", 0, ""]]],
            [t("cases", lang), [["v", 1, ""]]],
            [t("households", lang), [["v", 2, ""]]],
            [t("population", lang), [["v", 3, ""]]],
            [t("leader", lang), [["x", 0, ""]]],
            [t("phone", lang), [["x", 1, ""]]],
            [t("address", lang), [["x", 2, ""]]],
        ],
    }
    fg = _group(name or t("legend.buildings", lang))
    elements.GeoJsonLayer(
        packed_points(_xy(buildings), compact_properties(records)),
        {"styles": list(styles.table), "marker": "circle", "tip": tip},
        bounds=_bounds(buildings),
    ).add_to(fg)
    return fg


# --- checkpoints ------------------------------------------------------------------------------------------


def checkpoint_layer(
    checkpoints: pd.DataFrame,
    lang: str = "zh",
    *,
    name: str | None = None,
    config: dict | None = None,
) -> folium.FeatureGroup:
    """Checkpoints as canvas diamonds (never confused with building circles): filled and coloured by
    staffing when open, hollow and grey when closed."""
    check_wgs84(checkpoints)
    styles = checkpoint_styles(lang=lang, config=config)
    status = _texts(checkpoints, "status")
    staffing = _texts(checkpoints, "staffing")
    effective = ["closed" if st == "closed" else sf for st, sf in zip(status, staffing)]
    k = styles.index(effective)
    kinds = list(CHECKPOINT_KINDS)
    kind_index = {c: i for i, c in enumerate(kinds)}
    kind_of = _texts(checkpoints, "kind")
    codes, names = _texts(checkpoints, "code"), _texts(checkpoints, "name")
    figures = _numbers(checkpoints, CHECKPOINT_FIGURES)
    records = [
        {"code": codes[i], "c": 1, "n": names[i], "k": int(k[i]), "t": kind_index.get(kind_of[i]),
         "v": figures[i], "x": [label(CHECKPOINT_STATUSES, status[i], lang) or None]}
        for i in range(len(checkpoints))
    ]
    tip = {
        "badges": [
            ["t", [[label(CHECKPOINT_KINDS, c, lang), None] for c in kinds]],
            ["k", [[e.label, e.color] for e in styles.legend] + [[MISSING, None]]],
        ],
        "rows": [
            [t("status", lang), [["x", 0, ""]]],
            [t("staff_day_night", lang), [["v", 0, ""], ["v", 1, ""]]],
        ],
    }
    fg = _group(name or t("legend.checkpoints", lang))
    elements.GeoJsonLayer(
        packed_points(_xy(checkpoints), compact_properties(records)),
        {"styles": list(styles.table), "marker": "diamond", "tip": tip},
        bounds=_bounds(checkpoints),
    ).add_to(fg)
    return fg


FLAG_STYLES = {
    # Okabe-Ito bluish green for a flag held, vermillion ring for one taken back
    "awarded": {"stroke": True, "color": "#ffffff", "weight": 3, "opacity": 1.0, "fill": True,
                "fillColor": "#009E73", "fillOpacity": 1.0, "radius": 11},
    "revoked": {"stroke": True, "color": "#D55E00", "weight": 4, "opacity": 1.0, "fill": True,
                "fillColor": "#10161f", "fillOpacity": 0.6, "radius": 11},
}


def flag_entries(lang: str = "zh") -> list[LegendEntry]:
    return [LegendEntry(t("flag.awarded", lang), FLAG_STYLES["awarded"]["fillColor"], None, "ring"),
            LegendEntry(t("flag.revoked", lang), FLAG_STYLES["revoked"]["color"], None, "circle")]


def flag_layer(flags: pd.DataFrame, lang: str = "zh", *, name: str | None = None) -> folium.FeatureGroup:
    """无疫小区 flags (domain file §2.9): a filled green disc where a compound holds its flag, a vermillion
    ring where the flag was taken back. `flags` has lon, lat, compound code/name and flag (awarded|revoked)."""
    states = list(FLAG_STYLES)
    flag = _texts(flags, "flag")
    codes = _texts(flags, "compound_code") if "compound_code" in flags else _texts(flags, "code")
    names = _texts(flags, "compound_name") if "compound_name" in flags else _texts(flags, "name")
    records = [{"code": codes[i], "n": names[i], "k": states.index(flag[i]) if flag[i] in states else 0,
                "x": [t(f"flag.{flag[i]}", lang) if flag[i] in states else None]} for i in range(len(flags))]
    xy = np.column_stack([flags["lon"].to_numpy(dtype=float), flags["lat"].to_numpy(dtype=float)]) \
        if len(flags) else np.empty((0, 2))
    tip = {"rows": [[t("flag.title", lang), [["x", 0, ""]]]]}
    fg = _group(name or t("flag.title", lang))
    elements.GeoJsonLayer(packed_points(xy, compact_properties(records)),
                          {"styles": [FLAG_STYLES[s_] for s_ in states], "tip": tip}).add_to(fg)
    return fg


SELECTED_STYLE = {"stroke": True, "color": "#ffffff", "weight": 4, "opacity": 1.0, "fill": False, "radius": 20,
                  "dashArray": "6 4"}


def selection_layer(points: pd.DataFrame) -> folium.FeatureGroup:
    """A dashed ring around the point(s) whose card is open, so people see which building the card is about.
    Not interactive: a click goes to the building under it."""
    check_wgs84(points)
    records = [{"code": c} for c in _texts(points, "code")]
    fg = _group("selected")
    elements.GeoJsonLayer(packed_points(_xy(points), records),
                          {"styles": [SELECTED_STYLE], "marker": "ring", "interactive": False}).add_to(fg)
    return fg


# --- legend -----------------------------------------------------------------------------------------------


def legend(
    entries: Sequence[LegendEntry | tuple[str, str]],
    title: str,
    *,
    dark: bool = True,
    note: str | None = None,
    counts: bool = True,
    position: str = "bottomleft",
) -> elements.Legend:
    """A legend box (≥ 18 px type) for a map or a FeatureGroup; every text in it is HTML-escaped."""
    return elements.Legend(legend_html(entries, title, note=note, counts=counts), dark=dark, position=position)


def legend_html(entries: Sequence[LegendEntry | tuple[str, str]], title: str, *, note: str | None = None,
                counts: bool = True) -> str:
    """The legend's inner HTML: title, one row per entry (swatch, label, count), optional note."""
    rows = [f'<div class="gw-h">{html.escape(str(title))}</div>']
    for entry in entries:
        if not isinstance(entry, LegendEntry):
            entry = LegendEntry(str(entry[0]), str(entry[1]))
        color = css_color(entry.color)
        if entry.shape in ("hollow_diamond", "dashed"):
            style = f"border-color:{color};color:{color}"
        else:
            style = f"background:{color}"
        count = (f'<span class="gw-n">{entry.count:,}</span>'
                 if counts and entry.count is not None else "")
        rows.append(
            f'<div class="gw-row"><span class="gw-sw gw-{html.escape(entry.shape)}" style="{style}"></span>'
            f"<span>{html.escape(str(entry.label))}</span>{count}</div>"
        )
    if note:
        rows.append(f'<div class="gw-note">{html.escape(note)}</div>')
    return "".join(rows)


# --- helpers ----------------------------------------------------------------------------------------------


def _group(name: str) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name, overlay=True, control=True, show=True)
    elements.Runtime().add_to(fg)
    return fg


def _levels(frame: pd.DataFrame) -> np.ndarray:
    if "level" not in frame.columns:
        return np.full(len(frame), int(Level.COMMUNITY), dtype=np.int64)
    return pd.to_numeric(frame["level"], errors="coerce").fillna(int(Level.COMMUNITY)).astype(np.int64).to_numpy()


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return [""] * len(frame)
    col = frame[column]
    return ["" if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v) for v in col.tolist()]


def _numbers_array(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _numbers(frame: pd.DataFrame, columns: Sequence[str]) -> list[list[Any]]:
    """Rows of figures as JSON-ready lists: ints stay ints, missing becomes None (shown as "—")."""
    block = np.column_stack([_numbers_array(frame, c) for c in columns]) if len(frame) else np.empty((0, len(columns)))
    out = []
    for row in block.tolist():
        out.append([None if x != x else (int(x) if x.is_integer() else round(x, 2)) for x in row])
    return out


def _xy(points: pd.DataFrame) -> np.ndarray:
    geoms = np.asarray(points.geometry.values, dtype=object)
    xy = np.full((len(geoms), 2), np.nan)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if ok.any():
        xy[ok] = shapely.get_coordinates(shapely.centroid(geoms[ok]))  # centroid: a footprint still gets a dot
    return xy


def _bounds(frame: pd.DataFrame) -> list[list[float]] | None:
    if not len(frame):
        return None
    west, south, east, north = (float(b) for b in frame.total_bounds)
    if any(b != b for b in (west, south, east, north)):
        return None
    return [[south, west], [north, east]]
