"""Plain ledgers that are not map layers (returnee lists, pass registers, event ledgers, 无主小区 ledgers …).

Offices keep these in Excel, with a title row, a two-row header, a 合计 row and a 填表人 footer, or as a CSV in
GBK: the same files the layer import reads. So they are read by the same opener (`formats.open_source`: zip-bomb
checks before openpyxl unpacks, encoding detection, header-row search, total/footer rows skipped, our own
formula-protecting quote removed again) and only the column naming is the ledger's own: `columns` maps each
canonical column to the header texts offices use for it.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from loaders import cells
from loaders.readers.formats import UnreadableFile, open_source, upload_path

#: read in chunks of this many rows (a ledger is small; the opener streams anyway)
_CHUNK_ROWS = 50_000


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower().strip("*：:")


def _text(value: object) -> str | None:
    """A cell as the text a person sees: a date without 00:00:00, a whole number without ".0" (Excel stores phone
    and ID-like numbers typed without a quote as floats), blank as missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # None, NaN, NaT
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return str(value).strip() or None


def read_table(path: str | Path, columns: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """The ledger at `path` as a frame with the canonical columns found (strings, stripped; "" read as missing) and
    `row`, the row number a person sees in the file. Columns with no known header are dropped; a file in which no
    column is known is refused (UnreadableFile, Chinese and English)."""
    known = {_norm(alias): name for name, aliases in columns.items() for alias in (name, *aliases)}

    def score(header: str, parts: Sequence[str]) -> bool:
        return _norm(header) in known or any(_norm(p) in known for p in parts)

    with open_source(path, score) as source:
        if source.kind != "table":
            raise UnreadableFile("应为 Excel（.xlsx）或 CSV 表格", "expected an Excel (.xlsx) or CSV table")
        rename = {}
        for header in source.headers:
            parts = source.header_parts.get(header, ())
            name = known.get(_norm(header)) or next((known[_norm(p)] for p in reversed(parts) if _norm(p) in known),
                                                    None)
            if name is not None and name not in rename.values():
                rename[header] = name
        if not rename:
            wanted = "、".join(columns)
            raise UnreadableFile(f"找不到任何已知列（应有：{wanted}）", f"no known column found (expected: {wanted})")
        frames = []
        for chunk in source.chunks(_CHUNK_ROWS):
            frame = chunk.frame[list(rename)].rename(columns=rename).astype(object)
            frame = frame.apply(cells.unquote_series)
            frame = frame.map(_text).astype(object)
            frame = frame.where(frame.notna(), None)
            frame["row"] = chunk.rows
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*rename.values(), "row"])
    return pd.concat(frames, ignore_index=True)


def read_upload(data: bytes, client_name: str, columns: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """`read_table` for a file sent through a page: written under a safe name inside a fresh temporary folder (the
    sender's name is never a path) and read there."""
    with tempfile.TemporaryDirectory(prefix="gridwatch-upload-") as folder:
        path = upload_path(Path(folder), client_name)
        path.write_bytes(data)
        return read_table(path, columns)
