"""Geometries for a layer: from lon/lat or WKT columns, checked, repaired when that is safe, shaped to the layer.

Units (city … compound) are polygons (MultiPolygon allowed); buildings and checkpoints are points; roads are lines
(LineString or MultiLineString; a closed ring is a road around a block, a point or a polygon is refused). A building
given as a footprint polygon becomes its representative point (`shapely.point_on_surface`: always inside, unlike
the centroid of an L-shaped block) and keeps the polygon as `footprint`.

Invalid polygons (self-intersections, bow-ties, spikes) are repaired with `shapely.make_valid` only when the
repair is unambiguous: the result is still polygonal, keeps ≥ 99 % of the original area, and GEOS's two repair
methods ("linework" and "structure") agree to within 1 % of area. Otherwise the row is an error: guessing the
shape of a grid boundary is not ours to do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geodata.base.layers import LayerSchema

from .problems import ERROR, WARNING, Issue
from .values import parse_float

_POLYGONAL = (3, 6)  # Polygon, MultiPolygon
_LINEAR = (1, 5)  # LineString, MultiLineString (a LinearRing, 2, becomes a LineString)
_TYPE_ZH = {"Point": "点", "MultiPoint": "多点", "LineString": "线", "MultiLineString": "多线", "LinearRing": "环",
            "Polygon": "面", "MultiPolygon": "多面", "GeometryCollection": "几何集合"}
_REASON_ZH = (("Ring Self-intersection", "环自相交"), ("Self-intersection", "自相交"), ("Too few points", "点数过少"),
              ("Hole lies outside shell", "内洞在外环之外"), ("Nested holes", "内洞嵌套"), ("Nested shells", "外环嵌套"),
              ("Interior is disconnected", "内部不连通"), ("Invalid Coordinate", "坐标无效"),
              ("Duplicate Rings", "重复的环"), ("Ring is not closed", "环未闭合"))
#: repair tolerance: share of area a repair may lose, and the disagreement allowed between repair methods
AREA_TOLERANCE = 0.01


@dataclass
class Shaped:
    geometry: np.ndarray  # shapely objects or None, one per row
    footprint: np.ndarray | None  # polygons for point layers given polygons (buildings), else None
    issues: list[Issue]


def _reason_zh(reason: str) -> str:
    text = reason
    for en, zh in _REASON_ZH:
        text = text.replace(en, zh)
    return text


def _type_name(g: shapely.Geometry) -> tuple[str, str]:
    t = g.geom_type
    return _TYPE_ZH.get(t, t), t


# ---------------------------------------------------------------------------------------------------------
# building geometries from table columns


def points_from_lonlat(lon: pd.Series, lat: pd.Series) -> tuple[np.ndarray, Issue | None, Issue | None, np.ndarray]:
    """Points from two coordinate columns. Returns (points or None, lon issue, lat issue, has-no-coordinates mask).

    A row with neither value has no geometry (the caller decides whether that is allowed); a row with only one of
    them, or text that is not a number, is an error in that column.
    """
    px, py = parse_float(lon, "lon"), parse_float(lat, "lat")
    x, y = px.values.to_numpy(dtype="float64"), py.values.to_numpy(dtype="float64")
    bad_x = np.zeros(len(x), dtype=bool) if px.issue is None else np.isin(np.arange(len(x)), px.issue.positions)
    bad_y = np.zeros(len(y), dtype=bool) if py.issue is None else np.isin(np.arange(len(y)), py.issue.positions)
    has_x, has_y = np.isfinite(x), np.isfinite(y)
    only_y = has_y & ~has_x & ~bad_x
    only_x = has_x & ~has_y & ~bad_y
    ok = has_x & has_y
    geoms = np.full(len(x), None, dtype=object)
    if ok.any():
        geoms[ok] = shapely.points(x[ok], y[ok])
    lon_issue = _merge(px.issue, Issue.where(only_y, ERROR, "有纬度但缺少经度", "latitude given but longitude missing",
                                             "lon"))
    lat_issue = _merge(py.issue, Issue.where(only_x, ERROR, "有经度但缺少纬度", "longitude given but latitude missing",
                                             "lat"))
    none = ~has_x & ~has_y & ~bad_x & ~bad_y
    return geoms, lon_issue, lat_issue, none


def _merge(a: Issue | None, b: Issue) -> Issue | None:
    if a is None:
        return b if len(b) else None
    if not len(b):
        return a
    n = len(a.positions) + len(b.positions)
    zh = np.empty(n, dtype=object)
    en = np.empty(n, dtype=object)
    zh[: len(a)] = a.zh if not isinstance(a.zh, str) else [a.zh] * len(a)
    en[: len(a)] = a.en if not isinstance(a.en, str) else [a.en] * len(a)
    zh[len(a):] = [b.zh] * len(b) if isinstance(b.zh, str) else b.zh
    en[len(a):] = [b.en] * len(b) if isinstance(b.en, str) else b.en
    pos = np.concatenate([a.positions, b.positions])
    order = np.argsort(pos, kind="stable")
    return Issue(pos[order], a.severity, zh[order], en[order], a.field)


_WKB_HEX = re.compile(r"^(00|01)[0-9a-fA-F]{8,}$")


def geometries_from_text(series: pd.Series) -> tuple[np.ndarray, Issue | None, np.ndarray]:
    """Geometries from a text column holding WKT (also EWKT 'SRID=4326;…'), GeoJSON or hex WKB.

    Returns (geometries or None, issue for unreadable cells, has-no-geometry mask).
    """
    text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
    text = text.str.replace(r"^(?i:srid=\d+;)", "", regex=True)
    present = (text != "").to_numpy(dtype=bool)
    geoms = np.full(len(text), None, dtype=object)
    is_json = present & text.str.startswith("{").to_numpy(dtype=bool)
    is_wkb = present & text.str.match(_WKB_HEX.pattern).to_numpy(dtype=bool)
    is_wkt = present & ~is_json & ~is_wkb
    arr = text.to_numpy(dtype=object)
    if is_wkt.any():
        geoms[is_wkt] = shapely.from_wkt(arr[is_wkt], on_invalid="ignore")
    if is_wkb.any():
        geoms[is_wkb] = shapely.from_wkb(arr[is_wkb], on_invalid="ignore")
    for i in np.flatnonzero(is_json):  # rare: one call each, so a bad one does not spoil the rest
        try:
            geoms[i] = shapely.from_geojson(arr[i])
        except (shapely.errors.GEOSException, ValueError):
            geoms[i] = None
    bad = present & pd.isna(pd.Series(geoms, dtype=object)).to_numpy()
    issue = Issue.where(bad, ERROR, "几何文字无法解析（应为 WKT，如 POINT (114.30 30.59)）",
                        "geometry text cannot be parsed (expected WKT such as POINT (114.30 30.59))", "wkt")
    return geoms, issue if len(issue) else None, ~present


# ---------------------------------------------------------------------------------------------------------
# coordinates for sanity checks


def reference_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One (x, y) per geometry for extent checks: the point itself, or the centre of the bounding box."""
    b = shapely.bounds(geoms)  # NaN rows for None/empty
    return (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2


def swap_xy(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: xy[:, ::-1])


# ---------------------------------------------------------------------------------------------------------
# validity and shape


def repair_polygon(g: shapely.Geometry) -> tuple[shapely.Geometry | None, float]:
    """A safe repair of an invalid polygonal geometry and the share of area it kept; None when not safe."""
    fixed = _polygonal(shapely.make_valid(g))
    alt = _polygonal(shapely.make_valid(g, method="structure", keep_collapsed=False))
    if fixed is None or alt is None or fixed.is_empty or alt.is_empty:
        return None, 0.0
    area = fixed.area
    if area <= 0:
        return None, 0.0
    disagreement = shapely.symmetric_difference(fixed, alt).area / area
    # the signed area of a self-intersecting ring can be 0 (bow-tie) or double-count overlaps: only a *loss*
    # against it is suspicious
    original = abs(shapely.area(g))
    kept = area / original if original > 0 else 1.0
    if disagreement > AREA_TOLERANCE or kept < 1 - AREA_TOLERANCE:
        return None, kept
    return fixed, kept


def _polygonal(g: shapely.Geometry | None) -> shapely.Geometry | None:
    """The polygonal part of a geometry (Polygon/MultiPolygon), None when it has none."""
    if g is None or g.is_empty:
        return None
    tid = shapely.get_type_id(g)
    if tid in _POLYGONAL:
        return g
    if tid == 7:
        parts = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) in _POLYGONAL]
        if not parts:
            return None
        return shapely.union_all(parts) if len(parts) > 1 else parts[0]
    return None


