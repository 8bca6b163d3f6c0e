"""The lift loop and the disinfection norm, through the write path the pages use (issue 14 points 1, 2 and 10):
the latest expert assessment counts, no step is recorded for a day after today, and a village below its daily
disinfection norm becomes one alert a day for the street and the wall — raised by the daily run and at once by a
write that reaches back, closed by a record that makes the day good.

Dates for the norm are counted back from today: a day is judged once it is over."""
from __future__ import annotations

import datetime as dt

import pytest

from geodata.base.problems import Rejected
from geodata.situation.alerts import open_alerts
from geodata.situation.cases import record_case
from geodata.situation.control import decide_lift, lift_check, record_expert_assessment, set_control
from geodata.situation.disinfection import disinfection_compliance, record_disinfection, run_daily_disinfection_check
from tests.factories import load_small_city
from tests.risk_helpers import COMMAND, GRID, HEAD, MEDIC, building, day, load_rural_county, run, unit

def today() -> dt.date:
    """Read at each use, not at import: a whole run can cross midnight (CI did, and 14 tests failed)."""
    return dt.date.today()


def ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def cleared_spot(store) -> None:
    """G12K1B1: a 疫点 since day(1) whose conditions hold from day(15) once terminal disinfection is recorded."""
    load_small_city(store)
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(1), building_code="G12K1B1", code="A1")
    run(store, HEAD, record_disinfection, "G12K1B1", "terminal", on=day(15), area="全楼")


def blocked(store, on) -> set[str]:
    with store.read() as s:
        return {i.key for i in lift_check(s, "G12K1B1", on).blocking()}


# --- point 1: the latest assessment counts ------------------------------------------------------------------------


def test_a_keep_after_a_lift_holds_the_seal_until_a_newer_lift(store):
    cleared_spot(store)
    run(store, MEDIC, record_expert_assessment, "G12K1B1", experts="市卫健委专家组", conclusion="lift", on=day(16))
    assert blocked(store, day(16)) == set()
    run(store, COMMAND, record_expert_assessment, "G12K1B1", experts="复评专家组", conclusion="keep", on=day(17))
    assert blocked(store, day(16)) == set()  # on the 16th the keep was not made yet
    assert blocked(store, day(17)) == {"assessment"}
    with pytest.raises(Rejected) as err:
        run(store, COMMAND, decide_lift, "G12K1B1", on=day(17))
    assert {p.field for p in err.value.errors} == {"assessment"}
    assert "继续管控" in err.value.errors[0].message_zh and "keep" in err.value.errors[0].message_en
    # a later "lift" on the same day outranks the keep (recorded after it)
    run(store, MEDIC, record_expert_assessment, "G12K1B1", experts="市卫健委专家组", conclusion="lift", on=day(17))
    decision = run(store, COMMAND, decide_lift, "G12K1B1", on=day(17))
    assert building(store, "G12K1B1").control_state == "lifted" and decision.assessment_id is not None


def test_the_checklist_names_who_clears_each_open_item(store):
    cleared_spot(store)
    with store.read() as s:
        check = lift_check(s, "G12K1B1", day(10))
    items = {i.key: i for i in check.blocking()}
    assert set(items) == {"new_case", "terminal_disinfection", "assessment"}  # the terminal one is on day 15
    assert items["new_case"].commands == ()  # only time clears it
    assert items["terminal_disinfection"].commands == ("disinfection.record",)
    assert items["assessment"].commands == ("assessment.record",)
    assert check.guarded and check.path and check.version >= 1


# --- point 10: no step after today ------------------------------------------------------------------------------


@pytest.mark.parametrize("command, kwargs", [
    (record_disinfection, {"kind": "terminal"}),
    (record_expert_assessment, {"experts": "市卫健委专家组"}),
    (decide_lift, {}),
])
def test_no_step_of_the_lift_is_dated_after_today(store, command, kwargs):
    load_small_city(store)
    run(store, HEAD, record_case, kind="confirmed", reported_on=ago(20), building_code="G12K1B1", code="A1")
    run(store, HEAD, record_disinfection, "G12K1B1", "terminal", on=ago(1))
    run(store, MEDIC, record_expert_assessment, "G12K1B1", experts="市卫健委专家组", on=ago(1))
    kwargs = dict(kwargs)  # the parameter is shared by the SQLite and PostgreSQL runs
    actor = {record_disinfection: HEAD, record_expert_assessment: MEDIC, decide_lift: COMMAND}[command]
    positional = (kwargs.pop("kind"),) if "kind" in kwargs else ()
    with pytest.raises(Rejected) as err:
        run(store, actor, command, "G12K1B1", *positional, on=today() + dt.timedelta(days=1), **kwargs)
    problem = err.value.errors[0]
    assert problem.field == "on" and "晚于今天" in problem.message_zh and "after today" in problem.message_en
    run(store, actor, command, "G12K1B1", *positional, on=today(), **kwargs)  # today itself is fine


