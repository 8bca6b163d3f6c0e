"""Coordinate systems at the import boundary: WGS-84 ⇄ GCJ-02 ⇄ BD-09, EPSG codes, and sanity checks.

Everything we store is WGS-84 (EPSG:4326, see docs/architecture.md). Chinese web maps publish coordinates in
GCJ-02 (国测局 "火星坐标", Amap/Tencent) or BD-09 (Baidu); neither is a PROJ CRS, so pyproj cannot convert them.
The formulas below are the widely published ones (Krasovsky 1940 ellipsoid constants; the same as in
PRCoords/eviltransform/coordtransform). They are only defined inside China's rough bounding box: outside it the
standard algorithm leaves coordinates unchanged, and so do we.

All conversions are vectorised over numpy arrays (scalars work too).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

# Krasovsky 1940 semi-major axis and eccentricity squared, as used by the GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323
# BD-09 constant: pi * 3000 / 180.
_X_PI = np.pi * 3000.0 / 180.0

#: where the GCJ-02 offset is applied by the standard algorithm (lon_min, lat_min, lon_max, lat_max)
GCJ_EXTENT = (72.004, 0.8293, 137.8347, 55.8271)
#: where data for a Chinese city can possibly be (lon 73–136, lat 3–54): outside means a wrong CRS or swapped axes
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)

#: named systems `to_wgs84` accepts besides EPSG codes
GCJ02 = "gcj02"
BD09 = "bd09"
_ALIASES = {
    "wgs84": "EPSG:4326", "wgs-84": "EPSG:4326", "wgs 84": "EPSG:4326", "gps": "EPSG:4326",
    # CGCS2000 and WGS-84 differ by centimetres: irrelevant on a map, so no datum shift is applied.
    "cgcs2000": "EPSG:4326", "cgcs-2000": "EPSG:4326", "epsg:4490": "EPSG:4326", "4490": "EPSG:4326",
    "国家2000": "EPSG:4326", "2000国家大地坐标系": "EPSG:4326",
    "gcj02": GCJ02, "gcj-02": GCJ02, "gcj": GCJ02, "火星": GCJ02, "火星坐标": GCJ02, "高德": GCJ02, "amap": GCJ02,
    "腾讯": GCJ02, "tencent": GCJ02, "国测局": GCJ02,
    "bd09": BD09, "bd-09": BD09, "bd09ll": BD09, "baidu": BD09, "百度": BD09,
}


def _in_gcj_extent(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = GCJ_EXTENT
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def _transform_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _in_gcj_extent(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 → GCJ-02 (the forward obfuscation; exact by definition)."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, *, tolerance: float = 1e-9, max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS-84 by fixed-point iteration: find w with wgs84_to_gcj02(w) == g.

    The offset varies slowly (hundreds of metres over hundreds of kilometres), so each step gains several
    digits; 1e-9° (0.1 mm) is reached in 3–5 iterations.
    """
    g_lon, g_lat = _arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        c_lon, c_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = c_lon - g_lon, c_lat - g_lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        err = np.nanmax(np.abs(np.concatenate([np.ravel(e_lon), np.ravel(e_lat)])), initial=0.0)
        if err < tolerance:
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (Baidu's published forward formula)."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat, *, tolerance: float = 1e-9, max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02: the published closed-form inverse (≈1e-6° off), refined by fixed-point iteration."""
    b_lon, b_lat = _arrays(lon, lat)
    x, y = b_lon - 0.0065, b_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(max_iter):
        c_lon, c_lat = gcj02_to_bd09(g_lon, g_lat)
        e_lon, e_lat = c_lon - b_lon, c_lat - b_lat
        g_lon, g_lat = g_lon - e_lon, g_lat - e_lat
        if np.nanmax(np.abs(np.concatenate([np.ravel(e_lon), np.ravel(e_lat)])), initial=0.0) < tolerance:
            break
    return g_lon, g_lat


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres (haversine on a 6,371 km sphere: enough for offsets and checks)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype="float64")) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(a))


# ---------------------------------------------------------------------------------------------------------
# named systems and GeoDataFrames


