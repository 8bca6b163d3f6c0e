"""Which source column is which canonical field: automatic header mapping, per layer, overridable.

Ledgers (台账) name the same thing many ways — 网格编码, 网格代码, 网格编号, code — and the same header means
different things in different layers: 社区编码 is the *code* of a row in the communities layer but the
*parent_code* in the grids layer. So the synonym table is built per layer: the schema's own Chinese header
first, then headers qualified by the layer's level word (网格编码), then generic ones (编码, code). Earlier
synonyms win when two columns claim the same field.

Matching compares *normalised* headers (NFKC, lower case, no spaces/underscores/punctuation, no trailing
note in brackets such as 户数（户） or 网格编码[必填]). A header that matches nothing exactly may still match by
its ending (居家隔离开始日期 → 开始日期) unless its beginning names another level (社区名称 is not the grid's
name); such guesses are reported as warnings so a person can check them.

A mapping file ({"source header": "canonical field"}, JSON or TOML, optionally one table per layer) overrides
everything; mapping a header to "" ignores it.
"""
from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geodata.base.layers import LAYERS, LayerSchema
from geodata.base.problems import Problem, Refusal
from geodata.base.vocab import LEADER_TITLES, UNIT_LAYERS

from .problems import ERROR, WARNING

#: input-only fields: coordinates or geometry text in a table, turned into the layer's geometry
GEOMETRY_INPUTS = {"lon": ("经度", "longitude"), "lat": ("纬度", "latitude"), "wkt": ("几何（WKT）", "geometry (WKT)")}

_LON = ("经度", "lon", "lng", "long", "longitude", "x", "东经", "x坐标", "坐标x", "经度坐标", "gps经度", "wgs84经度",
        "中心点经度", "点位经度")
_LAT = ("纬度", "lat", "latitude", "y", "北纬", "y坐标", "坐标y", "纬度坐标", "gps纬度", "wgs84纬度", "中心点纬度",
        "点位纬度")
_WKT = ("wkt", "geometry", "geom", "thegeom", "shape", "几何", "几何wkt", "空间信息", "边界", "边界范围", "范围", "坐标串")
#: words in a coordinate header that say which system the numbers are in
_CRS_HINTS = (("高德", "gcj02"), ("gcj02", "gcj02"), ("gcj", "gcj02"), ("火星", "gcj02"), ("腾讯", "gcj02"),
              ("amap", "gcj02"), ("百度", "bd09"), ("bd09", "bd09"), ("baidu", "bd09"), ("bd", "bd09"))

# Level words of the unit layers (Chinese, English), used to qualify code/name/parent headers.
_LEVEL_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "city": (("市", "城市"), ("city",)),
    "districts": (("区县", "区", "县", "区/县", "县区", "县市区"), ("district", "county")),
    "streets": (("街道", "乡镇", "街道乡镇", "街乡镇", "镇街", "街道/乡镇", "镇"), ("street", "township", "subdistrict")),
    "communities": (("社区", "村", "社区村", "社区/村", "村社区", "村居", "社区(村)"), ("community", "village")),
    "grids": (("网格",), ("grid",)),
    "compounds": (("小区", "自然村", "小区/自然村", "院落", "小区自然村"), ("compound", "estate")),
}
_PARENT_LAYER = {"districts": "city", "streets": "districts", "communities": "streets", "grids": "communities",
                 "compounds": "grids"}
#: headers that are never data: a ledger's running number; not worth an "unrecognised column" warning
IGNORED_HEADERS = frozenset({"序号", "序", "no", "#", "行号", "fid", "objectid", "ogcfid"})

#: words that make a header about *another* object: a suffix guess is refused when its beginning holds one of
#: them (社区名称 is not the grid's name), after removing the layer's own words (网格户数 is the grid's count)
_OTHER_OBJECT_WORDS = ("市", "区", "县", "街道", "乡镇", "镇", "社区", "村", "网格", "小区", "院落", "楼栋", "楼", "单元",
                       "户", "所属", "上级", "卡点", "出入口", "人员", "病例")
