"""The record forms of /my-grid with Streamlit's AppTest (issue 18, hole 5): a form starts from the record — not
from its widgets' defaults — and is saved against the version read when it was filled, with only the fields the
person changed. A re-run of the page (any click, a refresh) between filling and saving must not make someone
else's save in between invisible.

Runs on the two-street test city (SQLite and PostgreSQL) through tests/dashboard/test_auth_pages.py's `app`.
"""
from __future__ import annotations

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geodata.editing import records as editing
from geodata.store.models import Case, Checkpoint, Event, Observation
from geodata.store.writes import write
from tests.dashboard.test_auth_pages import app, assert_ran, frames, texts  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import actor, city  # noqa: F401 — `city` is a fixture


def _entrance(store) -> Checkpoint:
    with store.read() as s:
        return s.execute(select(Checkpoint).where(Checkpoint.code == "E1")).scalar_one()


def _submit(at: AppTest) -> AppTest:
    return _submit_named(at, "gw-entrance-form")


def _submit_named(at: AppTest, form: str) -> AppTest:
    """Click the submit button of `form` (the cases section has two forms with a 提交 button)."""
    button = next(b for b in at.button if b.label == "提交" and b.form_id == form)
    button.click()
    return at.run()


def _form(at: AppTest) -> tuple:
    return (at.radio(key="gw-entrance-status").value, at.number_input(key="gw-entrance-day").value,
            at.number_input(key="gw-entrance-night").value, at.checkbox(key="gw-entrance-24h").value)


def test_the_entrance_form_starts_from_the_record_not_from_defaults(app, city):
    write(city, actor(city, "grid11"), lambda ctx: editing.update_record(
        ctx, "checkpoint", "E1", {"staff_night": 3, "is_24h": False, "status": "closed"}, expected_version=1))
    at = app("head1", "my_grid", code="G11K1", section="checkpoints")
    assert_ran(at)
    assert at.selectbox(key="gw-entrance-code").value == "E1"
    assert _form(at) == ("closed", 4, 3, False)

    # saving the day staff alone leaves the night staff, the 24-hour flag and the status as they were
    at.number_input(key="gw-entrance-day").set_value(5)
    at = _submit(at)
    assert_ran(at)
    assert any("已保存" in s.value for s in at.success)
    cp = _entrance(city)
    assert (cp.staff_day, cp.staff_night, cp.is_24h, cp.status) == (5, 3, False, "closed")
    with city.read() as s:
        ev = s.execute(select(Event).where(Event.action == "checkpoint.update", Event.actor == "head1")).scalar_one()
    assert (ev.old, ev.new) == ({"staff_day": 4}, {"staff_day": 5})
    assert _form(at) == ("closed", 5, 3, False)  # filled again from the record saved


def test_a_rerun_between_filling_and_saving_still_reports_the_other_save(app, city):
    at = app("head1", "my_grid", code="G11K1", section="checkpoints")  # the form is filled at version 1
    assert_ran(at)
    assert _form(at) == ("open", 4, 2, True)
    # another person saves the night staff while the form is open …
    write(city, actor(city, "grid11"), lambda ctx: editing.update_record(
        ctx, "checkpoint", "E1", {"staff_night": 5}, expected_version=1))
    at.run()  # … and the page re-runs (a click elsewhere, a refresh) before this person saves
    assert_ran(at)
    at.number_input(key="gw-entrance-day").set_value(6)
    at = _submit(at)
    assert_ran(at)

    shown = texts(at)
    assert "保存冲突" in shown and "已被 grid11 于" in shown and "其间改动：夜班人数 2 → 5" in shown
    table = next(f for f in frames(at) if "您的值" in f.columns).set_index("字段")
    assert tuple(table.loc["staff_day", ["读取时的值", "您的值", "当前值"]]) == ("4", "6", "4")
    assert (table.at["staff_night", "读取时的值"], table.at["staff_night", "当前值"]) == ("2", "5")
    cp = _entrance(city)
    assert (cp.staff_day, cp.staff_night, cp.version) == (4, 5, 2)  # the other person's value is kept

    # having seen both, the person saves their day staff on the current version: the night staff stays 5
    next(b for b in at.button if b.label == "仍用我的值保存").click()
    at.run()
    assert_ran(at)
    cp = _entrance(city)
    assert (cp.staff_day, cp.staff_night, cp.is_24h) == (6, 5, True)
    assert _form(at) == ("open", 6, 5, True)


