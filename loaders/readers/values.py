"""Cell values → canonical values: text, whole numbers, dates, yes/no, and vocabulary codes.

Each parser takes a whole column (a pandas Series of raw cells: str from CSV, int/float/datetime/str from Excel
and GIS files) and returns the parsed column plus an `Issue` naming the positions it could not parse, with the
value quoted in the message. Work is done per *distinct* value where parsing is not vectorisable: ledgers repeat
the same dates and labels thousands of times.

Strict but sensible: "1,234" and "12户" are 1234 and 12, "abc", "12.5" and "约10" are errors; "2022/4/1",
"2022年4月1日", "2022-04-01", "20220401", Excel serial 44652 and datetime cells are all 1 April 2022, "4月1日"
(no year) is an error.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.base import vocab
from geodata.base.layers import (
    CONTROL_CHARACTERS,
    TEXT_KINDS,
    YES_NO_PROBLEM,
    Field,
    Rule,
    bound_problem,
    checked_text,
    control_character_problem,
    layer_rule,
    length_problem,
    yes_no,
)
from loaders.cells import unquote_series

from .problems import ERROR, Issue

#: cells that mean "no value" in any column
NA_TOKENS = frozenset({"", "-", "--", "—", "——", "/", "\\", "null", "none", "nan", "n/a", "#n/a", "nat", "<na>"})
#: ... and additionally in number, date and yes/no columns
NA_TOKENS_NUMERIC = NA_TOKENS | {"无", "空", "暂无"}

#: units people append to counts; "12户" in 户数 is 12
_COUNT_UNITS = "户人层个栋幢名位间套处座"
_INT_RE = re.compile(rf"^(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.0+)?[{_COUNT_UNITS}]?$")

# Excel's day 0 is 1899-12-30 (the 1900 leap-year bug makes every serial from 61 on line up with this origin).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: serial numbers we accept as dates: 1954-10-03 .. 2119-01-13, far from counts and from yyyymmdd numbers
_EXCEL_SERIALS = (20000, 80000)
_YEARS = (1900, 2100)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]+\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?(?:\s*\d{1,2}[:时点]\d{0,2}.*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)

_TAG_SEPARATORS = re.compile(r"[,，、;；/|\s]+")

#: fields holding several vocabulary terms in one cell
MULTI_VALUED = frozenset({"tags"})
#: fields holding identifiers: compared after NFKC (full-width digits are common in typed ledgers)
_IDENTIFIER_SUFFIXES = ("code", "phone", "id_number", "pass_no")


@dataclass
class Parsed:
    values: pd.Series
    issue: Issue | None = None
    #: vocabulary fields: the distinct values (as written, trimmed) that match no term and were not mapped — the
    #: import stops on them with a choice (map each to a known term for this file, or refuse)
    unknown: tuple[str, ...] = ()


def vocabulary(layer: str, name: str) -> dict[str, vocab.Term] | None:
    """The terms of a vocabulary field of `layer` (the field registry's, `geodata.base.layers.RULES`)."""
    rule = layer_rule(layer, name)
    return dict(rule.vocab) if rule is not None and rule.vocab is not None else None


def is_missing(value: object, tokens: frozenset[str] = NA_TOKENS) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return value.strip().lower() in tokens
    return False


def _text_mask(series: pd.Series) -> np.ndarray:
    """Which cells hold text (str columns from CSV are all text; Excel columns are mixed)."""
    if isinstance(series.dtype, pd.StringDtype):
        return series.notna().to_numpy(dtype=bool)
    if series.dtype == object:
        return series.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    return np.zeros(len(series), dtype=bool)


def _missing_mask(series: pd.Series, tokens: frozenset[str]) -> np.ndarray:
    """Vectorised `is_missing` over a column."""
    mask = series.isna().to_numpy(dtype=bool, copy=True)
    is_text = _text_mask(series)
    if is_text.any():
        text = series[is_text].astype(str).str.strip().str.lower()
        mask[is_text] |= text.isin(tokens).to_numpy(dtype=bool)
    return mask


def _by_distinct(series: pd.Series, present: np.ndarray, fn: Callable[[object], tuple[object, tuple[str, str] | None]],
                 field: str, empty: object = None) -> Parsed:
    """Apply `fn(raw) -> (value, (zh, en) | None)` once per distinct present value."""
    values = np.full(len(series), empty, dtype=object)
    if not present.any():
        return Parsed(pd.Series(values, index=series.index, dtype=object))
    raw = series.to_numpy(dtype=object)[present]
    try:
        codes, uniques = pd.factorize(pd.Series(raw, dtype=object), use_na_sentinel=True)
    except TypeError:  # unhashable cell contents: fall back to one call per cell
        codes, uniques = np.arange(len(raw)), raw
    results = [fn(u) for u in uniques]
    parsed = np.empty(len(results), dtype=object)
    parsed[:] = [r[0] for r in results]
    failed = np.array([r[1] is not None for r in results], dtype=bool)
    values[present] = parsed[codes]
    bad_local = failed[codes]
    issue = None
    if bad_local.any():
        positions = np.flatnonzero(present)[bad_local]
        msgs = [r[1] for r in results]
        zh = np.array([msgs[c][0] for c in codes[bad_local]], dtype=object)
        en = np.array([msgs[c][1] for c in codes[bad_local]], dtype=object)
        values[positions] = empty
        issue = Issue(positions, ERROR, zh, en, field)
    return Parsed(pd.Series(values, index=series.index, dtype=object), issue)


def _shown(value: object) -> str:
    text = str(value).strip()
    return text if len(text) <= 40 else text[:37] + "…"


# ---------------------------------------------------------------------------------------------------------
# text


def _number_text(v: object) -> str:
    """Excel/GIS numbers in text fields: 420102001.0 → '420102001', 13800138000 → '13800138000'."""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e17 else repr(float(v))
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.isoformat(sep=" ") if (v.hour, v.minute, v.second) != (0, 0, 0) else v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _control_characters(text: pd.Series, name: str) -> Issue | None:
    """Cells holding control characters, refused by the field registry's rule
    (`geodata.base.layers.control_character_problem`); the column is screened in one vectorised pass first."""
    hits = np.flatnonzero(text.str.contains(CONTROL_CHARACTERS, regex=True).fillna(False).to_numpy(dtype=bool))
    if not len(hits):
        return None
    found = [(i, control_character_problem(text.iloc[i], name)) for i in hits]
    found = [(i, why) for i, why in found if why is not None]
    if not found:
        return None
    return Issue(np.array([i for i, _ in found]), ERROR, [why[0] for _, why in found],
                 [why[1] for _, why in found], name)


def parse_text(series: pd.Series, name: str = "") -> Parsed:
    """Stripped text; numbers from Excel/GIS cells written without '.0'. Text columns from CSV stay Arrow-backed
    strings (a tenth of the memory of Python objects: it matters at a million rows). Control characters are
    refused (the cell is left empty and the row named)."""
    present = ~_missing_mask(series, NA_TOKENS)
    identifier = name.endswith(_IDENTIFIER_SUFFIXES)
    if isinstance(series.dtype, pd.StringDtype) and name != "id_number":
        text = series.str.strip().where(present)
        if identifier:  # full-width digits typed on Chinese keyboards: only non-ASCII cells need NFKC
            wide = text.str.contains(r"[^\x00-\x7f]", regex=True).fillna(False).to_numpy(dtype=bool)
            if wide.any():
                text[wide] = text[wide].map(lambda v: unicodedata.normalize("NFKC", v).strip())
        issue = _control_characters(text, name)
        if issue is not None:
            text.iloc[issue.positions] = None
        return Parsed(text, issue)
    out = np.full(len(series), None, dtype=object)
    out[present] = [v.strip() if isinstance(v, str) else _number_text(v)
                    for v in series.to_numpy(dtype=object)[present]]
    if identifier and present.any():
        out[present] = [unicodedata.normalize("NFKC", v).strip() for v in out[present]]
    issue = None
    if name == "id_number" and present.any():
        # 18-digit ID numbers saved as numbers lose their last digits (Excel keeps 15 significant digits)
        raw = series.to_numpy(dtype=object)
        bad = np.zeros(len(series), dtype=bool)
        bad[present] = [
            (isinstance(r, (int, float, np.integer, np.floating)) and not isinstance(r, bool) and abs(r) >= 1e15)
            or bool(re.fullmatch(r"\d(\.\d+)?e\+\d+", v.lower()))
            for r, v in zip(raw[present], out[present], strict=True)
        ]
        if bad.any():
            issue = Issue.where(bad, ERROR, "身份证号被存成了数字，末尾几位已丢失，请把该列设为文本后重新导出",
                                "the ID number was stored as a number and lost its last digits; format the column "
                                "as text and export again", name)
            out[bad] = None
    parsed = pd.Series(out, index=series.index, dtype=object)
    control = _control_characters(parsed.astype("string"), name)
    if control is not None:
        parsed.iloc[control.positions] = None
        if issue is not None:  # both: ID numbers stored as numbers, and control characters in other cells
            control = Issue(np.concatenate([issue.positions, control.positions]), ERROR,
                            [issue.zh] * len(issue) + list(control.zh), [issue.en] * len(issue) + list(control.en),
                            name)
        issue = control
    return Parsed(parsed, issue)


# ---------------------------------------------------------------------------------------------------------
# whole numbers


def _int_value(v: object) -> tuple[int | None, tuple[str, str] | None]:
    if isinstance(v, bool):
        return None, (f"“{v}”不是整数", f"{v!r} is not a whole number")
    if isinstance(v, (int, np.integer)):
        n = int(v)
    elif isinstance(v, (float, np.floating)):
        if not float(v).is_integer():
            return None, (f"“{v}”不是整数", f"{v!r} is not a whole number")
        n = int(v)
    else:
        text = unicodedata.normalize("NFKC", str(v)).strip().replace(" ", "")
        m = _INT_RE.match(text)
        if not m:
            if re.fullmatch(r"-\d+", text):
                return None, (f"“{_shown(v)}”不能为负数", f"{_shown(v)!r} must not be negative")
            return None, (f"“{_shown(v)}”不是整数", f"{_shown(v)!r} is not a whole number")
        n = int(m.group(1).replace(",", ""))
    if n < 0:
        return None, (f"“{n}”不能为负数", f"{n} must not be negative")
    return n, None


def parse_int(series: pd.Series, name: str = "") -> Parsed:
    """Whole numbers ≥ 0 as pandas Int64. Accepts 1,234 / 1，234 / 12户 / 12.0; rejects text, fractions, negatives."""
    present = ~_missing_mask(series, NA_TOKENS_NUMERIC)
    out = pd.array([pd.NA] * len(series), dtype="Int64")
    # fast path: plain digits (the common case, and all of a large CSV)
    num = pd.to_numeric(series.where(present), errors="coerce")
    num_np = num.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        fast = present & np.isfinite(num_np) & (num_np >= 0) & (np.floor(num_np) == num_np) & (num_np < 2**53)
    if series.dtype == object:  # TRUE in a count column is a mistake, not 1
        fast &= ~series.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
    # "12.0" text is fine, but "1e3" is not how anyone writes a count: text cells take the fast path only as digits
    is_text = _text_mask(series) & fast
    if is_text.any():
        digits = series[is_text].astype(str).str.strip().str.fullmatch(r"\d+(?:\.0+)?")
        fast[np.flatnonzero(is_text)[~digits.to_numpy(dtype=bool)]] = False
    out[fast] = num_np[fast].astype("int64")
    slow = present & ~fast
    issue = None
    if slow.any():
        parsed = _by_distinct(series, slow, _int_value, name)
        vals = parsed.values.to_numpy(dtype=object)
        ok = slow.copy()
        if parsed.issue is not None:
            ok[parsed.issue.positions] = False
        out[ok] = np.array([int(v) for v in vals[ok]], dtype="int64")
        issue = parsed.issue
    return Parsed(pd.Series(out, index=series.index), issue)


# ---------------------------------------------------------------------------------------------------------
# dates


def _excel_serial(n: float) -> dt.date | None:
    if _EXCEL_SERIALS[0] <= n < _EXCEL_SERIALS[1]:
        return _EXCEL_EPOCH + dt.timedelta(days=int(n))
    return None


def _date_value(v: object) -> tuple[dt.date | None, tuple[str, str] | None]:
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        d = v.date()
    elif isinstance(v, dt.date):
        d = v
    elif isinstance(v, np.datetime64):
        d = pd.Timestamp(v).date()
    elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        d = _excel_serial(float(v))
        if d is None and float(v).is_integer():
            d = _ymd_number(str(int(v)))
        if d is None:
            return None, (f"“{_shown(v)}”不是有效日期（不是 Excel 日期序号，也不是 20220401 形式）",
                          f"{_shown(v)!r} is not a date (neither an Excel serial date nor yyyymmdd)")
    else:
        text = unicodedata.normalize("NFKC", str(v)).strip().lower()
        text = re.sub(r"\s+", " ", text)
        d = None
        for pattern in _DATE_PATTERNS:
            m = pattern.match(text)
            if m:
                d = _ymd(*m.groups())
                if d is None:
                    return None, (f"“{_shown(v)}”不是存在的日期", f"{_shown(v)!r} is not a real calendar date")
                break
        if d is None and re.fullmatch(r"\d{5}(\.\d+)?", text):
            d = _excel_serial(float(text))
        if d is None:
            if re.fullmatch(r"\d{1,2}月\d{1,2}[日号]?", text) or re.fullmatch(r"\d{1,2}[-/.]\d{1,2}", text):
                return None, (f"“{_shown(v)}”缺少年份", f"{_shown(v)!r} has no year")
            return None, (f"“{_shown(v)}”不是可识别的日期（可用：2022-04-01、2022/4/1、2022年4月1日、20220401）",
                          f"{_shown(v)!r} is not a recognised date (use 2022-04-01, 2022/4/1, 2022年4月1日 or "
                          "20220401)")
    if not _YEARS[0] <= d.year <= _YEARS[1]:
        return None, (f"“{_shown(v)}”年份不合理", f"{_shown(v)!r} has an implausible year")
    return d, None


def _ymd(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _ymd_number(text: str) -> dt.date | None:
    return _ymd(text[:4], text[4:6], text[6:8]) if len(text) == 8 else None


def parse_date(series: pd.Series, name: str = "") -> Parsed:
    """datetime.date values (object column; None where empty)."""
    present = ~_missing_mask(series, NA_TOKENS_NUMERIC)
    return _by_distinct(series, present, _date_value, name)


# ---------------------------------------------------------------------------------------------------------
# yes/no


def _bool_value(v: object) -> tuple[bool | None, tuple[str, str] | None]:
    """The registry's yes/no words (`geodata.base.layers.yes_no`), as hand edits read them."""
    answer = yes_no(v)
    if answer is None:
        return None, (f"“{_shown(v)}”{YES_NO_PROBLEM[0]}", f"{_shown(v)!r}: {YES_NO_PROBLEM[1]}")
    return answer, None


def parse_bool(series: pd.Series, name: str = "") -> Parsed:
    present = ~_missing_mask(series, NA_TOKENS)
    parsed = _by_distinct(series, present, _bool_value, name)
    return Parsed(parsed.values.astype("boolean"), parsed.issue)


# ---------------------------------------------------------------------------------------------------------
# vocabularies


def _allowed(terms: dict[str, vocab.Term]) -> tuple[str, str]:
    return "、".join(t.zh for t in terms.values()), ", ".join(terms)


def term_text(value: object) -> str:
    """A vocabulary cell as it is compared and as a value map names it: NFKC, trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_vocab(series: pd.Series, name: str, terms: dict[str, vocab.Term], label_zh: str = "",
                chosen: Mapping[str, str] | None = None) -> Parsed:
    """Stored codes via `geodata.base.vocab.parse_term` (code, Chinese or English label, or a listed synonym).

    `chosen` maps values this file writes that no term knows (居家健康监测) to the code a person chose for this
    file (/import's choice, the CLI's `--map`); values left unknown are errors that say how to make that choice."""
    allowed_zh, allowed_en = _allowed(terms)
    what = label_zh or name
    chosen = chosen or {}
    unknown: dict[str, None] = {}

    def one(v: object) -> tuple[str | None, tuple[str, str] | None]:
        text = term_text(v)
        code = chosen.get(text) or vocab.parse_term(terms, text)
        if code is None:
            unknown[text] = None
            return None, (f"“{_shown(v)}”不是可识别的{what}（可用：{allowed_zh}）；可在导入页为本文件选择对应的取值，"
                          f"或用 --map {what}:{_shown(v)}=取值 指定",
                          f"{_shown(v)!r} is not a known {name} (allowed: {allowed_en}); choose the value it means "
                          f"for this file on /import, or give --map {what}:{_shown(v)}=<value>")
        return code, None

    def many(v: object) -> tuple[str | None, tuple[str, str] | None]:
        text = str(v).strip().strip("[]")  # a list written as text: "['elderly_alone', 'party_member']"
        parts = [p.strip("'\"") for p in _TAG_SEPARATORS.split(text) if p.strip("'\"")]
        codes, unknown = [], []
        for p in parts:
            code = vocab.parse_term(terms, p)
            (codes if code else unknown).append(code or p)
        if unknown:
            bad = "、".join(unknown)
            return None, (f"“{bad}”不是可识别的{what}（可用：{allowed_zh}）",
                          f"{', '.join(unknown)!r} is not a known {name} (allowed: {allowed_en})")
        return ",".join(dict.fromkeys(codes)) or None, None

    present = ~_missing_mask(series, NA_TOKENS)
    parsed = _by_distinct(series, present, many if name in MULTI_VALUED else one, name)
    parsed.unknown = tuple(unknown)
    return parsed


# ---------------------------------------------------------------------------------------------------------


def parse_field(series: pd.Series, field: Field, layer: str, chosen: Mapping[str, str] | None = None) -> Parsed:
    """Parse one source column into the canonical field `field` of `layer` (`chosen`: this file's value map of a
    vocabulary field, see `parse_vocab`).

    The quote our exports put before text a spreadsheet would run as a formula (`loaders.cells`) comes off first,
    so an exported file re-imports unchanged."""
    series = unquote_series(series)
    terms = vocabulary(layer, field.name)
    if terms is not None:
        return parse_vocab(series, field.name, terms, field.zh, chosen)
    rule = layer_rule(layer, field.name)
    if field.kind == "int":
        return within_bounds(parse_int(series, field.name), rule, field.name)
    if field.kind == "date":
        return parse_date(series, field.name)
    if field.kind == "bool":
        return parse_bool(series, field.name)
    if field.kind == "float":
        return parse_float(series, field.name)
    return by_text_rule(parse_text(series, field.name), rule, field.name)


# ---------------------------------------------------------------------------------------------------------
# the field registry's rules (geodata.base.layers.RULES) on parsed columns: the checks hand edits make too


def _messages(issue: Issue, lang: str) -> list[str]:
    said = issue.zh if lang == "zh" else issue.en
    return [said] * len(issue) if isinstance(said, str) else list(said)


def _merged(first: Issue | None, second: Issue | None) -> Issue | None:
    """One issue of two about different cells of one column."""
    if first is None or not len(first):
        return second
    if second is None or not len(second):
        return first
    return Issue(np.concatenate([first.positions, second.positions]), ERROR,
                 _messages(first, "zh") + _messages(second, "zh"), _messages(first, "en") + _messages(second, "en"),
                 first.field)


def _quoted(value: object, why: tuple[str, str]) -> tuple[str, str]:
    return f"“{_shown(value)}”{why[0]}", f"{_shown(value)!r}: {why[1]}"


def within_bounds(parsed: Parsed, rule: Rule | None, name: str) -> Parsed:
    """Whole numbers outside the rule's bounds (`geodata.base.layers.bound_problem`) are errors."""
    if rule is None or rule.kind != "int" or (rule.lo is None and rule.hi is None):
        return parsed
    num = parsed.values.to_numpy(dtype="float64", na_value=np.nan)
    lo = -np.inf if rule.lo is None else rule.lo
    hi = np.inf if rule.hi is None else rule.hi
    with np.errstate(invalid="ignore"):
        outside = ~np.isnan(num) & ((num < lo) | (num > hi))
    if not outside.any():
        return parsed
    whys = [_quoted(int(n), bound_problem(rule, int(n)) or ("", "")) for n in num[outside]]
    issue = Issue(np.flatnonzero(outside), ERROR, [w[0] for w in whys], [w[1] for w in whys], name)
    values = parsed.values.mask(pd.Series(outside, index=parsed.values.index))
    return Parsed(values, _merged(parsed.issue, issue))


def by_text_rule(parsed: Parsed, rule: Rule | None, name: str) -> Parsed:
    """Text longer than its column, and phone numbers, ID numbers and genders the registry does not accept
    (`geodata.base.layers.checked_text`), are errors; accepted ones are stored as the registry says (ID numbers
    upper case, genders 男/女). Plain text is screened for length in one vectorised pass."""
    if rule is None or rule.kind not in TEXT_KINDS:
        return parsed
    values = parsed.values
    present = values.notna().to_numpy(dtype=bool)
    if not present.any():
        return parsed
    if rule.kind == "text":
        if rule.max_len is None:
            return parsed
        lengths = values.astype("string").str.len().to_numpy(dtype="float64", na_value=0)
        long = np.flatnonzero(lengths > rule.max_len)
        if not len(long):
            return parsed
        whys = [_quoted(values.iloc[i], length_problem(values.iloc[i], rule.max_len) or ("", "")) for i in long]
        issue = Issue(long, ERROR, [w[0] for w in whys], [w[1] for w in whys], name)
        mask = np.zeros(len(values), dtype=bool)
        mask[long] = True
        return Parsed(values.mask(pd.Series(mask, index=values.index)), _merged(parsed.issue, issue))

    def one(v: object) -> tuple[str | None, tuple[str, str] | None]:
        stored, why = checked_text(rule, name, str(v))
        return stored, None if why is None else _quoted(v, why)

    checked = _by_distinct(values, present, one, name)
    return Parsed(checked.values, _merged(parsed.issue, checked.issue))


# ---------------------------------------------------------------------------------------------------------
# coordinates (used by geometry.py)

_DMS = re.compile(r"^(?:[东西南北ewns]\s*)?(\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′分])?\s*"
                  r"(?:(\d+(?:\.\d+)?)\s*(?:\"|″|′′|''|秒))?\s*[东西南北ewns]?$")


def _float_value(v: object) -> tuple[float | None, tuple[str, str] | None]:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        if math.isfinite(float(v)):
            return float(v), None
    text = unicodedata.normalize("NFKC", str(v)).strip().lower()
    text = re.sub(r"^(东经|北纬|e|n)\s*", "", text)
    try:
        return float(text.rstrip("°")), None
    except ValueError:
        pass
    m = _DMS.match(text)
    if m:
        deg, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
        return deg + minutes / 60 + seconds / 3600, None
    return None, (f"“{_shown(v)}”不是数字", f"{_shown(v)!r} is not a number")


def parse_float(series: pd.Series, name: str = "") -> Parsed:
    """Floats (NaN where empty); also degrees written as 114°18′30″ or 东经114.3."""
    present = ~_missing_mask(series, NA_TOKENS_NUMERIC)
    num = pd.to_numeric(series.where(present), errors="coerce").to_numpy(dtype="float64", na_value=np.nan, copy=True)
    slow = present & ~np.isfinite(num)
    issue = None
    if slow.any():
        parsed = _by_distinct(series, slow, _float_value, name)
        vals = parsed.values.to_numpy(dtype=object)
        ok = slow.copy()
        if parsed.issue is not None:
            ok[parsed.issue.positions] = False
        num[ok] = vals[ok].astype("float64")
        issue = parsed.issue
    return Parsed(pd.Series(num, index=series.index), issue)