_OWN_WORDS = {"buildings": ("楼栋", "楼宇", "楼"), "households": ("住户", "家庭", "户"), "persons": ("人员", "个人"),
              "checkpoints": ("卡点", "出入口"), "cases": ("病例",), "observations": ("隔离", "观察"),
              "roads": ("道路", "路段"),
              **{layer: words[0] for layer, words in _LEVEL_WORDS.items()}}

_PHONE = ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "phone", "tel", "telephone", "mobile")

_GENERIC: dict[str, tuple[str, ...]] = {
    "code": ("编码", "代码", "编号", "code", "id"),
    "name": ("名称", "名字", "name"),
    "parent_code": ("上级编码", "上级代码", "上级单元编码", "父级编码", "parentcode", "parent"),
    "kind": ("类型", "类别", "kind", "type"),
    "leader_name": ("负责人", "负责人姓名", "责任人", "leader", "leadername"),
    "leader_phone": ("负责人电话", "负责人联系电话", "负责人手机", *_PHONE, "leaderphone"),
    "households": ("户数", "总户数", "住户数", "户数(户)", "households"),
    "population": ("人数", "人口", "总人口", "人口数", "总人数", "居住人数", "常住人口数", "population", "pop"),
    "control_state": ("管控状态", "管控措施", "防控状态", "管理状态", "controlstate"),
}

_BUILDINGS: dict[str, tuple[str, ...]] = {
    "code": ("楼栋编码", "楼栋编号", "楼栋代码", "建筑编码", "建筑物编码", "楼宇编码", "编码", "编号", "buildingcode", "code",
             "id"),
    "name": ("楼栋名称", "楼栋名", "楼栋", "楼号", "楼栋号", "建筑名称", "楼宇名称", "名称", "name"),
    "compound_code": ("小区编码", "所属小区编码", "小区代码", "compoundcode"),
    "grid_code": ("网格编码", "所属网格编码", "网格代码", "gridcode"),
    "address": ("地址", "详细地址", "楼栋地址", "门牌地址", "address"),
    "kind": ("楼栋类型", "建筑类型", "房屋类型", "类型", "kind", "type"),
    "floors": ("层数", "楼层数", "总层数", "楼层", "floors"),
    "stair_units": ("单元数", "楼道数", "单元个数", "stairunits"),
    "households": ("户数", "总户数", "住户数", "居住户数", "households"),
    "population": ("人数", "人口", "总人口", "居住人数", "人口数", "population"),
    "party_members": ("党员数", "党员人数", "党员", "partymembers"),
    "vulnerable": ("弱势群体人数", "弱势群体", "困难群体人数", "特殊人群人数", "重点人群人数", "vulnerable"),
    "leader_name": ("楼栋长", "楼长", "楼栋长姓名", "负责人", "leader", "leadername"),
    "leader_phone": ("楼栋长电话", "楼栋长联系电话", "楼长电话", "楼栋长手机", "负责人电话", *_PHONE, "leaderphone"),
    "control_state": _GENERIC["control_state"],
    # the footprint as WKT text: in tables, and in GIS files whose geometry column holds the point
    "footprint": ("轮廓wkt", "楼栋轮廓", "建筑轮廓", "外轮廓", "轮廓", "footprint", "footprintwkt"),
}

_HOUSEHOLDS: dict[str, tuple[str, ...]] = {
    "code": ("户编码", "户编号", "户号", "住户编码", "家庭编码", "编码", "编号", "code", "id"),
    "building_code": ("楼栋编码", "所属楼栋编码", "楼栋编号", "buildingcode"),
    "compound_code": ("小区编码", "所属小区编码", "自然村编码", "compoundcode"),
    "stair_unit": ("单元", "单元号", "所在单元", "stairunit"),
    "room": ("房号", "房间号", "室号", "门牌号", "房屋号", "room"),
    "head_name": ("户主姓名", "户主", "户主名", "headname", "head"),
    "members": ("人口数", "家庭人口", "家庭人数", "户内人数", "人数", "members"),
    "phone": _PHONE,
    "pass_no": ("通行证号", "通行证编号", "出入证号", "出入证编号", "passno"),
}

