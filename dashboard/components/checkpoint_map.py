"""Map layers of the checkpoint planner: zones, checkpoints by staffing, what nobody covers, the violations, the
optimiser's picks and the what-if sketch (added points, moves, a drawn zone). Frames in, folium FeatureGroups out:
no database, no rules (the frames already say what is covered and what breaks which rule).

Built from mapview's primitives (one compact GeoJSON text per layer, canvas markers, styles by class index), so
a street of 700 checkpoints and 4,000 buildings stays a light page; only the few coverage circles and sketch lines
are plain folium vectors.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

import folium
import numpy as np
import pandas as pd
import shapely

from dashboard.i18n import extend, t
from dashboard.mapview import (
    LegendEntry,
    UnitTheme,
    checkpoint_layer,
    checkpoint_styles,
    elements,
    legend,
    theme_config,
    unit_layer,
)
from dashboard.mapview.geojson import compact_properties, packed_points
from dashboard.mapview.themes import OKABE_ITO
from geodata.base.vocab import ROAD_KINDS, control_label, label
from geodata.checkpoints.coverage import ZONE_CODES, ZoneWords
from geodata.checkpoints.rules import RULES

extend({
    "cpmap.zones": ("管控分区", "Control zones"),
    "cpmap.uncovered": ("未覆盖", "Not covered"),
    "cpmap.uncovered_entrances": ("未覆盖出入口", "Entrances nobody covers"),
    "cpmap.uncovered_buildings": ("未覆盖楼栋/自然村", "Buildings/villages nobody covers"),
    "cpmap.violations": ("违规提示", "Rule violations"),
    "cpmap.picks": ("优化建议卡点", "Suggested checkpoints"),
    "cpmap.pick.entrance": ("出入口设岗", "Post at an entrance"),
    "cpmap.pick.existing": ("现有卡点", "Existing checkpoint"),
    "cpmap.pick.added": ("候选点新设", "New post at a candidate point"),
    "cpmap.candidates": ("候选点", "Candidate points"),
    "cpmap.sketch": ("方案草图", "What-if sketch"),
    "cpmap.coverage_circle": ("覆盖半径 {r} 米", "Radius {r} m"),
    "cpmap.detail": ("说明", "Detail"),
    "cpmap.rule": ("规则", "Rule"),
    "cpmap.nearest": ("最近卡点", "Nearest post"),
    "cpmap.distance": ("距离（米）", "Distance (m)"),
    "cpmap.control_state": ("管控状态", "Control state"),
    "cpmap.households": ("户数", "Households"),
    "cpmap.roads": ("道路", "Roads"),
    "cpmap.road_unnamed": ("未命名道路", "unnamed road"),
})

ZONE_COLORS = {0: "#5b6b7c", 1: OKABE_ITO["orange"], 2: OKABE_ITO["vermillion"]}
RULE_COLORS = {
    "single_entrance": OKABE_ITO["yellow"], "understaffed": OKABE_ITO["orange"],
    "unstaffed": OKABE_ITO["vermillion"], "uncovered_entrance": OKABE_ITO["vermillion"],
    "shift_gap": OKABE_ITO["reddish_purple"], "shift_under": OKABE_ITO["blue"],
}
RULE_ORDER = list(RULES)
ROAD_COLOR = "#9aa3ad"
#: line weight by style class (pixels): main roads read as main roads, lanes stay hairlines under the markers
ROAD_WEIGHTS = (1.0, 1.8, 2.5, 3.0)
ROAD_CLASSES = {"secondary": 1, "primary": 2, "highway": 3}  # any other kind: class 0
#: simplify to about one pixel of the map fitted to the area (~1,000 px across): the street's lanes keep their
#: shape and lose the vertices nobody sees
ROAD_PIXELS_ACROSS = 1000
#: above this many pieces (a district: ~14,000) lanes and footways are left out of the drawing — a hair-thin line
#: every 100 m at district zoom is noise, and they made the page's map payload several MB; coverage still uses them
ROAD_PIECES_DRAWN = 5000
MINOR_ROADS = ("residential", "footway")


def _group(name: str) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name, overlay=True, control=False, show=True)
    elements.Runtime().add_to(fg)
    return fg


def _xy(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)]) if len(frame) else \
        np.empty((0, 2))


def _texts(frame: pd.DataFrame, col: str) -> list[str]:
    if col not in frame.columns:
        return [""] * len(frame)
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in frame[col].tolist()]


def zones_group(compounds: pd.DataFrame, zone_rank: pd.Series, words: ZoneWords, *, lang: str,
                dark: bool) -> folium.FeatureGroup:
    """Compound polygons filled by zone (prevention faint, controlled orange, sealed vermillion), each rank named
    by the active scheme (`words`, geodata.checkpoints.coverage.zone_words)."""
    frame = compounds.copy()
    rank = frame["code"].map(zone_rank).fillna(0).astype(int).to_numpy()
    frame["level"] = 6
    frame["situation_code"] = [ZONE_CODES[r] for r in rank]
    frame["situation_label"] = [words.label(r, lang) for r in rank]
    frame["situation_color"] = [ZONE_COLORS[r] for r in rank]
    bases = frame["control_basis"] if "control_basis" in frame.columns else [None] * len(frame)
    frame["situation_reason"] = [control_label(s, b, lang) for s, b in zip(frame["control_state"], bases)]
    cfg = theme_config()
    base = cfg["unit"]
    styles = tuple({**base, "fillColor": ZONE_COLORS[r], "fillOpacity": 0.12 if r == 0 else 0.45} for r in (0, 1, 2))
    counts = np.bincount(rank, minlength=3)
    entries = tuple(LegendEntry(words.label(r, lang), ZONE_COLORS[r], int(counts[r])) for r in (2, 1, 0))
    theme = UnitTheme("zones", t("cpmap.zones", lang), rank.astype(np.int64), styles, entries, config=cfg, dark=dark)
    fg = unit_layer(frame, theme, lang=lang, label=False, figures=False, name=t("cpmap.zones", lang))
    legend(entries, t("cpmap.zones", lang), dark=dark, position="bottomleft").add_to(fg)
    return fg


def checkpoints_group(checkpoints: pd.DataFrame, *, lang: str, dark: bool) -> folium.FeatureGroup:
    """Checkpoints as diamonds by staffing (closed: hollow), planned ones included."""
    fg = checkpoint_layer(checkpoints, lang)
    legend(checkpoint_styles(lang=lang).legend, t("legend.checkpoints", lang), dark=dark,
           note=t("legend.hollow_closed", lang), position="topright").add_to(fg)
    return fg


def _points(frame: pd.DataFrame, *, classes: Sequence[int], styles: Sequence[dict], name: str, tip: dict,
            texts: Sequence[str] = (), numbers: Sequence[str] = (), marker: str = "circle") -> folium.FeatureGroup:
    codes, names = _texts(frame, "code"), _texts(frame, "name")
    cols_x = [_texts(frame, c) for c in texts]
    cols_v = [pd.to_numeric(frame[c], errors="coerce").tolist() if c in frame.columns else [None] * len(frame)
              for c in numbers]
    records = [{"code": codes[i], "n": names[i], "k": int(classes[i]),
                "x": [c[i] or None for c in cols_x] or None,
                "v": [None if v is None or v != v else round(float(v), 1) for v in (c[i] for c in cols_v)] or None}
               for i in range(len(frame))]
    fg = _group(name)
    elements.GeoJsonLayer(packed_points(_xy(frame), compact_properties(records)),
                          {"styles": list(styles), "marker": marker, "tip": tip}).add_to(fg)
    return fg


def uncovered_group(entrances: pd.DataFrame, buildings: pd.DataFrame, *, lang: str, dark: bool
                    ) -> folium.FeatureGroup:
    """Open entrances and buildings that no staffed checkpoint covers: thick vermillion rings / small dots."""
    ent = entrances[~entrances["covered"]]
    bl = buildings[~buildings["covered"]]
    frame = pd.concat([ent.assign(_k=0), bl.assign(_k=1)], ignore_index=True)
    ring = {"stroke": True, "color": OKABE_ITO["vermillion"], "weight": 4, "opacity": 1.0, "fill": True,
            "fillColor": "#ffffff", "fillOpacity": 0.25, "radius": 13}
    dot = {"stroke": True, "color": "#10161f", "weight": 1, "opacity": 1.0, "fill": True,
           "fillColor": OKABE_ITO["vermillion"], "fillOpacity": 0.9, "radius": 4}
    tip = {"rows": [[t("cpmap.nearest", lang), [["x", 0, ""]]], [t("cpmap.distance", lang), [["v", 0, ""]]],
                    [t("cpmap.households", lang), [["v", 1, ""]]]]}
    fg = _points(frame, classes=frame["_k"].tolist(), styles=[ring, dot], name=t("cpmap.uncovered", lang), tip=tip,
                 texts=["nearest_code"], numbers=["nearest_m", "households"])
    legend([LegendEntry(t("cpmap.uncovered_entrances", lang), OKABE_ITO["vermillion"], len(ent), "ring"),
            LegendEntry(t("cpmap.uncovered_buildings", lang), OKABE_ITO["vermillion"], len(bl), "circle")],
           t("cpmap.uncovered", lang), dark=dark, position="bottomright").add_to(fg)
    return fg


def violations_group(violations: pd.DataFrame, *, lang: str, dark: bool) -> folium.FeatureGroup:
    """One marker per violation, coloured by rule (uncovered entrances have their own ring layer)."""
    frame = violations[violations["rule"] != "uncovered_entrance"].reset_index(drop=True)
    k = [RULE_ORDER.index(r) for r in frame["rule"]]
    styles = [{"stroke": True, "color": "#10161f", "weight": 1.5, "opacity": 1.0, "fill": True,
               "fillColor": RULE_COLORS[r], "fillOpacity": 1.0, "radius": 5} for r in RULE_ORDER]
    col = "rule_en" if lang == "en" else "rule_zh"
    detail = "detail_en" if lang == "en" else "detail_zh"
    tip = {"rows": [[t("cpmap.rule", lang), [["x", 0, ""]]], [t("cpmap.detail", lang), [["x", 1, ""]]]]}
    fg = _points(frame, classes=k, styles=styles, name=t("cpmap.violations", lang), tip=tip, texts=[col, detail])
    counts = frame["rule"].value_counts()
    entries = [LegendEntry(RULES[r][1 if lang == "en" else 0], RULE_COLORS[r], int(counts.get(r, 0)), "circle")
               for r in RULE_ORDER if r != "uncovered_entrance" and counts.get(r, 0)]
    if entries:
        legend(entries, t("cpmap.violations", lang), dark=dark, position="bottomright").add_to(fg)
    return fg


def picks_group(candidates: pd.DataFrame, radius_m: float, *, lang: str, dark: bool) -> folium.FeatureGroup:
    """The optimiser's chosen posts with their coverage circles."""
    chosen = candidates[candidates["chosen"]].reset_index(drop=True)
    sources = ["entrance", "existing", "added"]
    colours = [OKABE_ITO["bluish_green"], OKABE_ITO["sky_blue"], OKABE_ITO["yellow"]]
    styles = [{"stroke": True, "color": "#ffffff", "weight": 3, "opacity": 1.0, "fill": True, "fillColor": c,
               "fillOpacity": 1.0, "radius": 9} for c in colours]
    fg = _points(chosen, classes=[sources.index(s) for s in chosen["source"]], styles=styles,
                 name=t("cpmap.picks", lang), tip={"rows": []})
    for r in chosen.itertuples():
        folium.Circle([r.lat, r.lon], radius=float(radius_m), color=OKABE_ITO["bluish_green"], weight=1,
                      fill=False, interactive=False).add_to(fg)
    counts = chosen["source"].value_counts()
    legend([LegendEntry(t(f"cpmap.pick.{s}", lang), c, int(counts.get(s, 0)), "circle")
            for s, c in zip(sources, colours)], t("cpmap.picks", lang), dark=dark, position="topleft").add_to(fg)
    return fg


