"""Canonical layer schemas: the columns every importer produces, the demo generator emits and exports write.

A *layer frame* is a pandas DataFrame (GeoDataFrame in EPSG:4326 where the layer has geometry) whose columns
are a subset of the layer's fields below. `geodata.exchange.bulk.upsert_layer` is the only consumer that writes them.
Chinese headers are the ones ledgers (台账) use; exports use them, importers recognise them.

Text fields refuse control characters (`control_character_problem`), on import and in hand edits alike: a name
with a bell, an escape sequence or a NUL in it cannot be typed on purpose, breaks XLSX files (which cannot hold
them) and terminals, and a leading tab or carriage return is how a spreadsheet formula hides. Only free-text notes
(`MULTILINE_FIELDS`) keep line breaks.

The field registry (`RULES`, issue 13) is the one owner of what a value may be: type, bounds (`STAFF_MAX` for
staffing), column length, the yes/no and gender words, the phone pattern and the ID-number format and check
digit. Imports (`loaders.readers.values`, `geodata.exchange.bulk`) and hand edits (`geodata.editing.fields`)
both read it, so a value gets the same answer by a file and by a form; change a rule here.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from geodata.base.vocab import (
    CASE_KINDS,
    CHECKPOINT_KINDS,
    CHECKPOINT_STATUSES,
    CONTROL_STATES,
    OBSERVATION_KINDS,
    PERSON_TAGS,
    RESIDENT_TYPES,
    ROAD_KINDS,
    SEAL_BASES,
    UNIT_KINDS,
    Term,
)

#: text fields that are free-text notes typed in a text area: line breaks (\n, \r\n) allowed there
MULTILINE_FIELDS = frozenset({"note", "control_reason", "text", "resolution", "feedback", "notes"})
#: C0 control characters and DEL (U+0000–U+001F, U+007F); a pattern, so that a million-row column can be
#: screened in one vectorised pass before `control_character_problem` looks at the cells it found
CONTROL_CHARACTERS = r"[\x00-\x1f\x7f]"
_CONTROL = re.compile(CONTROL_CHARACTERS)


def control_character_problem(value: str, field: str) -> tuple[str, str] | None:
    """(Chinese, English) reason when `value` of text field `field` holds a control character, else None.

    The one rule for every text field (imports: loaders.readers.values, geodata.exchange.bulk; hand edits:
    geodata.editing.fields, through `checked_text`). Line breaks pass in `MULTILINE_FIELDS` only.
    """
    text = value.replace("\r\n", "\n").replace("\n", "") if field in MULTILINE_FIELDS else value
    found = _CONTROL.search(text)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    return (f"含有控制字符（{code}），请删除后再保存",
            f"contains a control character ({code}); remove it and save again")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "str" | "int" | "float" | "date" | "bool" | "geometry"
    zh: str
    required: bool = False


@dataclass(frozen=True)
class LayerSchema:
    name: str
    zh: str
    fields: tuple[Field, ...]
    geometry: str | None  # "polygon" | "point" | "line" | None

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


_UNIT_FIELDS = (
    Field("code", "str", "编码", True),
    Field("name", "str", "名称", True),
    Field("parent_code", "str", "上级编码"),
    Field("kind", "str", "类型"),
    Field("leader_name", "str", "负责人"),
    Field("leader_phone", "str", "联系电话"),
    # only for leaves without buildings (rural natural villages): households/population live on the compound
    Field("households", "int", "户数"),
    Field("population", "int", "人数"),
    Field("control_state", "str", "管控状态"),
    # a sealing's basis, 封锁 or 硬隔离 (issue 14 "Words"): the state column keeps its codes for other consumers,
    # this one makes an export of a sealed row re-import as the same choice (geodata.situation.control)
    Field("control_basis", "str", "封锁依据"),
    Field("geometry", "geometry", "几何", True),
)

UNIT_LAYER_ZH = {
    "city": "市",
    "districts": "区县",
    "streets": "街道乡镇",
    "communities": "社区村",
    "grids": "网格",
    "compounds": "小区自然村",
}

LAYERS: dict[str, LayerSchema] = {
    name: LayerSchema(name, zh, _UNIT_FIELDS, "polygon") for name, zh in UNIT_LAYER_ZH.items()
}

LAYERS["buildings"] = LayerSchema(
    "buildings",
    "楼栋",
    (
        Field("code", "str", "楼栋编码", True),
        Field("name", "str", "楼栋名称", True),
        Field("compound_code", "str", "小区编码"),
        Field("grid_code", "str", "网格编码"),
        Field("address", "str", "地址"),
        Field("kind", "str", "楼栋类型"),
        Field("floors", "int", "层数"),
        Field("stair_units", "int", "单元数"),
        Field("households", "int", "户数"),
        Field("population", "int", "人数"),
        Field("party_members", "int", "党员数"),
        Field("vulnerable", "int", "弱势群体人数"),
        Field("leader_name", "str", "楼栋长"),
        Field("leader_phone", "str", "楼栋长电话"),
        Field("control_state", "str", "管控状态"),
        Field("control_basis", "str", "封锁依据"),  # 封锁 / 硬隔离 of a sealed building (as for units above)
        Field("footprint", "geometry", "轮廓"),
        Field("geometry", "geometry", "位置", True),
    ),
    "point",
)

LAYERS["households"] = LayerSchema(
    "households",
    "住户",
    (
        Field("code", "str", "户编码", True),
        Field("building_code", "str", "楼栋编码"),
        Field("compound_code", "str", "小区编码"),
        Field("stair_unit", "int", "单元"),
        Field("room", "str", "房号"),
        Field("head_name", "str", "户主姓名"),
        Field("members", "int", "人口数"),
        Field("phone", "str", "联系电话"),
        Field("pass_no", "str", "通行证号"),
    ),
    None,
)

LAYERS["persons"] = LayerSchema(
    "persons",
    "人员",
    (
        Field("code", "str", "人员编码", True),
        Field("name", "str", "姓名", True),
        Field("id_number", "str", "身份证号"),
        Field("phone", "str", "联系电话"),
        Field("gender", "str", "性别"),
        Field("birth_year", "int", "出生年份"),
        Field("household_code", "str", "户编码"),
        Field("building_code", "str", "楼栋编码"),
        Field("compound_code", "str", "小区编码"),
        Field("resident_type", "str", "人口类型"),
        Field("tags", "str", "人员类别"),  # comma-separated PERSON_TAGS codes or labels
    ),
    None,
)

# Ledgers of people (observations, cases) name people as offices do: 姓名, 身份证号 and a building, household, room
# or address (`PERSON_NAMING_FIELDS`), or by our person code. Record codes are optional: a row without one gets a
# stable code from its natural key (geodata.exchange.bulk.ledger_codes), so the same ledger imported twice changes
# nothing and an edited row updates its record.
LAYERS["observations"] = LayerSchema(
    "observations",
    "隔离观察",
    (
        Field("code", "str", "记录编号"),
        Field("person_code", "str", "人员编码"),
        Field("name", "str", "姓名"),
        Field("id_number", "str", "身份证号"),
        Field("household_code", "str", "户编码"),
        Field("building_code", "str", "楼栋编码"),
        Field("room", "str", "房号"),
        Field("address", "str", "地址"),
        Field("kind", "str", "隔离方式", True),
        Field("place", "str", "隔离地点"),
        Field("start_date", "date", "隔离开始日期", True),
        Field("planned_end", "date", "计划解除日期"),
        Field("reason", "str", "隔离原因"),
        Field("origin", "str", "来源地"),
        Field("cadre_name", "str", "包保干部"),
        Field("medic_name", "str", "包保医务人员"),
        Field("released_on", "date", "解除日期"),
    ),
    None,
)

LAYERS["cases"] = LayerSchema(
    "cases",
    "病例",
    (
        Field("code", "str", "病例编号"),
        Field("kind", "str", "病例类型", True),
        Field("reported_on", "date", "报告日期", True),
        Field("person_code", "str", "人员编码"),
        Field("name", "str", "姓名"),
        Field("id_number", "str", "身份证号"),
        Field("building_code", "str", "楼栋编码"),
        Field("compound_code", "str", "小区编码"),
        Field("household_code", "str", "户编码"),
        Field("room", "str", "房号"),
        Field("address", "str", "地址"),
        Field("stair_unit", "int", "单元"),
        Field("worksite", "str", "工作场所"),
        Field("source_known", "bool", "感染来源明确"),
        Field("note", "str", "备注"),
    ),
    None,
)

#: ledger layers whose rows name a person the way offices do, and the fields that name or place them
PERSON_LEDGERS = frozenset({"observations", "cases"})
PERSON_NAMING_FIELDS = ("name", "id_number", "household_code", "building_code", "room", "address")

LAYERS["checkpoints"] = LayerSchema(
    "checkpoints",
    "卡点出入口",
    (
        Field("code", "str", "卡点编码", True),
        Field("name", "str", "卡点名称", True),
        Field("kind", "str", "卡点类型", True),
        Field("unit_code", "str", "所属单元编码"),
        Field("status", "str", "状态"),
        Field("is_24h", "bool", "24小时值守"),
        Field("staff_day", "int", "白班人数"),
        Field("staff_night", "int", "夜班人数"),
        Field("leader_name", "str", "负责人"),
        Field("leader_phone", "str", "负责人电话"),
        Field("geometry", "geometry", "位置", True),
    ),
    "point",
)

# 道路: the walking network of the checkpoint planner (geodata.checkpoints.roadnet). The code is optional: a road file rarely
# has one, so rows without a code get one from their geometry (geodata.exchange.bulk.road_codes) and importing the same
# file twice still changes nothing. The street is found by spatial join unless given.
LAYERS["roads"] = LayerSchema(
    "roads",
    "道路",
    (
        Field("code", "str", "道路编码"),
        Field("name", "str", "道路名称"),
        Field("kind", "str", "道路等级"),
        Field("street_code", "str", "所属街道编码"),
        Field("geometry", "geometry", "几何", True),
    ),
    "line",
)


# ---------------------------------------------------------------------------------------------------------
# field rules: the one registry that import (loaders.readers.values, geodata.exchange.bulk) and hand edits
# (geodata.editing.fields) both read, so a value is accepted or refused the same way whichever door it comes
# through. Lengths are the column sizes (geodata.store.models); bounds are typo guards, not policy.

#: the most people one shift of a checkpoint can have: the bound of every staffing number (edits, imports,
#: rosters, plans, the page widgets)
STAFF_MAX = 500


@dataclass(frozen=True)
class Rule:
    """What one field accepts. kind: text | int | bool | date | vocab | tags | phone | id_number | gender."""

    kind: str = "text"
    max_len: int | None = None  # text kinds: the column size (None: unlimited)
    lo: int | None = None  # int: the smallest value
    hi: int | None = None  # int: the largest value
    vocab: Mapping[str, Term] | None = None  # vocab, tags: the terms


def _text(max_len: int | None) -> Rule:
    return Rule("text", max_len=max_len)


def _count(hi: int, lo: int = 0) -> Rule:
    return Rule("int", lo=lo, hi=hi)


def _terms(terms: Mapping[str, Term]) -> Rule:
    return Rule("vocab", vocab=terms)


_CODE, _NAME, _PERSON_NAME = _text(64), _text(200), _text(100)
_PHONE = Rule("phone", max_len=40)
_STAFF = _count(STAFF_MAX)
_CONTROL_STATE = _terms(CONTROL_STATES)
_SEAL_BASIS = _terms(SEAL_BASES)  # 封锁 / 硬隔离 of a sealing (set with the state: geodata.situation.control)

#: entity → field → rule: every field a file or a hand edit can set
RULES: dict[str, dict[str, Rule]] = {
    "unit": {
        "code": _CODE, "name": _NAME, "kind": _terms(UNIT_KINDS), "leader_name": _PERSON_NAME,
        "leader_phone": _PHONE, "households": _count(1_000_000), "population": _count(10_000_000),
        "control_state": _CONTROL_STATE, "control_reason": _text(None), "control_basis": _SEAL_BASIS,
    },
    "building": {
        "code": _CODE, "name": _NAME, "address": _text(300), "kind": _text(32),
        "floors": _count(300), "stair_units": _count(100), "households": _count(100_000),
        "population": _count(1_000_000), "party_members": _count(100_000), "vulnerable": _count(100_000),
        "leader_name": _PERSON_NAME, "leader_phone": _PHONE, "control_state": _CONTROL_STATE,
        "control_reason": _text(None), "control_basis": _SEAL_BASIS,
    },
    "checkpoint": {
        "code": _CODE, "name": _NAME, "kind": _terms(CHECKPOINT_KINDS), "status": _terms(CHECKPOINT_STATUSES),
        "is_24h": Rule("bool"), "staff_day": _STAFF, "staff_night": _STAFF, "leader_name": _PERSON_NAME,
        "leader_phone": _PHONE,
    },
    "household": {
        "code": _CODE, "stair_unit": _count(100), "room": _text(32), "head_name": _PERSON_NAME,
        "members": _count(100), "phone": _PHONE, "pass_no": _text(64),
    },
    "person": {
        "code": _CODE, "name": _PERSON_NAME, "id_number": Rule("id_number", max_len=32), "phone": _PHONE,
        "gender": Rule("gender", max_len=8), "birth_year": _count(2100, lo=1890),
        "resident_type": _terms(RESIDENT_TYPES), "tags": Rule("tags", vocab=PERSON_TAGS),
    },
    "observation": {
        "code": _CODE, "kind": _terms(OBSERVATION_KINDS), "place": _text(200), "start_date": Rule("date"),
        "planned_end": Rule("date"), "reason": _text(200), "origin": _text(200), "cadre_name": _PERSON_NAME,
        "medic_name": _PERSON_NAME, "released_on": Rule("date"),
    },
    "case": {
        "code": _CODE, "kind": _terms(CASE_KINDS), "reported_on": Rule("date"), "stair_unit": _count(100),
        "worksite": _text(200), "source_known": Rule("bool"), "note": _text(None),
    },
    "road": {"code": _CODE, "name": _NAME, "kind": _terms(ROAD_KINDS)},
    # issue 15: events (geodata.fieldwork.events) and patrols (geodata.fieldwork.patrols)
    "event": {"code": _CODE, "text": _text(4000), "reporter_name": _PERSON_NAME, "reporter_phone": _PHONE,
              "note": _text(4000), "resolution": _text(4000), "feedback": _text(4000)},
    "patrol": {"code": _CODE, "notes": _text(4000), "team_name": _NAME, "member_name": _PERSON_NAME,
               "member_phone": _PHONE},
}

#: layer (file) → the entity its rows are
LAYER_ENTITIES: dict[str, str] = {
    **{name: "unit" for name in UNIT_LAYER_ZH}, "buildings": "building", "households": "household",
    "persons": "person", "observations": "observation", "cases": "case", "checkpoints": "checkpoint",
    "roads": "road",
}


#: the rules of the fields by which ledgers of people name a person: the person's and their home's own
_NAMING_RULES: dict[str, Rule] = {"name": RULES["person"]["name"], "id_number": RULES["person"]["id_number"],
                                  "room": RULES["household"]["room"], "address": RULES["building"]["address"]}


def layer_rule(layer: str, name: str) -> Rule | None:
    """The rule of field `name` in rows of `layer`; a reference to another record (`…_code`) is a code, and a
    person named in a ledger (姓名, 身份证号, 房号, 地址) follows the rules of the person and their home."""
    found = RULES.get(LAYER_ENTITIES.get(layer, ""), {}).get(name)
    if found is None and layer in PERSON_LEDGERS:
        found = _NAMING_RULES.get(name)
    return found if found is not None or not name.endswith("_code") else _CODE


# --- yes/no and gender words ---------------------------------------------------------------------------

#: words read as yes / no (after NFKC, trimming and lower-casing), in files and in hand edits alike
YES_WORDS = frozenset({"是", "true", "yes", "y", "t", "1", "√", "✓", "✔", "有", "对", "明确", "已明确", "24小时"})
NO_WORDS = frozenset({"否", "false", "no", "n", "f", "0", "×", "✗", "✘", "无", "不是", "没有", "不明确", "未明确"})
#: words read as a gender → the stored value
GENDER_WORDS = {"男": "男", "女": "女", "男性": "男", "女性": "女", "m": "男", "f": "女", "male": "男",
                "female": "女"}
YES_NO_PROBLEM = ("应为 是 或 否", "must be yes or no (是/否)")
GENDER_PROBLEM = ("应为 男 或 女", "must be 男 (male) or 女 (female)")


def _word(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


def yes_no(value: object) -> bool | None:
    """True or False for a yes/no word, a boolean or the number 0/1; None for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return bool(value) if value in (0, 1) else None
    word = _word(value)
    return True if word in YES_WORDS else False if word in NO_WORDS else None


