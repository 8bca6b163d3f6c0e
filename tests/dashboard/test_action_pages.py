"""Pages decide what to show from the one action table (geodata.people.authority, issue 13): the command centre
sees the seal form on /my-grid and seals (before, the command allowed it and the page's table did not, so the form
never appeared), and the planner link of a checkpoint card follows "plan.checkpoints" (before: any role but the
wall's, written in the dashboard).

Runs on the two-street test city (SQLite and PostgreSQL) through tests/dashboard/test_auth_pages.py's `app`.
"""
from __future__ import annotations

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard.components.cards import shows_planner_link
from geodata.base.vocab import ROLES
from geodata.people.authority import ACTIONS
from geodata.store.models import Building, Event
from geodata.store.writes import Actor
from tests.dashboard.test_auth_pages import app, assert_ran  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import city  # noqa: F401 — `city` is a fixture


def _seal(at: AppTest, building: str, reason: str) -> AppTest:
    at.selectbox(key="gw-control-building").set_value(building)
    at.selectbox(key="gw-control-state").set_value("lockdown")  # 封锁 (vocab.CONTROL_CHOICES)
    at.text_area(key="gw-control-reason").input(reason)
    next(b for b in at.button if b.label == "提交" and b.form_id == "gw-control-form").click()
    return at.run()


def test_the_command_centre_seals_a_building_from_my_grid(app, city):
    at = app("command", "my_grid", code="G11", section="buildings")
    assert_ran(at)
    assert any("G11K1B1" in o for o in at.selectbox(key="gw-control-building").options)  # the seal form is shown
    at = _seal(at, "G11K1B1", "指挥部决定封控")
    assert_ran(at)
    assert any("已保存" in s.value for s in at.success)
    with city.read() as s:
        assert s.execute(select(Building.control_state).where(Building.code == "G11K1B1")).scalar_one() == "sealed"
        who = s.execute(select(Event.actor).where(Event.action == "control.change",
                                                  Event.entity_code == "G11K1B1")).scalars().all()
    assert who == ["command"]


def test_the_wall_account_gets_no_seal_form(app):
    at = app("wall", "my_grid", code="G11", section="buildings")
    assert_ran(at)
    assert not [s for s in at.selectbox if s.key == "gw-control-building"]


def test_the_planner_link_of_a_checkpoint_card_follows_the_action_table():
    planners = ACTIONS["plan.checkpoints"].roles
    for role in ROLES:
        assert shows_planner_link(Actor("x", role, "/1/")) == (role in planners), role
    # §5.3: supervisors and the command centre plan checkpoints; community and health staff do not (they had it)
    assert shows_planner_link(Actor("s", "supervisor", "/1/2/"))
    assert not shows_planner_link(Actor("h", "community_head", "/1/2/3/"))
    assert not shows_planner_link(Actor("m", "health", "/1/2/3/"))
    assert not shows_planner_link(None)
    # with the checkpoint's place: within the planner's scope only
    assert shows_planner_link(Actor("s", "supervisor", "/1/2/"), "/1/2/3/")
    assert not shows_planner_link(Actor("s", "supervisor", "/1/2/"), "/1/9/3/")
