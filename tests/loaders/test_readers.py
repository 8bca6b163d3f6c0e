"""Reading real-shaped import files into canonical layer frames: every format, every kind of broken file.

Each test generates its file with `fixtures_files` and reads it the way `python -m loaders import` does.
"""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from loaders import coords
from loaders.readers import iter_layer_chunks, problems_table, read_layer, resolve_layer
from loaders.readers.reader import ReadReport
from loaders.readers.problems import ProblemLog
from tests.loaders import fixtures_files as ff

MOJIBAKE = ("Í", "Ã", "Â", "ç", "\ufffd", "锟")  # what GBK read as Latin-1 / UTF-8 read as GBK look like


def _no_mojibake(frame: pd.DataFrame) -> None:
    for col in frame.columns:
        for v in frame[col]:
            if isinstance(v, str):
                assert not any(m in v for m in MOJIBAKE), f"mojibake in {col}: {v!r}"


def _only(result, severity: str):
    return [p for p in result.problems if p.severity == severity]


def _bilingual(p) -> None:
    assert any("\u4e00" <= ch <= "\u9fff" for ch in p.message_zh), p
    assert p.message_en.isascii() or any(ch.isascii() and ch.isalpha() for ch in p.message_en), p
    assert p.message_zh != p.message_en


# ---------------------------------------------------------------------------------------------------------
# shapefiles


def test_gbk_shapefile_without_cpg_reads_chinese_headers_and_names(tmp_path):
    r = read_layer(ff.gbk_shapefile_without_cpg(tmp_path), "grids")
    assert r.ok and r.problems == []
    assert r.encoding == "gb18030"
    assert r.columns == {"code": "网格编码", "name": "网格名称", "households": "户数", "population": "人数",
                         "leader_name": "网格长", "leader_phone": "联系电话", "parent_code": "社区编码"}
    assert isinstance(r.frame, gpd.GeoDataFrame) and r.frame.crs.to_epsg() == 4326
    assert r.frame["code"].tolist() == [g[0] for g in ff.GRIDS]
    assert r.frame["name"].tolist() == [g[1] for g in ff.GRIDS]
    assert r.frame["leader_name"].tolist() == [g[4] for g in ff.GRIDS]
    assert r.frame["parent_code"].tolist() == [g[6] for g in ff.GRIDS]
    assert r.frame["households"].tolist() == [g[2] for g in ff.GRIDS]
    assert r.frame["_row"].tolist() == [1, 2, 3]
    assert r.rows_read == 3
    _no_mojibake(r.frame)


def test_zipped_gbk_shapefile_with_gbk_member_names(tmp_path):
    r = read_layer(ff.gbk_shapefile_zip(tmp_path), "grids")
    assert r.ok, problems_table(r.problems)
    assert r.file.endswith("(网格/网格.shp)")  # the member name, decoded from GBK
    assert r.frame["name"].tolist() == [g[1] for g in ff.GRIDS]
    assert all(a.equals(b) for a, b in zip(r.frame.geometry, [ff._grid_polygon(i) for i in range(3)], strict=True))
    _no_mojibake(r.frame)


def test_problems_in_a_zip_name_the_member_file(tmp_path):
    # a grids zip read as streets: the member name appears in the problems, decoded from GBK
    r = read_layer(ff.gbk_shapefile_zip(tmp_path), "streets")
    assert r.problems and all("网格/网格.shp" in p.file for p in r.problems)


def test_utf8_shapefile_with_cpg_and_field_names_cut_at_ten_bytes(tmp_path):
    r = read_layer(ff.utf8_shapefile_with_cpg(tmp_path), "communities")
    assert r.ok, problems_table(r.problems)
    assert r.encoding == "utf-8"
    assert r.frame["code"].tolist() == [c[0] for c in ff.COMMUNITIES]
    assert r.frame["name"].tolist() == [c[1] for c in ff.COMMUNITIES]
    assert r.frame["parent_code"].tolist() == ["420106"] * 3
    assert r.frame["kind"].tolist() == ["urban", "urban", "rural"]
    cut = [p for p in r.warnings if "10" in p.message_zh and p.row is None]
    assert cut and "社区编" in cut[0].message_zh
    _no_mojibake(r.frame)


def test_a_cpg_that_lies_is_overruled_by_the_bytes(tmp_path):
    r = read_layer(ff.shapefile_cpg_says_utf8_but_gbk(tmp_path), "grids")
    assert r.ok
    assert r.encoding == "gb18030"
    assert r.frame["name"].tolist() == [g[1] for g in ff.GRIDS]
    (w,) = r.warnings
    assert ".cpg" in w.message_zh and "GBK" in w.message_en
    _no_mojibake(r.frame)


