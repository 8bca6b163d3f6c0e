"""Value maps: what a file's own words mean in our vocabularies, for this file only (issue 17).

Offices write kinds the seeds do not have (隔离方式 居家健康监测). Such a value stops the import with a one-step
choice: map it to a known term for this file, or refuse (leave it unmapped: nothing is written). /import asks on
the page; the CLI takes the same choice as `--map`, either inline or as a file:

    --map 隔离方式:居家健康监测=自我隔离        column (its header, our Chinese label or field name) : value = term
    --map values.csv                          rows of column, value, term (a header row is optional)
    --map values.json                         {"隔离方式": {"居家健康监测": "self"}} (or .toml)

A term is a code, a Chinese or English label or a synonym of the field's vocabulary (`geodata.base.vocab`).
"""
from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from geodata.base import vocab
from geodata.base.layers import LayerSchema

from .columns import MappingError, normalise
from .values import term_text, vocabulary

#: a value map as given: column → {value as written → term}
RawValueMap = dict[str, dict[str, str]]
#: first cells that say a CSV row is a header, not a mapping
_HEADER_WORDS = frozenset({"列", "列名", "字段", "column", "field", "原值", "value"})
_FILE_SUFFIXES = (".csv", ".json", ".toml", ".txt")


def parse_value_maps(specs: Iterable[str | Path] | Mapping[str, Mapping[str, str]] | None) -> RawValueMap:
    """Merge `--map` arguments (inline specs or files) into one raw map; a dict is taken as it is."""
    if specs is None:
        return {}
    if isinstance(specs, Mapping):
        return {str(k): {str(a): str(b) for a, b in dict(v).items()} for k, v in specs.items()}
    out: RawValueMap = {}
    for spec in specs:
        for column, value, term in _entries(spec):
            out.setdefault(column, {})[value] = term
    return out


def _entries(spec: str | Path) -> list[tuple[str, str, str]]:
    text = str(spec)
    path = Path(text)
    if isinstance(spec, Path) or (text.lower().endswith(_FILE_SUFFIXES) and "=" not in text):
        return _file_entries(path)
    column, sep, rest = text.replace("：", ":").partition(":")
    value, eq, term = rest.rpartition("=")
    if not (sep and eq and column.strip() and value.strip() and term.strip()):
        raise MappingError(f"--map 的写法应为 列:原值=取值（如 隔离方式:居家健康监测=自我隔离），或映射文件路径：{text}",
                           f"--map takes column:value=term (e.g. 隔离方式:居家健康监测=自我隔离) or a file: {text!r}")
    return [(column.strip(), value.strip(), term.strip())]


def _file_entries(path: Path) -> list[tuple[str, str, str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingError(f"无法读取取值映射文件：{exc}", f"cannot read the value map file: {exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    if path.suffix.lower() in (".json", ".toml"):
        try:
            data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise MappingError(f"取值映射文件格式错误：{exc}", f"the value map file cannot be parsed: {exc}") from None
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise MappingError("取值映射文件应为 {列: {原值: 取值}}", "a value map file holds {column: {value: term}}")
        return [(str(c), str(v), str(t)) for c, table in data.items() for v, t in table.items()]
    entries = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (n == 1 and cells and normalise(cells[0]) in _HEADER_WORDS):
            continue
        if len(cells) < 3 or not all(cells[:3]):
            raise MappingError(f"{path.name} 第{n}行：应为 列,原值,取值 三列", f"{path.name} row {n}: needs three "
                               "cells: column, value, term")
        entries.append((cells[0], cells[1], cells[2]))
    return entries


def resolve_value_map(raw: RawValueMap, schema: LayerSchema, headers: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """{field: {value: code}} for the vocabulary fields of `schema`, from a raw map whose columns are named by a
    source header (`headers`: field → header in this file), our Chinese label or the field name. A column that is
    not a vocabulary field, or a term that is not in its vocabulary, is refused naming what is allowed."""
    by_key: dict[str, str] = {}
    for f in schema.fields:
        if vocabulary(schema.name, f.name) is None:
            continue
        for key in (f.name, f.zh, headers.get(f.name)):
            if key:
                by_key.setdefault(normalise(key), f.name)
    out: dict[str, dict[str, str]] = {}
    for column, table in raw.items():
        name = by_key.get(normalise(column))
        if name is None:
            known = "、".join(dict.fromkeys(schema.field(n).zh for n in by_key.values()))
            raise MappingError(f"取值映射中的列“{column}”不是{schema.zh}的取值列（可用：{known}）",
                               f"the value map names column {column!r}, which is no vocabulary column of "
                               f"{schema.name} (known: {known})")
        terms = vocabulary(schema.name, name) or {}
        for value, term in table.items():
            code = vocab.parse_term(terms, term_text(term))
            if code is None:
                allowed = "、".join(t.zh for t in terms.values())
                raise MappingError(f"取值映射把“{value}”映射到“{term}”，它不是可识别的{schema.field(name).zh}（可用：{allowed}）",
                                   f"the value map sends {value!r} to {term!r}, which is not a known {name} "
                                   f"(allowed: {', '.join(terms)})")
            out.setdefault(name, {})[term_text(value)] = code
    return out
