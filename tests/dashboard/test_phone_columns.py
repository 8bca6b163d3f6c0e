"""On a phone a table shows its first two or three columns (issue 16): the ledgers a grid leader reads on /my-grid
/patrol and /gate lead with who or where, the state and what is due, never with codes (before: 编码 first in every one,
and the patrol log had its database column names as headings).

The order lives in one place, dashboard/components/tables.PHONE_FIRST; these tests read the tables as the pages
draw them (AppTest, on the two-street test city, SQLite and PostgreSQL). /screening's three tables take the same
path (tables.phone_first); the test city has no screening round to show them.
"""
from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.components.tables import PHONE_FIRST, phone_first
from dashboard.i18n import t
from geodata.fieldwork import passes
from geodata.store.writes import write
from tests.dashboard.test_auth_pages import app, assert_ran  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import actor, city  # noqa: F401 — `city` is a fixture

ZH = "zh"


def headings(at: AppTest) -> list[list[str]]:
    """The headings of every table on the page, each in the order a person sees them."""
    return [[str(c) for c in f.value.columns] for f in at.get("arrow_data_frame") + at.get("dataframe")
            if isinstance(f.value, pd.DataFrame)]


#: per section, the leading headings of its tables: message keys (read after the page registered its messages)
LEADS = {
    "observations": [["mg.person", "mg.building", "mg.kind", "mg.planned_end"]],
    "cases": [["mg.person", "mg.building", "mg.kind", "mg.reported_on"]],
    "households": [["户主 Head", "mg.building", "房号 Room"], ["table.name", "mg.building", "phone"]],
    "status": [["table.name", "situation"]],
}


@pytest.mark.parametrize("section", list(LEADS))
def test_my_grid_ledgers_lead_with_name_place_and_state(app, section):
    at = app("grid11", "my_grid", code="G11", section=section)
    assert_ran(at)
    heads = headings(at)
    for lead in LEADS[section]:
        lead = [t(k, ZH) if k.isascii() else k for k in lead]  # "户主 Head": a heading written in the page
        assert any(h[:len(lead)] == lead for h in heads), (lead, heads)
    assert all(h[0] != t("table.code", ZH) for h in heads), heads


def test_patrol_tables_lead_with_the_grid_and_whether_it_was_patrolled(app):
    at = app("grid11", "patrol")
    assert_ran(at)
    heads = headings(at)
    col = {c: t(f"pt.col.{c}", ZH) for c in ("name", "patrolled", "days_patrolled", "grid_name", "patrol_date",
                                               "code", "patrol", "recorded_by")}
    assert [col["name"], col["patrolled"]] in [h[:2] for h in heads], heads  # today
    assert [col["name"], col["days_patrolled"]] in [h[:2] for h in heads], heads  # this week
    log = next(h for h in heads if col["recorded_by"] in h)  # the work log, with headings people read
    assert log[:2] == [col["grid_name"], col["patrol_date"]]
    assert "recorded_by" not in log and "grid_code" not in log
    assert all(h[0] != col["code"] for h in heads), heads


def test_phone_first_keeps_every_column_once_and_skips_those_not_shown():
    columns = {"code": "编码", "phone": "电话", "name": "姓名", "note": "备注"}  # a masked list: no building
    ordered = phone_first("persons", columns)
    assert list(ordered) == ["name", "phone", "code", "note"]
    assert ordered == columns  # the same headings, only the order changes
    for table, lead in PHONE_FIRST.items():
        assert "code" not in lead[:2] and len(set(lead)) == len(lead), table


def test_the_pass_register_leads_with_building_room_and_status(app, city):  # noqa: F811 — `city` is a fixture
    write(city, actor(city, "head1"), lambda ctx: passes.issue_passes(ctx, "G11"))
    at = app("head1", "gate")
    assert_ran(at)
    register = next(h for h in headings(at) if t("gate.col.number", ZH) in h)
    assert register[:4] == [t(f"gate.col.{c}", ZH) for c in ("building", "room", "status", "last_exit")]