# ---------------------------------------------------------------------------------------------------------
# CSV: coordinates


def _positions(frame) -> list[tuple[float, float]]:
    return [(g.x, g.y) for g in frame.geometry]


def test_gcj02_csv_with_crs_lands_within_a_metre_of_the_truth(tmp_path):
    r = read_layer(ff.gcj02_buildings_csv(tmp_path), "buildings", crs="gcj02")
    assert r.ok and r.source_crs == "gcj02"
    truth = np.array([(lon, lat) for _, _, lon, lat in ff.BUILDINGS_WGS])
    got = np.array(_positions(r.frame))
    assert coords.distance_m(got[:, 0], got[:, 1], truth[:, 0], truth[:, 1]).max() < 1.0
    assert r.frame["floors"].tolist() == [6] * 4
    assert r.frame["_row"].tolist() == [2, 3, 4, 5]  # spreadsheet rows: the header is row 1


def test_gcj02_csv_without_crs_is_stored_as_given(tmp_path):
    # nothing in the file says GCJ-02: the points stay ~500 m off. This is why --crs exists.
    r = read_layer(ff.gcj02_buildings_csv(tmp_path), "buildings")
    assert r.ok and r.source_crs == "EPSG:4326"
    p = r.frame.geometry.iloc[0]
    assert 400 < coords.distance_m(p.x, p.y, *ff.BUILDINGS_WGS[0][2:]) < 700


def test_amap_column_names_say_gcj02_and_are_converted_with_a_warning(tmp_path):
    r = read_layer(ff.gcj02_buildings_csv(tmp_path, headers=("高德经度", "高德纬度")), "buildings")
    assert r.ok and r.source_crs == "gcj02"
    (w,) = [p for p in r.warnings if "GCJ-02" in p.message_zh]
    assert "--crs wgs84" in w.message_en
    p = r.frame.geometry.iloc[0]
    assert coords.distance_m(p.x, p.y, *ff.BUILDINGS_WGS[0][2:]) < 1.0


def test_swapped_lat_lon_are_exchanged_with_a_warning_naming_rows(tmp_path):
    r = read_layer(ff.buildings_csv_swapped(tmp_path), "buildings")
    assert r.ok
    (w,) = r.warnings
    assert w.row is None and w.column == "经度/纬度"
    assert "填反" in w.message_zh and "swapped" in w.message_en and "2" in w.message_en
    assert _positions(r.frame) == [(lon, lat) for _, _, lon, lat in ff.BUILDINGS_WGS]


def test_projected_csv_without_crs_is_refused_with_a_hint(tmp_path):
    r = read_layer(ff.buildings_csv_projected(tmp_path), "buildings")
    assert not r.ok and len(r.frame) == 0
    summary = [p for p in r.errors if p.row is None]
    assert summary and "投影" in summary[0].message_zh and "--crs" in summary[0].message_en
    assert "EPSG:45" in summary[0].message_en
    rows = sorted(p.row for p in r.errors if p.row is not None)
    assert rows == [2, 3, 4, 5]
    assert all(p.column == "X/Y" for p in r.errors)


def test_projected_csv_with_crs_is_converted(tmp_path):
    r = read_layer(ff.buildings_csv_projected(tmp_path), "buildings", crs="EPSG:4547")
    assert r.ok and r.source_crs == "EPSG:4547"
    for (x, y), (_, _, lon, lat) in zip(_positions(r.frame), ff.BUILDINGS_WGS, strict=True):
        assert x == pytest.approx(lon, abs=1e-7) and y == pytest.approx(lat, abs=1e-7)


def test_an_unknown_crs_is_one_error_not_an_exception(tmp_path):
    r = read_layer(ff.buildings_csv_projected(tmp_path), "buildings", crs="EPSG:999999")
    assert not r.ok and r.errors[0].row is None
    assert "坐标系" in r.errors[0].message_zh


# ---------------------------------------------------------------------------------------------------------
# CSV: values and encodings


def test_text_in_a_number_column_is_an_error_at_its_row_and_column(tmp_path):
    r = read_layer(ff.buildings_csv_text_in_households(tmp_path), "buildings")
    (e,) = r.errors
    assert (e.row, e.column, e.field) == (3, "户数", "households")
    assert "abc" in e.message_zh and "whole number" in e.message_en
    _bilingual(e)
    by_row = dict(zip(r.frame["_row"], r.frame["households"], strict=True))
    assert 3 not in by_row  # the bad row is not in the frame
    assert by_row[2] == 24 and by_row[4] == 1234 and by_row[5] == 12 and pd.isna(by_row[6])
    assert str(r.frame["households"].dtype) == "Int64"


