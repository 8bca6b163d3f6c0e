"""Issue 17, lists back up the chain: exports of unit layers and buildings carry the derived situation (level code
in its own column, label, reason, the day the level started), the control state and the figures the map shows,
so a street can send its list upward as XLSX/CSV with Chinese headers.

The small city (tests/factories.py) with cases: C1 has one case 10 days ago (S1 since then, nothing in the last 7
days); C2 had a case 30 days ago (long over), then cases 3 days ago and today (S1 again, since 3 days ago).
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from geodata.base.vocab import UNIT_LAYERS
from geodata.exchange.bulk import upsert_layer
from geodata.exchange.imports import import_frame
from geodata.reporting.figures import root_unit, units_with_figures
from geodata.situation.risk import scheme_legend, situation
from geodata.store.hierarchy import unit_by_code
from geodata.store.writes import Actor, write
from loaders.export import UNIT_LIST_HEADERS, export_list, write_layer
from loaders.readers import read_layer
from tests.factories import TODAY, load_small_city

SYSTEM = Actor.system("test")


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def city(store):
    load_small_city(store)  # K1: confirmed today in G21K1B1 (C2)
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "cases", pd.DataFrame([
        {"code": "K0", "kind": "confirmed", "reported_on": days_ago(30), "building_code": "G22K1B1"},
        {"code": "K2", "kind": "confirmed", "reported_on": days_ago(3), "building_code": "G22K1B2"},
        {"code": "K3", "kind": "asymptomatic", "reported_on": days_ago(10), "building_code": "G11K2B1"},
    ])))
    return store


def _rows(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["code"]: row for row in frame.to_dict("records")}


def test_a_community_with_cases_exports_its_level_label_reason_and_since(city):
    rows = _rows(export_list(city, SYSTEM, "communities", scope_code=None, fmt="csv", on=TODAY))
    with city.read() as s:
        expected = situation(s, [unit_by_code(s, "C2").id], on=TODAY).iloc[0]
        label = {code: text for code, text, _ in scheme_legend(s)}
    c1, c2 = rows["C1"], rows["C2"]
    assert c2["situation_code"] == "S1" == expected["level_code"]
    assert c2["situation_label"] == label["S1"] == expected["label_zh"]
    assert c2["situation_reason"] == expected["reason_zh"]
    assert c2["situation_since"] == days_ago(3)  # not 30 days ago: that level ended in between
    assert (c1["situation_code"], c1["situation_since"]) == ("S1", days_ago(10))
    assert (c1["cases_7d"], c1["cases_14d"]) == (0, 1)
    assert (c2["cases_7d"], c2["cases_14d"]) == (2, 2)
    assert c2["control_state"] == "normal"


def test_a_street_takes_the_level_of_its_communities_since_the_first_of_them(city):
    street = _rows(export_list(city, SYSTEM, "streets", scope_code=None, fmt="csv", on=TODAY))["S1"]
    assert street["situation_code"] == "S1"
    assert street["situation_since"] == days_ago(10)
    assert "S1×2" in street["situation_reason"]


def test_a_level_zero_unit_has_no_start_date(city):
    rows = _rows(export_list(city, SYSTEM, "communities", scope_code=None, fmt="csv", on=days_ago(40)))
    assert [(r["situation_code"], r["situation_since"]) for r in rows.values()] == [("S0", None), ("S0", None)]


@pytest.mark.parametrize("layer", ["communities", "grids", "compounds"])
def test_the_figures_are_what_the_map_shows(city, layer):
    frame = export_list(city, SYSTEM, layer, scope_code=None, fmt="csv", on=TODAY)
    with city.read() as s:
        shown = units_with_figures(s, root_unit(s), int(UNIT_LAYERS[layer]), TODAY)
    shown = shown.set_index("code")
    out = frame.set_index("code")
    assert sorted(out.index) == sorted(shown.index)
    for col in ("obs_home", "obs_central", "obs_self", "obs_temporary", "obs_total", "cases_7d",
                "entrances_open"):
        assert out[col].astype(int).to_dict() == shown[col].astype(int).to_dict(), col
    assert out["total_households"].to_dict() == shown["households"].to_dict()
    assert out["total_population"].to_dict() == shown["population"].to_dict()
    below = shown["checkpoints_understaffed"] + shown["checkpoints_unstaffed"]
    assert out["checkpoints_below_norm"].to_dict() == below.to_dict()
    assert out["situation_code"].to_dict() == shown["situation_code"].to_dict()
    assert out["total_population"].sum() > 0 and out["obs_total"].sum() == 2  # the city has figures to compare


def test_a_scoped_export_holds_only_the_actors_units(city):
    with city.read() as s:
        path = unit_by_code(s, "C2").path
    head = Actor("head", "community_head", path)
    frame = export_list(city, head, "grids", scope_code=None, fmt="csv", on=TODAY)
    assert sorted(frame["code"]) == ["G21", "G22"]
    assert set(frame["situation_since"]) == {days_ago(3), TODAY}  # G22 since K2, G21 since K1 today


def test_buildings_carry_their_communitys_level_and_their_own_figures(city):
    rows = _rows(export_list(city, SYSTEM, "buildings", scope_code=None, fmt="csv", on=TODAY))
    b = rows["G21K1B1"]  # K1's building (through its person P3, who is also under central observation)
    assert (b["situation_unit"], b["situation_code"], b["situation_since"]) == ("C2", "S1", days_ago(3))
    assert (b["cases_total"], b["obs_total"]) == (1, 1)
    assert rows["G12K1B1"]["situation_unit"] == "C1"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_list_has_chinese_headers_and_still_reimports_unchanged(city, fmt, tmp_path):
    frame = export_list(city, SYSTEM, "communities", scope_code=None, fmt=fmt, on=TODAY)
    out = write_layer(frame, "communities", fmt, tmp_path / f"社区.{fmt}")
    if fmt == "csv":
        table = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    else:
        ws = openpyxl.load_workbook(out).worksheets[0]
        values = list(ws.values)
        table = pd.DataFrame(values[1:], columns=values[0]).astype(str)
    row = table.set_index(table.columns[0]).loc["C2"]  # the code comes first
    for name, header in UNIT_LIST_HEADERS.items():
        assert header in table.columns, name
    with city.read() as s:
        label = {code: text for code, text, _ in scheme_legend(s)}
    assert (row["疫情分级"], row["分级标签"]) == ("S1", label["S1"])
    assert str(row["分级起始日期"]).startswith(days_ago(3).isoformat())
    assert int(row["近7天病例"]) == 2

    read = read_layer(out, "communities")
    assert [p for p in read.problems if p.severity == "error"] == []
    assert set(read.columns.values()).isdisjoint(UNIT_LIST_HEADERS.values())  # no list column taken as a field
    result = import_frame(city, SYSTEM, "communities", read.frame, source=out.name, dry_run=True)
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 2)
