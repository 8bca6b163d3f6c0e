"""The places list and the 无主小区 ledger go out as XLSX with Chinese headers and come back unchanged; a bad row is
refused by its row number and nothing is written (issue 15 part 4)."""
from __future__ import annotations

import pandas as pd
import pytest

from geodata.base.problems import Rejected
from geodata.fieldwork.places import save_place, save_unowned
from geodata.store.writes import Actor, write
from loaders.care_io import export_ledger, import_ledger
from tests.factories import load_small_city

SYSTEM = Actor.system("test")


def test_places_and_unowned_ledgers_round_trip_and_refuse_by_row(store, tmp_path):
    load_small_city(store)
    write(store, SYSTEM, lambda ctx: save_place(ctx, "PL1", name="=HYPERLINK(\"x\")药房", kind="pharmacy",
                                                unit_code="G11", lon=114.31, lat=30.59, staff_on_site=3))
    write(store, SYSTEM, lambda ctx: save_unowned(ctx, "G11K1", no_property=True, owner="街道", clear_basics=True))
    out = tmp_path / "places.xlsx"
    assert export_ledger(store, SYSTEM, "places", "S1", out) == 1
    sheet = pd.read_excel(out, dtype=object)
    assert list(sheet.columns[:4]) == ["场所编码", "场所名称", "场所类型", "所属单元编码"]
    assert sheet.loc[0, "场所名称"].startswith("'=")  # formula text neutralised
    assert import_ledger(store, SYSTEM, "places", out) == {"created": 0, "updated": 0, "unchanged": 1}
    export_ledger(store, SYSTEM, "unowned", "S1", tmp_path / "unowned.xlsx")
    ledger = pd.read_excel(tmp_path / "unowned.xlsx", dtype=object)
    assert (ledger.loc[0, "无物业服务"], ledger.loc[0, "小区基本情况清"], ledger.loc[0, "四清进度"]) == ("是", "是", "25%")
    ledger.loc[0, "矛盾隐患问题清"] = "是"
    ledger.loc[1] = ledger.loc[0]
    ledger.loc[1, "小区编码"] = "NOPE"
    ledger.to_excel(tmp_path / "edited.xlsx", index=False)
    with pytest.raises(Rejected) as exc:
        import_ledger(store, SYSTEM, "unowned", tmp_path / "edited.xlsx")
    assert [(p.row, p.field) for p in exc.value.errors] == [(3, "compound_code")]
    ledger.drop(index=1).to_excel(tmp_path / "edited.xlsx", index=False)
    assert import_ledger(store, SYSTEM, "unowned", tmp_path / "edited.xlsx")["updated"] == 1