@pytest.mark.parametrize("chunk_rows", [1, 2, 50_000])
def test_duplicate_codes_name_both_rows(tmp_path, chunk_rows):
    r = read_layer(ff.buildings_csv_duplicate_codes(tmp_path), "buildings", chunk_rows=chunk_rows)
    (e,) = r.errors
    assert e.row == 6 and e.column == "楼栋编码" and e.field == "code"
    assert "第 3 行" in e.message_zh and "row 3" in e.message_en and "B002" in e.message_en
    assert r.frame["code"].tolist() == ["B001", "B002", "B003", "B004"]


def test_gbk_csv_of_residents_is_read_without_mojibake(tmp_path):
    r = read_layer(ff.persons_csv_gbk(tmp_path), "residents")
    assert r.ok and r.layer == "persons" and r.encoding == "gb18030"
    assert not isinstance(r.frame, gpd.GeoDataFrame)
    assert r.frame["name"].tolist() == [p[1] for p in ff.PERSONS]
    assert r.frame["id_number"].tolist() == [p[2] for p in ff.PERSONS]
    assert r.frame["gender"].tolist() == ["女", "男", "女"]
    assert r.frame["birth_year"].tolist() == [1980, 1975, 1990]
    assert r.frame["tags"].tolist()[0] == "elderly_alone,party_member"
    assert r.frame["tags"].tolist()[2] == "low_income"
    _no_mojibake(r.frame)


def test_a_gbk_row_inside_a_utf8_csv_is_an_error_on_that_row_only(tmp_path):
    r = read_layer(ff.csv_mixed_encoding(tmp_path), "buildings")
    assert r.encoding == "utf-8"
    (e,) = r.errors
    assert (e.row, e.column) == (4, "楼栋名称")
    assert r.frame["name"].tolist() == ["东亭小区1栋", "东亭小区2栋", "水果湖小区4栋"]
    assert any(p.row is None and "UTF-8" in p.message_zh for p in r.warnings)


# ---------------------------------------------------------------------------------------------------------
# mapping files


def test_unguessable_headers_need_a_mapping_file(tmp_path):
    path = ff.buildings_csv_odd_headers(tmp_path)
    r = read_layer(path, "buildings")
    assert not r.ok
    assert {p.field for p in r.errors} >= {"code", "name"}
    assert any(p.column == "栋号ID" and "无法识别" in p.message_zh for p in r.warnings)

    r = read_layer(path, "buildings", mapping=ff.mapping_json(tmp_path, ff.ODD_MAPPING))
    assert r.ok, problems_table(r.problems)
    assert r.frame["code"].tolist() == ["B001", "B002", "B003", "B004"]
    assert r.frame["households"].tolist() == [30, 31, 32, 33]
    assert r.frame.geometry.iloc[0].x == pytest.approx(114.3521)


def test_a_toml_mapping_file_with_one_table_per_layer(tmp_path):
    toml = "[buildings]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in ff.ODD_MAPPING.items()) + \
        '[grids]\n"栋号ID" = "name"\n'
    r = read_layer(ff.buildings_csv_odd_headers(tmp_path), "buildings", mapping=ff.mapping_toml(tmp_path, toml))
    assert r.ok and r.frame["name"].tolist()[0] == "东亭小区1栋"


def test_a_mapping_overrides_the_automatic_choice_and_can_ignore_columns(tmp_path):
    path = ff.gbk_shapefile_without_cpg(tmp_path)
    r = read_layer(path, "grids", mapping={"网格长": "", "人数": "households", "户数": ""})
    assert r.ok
    assert "leader_name" not in r.frame.columns
    assert r.frame["households"].tolist() == [g[3] for g in ff.GRIDS]


def test_broken_mapping_files_are_reported_not_raised(tmp_path):
    path = ff.buildings_csv_odd_headers(tmp_path)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json", encoding="utf-8")
    r = read_layer(path, "buildings", mapping=bad_json)
    (e,) = r.errors
    assert e.file == str(bad_json) and "JSON" in e.message_en
    r = read_layer(path, "buildings", mapping={"栋号ID": "building_number"})
    assert any("building_number" in p.message_en for p in r.errors)


# ---------------------------------------------------------------------------------------------------------
# Excel ledgers


