"""/my-grid sets a compound's or natural village's control state (issue 14 "Words"): the same form as a building's,
with the same choices (封锁 and 硬隔离 apart, never "封锁/硬隔离"), saved through the one write path as the state
`sealed` with its basis and audited — for the roles that may edit a unit (`edit.unit`); others get no such form.

Runs on the two-street test city (SQLite and PostgreSQL) through tests/dashboard/test_auth_pages.py's `app`.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geodata.people import authority
from geodata.store.models import Event, Unit
from tests.dashboard.test_auth_pages import app, assert_ran  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import ROLES_OF, city  # noqa: F401 — `city` is a fixture

PICKER, STATE, REASON, FORM = "gw-vcontrol-village", "gw-vcontrol-state", "gw-vcontrol-reason", "gw-vcontrol-form"


def _choose(at: AppTest, code: str, choice: str, reason: str) -> AppTest:
    if at.selectbox(key=PICKER).value != code:  # picking re-fills the form from that village (edit_common.hold)
        at = at.selectbox(key=PICKER).set_value(code).run()
    at.selectbox(key=STATE).set_value(choice)
    at.text_area(key=REASON).input(reason)
    next(b for b in at.button if b.label == "提交" and b.form_id == FORM).click()
    return at.run()


def _stored(city, code: str) -> tuple[str, str | None]:
    with city.read() as s:
        return tuple(s.execute(select(Unit.control_state, Unit.control_basis).where(Unit.code == code)).one())


def test_a_community_head_seals_a_village_by_hard_isolation_then_changes_it_to_lockdown(app, city):
    at = app("head1", "my_grid", code="G11", section="buildings")
    assert_ran(at)
    assert [o.split("（")[-1].rstrip("）") for o in at.selectbox(key=PICKER).options] == ["G11K1", "G11K2"]
    assert at.selectbox(key=STATE).options == ["常态化防控", "封闭管理", "封锁", "硬隔离", "疫点"]

    at = _choose(at, "G11K2", "hard_isolation", "自然村出现病例，硬隔离")
    assert_ran(at)
    assert _stored(city, "G11K2") == ("sealed", "hard_isolation")
    assert any("常态化防控 → 硬隔离" in s.value for s in at.success)
    assert at.selectbox(key=STATE).value == "hard_isolation"  # the form starts from the record

    at = _choose(at, "G11K2", "lockdown", "改为封锁")
    assert_ran(at)
    assert _stored(city, "G11K2") == ("sealed", "lockdown")
    assert _stored(city, "G11K1") == ("normal", None)  # the other village is untouched
    with city.read() as s:
        events = s.execute(select(Event).where(Event.action == "control.change", Event.entity_code == "G11K2")
                           .order_by(Event.id)).scalars().all()
    assert [(e.old["basis"], e.new["basis"]) for e in events] == [(None, "hard_isolation"),
                                                                  ("hard_isolation", "lockdown")]
    assert events[-1].actor == "head1" and events[-1].reason == "改为封锁"


@pytest.mark.parametrize("username", ["grid11", "sup1", "health1"])
def test_only_roles_that_may_edit_a_unit_get_the_village_form(app, city, username):
    at = app(username, "my_grid", code="G11", section="buildings")
    assert_ran(at)
    may = authority.role_may(ROLES_OF[username], "edit.unit")
    assert may == (username != "health1")  # the roles of issue 14's villages: community, grid, supervisor, command
    shown = [w.key for w in at.selectbox]
    assert (PICKER in shown) == may, (username, shown)
