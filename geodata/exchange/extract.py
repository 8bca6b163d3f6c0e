"""Read layers back out as canonical layer frames (the inverse of `geodata.exchange.bulk.upsert_layer`).

Exports use it, so what leaves the system is what an import would accept: codes instead of ids, parents by
code, vocabulary codes, EPSG:4326.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geodata.base.layers import LAYERS
from geodata.base.vocab import UNIT_LAYERS, Level
from geodata.store.frames import WGS84, geometries, read_frame, wkb_sql
from geodata.store.hierarchy import path_ids, path_upper_bound, unit_by_code

PERSON_LEVEL_LAYERS = frozenset({"persons", "households", "observations", "cases"})


def _scope_sql(alias: str, scope_path: str | None) -> tuple[str, dict[str, str]]:
    if scope_path is None:
        return "", {}
    return (f" AND {alias}.path >= :lo AND {alias}.path < :hi",
            {"lo": scope_path, "hi": path_upper_bound(scope_path)})


def layer_frame(session: Session, layer: str, scope_code: str | None = None) -> pd.DataFrame:
    """Every row of `layer` under `scope_code` (whole city when None), canonical columns only."""
    scope_path = unit_by_code(session, scope_code).path if scope_code else None
    conn = session.connection()
    if layer in UNIT_LAYERS:
        where, params = _scope_sql("u", scope_path)
        sql = (f"SELECT u.code, u.name, p.code AS parent_code, u.kind, u.leader_name, u.leader_phone, u.households, "
               f"u.population, u.control_state, u.control_basis, {wkb_sql(session, 'u.geom')} AS geometry "
               f"FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.level = :level{where} ORDER BY u.code")
        return read_frame(session, sql, {"level": int(UNIT_LAYERS[layer]), **params}, geometry="geometry")
    if layer == "buildings":
        where, params = _scope_sql("b", scope_path)
        sql = (f"SELECT b.code, b.name, c.code AS compound_code, g.code AS grid_code, b.address, b.kind, b.floors, "
               f"b.stair_units, b.households, b.population, b.party_members, b.vulnerable, b.leader_name, "
               f"b.leader_phone, b.control_state, b.control_basis, {wkb_sql(session, 'b.footprint')} AS footprint, "
               f"b.lon, b.lat FROM buildings b "
               f"JOIN units g ON g.id = b.grid_id LEFT JOIN units c ON c.id = b.compound_id WHERE 1=1{where} "
               f"ORDER BY b.code")
        frame = pd.read_sql_query(text(sql), conn, params=params)
        frame["footprint"] = geometries(frame["footprint"])
        geometry = gpd.points_from_xy(frame.pop("lon"), frame.pop("lat"), crs=WGS84)
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)
    if layer == "checkpoints":
        where, params = _scope_sql("k", scope_path)
        sql = (f"SELECT k.code, k.name, k.kind, u.code AS unit_code, k.status, k.is_24h, k.staff_day, k.staff_night, "
               f"k.leader_name, k.leader_phone, k.lon, k.lat FROM checkpoints k JOIN units u ON u.id = k.unit_id "
               f"WHERE 1=1{where} ORDER BY k.code")
        frame = pd.read_sql_query(text(sql), conn, params=params)
        geometry = gpd.points_from_xy(frame.pop("lon"), frame.pop("lat"), crs=WGS84)
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)
    if layer == "roads":
        return _roads(session, scope_code)
    if layer == "households":
        where, params = _scope_sql("h", scope_path)
        sql = (f"SELECT h.code, b.code AS building_code, CASE WHEN h.building_id IS NULL THEN c.code END "
               f"AS compound_code, h.stair_unit, h.room, h.head_name, h.members, h.phone, h.pass_no FROM households h "
               f"LEFT JOIN buildings b ON b.id = h.building_id LEFT JOIN units c ON c.id = h.compound_id "
               f"WHERE 1=1{where} ORDER BY h.code")
        return pd.read_sql_query(text(sql), conn, params=params)
    if layer == "persons":
        where, params = _scope_sql("p", scope_path)
        sql = (f"SELECT p.code, p.name, p.id_number, p.phone, p.gender, p.birth_year, h.code AS household_code, "
               f"CASE WHEN p.household_id IS NULL THEN b.code END AS building_code, "
               f"CASE WHEN p.household_id IS NULL AND p.building_id IS NULL THEN c.code END AS compound_code, "
               f"p.resident_type, p.tags FROM persons p LEFT JOIN households h ON h.id = p.household_id "
               f"LEFT JOIN buildings b ON b.id = p.building_id LEFT JOIN units c ON c.id = p.compound_id "
               f"WHERE 1=1{where} ORDER BY p.code")
        frame = pd.read_sql_query(text(sql), conn, params=params)
        frame["tags"] = frame["tags"].map(_tags_text)
        return frame
    if layer == "observations":
        where, params = _scope_sql("o", scope_path)
        sql = (f"SELECT o.code, p.code AS person_code, o.kind, o.place, o.start_date, o.planned_end, o.reason, "
               f"o.origin, o.cadre_name, o.medic_name, o.released_on FROM observations o "
               f"JOIN persons p ON p.id = o.person_id WHERE 1=1{where} ORDER BY o.code")
        return _dates(pd.read_sql_query(text(sql), conn, params=params), ["start_date", "planned_end", "released_on"])
    if layer == "cases":
        where, params = _scope_sql("k", scope_path)
        sql = (f"SELECT k.code, k.kind, k.reported_on, p.code AS person_code, "
               f"CASE WHEN k.person_id IS NULL THEN b.code END AS building_code, "
               f"CASE WHEN k.person_id IS NULL AND k.building_id IS NULL THEN c.code END AS compound_code, "
               f"CASE WHEN k.person_id IS NULL THEN h.code END AS household_code, k.stair_unit, k.worksite, "
               f"k.source_known, k.note FROM cases k LEFT JOIN persons p ON p.id = k.person_id "
               f"LEFT JOIN buildings b ON b.id = k.building_id LEFT JOIN units c ON c.id = k.compound_id "
               f"LEFT JOIN households h ON h.id = k.household_id WHERE 1=1{where} ORDER BY k.code")
        frame = pd.read_sql_query(text(sql), conn, params=params)
        frame["source_known"] = frame["source_known"].astype(bool)
        return _dates(frame, ["reported_on"])
    raise ValueError(f"unknown layer {layer!r}; known: {sorted(LAYERS)}")


def _roads(session: Session, scope_code: str | None) -> gpd.GeoDataFrame:
    """Roads hang on streets: a street, district or the city takes the roads under it; a community, grid or
    compound takes its street's roads that touch it."""
    geo = wkb_sql(session, "r.geom")
    unit = unit_by_code(session, scope_code) if scope_code else None
    street_path = None
    if unit is not None and len(path_ids(unit.path)) > int(Level.STREET):
        street_path = "/" + "/".join(str(i) for i in path_ids(unit.path)[: int(Level.STREET)]) + "/"
    where, params = _scope_sql("r", street_path or (unit.path if unit is not None else None))
    if street_path is not None:
        where += " AND r.maxx >= :minx AND r.minx <= :maxx AND r.maxy >= :miny AND r.miny <= :maxy"
        params.update(minx=unit.minx, maxx=unit.maxx, miny=unit.miny, maxy=unit.maxy)
    sql = (f"SELECT r.code, r.name, r.kind, u.code AS street_code, {geo} AS geometry FROM roads r "
           f"LEFT JOIN units u ON u.id = r.unit_id WHERE 1=1{where} ORDER BY r.code")
    out = read_frame(session, sql, params, geometry="geometry")
    if street_path is not None and len(out):
        out = out[shapely.intersects(np.asarray(out.geometry.values, dtype=object), unit.geom)].reset_index(drop=True)
    return out


def _tags_text(value: object) -> str | None:
    import json

    if value is None:
        return None
    tags = json.loads(value) if isinstance(value, str) else value
    return ",".join(tags) if tags else None


def _dates(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    for c in cols:
        frame[c] = pd.to_datetime(frame[c]).dt.date.astype(object).where(frame[c].notna(), None)
    return frame
