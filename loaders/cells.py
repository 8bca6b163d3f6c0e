"""Cell text a spreadsheet takes as text, never as a formula: the one place every CSV and XLSX we write goes through.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and, after a tab or carriage return, too)
as a formula: a unit name like `=HYPERLINK("http://…", "点此")` or `=cmd|' /C calc'!A0` planted by one person
would run on the PC of whoever opens the ledger. The OWASP CSV-injection practice is followed: such text cells get
a leading single quote `'`, so they show as text (the quote stays visible, the text stays readable). In XLSX the
cell is also stored as a string cell (openpyxl data type "s"), never as a formula ("f").

The quote comes off again when we read a file back (`unquote`, used by `loaders.readers.values`), so an exported
value re-imports unchanged. Text that already starts with quotes before such a character gets one more, so the
round trip is exact for every text: `=x` → `'=x` → `=x`, `'=x` → `''=x` → `'=x`; `'abc` is left alone both ways.
Numbers stay numbers: only `str` values are touched, and a negative number is a number, not text.

XLSX cannot hold most C0 control characters at all (openpyxl raises IllegalCharacterError): they are dropped when
writing (`xlsx_value`); imports and edits refuse them (`geodata.base.layers.control_character_problem`), so only text
stored before that rule can have them.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

#: what a spreadsheet may read as the start of a formula (OWASP: = + - @ tab CR), after any quotes we added
FORMULA_START = r"'*[=+\-@\t\r]"
_NEEDS_QUOTE = re.compile(FORMULA_START)
#: the one quote `neutralise` put in front
_OUR_QUOTE = re.compile(rf"^'(?={FORMULA_START})")


def neutralise(value: Any) -> Any:
    """`value` with a leading `'` when it is text a spreadsheet would run as a formula; anything else unchanged."""
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def unquote(value: Any) -> Any:
    """The inverse of `neutralise` for text read from a file: the protective quote comes off again."""
    if isinstance(value, str) and value.startswith("'"):
        return _OUR_QUOTE.sub("", value, count=1)
    return value


def _text_column(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype) or series.dtype == object


def neutralise_series(series: pd.Series) -> pd.Series:
    """`neutralise` over a column (vectorised for string columns: a ledger can have a million rows)."""
    if isinstance(series.dtype, pd.StringDtype):
        hit = series.str.match(FORMULA_START).fillna(False).astype(bool)
        return series.mask(hit, "'" + series) if hit.any() else series
    if series.dtype == object:
        return series.map(neutralise)
    return series


def unquote_series(series: pd.Series) -> pd.Series:
    """`unquote` over a column of raw cells (str from CSV; anything from Excel and GIS files)."""
    if isinstance(series.dtype, pd.StringDtype):
        hit = series.str.match(rf"'{FORMULA_START}").fillna(False).astype(bool)
        return series.mask(hit, series.str.slice(1)) if hit.any() else series
    if series.dtype == object:
        return series.map(unquote)
    return series


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` safe to write as CSV or XLSX: every text cell neutralised, numbers untouched."""
    out = pd.DataFrame(frame)
    for column in out.columns:
        if _text_column(out[column]):
            out[column] = neutralise_series(out[column])
    return out


# --- XLSX -----------------------------------------------------------------------------------------------------


def xlsx_value(value: Any) -> Any:
    """A value openpyxl stores as data and never as a formula: characters XLSX cannot hold dropped, text
    neutralised. Use it for every value put into a cell (openpyxl refuses illegal characters on assignment)."""
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """`ws.cell(row, column, value)` with the value made safe (`xlsx_value`); text is a string cell."""
    cell = ws.cell(row=row, column=column, value=xlsx_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def append(ws: Worksheet, values: Iterable[Any]) -> None:
    """`ws.append(values)` with every value made safe (`xlsx_value`)."""
    ws.append([xlsx_value(v) for v in values])


def harden(wb: Workbook) -> Workbook:
    """Every cell of `wb` as data: a formula that reached a cell without `put`/`append`/`xlsx_value` (openpyxl makes
    any text starting with `=` one) is turned into its quoted text.

    The last step before saving (`save_workbook`, `workbook_bytes`): whatever a writer did, no cell of a file we
    hand out is a formula. Only formula cells are touched: text already made safe must not get a second quote.
    """
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.value = neutralise(str(cell.value))
                    cell.data_type = "s"
    return wb


def save_workbook(wb: Workbook, out: Path) -> Path:
    """Save `wb` to `out` after `harden`."""
    harden(wb).save(out)
    return out


def workbook_bytes(wb: Workbook) -> bytes:
    """`wb` as XLSX bytes (for a download), after `harden`."""
    buf = io.BytesIO()
    harden(wb).save(buf)
    return buf.getvalue()


def write_table(frame: pd.DataFrame, sheet: str, out: Path) -> Path:
    """A ledger frame (its columns already the Chinese headers) as a one-sheet XLSX: dates as ISO text, blanks
    empty, every cell through `append` (formula-looking text neutralised), the header row frozen."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    append(ws, frame.columns)
    for row in frame.itertuples(index=False):
        append(ws, [None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else
                    (v.isoformat() if isinstance(v, dt.date) else v) for v in row])
    ws.freeze_panes = "A2"
    return save_workbook(wb, out)