def sketch_group(*, candidates: Sequence[tuple[float, float]], moves: Sequence[tuple[float, float, float, float]],
                 zone_vertices: Sequence[tuple[float, float]], zone_closed: bool, selected: pd.DataFrame | None,
                 radius_m: float, lang: str) -> folium.FeatureGroup:
    """The what-if sketch: candidate points (hollow), moves (arrows old → new), the drawn zone, and the coverage
    circle of the selected checkpoint."""
    fg = _group(t("cpmap.sketch", lang))
    for lon, lat in candidates:
        folium.CircleMarker([lat, lon], radius=8, color=OKABE_ITO["yellow"], weight=3, fill=False,
                            interactive=False).add_to(fg)
    for lon0, lat0, lon1, lat1 in moves:
        folium.PolyLine([[lat0, lon0], [lat1, lon1]], color=OKABE_ITO["sky_blue"], weight=3, dash_array="6 4",
                        interactive=False).add_to(fg)
    if zone_vertices:
        pts = [[lat, lon] for lon, lat in zone_vertices]
        if zone_closed and len(pts) >= 3:
            folium.Polygon(pts, color=OKABE_ITO["reddish_purple"], weight=3, dash_array="8 6", fill=True,
                           fill_opacity=0.08, interactive=False).add_to(fg)
        else:
            folium.PolyLine(pts, color=OKABE_ITO["reddish_purple"], weight=3, dash_array="8 6",
                            interactive=False).add_to(fg)
            for p in pts:
                folium.CircleMarker(p, radius=4, color=OKABE_ITO["reddish_purple"], fill=True,
                                    interactive=False).add_to(fg)
    if selected is not None and len(selected):
        r = selected.iloc[0]
        folium.Circle([r["lat"], r["lon"]], radius=float(radius_m), color="#ffffff", weight=2, dash_array="4 4",
                      fill=True, fill_opacity=0.06, interactive=False).add_to(fg)
    return fg


