"""Editing records by hand — in a table, a form or on the map — so that each person changes only what they are
responsible for and nothing is lost (issue 5; domain file §5.3 role → edit matrix).

Every function here runs inside `geodata.store.writes.write` (one transaction, events, data-version bump) and:
1. finds the record by code and asks geodata.people.scope whether the actor may edit it there (PermissionDenied);
2. validates each changed field (types, vocabulary codes via geodata.base.vocab.parse_term, lengths, non-negative
   counts, dates) and collects every problem before refusing (Rejected, Chinese and English);
3. compares the version the person read with the stored one: a stale save is refused with a `Conflict` that
   says who changed the record last and when ("已被 X 于 T 修改" / "changed by X at T") and carries both values
   of each field — nothing is silently overwritten. A save racing another one past that check is caught by the
   row's `version_id_col` (SQLAlchemy StaleDataError) and refused the same way;
4. writes the change with one event per record: who, when, what, old → new, why.

Fields with rules of their own go through the command that owns those rules, so a table edit cannot bypass them:
a building's or village's control state through `geodata.situation.control.set_control` (lift guard, reason required),
a case's kind through `geodata.situation.cases.reclassify_case` (situation, clusters, alerts). Counters in `unit_stats`
move with every counted field (households, population, party members, vulnerable, open checkpoints, people
under observation by kind).

Free text is stored exactly as typed — HTML, script, SQL fragments, emoji — and pages show it as text. Refused:
NUL characters and unpaired surrogates (no database can store them as text), other control characters (the rule
of every text field, `geodata.base.layers.control_character_problem`: notes keep their line breaks), and text longer
than its column.

Geometry: `move_checkpoint`, `add_checkpoint` (a point inside a unit of the actor's scope) and
`reshape_unit(s)` (a valid polygon inside its parent, not overlapping its siblings, keeping its children and
buildings inside; supervisors and the command centre only).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import shape as geojson_shape
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from geodata.base.layers import control_character_problem
from geodata.base.problems import Problem, Refusal, Rejected
from geodata.base.vocab import (
    CASE_KINDS,
    CHECKPOINT_KINDS,
    CHECKPOINT_STATUSES,
    CONTROL_STATES,
    LEVEL_LABELS,
    OBSERVATION_KINDS,
    PERSON_TAGS,
    RESIDENT_TYPES,
    UNIT_KINDS,
    Level,
    Term,
    parse_term,
)
from geodata.exchange.bulk import OUTSIDE_PARENT_TOLERANCE
from geodata.exchange.integrity import TILING_TOLERANCE
from geodata.people import audit, scope
from geodata.situation.cases import reclassify_case
from geodata.situation.control import set_control
from geodata.store.hierarchy import path_upper_bound, unit_by_code
from geodata.store.models import Building, Case, Checkpoint, Household, Observation, Person, Unit
from geodata.store.stats import apply_delta
from geodata.store.writes import WriteContext

#: a sibling may overlap the new polygon by this share of the smaller of the two (digitising slop)
SIBLING_OVERLAP_TOLERANCE = 0.01
#: a checkpoint this close to its unit's edge (degrees, ≈ 2 m) still counts as inside: entrances sit on the edge
POINT_TOLERANCE_DEG = 2e-5
#: a drawn or uploaded polygon with more vertices than this is refused (a wrong file, not a grid)
MAX_VERTICES = 20_000
#: how many refused buildings/children a message names before "… and N more"
NAMED = 20


# --- fields ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    zh: str
    en: str
    kind: str = "text"  # text | int | float | bool | vocab | date | tags | phone | id_number | gender
    max_len: int | None = None
    lo: float | None = None
    hi: float | None = None
    vocab: Mapping[str, Term] | None = None
    required: bool = False
    stat: str | None = None  # the unit_stats counter that sums this field


def _t(zh: str, en: str, n: int | None, **kw: Any) -> Field:
    return Field(zh, en, "text", max_len=n, **kw)


def _i(zh: str, en: str, lo: float = 0, hi: float = 1_000_000, **kw: Any) -> Field:
    return Field(zh, en, "int", lo=lo, hi=hi, **kw)


_NAME, _LEADER, _PHONE = _t("名称", "name", 200, required=True), _t("负责人", "leader", 100), \
    Field("电话", "phone", "phone", max_len=40)

#: what each kind of record lets people edit, with the rules of each field (lengths are the column sizes)
FIELDS: dict[str, dict[str, Field]] = {
    "building": {
        "name": _NAME, "address": _t("地址", "address", 300),
        "floors": _i("层数", "floors", hi=300), "stair_units": _i("单元数", "stair units", hi=100),
        "households": _i("户数", "households", hi=100_000, stat="households"),
        "population": _i("人数", "population", hi=1_000_000, stat="population"),
        "party_members": _i("党员", "party members", hi=100_000, stat="party_members"),
        "vulnerable": _i("弱势群体", "vulnerable", hi=100_000, stat="vulnerable"),
        "leader_name": _t("楼栋长", "building head", 100), "leader_phone": _PHONE,
        "control_state": Field("管控状态", "control state", "vocab", vocab=CONTROL_STATES),
        "control_reason": _t("管控原因", "control reason", None),
    },
    "checkpoint": {
        "name": _NAME, "kind": Field("类型", "kind", "vocab", vocab=CHECKPOINT_KINDS, required=True),
        "status": Field("状态", "status", "vocab", vocab=CHECKPOINT_STATUSES, required=True),
        "is_24h": Field("24小时值守", "24 h", "bool"),
        "staff_day": _i("白班人数", "day staff", hi=500), "staff_night": _i("夜班人数", "night staff", hi=500),
        "leader_name": _t("卡点负责人", "checkpoint leader", 100), "leader_phone": _PHONE,
    },
    "unit": {
        "name": _NAME, "kind": Field("类型", "kind", "vocab", vocab=UNIT_KINDS),
        "leader_name": _LEADER, "leader_phone": _PHONE,
        "households": _i("户数", "households", hi=1_000_000, stat="households"),
        "population": _i("人数", "population", hi=10_000_000, stat="population"),
        "control_state": Field("管控状态", "control state", "vocab", vocab=CONTROL_STATES),
        "control_reason": _t("管控原因", "control reason", None),
    },
    "household": {
        "stair_unit": _i("单元", "stair unit", hi=100), "room": _t("房号", "room", 32),
        "head_name": _t("户主", "head of household", 100), "members": _i("人口", "members", hi=100),
        "phone": _PHONE, "pass_no": _t("通行证号", "pass number", 64),
    },
    "person": {
        "name": _t("姓名", "name", 100, required=True), "id_number": Field("身份证号", "ID number", "id_number"),
        "phone": _PHONE, "gender": Field("性别", "gender", "gender"),
        "birth_year": _i("出生年份", "birth year", lo=1890, hi=2100),
        "resident_type": Field("人口类型", "resident type", "vocab", vocab=RESIDENT_TYPES),
        "tags": Field("人员类别", "categories", "tags", vocab=PERSON_TAGS),
    },
    "observation": {
        "kind": Field("隔离方式", "observation kind", "vocab", vocab=OBSERVATION_KINDS, required=True),
        "place": _t("隔离地点", "place", 200), "reason": _t("隔离原因", "reason", 200),
        "origin": _t("来源地", "origin", 200), "cadre_name": _t("包保干部", "responsible cadre", 100),
        "medic_name": _t("包保医务人员", "responsible medic", 100),
        "planned_end": Field("计划解除日期", "planned end", "date", required=True),
    },
    "case": {
        "kind": Field("病例类型", "case kind", "vocab", vocab=CASE_KINDS, required=True),
        "note": _t("备注", "note", None),
    },
}
MODELS: dict[str, type] = {"building": Building, "checkpoint": Checkpoint, "unit": Unit, "household": Household,
                           "person": Person, "observation": Observation, "case": Case}

_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,38}(?:(?:转|ext\.?|x)[0-9]{1,6})?$", re.IGNORECASE)
_ID_RE = re.compile(r"^(?:[0-9]{17}[0-9X]|[0-9]{15})$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
GENDERS = {"男": "男", "女": "女", "m": "男", "f": "女", "male": "男", "female": "女"}
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f"}


def _blank(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) or \
        (isinstance(v, str) and v == "")


def id_number_ok(value: str) -> bool:
    """GB 11643: 18 characters whose last is the ISO 7064 MOD 11-2 check character (15-digit old numbers pass)."""
    if not _ID_RE.match(value):
        return False
    if len(value) == 15:
        return True
    return _ID_CHECK[sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True)) % 11] == value[17]


def _parse(name: str, f: Field, value: Any) -> tuple[Any, Problem | None]:
    """(stored value, problem) for one field."""
    def bad(zh: str, en: str) -> tuple[Any, Problem]:
        return None, Problem(f"{f.zh}：{zh}", f"{f.en}: {en}", field=name)

    if _blank(value):
        return (None, None) if not f.required else bad("不能为空", "required")
    if f.kind in ("text", "phone", "id_number", "gender"):
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
        if f.kind == "phone":
            v = value.strip()
            return (v, None) if _PHONE_RE.match(v) else bad("格式不正确（只能包含数字、空格、+ - ( )）",
                                                            "not a phone number (digits, spaces, + - ( ) only)")
        if f.kind == "id_number":
            v = value.strip().upper()
            return (v, None) if id_number_ok(v) else bad("不是有效的身份证号（18位，校验位正确）",
                                                         "not a valid ID number (18 characters, check digit)")
        if f.kind == "gender":
            v = GENDERS.get(value.strip().lower())
            return (v, None) if v else bad("应为 男 或 女", "must be 男 (male) or 女 (female)")
        control = control_character_problem(value, name)
        if control is not None:
            return bad(*control)
        if f.max_len is not None and len(value) > f.max_len:
            return bad(f"最多{f.max_len}个字符（当前{len(value)}个）",
                       f"at most {f.max_len} characters ({len(value)} given)")
        return value, None
    if f.kind == "int":
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError, OverflowError):
            return bad("应为整数", "must be a whole number")
        if (f.lo is not None and number < f.lo) or (f.hi is not None and number > f.hi):
            return bad(f"应在 {f.lo:g}–{f.hi:g} 之间" if f.lo else f"不能为负数，且不超过 {f.hi:g}",
                       f"must be between {f.lo:g} and {f.hi:g}")
        return number, None
    if f.kind == "bool":
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
        return bad("应为 是 或 否", "must be yes or no")
    if f.kind == "date":
        if isinstance(value, dt.datetime):
            return value.date(), None
        if isinstance(value, dt.date):
            return value, None
        try:
            return dt.date.fromisoformat(str(value).strip()[:10]), None
        except ValueError:
            return bad("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)")
    if f.kind == "vocab":
        code = parse_term(f.vocab or {}, value)
        if code is None:
            known = "、".join(t.zh for t in (f.vocab or {}).values())
            return bad(f"未知取值「{value}」，可选：{known}", f"unknown value {value!r}; one of: {', '.join(f.vocab or {})}")
        return code, None
    if f.kind == "tags":
        parts = value if isinstance(value, (list, tuple)) else re.split(r"[,，、;；]", str(value))
        parts = [str(p).strip() for p in parts if str(p).strip()]
        codes = [parse_term(f.vocab or {}, p) for p in parts]
        unknown = [p for p, c in zip(parts, codes, strict=True) if c is None]
        if unknown:
            return bad(f"未知类别：{'、'.join(unknown)}", f"unknown categories: {', '.join(unknown)}")
        return list(dict.fromkeys(c for c in codes if c)), None
    raise ValueError(f"field kind {f.kind!r}")


# --- results and refusals --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One record changed: its new version and the fields old → new (empty when nothing differed)."""

    entity: str
    code: str
    version: int
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)