def test_observation_ledger_with_title_merged_header_serial_dates_and_total_row(tmp_path):
    r = read_layer(ff.observation_ledger_xlsx(tmp_path), "quarantine")
    assert r.ok, problems_table(r.problems)
    assert r.layer == "observations"
    assert r.rows_read == 4  # title, meta, header rows, 合计 and the signature line are not data
    assert r.frame["_row"].tolist() == ff.OBSERVATION_LEDGER_ROWS
    assert r.columns["start_date"] == "隔离信息/开始日期"
    assert r.columns["kind"] == "隔离信息/隔离方式"
    assert r.frame["person_code"].tolist() == [o[0] for o in ff.OBSERVATIONS]
    assert r.frame["kind"].tolist() == ["home", "central", "home", "temporary"]
    assert r.frame["start_date"].tolist() == [o[3] for o in ff.OBSERVATIONS]
    assert r.frame["planned_end"].tolist() == [o[4] for o in ff.OBSERVATIONS]
    assert all(isinstance(d, dt.date) for d in r.frame["start_date"])
    # no record code column: codes are made on import from each row's natural key (person + start date, issue 17)
    assert "code" not in r.frame.columns and not any(p.field == "code" for p in r.problems)
    assert r.frame["cadre_name"].tolist() == [o[5] for o in ff.OBSERVATIONS]
    assert not any(p.column == "序号" for p in r.problems)  # a running number is never worth a warning


def test_old_xls_files_are_refused_with_advice(tmp_path):
    r = read_layer(ff.fake_xls(tmp_path), "observations")
    (e,) = r.problems
    assert e.row is None and ".xlsx" in e.message_zh and "save as .xlsx" in e.message_en


# ---------------------------------------------------------------------------------------------------------
# KML / KMZ


@pytest.mark.parametrize("make, layer", [(ff.checkpoints_kml, "checkpoints"), (ff.checkpoints_kmz, "entrances")])
def test_phone_app_kml_descriptions_become_columns(tmp_path, make, layer):
    r = read_layer(make(tmp_path), layer)
    assert r.ok, problems_table(r.problems)
    assert r.frame["code"].tolist() == [c[0] for c in ff.CHECKPOINTS]
    assert r.frame["name"].tolist() == [c[1] for c in ff.CHECKPOINTS]
    assert r.frame["kind"].tolist() == ["compound_entrance", "community_checkpoint", "community_checkpoint"]
    assert r.frame["leader_phone"].tolist() == [c[4] for c in ff.CHECKPOINTS]
    assert [(g.x, g.y, g.has_z) for g in r.frame.geometry] == [(c[5], c[6], False) for c in ff.CHECKPOINTS]
    assert r.problems == []  # LIBKML's styling columns are not reported as unrecognised


# ---------------------------------------------------------------------------------------------------------
# GeoJSON / GeoPackage geometry


def test_bowtie_community_is_repaired_with_a_warning(tmp_path):
    r = read_layer(ff.communities_geojson_with_bowtie(tmp_path), "communities")
    assert r.ok
    (w,) = r.warnings
    assert (w.row, w.column, w.field) == (3, "geometry", "geometry")
    assert "make_valid" in w.message_en and "自相交" in w.message_zh
    fixed = r.frame.geometry.iloc[2]
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
    assert fixed.area == pytest.approx(shapely.make_valid(ff.BOWTIE).area)
    assert r.frame["parent_code"].tolist() == ["420106"] * 3  # 所属街道编码


def test_missing_empty_and_wrong_type_geometries_are_errors_per_row(tmp_path):
    r = read_layer(ff.communities_geojson_empty_geometries(tmp_path), "communities")
    errors = {p.row: p for p in r.errors}
    assert set(errors) == {2, 3, 4}
    assert "缺少几何" in errors[2].message_zh
    assert "empty geometry" in errors[3].message_en
    assert "must be a polygon, got Point" in errors[4].message_en
    assert r.frame["code"].tolist() == ["C1"]


def test_gpkg_building_footprints_become_points_and_keep_the_outline(tmp_path):
    r = read_layer(ff.buildings_gpkg(tmp_path), "buildings")
    assert r.ok, problems_table(r.problems)
    assert r.source_crs == "EPSG:4547"
    assert (r.frame.geom_type == "Point").all()
    for point, outline, truth in zip(r.frame.geometry, r.frame["footprint"], ff.FOOTPRINTS_WGS, strict=True):
        assert outline.contains(point)
        assert outline.symmetric_difference(truth).area < 1e-12  # back from metres to degrees
    assert r.frame["control_state"].tolist() == ["sealed", "normal", "closed", "lifted"]
    assert r.frame["leader_name"].tolist() == ["周一", "吴二", "郑三", "王四"]


