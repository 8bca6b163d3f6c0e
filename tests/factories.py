"""A small explicit city for unit tests: boxes that tile exactly, a few buildings, persons, cases.

City 420100 (0.08° × 0.04° near Wuhan) → district D1 → street S1 → communities C1, C2 → grids G11, G12,
G21, G22 → compounds (two per grid) → two buildings per compound.
"""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from geodata.exchange.bulk import upsert_layer
from geodata.store.db import Store
from geodata.store.writes import Actor, write

X0, Y0 = 114.30, 30.58
W, H = 0.08, 0.04
TODAY = dt.date(2026, 11, 25)


def _gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def unit_frames() -> dict[str, gpd.GeoDataFrame]:
    city = [{"code": "420100", "name": "测试市", "geometry": box(X0, Y0, X0 + W, Y0 + H)}]
    district = [{"code": "D1", "name": "江岸区", "parent_code": "420100", "geometry": box(X0, Y0, X0 + W, Y0 + H)}]
    street = [{"code": "S1", "name": "大智街道", "parent_code": "D1", "geometry": box(X0, Y0, X0 + W, Y0 + H)}]
    communities, grids, compounds = [], [], []
    for ci in range(2):
        cx = X0 + ci * W / 2
        communities.append({"code": f"C{ci + 1}", "name": f"第{ci + 1}社区", "parent_code": "S1",
                            "leader_name": "王书记", "leader_phone": "13800000000",
                            "geometry": box(cx, Y0, cx + W / 2, Y0 + H)})
        for gi in range(2):
            gy = Y0 + gi * H / 2
            gcode = f"G{ci + 1}{gi + 1}"
            grids.append({"code": gcode, "name": f"第{gi + 1}网格", "parent_code": f"C{ci + 1}",
                          "leader_name": "李网格", "leader_phone": "13900000000",
                          "geometry": box(cx, gy, cx + W / 2, gy + H / 2)})
            for ki in range(2):
                kx = cx + ki * W / 4
                compounds.append({"code": f"{gcode}K{ki + 1}", "name": f"幸福{ki + 1}小区", "parent_code": gcode,
                                  "kind": "property_managed", "geometry": box(kx, gy, kx + W / 4, gy + H / 2)})
    return {"city": _gdf(city), "districts": _gdf(district), "streets": _gdf(street),
            "communities": _gdf(communities), "grids": _gdf(grids), "compounds": _gdf(compounds)}


def building_frame() -> gpd.GeoDataFrame:
    rows = []
    for comp in unit_frames()["compounds"].itertuples():
        minx, miny, maxx, maxy = comp.geometry.bounds
        for bi in range(2):
            rows.append({
                "code": f"{comp.code}B{bi + 1}", "name": f"{bi + 1}栋", "compound_code": comp.code,
                "households": 100 + bi, "population": 250 + bi, "party_members": 3, "vulnerable": 2,
                "stair_units": 3, "leader_name": "赵楼长",
                "geometry": Point(minx + (maxx - minx) * (0.3 + 0.4 * bi), miny + (maxy - miny) / 2),
            })
    return _gdf(rows)


def load_small_city(store: Store) -> None:
    actor = Actor.system("test")

    def fill(ctx):
        for layer, frame in unit_frames().items():
            upsert_layer(ctx, layer, frame, recompute=False)
        upsert_layer(ctx, "buildings", building_frame(), recompute=False)
        upsert_layer(ctx, "persons", pd.DataFrame([
            {"code": "P1", "name": "张三", "id_number": "420102199001011236", "building_code": "G11K1B1",
             "tags": "党员"},
            {"code": "P2", "name": "李四", "building_code": "G11K1B2", "tags": "独居老人,低保"},
            {"code": "P3", "name": "王五", "building_code": "G21K1B1"},
        ]), recompute=False)
        upsert_layer(ctx, "observations", pd.DataFrame([
            {"code": "O1", "person_code": "P1", "kind": "home", "start_date": TODAY - dt.timedelta(days=3)},
            {"code": "O2", "person_code": "P3", "kind": "central", "start_date": TODAY - dt.timedelta(days=14)},
        ]), recompute=False)
        upsert_layer(ctx, "cases", pd.DataFrame([
            {"code": "K1", "kind": "confirmed", "reported_on": TODAY, "person_code": "P3"},
        ]), recompute=False)
        upsert_layer(ctx, "checkpoints", _gdf([
            {"code": "E1", "name": "幸福1小区东门", "kind": "compound_entrance", "unit_code": "G11K1",
             "staff_day": 4, "staff_night": 2, "geometry": Point(X0 + 0.001, Y0 + 0.001)},
        ]))  # recompute once, at the end

    write(store, actor, fill)
