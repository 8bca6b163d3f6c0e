"""The words of issue 14 point 5 on the map: the planner's zone layer names its ranks by the active scheme, and a
sealed building's tooltip names the basis of its sealing (封锁 / 硬隔离)."""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from dashboard.components.checkpoint_map import zones_group
from dashboard.mapview import building_layer, unpack
from geodata.checkpoints.coverage import SEED_WORDS, ZoneWords
from tests.dashboard.test_mapview import layer_payload

ZONES = ZoneWords("zones", ("防范区", "管控区", "封控区"), ("Prevention area", "Controlled area", "Sealed area"))


def _compounds() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "code": ["K1", "K2", "K3"], "name": ["甲小区", "乙小区", "丙村"], "control_state": ["sealed", "closed", "normal"],
        "control_basis": ["hard_isolation", None, None],
        "kind": ["property_managed", "property_managed", "natural_village"], "households": [10, 20, 30],
        "lon": [114.30, 114.31, 114.32], "lat": [30.50, 30.50, 30.50],
    }, geometry=[shapely.box(114.30 + i / 100, 30.5, 114.305 + i / 100, 30.505) for i in range(3)], crs=4326)


def _words(fg) -> str:
    """What the layer can show: its features, its tooltip spec (badges by rank) and its legend."""
    (layer,) = [c for c in fg._children.values() if c._name == "GwLayer"]
    legend = [c.html_text for c in fg._children.values() if c._name == "GwLegend"]
    return json.dumps(unpack(layer.data), ensure_ascii=False) + json.loads(layer.opts).__repr__() + " ".join(legend)


def test_the_zone_layer_says_the_national_zone_words_only_under_that_scheme():
    rank = pd.Series([2, 1, 0], index=["K1", "K2", "K3"])
    seeds = zones_group(_compounds(), rank, SEED_WORDS, lang="zh", dark=False)
    zones = zones_group(_compounds(), rank, ZONES, lang="zh", dark=False)
    said = _words(seeds)
    assert "社区传播" in said and "出现病例" in said and "未发现病例" in said
    assert not any(w in said for w in ("封控区", "管控区", "防范区"))
    assert all(w in _words(zones) for w in ("封控区", "管控区", "防范区"))
    # a sealed compound's reason names its basis (the planner's area reads it with the control state)
    props = {f["properties"]["code"]: f["properties"] for f in unpack(layer_payload(seeds))["features"]}
    assert props["K1"]["r"] == "硬隔离" and props["K2"]["r"] == "封闭管理"


def test_a_sealed_buildings_tooltip_names_its_basis():
    frame = gpd.GeoDataFrame({
        "code": ["B1", "B2", "B3", "B4"], "name": ["1号楼", "2号楼", "3号楼", "4号楼"],
        "control_state": ["sealed", "sealed", "sealed", "epidemic_spot"],
        "control_basis": ["hard_isolation", "lockdown", None, None],
        "households": [1, 2, 3, 4], "population": [1, 2, 3, 4], "obs_total": [0, 0, 0, 0], "cases": [0, 0, 0, 1],
    }, geometry=gpd.points_from_xy([114.30, 114.31, 114.32, 114.33], [30.5] * 4), crs=4326)
    props = {f["properties"]["code"]: f["properties"] for f in unpack(layer_payload(building_layer(frame)))["features"]}
    assert props["B1"]["s"] == "依据：硬隔离" and props["B2"]["s"] == "依据：封锁"
    assert "s" not in props["B3"] and "s" not in props["B4"]  # no basis recorded / not sealed: the badge alone
    en = unpack(layer_payload(building_layer(frame, "en")))["features"][0]["properties"]
    assert en["s"] == "Basis: Hard isolation"
