"""The planner names its zone ranks by the active map scheme (issue 14 point 5, domain file §2.1): 封控区/管控区/防范区
only when the national "zones" scheme is chosen; the seeds' ladder (default) and 高/中/低风险 use their own names."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from geodata.checkpoints.coverage import compound_zones, load_area, zone_words
from geodata.checkpoints.whatif import check_rules
from geodata.exchange.bulk import upsert_layer
from geodata.situation.settings import set_setting
from geodata.store.writes import Actor, write
from tests.factories import TODAY, X0, Y0, load_small_city

SYSTEM = Actor.system("test")
COMMAND = Actor("command", "command")


def _area(store):
    with store.read() as s:
        return load_area(s, "S1", TODAY)


def _uncovered_details(area, lang: str) -> list[str]:
    bad = check_rules(area, radius_m=150).query("rule == 'uncovered_entrance'")
    return bad[f"detail_{lang}"].tolist()


def test_zone_labels_follow_the_active_scheme_in_the_rules_and_the_words(store):
    load_small_city(store)
    # an unguarded entrance of G21K1: C2 has a case today, so the compound is at rank 1 and the entrance must be watched
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "checkpoints", gpd.GeoDataFrame([{
        "code": "E9", "name": "E9", "kind": "compound_entrance", "unit_code": "G21K1", "status": "open",
        "staff_day": 0, "staff_night": 0, "is_24h": False, "geometry": Point(X0 + 0.011, Y0 + 0.021)}],
        geometry="geometry", crs="EPSG:4326")))

    seeds = _area(store)
    assert compound_zones(seeds)["G21K1"] == 1
    assert seeds.words.scheme == "seeds"
    assert [seeds.words.label(r) for r in (0, 1, 2)] == ["未发现病例", "出现病例", "社区传播"]
    assert seeds.words.raised("zh") == "社区传播/出现病例"
    assert seeds.words.raised("en") == "Community transmission/Cases"
    details = _uncovered_details(seeds, "zh")
    assert details and details[0].startswith("出入口（出现病例）")
    assert not any(w in d for d in details for w in ("封控", "管控区", "防范区"))
    assert _uncovered_details(seeds, "en")[0].startswith("entrance (Cases)")

    write(store, COMMAND, lambda ctx: set_setting(ctx, "schemes", {"active": "zones"}))
    zones = _area(store)
    assert zones.words.scheme == "zones"
    assert [zones.words.label(r) for r in (0, 1, 2)] == ["防范区", "管控区", "封控区"]
    assert zones.words.raised("zh") == "封控区/管控区"
    assert _uncovered_details(zones, "zh")[0].startswith("出入口（管控区）")
    # the same rank under another scheme, asked by name (the owner: one function for every page)
    with store.read() as s:
        risk = zone_words(s, "risk")
    assert (risk.scheme, risk.label(2, "zh"), risk.label(1, "en")) == ("risk", "高风险", "Medium risk")
