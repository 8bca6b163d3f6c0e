"""/my-grid's control form offers 封锁 and 硬隔离 as two choices (issue 14 "Words"), never "封锁/硬隔离", and saves a
choice as the state `sealed` with its basis; a sealed building's basis is changed from the same form, audited.

Runs on the two-street test city (SQLite and PostgreSQL) through tests/dashboard/test_auth_pages.py's `app`.
"""
from __future__ import annotations

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geodata.store.models import Building, Event
from tests.dashboard.test_auth_pages import app, assert_ran  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import city  # noqa: F401 — `city` is a fixture


def _choose(at: AppTest, choice: str, reason: str) -> AppTest:
    at.selectbox(key="gw-control-building").set_value("G11K1B1")
    at.selectbox(key="gw-control-state").set_value(choice)
    at.text_area(key="gw-control-reason").input(reason)
    next(b for b in at.button if b.label == "提交" and b.form_id == "gw-control-form").click()
    return at.run()


def _stored(city) -> tuple[str, str | None]:
    with city.read() as s:
        return tuple(s.execute(select(Building.control_state, Building.control_basis).where(
            Building.code == "G11K1B1")).one())


def test_the_form_seals_by_hard_isolation_then_changes_to_lockdown(app, city):
    at = app("head1", "my_grid", code="G11", section="buildings")
    assert_ran(at)
    box = at.selectbox(key="gw-control-state")
    assert box.options == ["常态化防控", "封闭管理", "封锁", "硬隔离", "疫点"]  # two choices, not "封锁/硬隔离"

    at = _choose(at, "hard_isolation", "邻楼聚集性疫情，硬隔离")
    assert_ran(at)
    assert any("常态化防控 → 硬隔离" in s.value for s in at.success)
    assert _stored(city) == ("sealed", "hard_isolation")
    assert at.selectbox(key="gw-control-state").value == "hard_isolation"  # the form starts from the record

    at = _choose(at, "lockdown", "卫健委建议改为楼栋封锁")
    assert_ran(at)
    assert any("硬隔离 → 封锁" in s.value for s in at.success)
    assert _stored(city) == ("sealed", "lockdown")
    with city.read() as s:
        events = s.execute(select(Event).where(Event.action == "control.change", Event.entity_code == "G11K1B1")
                           .order_by(Event.id)).scalars().all()
    assert [(e.old["basis"], e.new["basis"]) for e in events] == [(None, "hard_isolation"),
                                                                  ("hard_isolation", "lockdown")]
    assert events[-1].actor == "head1" and events[-1].reason == "卫健委建议改为楼栋封锁"
