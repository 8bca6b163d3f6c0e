"""Which entrances, buildings and households each checkpoint watches, and which nobody does (issue 6).

An *area* (`load_area`) is a street or district with everything the checkpoint rules and the planner read: its
compounds with their control state and zone, communities with their situation, checkpoints (including the
district's police checkpoints standing inside it), buildings, natural villages and the week's roster.

Coverage: a staffed checkpoint (open, someone on duty: `geodata.checkpoints.rules.is_staffed`) covers every entrance,
building and natural village within `radius_m` of it. Distances are measured in a metric CRS (CGCS2000 3°
Gauss-Krüger, the zone of the area's central meridian: EPSG:4547 for Wuhan), as walking distance along roads
(`geodata.checkpoints.roadnet`) when the area has roads, else as straight lines; the "checkpoint_planning" setting
`distance: "straight"` forces straight lines for a city whose road data is not fit for it. Every result says
which distance it used (`Coverage.method`, `METHOD_LABELS`). Straight-line radius queries are one
`cKDTree.sparse_distance_matrix` per pair of layers (~10 ms for a 1,500-entrance street); walking ones one
chunked Dijkstra pass from the posts over the area's network (built once per area and kept with it).

Zones (domain file §2.1–§2.3, §8): a compound under 封锁/疫点 is *sealed* (rank 2), under 封闭管理 *controlled*
(rank 1); a community at situation rank 2/1 (S2/S1, or 封控区/管控区 in the national scheme) makes its compounds
sealed/controlled; everything else is *prevention* (rank 0). A drawn what-if zone raises the compounds and
entrances inside it to its rank. The ranks are named to people by the active map scheme (`zone_words`,
`Area.words`): the national zone words only when that scheme is chosen.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.spatial import cKDTree
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.base.vocab import Level
from geodata.checkpoints.roadnet import RoadNetwork, snap
from geodata.checkpoints.roadnet import nearest as walk_nearest
from geodata.checkpoints.roadnet import within as walk_within
from geodata.checkpoints.roads import ROAD_MARGIN_M, margin_for, no_roads, roads_near, walking_network
from geodata.checkpoints.rules import is_staffed, staffing_status
from geodata.situation.risk import scheme_legend, situation
from geodata.store.frames import WGS84, read_frame, wkb_sql
from geodata.store.hierarchy import path_upper_bound, unit_by_code
from geodata.store.models import Unit
from geodata.store.rules_config import DEFAULTS, get_setting

#: planning parameters (rules_config "checkpoint_planning"; changed through the audited set_setting).
#: [DERIVED] The seeds give no radius: 150 m is about what one post watches along a street; change per city.
PLANNING_DEFAULTS: dict[str, Any] = DEFAULTS["checkpoint_planning"]

#: the planner's zone ranks by a scheme-neutral code; how a rank is *named* to people is the active map scheme's
#: (`zone_words`): 防范区/管控区/封控区 are national words absent from the seeds (§2.1), shown only under that scheme
ZONE_CODES = {0: "prevention", 1: "controlled", 2: "sealed"}
#: compound control state → zone rank (§2.3)
STATE_ZONE = {"sealed": 2, "epidemic_spot": 2, "closed": 1}
METHOD_STRAIGHT = "straight"
METHOD_ROAD = "road"
#: how each distance is named to people (zh, en)
METHOD_LABELS = {METHOD_ROAD: ("沿道路步行距离", "walking distance along roads"),
                 METHOD_STRAIGHT: ("直线距离", "straight-line distance")}


@dataclass(frozen=True)
class ZoneWords:
    """How the planner names its zone ranks 0/1/2: the level names of a map scheme (rank order, lowest first).

    Under the "zones" scheme that is 防范区/管控区/封控区; under the seeds' ladder S0/S1/S2's own names (未发现病例/
    出现病例/社区传播), under "risk" 低/中/高风险 — never the national zone words when that scheme is not chosen
    (issue 14 point 5, domain file §2.1: the seeds have no 封控/管控/防范)."""

    scheme: str
    zh: tuple[str, str, str]
    en: tuple[str, str, str]

    def label(self, rank: int, lang: str = "zh") -> str:
        return (self.en if lang == "en" else self.zh)[int(rank)]

    def raised(self, lang: str = "zh") -> str:
        """The ranks the zone rule watches (2 and 1), highest first: "封控区/管控区", "社区传播/出现病例" …"""
        return f"{self.label(2, lang)}/{self.label(1, lang)}"


def zone_words(session: Session, scheme: str | None = None) -> ZoneWords:
    """The planner's zone labels for the active (or the named) map scheme — the one place pages and rule texts
    ask (geodata.situation.risk.scheme_legend holds the scheme's levels)."""
    zh = tuple(lab for _, lab, _ in scheme_legend(session, scheme, "zh"))
    en = tuple(lab for _, lab, _ in scheme_legend(session, scheme, "en"))
    return ZoneWords(scheme or get_setting(session, "schemes")["active"], zh, en)  # type: ignore[arg-type]


#: until an area is read from a database: the seeds' ladder, the default scheme (geodata.store.rules_config)
SEED_WORDS = ZoneWords("seeds", *(tuple(DEFAULTS["schemes"]["available"]["seeds"]["levels"][r][lang]
                                        for r in ("0", "1", "2")) for lang in ("zh", "en")))


def planning_setting(session: Session) -> dict[str, Any]:
    return {**PLANNING_DEFAULTS, **get_setting(session, "checkpoint_planning")}


# --- metric coordinates -------------------------------------------------------------------------------------


def metric_epsg(lon: float) -> int:
    """CGCS2000 3° Gauss-Krüger CM zone for a longitude: EPSG:4534 (CM 75°E) … 4554 (CM 135°E)."""
    return int(np.clip(4534 + round((float(lon) - 75.0) / 3.0), 4534, 4554))


@lru_cache(maxsize=8)
def _transformer(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(WGS84, f"EPSG:{epsg}", always_xy=True)


def metric_xy(lon: Any, lat: Any, epsg: int) -> np.ndarray:
    """(n, 2) metres in EPSG:`epsg` for WGS-84 lon/lat arrays."""
    x, y = _transformer(epsg).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def within_radius(src: np.ndarray, dst: np.ndarray, radius_m: float) -> sparse.csr_matrix:
    """Boolean (len(src) × len(dst)) sparse matrix: True where the points are at most `radius_m` apart."""
    if len(src) == 0 or len(dst) == 0:
        return sparse.csr_matrix((len(src), len(dst)), dtype=bool)
    pairs = cKDTree(src).sparse_distance_matrix(cKDTree(dst), float(radius_m), output_type="ndarray")
    # ndarray output keeps zero distances (a post standing on the entrance), which sparse formats would drop
    return sparse.csr_matrix((np.ones(len(pairs), dtype=bool), (pairs["i"], pairs["j"])),
                             shape=(len(src), len(dst)))


def nearest(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each dst point, the index of the nearest src point and its distance (−1 / inf when src is empty)."""
    if len(src) == 0:
        return np.full(len(dst), -1), np.full(len(dst), np.inf)
    dist, idx = cKDTree(src).query(dst)
    return np.asarray(idx), np.asarray(dist)


# --- the area -----------------------------------------------------------------------------------------------


@dataclass
class Area:
    """Everything the checkpoint rules and the planner read for one street/district, as frames (WGS-84)."""

    code: str
    name: str
    level: int
    path: str
    geom: shapely.Geometry
    on: dt.date
    epsg: int
    norms: dict[str, Any]
    communities: gpd.GeoDataFrame
    compounds: gpd.GeoDataFrame
    checkpoints: gpd.GeoDataFrame
    buildings: pd.DataFrame
    shifts: pd.DataFrame
    zones: list[tuple[shapely.Geometry, int]] = field(default_factory=list)  # drawn what-if zones
    planning: dict[str, Any] = field(default_factory=dict)  # the "checkpoint_planning" setting
    roads: gpd.GeoDataFrame = field(default_factory=no_roads)  # in and `road_margin_m` around the area
    road_margin_m: float = ROAD_MARGIN_M  # walks up to twice this are exact (geodata.checkpoints.roads)
    # the walking network, built on first use; `replace` hands the same dict to every what-if copy of the area
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    words: ZoneWords = SEED_WORDS  # how its zone ranks are named: the active map scheme's (`zone_words`)

    def with_checkpoints(self, checkpoints: pd.DataFrame) -> "Area":
        return replace(self, checkpoints=checkpoints)

    def with_zone(self, geom: shapely.Geometry | None, rank: int = 1) -> "Area":
        """The area with a drawn zone (WGS-84 polygon) raising what lies inside to `rank` (what-if)."""
        if geom is None or geom.is_empty:
            return self
        return replace(self, zones=[*self.zones, (geom, int(rank))])


CHECKPOINT_SQL = ("SELECT c.id, c.code, c.name, c.kind, c.status, c.is_24h, c.staff_day, c.staff_night, "
                  "c.leader_name, c.leader_phone, c.lon, c.lat, c.path, c.version, u.code AS unit_code "
                  "FROM checkpoints c JOIN units u ON u.id = c.unit_id ")


def load_area(session: Session, code: str, on: dt.date | None = None, *, days: int | None = None,
              radius_m: float | None = None) -> Area:
    """Read a street or district (or any unit) for checkpoint planning; `on` is the roster's first day.

    Roads are read far enough around it for walks of `radius_m` (default: the city's planning radius)."""
    on = on or dt.date.today()
    unit = unit_by_code(session, code)
    days = days or int(planning_setting(session)["roster_days"])
    conn = session.connection()
    rng = {"lo": unit.path, "hi": path_upper_bound(unit.path)}
    epsg = metric_epsg(unit.label_lon)

    units = read_frame(session, (
        f"SELECT id, code, name, level, kind, path, control_state, control_basis, households, population, "
        f"label_lon AS lon, "
        f"label_lat AS lat, {wkb_sql(session, 'geom')} AS geom FROM units "
        f"WHERE path >= :lo AND path < :hi AND level IN (:comm, :comp) ORDER BY code"),
        {**rng, "comm": int(Level.COMMUNITY), "comp": int(Level.COMPOUND)})
    comms = units[units["level"] == Level.COMMUNITY].copy()
    comps = units[units["level"] == Level.COMPOUND].copy()

    sit = situation(session, [int(i) for i in comms["id"]], on=on) if len(comms) else pd.DataFrame(
        columns=["unit_id", "rank", "level_code", "label_zh", "label_en", "colour"])
    comms = comms.merge(sit[["unit_id", "rank", "level_code", "label_zh", "label_en", "colour"]].rename(
        columns={"unit_id": "id", "rank": "situation_rank", "level_code": "situation_code",
                 "label_zh": "situation_label_zh", "label_en": "situation_label_en",
                 "colour": "situation_color"}), on="id", how="left")
    comms["situation_rank"] = comms["situation_rank"].fillna(0).astype(np.int64)
    comm_depth = int(Level.COMMUNITY) - 1
    comps["community_id"] = comps["path"].str.strip("/").str.split("/").map(
        lambda p: int(p[comm_depth]) if len(p) > comm_depth else -1)
    comps = comps.merge(comms[["id", "code", "situation_rank"]].rename(
        columns={"id": "community_id", "code": "community_code", "situation_rank": "community_rank"}),
        on="community_id", how="left")
    comps["community_rank"] = comps["community_rank"].fillna(0).astype(np.int64)
    comps["state_rank"] = comps["control_state"].map(STATE_ZONE).fillna(0).astype(np.int64)
    comps = gpd.GeoDataFrame(comps, geometry="geometry", crs=WGS84)

    cps = pd.read_sql_query(text(CHECKPOINT_SQL + "WHERE c.path >= :lo AND c.path < :hi"), conn, params=rng)
    # police checkpoints hang on the district (or city) but stand inside a street: take those inside the area
    above = _ancestor_paths(unit.path)
    if above:
        ph = {f"p{i}": p for i, p in enumerate(above)}
        outer = pd.read_sql_query(text(
            CHECKPOINT_SQL + f"WHERE c.path IN ({', '.join(':' + k for k in ph)}) "
            "AND c.lon >= :minx AND c.lon <= :maxx AND c.lat >= :miny AND c.lat <= :maxy"), conn,
            params={**ph, "minx": unit.minx, "maxx": unit.maxx, "miny": unit.miny, "maxy": unit.maxy})
        if len(outer):
            inside = shapely.covers(unit.geom, shapely.points(outer["lon"], outer["lat"]))
            cps = pd.concat([cps, outer[inside]], ignore_index=True)
    cps["is_24h"] = cps["is_24h"].astype(bool)
    cps = gpd.GeoDataFrame(cps, geometry=gpd.points_from_xy(cps["lon"], cps["lat"]), crs=WGS84)

    bl = pd.read_sql_query(text(
        "SELECT b.code, b.name, b.households, b.population, b.lon, b.lat, b.control_state, u.code AS compound_code "
        "FROM buildings b LEFT JOIN units u ON u.id = b.compound_id WHERE b.path >= :lo AND b.path < :hi"),
        conn, params=rng)
    bl["kind"] = "building"
    # natural villages have no buildings: the village itself (at its label point) stands for its households
    villages = comps[comps["households"].notna() & (comps["kind"] == "natural_village")]
    if len(villages):
        bl = pd.concat([bl, pd.DataFrame({
            "code": villages["code"], "name": villages["name"], "households": villages["households"],
            "population": villages["population"], "lon": villages["lon"], "lat": villages["lat"],
            "control_state": villages["control_state"], "compound_code": villages["code"],
            "kind": "natural_village"})], ignore_index=True)
    bl[["households", "population"]] = bl[["households", "population"]].fillna(0).astype(np.int64)

    shifts = load_shifts(session, cps["id"].tolist(), on, days)
    setting = planning_setting(session)
    margin = margin_for(radius_m or setting["radius_m"])
    roads = roads_near(session, (unit.minx, unit.miny, unit.maxx, unit.maxy), margin)
    return Area(code=unit.code, name=unit.name, level=unit.level, path=unit.path, geom=unit.geom, on=on, epsg=epsg,
                norms=get_setting(session, "staffing"), communities=comms, compounds=comps,
                checkpoints=cps, buildings=bl, shifts=shifts,
                planning=setting, roads=roads, road_margin_m=margin, words=zone_words(session))


def with_roads_for(session: Session, area: Area, radius_m: float) -> Area:
    """`area` with its roads read far enough around for walks of `radius_m` (itself when they already are)."""
    margin = margin_for(radius_m)
    if margin <= area.road_margin_m:
        return area
    b = area.geom.bounds
    return replace(area, roads=roads_near(session, b, margin), road_margin_m=margin, cache={})


def _ancestor_paths(path: str) -> list[str]:
    ids = path.strip("/").split("/")
    return ["/" + "/".join(ids[:k]) + "/" for k in range(1, len(ids))]


def load_shifts(session: Session, checkpoint_ids: list[int], start: dt.date, days: int) -> pd.DataFrame:
    """Shifts of these checkpoints from `start` for `days` days: checkpoint_code, on_date, shift, staff, leader."""
    cols = ["checkpoint_code", "on_date", "shift", "staff", "leader_name"]
    if not checkpoint_ids:
        return pd.DataFrame(columns=cols)
    end = start + dt.timedelta(days=days - 1)
    frames = []
    for i in range(0, len(checkpoint_ids), 900):  # SQLite's bound-parameter limit
        chunk = {f"c{k}": int(v) for k, v in enumerate(checkpoint_ids[i:i + 900])}
        marks = ", ".join(":" + k for k in chunk)
        frames.append(pd.read_sql_query(text(
            "SELECT c.code AS checkpoint_code, s.on_date, s.shift, s.staff, s.leader_name FROM shifts s "
            f"JOIN checkpoints c ON c.id = s.checkpoint_id WHERE s.checkpoint_id IN ({marks}) "
            "AND s.on_date >= :lo AND s.on_date <= :hi"), session.connection(),
            params={**chunk, "lo": start, "hi": end}))
    out = pd.concat(frames, ignore_index=True)
    out["on_date"] = pd.to_datetime(out["on_date"]).dt.date
    return out[cols]


# --- zones --------------------------------------------------------------------------------------------------


def compound_zones(area: Area) -> pd.Series:
    """Zone rank (0 prevention, 1 controlled, 2 sealed) of each compound, by compound code."""
    comps = area.compounds
    rank = np.maximum(comps["state_rank"].to_numpy(), comps["community_rank"].to_numpy())
    for geom, zr in area.zones:
        hit = shapely.intersects(np.asarray(comps.geometry.values, dtype=object), geom)
        rank = np.where(hit, np.maximum(rank, zr), rank)
    return pd.Series(rank.astype(np.int64), index=comps["code"].to_numpy(), name="zone_rank")


def entrances(area: Area, checkpoints: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open compound entrances with the zone rank of where they are (compound, community, drawn zone)."""
    cps = area.checkpoints if checkpoints is None else checkpoints
    ent = cps[(cps["kind"] == "compound_entrance") & (cps["status"] == "open")].reset_index(drop=True)
    zones = compound_zones(area)
    rank = ent["unit_code"].map(zones).fillna(0).to_numpy(dtype=np.int64)
    if area.zones and len(ent):
        pts = shapely.points(ent["lon"].to_numpy(float), ent["lat"].to_numpy(float))
        for geom, zr in area.zones:
            rank = np.where(shapely.covers(geom, pts), np.maximum(rank, zr), rank)
    return ent.assign(zone_rank=rank)


# --- distances ----------------------------------------------------------------------------------------------


def roads_inside(area: Area) -> int:
    """How many of the area's roads touch the area itself (the others are its surroundings, read for walks that
    leave it and come back)."""
    if not len(area.roads):
        return 0
    shapely.prepare(area.geom)
    return int(shapely.intersects(np.asarray(area.roads.geometry.values, dtype=object), area.geom).sum())


def distance_method(area: Area) -> str:
    """METHOD_ROAD when the area has roads of its own and the city has not asked for straight lines, else
    METHOD_STRAIGHT. Roads only around it (a neighbour's, imported street by street) do not count: its own
    points would all be walked to a road outside it."""
    wanted = (area.planning or {}).get("distance", PLANNING_DEFAULTS.get("distance", METHOD_ROAD))
    return METHOD_ROAD if wanted == METHOD_ROAD and roads_inside(area) else METHOD_STRAIGHT


def method_label(method: str, lang: str = "zh") -> str:
    zh, en = METHOD_LABELS[method]
    return en if lang == "en" else zh


def road_network(area: Area) -> RoadNetwork:
    """The area's walking network (metres in EPSG:`area.epsg`), built on first use and kept in `area.cache`."""
    net = area.cache.get("network")
    if net is None:
        net = walking_network(area.roads, lambda lon, lat: metric_xy(lon, lat, area.epsg))
        area.cache["network"] = net
    return net


def _metric(frame: pd.DataFrame, epsg: int) -> np.ndarray:
    return metric_xy(frame["lon"], frame["lat"], epsg) if len(frame) else np.empty((0, 2))


@dataclass
class Reach:
    """Which dst points each src point reaches within the radius, and by which distance (`method`)."""

    method: str
    within: list[sparse.csr_matrix]  # per dst frame: boolean (src × dst)
    nearest: list[tuple[np.ndarray, np.ndarray]]  # per dst frame: nearest src index (−1: none) and metres


def reach(area: Area, src: pd.DataFrame, dsts: Sequence[pd.DataFrame], radius_m: float, *,
          with_nearest: bool = False, method: str | None = None) -> Reach:
    """Points (frames with lon/lat) of `dsts` within `radius_m` of each `src` point, by the area's distance.

    Road distance snaps every point — stored ones and what-if points a supervisor draws alike — onto the area's
    network once and runs one search from the sources for all the dst frames."""
    method = method or distance_method(area)
    sxy = _metric(src, area.epsg)
    dxy = [_metric(d, area.epsg) for d in dsts]
    if method == METHOD_STRAIGHT:
        return Reach(method, [within_radius(sxy, d, radius_m) for d in dxy],
                     [nearest(sxy, d) for d in dxy] if with_nearest else [])
    if radius_m > 2 * area.road_margin_m:  # a walk could leave the roads read: the answer would be wrong
        raise ValueError(f"roads were read {area.road_margin_m:.0f} m around {area.code}; walks of {radius_m:.0f} m "
                         "need with_roads_for(session, area, radius_m) or load_area(..., radius_m=...)")
    snapped = snap(road_network(area), np.vstack([sxy, *dxy]))
    starts = np.cumsum([len(sxy)] + [len(d) for d in dxy])
    src_idx = np.arange(len(sxy))
    dst_idx = [np.arange(start, start + len(d)) for start, d in zip(starts, dxy)]
    return Reach(method, walk_within(snapped, src_idx, dst_idx, radius_m),
                 walk_nearest(snapped, src_idx, dst_idx, radius_m) if with_nearest else [])


# --- coverage -----------------------------------------------------------------------------------------------


@dataclass
class Coverage:
    """Who covers what at `radius_m`. Matrices are (staffed checkpoint × entrance / building)."""

    radius_m: float
    method: str
    epsg: int
    posts: pd.DataFrame  # staffed checkpoints, in matrix order
    entrances: pd.DataFrame  # open entrances + covered, n_posts, nearest_code, nearest_m, zone_rank
    buildings: pd.DataFrame  # buildings and natural villages + covered, nearest_code, nearest_m
    per_post: pd.DataFrame  # code, entrances, buildings, households, population
    post_entrance: sparse.csr_matrix
    post_building: sparse.csr_matrix

    @property
    def figures(self) -> dict[str, Any]:
        e, b = self.entrances, self.buildings
        in_zone = e["zone_rank"] >= 1
        return {
            "radius_m": self.radius_m, "method": self.method, "posts": int(len(self.posts)),
            "entrances_open": int(len(e)), "entrances_covered": int(e["covered"].sum()),
            "entrances_uncovered": int((~e["covered"]).sum()),
            "zone_entrances": int(in_zone.sum()),
            "zone_entrances_uncovered": int((in_zone & ~e["covered"]).sum()),
            "buildings": int((b["kind"] == "building").sum()),
            "buildings_covered": int((b["covered"] & (b["kind"] == "building")).sum()),
            "households": int(b["households"].sum()),
            "households_covered": int(b.loc[b["covered"], "households"].sum()),
            "population": int(b["population"].sum()),
            "population_covered": int(b.loc[b["covered"], "population"].sum()),
        }

    def covered_by(self, code: str) -> dict[str, list[str]]:
        """The entrance and building codes one staffed checkpoint covers, each list in code order (the rows come
        in the database's order, which a reused or vacuumed database changes)."""
        idx = np.flatnonzero(self.posts["code"].to_numpy() == code)
        if not idx.size:
            return {"entrances": [], "buildings": []}
        i = int(idx[0])
        return {"entrances": sorted(self.entrances["code"].to_numpy()[self.post_entrance[i].indices].tolist()),
                "buildings": sorted(self.buildings["code"].to_numpy()[self.post_building[i].indices].tolist())}


def coverage(area: Area, radius_m: float | None = None, checkpoints: pd.DataFrame | None = None) -> Coverage:
    """Coverage of the area's open entrances, buildings and households by its staffed checkpoints.

    `checkpoints`: a what-if frame instead of the stored ones (same columns as `area.checkpoints`).
    """
    radius = float(radius_m if radius_m is not None else PLANNING_DEFAULTS["radius_m"])
    if radius <= 0:
        raise ValueError(f"radius must be positive, got {radius}")
    cps = (area.checkpoints if checkpoints is None else checkpoints).reset_index(drop=True)
    posts = cps[is_staffed(cps, area.norms)].reset_index(drop=True) if len(cps) else cps
    ent = entrances(area, cps)
    bl = area.buildings.reset_index(drop=True)
    got = reach(area, posts, [ent, bl], radius, with_nearest=True)
    pe, pb = got.within
    (ie, de), (ib, db) = got.nearest
    n_e = np.asarray(pe.sum(axis=0)).ravel().astype(np.int64) if len(ent) else np.zeros(0, np.int64)
    n_b = np.asarray(pb.sum(axis=0)).ravel().astype(np.int64) if len(bl) else np.zeros(0, np.int64)
    codes = posts["code"].to_numpy(dtype=object) if len(posts) else np.array([], dtype=object)
    ent = ent.assign(covered=n_e > 0, n_posts=n_e,
                     nearest_code=np.where(ie >= 0, codes[np.maximum(ie, 0)] if len(codes) else None, None),
                     nearest_m=np.round(de, 1))
    bl = bl.assign(covered=n_b > 0, nearest_code=np.where(ib >= 0, codes[np.maximum(ib, 0)] if len(codes) else None,
                                                          None), nearest_m=np.round(db, 1))
    hh = bl["households"].to_numpy(dtype=np.int64)
    pop = bl["population"].to_numpy(dtype=np.int64)
    is_b = (bl["kind"] == "building").to_numpy()
    per_post = pd.DataFrame({
        "code": codes, "name": posts["name"].to_numpy() if len(posts) else [],
        "entrances": np.asarray(pe.sum(axis=1)).ravel().astype(np.int64),
        "buildings": (pb @ is_b.astype(np.int64)).astype(np.int64) if len(bl) else np.zeros(len(posts), np.int64),
        "households": (pb @ hh).astype(np.int64) if len(bl) else np.zeros(len(posts), np.int64),
        "population": (pb @ pop).astype(np.int64) if len(bl) else np.zeros(len(posts), np.int64),
    })
    return Coverage(radius, got.method, area.epsg, posts, ent, bl, per_post, pe, pb)


def with_staffing(checkpoints: pd.DataFrame, norms: dict[str, Any]) -> pd.DataFrame:
    """The frame with its `staffing` column (ok / under / unstaffed / closed) for the map."""
    if checkpoints.empty:
        return checkpoints.assign(staffing=pd.Series(dtype=object))
    return checkpoints.assign(staffing=staffing_status(checkpoints, norms).to_numpy())


def units_in(session: Session, scope_path: str | None, level: int) -> pd.DataFrame:
    """Units of `level` inside a scope (None = whole city): id, code, name, path — for the page's picker."""
    q = select(Unit.id, Unit.code, Unit.name, Unit.path).where(Unit.level == int(level))
    if scope_path:
        q = q.where(Unit.path >= scope_path, Unit.path < path_upper_bound(scope_path))
    return pd.DataFrame(session.execute(q.order_by(Unit.code)).all(), columns=["id", "code", "name", "path"])