def test_discarding_a_conflict_or_reloading_fills_the_form_from_the_stored_record(app, city):
    at = app("head1", "my_grid", code="G11K1", section="checkpoints")
    write(city, actor(city, "grid11"), lambda ctx: editing.update_record(
        ctx, "checkpoint", "E1", {"is_24h": False}, expected_version=1))
    at.run()
    assert _form(at) == ("open", 4, 2, True)  # still what was read: the form is not refilled under the person
    at.number_input(key="gw-entrance-night").set_value(3)
    at = _submit(at)
    assert "保存冲突" in texts(at) and _entrance(city).staff_night == 2
    next(b for b in at.button if b.label == "放弃我的修改").click()
    at.run()
    assert_ran(at)
    assert "保存冲突" not in texts(at) and _form(at) == ("open", 4, 2, False)

    write(city, actor(city, "grid11"), lambda ctx: editing.update_record(
        ctx, "checkpoint", "E1", {"staff_day": 7}, expected_version=2))
    at.run()
    assert _form(at)[1] == 4
    at.button(key="gw-entrance-form-reload").click()
    at.run()
    assert_ran(at)
    assert _form(at) == ("open", 7, 2, False)


def test_a_note_added_to_a_case_keeps_its_kind(app, city):
    """The case form used to start at the first kind (confirmed): adding a note to a close contact
    reclassified them as a confirmed case."""
    at = app("head1", "my_grid", code="G11", section="cases")
    assert_ran(at)
    at.selectbox(key="gw-case-edit-code").set_value("K2").run()
    assert at.selectbox(key="gw-case-edit-kind").value == "close_contact"
    at.text_area(key="gw-case-edit-note").input("已电话随访")
    at = _submit_named(at, "gw-case-edit")
    assert_ran(at)
    with city.read() as s:
        case = s.execute(select(Case).where(Case.code == "K2")).scalar_one()
    assert (case.kind, case.note) == ("close_contact", "已电话随访")


def test_the_observation_form_starts_from_the_record_and_writes_only_the_place(app, city):
    write(city, actor(city, "health1"), lambda ctx: editing.update_record(
        ctx, "observation", "O1", {"kind": "central"}, expected_version=1))
    at = app("head1", "my_grid", code="G11", section="observations")
    assert_ran(at)
    assert at.selectbox(key="gw-obs-edit-code").value == "O1"
    with city.read() as s:
        planned_end = s.execute(select(Observation.planned_end).where(Observation.code == "O1")).scalar_one()
    assert at.selectbox(key="gw-obs-edit-kind").value == "central"
    assert at.date_input(key="gw-obs-edit-end").value == planned_end
    assert at.text_input(key="gw-obs-edit-place").value == ""
    at.text_input(key="gw-obs-edit-place").input("集中隔离点A")
    at = _submit_named(at, "gw-obs-edit")
    assert_ran(at)
    with city.read() as s:
        ob = s.execute(select(Observation).where(Observation.code == "O1")).scalar_one()
    assert (ob.kind, ob.place, ob.planned_end) == ("central", "集中隔离点A", planned_end)


def test_the_observation_form_cannot_end_the_observation_early(app, city):
    """Issue 14 point 4: a planned end before start + 14 days is refused on the page with the reason, and the
    record keeps its end."""
    import datetime as dt

    with city.read() as s:
        ob = s.execute(select(Observation).where(Observation.code == "O1")).scalar_one()
    at = app("head1", "my_grid", code="G11", section="observations")
    assert_ran(at)
    assert at.selectbox(key="gw-obs-edit-code").value == "O1"
    at.date_input(key="gw-obs-edit-end").set_value(ob.start_date + dt.timedelta(days=13))
    at = _submit_named(at, "gw-obs-edit")
    assert_ran(at)
    assert any("不能人为缩短" in e.value for e in at.error), [e.value for e in at.error]
    with city.read() as s:
        assert s.execute(select(Observation.planned_end).where(Observation.code == "O1")).scalar_one() == \
            ob.start_date + dt.timedelta(days=14)
