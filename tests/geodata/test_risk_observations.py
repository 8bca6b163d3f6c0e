"""Observations: 14 days, health follow-up, release with two sign-offs, due and overdue lists, kinds counted
apart (domain file §2.5, §3.4, scenarios 7 and 8)."""
from __future__ import annotations

import datetime as dt

import pytest

from geodata.base.problems import PermissionDenied, Rejected
from geodata.base.vocab import Level
from geodata.exchange.integrity import check
from geodata.situation.alerts import open_alerts
from geodata.situation.observations import (
    change_observation_kind,
    observation_counts,
    record_health_check,
    releases_due,
    sign_release,
    start_observation,
)
from geodata.store.hierarchy import unit_by_code
from geodata.people.accounts import create_user
from geodata.store.writes import Actor, write
from tests.factories import load_small_city
from tests.risk_helpers import GRID, HEAD, MEDIC, SYSTEM, add_persons, day, run, stats_of


def counts(store, code, on):
    with store.read() as s:
        return observation_counts(s, on, [unit_by_code(s, code).id]).iloc[0].to_dict()


def returnee(store):
    load_small_city(store)
    add_persons(store, [{"code": "R1", "name": "返乡甲", "building_code": "G12K2B1", "tags": "返乡人员"}])
    # the accounts of the named 包保干部 and 包保医务人员: only they sign (issue 14 point 4, test_control_rules)
    for username, display, role, scope in (("grid", "包保干部甲", "grid_leader", "G12"),
                                           ("medic", "包保医生乙", "health", "C1")):
        write(store, SYSTEM, lambda ctx, u=username, d=display, r=role, c=scope: create_user(
            ctx, u, d, r, c, "secret-password"))
    return run(store, GRID, start_observation, "R1", "home", start=day(1), code="OH1", origin="中高风险地区",
               reason="14天内到过中高风险地区", cadre_name="包保干部甲", medic_name="包保医生乙")


# --- scenario 7 ------------------------------------------------------------------------------------------------


def test_home_observation_counts_for_14_days_and_needs_both_signatures(store):
    obs = returnee(store)
    assert obs.planned_end == day(15)  # D + 14
    home_before = stats_of(store, "G12").obs_home
    assert home_before == 1 and stats_of(store, "420100").obs_home == 2  # plus O1 of the factory
    assert counts(store, "G12", day(1))["obs_home"] == 1 and counts(store, "G12", day(15))["obs_home"] == 1
    assert counts(store, "G12", day(0))["obs_home"] == 0

    with pytest.raises(Rejected) as early:
        run(store, GRID, sign_release, "OH1", "cadre", on=day(14))
    assert "planned end" in early.value.errors[0].message_en
    run(store, GRID, sign_release, "OH1", "cadre", on=day(15))
    assert stats_of(store, "G12").obs_home == 1  # one signature is not a release
    with pytest.raises(PermissionDenied):
        run(store, GRID, sign_release, "OH1", "medic", on=day(15))  # a cadre cannot sign as the medic
    with pytest.raises(Rejected):
        run(store, GRID, sign_release, "OH1", "cadre", on=day(15))  # signed already
    released = run(store, MEDIC, sign_release, "OH1", "medic", on=day(15))
    assert released.released_on == day(15)
    assert stats_of(store, "G12").obs_home == 0 and stats_of(store, "420100").obs_home == 1
    assert counts(store, "G12", day(14))["obs_home"] == 1 and counts(store, "G12", day(15))["obs_home"] == 0
    with store.read() as s:
        assert check(s).ok


def test_one_person_cannot_sign_as_both_cadre_and_medic(store):
    returnee(store)
    both = Actor("system:both", "system")  # the only role allowed to sign either way
    run(store, both, sign_release, "OH1", "cadre", on=day(15))
    with pytest.raises(Rejected) as err:
        run(store, both, sign_release, "OH1", "medic", on=day(15))
    assert "two different people" in err.value.errors[0].message_en


def test_releases_due_today_and_overdue_are_listed(store):
    returnee(store)
    add_persons(store, [{"code": "R2", "name": "返乡乙", "building_code": "G12K2B2"}])
    run(store, GRID, start_observation, "R2", "self", start=day(3), code="OS2")
    with store.read() as s:
        on_15 = releases_due(s, day(15), scope_path=unit_by_code(s, "C1").path)
        on_17 = releases_due(s, day(17), scope_path=unit_by_code(s, "C1").path)
        on_14 = releases_due(s, day(14), scope_path=unit_by_code(s, "C1").path)
    assert on_14.empty
    assert on_15[["code", "status"]].values.tolist() == [["OH1", "due_today"]]
    assert on_17[["code", "status", "days_overdue"]].values.tolist() == [["OH1", "overdue", 2], ["OS2", "due_today", 0]]


# --- daily follow-up -------------------------------------------------------------------------------------------


def test_temperature_above_37_3_or_a_symptom_is_flagged_alerted_and_blocks_release(store):
    returnee(store)
    ok = run(store, MEDIC, record_health_check, "OH1", on=day(2), temperature=37.3)
    assert not ok.flagged
    hot = run(store, MEDIC, record_health_check, "OH1", on=day(3), temperature=37.4, symptoms=["干咳"])
    assert hot.flagged and hot.fever and hot.symptoms == ("dry_cough",)
    cough = run(store, GRID, record_health_check, "OH1", on=day(4), temperature=36.5, symptoms=["咳嗽"])
    assert cough.flagged and not cough.fever
    with store.read() as s:
        alerts = open_alerts(s, kinds=("symptom",))
    assert len(alerts) == 2 and alerts.iloc[-1]["unit_code"] == "C1" and "37.4" in alerts.iloc[-1]["title_zh"]
    with pytest.raises(Rejected) as err:
        run(store, GRID, sign_release, "OH1", "cadre", on=day(15))
    assert err.value.errors[0].field == "health_checks"
    with pytest.raises(Rejected):
        run(store, MEDIC, record_health_check, "OH1", on=day(5), symptoms=["头晕眼花"])


# --- scenario 8 ------------------------------------------------------------------------------------------------


def test_home_and_centralised_observation_are_counted_apart_and_add_up_to_the_city(store):
    returnee(store)
    add_persons(store, [{"code": "CC1", "name": "密接丙", "building_code": "G12K1B2"}])
    run(store, HEAD, start_observation, "CC1", "home", start=day(2), code="OC1")
    run(store, HEAD, change_observation_kind, "OC1", "集中隔离", place="市集中隔离点（如家酒店）")
    g12 = stats_of(store, "G12")
    assert (g12.obs_home, g12.obs_central) == (1, 1)
    with store.read() as s:
        grids = observation_counts(s, dt.date.today(), level=Level.GRID)
        city = observation_counts(s, dt.date.today(), level=Level.CITY).iloc[0]
        then = observation_counts(s, day(3), level=Level.GRID).set_index("code")
        assert check(s).ok
    g = grids.set_index("code")
    assert g.loc["G12", ["obs_home", "obs_central", "total"]].tolist() == [1, 1, 2]
    # the move to central was written today: on day 3 OC1 was still at home (issue 14 point 11)
    assert then.loc["G12", ["obs_home", "obs_central", "total"]].tolist() == [2, 0, 2]
    for col in ("obs_home", "obs_central", "obs_self", "obs_temporary", "total"):
        assert city[col] == grids[col].sum(), col
    with pytest.raises(Rejected):
        run(store, HEAD, start_observation, "CC1", "home", start=day(3))  # already under observation
