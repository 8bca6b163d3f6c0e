"""Ledger-shaped tables (台账): XLSX sheets, and CSVs exported from them.

A ledger is rarely a clean table. Typical layout:

    row 1   XX社区居家隔离人员台账                       ← title, merged across the sheet
    row 2   填报单位：XX社区      填报日期：2022年4月1日   ← meta line
    row 3   序号 | 姓名 | 人员编码 | 隔离信息 (merged over three columns) | 备注
    row 4        |      |          | 隔离方式 | 开始日期 | 计划解除日期 |
    row 5…  data
    row n   合计 |      |    12    |
    row n+1 填表人：张三                                   ← footer

So: the header row is the row (or pair of rows) whose cells best match the layer's known headers; a two-row
header is flattened column by column to "upper/lower" (the group cell is carried over the columns it spans,
which is what a merged cell looks like when read cell by cell); empty rows, total rows (合计/总计/小计),
footer lines and page-repeated headers are skipped.

XLSX is read with openpyxl in read-only mode: rows stream from the zip, so memory stays flat for large sheets.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: rows inspected when looking for the header
HEADER_SCAN_ROWS = 30
_TOTAL_WORDS = frozenset({"合计", "总计", "小计", "共计", "累计", "汇总", "总数", "total", "sum", "subtotal"})
_FOOTER_PREFIXES = ("填表人", "填报人", "制表人", "审核人", "审批人", "负责人签字", "签字", "填表日期", "填报日期",
                    "制表日期", "备注：", "备注:", "说明：", "说明:", "注：", "注:", "单位负责人", "填报单位", "统计时间")


@dataclass
class Header:
    names: list[str]  # one per column: unique, never empty ("(F)" for an unnamed column)
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # flattened two-row headers: name → cells
    rows: tuple[int, ...] = ()  # row numbers (1-based) of the header row(s)

    @property
    def last_row(self) -> int:
        return self.rows[-1] if self.rows else 0


def column_letter(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how a person finds a column in Excel."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:  # NaN
        return ""
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return re.sub(r"\s+", " ", str(v)).strip()


def _texts(values: Sequence[object]) -> list[str]:
    return [cell_text(v) for v in values]


def _flatten(upper: list[str], lower: list[str]) -> tuple[list[str], dict[int, tuple[str, ...]], set[int]]:
    """Names of a two-row header, their (upper, lower) parts, and the columns whose upper part was carried over
    from a group header on their left (what a merged cell looks like when read cell by cell)."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    names, parts, carried = [], {}, set()
    group = ""
    for j in range(width):
        up, low = upper[j], lower[j]
        if up and low:
            group = up
        elif up:
            group = ""
        elif low and group:
            up = group  # the cell under a merged group header
            carried.add(j)
        if up and low and up != low:
            names.append(f"{up}/{low}")
            parts[j] = (up, low)
        else:
            names.append(low or up)
    return names, parts, carried


def _lower_cells(names: list[str], parts: dict[int, tuple[str, ...]]) -> list[str]:
    """Each flattened column's lower cell (its whole name when it has no parts)."""
    return [parts[j][-1] if j in parts else n for j, n in enumerate(names)]


def _finish(names: list[str], parts: dict[int, tuple[str, ...]], rows: tuple[int, ...]) -> Header:
    last = max((j for j, n in enumerate(names) if n), default=-1)
    names = names[: last + 1]
    out, seen, named_parts = [], {}, {}
    for j, n in enumerate(names):
        n = n or f"({column_letter(j)})"
        if n in seen:
            seen[n] += 1
            n = f"{n}({seen[n]})"
        else:
            seen[n] = 1
        out.append(n)
        if j in parts:
            named_parts[n] = parts[j]
    return Header(out, named_parts, rows)


