"""Canonical layer schemas: the columns every importer produces, the demo generator emits and exports write.

A *layer frame* is a pandas DataFrame (GeoDataFrame in EPSG:4326 where the layer has geometry) whose columns
are a subset of the layer's fields below. `geodata.exchange.bulk.upsert_layer` is the only consumer that writes them.
Chinese headers are the ones ledgers (台账) use; exports use them, importers recognise them.

Text fields refuse control characters (`control_character_problem`), on import and in hand edits alike: a name
with a bell, an escape sequence or a NUL in it cannot be typed on purpose, breaks XLSX files (which cannot hold
them) and terminals, and a leading tab or carriage return is how a spreadsheet formula hides. Only free-text notes
(`MULTILINE_FIELDS`) keep line breaks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: text fields that are free-text notes typed in a text area: line breaks (\n, \r\n) allowed there
MULTILINE_FIELDS = frozenset({"note", "control_reason"})
#: C0 control characters and DEL (U+0000–U+001F, U+007F); a pattern, so that a million-row column can be
#: screened in one vectorised pass before `control_character_problem` looks at the cells it found
CONTROL_CHARACTERS = r"[\x00-\x1f\x7f]"
_CONTROL = re.compile(CONTROL_CHARACTERS)


def control_character_problem(value: str, field: str) -> tuple[str, str] | None:
    """(Chinese, English) reason when `value` of text field `field` holds a control character, else None.

    The one rule for every text field (importers: loaders.readers.values; hand edits: geodata.editing.records). Line
    breaks pass in `MULTILINE_FIELDS` only.
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

LAYERS["observations"] = LayerSchema(
    "observations",
    "隔离观察",
    (
        Field("code", "str", "记录编号", True),
        Field("person_code", "str", "人员编码", True),
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
        Field("code", "str", "病例编号", True),
        Field("kind", "str", "病例类型", True),
        Field("reported_on", "date", "报告日期", True),
        Field("person_code", "str", "人员编码"),
        Field("building_code", "str", "楼栋编码"),
        Field("compound_code", "str", "小区编码"),
        Field("household_code", "str", "户编码"),
        Field("stair_unit", "int", "单元"),
        Field("worksite", "str", "工作场所"),
        Field("source_known", "bool", "感染来源明确"),
        Field("note", "str", "备注"),
    ),
    None,
)

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