def parse_source(source: str | int | CRS) -> str | CRS:
    """'gcj02' / 'bd09', or a pyproj CRS for anything else ('EPSG:4547', 4547, 'wgs84', 'cgcs2000', WKT…).

    CGCS2000 (EPSG:4490) is returned as EPSG:4326 on purpose: the two agree to centimetres.
    Raises ValueError with a bilingual message when the text names no known system.
    """
    if isinstance(source, CRS):
        return CRS.from_epsg(4326) if source.to_epsg() == 4490 else source
    text = str(source).strip()
    named = _ALIASES.get(text.lower().replace("_", "-"))
    if named in (GCJ02, BD09):
        return named
    try:
        crs = CRS.from_user_input(named or (int(text) if text.isdigit() else text))
    except CRSError as exc:
        raise ValueError(
            f"无法识别的坐标系“{text}”（可用：EPSG:xxxx、wgs84、cgcs2000、gcj02、bd09） / "
            f"unknown coordinate system {text!r} (use EPSG:xxxx, wgs84, cgcs2000, gcj02 or bd09): {exc}"
        ) from None
    return CRS.from_epsg(4326) if crs.to_epsg() == 4490 else crs


def source_label(source: str | CRS | None) -> str | None:
    """A short name for reports: 'gcj02', 'bd09', 'EPSG:4547', or the CRS name when it has no EPSG code."""
    if source is None or isinstance(source, str):
        return source
    epsg = source.to_epsg()
    return f"EPSG:{epsg}" if epsg else source.name


def is_geographic(source: str | CRS | None) -> bool:
    """True for lon/lat systems (GCJ-02 and BD-09 included), and for an unknown system (assumed WGS-84)."""
    return source is None or isinstance(source, str) or bool(source.is_geographic)


def _convert_geoms(geoms: np.ndarray, fn) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(fn(xy[:, 0], xy[:, 1])))


def to_wgs84(gdf: gpd.GeoDataFrame, source: str | int | CRS | None = None) -> gpd.GeoDataFrame:
    """Return `gdf` in EPSG:4326. `source` names the system of its coordinates and overrides `gdf.crs`:
    'EPSG:nnnn', 'wgs84', 'cgcs2000' (= EPSG:4490, taken as 4326), 'gcj02', 'bd09'. With neither, the data are
    assumed to be WGS-84 already (run `check_extent` to find out whether that is plausible).

    Every geometry column (e.g. a building's footprint next to its point) is converted.
    """
    parsed = parse_source(source) if source is not None else (gdf.crs or CRS.from_epsg(4326))
    out = gdf.copy()
    geo_cols = [c for c in out.columns if isinstance(out[c].dtype, gpd.array.GeometryDtype)]
    for col in geo_cols:
        series = out[col]
        if parsed == GCJ02:
            out[col] = gpd.GeoSeries(_convert_geoms(series.values, gcj02_to_wgs84), index=series.index, crs=4326)
        elif parsed == BD09:
            out[col] = gpd.GeoSeries(_convert_geoms(series.values, bd09_to_wgs84), index=series.index, crs=4326)
        else:
            crs = parsed if isinstance(parsed, CRS) else CRS.from_user_input(parsed)
            series = series.set_crs(crs, allow_override=True)
            out[col] = series if crs.to_epsg() == 4326 else series.to_crs(4326)
    return out


# ---------------------------------------------------------------------------------------------------------
# sanity checks


@dataclass
class ExtentCheck:
    """Where coordinates fall relative to China, per row (boolean arrays of equal length)."""

    inside: np.ndarray
    swapped: np.ndarray  # outside, but inside once lon and lat are exchanged
    projected: np.ndarray  # |x| > 180 or |y| > 90: metres, not degrees
    outside: np.ndarray  # none of the above: simply not in China
    projected_guesses: list[str] = field(default_factory=list)

    def messages(self) -> list[tuple[str, str]]:
        """One (zh, en) warning per kind of trouble found, with counts."""
        out = []
        n = len(self.inside)
        if self.swapped.any():
            k = int(self.swapped.sum())
            out.append((f"{k}/{n} 个坐标经纬度颠倒（交换后落在中国境内）",
                        f"{k} of {n} coordinates have longitude and latitude swapped (inside China once exchanged)"))
        if self.projected.any():
            k = int(self.projected.sum())
            hint_zh = f"，可能是 {'、'.join(self.projected_guesses)}" if self.projected_guesses else ""
            hint_en = f"; perhaps {', '.join(self.projected_guesses)}" if self.projected_guesses else ""
            out.append((f"{k}/{n} 个坐标是投影坐标（米）而不是经纬度，但没有给出坐标系（--crs）{hint_zh}",
                        f"{k} of {n} coordinates are projected (metres), not degrees, and no CRS was given "
                        f"(--crs){hint_en}"))
        if self.outside.any():
            k = int(self.outside.sum())
            out.append((f"{k}/{n} 个坐标不在中国范围内（经度 73–136，纬度 3–54）",
                        f"{k} of {n} coordinates lie outside China (lon 73–136, lat 3–54)"))
        return out