def _local(at: dt.datetime | None) -> str:
    if at is None:
        return "?"
    return at.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")


class Conflict(Refusal):
    """A save based on a stale read: the record was changed by someone else since it was read.

    `fields` maps each field of the refused save to (yours, theirs): the value this save wanted and the value
    stored now; `changed_by`/`changed_at` come from the record's latest event in the log. When the save said what
    the person's form was filled with (`read`), `meanwhile` names every one of those fields someone else changed
    since — (value read, value now) — and the message lists them: a save of the night staff is refused because the
    status changed, and the person sees that it was the status."""

    def __init__(self, entity: str, code: str, *, expected_version: int, current_version: int | None,
                 changed_by: str | None, changed_at: dt.datetime | None, fields: dict[str, tuple[Any, Any]],
                 read: dict[str, Any] | None = None, meanwhile: dict[str, tuple[Any, Any]] | None = None) -> None:
        self.entity, self.code = entity, code
        self.expected_version, self.current_version = expected_version, current_version
        self.changed_by, self.changed_at = changed_by, changed_at
        self.fields = fields
        self.read = read or {}
        self.meanwhile = meanwhile or {}
        zh, en = scope.ENTITY_LABELS.get(entity, (entity, entity))
        who, when = changed_by or "他人", _local(changed_at)
        self.message_zh = f"{zh} {code} 已被 {who} 于 {when} 修改，您的修改未保存（请核对双方的值后重试）"
        self.message_en = (f"{en} {code} was changed by {changed_by or 'someone else'} at {when}: your change was not "
                           f"saved (compare both values and try again)")
        if self.meanwhile:
            labels = FIELDS.get(entity, {})
            self.message_zh += "；其间改动：" + "，".join(
                f"{labels[k].zh if k in labels else k} {_said(a, 'zh')} → {_said(b, 'zh')}"
                for k, (a, b) in self.meanwhile.items())
            self.message_en += "; changed meanwhile: " + ", ".join(
                f"{labels[k].en if k in labels else k} {_said(a, 'en')} → {_said(b, 'en')}"
                for k, (a, b) in self.meanwhile.items())
        super().__init__(self.message_zh, self.message_en)

    @property
    def differing(self) -> dict[str, tuple[Any, Any]]:
        return {k: v for k, v in self.fields.items() if v[0] != v[1]}


