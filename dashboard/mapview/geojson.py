"""Lean GeoJSON for the browser: simplified, quantised geometry and only the properties a layer reads.

Everything here is whole-column work on shapely 2 / numpy arrays; the per-row Python left is joining
integers into text and the `json.dumps` of each feature's small property dict. Outputs are compact JSON
*texts*, because that is what ends up in the page, and their byte length (`payload_size`) is the figure
that decides whether the wall map stays fluid (engineering-facts A1: 12.1k grids at 25 vertices are
10.7 MB; the target is < 1 MB for the ~1.5k communities at city zoom).

Polygons travel *packed* (the idea of TopoJSON's quantisation, without its arcs): coordinates as integers
of 1e-5° (≈ 1.1 m, below one screen pixel up to zoom 17), each ring's first point relative to a layer
origin and every further point as a delta from the previous one, the closing point dropped. A vertex then
costs ~9 characters instead of ~20, and no float formatting is involved (GEOS's GeoJSON writer prints
31.22058 as 31.220580000000002). `GW.unpack` in runtime.js rebuilds ordinary GeoJSON in the browser, so
Leaflet, tooltips and streamlit-folium's click reports see plain features.

Packed layout: {"o": [x0, y0], "s": 100000, "f": [[[type, coords], properties], ...]} with type 1 = Point
(coords = [dx, dy] from the origin), 3 = Polygon (coords = rings) or 6 = MultiPolygon (coords = polygons of
rings), a ring = flat [dx, dy, ...]. Points shrink the same way: ~25 bytes of GeoJSON boilerplate and two
floats become two short integers.
"""
from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyproj
import shapely

PRECISION_DECIMALS = 5


def check_wgs84(frame: Any) -> None:
    """Refuse frames in another CRS: Leaflet draws lon/lat, and a projected frame would land off the planet."""
    crs = getattr(frame, "crs", None)
    if crs is not None and not _is_wgs84(crs.srs):
        raise ValueError(f"map layers take EPSG:4326 frames, got {crs.to_string()}; call .to_crs(4326) first")


@functools.lru_cache(maxsize=64)
def _is_wgs84(srs: str) -> bool:
    """By the CRS's own text, looked up once: pyproj's `to_epsg()` searches its database on every call (34 ms
    per /explore open at the city, a quarter of the run), and every layer of every map run asked."""
    return pyproj.CRS(srs).to_epsg() == 4326


def tolerance_for_zoom(zoom: float, latitude: float = 30.0) -> float:
    """Half a screen pixel at web-mercator `zoom`, in degrees: simplifying by less than that is invisible."""
    return 0.5 * 360.0 / (256.0 * 2.0**zoom) * math.cos(math.radians(latitude))


