"""Issue 18 (8): text fields refuse control characters — one rule (`geodata.base.layers.control_character_problem`)
for file imports (a problem naming row and column, in Chinese and English) and for hand edits. Free-text notes
keep their line breaks; a tab or line break at the edge of an imported cell is whitespace and is stripped.
"""
from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from geodata.base.layers import control_character_problem
from geodata.base.problems import Rejected
from geodata.editing.records import update_record
from geodata.store.models import Building, Case
from geodata.store.writes import Actor, write
from loaders.readers import read_layer
from tests.factories import TODAY, load_small_city


def test_the_rule_refuses_c0_and_del_and_lets_notes_break_lines():
    for bad in ("\x00", "\x07", "\x1b[31m", "\t", "\r", "\n", "\x7f"):
        zh, en = control_character_problem(f"一{bad}二", "name")
        assert f"U+{ord(bad[0]):04X}" in zh and f"U+{ord(bad[0]):04X}" in en
    assert control_character_problem("第一行\n第二行\r\n第三行", "note") is None
    assert control_character_problem("第一行\r第二行", "note") is not None  # a lone CR is not a line break
    assert control_character_problem("一\t二", "note") is not None
    for fine in ("👨‍👩‍👧 防疫 ✅", "RTL\u202e ZW\u200b", "$x^2$ =1+2 <b>", ""):
        assert control_character_problem(fine, "name") is None


def _cases_csv(path, rows: list[dict[str, str]]):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["病例编号", "病例类型", "报告日期", "工作场所", "备注"])
        w.writeheader()
        w.writerows(rows)
    return path


def test_an_import_names_the_row_and_column_of_a_control_character(tmp_path):
    day = TODAY.isoformat()
    path = _cases_csv(tmp_path / "cases.csv", [
        {"病例编号": "K1", "病例类型": "确诊", "报告日期": day, "工作场所": "厂\x07区", "备注": ""},
        {"病例编号": "K2", "病例类型": "确诊", "报告日期": day, "工作场所": "", "备注": "注\x1b[31m"},
        {"病例编号": "K\x7f3", "病例类型": "确诊", "报告日期": day, "工作场所": "", "备注": ""},
        {"病例编号": "K4", "病例类型": "确诊", "报告日期": day, "工作场所": "食堂\t", "备注": "\t第一行\n第二行\r\n"},
    ])
    result = read_layer(path, "cases")
    assert not result.ok
    found = sorted((p.row, p.column, p.field) for p in result.errors)
    assert found == [(2, "工作场所", "worksite"), (3, "备注", "note"), (4, "病例编号", "code")]
    for p in result.errors:
        assert "控制字符" in p.message_zh and "control character" in p.message_en
    assert "U+0007" in next(p for p in result.errors if p.row == 2).message_en
    # the rows without problems: a note keeps its inner line break; tabs and line breaks at the edges are whitespace
    assert result.frame[["_row", "worksite", "note"]].values.tolist() == [[5, "食堂", "第一行\n第二行"]]


@pytest.fixture
def city(store):
    load_small_city(store)
    return store


def _version(store, model, code: str) -> int:
    with store.read() as s:
        return s.execute(select(model.version).where(model.code == code)).scalar_one()


def test_a_hand_edit_refuses_control_characters_with_the_same_rule(city):
    system = Actor.system("test")
    for field, value, code in (("name", "一号\x07楼", "U+0007"), ("address", "路\t1号", "U+0009"),
                               ("leader_name", "张\n三", "U+000A")):
        with pytest.raises(Rejected) as err:
            write(city, system, lambda ctx: update_record(ctx, "building", "G11K1B1", {field: value},
                                                          expected_version=1))
        (problem,) = err.value.errors
        assert problem.field == field and "控制字符" in problem.message_zh
        assert code in problem.message_en
    assert _version(city, Building, "G11K1B1") == 1  # nothing written

    write(city, system, lambda ctx: update_record(ctx, "case", "K1", {"note": "第一行\r\n第二行"},
                                                  expected_version=_version(city, Case, "K1")))
    with city.read() as s:
        assert s.execute(select(Case.note).where(Case.code == "K1")).scalar_one() == "第一行\r\n第二行"
    with pytest.raises(Rejected, match=r"U\+001B"):
        write(city, system, lambda ctx: update_record(ctx, "case", "K1", {"note": "注\x1b[31m"},
                                                      expected_version=_version(city, Case, "K1")))
