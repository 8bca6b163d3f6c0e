"""The reader's parts on their own: header synonyms, cell values, ledger headers, encodings, geometry repair."""
from __future__ import annotations

import datetime as dt
import struct

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from geodata.base.layers import LAYERS
from loaders.readers import columns, encoding, excel, values
from loaders.readers import geometry as geom
from loaders.readers.formats import description_fields

# ---------------------------------------------------------------------------------------------------------
# headers


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_no_header_means_two_fields_in_one_layer(layer):
    owner: dict[str, str] = {}
    for name, syns in columns.synonyms(layer).items():
        for s in syns:
            assert owner.setdefault(s, name) == name, f"{s!r} means both {owner[s]} and {name} in {layer}"


@pytest.mark.parametrize("layer, header, field", [
    ("communities", "社区编码", "code"),
    ("grids", "社区编码", "parent_code"),
    ("communities", "街道编码", "parent_code"),
    ("grids", "网格编码", "code"),
    ("grids", "网格长", "leader_name"),
    ("grids", "户数（户）", "households"),
    ("grids", "*人数", "population"),
    ("grids", "网格户数", "households"),  # the layer's own word in front is fine
    ("buildings", "楼栋长电话", "leader_phone"),
    ("buildings", "楼栋名称", "name"),
    ("buildings", "parent_cod", None),  # not a buildings field
    ("grids", "parent_cod", "parent_code"),  # shapefile-truncated English name from our own export
    ("observations", "隔离开始日期", "start_date"),
    ("observations", "居家隔离开始日期", "start_date"),
    ("cases", "报告日期", "reported_on"),
    ("persons", "身份证号码", "id_number"),
    ("checkpoints", "24小时值守", "is_24h"),
    ("buildings", "Longitude", "lon"),
    ("buildings", "纬度", "lat"),
    ("communities", "WKT", "wkt"),
    ("buildings", "轮廓WKT", "footprint"),
    ("cases", "经度", None),  # cases have no geometry
])
def test_headers_map_per_layer(layer, header, field):
    m = columns.HeaderMatcher(layer).match(header)
    assert (m.field if m else None) == field


def test_another_levels_name_is_not_taken_for_this_layers_name():
    assert columns.HeaderMatcher("grids").match("社区名称") is None


def test_coordinate_headers_that_name_their_system_give_a_crs_hint():
    m = columns.HeaderMatcher("buildings")
    assert (m.match("高德经度").field, m.match("高德经度").crs_hint) == ("lon", "gcj02")
    assert (m.match("BD09_lat").field, m.match("BD09_lat").crs_hint) == ("lat", "bd09")


def test_two_columns_for_one_field_keep_the_more_specific():
    cmap = columns.map_headers(["编码", "网格编码", "网格名称"], "grids")
    assert cmap.fields["code"] == "网格编码"
    (note,) = [n for n in cmap.notes if n[3] == "编码"]
    assert note[0] == "warning" and "ignored" in note[2]


def test_missing_required_columns_are_named_with_accepted_headers():
    cmap = columns.map_headers(["户数"], "grids")
    errors = [n for n in cmap.notes if n[0] == "error"]
    assert {n[4] for n in errors} == {"code", "name"}
    assert any("网格编码" in n[1] for n in errors)


