"""Rosters: the coming week per checkpoint with its leaders, the staffing total per street, the printable XLSX,
and roster edits through the write path."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.checkpoints.coverage import load_area
from geodata.checkpoints.rosters import roster, set_roster, set_shift, staffing_totals, street_names
from geodata.store.models import Event
from geodata.store.writes import Actor, write
from loaders.roster import roster_xlsx
from tests.factories import TODAY, load_small_city

SUP = Actor("supervisor", "supervisor", None)


def _area(store):
    with store.read() as s:
        area = load_area(s, "S1", TODAY)
        return area, street_names(s, area)


def test_a_week_of_shifts_with_leaders_and_the_daily_verdict(store):
    load_small_city(store)
    write(store, SUP, lambda ctx: set_roster(ctx, "E1", start=TODAY, days=7, staff_day=4, staff_night=2,
                                             leader_name="周班长"))
    write(store, SUP, lambda ctx: set_shift(ctx, "E1", TODAY + dt.timedelta(days=1), "day", 3, "吴副班长"))
    area, names = _area(store)
    r = roster(area).set_index("on_date")
    assert len(r) == 7 and r["code"].unique().tolist() == ["E1"]
    d1 = TODAY + dt.timedelta(days=1)
    assert (r.at[d1, "staff_day"], r.at[d1, "leader_day"], r.at[d1, "staffing"]) == (3, "吴副班长", "under")
    assert (r.at[TODAY, "leader_night"], r.at[TODAY, "staffing"]) == ("周班长", "ok")
    assert r["street_id"].nunique() == 1 and names[int(r["street_id"].iloc[0])] == "大智街道"
    with store.read() as s:
        actions = s.execute(select(Event.action).where(Event.entity_code == "E1").order_by(Event.id)).scalars().all()
    assert actions[-2:] == ["shift.roster", "shift.set"]


def test_the_staffing_total_per_street_adds_up(store):
    load_small_city(store)
    write(store, SUP, lambda ctx: set_roster(ctx, "E1", start=TODAY, days=7, staff_day=5, staff_night=2))
    area, names = _area(store)
    tot = staffing_totals(area, names)
    row = tot.iloc[0]
    assert (row["street"], row["checkpoints"], row["people_per_day"], row["norm_per_day"], row["shortfall"]) == (
        "大智街道", 1, 6, 6, 0)
    assert row[f"{TODAY:%m-%d}"] == 7


def test_the_roster_prints_one_sheet_per_street_with_chinese_headers(store):
    load_small_city(store)
    write(store, SUP, lambda ctx: set_roster(ctx, "E1", start=TODAY, days=7, staff_day=4, staff_night=2,
                                             leader_name="周班长"))
    area, names = _area(store)
    data = roster_xlsx(roster(area), staffing_totals(area, names), title=area.name, street_names=names,
                       generated_by="supervisor")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["街道汇总", "大智街道"]
    ws = wb["大智街道"]
    assert [c.value for c in ws[3]][:6] == ["序号", "卡点编码", "卡点名称", "类型", "日期", "白班人数"]
    assert ws.cell(row=4, column=2).value == "E1" and ws.cell(row=4, column=4).value == "小区出入口"
    assert ws.cell(row=4, column=7).value == "周班长" and ws.cell(row=4, column=11).value == "达标"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    summary = wb["街道汇总"]
    assert summary.cell(row=4, column=1).value == "街道/乡镇" and summary.cell(row=5, column=1).value == "大智街道"


def test_roster_edits_are_checked_and_scoped(store):
    load_small_city(store)
    with pytest.raises(Rejected):
        write(store, SUP, lambda ctx: set_shift(ctx, "E1", TODAY, "evening", 3))
    with pytest.raises(PermissionDenied):
        write(store, Actor("grid", "grid_leader", None), lambda ctx: set_shift(ctx, "E1", TODAY, "day", 4))
    write(store, SUP, lambda ctx: set_roster(ctx, "E1", start=TODAY, days=2, staff_day=4, staff_night=2))
    write(store, SUP, lambda ctx: set_roster(ctx, "E1", start=TODAY, days=2, staff_day=4, staff_night=0))
    area, _ = _area(store)
    r = roster(area, days=2)
    assert r["has_night"].tolist() == [False, False]  # a night of 0 people is a gap, not a shift