def find_header(rows: Sequence[tuple[int, Sequence[object]]],
                score: Callable[[str, Sequence[str]], bool]) -> Header | None:
    """The header among the first rows of a sheet. `rows` are (row number, cell values); `score(name, parts)` says
    whether a header text is known for the layer. Returns None for a sheet without any non-empty row."""
    texts = [(r, _texts(v)) for r, v in rows[:HEADER_SCAN_ROWS]]
    texts = [(r, t) for r, t in texts if any(t)]
    if not texts:
        return None
    best: tuple[tuple[int, int, int], Header] | None = None
    for k, (r, cells) in enumerate(texts):
        single = _finish(cells, {}, (r,))
        s1 = sum(score(n, ()) for n in single.names)
        candidates = [((s1, 1, -k), single)]
        if k + 1 < len(texts) and texts[k + 1][0] == r + 1:
            names, parts, carried = _flatten(cells, texts[k + 1][1])
            pair = _finish(names, parts, (r, r + 1))
            # a column under a carried-over group counts only when its own lower cell is a known header: else a
            # header row with one blank cell followed by data would read its first data row as a second header
            # row (the blank column inheriting its left neighbour's name), and that row would be lost
            lowers = _lower_cells(names, parts)  # pair.names is names trimmed at the right: same columns
            s2 = sum(score(lowers[j], ()) if j in carried else score(n, pair.parts.get(n, ()))
                     for j, n in enumerate(pair.names))
            if s2 > s1:
                candidates.append(((s2, 0, -k), pair))
        for key, header in candidates:
            if best is None or key > best[0]:
                best = (key, header)
    assert best is not None
    if best[0][0] > 0:
        return best[1]
    # nothing known: the first row that is about as wide as the table (skips one-cell title rows)
    widest = max(sum(1 for c in t if c) for _, t in texts)
    r, cells = next((r, t) for r, t in texts if sum(1 for c in t if c) * 2 >= widest)
    return _finish(cells, {}, (r,))


def skip_mask(frame: pd.DataFrame, header: Header) -> np.ndarray:
    """Rows of a table chunk that are not data: empty, total (合计), footer (填表人：…) or a repeated header.

    Whole-column string operations only (Arrow-backed for CSV): a million-row file must not run Python per cell.
    The rare candidates (short cells holding 计/total, rows with one or two cells) are looked at more closely.
    """
    n = len(frame)
    if n == 0 or frame.shape[1] == 0:
        return np.zeros(n, dtype=bool)
    text = [frame[c].where(frame[c].notna(), "").astype(str).str.strip() for c in frame.columns]
    filled = np.column_stack([(t != "").to_numpy(dtype=bool) for t in text])
    count = filled.sum(axis=1)
    skip = count == 0
    for t in text[:3]:
        maybe = (t.str.len() <= 12) & t.str.contains("计|汇总|总数|total|sum", case=False, regex=True)
        maybe = maybe.fillna(False).to_numpy(dtype=bool)
        if maybe.any():
            words = t[maybe].str.replace(r"[\s:：]", "", regex=True).str.lower()
            skip[maybe] |= words.isin(_TOTAL_WORDS).to_numpy(dtype=bool)
    few = np.flatnonzero(~skip & (count <= 2))
    for i in few:  # footer lines have one or two cells: few rows, so per-row is fine
        first = next(t.iat[i] for j, t in enumerate(text) if filled[i, j])
        skip[i] = first.startswith(_FOOTER_PREFIXES)
    expected = [name if not name.startswith("(") else "" for name in header.names]
    same = (text[0] == expected[0]).to_numpy(dtype=bool) & (count >= 2)
    if same.any():
        for t, e in zip(text[1:], expected[1:], strict=False):
            same &= (t == e).to_numpy(dtype=bool)
        skip |= same
    return skip


# ---------------------------------------------------------------------------------------------------------
# XLSX


def open_workbook(path: Path):
    import openpyxl  # imported here: only XLSX imports pay for it

    return openpyxl.load_workbook(path, read_only=True, data_only=True)


def sheet_rows(ws) -> Iterator[tuple[int, tuple]]:
    """(row number, values) for every row of a read-only worksheet, empty rows included so numbers stay right."""
    ws.reset_dimensions()  # some writers store a wrong <dimension>; read-only mode would trust it and cut rows
    for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        yield number, tuple(values)


def choose_sheet(wb, score: Callable[[str, Sequence[str]], bool],
                 prefer: Sequence[str] = ()) -> tuple[object, Header | None, list[str]]:
    """The sheet for the layer: a visible sheet with known headers, named after the layer if one is (ledgers
    written by `loaders.export` have a sheet per layer), else the best-matching one. Returns (sheet, header,
    other sheet names)."""
    best = None
    names = []
    for ws in wb.worksheets:
        names.append(ws.title)
        head = []
        for number, values in sheet_rows(ws):
            head.append((number, values))
            if number >= HEADER_SCAN_ROWS:
                break
        header = find_header(head, score)
        known = sum(score(n, header.parts.get(n, ())) for n in header.names) if header else -1
        visible = getattr(ws, "sheet_state", "visible") == "visible"
        key = (visible and known > 0, ws.title.strip() in prefer, known)
        if best is None or key > best[0]:
            best = (key, ws, header)
    assert best is not None
    others = [n for n in names if n != best[1].title]
    return best[1], best[2], others
