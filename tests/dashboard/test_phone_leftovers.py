"""Phone leftovers of issue 16, read as the pages draw them (AppTest, the two-street test city, SQLite and
PostgreSQL): /patrol's work log shows its start and end in the server's local time (it showed the stored UTC, eight
hours early in Shanghai), its patrol teams table heads the team's name 巡防队 (it read 网格, the grid's heading), and
/explore's table of children leads with name, situation level and the key figures (the level came last)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.components.tables import PHONE_FIRST
from dashboard.i18n import t
from geodata.fieldwork import patrols
from geodata.store.writes import write
from tests.dashboard.test_auth_pages import assert_ran
from tests.dashboard.test_page_security import app  # noqa: F401 — a fixture: the real entry script
from tests.dashboard.test_phone_columns import headings
from tests.geodata.test_clock import shanghai  # noqa: F401 — a fixture
from tests.geodata.test_scope_city import actor, city  # noqa: F401 — `city` is a fixture

ZH = "zh"


def frames(at) -> list[pd.DataFrame]:
    return [f.value for f in at.get("arrow_data_frame") + at.get("dataframe") if isinstance(f.value, pd.DataFrame)]


def test_the_patrol_log_shows_local_times_and_the_teams_table_names_its_teams(app, city, shanghai):  # noqa: F811
    yesterday = dt.date.today() - dt.timedelta(days=1)
    start = dt.datetime.combine(yesterday, dt.time(1, 30))  # stored UTC: 09:30 in Shanghai
    write(city, actor(city, "grid11"), lambda ctx: patrols.record_patrol(
        ctx, "G11", start, start + dt.timedelta(minutes=45), day=yesterday))
    write(city, actor(city, "head1"), lambda ctx: patrols.save_team(
        ctx, "C1", "一社区巡防一队", [{"name": "张三", "phone": None, "is_leader": True}, {"name": "李四"},
                                      {"name": "王五"}]))

    at = app("head1", "patrol")
    assert_ran(at)
    log = next(f for f in frames(at) if t("pt.col.started_at", ZH) in f.columns)
    assert list(log[t("pt.col.started_at", ZH)]) == [f"{yesterday:%Y-%m-%d} 09:30"]
    assert list(log[t("pt.col.ended_at", ZH)]) == [f"{yesterday:%Y-%m-%d} 10:15"]

    heads = headings(at)
    teams = next(h for h in heads if t("pt.col.member_names", ZH) in h)
    assert teams[:3] == [t(f"pt.col.{c}", ZH) for c in ("team_name", "members", "meets_norm")], teams
    assert teams[0] == "巡防队" and "网格" not in teams and "网格编码" not in teams  # a team is no grid
    row = next(f for f in frames(at) if t("pt.col.member_names", ZH) in f.columns).iloc[0]
    assert row["巡防队"] == "一社区巡防一队" and row[t("pt.col.members", ZH)] == 3


def test_explore_children_lead_with_name_situation_and_key_figures(app):
    at = app("sup1", "explore", code="S1")
    assert_ran(at)
    table = next(f for f in frames(at) if "situation" in f.columns)  # its headings are set by column_config
    lead = [c for c in PHONE_FIRST["unit_table"] if c in table.columns]
    assert list(table.columns[:len(lead)]) == lead and lead[:3] == ["name", "situation", "obs_total"], \
        list(table.columns)
    assert set(table.columns) >= {"code", "households"}  # codes and the rest follow, none lost