def in_china(x, y) -> np.ndarray:
    x0, y0, x1, y1 = CHINA_BOUNDS
    x, y = _arrays(x, y)
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def check_extent(x, y) -> ExtentCheck:
    """Classify coordinates that are supposed to be lon/lat degrees somewhere in China.

    NaN coordinates count as none of the kinds (the caller reports them as missing).
    """
    x, y = _arrays(x, y)
    known = np.isfinite(x) & np.isfinite(y)
    inside = known & in_china(x, y)
    swapped = known & ~inside & in_china(y, x)
    projected = known & ~inside & ~swapped & ((np.abs(x) > 180) | (np.abs(y) > 90))
    outside = known & ~inside & ~projected & ~swapped
    guesses = guess_projected_crs(x[projected], y[projected]) if projected.any() else []
    return ExtentCheck(inside, swapped, projected, outside, guesses)


def guess_projected_crs(x, y) -> list[str]:
    """EPSG codes that would put these projected coordinates inside China, most likely first.

    Chinese survey data are mostly CGCS2000 Gauss-Krüger: with the zone number prefixed to the easting
    (38,500,000 → 3° zone 38 = EPSG:4538; 20,500,000 → 6° zone 20) the zone is certain; without it
    (easting ~500,000) the central meridian cannot be told from the numbers, so we only say so.
    Web Mercator (EPSG:3857) comes from web-map exports.
    """
    x, y = _arrays(x, y)
    if x.size == 0:
        return []
    mx, my = float(np.nanmedian(x)), float(np.nanmedian(y))
    candidates: list[int] = []
    zone = int(mx // 1_000_000)
    if 25 <= zone <= 45:
        candidates.append(4513 + zone - 25)  # CGCS2000 / 3-degree Gauss-Kruger zone 25..45
    if 13 <= zone <= 23:
        candidates.append(4491 + zone - 13)  # CGCS2000 / Gauss-Kruger zone 13..23
    candidates.append(3857)
    from pyproj import Transformer

    out = []
    for code in candidates:
        lon, lat = Transformer.from_crs(code, 4326, always_xy=True).transform(mx, my)
        if bool(in_china(lon, lat)):
            out.append(f"EPSG:{code}")
    if not out and 100_000 <= mx <= 900_000 and 300_000 <= my <= 6_100_000:
        out.append("EPSG:4534–4554")  # 3-degree GK named by central meridian: which one, the numbers cannot say
    return out


def diagnose_shift(lon, lat, ref_lon, ref_lat) -> str | None:
    """Compare imported points with the stored WGS-84 positions of the same objects (e.g. buildings matched by
    code): 'gcj02' or 'bd09' when converting from that system brings them clearly closer, else None.

    A GCJ-02 offset is 100–700 m in a consistent direction; a median error that drops by more than half and
    below 50 m after conversion is not chance.
    """
    lon, lat = _arrays(lon, lat)
    ref_lon, ref_lat = _arrays(ref_lon, ref_lat)
    ok = np.isfinite(lon) & np.isfinite(lat) & np.isfinite(ref_lon) & np.isfinite(ref_lat)
    if not ok.any():
        return None
    lon, lat, ref_lon, ref_lat = lon[ok], lat[ok], ref_lon[ok], ref_lat[ok]
    now = float(np.median(distance_m(lon, lat, ref_lon, ref_lat)))
    best, best_err = None, now
    for name, fn in ((GCJ02, gcj02_to_wgs84), (BD09, bd09_to_wgs84)):
        err = float(np.median(distance_m(*fn(lon, lat), ref_lon, ref_lat)))
        if err < best_err:
            best, best_err = name, err
    if best is not None and best_err < 50 and best_err < now / 2:
        return best
    return None