_PERSONS: dict[str, tuple[str, ...]] = {
    "code": ("人员编码", "人员编号", "人员代码", "编码", "编号", "personcode", "code", "id"),
    "name": ("姓名", "名字", "人员姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "证件号", "idnumber", "idno"),
    "phone": _PHONE,
    "gender": ("性别", "gender", "sex"),
    "birth_year": ("出生年份", "出生年", "birthyear"),
    "household_code": ("户编码", "户编号", "所属户编码", "householdcode"),
    "building_code": ("楼栋编码", "所属楼栋编码", "buildingcode"),
    "compound_code": ("小区编码", "所属小区编码", "自然村编码", "compoundcode"),
    "resident_type": ("人口类型", "人员类型", "户籍类型", "居住类型", "residenttype"),
    "tags": ("人员类别", "人员标签", "重点人群类别", "重点人群", "特殊人群", "标签", "类别", "tags"),
}

#: how ledgers of people (observations, cases) name a person and their home, as offices write it
_NAMING: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "人员姓名", "名字", "name"),
    "id_number": _PERSONS["id_number"],
    "household_code": ("户编码", "户编号", "所属户编码", "householdcode"),
    "building_code": ("楼栋编码", "所属楼栋编码", "楼栋编号", "所在楼栋编码", "buildingcode"),
    "room": ("房号", "房间号", "室号", "门牌号", "room"),
    "address": ("地址", "住址", "现住址", "居住地址", "家庭住址", "详细地址", "现居住地址", "address"),
}

_OBSERVATIONS: dict[str, tuple[str, ...]] = {
    "code": ("记录编号", "记录编码", "隔离编号", "台账编号", "编号", "编码", "code", "id"),
    "person_code": ("人员编码", "人员编号", "personcode", "person"),
    **_NAMING,
    "kind": ("隔离方式", "隔离类型", "观察方式", "管控方式", "医学观察方式", "kind", "type"),
    "place": ("隔离地点", "隔离地址", "隔离场所", "隔离酒店", "观察地点", "place"),
    "start_date": ("隔离开始日期", "开始日期", "隔离日期", "隔离起始日期", "开始隔离日期", "隔离开始时间", "开始时间",
                   "startdate", "start"),
    "planned_end": ("计划解除日期", "预计解除日期", "计划结束日期", "预计解除隔离日期", "应解除日期", "结束日期",
                    "plannedend"),
    "reason": ("隔离原因", "原因", "事由", "管控原因", "reason"),
    "origin": ("来源地", "来自", "从何地返回", "来源", "返回地", "origin"),
    "cadre_name": ("包保干部", "包联干部", "责任干部", "包保责任人", "cadre", "cadrename"),
    "medic_name": ("包保医务人员", "医务人员", "责任医生", "包保医生", "medic", "medicname"),
    "released_on": ("解除日期", "实际解除日期", "解除隔离日期", "解除时间", "releasedon", "released"),
}

_CASES: dict[str, tuple[str, ...]] = {
    "code": ("病例编号", "病例编码", "编号", "编码", "casecode", "code", "id"),
    "kind": ("病例类型", "病例分类", "分类", "类型", "类别", "kind", "type"),
    "reported_on": ("报告日期", "报告时间", "确诊日期", "发现日期", "报告", "reportedon", "reported", "date"),
    "person_code": ("人员编码", "人员编号", "personcode"),
    **_NAMING,
    "building_code": ("楼栋编码", "所在楼栋编码", "buildingcode"),
    "compound_code": ("小区编码", "所在小区编码", "compoundcode"),
    "household_code": ("户编码", "所在户编码", "householdcode"),
    "stair_unit": ("单元", "单元号", "所在单元", "stairunit"),
    "worksite": ("工作场所", "工作单位", "工作地点", "worksite"),
    "source_known": ("感染来源明确", "来源明确", "感染来源是否明确", "来源是否明确", "sourceknown"),
    "note": ("备注", "说明", "note", "remark"),
}

