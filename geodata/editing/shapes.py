"""Reshaping units by hand (issue 5; domain file §5.3): a grid's or compound's polygon drawn on /my-grid or
uploaded, checked against its parent, its siblings, its children and its buildings before anything is written.

A new polygon must be a valid polygon (WKT, GeoJSON or a shapely geometry; at most MAX_VERTICES vertices, in
WGS-84 degrees), lie inside its parent (tolerance `geodata.exchange.bulk.OUTSIDE_PARENT_TOLERANCE`), overlap no
sibling by more than SIBLING_OVERLAP_TOLERANCE, and still hold its child units and buildings — those that would
fall outside are named. Supervisors and the command centre only (scope.require_reshape); a stale version is
refused with the same `Conflict` as every other hand edit (geodata.people.conflicts).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape as geojson_shape
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from geodata.base.problems import Problem, Rejected
from geodata.exchange.bulk import OUTSIDE_PARENT_TOLERANCE
from geodata.exchange.integrity import TILING_TOLERANCE
from geodata.people import scope
from geodata.people.conflicts import Change, Conflict, conflict_from_fresh_read
from geodata.store.hierarchy import path_upper_bound, unit_by_code
from geodata.store.models import Building, Unit
from geodata.store.writes import WriteContext

#: a sibling may overlap the new polygon by this share of the smaller of the two (digitising slop)
SIBLING_OVERLAP_TOLERANCE = 0.01
#: a drawn or uploaded polygon with more vertices than this is refused (a wrong file, not a grid)
MAX_VERTICES = 20_000
#: how many refused buildings/children a message names before "… and N more"
NAMED = 20


def _stale(session: Session, code: str, expected: int, geom: shapely.Geometry) -> Conflict:
    """The Conflict of a reshape of a unit changed since it was read (the new shape as WKT for comparison)."""
    return conflict_from_fresh_read(session, Unit, "unit", code, expected,
                                    {"geom": shapely.to_wkt(geom, rounding_precision=7)})


def parse_polygon(value: Any) -> shapely.Geometry:
    """A polygon from a shapely geometry, WKT, or GeoJSON (geometry, Feature or a one-feature collection)."""
    def bad(zh: str, en: str) -> Rejected:
        return Rejected([Problem(zh, en, field="geometry")])

    geom = value
    try:
        if isinstance(value, str):
            text = value.strip()
            if len(text) > 5_000_000:
                raise bad("图形数据过大", "the shape is too large")
            value = json.loads(text) if text.startswith("{") else text
        if isinstance(value, Mapping):
            if value.get("type") == "FeatureCollection":
                feats = value.get("features") or []
                if len(feats) != 1:
                    raise bad(f"应只含一个图形（实含{len(feats)}个）", f"expected one feature, found {len(feats)}")
                value = feats[0]
            if value.get("type") == "Feature":
                value = value.get("geometry") or {}
            geom = geojson_shape(value)
        elif isinstance(value, str):
            geom = shapely.from_wkt(value)
    except Rejected:
        raise
    except Exception as exc:  # noqa: BLE001 — any parse failure is the same refusal, with the reason
        raise bad(f"无法读取图形：{exc}", f"cannot read the shape: {exc}") from None
    if not isinstance(geom, shapely.Geometry):
        raise bad("无法读取图形", "cannot read the shape")
    return shapely.force_2d(geom)


def _polygon_problems(geom: shapely.Geometry) -> list[Problem]:
    out = []
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        out.append(Problem(f"应为面（多边形），实为 {geom.geom_type}", f"must be a polygon, not a {geom.geom_type}",
                           field="geometry"))
        return out
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        out.append(Problem(f"顶点过多（>{MAX_VERTICES}）", f"too many vertices (>{MAX_VERTICES})", field="geometry"))
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        out.append(Problem("坐标超出经纬度范围（应为 WGS-84 经纬度）", "coordinates outside longitude/latitude "
                           "(WGS-84 degrees expected)", field="geometry"))
    if not shapely.is_valid(geom):
        why = shapely.is_valid_reason(geom)
        out.append(Problem(f"多边形无效（{why}），如自相交", f"invalid polygon ({why}), e.g. self-intersecting",
                           field="geometry"))
    elif geom.area <= 0:
        out.append(Problem("多边形面积为零", "the polygon has no area", field="geometry"))
    return out


def _named(codes: list[str]) -> str:
    more = f" … +{len(codes) - NAMED}" if len(codes) > NAMED else ""
    return ", ".join(codes[:NAMED]) + more


@dataclass
class Reshape:
    changes: list[Change]
    warnings: list[Problem]


def reshape_units(ctx: WriteContext, shapes: Mapping[str, tuple[Any, int]], *, reason: str | None = None
                  ) -> Reshape:
    """Give several units new polygons at once (moving the boundary between two grids is two shapes that must be
    checked together). Each `code → (polygon, version read)`. Refused unless every new polygon is a valid polygon,
    lies inside its parent (tolerance OUTSIDE_PARENT_TOLERANCE of its area), overlaps no sibling by more than
    SIBLING_OVERLAP_TOLERANCE, and still holds its child units and its buildings — those that would fall
    outside are named. Leaving part of the parent uncovered is a warning (the integrity check will list it).
    Nothing is reassigned, so the roll-up counters stay as they are."""
    s = ctx.session
    units: dict[str, Unit] = {}
    new_geoms: dict[str, shapely.Geometry] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for code, (value, version) in shapes.items():
        unit = unit_by_code(s, code)
        parent = s.get(Unit, unit.parent_id) if unit.parent_id else None
        scope.require_reshape(ctx.actor, parent.path if parent else None)
        geom = parse_polygon(value)
        found = _polygon_problems(geom)
        problems += [Problem(f"{unit.name}（{code}）：{p.message_zh}", f"{code}: {p.message_en}", field=p.field)
                     for p in found]
        if version is None or unit.version != int(version):
            raise _stale(s, code, int(version or 0), geom)
        units[code], new_geoms[code] = unit, geom
    if problems:
        raise Rejected(problems)

    for code, unit in units.items():
        geom = new_geoms[code]
        parent = s.get(Unit, unit.parent_id)
        area = geom.area
        outside = shapely.difference(geom, shapely.make_valid(parent.geom)).area / area
        if outside > OUTSIDE_PARENT_TOLERANCE:
            problems.append(Problem(f"{unit.name}（{code}）有{outside:.1%}超出上级单元{parent.name}",
                                    f"{code}: {outside:.1%} lies outside its parent {parent.code}", field="geometry"))
        siblings = s.execute(select(Unit).where(Unit.parent_id == parent.id, Unit.id != unit.id)).scalars().all()
        for sib in siblings:
            other = new_geoms.get(sib.code, sib.geom)
            if other is None:
                continue
            overlap = shapely.intersection(geom, shapely.make_valid(other)).area
            share = overlap / max(min(area, other.area), 1e-18)
            if share > SIBLING_OVERLAP_TOLERANCE:
                problems.append(Problem(f"{unit.name}（{code}）与{sib.name}（{sib.code}）重叠{share:.1%}",
                                        f"{code} overlaps {sib.code} by {share:.1%}", field="geometry"))
        kids = s.execute(select(Unit.code, Unit.geom).where(Unit.parent_id == unit.id)).all()
        share_out = {k.code: shapely.difference(new_geoms.get(k.code, k.geom), geom).area / k.geom.area
                     for k in kids if k.geom is not None and k.geom.area > 0}
        lost = [c for c, v in share_out.items() if v > OUTSIDE_PARENT_TOLERANCE]
        if lost:
            problems.append(Problem(f"{unit.name}（{code}）的下级单元将落在边界外：{_named(lost)}",
                                    f"{code}: child units would fall outside: {_named(lost)}", field="geometry"))
        spill = [c for c, v in share_out.items() if TILING_TOLERANCE < v <= OUTSIDE_PARENT_TOLERANCE]
        if spill:
            warnings.append(Problem(
                f"{unit.name}（{code}）的下级单元略超出新边界（完整性检查会列出，请一并调整）：{_named(spill)}",
                f"{code}: child units stick out slightly (the integrity check will list them until they are "
                f"adjusted): {_named(spill)}", field="geometry", severity="warning"))
        pts = s.execute(select(Building.code, Building.lon, Building.lat).where(
            Building.path >= unit.path, Building.path < path_upper_bound(unit.path))).all()
        if pts:
            inside = shapely.intersects_xy(geom, [p.lon for p in pts], [p.lat for p in pts])
            out_codes = [p.code for p, ok in zip(pts, inside, strict=True) if not ok]
            if out_codes:
                problems.append(Problem(
                    f"{unit.name}（{code}）有{len(out_codes)}栋楼将落在边界外，请先调整楼栋归属：{_named(out_codes)}",
                    f"{code}: {len(out_codes)} building(s) would fall outside; reassign them first: "
                    f"{_named(out_codes)}", field="geometry"))
    if problems:
        raise Rejected(problems)

    for parent_id in {u.parent_id for u in units.values()}:
        parent = s.get(Unit, parent_id)
        kids = s.execute(select(Unit).where(Unit.parent_id == parent_id)).scalars().all()
        before = shapely.union_all([k.geom for k in kids if k.geom is not None])
        after = shapely.union_all([new_geoms.get(k.code, k.geom) for k in kids if k.geom is not None])
        gap_before = shapely.difference(parent.geom, before).area / parent.geom.area
        gap_after = shapely.difference(parent.geom, after).area / parent.geom.area
        if gap_after > gap_before + TILING_TOLERANCE:
            warnings.append(Problem(f"{parent.name}有{gap_after:.1%}的范围不属于任何下级单元",
                                    f"{gap_after:.1%} of {parent.code} now lies in none of its children",
                                    field="geometry", severity="warning"))

    changes = []
    for code, unit in units.items():
        geom = new_geoms[code]
        old = {"geom": shapely.to_wkt(unit.geom, rounding_precision=7) if unit.geom is not None else None}
        label = shapely.point_on_surface(geom)
        try:
            unit.geom = geom
            unit.minx, unit.miny, unit.maxx, unit.maxy = (float(v) for v in geom.bounds)
            unit.label_lon, unit.label_lat = float(label.x), float(label.y)
            s.flush()
        except StaleDataError:
            raise _stale(s, code, int(shapes[code][1]), geom) from None
        new = {"geom": shapely.to_wkt(geom, rounding_precision=7)}
        ctx.record("unit.reshape", "unit", code, path=unit.path, old=old, new=new,
                   reason=reason or "调整单元边界 / boundary changed")
        changes.append(Change("unit", code, unit.version, old, new))
    return Reshape(changes, warnings)


def reshape_unit(ctx: WriteContext, code: str, polygon: Any, *, expected_version: int,
                 reason: str | None = None) -> Reshape:
    """Give one unit (e.g. a grid) a new polygon; see `reshape_units` for what is checked."""
    return reshape_units(ctx, {code: (polygon, expected_version)}, reason=reason)
