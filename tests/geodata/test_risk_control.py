"""Control states of buildings and natural villages, the lift guard, and the rural branch (domain file §2.3,
§2.2 响应终止, scenarios 6 and 23)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.base.vocab import Level
from geodata.exchange.integrity import check
from geodata.situation.cases import record_case
from geodata.situation.control import control_summary, decide_lift, lift_check, record_expert_assessment, set_control
from geodata.situation.disinfection import record_disinfection
from geodata.situation.history import building_control_as_of, explain
from geodata.situation.observations import start_observation
from geodata.store.hierarchy import children, unit_by_code
from geodata.store.models import LiftDecision
from geodata.store.writes import Actor
from tests.factories import load_small_city
from tests.risk_helpers import (
    COMMAND,
    GRID,
    HEAD,
    MEDIC,
    VIEWER,
    add_persons,
    building,
    day,
    load_rural_county,
    run,
    situation_of,
    stats_of,
    unit,
)


def blocked_by(store, target, on) -> set[str]:
    with pytest.raises(Rejected) as err:
        run(store, COMMAND, decide_lift, target, on=on)
    return {p.field for p in err.value.errors}


# --- scenario 6 ------------------------------------------------------------------------------------------------


def test_lift_waits_for_contacts_new_cases_disinfection_then_expert_and_command_centre(store):
    load_small_city(store)
    add_persons(store, [{"code": "PC1", "name": "密接甲", "building_code": "G12K1B1"}])
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(1), building_code="G12K1B1", code="A1")
    run(store, HEAD, start_observation, "PC1", "central", start=day(5), code="OC1", reason="A1的密切接触者",
        source_case="A1")  # linked to its source case: the guard counts it (issue 14 point 6)
    sealed_before = stats_of(store, "420100").sealed_buildings
    assert building(store, "G12K1B1").control_state == "epidemic_spot"

    assert blocked_by(store, "G12K1B1", day(14)) == {"contacts", "new_case", "terminal_disinfection", "assessment"}
    assert blocked_by(store, "G12K1B1", day(15)) == {"contacts", "terminal_disinfection", "assessment"}
    run(store, HEAD, record_disinfection, "G12K1B1", "terminal", on=day(15), area="全楼")
    assert blocked_by(store, "G12K1B1", day(18)) == {"contacts", "assessment"}  # OC1 observed 13 days
    assert blocked_by(store, "G12K1B1", day(19)) == {"assessment"}  # 14 days
    with store.read() as s:
        check_19 = lift_check(s, "G12K1B1", day(19))
    assert check_19.conditions_met and not check_19.ok

    with pytest.raises(PermissionDenied):
        run(store, HEAD, record_expert_assessment, "G12K1B1", experts="市卫健委专家组", on=day(19))
    run(store, MEDIC, record_expert_assessment, "G12K1B1", experts="市卫健委专家组", on=day(19))
    with pytest.raises(PermissionDenied) as denied:
        run(store, HEAD, decide_lift, "G12K1B1", on=day(19))
    assert "指挥部" in str(denied.value) and "command centre" in str(denied.value).lower()

    decision = run(store, COMMAND, decide_lift, "G12K1B1", on=day(19), reason="响应终止")
    assert decision.previous_state == "epidemic_spot" and decision.decided_by == "command"
    b = building(store, "G12K1B1")
    assert (b.control_state, b.control_since) == ("lifted", day(19))
    assert stats_of(store, "420100").sealed_buildings == sealed_before - 1
    with store.read() as s:
        last = explain(s, "G12K1B1").iloc[-1]
        assert s.scalar(select(func.count()).select_from(LiftDecision)) == 1
        assert check(s).ok
    assert (last["action"], last["actor"], last["rule"]) == ("control.change", "command", "lift_decision")


def test_terminal_disinfection_before_the_last_case_does_not_count(store):
    load_small_city(store)
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(1), building_code="G12K1B1", code="A1")
    run(store, HEAD, record_disinfection, "G12K1B1", "terminal", on=day(3))
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(4), building_code="G12K1B1", code="A2")
    assert blocked_by(store, "G12K1B1", day(18)) == {"terminal_disinfection", "assessment"}


def test_a_target_that_is_not_sealed_has_nothing_to_lift(store):
    load_small_city(store)
    assert "state" in blocked_by(store, "G11K1B1", day(1))


# --- setting states by hand ------------------------------------------------------------------------------------


def test_people_set_states_with_a_reason_and_sealing_moves_the_counters(store):
    load_small_city(store)
    before = stats_of(store, "420100").sealed_buildings
    change = run(store, HEAD, set_control, "G11K1B1", "封闭管理", "六个一：只留一个出入口", on=day(1))
    assert (change.old, change.new, change.rule) == ("normal", "closed", "manual")
    assert stats_of(store, "420100").sealed_buildings == before
    run(store, GRID, set_control, "G11K1B1", "硬隔离", "邻楼聚集性疫情", on=day(2))
    assert building(store, "G11K1B1").control_state == "sealed"
    assert stats_of(store, "G11").sealed_buildings == stats_of(store, "G11K1").sealed_buildings == 1
    assert stats_of(store, "420100").sealed_buildings == before + 1
    assert run(store, GRID, set_control, "G11K1B1", "sealed", "again", on=day(3)) is None  # already sealed
    with store.read() as s:
        log = explain(s, "G11K1B1")
        assert check(s).ok
    assert list(log["actor"]) == ["head", "grid"] and log.iloc[1]["reason"] == "邻楼聚集性疫情"


def test_leaving_a_sealing_by_hand_is_refused(store):
    load_small_city(store)
    run(store, HEAD, set_control, "G11K1B1", "sealed", "封锁", on=day(1))
    for state in ("normal", "closed", "lifted"):
        with pytest.raises(Rejected) as err:
            run(store, COMMAND, set_control, "G11K1B1", state, "想解封", on=day(2))
        # the refusal points at the card's lift steps, which a page offers (not at a command nobody can run)
        assert "解除管控" in err.value.errors[0].message_zh and "Lifting" in err.value.errors[0].message_en
    run(store, HEAD, set_control, "G11K1B1", "疫点", "改为疫点", on=day(2))  # between guarded states: allowed


def test_bad_state_missing_reason_wrong_role_outside_scope_and_backdating_are_refused(store):
    load_small_city(store)
    with pytest.raises(Rejected) as err:
        run(store, HEAD, set_control, "G11K1B1", "半封", "  ", on=day(1))
    assert {p.field for p in err.value.errors} == {"state", "reason"}
    for actor in (VIEWER, MEDIC):
        with pytest.raises(PermissionDenied):
            run(store, actor, set_control, "G11K1B1", "closed", "r", on=day(1))
    c2_head = Actor("head2", "community_head", scope_path=unit(store, "C2").path)
    with pytest.raises(PermissionDenied):
        run(store, c2_head, set_control, "G11K1B1", "closed", "r", on=day(1))
    run(store, c2_head, set_control, "G21K1B1", "closed", "r", on=day(5))
    with pytest.raises(Rejected) as err:
        run(store, c2_head, set_control, "G21K1B1", "sealed", "r", on=day(3))
    assert err.value.errors[0].field == "on"


def test_two_people_editing_the_same_building_cannot_both_win(store):
    load_small_city(store)
    seen = building(store, "G11K1B1").version  # both pages read this version
    run(store, HEAD, set_control, "G11K1B1", "closed", "社区书记：封闭管理", on=day(1), expected_version=seen)
    with pytest.raises(Rejected) as err:
        run(store, GRID, set_control, "G11K1B1", "sealed", "网格长：封锁", on=day(1), expected_version=seen)
    assert err.value.errors[0].field == "version"
    assert building(store, "G11K1B1").control_state == "closed"


# --- history and roll-up ---------------------------------------------------------------------------------------


def test_control_state_of_any_past_day_is_replayed_from_the_event_log(store):
    load_small_city(store)
    run(store, HEAD, set_control, "G11K1B1", "closed", "封闭管理", on=day(3))
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(5), building_code="G11K1B1", code="A1")
    run(store, HEAD, set_control, "G11K1B1", "sealed", "封锁", on=day(8))
    with store.read() as s:
        states = {d: building_control_as_of(s, day(d)).set_index("code").at["G11K1B1", "state"]
                  for d in (2, 3, 4, 5, 7, 8, 30)}
        now = building_control_as_of(s, None).set_index("code").at["G11K1B1", "state"]
    assert states == {2: "normal", 3: "closed", 4: "closed", 5: "epidemic_spot", 7: "epidemic_spot", 8: "sealed",
                      30: "sealed"}
    assert now == "sealed"


def test_control_summary_rolls_buildings_up_to_compound_grid_and_city(store):
    load_small_city(store)
    run(store, HEAD, set_control, "G11K1B1", "sealed", "封锁", on=day(1))
    run(store, HEAD, set_control, "G11K2B2", "closed", "封闭", on=day(1))
    run(store, HEAD, set_control, "G12K1B1", "epidemic_spot", "疫点", on=day(2))
    with store.read() as s:
        grids = control_summary(s, level=Level.GRID).set_index("code")
        comps = control_summary(s, level=Level.COMPOUND, parent="G11").set_index("code")
        city = control_summary(s, level=Level.CITY).iloc[0]
        past = control_summary(s, level=Level.CITY, on=day(1)).iloc[0]
    assert grids.loc["G11", ["buildings_sealed", "buildings_closed", "sealed", "worst_state"]].tolist() == [
        1, 1, 1, "sealed"]
    assert grids.loc["G12", "worst_state"] == "epidemic_spot"
    assert comps.loc["G11K2", "worst_state"] == "closed" and comps.loc["G11K1", "sealed"] == 1
    for col in ("buildings_normal", "buildings_sealed", "buildings_closed", "buildings_epidemic_spot", "sealed"):
        assert city[col] == grids[col].sum(), col
    assert (city["sealed"], past["sealed"]) == (2, 1)  # on day 1 the spot of day 2 did not exist yet


# --- scenario 23: the rural branch -----------------------------------------------------------------------------


def test_rural_branch_drills_down_without_buildings_and_a_village_is_sealed_like_a_building(store):
    load_rural_county(store)
    with store.read() as s:
        assert check(s).ok
        township = unit_by_code(s, "RT1")
        assert [u.code for u in children(s, township)] == ["RV1", "RV2"]
        assert [u.code for u in children(s, unit_by_code(s, "RG1"))] == ["RN1", "RN2"]
    assert (stats_of(store, "RT1").households, stats_of(store, "RT1").population) == (95, 285)
    assert stats_of(store, "RT1").buildings == 0

    result = run(store, HEAD, record_case, kind="confirmed", reported_on=day(1), person_code="RP1", code="R1")
    assert [(c.code, c.new, c.rule) for c in result.control_changes] == [("RN1", "sealed", "village_case_sealed")]
    for code in ("RV1", "RG1", "RN1"):
        assert situation_of(store, code, day(1))["level_code"] == "S1", code
    assert situation_of(store, "RN2", day(1))["level_code"] == "S0"
    assert situation_of(store, "RV2", day(1))["level_code"] == "S0"

    run(store, GRID, set_control, "RN2", "sealed", "邻近自然村硬隔离", on=day(2))
    with store.read() as s:
        grid = control_summary(s, level=Level.GRID, parent="RV1").iloc[0]
        street = control_summary(s, [unit_by_code(s, "RT1").id]).iloc[0]
    assert (grid["villages_sealed"], grid["sealed"], grid["worst_state"]) == (2, 2, "sealed")
    assert street["villages_sealed"] == 2 and street["villages_normal"] == 1

    assert blocked_by(store, "RN1", day(15)) == {"terminal_disinfection", "assessment"}
    run(store, GRID, record_disinfection, "RN1", "terminal", on=day(15))
    run(store, MEDIC, record_expert_assessment, "RN1", experts="县卫健局专家组", on=day(15))
    run(store, COMMAND, decide_lift, "RN1", on=day(15))
    assert unit(store, "RN1").control_state == "lifted"
    assert stats_of(store, "RT1").sealed_buildings == 0  # the counter holds buildings; villages are in control_summary
    with store.read() as s:
        assert check(s).ok