def roads_geojson(roads: pd.DataFrame, *, lang: str) -> str:
    """The roads as one GeoJSON text for `roads_group`: lines simplified to ~1 px at the area's zoom (lanes left
    out of large areas, see ROAD_PIECES_DRAWN), coordinates to 1e-5° (~1 m), properties n (name), s (kind) and
    k (style class). Names stay raw text: the map runtime shows them with textContent, never as markup."""
    if roads is not None and len(roads) > ROAD_PIECES_DRAWN and "kind" in roads.columns:
        roads = roads[~roads["kind"].isin(MINOR_ROADS).to_numpy()]
    if roads is None or not len(roads):
        return '{"type":"FeatureCollection","features":[]}'
    geoms = np.asarray(roads.geometry.values, dtype=object)
    b = shapely.bounds(geoms)
    extent = max(np.nanmax(b[:, 2]) - np.nanmin(b[:, 0]), np.nanmax(b[:, 3]) - np.nanmin(b[:, 1]))
    lean = shapely.simplify(geoms, float(extent) / ROAD_PIXELS_ACROSS, preserve_topology=False)
    parts, owner = shapely.get_parts(lean, return_index=True)  # a MultiLineString draws as its lines
    keep = ~shapely.is_empty(parts)
    parts, owner = parts[keep], owner[keep]
    xy, part = shapely.get_coordinates(parts, return_index=True)
    points = np.char.add(np.char.add(np.char.add("[", np.char.mod("%.5f", xy[:, 0])), ","),
                         np.char.add(np.char.mod("%.5f", xy[:, 1]), "]"))
    cuts = np.flatnonzero(np.diff(part)) + 1
    kinds, names = _texts(roads, "kind"), _texts(roads, "name")
    props = [json.dumps({"n": names[i] or t("cpmap.road_unnamed", lang),
                         "s": label(ROAD_KINDS, kinds[i], lang) if kinds[i] else "",
                         "k": ROAD_CLASSES.get(kinds[i], 0)}, ensure_ascii=False) for i in range(len(roads))]
    features = ",".join(f'{{"type":"Feature","geometry":{{"type":"LineString","coordinates":[{",".join(line)}]}},'
                        f'"properties":{props[o]}}}' for line, o in zip(np.split(points, cuts), owner))
    return f'{{"type":"FeatureCollection","features":[{features}]}}'


def roads_group(geojson: str, *, lang: str) -> folium.FeatureGroup:
    """The area's roads (walking distance runs along them) as thin grey lines; the page adds them after the zone
    fills and before the markers, so a line shows its name on hover and never hides a checkpoint. One
    `GW.layer` of prepared text: no per-feature work in folium (its GeoJson took 0.7 s for a street's 1,400
    roads on every rerun)."""
    fg = _group(t("cpmap.roads", lang))
    styles = [{"color": ROAD_COLOR, "weight": w, "opacity": 0.75, "fill": False} for w in ROAD_WEIGHTS]
    elements.GeoJsonLayer(geojson, {"styles": styles, "tip": {"sub": "s", "rows": []}}).add_to(fg)
    return fg