def gender(value: object) -> str | None:
    """男 or 女 for a gender word; None for anything else."""
    return GENDER_WORDS.get(_word(value))


# --- phone and ID numbers ------------------------------------------------------------------------------

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()\-]{2,38}(?:(?:转|ext\.?|x)[0-9]{1,6})?$", re.IGNORECASE)
PHONE_PROBLEM = ("格式不正确（只能包含数字、空格、+ - ( )）", "not a phone number (digits, spaces, + - ( ) only)")
#: GB 11643: 17 digits and a check character (digit or X); 15-digit numbers of the first generation pass
ID_NUMBER_PATTERN = re.compile(r"^(?:[0-9]{17}[0-9X]|[0-9]{15})$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number."""
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


#: a wrong check digit is a flag, not a refusal (issue 17): the number is stored and the row or form is warned —
#: a 500-row ledger is not refused for one mistyped digit, and the office checks that number
ID_CHECK_DIGIT_WARNING = ("身份证号校验位不正确（已保存，请核对号码）",
                          "the ID number's check digit is wrong (saved; check the number)")


def id_number_problem(value: str) -> tuple[str, str] | None:
    """(Chinese, English) reason when `value` (upper case, trimmed) is not an ID number at all, else None.

    The one check of both paths (import and hand edit). A malformed number (wrong length, a letter other than a
    final X) is refused; a wrong check digit is only flagged (`id_number_warning`)."""
    if not ID_NUMBER_PATTERN.match(value):
        return ("不是有效的身份证号（应为18位数字，末位可为X）",
                "not a valid ID number (18 characters: 17 digits and a digit or X)")
    return None


def id_number_warning(value: str) -> tuple[str, str] | None:
    """(Chinese, English) flag when well-formed ID number `value` has a wrong check digit, else None: stored all
    the same, and shown by row (imports) or beside the field (hand edits)."""
    if len(value) == 18 and ID_NUMBER_PATTERN.match(value) and id_check_char(value[:17]) != value[17]:
        return ID_CHECK_DIGIT_WARNING
    return None


# --- one text value ------------------------------------------------------------------------------------


def length_problem(value: str, max_len: int | None) -> tuple[str, str] | None:
    """(Chinese, English) reason when `value` is longer than its column, else None."""
    if max_len is None or len(value) <= max_len:
        return None
    return (f"最多{max_len}个字符（当前{len(value)}个）", f"at most {max_len} characters ({len(value)} given)")


def bound_problem(rule: Rule, number: int) -> tuple[str, str] | None:
    """(Chinese, English) reason when whole number `number` lies outside the rule's bounds, else None."""
    lo, hi = rule.lo, rule.hi
    if (lo is None or number >= lo) and (hi is None or number <= hi):
        return None
    zh = f"应在 {lo}–{hi} 之间" if lo else f"不能为负数，且不超过 {hi}"
    return zh, f"must be between {lo or 0} and {hi}"


def checked_text(rule: Rule, name: str, value: str) -> tuple[str | None, tuple[str, str] | None]:
    """(stored value, None) or (None, (Chinese, English) reason) for text `value` of field `name`.

    Phone and ID numbers are compared after NFKC (full-width digits typed on Chinese keyboards) and trimmed, ID
    numbers upper-cased; genders are stored as 男/女; other text is kept as given, refused when it holds control
    characters or is longer than its column."""
    if rule.kind == "phone":
        phone = unicodedata.normalize("NFKC", value).strip()
        return (phone, None) if PHONE_PATTERN.match(phone) else (None, PHONE_PROBLEM)
    if rule.kind == "id_number":
        number = unicodedata.normalize("NFKC", value).strip().upper()
        problem = id_number_problem(number)
        return (None, problem) if problem else (number, None)
    if rule.kind == "gender":
        said = gender(value)
        return (said, None) if said else (None, GENDER_PROBLEM)
    problem = control_character_problem(value, name) or length_problem(value, rule.max_len)
    return (None, problem) if problem else (value, None)


#: rule kinds whose values are text checked by `checked_text`
TEXT_KINDS = frozenset({"text", "phone", "id_number", "gender"})