def _said(value: Any, lang: str) -> str:
    """A field value inside a conflict message (blank and yes/no in words)."""
    if _blank(value):
        return "（空）" if lang == "zh" else "(empty)"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    return str(_jsonable(value))


class BulkConflict(Refusal):
    """Several rows of one bulk save were stale: nothing was saved."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        super().__init__(f"{len(conflicts)} 条记录已被他人修改，全部未保存",
                         f"{len(conflicts)} record(s) changed by someone else: nothing saved",
                         [c.problem for c in conflicts], detail="\n".join(str(c) for c in conflicts[:20]))


def _stored(row: Any, name: str) -> Any:
    v = getattr(row, name)
    return list(v) if isinstance(v, list) else v


def _conflict(session: Session, entity: str, code: str, expected: int, wanted: Mapping[str, Any],
              read: Mapping[str, Any] | None = None) -> Conflict:
    """Build the Conflict from a fresh read (the caller's transaction may be unusable after a failed flush).
    `read`: the values the person's form was filled with, to name what others changed since."""
    with Session(session.get_bind()) as fresh:
        model = MODELS[entity]
        row = fresh.execute(select(model).where(model.code == code)).scalar_one_or_none()
        last = audit.last_change(fresh, entity, code)
        names = dict.fromkeys([*wanted, *(read or {})])
        current = {k: _stored(row, k) if row is not None and hasattr(row, k) else None for k in names}
        seen = _as_read(entity, read or {})
        return Conflict(entity, code, expected_version=expected, current_version=row.version if row else None,
                        changed_by=last[0] if last else None, changed_at=last[1] if last else None,
                        fields={k: (wanted[k], current[k]) for k in wanted},
                        read=seen, meanwhile=_meanwhile(seen, current))


def _as_read(entity: str, read: Mapping[str, Any]) -> dict[str, Any]:
    """The values a form was filled with, parsed like a save's (a form's 1 and True, "" and None, or a label and
    its code are one value); a value that does not parse is kept as given."""
    out = {}
    for name, seen in read.items():
        f = FIELDS.get(entity, {}).get(name)
        value, problem = _parse(name, f, seen) if f is not None else (seen, None)
        out[name] = seen if problem is not None else value
    return out


def _meanwhile(read: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose stored value is no longer the one read: (read, now)."""
    return {k: (v, current.get(k)) for k, v in read.items()
            if not (_blank(v) and _blank(current.get(k))) and v != current.get(k)}


def _jsonable(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


# --- one record --------------------------------------------------------------------------------------------------


def _load(session: Session, entity: str, code: str) -> Any:
    if entity not in MODELS:
        raise Rejected([Problem(f"不能编辑此类记录: {entity}", f"records of kind {entity!r} cannot be edited here; "
                                f"one of {sorted(MODELS)}", field="entity")])
    model = MODELS[entity]
    row = session.execute(select(model).where(model.code == code)).scalar_one_or_none()
    if row is None:
        zh, en = scope.ENTITY_LABELS[entity]
        raise Rejected([Problem(f"{zh}编码不存在: {code}", f"no {en} with code {code!r}", field="code")])
    return row


def _validate(session: Session, entity: str, row: Any, changes: Mapping[str, Any]) -> tuple[dict[str, Any],
                                                                                             list[Problem]]:
    fields = FIELDS[entity]
    parsed: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, value in changes.items():
        f = fields.get(name)
        if f is None:
            problems.append(Problem(f"字段不可编辑: {name}", f"field {name!r} cannot be edited; editable: "
                                    f"{', '.join(fields)}", field=name))
            continue
        v, p = _parse(name, f, value)
        if p is not None:
            problems.append(p)
        else:
            parsed[name] = v
    if "control_state" in parsed or "control_reason" in parsed:
        if entity == "unit" and row.level != int(Level.COMPOUND):
            problems.append(Problem("只有小区/自然村有管控状态", "only compounds and natural villages have a control state",
                                    field="control_state"))
        elif "control_state" not in parsed or parsed["control_state"] is None:
            problems.append(Problem("管控原因随管控状态一起修改", "the control reason is changed with the control state",
                                    field="control_reason"))
    if entity == "unit" and ({"households", "population"} & set(parsed)):
        has_buildings = session.execute(select(Building.id).where(
            Building.path >= row.path, Building.path < path_upper_bound(row.path)).limit(1)).first()
        if has_buildings:
            problems.append(Problem("有楼栋的单元，户数和人数由楼栋汇总，请修改楼栋",
                                    "households and population of a unit with buildings are the sums of its "
                                    "buildings: edit the buildings", field="households"))
    if entity == "observation":
        if row.released_on is not None and ({"kind", "planned_end"} & set(parsed)):
            problems.append(Problem(f"已于{row.released_on}解除的观察不能修改方式或日期",
                                    f"released on {row.released_on}: kind and dates cannot change", field="kind"))
        end = parsed.get("planned_end")
        if end is not None and end < row.start_date:
            problems.append(Problem(f"计划解除日期早于开始日期（{row.start_date}）",
                                    f"planned end is before the start ({row.start_date})", field="planned_end"))
    return parsed, problems


def _check(ctx: WriteContext, entity: str, code: str, changes: Mapping[str, Any],
           expected_version: int | None, read: Mapping[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """Load, permission, validation and version: everything before the first write."""
    row = _load(ctx.session, entity, code)
    scope.require_edit(ctx.actor, entity, row.path)
    parsed, problems = _validate(ctx.session, entity, row, changes)
    if expected_version is None:
        problems.append(Problem("缺少读取时的版本号", "the version read is missing: reload and try again",
                                field="version"))
    if problems:
        raise Rejected(problems)
    if row.version != int(expected_version):
        raise _conflict(ctx.session, entity, code, int(expected_version), parsed, read)
    return row, parsed


def _apply(ctx: WriteContext, entity: str, row: Any, parsed: dict[str, Any], reason: str | None,
           expected_version: int, read: Mapping[str, Any] | None = None) -> Change:
    diff = {k: v for k, v in parsed.items() if k != "control_reason" and _stored(row, k) != v}
    if not diff:
        return Change(entity, row.code, row.version)
    old = {k: _stored(row, k) for k in diff}
    rest = dict(diff)  # what this function writes itself (the rest goes through the owning command)
    try:
        if "control_state" in rest:  # lift guard, reason required, its own control.change event
            set_control(ctx, row.code, rest.pop("control_state"), parsed.get("control_reason") or reason or "")
        if entity == "case" and "kind" in rest:  # situation, clusters and alerts follow the new kind
            reclassify_case(ctx, row.code, rest.pop("kind"), reason=reason)
        stats: dict[str, int] = {}
        for name, value in rest.items():
            f = FIELDS[entity][name]
            if f.stat:
                stats[f.stat] = stats.get(f.stat, 0) + int(value or 0) - int(old[name] or 0)
            setattr(row, name, value)
        if entity == "checkpoint" and "status" in rest:
            stats["checkpoints_open"] = int(rest["status"] == "open") - int(old["status"] == "open")
        if entity == "observation" and "kind" in rest and row.released_on is None:
            stats[f"obs_{old['kind']}"] = -1
            stats[f"obs_{rest['kind']}"] = 1
        ctx.session.flush()
    except StaleDataError:
        raise _conflict(ctx.session, entity, row.code, expected_version, parsed, read) from None
    apply_delta(ctx.session, row.path, **stats)
    if rest:
        ctx.record(f"{entity}.update", entity, row.code, path=row.path,
                   old={k: _jsonable(old[k]) for k in rest}, new={k: _jsonable(v) for k, v in rest.items()},
                   reason=reason)
    return Change(entity, row.code, row.version, {k: _jsonable(v) for k, v in old.items()},
                  {k: _jsonable(v) for k, v in diff.items()})


def update_record(ctx: WriteContext, entity: str, code: str, changes: Mapping[str, Any], *,
                  expected_version: int, reason: str | None = None, read: Mapping[str, Any] | None = None) -> Change:
    """Change fields of one record (building, checkpoint, unit, household, person, observation, case) that the
    actor read at `expected_version`. Refused: outside scope or role (PermissionDenied), invalid values
    (Rejected, every problem listed), a stale version (Conflict: who/when, both values).

    `changes` should hold only the fields the person changed: a field sent unchanged is written as sent, which
    would undo another person's save of it once the version check has been passed (a retry on the current
    version). `read` — the values the person's form showed when it was filled — lets a Conflict name what
    others changed meanwhile (`Conflict.meanwhile`)."""
    row, parsed = _check(ctx, entity, code, changes, expected_version, read)
    return _apply(ctx, entity, row, parsed, reason, int(expected_version), read)


def update_records(ctx: WriteContext, entity: str, rows: Iterable[Mapping[str, Any]], *,
                   reason: str | None = None) -> list[Change]:
    """A bulk edit (a ledger saved from a table) as one transaction: every row is checked first (problems
    named by row, 1-based), stale rows are refused together (BulkConflict); nothing is written unless all
    rows pass. Each row: {"code": …, "version": …, field: value, …}."""
    checked, problems, conflicts = [], [], []
    for n, r in enumerate(rows, start=1):
        changes = {k: v for k, v in r.items() if k not in ("code", "version")}
        try:
            row, parsed = _check(ctx, entity, str(r.get("code")), changes, r.get("version"))
        except Rejected as rej:
            problems += [Problem(p.message_zh, p.message_en, row=n, column=p.column, field=p.field,
                                 severity=p.severity) for p in rej.problems]
            continue
        except Conflict as c:
            conflicts.append(c)
            continue
        checked.append((row, parsed, int(r["version"])))
    if problems:
        raise Rejected(problems)
    if conflicts:
        raise BulkConflict(conflicts)
    return [_apply(ctx, entity, row, parsed, reason, version) for row, parsed, version in checked]


# --- points: checkpoints and entrances -------------------------------------------------------------------------


def _check_point(lon: Any, lat: Any) -> tuple[float, float]:
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise Rejected([Problem(f"坐标无效: ({lon}, {lat})", f"invalid coordinates ({lon}, {lat})", field="lon")])
    return x, y


def _units_at(session: Session, x: float, y: float, level: int | None = None) -> list[Unit]:
    """Units whose polygon covers (x, y) within POINT_TOLERANCE_DEG, deepest first."""
    tol = POINT_TOLERANCE_DEG
    q = select(Unit).where(Unit.minx <= x + tol, Unit.maxx >= x - tol, Unit.miny <= y + tol, Unit.maxy >= y - tol)
    if level is not None:
        q = q.where(Unit.level == int(level))
    pt = shapely.Point(x, y)
    hits = [u for u in session.execute(q).scalars() if u.geom is not None and shapely.distance(u.geom, pt) <= tol]
    return sorted(hits, key=lambda u: -u.level)


def _next_checkpoint_code(session: Session, unit: Unit) -> str:
    stem = f"{unit.code}K"
    codes = session.execute(select(Checkpoint.code).where(Checkpoint.code.like(f"{stem}%"))).scalars().all()
    numbers = [int(c[len(stem):]) for c in codes if c[len(stem):].isdigit()]
    return f"{stem}{max(numbers, default=0) + 1}"


def move_checkpoint(ctx: WriteContext, code: str, lon: float, lat: float, *, expected_version: int,
                    reason: str | None = None) -> Change:
    """Move a checkpoint or entrance. It stays with its unit while the point is inside that unit (an entrance on
    the edge counts as inside); moved into another unit of the same level it joins that unit — which must lie in
    the actor's scope too — and the counters move with it. Outside every such unit: refused."""
    x, y = _check_point(lon, lat)
    cp = _load(ctx.session, "checkpoint", code)
    scope.require_edit(ctx.actor, "checkpoint", cp.path)
    if cp.version != int(expected_version):
        raise _conflict(ctx.session, "checkpoint", code, int(expected_version), {"lon": x, "lat": y})
    unit = ctx.session.get(Unit, cp.unit_id)
    hits = _units_at(ctx.session, x, y, unit.level)
    target = unit if any(u.id == unit.id for u in hits) else (hits[0] if hits else None)
    if target is None:
        lzh, len_ = LEVEL_LABELS[Level(unit.level)]
        raise Rejected([Problem(f"新位置不在{unit.name}内，也不在其他{lzh}内",
                                f"the new place lies outside {unit.name} and outside every other {len_.lower()}",
                                field="lon")])
    if target.id != unit.id:
        scope.require_edit(ctx.actor, "checkpoint", target.path)
    old = {"lon": cp.lon, "lat": cp.lat, "unit": unit.code}
    old_path = cp.path
    try:
        cp.lon, cp.lat, cp.unit_id, cp.path = x, y, target.id, target.path
        ctx.session.flush()
    except StaleDataError:
        raise _conflict(ctx.session, "checkpoint", code, int(expected_version), {"lon": x, "lat": y}) from None
    if target.path != old_path:
        is_open = int(cp.status == "open")
        apply_delta(ctx.session, old_path, checkpoints=-1, checkpoints_open=-is_open)
        apply_delta(ctx.session, target.path, checkpoints=1, checkpoints_open=is_open)
    new = {"lon": x, "lat": y, "unit": target.code}
    ctx.record("checkpoint.move", "checkpoint", cp.code, path=cp.path, old=old, new=new,
               reason=reason or "卡点位置调整 / moved")
    return Change("checkpoint", cp.code, cp.version, old, new)


def add_checkpoint(ctx: WriteContext, *, name: str, kind: str, lon: float, lat: float, status: str = "open",
                   is_24h: bool = True, staff_day: int = 0, staff_night: int = 0, leader_name: str | None = None,
                   leader_phone: str | None = None, code: str | None = None, reason: str | None = None) -> Change:
    """Place a new checkpoint or entrance (drawn on the map) in the deepest unit containing the point, which must
    lie in the actor's scope."""
    x, y = _check_point(lon, lat)
    values = {"name": name, "kind": kind, "status": status, "is_24h": is_24h, "staff_day": staff_day,
              "staff_night": staff_night, "leader_name": leader_name, "leader_phone": leader_phone}
    parsed, problems = {}, []
    for k, v in values.items():
        p_v, p = _parse(k, FIELDS["checkpoint"][k], v)
        (problems.append(p) if p else parsed.__setitem__(k, p_v))
    if code is not None:
        c_v, p = _parse("code", _t("编码", "code", 64, required=True), code)
        if p:
            problems.append(p)
        elif ctx.session.execute(select(Checkpoint.id).where(Checkpoint.code == c_v)).first():
            problems.append(Problem(f"卡点编码已存在: {c_v}", f"checkpoint code already exists: {c_v}", field="code"))
        code = c_v
    if problems:
        raise Rejected(problems)
    hits = [u for u in _units_at(ctx.session, x, y) if u.level >= Level.COMMUNITY]
    if not hits:
        raise Rejected([Problem("位置不在任何社区、网格或小区内", "the point lies in no community, grid or compound",
                                field="lon")])
    unit = hits[0]
    scope.require_edit(ctx.actor, "checkpoint", unit.path)
    cp = Checkpoint(code=code or _next_checkpoint_code(ctx.session, unit), unit_id=unit.id, path=unit.path,
                    lon=x, lat=y, **parsed)
    ctx.session.add(cp)
    ctx.session.flush()
    apply_delta(ctx.session, cp.path, checkpoints=1, checkpoints_open=int(cp.status == "open"))
    new = {**{k: _jsonable(v) for k, v in parsed.items()}, "lon": x, "lat": y, "unit": unit.code}
    ctx.record("checkpoint.create", "checkpoint", cp.code, path=cp.path, new=new,
               reason=reason or "新设卡点 / checkpoint placed")
    return Change("checkpoint", cp.code, cp.version, {}, new)


# --- polygons: reshaping units ---------------------------------------------------------------------------------


def parse_polygon(value: Any) -> shapely.Geometry:
    """A polygon from a shapely geometry, WKT, or GeoJSON (geometry, Feature or a one-feature collection)."""
    def bad(zh: str, en: str) -> Rejected:
        return Rejected([Problem(zh, en, field="geometry")])

    geom = value
    try:
        if isinstance(value, str):
            text = value.strip()
            if len(text) > 5_000_000:
                raise bad("图形数据过大", "the shape is too large")
            value = json.loads(text) if text.startswith("{") else text
        if isinstance(value, Mapping):
            if value.get("type") == "FeatureCollection":
                feats = value.get("features") or []
                if len(feats) != 1:
                    raise bad(f"应只含一个图形（实含{len(feats)}个）", f"expected one feature, found {len(feats)}")
                value = feats[0]
            if value.get("type") == "Feature":
                value = value.get("geometry") or {}
            geom = geojson_shape(value)
        elif isinstance(value, str):
            geom = shapely.from_wkt(value)
    except Rejected:
        raise
    except Exception as exc:  # noqa: BLE001 — any parse failure is the same refusal, with the reason
        raise bad(f"无法读取图形：{exc}", f"cannot read the shape: {exc}") from None
    if not isinstance(geom, shapely.Geometry):
        raise bad("无法读取图形", "cannot read the shape")
    return shapely.force_2d(geom)


def _polygon_problems(geom: shapely.Geometry) -> list[Problem]:
    out = []
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        out.append(Problem(f"应为面（多边形），实为 {geom.geom_type}", f"must be a polygon, not a {geom.geom_type}",
                           field="geometry"))
        return out
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        out.append(Problem(f"顶点过多（>{MAX_VERTICES}）", f"too many vertices (>{MAX_VERTICES})", field="geometry"))
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        out.append(Problem("坐标超出经纬度范围（应为 WGS-84 经纬度）", "coordinates outside longitude/latitude "
                           "(WGS-84 degrees expected)", field="geometry"))
    if not shapely.is_valid(geom):
        why = shapely.is_valid_reason(geom)
        out.append(Problem(f"多边形无效（{why}），如自相交", f"invalid polygon ({why}), e.g. self-intersecting",
                           field="geometry"))
    elif geom.area <= 0:
        out.append(Problem("多边形面积为零", "the polygon has no area", field="geometry"))
    return out


def _named(codes: list[str]) -> str:
    more = f" … +{len(codes) - NAMED}" if len(codes) > NAMED else ""
    return ", ".join(codes[:NAMED]) + more


@dataclass
class Reshape:
    changes: list[Change]
    warnings: list[Problem]


def reshape_units(ctx: WriteContext, shapes: Mapping[str, tuple[Any, int]], *, reason: str | None = None
                  ) -> Reshape:
    """Give several units new polygons at once (moving the boundary between two grids is two shapes that must be
    checked together). Each `code → (polygon, version read)`. Refused unless every new polygon is a valid polygon,
    lies inside its parent (tolerance OUTSIDE_PARENT_TOLERANCE of its area), overlaps no sibling by more than
    SIBLING_OVERLAP_TOLERANCE, and still holds its child units and its buildings — those that would fall
    outside are named. Leaving part of the parent uncovered is a warning (the integrity check will list it).
    Nothing is reassigned, so the roll-up counters stay as they are."""
    s = ctx.session
    units: dict[str, Unit] = {}
    new_geoms: dict[str, shapely.Geometry] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for code, (value, version) in shapes.items():
        unit = unit_by_code(s, code)
        parent = s.get(Unit, unit.parent_id) if unit.parent_id else None
        scope.require_reshape(ctx.actor, parent.path if parent else None)
        geom = parse_polygon(value)
        found = _polygon_problems(geom)
        problems += [Problem(f"{unit.name}（{code}）：{p.message_zh}", f"{code}: {p.message_en}", field=p.field)
                     for p in found]
        if version is None or unit.version != int(version):
            raise _conflict(s, "unit", code, int(version or 0), {"geom": shapely.to_wkt(geom, rounding_precision=7)})
        units[code], new_geoms[code] = unit, geom
    if problems:
        raise Rejected(problems)

    for code, unit in units.items():
        geom = new_geoms[code]
        parent = s.get(Unit, unit.parent_id)
        area = geom.area
        outside = shapely.difference(geom, shapely.make_valid(parent.geom)).area / area
        if outside > OUTSIDE_PARENT_TOLERANCE:
            problems.append(Problem(f"{unit.name}（{code}）有{outside:.1%}超出上级单元{parent.name}",
                                    f"{code}: {outside:.1%} lies outside its parent {parent.code}", field="geometry"))
        siblings = s.execute(select(Unit).where(Unit.parent_id == parent.id, Unit.id != unit.id)).scalars().all()
        for sib in siblings:
            other = new_geoms.get(sib.code, sib.geom)
            if other is None:
                continue
            overlap = shapely.intersection(geom, shapely.make_valid(other)).area
            share = overlap / max(min(area, other.area), 1e-18)
            if share > SIBLING_OVERLAP_TOLERANCE:
                problems.append(Problem(f"{unit.name}（{code}）与{sib.name}（{sib.code}）重叠{share:.1%}",
                                        f"{code} overlaps {sib.code} by {share:.1%}", field="geometry"))
        kids = s.execute(select(Unit.code, Unit.geom).where(Unit.parent_id == unit.id)).all()
        share_out = {k.code: shapely.difference(new_geoms.get(k.code, k.geom), geom).area / k.geom.area
                     for k in kids if k.geom is not None and k.geom.area > 0}
        lost = [c for c, v in share_out.items() if v > OUTSIDE_PARENT_TOLERANCE]
        if lost:
            problems.append(Problem(f"{unit.name}（{code}）的下级单元将落在边界外：{_named(lost)}",
                                    f"{code}: child units would fall outside: {_named(lost)}", field="geometry"))
        spill = [c for c, v in share_out.items() if TILING_TOLERANCE < v <= OUTSIDE_PARENT_TOLERANCE]
        if spill:
            warnings.append(Problem(
                f"{unit.name}（{code}）的下级单元略超出新边界（完整性检查会列出，请一并调整）：{_named(spill)}",
                f"{code}: child units stick out slightly (the integrity check will list them until they are "
                f"adjusted): {_named(spill)}", field="geometry", severity="warning"))
        pts = s.execute(select(Building.code, Building.lon, Building.lat).where(
            Building.path >= unit.path, Building.path < path_upper_bound(unit.path))).all()
        if pts:
            inside = shapely.intersects_xy(geom, [p.lon for p in pts], [p.lat for p in pts])
            out_codes = [p.code for p, ok in zip(pts, inside, strict=True) if not ok]
            if out_codes:
                problems.append(Problem(
                    f"{unit.name}（{code}）有{len(out_codes)}栋楼将落在边界外，请先调整楼栋归属：{_named(out_codes)}",
                    f"{code}: {len(out_codes)} building(s) would fall outside; reassign them first: "
                    f"{_named(out_codes)}", field="geometry"))
    if problems:
        raise Rejected(problems)

    for parent_id in {u.parent_id for u in units.values()}:
        parent = s.get(Unit, parent_id)
        kids = s.execute(select(Unit).where(Unit.parent_id == parent_id)).scalars().all()
        before = shapely.union_all([k.geom for k in kids if k.geom is not None])
        after = shapely.union_all([new_geoms.get(k.code, k.geom) for k in kids if k.geom is not None])
        gap_before = shapely.difference(parent.geom, before).area / parent.geom.area
        gap_after = shapely.difference(parent.geom, after).area / parent.geom.area
        if gap_after > gap_before + TILING_TOLERANCE:
            warnings.append(Problem(f"{parent.name}有{gap_after:.1%}的范围不属于任何下级单元",
                                    f"{gap_after:.1%} of {parent.code} now lies in none of its children",
                                    field="geometry", severity="warning"))

    changes = []
    for code, unit in units.items():
        geom = new_geoms[code]
        old = {"geom": shapely.to_wkt(unit.geom, rounding_precision=7) if unit.geom is not None else None}
        label = shapely.point_on_surface(geom)
        try:
            unit.geom = geom
            unit.minx, unit.miny, unit.maxx, unit.maxy = (float(v) for v in geom.bounds)
            unit.label_lon, unit.label_lat = float(label.x), float(label.y)
            s.flush()
        except StaleDataError:
            raise _conflict(s, "unit", code, int(shapes[code][1]),
                            {"geom": shapely.to_wkt(geom, rounding_precision=7)}) from None
        new = {"geom": shapely.to_wkt(geom, rounding_precision=7)}
        ctx.record("unit.reshape", "unit", code, path=unit.path, old=old, new=new,
                   reason=reason or "调整单元边界 / boundary changed")
        changes.append(Change("unit", code, unit.version, old, new))
    return Reshape(changes, warnings)


def reshape_unit(ctx: WriteContext, code: str, polygon: Any, *, expected_version: int,
                 reason: str | None = None) -> Reshape:
    """Give one unit (e.g. a grid) a new polygon; see `reshape_units` for what is checked."""
    return reshape_units(ctx, {code: (polygon, expected_version)}, reason=reason)