def _linear(g: shapely.Geometry | None) -> shapely.Geometry | None:
    """The line parts of a geometry collection as one (Multi)LineString, None when it has none."""
    parts = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) in _LINEAR] if g is not None else []
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.multilinestrings(parts)


def shape_for_layer(geoms: np.ndarray, schema: LayerSchema, *, missing_ok: bool | np.ndarray = False) -> Shaped:
    """Check and shape geometries for `schema` (already in WGS-84). Rows with errors get None.

    `missing_ok` (one flag, or one per row): a row without geometry is not an error here — a table of buildings
    matched by code, or a row whose coordinates were already reported as unreadable.
    """
    return shape_geometries(geoms, schema.geometry or "point", keep_footprint="footprint" in schema.names,
                            missing_ok=missing_ok)


def shape_geometries(geoms: np.ndarray, family: str, *, keep_footprint: bool = False,
                     missing_ok: bool | np.ndarray = False) -> Shaped:
    """`family` "polygon": (Multi)Polygons, repaired when safe. "line": (Multi)LineStrings. "point": points;
    polygons become their representative point, kept as `footprint` when `keep_footprint`, else with a warning."""
    geoms = np.asarray(geoms, dtype=object).copy()
    n = len(geoms)
    issues: list[Issue] = []
    missing = pd.isna(pd.Series(geoms, dtype=object)).to_numpy()
    report = missing & ~np.broadcast_to(np.asarray(missing_ok, dtype=bool), (n,))
    if report.any():
        issues.append(Issue.where(report, ERROR, "缺少几何（坐标）", "geometry (coordinates) missing", "geometry"))
    present = ~missing
    if present.any():
        geoms[present] = shapely.force_2d(geoms[present].astype(object))
    empty = present & shapely.is_empty(np.where(present, geoms, None))
    if empty.any():
        issues.append(Issue.where(empty, ERROR, "几何为空", "empty geometry", "geometry"))
        geoms[empty] = None
    ok = present & ~empty
    types = np.full(n, -1)
    types[ok] = shapely.get_type_id(geoms[ok])
    # geometry collections: keep their polygons (GIS exports of dissolved units sometimes produce them), or their
    # lines for a line layer
    for i in np.flatnonzero(ok & (types == 7)):
        part = _linear(geoms[i]) if family == "line" else _polygonal(geoms[i])
        if part is not None:
            geoms[i], types[i] = part, shapely.get_type_id(part)

    polygonal = ok & np.isin(types, _POLYGONAL)
    footprint = None
    if family == "line":
        ring = ok & (types == 2)
        if ring.any():
            coords, owner = shapely.get_coordinates(geoms[ring].astype(object), return_index=True)
            geoms[ring] = shapely.linestrings(coords, indices=owner)
            types[ring] = 1
        # a MultiLineString of one line is a line: GeoPackage and Shapefile writers turn every line of a mixed layer
        # into one, and reading it back must not change the road
        single = np.zeros(n, dtype=bool)
        single[ok] = (types[ok] == 5) & (shapely.get_num_geometries(geoms[ok].astype(object)) == 1)
        if single.any():
            geoms[single] = shapely.get_geometry(geoms[single].astype(object), 0)
            types[single] = 1
        wrong = ok & ~np.isin(types, _LINEAR)
        _type_issue(issues, geoms, wrong, "线（道路中心线）", "a line (road centre line)")
        geoms[wrong] = None
        line = ok & ~wrong
        flat = np.zeros(n, dtype=bool)
        flat[line] = shapely.length(geoms[line].astype(object)) <= 0
        if flat.any():
            issues.append(Issue.where(flat, ERROR, "线的长度为零（所有点重合）", "the line has zero length (all its "
                                      "points coincide)", "geometry"))
            geoms[flat] = None
    elif family == "polygon":
        wrong = ok & ~polygonal
        _type_issue(issues, geoms, wrong, "面（多边形）", "a polygon")
        geoms[wrong] = None
        _repair(issues, geoms, polygonal)
    else:
        # MultiPoint with one member is a point written by some exporters
        for i in np.flatnonzero(ok & (types == 4)):
            if shapely.get_num_geometries(geoms[i]) == 1:
                geoms[i], types[i] = shapely.get_geometry(geoms[i], 0), 0
        wrong = ok & ~polygonal & (types != 0)
        _type_issue(issues, geoms, wrong, "点", "a point")
        geoms[wrong] = None
        if polygonal.any():
            _repair(issues, geoms, polygonal)
            still = polygonal & (pd.Series(geoms, dtype=object).notna().to_numpy())
            if keep_footprint:
                footprint = np.full(n, None, dtype=object)
                footprint[still] = geoms[still]
            else:
                issues.append(Issue.where(still, WARNING, "给出的是面，已取其内部代表点作为位置",
                                          "a polygon was given; its representative point is used", "geometry"))
            geoms[still] = shapely.point_on_surface(geoms[still].astype(object))
    return Shaped(geoms, footprint, issues)


