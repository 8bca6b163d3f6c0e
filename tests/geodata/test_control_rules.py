"""Issue 14 points 4–8: rules that must not be bypassed or over-fire, each through the command a page calls inside
`geodata.store.writes.write`, with the window edges (day 1 = the first day; "14 days" ends on day 15).

4. the 14 days cannot be shortened by hand, and only the named 包保干部 / 包保医务人员 (or whom the street assigns) sign;
5. a re-exposure restarts the period, and the log keeps both ends;
6. the lift guard of a 疫点 counts the contacts of its cases wherever they live, not unrelated residents;
7. S2 needs unknown-source cases or many large outbreaks: scattered known-source cases are S1 (configurable);
8. 零报告 means no case: a day with a new observation (or a close contact) can still send the one-click zero report.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.editing.records import update_record
from geodata.exchange.bulk import upsert_layer
from geodata.people.accounts import create_user
from geodata.reporting.reports import submit_report
from geodata.situation.cases import record_case
from geodata.situation.control import lift_check
from geodata.situation.observations import (
    assign_signer,
    record_exposure,
    sign_release,
    start_observation,
)
from geodata.situation.settings import set_setting
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Event, Observation
from geodata.store.writes import Actor, write
from tests.factories import TODAY, load_small_city
from tests.geodata.test_reports import at, city, head_of  # noqa: F401 — `city` is a fixture
from tests.risk_helpers import COMMAND, GRID, HEAD, SYSTEM, add_persons, day, run, situation_of

CADRE, MEDIC_NAME = "包保干部甲", "包保医生乙"


def _path(store, code: str) -> str:
    with store.read() as s:
        return unit_by_code(s, code).path


def _user(store, username: str, display: str, role: str, scope: str | None) -> Actor:
    write(store, SYSTEM, lambda ctx: create_user(ctx, username, display, role, scope, "secret-password"))
    return Actor(username, role, _path(store, scope) if scope else None)


def _obs(store, code: str) -> Observation:
    with store.read() as s:
        return s.execute(select(Observation).where(Observation.code == code)).scalar_one()


def _returnee(store, **kw) -> Observation:
    load_small_city(store)
    add_persons(store, [{"code": "R1", "name": "返乡甲", "building_code": "G12K2B1"}])
    return run(store, GRID, start_observation, "R1", "home", start=day(1), code="OH1", cadre_name=CADRE,
               medic_name=MEDIC_NAME, **kw)


# --- 4. the 14 days ----------------------------------------------------------------------------------------------


def test_the_command_refuses_a_planned_end_before_start_plus_14_days(store):
    load_small_city(store)
    add_persons(store, [{"code": "R1", "name": "返乡甲", "building_code": "G12K2B1"},
                        {"code": "R2", "name": "返乡乙", "building_code": "G12K2B1"}])
    with pytest.raises(Rejected) as early:
        run(store, GRID, start_observation, "R1", "home", start=day(1), planned_end=day(14))
    problem = early.value.problems[0]
    assert problem.field == "planned_end" and "cannot be shortened" in problem.message_en
    assert str(day(15)) in problem.message_zh  # the reason names the earliest end the rule allows
    assert run(store, GRID, start_observation, "R1", "home", start=day(1), planned_end=day(15)).planned_end == day(15)
    assert run(store, GRID, start_observation, "R2", "central", start=day(1)).planned_end == day(15)


def test_a_hand_edit_cannot_end_the_observation_early_but_may_extend_it(store):
    obs = _returnee(store)

    def edit(changes, version):
        return run(store, GRID, update_record, "observation", "OH1", changes, expected_version=version)

    with pytest.raises(Rejected) as early:
        edit({"planned_end": day(14)}, obs.version)
    assert early.value.problems[0].field == "planned_end"
    assert _obs(store, "OH1").planned_end == day(15)
    later = edit({"planned_end": day(20)}, obs.version)
    back = edit({"planned_end": day(15)}, later.version)  # back to the rule's end: allowed
    assert _obs(store, "OH1").planned_end == day(15) and back.version > later.version


def test_a_temporary_observation_changed_to_home_gets_the_home_period(store):
    load_small_city(store)
    add_persons(store, [{"code": "R1", "name": "留观甲", "building_code": "G12K2B1"}])
    obs = run(store, GRID, start_observation, "R1", "temporary", start=day(1), code="OT1")
    assert obs.planned_end == day(2)
    run(store, GRID, update_record, "observation", "OT1", {"kind": "home"}, expected_version=obs.version)
    assert _obs(store, "OT1").planned_end == day(15)


def test_a_file_cannot_shorten_the_observation_either(store):
    load_small_city(store)
    add_persons(store, [{"code": "R1", "name": "返乡甲", "building_code": "G12K2B1"}])

    def ledger(end):
        return write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "observations", pd.DataFrame([
            {"code": "OF1", "person_code": "R1", "kind": "home", "start_date": day(1), "planned_end": end}])))

    with pytest.raises(Rejected) as early:
        ledger(day(14))
    assert "cannot be shortened" in " ".join(p.message_en for p in early.value.problems)
    ledger(day(15))
    assert _obs(store, "OF1").planned_end == day(15)


def test_only_the_named_signers_sign_and_not_before_the_end(store):
    _returnee(store)
    cadre = _user(store, "cadre1", CADRE, "community_head", "C1")
    other_head = _user(store, "grid2", "别的网格长", "grid_leader", "G12")
    medic = _user(store, "medic1", MEDIC_NAME, "health", "C1")
    other_medic = _user(store, "medic2", "别的医生", "health", "C1")

    with pytest.raises(PermissionDenied) as not_named:
        run(store, other_head, sign_release, "OH1", "cadre", on=day(15))  # in scope, may sign — but not named
    assert CADRE in not_named.value.message_zh
    with pytest.raises(PermissionDenied):
        run(store, other_medic, sign_release, "OH1", "medic", on=day(15))
    with pytest.raises(Rejected) as early:
        run(store, cadre, sign_release, "OH1", "cadre", on=day(14))
    assert early.value.problems[0].field == "on"
    with pytest.raises(Rejected):
        run(store, cadre, sign_release, "OH1", "cadre", on=dt.date.today() + dt.timedelta(days=1))
    run(store, cadre, sign_release, "OH1", "cadre", on=day(15))
    assert run(store, medic, sign_release, "OH1", "medic", on=day(15)).released_on == day(15)


def test_the_street_assigns_another_signer_and_no_one_in_scope_names_themselves(store):
    obs = _returnee(store)
    _user(store, "medic1", MEDIC_NAME, "health", "C1")
    other_medic = _user(store, "medic2", "别的医生", "health", "C1")
    supervisor = _user(store, "street1", "街道甲", "supervisor", "S1")
    head = _user(store, "head1", "社区书记", "community_head", "C1")

    with pytest.raises(PermissionDenied):
        run(store, head, assign_signer, "OH1", "medic", "medic2")  # the community does not assign
    with pytest.raises(PermissionDenied):  # nor rename the named cadre to itself by hand
        run(store, head, update_record, "observation", "OH1", {"cadre_name": "社区书记"},
            expected_version=obs.version)
    with pytest.raises(Rejected):
        run(store, supervisor, assign_signer, "OH1", "medic", "head1")  # a head cannot sign as the medic
    run(store, supervisor, assign_signer, "OH1", "medic", "medic2")
    assert _obs(store, "OH1").medic_name == "别的医生"
    with pytest.raises(PermissionDenied):
        run(store, Actor("medic1", "health", _path(store, "C1")), sign_release, "OH1", "medic", on=day(15))
    run(store, other_medic, sign_release, "OH1", "medic", on=day(15))
    assert _obs(store, "OH1").medic_signed_by == "medic2"


# --- 5. re-exposure ----------------------------------------------------------------------------------------------


def _log(store, code: str) -> list[Event]:
    with store.read() as s:
        return list(s.execute(select(Event).where(Event.entity_code == code).order_by(Event.id)).scalars())


def test_a_new_exposure_restarts_the_14_days_and_the_history_keeps_both_ends(store):
    _returnee(store)
    with pytest.raises(Rejected) as same_day:
        run(store, GRID, record_exposure, "OH1", day(1))  # not after the day the period runs from
    assert same_day.value.problems[0].field == "exposed_on"
    again = run(store, GRID, start_observation, "R1", "home", exposed_on=day(10))  # the page's form: same person
    assert (again.code, again.planned_end, again.exposed_on) == ("OH1", day(24), day(10))
    with pytest.raises(Rejected):
        run(store, SYSTEM, sign_release, "OH1", "cadre", on=day(23))
    run(store, SYSTEM, sign_release, "OH1", "cadre", on=day(24))
    events = {e.action: e for e in _log(store, "OH1")}
    assert events["observation.create"].new["planned_end"] == str(day(15))
    reexposed = events["observation.reexposure"]
    assert (reexposed.old["planned_end"], reexposed.new["planned_end"]) == (str(day(15)), str(day(24)))


def test_an_exposure_after_today_is_refused(store):
    _returnee(store)
    with pytest.raises(Rejected):
        run(store, GRID, record_exposure, "OH1", dt.date.today() + dt.timedelta(days=1))


# --- 6. contacts linked to their source case --------------------------------------------------------------------


def test_the_lift_guard_counts_the_cases_contacts_wherever_they_live_and_not_other_residents(store):
    load_small_city(store)
    add_persons(store, [{"code": "RES1", "name": "同楼返乡", "building_code": "G11K2B1"},
                        {"code": "CT1", "name": "密接甲", "building_code": "G21K1B1"}])
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(1), building_code="G11K2B1", code="A1")
    run(store, HEAD, start_observation, "RES1", "home", start=day(2), code="ORES", reason="返乡")
    run(store, SYSTEM, start_observation, "CT1", "central", start=day(2), code="OCT", source_case="A1")
    # a close contact of the close contact (密接的密接), recorded in another community
    run(store, SYSTEM, record_case, kind="close_contact", reported_on=day(1), building_code="G21K1B2", code="X1",
        source_case="A1")
    run(store, SYSTEM, record_case, kind="close_contact", reported_on=day(3), building_code="G22K1B1", code="X2",
        source_case="X1")

    def contacts(on):
        with store.read() as s:
            return next(i for i in lift_check(s, "G11K2B1", on).items if i.key == "contacts")

    assert contacts(day(10)).codes == ("OCT", "X1", "X2")  # not ORES: a returnee of the building
    assert contacts(day(15)).codes == ("OCT", "X2")  # X1 reported day 1: 14 days over on day 15
    assert contacts(day(16)).codes == ("X2",)  # OCT started day 2
    assert contacts(day(17)).ok


# --- 7. S2 needs unknown-source cases or many large outbreaks -----------------------------------------------------


def _case(store, code, on, building, **kw):
    return run(store, HEAD, record_case, kind="confirmed", reported_on=on, building_code=building, code=code, **kw)


def test_three_known_source_cases_in_three_buildings_are_s1_with_a_cluster_not_transmission(store):
    load_small_city(store)
    for code, d, b in (("A1", 1, "G11K1B1"), ("A2", 7, "G11K2B2"), ("A3", 14, "G12K1B1")):
        result = _case(store, code, day(d), b)
    assert result.after.rank == 1 and not any(a.kind == "transmission" for a in result.alerts)
    on7, on14 = situation_of(store, "C1", day(7)), situation_of(store, "C1", day(14))
    assert (on7["level_code"], on7["cluster"]) == ("S1", True)  # day 1 and day 7: within one week
    # day 7 and day 14 are eight days counting both: no cluster, and still no 社区传播
    assert (on14["level_code"], on14["rule"], on14["cluster"]) == ("S1", "one_case", False)


def test_many_large_outbreaks_within_14_days_are_community_transmission(store):
    load_small_city(store)
    plan = [("G11K1B1", (1, 2, 3)), ("G11K2B1", (5, 5, 5)), ("G12K1B1", (14, 14, 14))]
    for b, days in plan:
        for n, d in enumerate(days):
            _case(store, f"{b}-{n}", day(d), b)
    on14 = situation_of(store, "C1", day(14))
    assert (on14["level_code"], on14["rule"]) == ("S2", "spread")
    assert "暴发" in on14["reason_zh"]
    assert situation_of(store, "C1", day(15))["level_code"] == "S1"  # G11K1B1 keeps 2 cases: no longer large


def test_the_reading_is_configurable(store):
    load_small_city(store)
    for code, d, b in (("A1", 1, "G11K1B1"), ("A2", 5, "G11K2B2"), ("A3", 14, "G12K1B1")):
        _case(store, code, day(d), b)
    assert situation_of(store, "C1", day(14))["level_code"] == "S1"
    with pytest.raises(Rejected):
        run(store, COMMAND, set_setting, "situation", {"spread_reading": "somewhere"})
    run(store, COMMAND, set_setting, "situation", {"spread_reading": "places"})
    s = situation_of(store, "C1", day(14))
    assert (s["level_code"], s["rule"]) == ("S2", "spread")


# --- 8. 零报告 means no case -------------------------------------------------------------------------------------


def _add_person(store, code: str, building: str) -> None:
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "persons", pd.DataFrame(
        [{"code": code, "name": "新隔离", "building_code": building}])))


def _zero(store, paths, community="C1"):
    return write(store, head_of(paths, community),
                 lambda ctx: submit_report(ctx, community, TODAY, zero=True, now=at(TODAY, 9)))


def test_a_day_with_a_new_observation_but_no_case_sends_the_zero_report_with_the_figures(city):
    store, paths = city
    _add_person(store, "N1", "G11K1B2")
    run(store, SYSTEM, start_observation, "N1", "home", start=TODAY)
    run(store, SYSTEM, record_case, kind="close_contact", reported_on=TODAY, building_code="G11K1B2")
    result = _zero(store, paths)
    values = result.report.figures["values"]
    assert result.is_zero and values["obs_new"] == 1 and values["new_close_contact"] == 1
    assert values["obs_home"] == 2 and values["new_confirmed"] == 0


def test_a_suspected_case_that_day_stops_the_zero_report(city):
    store, paths = city
    run(store, SYSTEM, record_case, kind="suspected", reported_on=TODAY, building_code="G11K1B2")
    with pytest.raises(Rejected) as err:
        _zero(store, paths)
    assert err.value.problems[0].field == "zero" and "新增疑似1" in err.value.problems[0].message_zh
