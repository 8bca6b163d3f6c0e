"""The checkpoint planner's duty roster (排班表) as a printable XLSX workbook.

The rows come from `geodata.checkpoints.rosters` (`roster`, `staffing_totals`, `street_names`); this module only lays them
out. Every cell goes through `loaders.cells`, like every spreadsheet we write: checkpoint, street and leader names
are typed by people, and a name that starts with `=` must print as text, not run as a formula.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geodata.base.vocab import CHECKPOINT_KINDS, label
from loaders.cells import put, workbook_bytes

#: column headers of the printed roster (Chinese: it is pinned on the checkpoint's wall)
ROSTER_HEADERS = ["序号", "卡点编码", "卡点名称", "类型", "日期", "白班人数", "白班带班", "夜班人数", "夜班带班",
                  "标准（白/夜/日）", "是否达标"]
STATUS_ZH = {"ok": "达标", "under": "不足", "unstaffed": "无人", "closed": "关闭"}
TOTAL_HEADERS = {"street": "街道/乡镇", "checkpoints": "开放卡点", "guarded": "有人值守", "people_per_day": "现有人数/日",
                 "norm_per_day": "标准人数/日", "shortfall": "缺口"}

_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
SHORT_FILL = PatternFill("solid", fgColor="F8D7C4")


def roster_xlsx(roster_frame: pd.DataFrame, totals: pd.DataFrame, *, title: str, street_names: dict[int, str],
                generated_by: str | None = None) -> bytes:
    """The roster as a printable workbook: a summary sheet with the staffing total per street, then one sheet per
    street (A4 landscape, fit to one page wide, header row repeated on every page, gridlines printed)."""
    wb = Workbook()
    _summary(wb.active, totals, title=title, generated_by=generated_by)
    if len(roster_frame):
        for sid, frame in roster_frame.groupby(roster_frame["street_id"].fillna(-1).astype(int), sort=True):
            name = street_names.get(int(sid), "其他")
            _street(wb.create_sheet(title=_sheet_title(name, wb.sheetnames)), name, frame)
    return workbook_bytes(wb)


def _summary(ws: Worksheet, totals: pd.DataFrame, *, title: str, generated_by: str | None) -> None:
    ws.title = "街道汇总"
    put(ws, 1, 1, f"{title} 卡点值守人力汇总").font = Font(bold=True, size=14)
    put(ws, 2, 1, f"生成：{dt.datetime.now():%Y-%m-%d %H:%M}" + (f"　制表：{generated_by}" if generated_by else ""))
    cols = list(totals.columns)
    _header(ws, 4, [TOTAL_HEADERS.get(c, c) for c in cols])
    for r, row in enumerate(totals.itertuples(index=False), start=5):
        for c, v in enumerate(row, start=1):
            put(ws, r, c, v.item() if hasattr(v, "item") else v).border = BORDER
    if len(totals):
        r = 5 + len(totals)
        put(ws, r, 1, "合计").font = HEAD_FONT
        for c, col in enumerate(cols[1:], start=2):
            put(ws, r, c, int(totals[col].sum())).font = HEAD_FONT
    _setup(ws, max(len(cols), 6), 4)
    ws.column_dimensions["A"].width = 22


def _street(ws: Worksheet, name: str, frame: pd.DataFrame) -> None:
    put(ws, 1, 1, f"{name} 卡点排班表（{frame['on_date'].min():%Y-%m-%d} 至 {frame['on_date'].max():%Y-%m-%d}）"
        ).font = Font(bold=True, size=14)
    _header(ws, 3, ROSTER_HEADERS)
    for n, r in enumerate(frame.itertuples(index=False), start=1):
        norm = (f"{r.min_day}/{r.min_night}/-" if r.min_day else f"-/-/{r.min_per_day}")
        values = [n, r.code, r.name, label(CHECKPOINT_KINDS, r.kind), r.on_date, int(r.staff_day),
                  r.leader_day if isinstance(r.leader_day, str) else "", int(r.staff_night),
                  r.leader_night if isinstance(r.leader_night, str) else "", norm,
                  STATUS_ZH.get(r.staffing, r.staffing)]
        for c, v in enumerate(values, start=1):
            cell = put(ws, n + 3, c, v)
            cell.border = BORDER
            if c == 5:
                cell.number_format = "yyyy-mm-dd"
        if r.staffing != "ok":
            ws.cell(row=n + 3, column=11).fill = SHORT_FILL
    _setup(ws, len(ROSTER_HEADERS), 3)


def _header(ws: Worksheet, row: int, names: list[str]) -> None:
    for c, name in enumerate(names, start=1):
        cell = put(ws, row, c, name)
        cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _setup(ws: Any, ncols: int, header_row: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.gridLines = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    for c in range(1, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 14
    ws.column_dimensions["C"].width = 28


def _sheet_title(name: str, taken: list[str]) -> str:
    """A sheet name Excel accepts: none of []:*?/\\ nor characters XLSX cannot hold, no quote at either end, at most
    31 characters, unique."""
    base = "".join(ch for ch in ILLEGAL_CHARACTERS_RE.sub("", name) if ch not in '[]:*?/\\')[:28].strip("' ") or "街道"
    title, n = base, 2
    while title in taken:
        title, n = f"{base[:26]}{n}", n + 1
    return title
