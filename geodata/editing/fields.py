"""What a hand edit may change, per kind of record, and how a typed value becomes a stored one (issue 5, 13).

The rules of each field — type, bounds, length, yes/no and gender words, phone pattern, ID-number check — live
in one registry, `geodata.base.layers.RULES`, which imports read too: a value is accepted or refused the same way
by a file and by a form. This module adds only what is particular to editing by hand: which fields each record
lets people change, their labels, which are required, and which roll-up counter each one feeds.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geodata.base.layers import (
    RULES,
    TEXT_KINDS,
    YES_NO_PROBLEM,
    Rule,
    bound_problem,
    checked_text,
    yes_no,
)
from geodata.base.problems import Problem
from geodata.base.vocab import parse_term


@dataclass(frozen=True)
class Field:
    """One editable field: its labels, and the registry's rule for its values."""

    zh: str
    en: str
    rule: Rule
    required: bool = False
    stat: str | None = None  # the unit_stats counter that sums this field

    @property
    def kind(self) -> str:
        return self.rule.kind


def _f(entity: str, name: str, zh: str, en: str, **kw: Any) -> Field:
    return Field(zh, en, RULES[entity][name], **kw)


def _fields(entity: str, *specs: tuple[Any, ...]) -> dict[str, Field]:
    """{name: Field} from (name, zh, en[, options]) tuples, each pointing at `RULES[entity][name]`."""
    return {s[0]: _f(entity, s[0], s[1], s[2], **(s[3] if len(s) > 3 else {})) for s in specs}


_REQUIRED = {"required": True}

#: what each kind of record lets people edit (the rules of each field are the registry's)
FIELDS: dict[str, dict[str, Field]] = {
    "building": _fields(
        "building", ("name", "名称", "name", _REQUIRED), ("address", "地址", "address"),
        ("floors", "层数", "floors"), ("stair_units", "单元数", "stair units"),
        ("households", "户数", "households", {"stat": "households"}),
        ("population", "人数", "population", {"stat": "population"}),
        ("party_members", "党员", "party members", {"stat": "party_members"}),
        ("vulnerable", "弱势群体", "vulnerable", {"stat": "vulnerable"}),
        ("leader_name", "楼栋长", "building head"), ("leader_phone", "电话", "phone"),
        ("control_state", "管控状态", "control state"), ("control_reason", "管控原因", "control reason"),
        ("control_basis", "封锁依据", "basis of the sealing")),
    "checkpoint": _fields(
        "checkpoint", ("name", "名称", "name", _REQUIRED), ("kind", "类型", "kind", _REQUIRED),
        ("status", "状态", "status", _REQUIRED), ("is_24h", "24小时值守", "24 h"),
        ("staff_day", "白班人数", "day staff"), ("staff_night", "夜班人数", "night staff"),
        ("leader_name", "卡点负责人", "checkpoint leader"), ("leader_phone", "电话", "phone")),
    "unit": _fields(
        "unit", ("name", "名称", "name", _REQUIRED), ("kind", "类型", "kind"),
        ("leader_name", "负责人", "leader"), ("leader_phone", "电话", "phone"),
        ("households", "户数", "households", {"stat": "households"}),
        ("population", "人数", "population", {"stat": "population"}),
        ("control_state", "管控状态", "control state"), ("control_reason", "管控原因", "control reason"),
        ("control_basis", "封锁依据", "basis of the sealing")),
    "household": _fields(
        "household", ("stair_unit", "单元", "stair unit"), ("room", "房号", "room"),
        ("head_name", "户主", "head of household"), ("members", "人口", "members"), ("phone", "电话", "phone"),
        ("pass_no", "通行证号", "pass number")),
    "person": _fields(
        "person", ("name", "姓名", "name", _REQUIRED), ("id_number", "身份证号", "ID number"),
        ("phone", "电话", "phone"), ("gender", "性别", "gender"), ("birth_year", "出生年份", "birth year"),
        ("resident_type", "人口类型", "resident type"), ("tags", "人员类别", "categories")),
    "observation": _fields(
        "observation", ("kind", "隔离方式", "observation kind", _REQUIRED), ("place", "隔离地点", "place"),
        ("reason", "隔离原因", "reason"), ("origin", "来源地", "origin"),
        ("cadre_name", "包保干部", "responsible cadre"), ("medic_name", "包保医务人员", "responsible medic"),
        ("planned_end", "计划解除日期", "planned end", _REQUIRED)),
    "case": _fields("case", ("kind", "病例类型", "case kind", _REQUIRED), ("note", "备注", "note")),
}


def _blank(v: Any) -> bool:
    """None, pandas NA/NaT, NaN or the empty string: "no value" in a form."""
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) or \
        (isinstance(v, str) and v == "")


def parse_value(name: str, f: Field, value: Any) -> tuple[Any, Problem | None]:
    """(stored value, problem) for one typed value of field `name`."""
    def bad(zh: str, en: str) -> tuple[Any, Problem]:
        return None, Problem(f"{f.zh}：{zh}", f"{f.en}: {en}", field=name)

    if _blank(value):
        return (None, None) if not f.required else bad("不能为空", "required")
    rule = f.rule
    if rule.kind in TEXT_KINDS:
        return _text(name, f, value, bad)
    if rule.kind == "int":
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError, OverflowError):
            return bad("应为整数", "must be a whole number")
        problem = bound_problem(rule, number)
        return bad(*problem) if problem else (number, None)
    if rule.kind == "bool":
        answer = yes_no(value)
        return bad(*YES_NO_PROBLEM) if answer is None else (answer, None)
    if rule.kind == "date":
        if isinstance(value, dt.datetime):
            return value.date(), None
        if isinstance(value, dt.date):
            return value, None
        try:
            return dt.date.fromisoformat(str(value).strip()[:10]), None
        except ValueError:
            return bad("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)")
    if rule.kind == "vocab":
        code = parse_term(dict(rule.vocab or {}), value)
        if code is None:
            known = "、".join(t.zh for t in (rule.vocab or {}).values())
            return bad(f"未知取值「{value}」，可选：{known}",
                       f"unknown value {value!r}; one of: {', '.join(rule.vocab or {})}")
        return code, None
    if rule.kind == "tags":
        parts = value if isinstance(value, (list, tuple)) else re.split(r"[,，、;；]", str(value))
        parts = [str(p).strip() for p in parts if str(p).strip()]
        codes = [parse_term(dict(rule.vocab or {}), p) for p in parts]
        unknown = [p for p, c in zip(parts, codes, strict=True) if c is None]
        if unknown:
            return bad(f"未知类别：{'、'.join(unknown)}", f"unknown categories: {', '.join(unknown)}")
        return list(dict.fromkeys(c for c in codes if c)), None
    raise ValueError(f"field kind {rule.kind!r}")


def _text(name: str, f: Field, value: Any, bad: Any) -> tuple[Any, Problem | None]:
    """Text, phone, ID number and gender: what no database can store is refused here, the rest by the registry."""
    if not isinstance(value, str):
        value = str(value)
    if "\x00" in value:
        return bad("含有空字符（\\0），无法保存", "contains a NUL character (\\0), which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return bad("含有无效字符", "contains characters that are not valid Unicode text")
    if f.required and not value.strip():
        return bad("不能为空", "required")
    stored, problem = checked_text(f.rule, name, value)
    return bad(*problem) if problem else (stored, None)
