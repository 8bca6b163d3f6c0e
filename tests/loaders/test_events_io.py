"""The event ledger out to XLSX (Chinese headers, formula text neutralised) and an office's ledger back in: all or
nothing, every refused row named (issue 15)."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from geodata.base.problems import Rejected
from geodata.fieldwork.events import log_event
from geodata.store.field_models import FieldEvent
from geodata.store.models import Unit
from geodata.store.writes import Actor, write
from loaders import cells
from loaders.events_io import import_file, ledger_workbook
from tests.factories import load_small_city


def test_ledger_goes_out_with_chinese_headers_and_comes_back_in(store, tmp_path):
    load_small_city(store)
    with store.read() as s:
        p = {u.code: u.path for u in s.execute(select(Unit)).scalars()}
    worker = Actor("gridworker", "grid_leader", p["G11"])
    write(store, worker, lambda ctx: log_event(ctx, "G11", "=HYPERLINK(\"http://x\")", kind="hazard"))
    out = cells.save_workbook(ledger_workbook(store, Actor("cmd", "command", None)), tmp_path / "台账.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["事件台账", "巡查日志"]
    ws = wb["事件台账"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["事件编号", "网格编码", "网格"] and "办结时限" in header and "反馈情况" in header
    row = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert row["事件内容"] == "'=HYPERLINK(\"http://x\")" and row["事件类型"] == "安全隐患" and row["状态"] == "办理中"

    # an office's ledger: one closed, one open; imported by the grid worker, codes kept, the quote removed
    ws.delete_rows(2)
    ws.append(["OFF-1", "G11", None, "G11K1B1", "民生诉求", "一般性", "一般", "'=1+1", "张三", "13800000001",
               None, None, None, "已办结", "2026-11-20 09:00", None, None, None, None, "已修复", "已告知张三", 0])
    ws.append(["OFF-2", "G11", None, None, "居民求助", "需协调处理（社区）", "一般", "代购药品", None, None])
    wb.save(out)
    codes = import_file(store, worker, out)
    assert codes == ["OFF-1", "OFF-2"]
    with store.read() as s:
        got = {e.code: e for e in s.execute(select(FieldEvent).where(FieldEvent.code.in_(codes))).scalars()}
    assert (got["OFF-1"].status, got["OFF-1"].text, got["OFF-1"].feedback) == ("closed", "=1+1", "已告知张三")
    assert (got["OFF-2"].status, got["OFF-2"].handler_level) == ("open", "community")

    # a ledger with a bad row writes nothing and names the row
    ws.delete_rows(2, 2)
    ws.append(["OFF-3", "G11", None, None, "居民求助", "一般性", "一般", "好的一行"])
    ws.append(["OFF-4", "G11", None, None, "外星人", "一般性", "一般", "类型不认识"])
    wb.save(out)
    with pytest.raises(Rejected) as exc:
        import_file(store, worker, out)
    assert [(x.field, x.row) for x in exc.value.problems] == [("kind", 3)]
    with store.read() as s:
        assert s.execute(select(FieldEvent).where(FieldEvent.code == "OFF-3")).first() is None