_CHECKPOINTS: dict[str, tuple[str, ...]] = {
    "code": ("卡点编码", "卡点编号", "出入口编码", "出入口编号", "编号", "编码", "code", "id"),
    "name": ("卡点名称", "出入口名称", "卡点", "出入口", "名称", "name"),
    "kind": ("卡点类型", "出入口类型", "类型", "kind", "type"),
    "unit_code": ("所属单元编码", "所属小区编码", "所属社区编码", "小区编码", "社区编码", "单元编码", "unitcode"),
    "status": ("状态", "开放状态", "启用状态", "status"),
    "is_24h": ("24小时值守", "是否24小时值守", "24小时", "是否24小时", "is24h"),
    "staff_day": ("白班人数", "白天值守人数", "白班", "staffday"),
    "staff_night": ("夜班人数", "夜间值守人数", "夜班", "staffnight"),
    "leader_name": ("负责人", "卡长", "值守负责人", "leader", "leadername"),
    "leader_phone": ("负责人电话", "负责人联系电话", "卡长电话", *_PHONE, "leaderphone"),
}

# road files come from surveying offices and from OpenStreetMap extracts (osm_id, name, highway / fclass)
_ROADS: dict[str, tuple[str, ...]] = {
    "code": ("道路编码", "道路编号", "路段编码", "路段编号", "道路代码", "编码", "编号", "roadcode", "osmid", "code", "id"),
    "name": ("道路名称", "路名", "道路名", "路段名称", "名称", "name"),
    "kind": ("道路等级", "道路类型", "道路类别", "道路级别", "等级", "类型", "类别", "highway", "fclass", "roadclass",
             "kind", "type", "class"),
    "street_code": ("所属街道编码", "所属街道乡镇编码", "街道编码", "街道乡镇编码", "乡镇编码", "streetcode"),
}

_LAYER_TABLES = {"buildings": _BUILDINGS, "households": _HOUSEHOLDS, "persons": _PERSONS,
                 "observations": _OBSERVATIONS, "cases": _CASES, "checkpoints": _CHECKPOINTS, "roads": _ROADS}


def normalise(header: object) -> str:
    """Header text as compared: NFKC, lower case, no spaces/punctuation, no trailing bracketed note."""
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    text = re.sub(r"[\s_\-·.。:*★※?？]+", "", text)
    prev = None
    while prev != text:  # 户数（户）, 网格编码[必填], 户数(户)(必填)
        prev = text
        text = re.sub(r"[(\[【<][^()\[\]【】<>]*[)\]】>]$", "", text)
    return text


def _unit_synonyms(layer: str) -> dict[str, list[str]]:
    """Headers qualified by the level (网格编码, grid_code) — more specific than the schema's generic 编码 — and
    then the generic ones."""
    specific = _unit_specific(layer)
    return {name: [*specific.get(name, ()), *_GENERIC.get(name, ())] for name in {*specific, *_GENERIC}}


def _unit_specific(layer: str) -> dict[str, list[str]]:
    zh_words, en_words = _LEVEL_WORDS[layer]
    out: dict[str, list[str]] = {
        "code": [f"{w}{s}" for w in zh_words for s in ("编码", "代码", "编号")] + [f"{w}code" for w in en_words],
        "name": [f"{w}{s}" for w in zh_words for s in ("名称", "名")] + [f"{w}name" for w in en_words],
        "kind": [f"{w}{s}" for w in zh_words for s in ("类型", "类别")],
    }
    parent = _PARENT_LAYER.get(layer)
    if parent:
        pz, pe = _LEVEL_WORDS[parent]
        out["parent_code"] = ([f"所属{w}{s}" for w in pz for s in ("编码", "代码", "编号")]
                              + [f"{w}{s}" for w in pz for s in ("编码", "代码")]
                              + [f"{w}code" for w in pe] + [f"parent{w}code" for w in pe])
    title_zh = LEADER_TITLES[UNIT_LAYERS[layer]][0]
    out["leader_name"] = [title_zh, f"{title_zh}姓名"] + [f"{w}负责人" for w in zh_words] + ["书记", "网格长",
                                                                                          "网格员"]
    out["leader_phone"] = [f"{title_zh}电话", f"{title_zh}联系电话", f"{title_zh}手机"] + [
        f"{w}负责人电话" for w in zh_words]
    return out