# --- point 2: the daily norm as alerts --------------------------------------------------------------------------


def shortfalls(store, path: str | None = None) -> dict[str, list[dt.date]]:
    with store.read() as s:
        frame = open_alerts(s, scope_path=path, kinds=("disinfection",))
    out: dict[str, list[dt.date]] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(row.subject_code, []).append(row.raised_on)
    return {k: sorted(v) for k, v in out.items()}


def test_a_back_dated_sealing_raises_one_alert_per_short_day_at_once_and_a_record_closes_its_day(store):
    load_rural_county(store)
    run(store, HEAD, record_case, kind="confirmed", reported_on=ago(3), compound_code="RN1", code="R1")
    assert unit(store, "RN1").control_state == "sealed"
    # three finished days under seal with no disinfection; today is not judged yet
    assert shortfalls(store) == {"RN1": [ago(3), ago(2), ago(1)]}
    street = unit(store, "RT1").path
    assert shortfalls(store, street) == shortfalls(store)  # the street sees them (its page and the wall)

    run(store, GRID, record_disinfection, "RN1", "public_area", on=ago(2), area="村口")
    assert shortfalls(store)["RN1"] == [ago(3), ago(2), ago(1)]  # one of two: still short
    run(store, GRID, record_disinfection, "RN1", "一日一消毒", on=ago(2), area="全村")
    assert shortfalls(store)["RN1"] == [ago(3), ago(1)]  # two village-wide rounds: the day is good
    run(store, GRID, record_disinfection, "RN1", "routine", on=ago(1))
    run(store, GRID, record_disinfection, "RN1", "terminal", on=ago(1))
    assert shortfalls(store)["RN1"] == [ago(3), ago(1)]  # a 疫点's 随时/终末消毒 is not the village's round

    # the daily run finds nothing new for yesterday: one alert per village per day
    assert run_daily_disinfection_check(store, today()) == []
    assert shortfalls(store)["RN1"] == [ago(3), ago(1)]


def test_a_closed_village_owes_one_a_day_and_the_daily_run_judges_yesterday_once(store):
    load_rural_county(store)
    run(store, GRID, set_control, "RN2", "封闭管理", "六个一", on=today())
    assert shortfalls(store) == {}  # today is not over
    with store.read() as s:
        row = disinfection_compliance(s, today()).set_index("code").loc["RN2"]
    assert (row["required"], row["done_today"], row["short"]) == (1, 0, True)

    tomorrow = today() + dt.timedelta(days=1)
    raised = run_daily_disinfection_check(store, tomorrow)
    assert [(a.subject_code, a.raised_on) for a in raised] == [("RN2", today())]
    assert "少于每日1次" in raised[0].title_zh and "below 1 a day" in raised[0].title_en
    assert run_daily_disinfection_check(store, tomorrow) == []  # deduplicated

    run(store, GRID, set_control, "RN3", "封闭管理", "六个一", on=today())
    run(store, GRID, record_disinfection, "RN3", "daily", on=today())  # exactly the norm: not short
    assert run_daily_disinfection_check(store, tomorrow) == []
    assert shortfalls(store) == {"RN2": [today()]}


def test_a_lift_ends_the_norm_and_a_back_dated_lift_is_judged_at_once(store):
    load_rural_county(store)
    run(store, HEAD, record_case, kind="confirmed", reported_on=ago(20), compound_code="RN1", code="R1")
    assert len(shortfalls(store)["RN1"]) == 20
    run(store, GRID, record_disinfection, "RN1", "terminal", on=ago(5))
    run(store, MEDIC, record_expert_assessment, "RN1", experts="县卫健局专家组", on=ago(5))
    run(store, COMMAND, decide_lift, "RN1", on=ago(5))
    # lifted five days ago: those days owe nothing, and their alerts close; the sealed days before stay
    assert shortfalls(store)["RN1"] == [ago(n) for n in range(20, 5, -1)]
