"""The gate ledgers as offices keep them (issue 15 part 3): the entry log and the pass register export to XLSX with
Chinese headers through loaders.cells (formula text neutralised), and an office's pass register comes back in."""
from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from geodata.base.problems import Rejected
from geodata.fieldwork import entries, passes
from geodata.store.hierarchy import unit_by_code
from geodata.store.writes import Actor, write
from loaders import cells
from loaders.gate_io import export_ledger, import_register
from tests.factories import load_small_city
from tests.risk_helpers import add_households


def test_entry_log_and_pass_register_round_trip_through_xlsx(store, tmp_path):
    load_small_city(store)
    add_households(store, [{"code": "H1", "building_code": "G11K1B1", "room": "101"},
                           {"code": "H2", "building_code": "G11K1B2", "room": "=1+1"}])
    with store.read() as s:
        head = Actor("head1", "community_head", unit_by_code(s, "C1").path)
    write(store, head, lambda ctx: passes.issue_passes(ctx, "G11K1"))
    number = write(store, head, lambda ctx: entries.register_entry(
        ctx, "E1", direction="out", temperature=38.0, pass_no=passes.active_pass(ctx.session, 1).number,
        note="=HYPERLINK(\"x\")")).entry.pass_id
    assert number is not None
    log = export_ledger(store, head, "entries", tmp_path / "entries.xlsx")
    reg = export_ledger(store, head, "passes", tmp_path / "passes.xlsx")
    assert (log, reg) == (1, 2)
    ws = load_workbook(tmp_path / "entries.xlsx").active
    header = [c.value for c in ws[1]]
    row = dict(zip(header, [c.value for c in ws[2]]))
    assert ws.title == "进出登记表" and row["进出"] == "出" and row["发热"] == "是" and row["体温"] == 38.0
    assert row["备注"].startswith("'=") and all(c.data_type != "f" for c in ws[2])
    sheet = pd.read_excel(tmp_path / "passes.xlsx", dtype=object)
    assert list(sheet.columns[:6]) == ["通行证号", "户编码", "楼栋", "房号", "状态", "发放日期"]
    assert set(sheet["状态"]) == {"有效"} and sheet["最近外出"].notna().sum() == 1

    # an office's own register: Chinese headers, one number for a household without a pass, one revoked
    wb = Workbook()
    ws = wb.active
    cells.append(ws, ["通行证号", "户编码", "发放日期", "状态"])
    cells.append(ws, ["B-7", "H3X", "2026-12-01", "有效"])
    cells.save_workbook(wb, tmp_path / "bad.xlsx")
    add_households(store, [{"code": "H3", "building_code": "G11K2B1", "room": "301"}])
    with pytest.raises(Rejected) as exc:
        import_register(store, head, tmp_path / "bad.xlsx")
    assert (exc.value.problems[0].row, exc.value.problems[0].field) == (2, "household_code")
    wb = Workbook()
    ws = wb.active
    cells.append(ws, ["通行证号", "户编码", "发放日期", "状态"])
    cells.append(ws, ["B-7", "H3", "2026-12-01", "有效"])
    cells.append(ws, [sheet["通行证号"].iloc[1], sheet["户编码"].iloc[1], "", "作废"])
    cells.save_workbook(wb, tmp_path / "register.xlsx")
    counts = import_register(store, head, tmp_path / "register.xlsx")
    assert counts["issued"] == 1 and counts["revoked"] == 1
    with store.read() as s:
        frame = passes.passes_in(s, head, None if head.scope_path is None else head.scope_path)
    assert dict(zip(frame["number"], frame["status"]))["B-7"] == "active"
    assert (frame["status"] == "revoked").sum() == 1