def fit_zoom(bounds: Sequence[float], width_px: int = 1920, height_px: int = 1080) -> float:
    """The web-mercator zoom at which `bounds` = (west, south, east, north) fill a `width_px` × `height_px`
    map (Leaflet's fitBounds, unsnapped). The defaults are a wall screen: the largest map we draw."""
    west, south, east, north = (float(b) for b in bounds)

    def merc(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max(east - west, 1e-9) / 360.0
    dy = max(merc(north) - merc(south), 1e-9) / (2 * math.pi)
    return min(math.log2(width_px / 256.0 / dx), math.log2(height_px / 256.0 / dy))


def tolerances(levels: Sequence[int] | np.ndarray | None, n: int, by_level: Mapping[int, float],
               default: float = 0.0001) -> np.ndarray:
    """Simplification tolerance (degrees) per row from each row's unit level."""
    if levels is None:
        return np.full(n, default)
    return np.fromiter((by_level.get(int(lv), default) for lv in levels), dtype=float, count=n)


def lean_geometries(geoms: Any, tolerance: float | np.ndarray = 0.0) -> np.ndarray:
    """Simplify each geometry (Douglas-Peucker), redoing topology-preserving only where that broke one.

    Plain Douglas-Peucker is ~10× faster than GEOS's topology-preserving simplifier (12k grids: 0.05 s vs
    0.45 s) but can collapse a small polygon or make it self-intersect; those few are simplified again with
    `preserve_topology=True`. Neither keeps the shared edge of two neighbours identical (that needs a
    TopoJSON-style arc split, which is not cheap); at half-pixel tolerances the slivers are invisible.
    Rounding happens when packing.
    """
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    tol = np.broadcast_to(np.asarray(tolerance, dtype=float), arr.shape)
    if not np.any(tol > 0):
        return arr
    out = shapely.simplify(arr, tol, preserve_topology=False)
    broken = (shapely.is_empty(out) | ~shapely.is_valid(out)) & ~shapely.is_empty(arr) & ~shapely.is_missing(arr)
    if broken.any():
        out[broken] = shapely.simplify(arr[broken], tol[broken], preserve_topology=True)
    return out


def representative_points(geoms: Any, decimals: int = PRECISION_DECIMALS) -> np.ndarray:
    """(N, 2) lon/lat of a point inside each polygon, for labels (a centroid can fall outside a concave or
    multi-part unit); NaN for missing or empty geometries."""
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    out = np.full((len(arr), 2), np.nan)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if ok.any():
        out[ok] = shapely.get_coordinates(shapely.point_on_surface(arr[ok]))
    return np.rint(out * 10**decimals) / 10**decimals


def dumps(obj: Any) -> str:
    """Compact JSON, UTF-8 text kept as is (Chinese names: 3 bytes each instead of 6 as \\u escapes)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def packed_polygons(geoms: Any, properties: Sequence[Mapping[str, Any]],
                    decimals: int = PRECISION_DECIMALS) -> str:
    """Packed FeatureCollection text (see module doc) of (Multi)Polygons with one property dict each.

    Rows whose geometry is missing, empty or not polygonal are left out.
    """
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    if len(arr) != len(properties):
        raise ValueError(f"{len(arr)} geometries but {len(properties)} property rows")
    type_ids = shapely.get_type_id(arr)
    keep = np.flatnonzero(((type_ids == 3) | (type_ids == 6)) & ~shapely.is_empty(arr))
    scale = 10**decimals
    if keep.size == 0:
        return '{"o":[0,0],"s":' + str(scale) + ',"f":[]}'

    _, coords, offsets = shapely.to_ragged_array(arr[keep])
    if len(offsets) == 3:  # some MultiPolygons: everything comes promoted to MultiPolygon
        ring_off, poly_off, geom_off = offsets
    else:  # only Polygons: one polygon per geometry
        ring_off, poly_off = offsets
        geom_off = np.arange(len(keep) + 1)
    ints = np.rint(coords * scale).astype(np.int64)
    origin = ints.min(axis=0)
    deltas = np.empty_like(ints)
    deltas[1:] = ints[1:] - ints[:-1]
    starts, ends = ring_off[:-1], ring_off[1:]
    deltas[starts] = ints[starts] - origin
    # drop each ring's closing point (it repeats the first); the browser closes rings again
    keep_pt = np.ones(len(ints), dtype=bool)
    keep_pt[ends - 1] = False
    flat = deltas[keep_pt].ravel()
    ring_len = 2 * (ends - starts - 1)
    ring_end = np.cumsum(ring_len)
    ring_start = ring_end - ring_len

    numbers = list(map(str, flat.tolist()))
    rings = [",".join(numbers[a:b]) for a, b in zip(ring_start.tolist(), ring_end.tolist())]
    polys = ["[[" + "],[".join(rings[a:b]) + "]]" for a, b in zip(poly_off[:-1].tolist(), poly_off[1:].tolist())]
    parts = []
    for row, a, b in zip(keep.tolist(), geom_off[:-1].tolist(), geom_off[1:].tolist()):
        geom = "[3," + polys[a] + "]" if b - a == 1 else "[6,[" + ",".join(polys[a:b]) + "]]"
        parts.append("[" + geom + "," + dumps(properties[row]) + "]")
    return '{"o":[' + f"{origin[0]},{origin[1]}" + '],"s":' + str(scale) + ',"f":[' + ",".join(parts) + "]}"


def packed_points(xy: np.ndarray, properties: Sequence[Mapping[str, Any]],
                  decimals: int = PRECISION_DECIMALS) -> str:
    """Packed FeatureCollection text of points (type 1, coords = [dx, dy] from the origin) from an (N, 2)
    lon/lat array; rows with NaN coordinates are left out."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) != len(properties):
        raise ValueError(f"{len(xy)} points but {len(properties)} property rows")
    scale = 10**decimals
    ok = ~np.isnan(xy).any(axis=1)
    if not ok.any():
        return '{"o":[0,0],"s":' + str(scale) + ',"f":[]}'
    ints = np.zeros((len(xy), 2), dtype=np.int64)
    ints[ok] = np.rint(xy[ok] * scale).astype(np.int64)
    origin = ints[ok].min(axis=0)
    rel = (ints - origin).tolist()
    parts = [
        "[[1,[" + f"{dx},{dy}" + "]]," + dumps(p) + "]"
        for (dx, dy), p, k in zip(rel, properties, ok.tolist())
        if k
    ]
    return '{"o":[' + f"{origin[0]},{origin[1]}" + '],"s":' + str(scale) + ',"f":[' + ",".join(parts) + "]}"


def unpack(text: str) -> dict:
    """A packed polygon text back to a GeoJSON FeatureCollection dict (what GW.unpack does in the browser;
    for tests and for anyone who wants to look at a payload)."""
    data = json.loads(text)
    if "f" not in data:
        return data
    ox, oy = data["o"]
    s = data["s"]

    def ring(flat: list[int]) -> list[list[float]]:
        xs = np.cumsum([ox] + flat[0::2])[1:]
        ys = np.cumsum([oy] + flat[1::2])[1:]
        pts = [[x / s, y / s] for x, y in zip(xs.tolist(), ys.tolist())]
        return pts + pts[:1]

    feats = []
    for (kind, coords), props in data["f"]:
        if kind == 1:
            geom = {"type": "Point", "coordinates": [(ox + coords[0]) / s, (oy + coords[1]) / s]}
        elif kind == 3:
            geom = {"type": "Polygon", "coordinates": [ring(r) for r in coords]}
        else:
            geom = {"type": "MultiPolygon", "coordinates": [[ring(r) for r in p] for p in coords]}
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": feats}


def payload_size(text: str) -> int:
    """Bytes the browser receives for this text (UTF-8, before any transport compression)."""
    return len(text.encode("utf-8"))


def script_safe(text: str) -> str:
    """JSON text made safe to sit inside a <script> element.

    `<` and `>` become \\u003c/\\u003e (the same JSON string values), so data can never close the script
    (`</script>`) or open a comment; U+2028/2029 are escaped for older JS engines. `&` is left alone: it
    means nothing inside a script.
    """
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def compact_properties(records: Sequence[Mapping[str, Any]], drop: Callable[[Any], bool] | None = None) -> list[dict]:
    """Drop keys whose value is missing (None/NaN/"", or a list of only those): the browser shows "—"."""
    drop = drop or _is_blank
    return [{k: v for k, v in r.items() if not drop(v)} for r in records]


def _is_blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and v != v:
        return True
    if isinstance(v, str) and v == "":
        return True
    if isinstance(v, (list, tuple)) and all(_is_blank(x) for x in v):
        return True
    return False