def synonyms(layer: str) -> dict[str, list[str]]:
    """field → accepted headers (normalised), best first, for one layer (geometry inputs included)."""
    schema = LAYERS[layer]
    if layer in UNIT_LAYERS:  # level-qualified first: the schema's own 编码 is the generic word there
        specific = _unit_specific(layer)
        table = {name: [*specific.get(name, ()), *_GENERIC.get(name, ())] for name in specific.keys() | _GENERIC}
        first = specific
    else:
        table = {k: list(v) for k, v in _LAYER_TABLES[layer].items()}
        first = {}
    out: dict[str, list[str]] = {}
    for f in schema.fields:
        if f.kind == "geometry" and f.name not in table:
            continue
        seen: list[str] = []
        # f.name[:10]: shapefiles cut field names to 10 characters (parent_code → parent_cod)
        for s in (*first.get(f.name, ()), f.zh, f.name, f.name[:10], *table.get(f.name, ())):
            n = normalise(s)
            if n and n not in seen:
                seen.append(n)
        out[f.name] = seen
    if schema.geometry:
        out["lon"], out["lat"], out["wkt"] = ([normalise(s) for s in group] for group in (_LON, _LAT, _WKT))
    return out


@dataclass(frozen=True)
class Match:
    field: str
    rank: int  # position in the field's synonym list (lower is better)
    guessed: bool = False  # matched by the header's ending only
    crs_hint: str | None = None


class HeaderMatcher:
    """Matches headers to one layer's fields. Build once per file (the synonym index is per layer)."""

    def __init__(self, layer: str) -> None:
        self.layer = layer
        self.synonyms = synonyms(layer)
        self._exact: dict[str, tuple[str, int]] = {}
        for name, syns in self.synonyms.items():
            for rank, s in enumerate(syns):
                self._exact.setdefault(s, (name, rank))
        # suffix guesses use Chinese synonyms of two characters or more, longest first
        self._suffixes = sorted(
            ((s, name, rank) for s, (name, rank) in self._exact.items() if len(s) >= 2 and not s.isascii()),
            key=lambda t: -len(t[0]),
        )

    def match(self, header: str, parts: Sequence[str] = ()) -> Match | None:
        for cand in (header, *(reversed(parts) if parts else ()), "".join(parts)):
            n = normalise(cand)
            if not n:
                continue
            if n in self._exact:
                name, rank = self._exact[n]
                return Match(name, rank)
            coord = self._coordinate(n)
            if coord:
                return coord
        for cand in (header, *(reversed(parts) if parts else ())):
            guess = self._suffix(normalise(cand)) or self._prefix(normalise(cand))
            if guess:
                return guess
        return None

    def _prefix(self, n: str) -> Match | None:
        """社区编 → 社区编码: shapefile field names cut to 10 bytes. Only when every synonym it begins names the
        same field."""
        if len(n) < 3 or n.isascii():
            return None
        hits = {(name, rank) for s, (name, rank) in self._exact.items() if s.startswith(n)}
        fields = {name for name, _ in hits}
        if len(fields) != 1:
            return None
        return Match(fields.pop(), min(rank for _, rank in hits) + 2000, guessed=True)

    def _coordinate(self, n: str) -> Match | None:
        """高德经度, lng_gcj, 百度纬度 …: a coordinate header that names its system."""
        if "lon" not in self.synonyms:
            return None
        for token, system in _CRS_HINTS:
            if token in n:
                rest = n.replace(token, "")
                for name in ("lon", "lat"):
                    if rest in self.synonyms[name]:
                        return Match(name, self.synonyms[name].index(rest), crs_hint=system)
        return None

    def _suffix(self, n: str) -> Match | None:
        if not n or n.isascii():
            return None
        for s, name, rank in self._suffixes:
            if n.endswith(s) and n != s:
                prefix = n[: -len(s)]
                for own in sorted(_OWN_WORDS.get(self.layer, ()), key=len, reverse=True):
                    prefix = prefix.replace(own, "")
                if any(w in prefix for w in _OTHER_OBJECT_WORDS):
                    return None
                return Match(name, rank + 1000, guessed=True)
        return None

    def is_known(self, header: str) -> bool:
        return self.match(header) is not None


