"""Plain ledgers (returnee lists, pass registers, event and 无主小区 ledgers) are read like the layer files: an
office's title row, total and footer rows skipped, GBK CSV decoded, our own formula quote removed, a bomb refused
before openpyxl unpacks it, and an uploaded file's name never used as a path."""
from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from loaders.readers.formats import UnreadableFile
from loaders.readers.table import read_table, read_upload

COLUMNS = {"name": ["姓名"], "id_number": ["身份证号", "身份证号码"], "came_from": ["来源地", "从何地返回"],
           "arrived_on": ["到达日期", "返回日期"], "phone": ["联系电话", "电话"]}


def _office_ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["XX社区返乡人员名单"])
    ws.append(["填报单位：XX社区", None, "填报日期：2022年4月1日"])
    ws.append(["序号", "姓 名", "身份证号码", "从何地返回", "返回日期", "联系电话", "备注"])
    ws.append([1, "张三", "'=HYPERLINK(\"x\")", "武汉", dt.datetime(2022, 4, 1), 13800138000.0, None])
    ws.append([2, "李四", "110101199003070014", "上海", None, "13900139000", "无"])
    ws.append(["合计", 2])
    ws.append(["填表人：王五"])
    wb.save(path)
    return path


def test_an_office_ledger_reads_to_canonical_columns_with_the_rows_a_person_sees(tmp_path):
    frame = read_table(_office_ledger(tmp_path / "返乡人员.xlsx"), COLUMNS)
    assert list(frame["row"]) == [4, 5]  # title, meta line and header skipped; 合计 and 填表人 rows dropped
    assert list(frame["name"]) == ["张三", "李四"]
    assert frame.loc[0, "id_number"] == '=HYPERLINK("x")'  # our protective quote removed: the text is data
    assert frame.loc[0, "arrived_on"] == "2022-04-01" and frame.loc[1, "arrived_on"] is None
    assert frame.loc[0, "phone"] == "13800138000"  # a number typed without a quote loses no digit and no ".0"
    assert "备注" not in frame.columns and "序号" not in frame.columns


def test_a_gbk_csv_upload_is_read_under_a_safe_name(tmp_path):
    data = "姓名,身份证号,来源地\n赵六,110101199003070014,黄冈\n".encode("gb18030")
    frame = read_upload(data, "../../etc/cron.d/返乡.csv", COLUMNS)
    assert list(frame["name"]) == ["赵六"] and list(frame["came_from"]) == ["黄冈"]


def test_a_file_without_any_known_column_is_refused_in_both_languages(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UnreadableFile) as err:
        read_table(path, COLUMNS)
    assert "找不到任何已知列" in err.value.zh and "no known column" in err.value.en


def test_an_xlsx_bomb_is_refused_before_it_is_unpacked(tmp_path):
    plain = _office_ledger(tmp_path / "plain.xlsx")
    members = {i.filename: zipfile.ZipFile(plain).read(i) for i in zipfile.ZipFile(plain).infolist()}
    members["xl/worksheets/sheet1.xml"] += b" " * (40 * 1024**2)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(UnreadableFile) as err:
        read_table(bomb, COLUMNS)
    assert "zip bomb" in str(err.value.problems[0].message_en)