def _type_issue(issues: list[Issue], geoms: np.ndarray, wrong: np.ndarray, want_zh: str, want_en: str) -> None:
    if not wrong.any():
        return
    names = [_type_name(g) if g is not None else ("?", "?") for g in geoms]
    issues.append(Issue.where(wrong, ERROR, [f"应为{want_zh}，实际是{z}" for z, _ in names],
                              [f"must be {want_en}, got {e}" for _, e in names], "geometry"))


def _repair(issues: list[Issue], geoms: np.ndarray, polygonal: np.ndarray) -> None:
    """Repair invalid polygons in place where safe (warning); set the rest to None (error)."""
    idx = np.flatnonzero(polygonal)
    if not len(idx):
        return
    invalid = idx[~shapely.is_valid(geoms[idx].astype(object))]
    fixed_pos, fixed_zh, fixed_en, bad_pos, bad_zh, bad_en = [], [], [], [], [], []
    for i in invalid:
        reason = shapely.is_valid_reason(geoms[i])
        repaired, kept = repair_polygon(geoms[i])
        if repaired is not None:
            geoms[i] = repaired
            fixed_pos.append(i)
            fixed_zh.append(f"多边形无效（{_reason_zh(reason)}），已用 make_valid 自动修复，面积保留 {min(kept, 1):.0%}")
            fixed_en.append(f"invalid polygon ({reason}) repaired with make_valid; {min(kept, 1):.0%} of the area kept")
        else:
            geoms[i] = None
            bad_pos.append(i)
            bad_zh.append(f"多边形无效（{_reason_zh(reason)}），无法安全地自动修复，请在 GIS 软件中修正")
            bad_en.append(f"invalid polygon ({reason}) that cannot be repaired safely; fix it in a GIS program")
    if fixed_pos:
        issues.append(Issue(np.array(fixed_pos), WARNING, np.array(fixed_zh, dtype=object),
                            np.array(fixed_en, dtype=object), "geometry"))
    if bad_pos:
        issues.append(Issue(np.array(bad_pos), ERROR, np.array(bad_zh, dtype=object), np.array(bad_en, dtype=object),
                            "geometry"))