# ---------------------------------------------------------------------------------------------------------
# unreadable files: one error, row None, never an exception


@pytest.mark.parametrize("make, layer, words", [
    (ff.truncated_geojson, "communities", "cannot be read"),
    (ff.truncated_zip, "grids", "damaged or incomplete"),
])
def test_truncated_files_are_one_plain_error(tmp_path, make, layer, words):
    r = read_layer(make(tmp_path), layer)
    (e,) = r.problems
    assert e.severity == "error" and e.row is None and words in e.message_en
    _bilingual(e)
    assert len(r.frame) == 0 and r.rows_read == 0


@pytest.mark.parametrize("make, layer", [
    (ff.observation_ledger_xlsx, "observations"), (ff.checkpoints_kml, "checkpoints"),
    (ff.checkpoints_kmz, "checkpoints"), (ff.buildings_gpkg, "buildings"), (ff.persons_csv_gbk, "persons"),
])
@pytest.mark.parametrize("fraction", [0.3, 0.8])
def test_every_format_cut_short_is_reported_not_raised(tmp_path, make, layer, fraction):
    r = read_layer(ff.truncated_copy(make(tmp_path), fraction), layer)
    assert r.problems, "a cut-off file must not pass silently"
    if layer != "persons":
        (e,) = r.problems
        assert e.severity == "error" and e.row is None
        _bilingual(e)
    else:  # a CSV cut mid-line: the rows before the cut are fine, the file is flagged
        assert any(p.row is None and "cut off" in p.message_en for p in r.problems)


def test_a_missing_file_is_one_error(tmp_path):
    r = read_layer(tmp_path / "nope.csv", "cases")
    (e,) = r.problems
    assert e.row is None and "不存在" in e.message_zh


def test_an_unknown_layer_is_a_usage_error():
    with pytest.raises(ValueError, match="unknown layer"):
        resolve_layer("parks")
    assert resolve_layer("entrances") == "checkpoints"
    assert resolve_layer("网格") == "grids"


# ---------------------------------------------------------------------------------------------------------
# large files: chunks, limits


def test_problems_are_capped_but_counted(tmp_path):
    r = read_layer(ff.buildings_csv_all_bad(tmp_path, 500), "buildings", limit_problems=20)
    assert r.total_problems == 500 and r.error_count == 500
    rows = [p.row for p in r.problems]
    assert rows == list(range(2, 22))  # the first twenty, in file order
    table = problems_table(r.problems, r.total_problems)
    assert "共 500 个问题，只列出前 20 个" in table and "500 problems in total" in table


def test_chunked_reading_gives_the_same_frame_and_finds_duplicates_across_chunks(tmp_path):
    path = ff.big_buildings_csv(tmp_path, 2_500, dup_every=1_000)
    whole = read_layer(path, "buildings")
    chunked = read_layer(path, "buildings", chunk_rows=300)
    assert whole.rows_read == chunked.rows_read == 2_500
    pd.testing.assert_frame_equal(pd.DataFrame(whole.frame.drop(columns="geometry")),
                                  pd.DataFrame(chunked.frame.drop(columns="geometry")))
    assert whole.frame.geometry.equals(chunked.frame.geometry)
    # code B00000000 is row 2; it repeats at data rows 1000 and 2000 (file rows 1002 and 2002)
    for r in (whole, chunked):
        assert [(p.row, "row 2" in p.message_en) for p in r.errors] == [(1002, True), (2002, True)]


def test_iter_layer_chunks_streams_bounded_frames(tmp_path):
    path = ff.big_buildings_csv(tmp_path, 1_000)
    report = ReadReport("buildings", str(path), ProblemLog(str(path)))
    sizes = [len(f) for f in iter_layer_chunks(path, "buildings", chunk_rows=256, report=report)]
    assert sizes == [256, 256, 256, 232]
    assert report.rows_read == 1_000 and report.log.total == 0


def test_problems_table_puts_chinese_first(tmp_path):
    r = read_layer(ff.buildings_csv_text_in_households(tmp_path), "buildings")
    table = problems_table(r.problems, r.total_problems)
    line_zh = next(i for i, ln in enumerate(table.splitlines()) if "不是整数" in ln)
    line_en = next(i for i, ln in enumerate(table.splitlines()) if "not a whole number" in ln)
    assert line_en == line_zh + 1
    assert "households_text.csv" in table and "户数" in table and " 3 " in table