def field_label(schema: LayerSchema, name: str) -> tuple[str, str]:
    """(Chinese header, English name) of a field or geometry input, for messages."""
    if name in GEOMETRY_INPUTS:
        return GEOMETRY_INPUTS[name]
    return schema.field(name).zh, name


# ---------------------------------------------------------------------------------------------------------
# mapping files


class MappingError(Refusal, ValueError):
    """A mapping file that cannot be used: a refusal with a bilingual message (still a ValueError for callers that
    treat it as bad input)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, [Problem(zh, en, field="mapping")])
        self.zh, self.en = zh, en


def load_mapping(mapping: str | Path | Mapping[str, object] | None, layer: str | None = None) -> dict:
    """{source header: canonical field} from a dict, or a .json/.toml file. A file may hold one table per layer
    ({"grids": {...}, "buildings": {...}}): then the table for `layer` is used (all tables are returned as they
    are when `layer` is None, for `read_layer` to pick from later). "" means "ignore this column"."""
    if mapping is None:
        return {}
    if isinstance(mapping, Mapping):
        data: object = dict(mapping)
    else:
        path = Path(mapping)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise MappingError(f"无法读取映射文件：{exc}", f"cannot read the mapping file: {exc}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        try:
            data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise MappingError(f"映射文件格式错误：{exc}", f"the mapping file is not valid "
                               f"{'TOML' if path.suffix.lower() == '.toml' else 'JSON'}: {exc}") from None
    if not isinstance(data, dict):
        raise MappingError("映射文件应为“源列名: 标准字段”的对象", "the mapping must be an object of "
                           "'source header: canonical field'")
    if layer is None:
        return {str(k): (_checked(v, k) if not isinstance(v, dict) else
                         {str(k2): _checked(v2, k2) for k2, v2 in v.items()}) for k, v in data.items()}
    if layer in data and isinstance(data[layer], dict):
        data = data[layer]
    return {str(k): _checked(v, k) for k, v in data.items() if not isinstance(v, dict)}


def _checked(value: object, key: object) -> str:
    if value is not None and not isinstance(value, str):
        raise MappingError(f"映射文件中“{key}”的值应为字段名", f"mapping value for {key!r} must be a field name")
    return (value or "").strip()


# ---------------------------------------------------------------------------------------------------------
# mapping one file's headers


@dataclass
class ColumnMap:
    """The decision for one file: which header feeds which field, and what a person should know about it."""

    fields: dict[str, str] = field(default_factory=dict)  # canonical field (or lon/lat/wkt) → source header
    crs_hint: str | None = None  # 'gcj02'/'bd09' when coordinate headers name their system
    notes: list[tuple[str, str, str, str | None, str | None]] = field(default_factory=list)
    # (severity, zh, en, column, field)

    def header(self, name: str) -> str | None:
        return self.fields.get(name)


def map_headers(
    headers: Sequence[str],
    layer: str,
    mapping: Mapping[str, str] | None = None,
    *,
    parts: Mapping[str, Sequence[str]] | None = None,
    optional_required: Sequence[str] = (),
) -> ColumnMap:
    """Decide which header is which field. `parts` gives the cells of multi-row headers ('隔离信息/开始日期' →
    ('隔离信息', '开始日期')); `optional_required` names required fields the caller can fill itself."""
    schema = LAYERS[layer]
    matcher = HeaderMatcher(layer)
    parts = parts or {}
    result = ColumnMap()
    valid = set(matcher.synonyms)
    taken: set[str] = set()

    by_norm = {normalise(h): h for h in headers}
    for key, target in (mapping or {}).items():
        header = key if key in headers else by_norm.get(normalise(key))
        if header is None:
            for h, p in parts.items():
                if key in p:
                    header = h
        if header is None:
            result.notes.append((WARNING, f"映射文件中的列“{key}”在文件中不存在", f"the mapping names column {key!r}, "
                                 "which is not in the file", key, None))
            continue
        taken.add(header)
        if not target:
            continue
        if target not in valid:
            allowed = ", ".join(sorted(valid))
            result.notes.append((ERROR, f"映射文件把“{key}”映射到未知字段“{target}”（{schema.zh}图层可用：{allowed}）",
                                 f"the mapping sends {key!r} to unknown field {target!r} (layer {layer} has: "
                                 f"{allowed})", header, None))
            continue
        if target in result.fields:
            result.notes.append((ERROR, f"映射文件把两列映射到同一字段“{target}”", f"the mapping sends two columns to "
                                 f"field {target!r}", header, target))
            continue
        result.fields[target] = header

    best: dict[str, tuple[tuple[int, int, int], str, Match]] = {}
    unmapped = []
    for pos, header in enumerate(headers):
        if header in taken:
            continue
        m = matcher.match(header, parts.get(header, ()))
        if m is None:
            if normalise(header) not in IGNORED_HEADERS:
                unmapped.append(header)
            continue
        if m.field in result.fields:
            zh, en = field_label(schema, m.field)
            result.notes.append((WARNING, f"列“{header}”也像是{zh}，已按映射文件使用列“{result.fields[m.field]}”",
                                 f"column {header!r} also looks like {en}; the mapping file's column "
                                 f"{result.fields[m.field]!r} is used", header, m.field))
            continue
        key = (int(m.guessed), m.rank, pos)
        if m.field in best:
            other_key, other, _ = best[m.field]
            keep, drop = (header, other) if key < other_key else (other, header)
            zh, en = field_label(schema, m.field)
            result.notes.append((WARNING, f"列“{drop}”也像是{zh}，已忽略（使用列“{keep}”）",
                                 f"column {drop!r} also looks like {en}; ignored ({keep!r} is used)", drop, m.field))
            if key >= other_key:
                continue
        best[m.field] = (key, header, m)

    for name, (_, header, m) in best.items():
        result.fields[name] = header
        if m.guessed:
            zh, en = field_label(schema, name)
            result.notes.append((WARNING, f"列“{header}”按列名推断为{zh}，如不对请用映射文件指定",
                                 f"column {header!r} taken as {en} from its wording; use a mapping file if wrong",
                                 header, name))
        if m.crs_hint and result.crs_hint is None:
            result.crs_hint = m.crs_hint

    for header in unmapped:
        result.notes.append((WARNING, f"列“{header}”无法识别，已忽略（可在映射文件中指定）",
                             f"column {header!r} not recognised; ignored (name it in a mapping file to import it)",
                             header, None))

    for name in schema.required:
        if name == "geometry" or name in result.fields or name in optional_required:
            continue
        zh, en = field_label(schema, name)
        examples = "、".join(dict.fromkeys([schema.field(name).zh, *_display_synonyms(layer, name)]))
        result.notes.append((ERROR, f"缺少必填列“{zh}”（可用列名：{examples}）",
                             f"required column {en!r} is missing (accepted headers: {examples})", None, name))
    return result


def _display_synonyms(layer: str, name: str, n: int = 4) -> list[str]:
    table = _unit_synonyms(layer) if layer in UNIT_LAYERS else _LAYER_TABLES[layer]
    return list(table.get(name, ()))[:n]