def test_mapping_files_can_hold_a_table_per_layer(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text('[grids]\n"甲" = "code"\n[buildings]\n"甲" = "name"\n', encoding="utf-8")
    assert columns.load_mapping(p, "buildings") == {"甲": "name"}
    assert columns.load_mapping(p) == {"grids": {"甲": "code"}, "buildings": {"甲": "name"}}
    with pytest.raises(columns.MappingError):
        columns.load_mapping({"甲": 3}, "grids")


# ---------------------------------------------------------------------------------------------------------
# values


def test_dates_in_every_usual_form():
    cells = pd.Series(["2022/4/1", "2022年4月1日", "2022-04-01", "20220401", 44652, 44652.75, "44652",
                       dt.datetime(2022, 4, 1, 8, 30), dt.date(2022, 4, 1), "2022.4.1", "2022-04-01 08:00:00",
                       pd.Timestamp("2022-04-01"), 20220401, "２０２２年４月１日"], dtype=object)
    parsed = values.parse_date(cells)
    assert parsed.issue is None
    assert set(parsed.values) == {dt.date(2022, 4, 1)}


@pytest.mark.parametrize("cell, words", [
    ("4月1日", "has no year"), ("2022-02-30", "not a real calendar date"), ("明天", "not a recognised date"),
    (123, "not a date"), ("1850-01-01", "implausible year"),
])
def test_bad_dates_say_why(cell, words):
    parsed = values.parse_date(pd.Series([cell], dtype=object))
    assert words in parsed.issue.en[0] and parsed.values[0] is None


def test_whole_numbers_are_strict_but_sensible():
    cells = pd.Series(["12", "1,234", "1，234", "12户", "12.0", 7, 7.0, "", "-", "无", "abc", "12.5", "-3",
                       "约10", "1e3", True], dtype=object)
    parsed = values.parse_int(cells, "households")
    got = parsed.values.tolist()
    assert got[:7] == [12, 1234, 1234, 12, 12, 7, 7]
    assert all(pd.isna(v) for v in got[7:])
    assert parsed.issue.positions.tolist() == [10, 11, 12, 13, 14, 15]
    assert "不能为负数" in parsed.issue.zh[2]


def test_yes_no_cells():
    parsed = values.parse_bool(pd.Series(["是", "否", "√", "×", 1, 0, True, "true", "有", "也许"], dtype=object))
    assert parsed.values.tolist()[:9] == [True, False, True, False, True, False, True, True, True]
    assert parsed.issue.positions.tolist() == [9]


def test_vocabulary_values_become_codes_per_field():
    obs = LAYERS["observations"].field("kind")
    parsed = values.parse_field(pd.Series(["居家隔离", "集中", "home", "留置观察", "在家呆着"]), obs, "observations")
    assert parsed.values.tolist()[:4] == ["home", "central", "home", "temporary"]
    assert parsed.issue.positions.tolist() == [4] and "居家医学观察" in parsed.issue.zh[0]
    kind = LAYERS["communities"].field("kind")
    assert values.parse_field(pd.Series(["农村"]), kind, "communities").values.tolist() == ["rural"]
    state = LAYERS["buildings"].field("control_state")
    assert values.parse_field(pd.Series(["封控"]), state, "buildings").values.tolist() == ["sealed"]


def test_person_tags_are_several_codes_in_one_cell():
    tags = LAYERS["persons"].field("tags")
    parsed = values.parse_field(pd.Series(["独居老人、党员", "低保户,残疾", "['infant']", "外星人"]), tags, "persons")
    assert parsed.values.tolist()[:3] == ["elderly_alone,party_member", "low_income,disabled", "infant"]
    assert parsed.issue.positions.tolist() == [3]


def test_text_cells_from_excel_keep_codes_and_phones_whole():
    parsed = values.parse_text(pd.Series([420106001001, 13800138000.0, " 张三 ", "Ｇ００１"], dtype=object), "code")
    assert parsed.values.tolist() == ["420106001001", "13800138000", "张三", "G001"]


def test_id_numbers_that_excel_turned_into_numbers_are_errors():
    parsed = values.parse_text(pd.Series([4.20106198001011e17, "4.20106E+17", "42010619800101002X"], dtype=object),
                               "id_number")
    assert parsed.issue.positions.tolist() == [0, 1]
    assert parsed.values.tolist()[2] == "42010619800101002X"


def test_degrees_minutes_seconds():
    parsed = values.parse_float(pd.Series(["114°18′00″", "东经114.3", "30度35分24秒"], dtype=object))
    assert parsed.values.tolist() == pytest.approx([114.3, 114.3, 30.59])


# ---------------------------------------------------------------------------------------------------------
# ledger headers


def _score(layer):
    m = columns.HeaderMatcher(layer)
    return lambda h, parts=(): m.match(h, parts) is not None


def test_ledger_header_found_below_the_title_and_flattened_from_two_rows():
    rows = [
        (1, ("XX社区居家隔离人员台账", None, None, None, None, None)),
        (2, ("填报单位：XX社区", None, None, None, "填报日期：2022年4月5日", None)),
        (3, ("序号", "人员编码", "隔离信息", None, None, "备注")),
        (4, (None, None, "隔离方式", "开始日期", "计划解除日期", None)),
        (5, (1, "P001", "居家", 44652, 44666, None)),
    ]
    header = excel.find_header(rows, _score("observations"))
    assert header.rows == (3, 4)
    assert header.names == ["序号", "人员编码", "隔离信息/隔离方式", "隔离信息/开始日期", "隔离信息/计划解除日期", "备注"]
    assert header.parts["隔离信息/开始日期"] == ("隔离信息", "开始日期")


def test_a_plain_first_row_header_stays_one_row():
    rows = [(1, ("网格编码", "网格名称", "户数")), (2, ("G1", "一网格", 3))]
    header = excel.find_header(rows, _score("grids"))
    assert header.rows == (1,) and header.names == ["网格编码", "网格名称", "户数"]


def test_total_footer_empty_and_repeated_header_rows_are_not_data():
    header = excel.Header(["网格编码", "网格名称", "户数"], {}, (1,))
    frame = pd.DataFrame([["G1", "一网格", "3"], ["合计", "", "3"], ["", "", ""], ["填表人：张三", "", ""],
                          ["网格编码", "网格名称", "户数"], ["G2", "合计网格", "4"], ["", "总 计", "7"]],
                         columns=header.names, dtype=object)
    assert excel.skip_mask(frame, header).tolist() == [False, True, True, True, True, False, True]


def test_column_letters():
    assert [excel.column_letter(i) for i in (0, 25, 26, 27, 701)] == ["A", "Z", "AA", "AB", "ZZ"]


# ---------------------------------------------------------------------------------------------------------
# encodings


def _dbf(path, names: list[bytes], values_: list[bytes]) -> None:
    """A minimal dBase III file: character fields only."""
    width = 20
    header_len = 32 + 32 * len(names) + 1
    head = struct.pack("<BBBBIHH20x", 3, 122, 4, 1, len(values_) // len(names), header_len, 1 + width * len(names))
    fields = b"".join(n.ljust(11, b"\x00") + b"C" + b"\x00" * 4 + bytes([width, 0]) + b"\x00" * 14 for n in names)
    recs = b"".join(b" " + b"".join(v.ljust(width) for v in values_[i:i + len(names)])
                    for i in range(0, len(values_), len(names)))
    path.write_bytes(head + fields + b"\r" + recs + b"\x1a")


@pytest.mark.parametrize("enc, expected", [("gbk", "gb18030"), ("utf-8", "utf-8")])
def test_dbf_encoding_is_decided_by_its_bytes(tmp_path, enc, expected):
    shp = tmp_path / "a.shp"
    shp.write_bytes(b"")
    _dbf(tmp_path / "a.dbf", ["名称".encode(enc)], ["东湖社区".encode(enc), "徐东村".encode(enc)])
    decision = encoding.shapefile_encoding(shp)
    assert (decision.encoding, decision.how, decision.note) == (expected, "bytes", None)


@pytest.mark.parametrize("text, codec", [("UTF-8", "utf-8"), ("GBK", "gb18030"), ("936", "gb18030"),
                                          ("ANSI 936", "gb18030"), ("65001", "utf-8"), ("88591", "latin-1")])
def test_cpg_names(text, codec):
    assert encoding.cpg_codec(text) == codec


def test_csv_encodings(tmp_path):
    p = tmp_path / "a.csv"
    for data, expected in [("网格编码\n".encode("utf-8-sig"), "utf-8-sig"), ("网格编码\n".encode("gbk"), "gb18030"),
                           ("网格编码\n".encode("utf-8"), "utf-8"), (b"code\n", "utf-8")]:
        p.write_bytes(data)
        assert encoding.text_encoding(p).encoding == expected


# ---------------------------------------------------------------------------------------------------------
# geometry


def test_an_ambiguous_self_overlap_is_not_repaired():
    # the ring runs around a square and then back through it: the two repair methods disagree on the strip
    loop = Polygon([(0, 0), (4, 0), (4, 4), (0, 4), (0, 2), (6, 2), (6, 3), (0, 3)])
    assert geom.repair_polygon(loop)[0] is None
    shaped = geom.shape_geometries(np.array([loop], dtype=object), "polygon")
    (issue,) = shaped.issues
    assert issue.severity == "error" and "cannot be repaired safely" in issue.en[0]
    assert shaped.geometry[0] is None


def test_a_bowtie_is_repaired_and_keeps_its_area():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    fixed, kept = geom.repair_polygon(bowtie)
    assert fixed.is_valid and fixed.area == pytest.approx(0.5) and kept == 1.0


def test_building_polygons_become_inner_points_with_their_footprint():
    ell = Polygon([(0, 0), (3, 0), (3, 1), (1, 1), (1, 3), (0, 3)])  # the centroid of an L lies outside it
    shaped = geom.shape_for_layer(np.array([ell, shapely.Point(5, 5)], dtype=object), LAYERS["buildings"])
    assert shaped.issues == []
    assert ell.contains(shaped.geometry[0]) and shaped.footprint[0].equals(ell)
    assert shaped.geometry[1].equals(shapely.Point(5, 5)) and shaped.footprint[1] is None


def test_checkpoints_given_as_polygons_warn_and_become_points():
    shaped = geom.shape_for_layer(np.array([box(0, 0, 1, 1)], dtype=object), LAYERS["checkpoints"])
    (issue,) = shaped.issues
    assert issue.severity == "warning" and shaped.geometry[0].geom_type == "Point" and shaped.footprint is None


def test_wkt_geojson_and_hex_wkb_cells():
    cells = pd.Series(["POINT (1 2)", "SRID=4490;POINT (3 4)", '{"type": "Point", "coordinates": [5, 6]}',
                       shapely.to_wkb(shapely.Point(7, 8), hex=True), "POINT (1", None])
    geoms, issue, none = geom.geometries_from_text(cells)
    assert [g.x if g is not None else None for g in geoms] == [1, 3, 5, 7, None, None]
    assert issue.positions.tolist() == [4] and none.tolist() == [False] * 5 + [True]


# ---------------------------------------------------------------------------------------------------------
# KML descriptions


def test_kml_descriptions_in_lines_and_tables():
    assert description_fields("编号：KD001<br/>类型：卡点<br>负责人: 张三") == {"编号": "KD001", "类型": "卡点",
                                                                          "负责人": "张三"}
    assert description_fields("<table><tr><td>编号</td><td>KD002</td></tr></table>") == {"编号": "KD002"}
    assert description_fields("东门外，早上8:00开") == {}
