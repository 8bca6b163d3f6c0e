"""Symptom alerts reach the street and the district health role and clear only by a follow-up (issue 14 point 3)."""
from __future__ import annotations

import datetime as dt

import pytest

from geodata.base.problems import PermissionDenied, Rejected
from geodata.situation.alerts import acknowledge_alert, open_alerts
from geodata.situation.observations import record_health_check, sign_release
from geodata.situation.symptoms import followups, open_symptom_alerts, record_followup
from geodata.store.hierarchy import unit_by_code
from geodata.store.writes import Actor, write
from tests.geodata.test_risk_observations import returnee
from tests.risk_helpers import COMMAND, GRID, MEDIC, day, run


def _paths(store):
    with store.read() as s:
        return {c: unit_by_code(s, c).path for c in ("D1", "S1", "C1", "C2")}


def _flag(store):
    returnee(store)
    run(store, MEDIC, record_health_check, "OH1", on=day(3), temperature=38.2, symptoms=["干咳"])
    with store.read() as s:
        return open_alerts(s, kinds=("symptom",)).iloc[0]


def test_a_symptom_alert_goes_to_the_street_and_the_district_and_clears_only_by_its_follow_up(store):
    alert = _flag(store)
    assert alert["details"]["to"] == {"street": "S1", "district": "D1"}
    paths = _paths(store)
    supervisor = Actor("sup", "supervisor", paths["S1"])
    district_health = Actor("dhealth", "health", paths["D1"])
    with store.read() as s:
        assert open_symptom_alerts(s, supervisor, paths["S1"])["id"].tolist() == [alert["id"]]
        assert open_symptom_alerts(s, district_health, paths["D1"])["id"].tolist() == [alert["id"]]
        with pytest.raises(PermissionDenied):
            open_symptom_alerts(s, Actor("sup2", "supervisor", paths["C2"]), paths["S1"])
    # the command centre's acknowledgement does not clear it, nor may a community head record the follow-up
    with pytest.raises(Rejected) as ack:
        write(store, COMMAND, lambda ctx: acknowledge_alert(ctx, int(alert["id"])))
    assert "follow-up" in ack.value.errors[0].message_en
    with pytest.raises(PermissionDenied):
        run(store, Actor("head", "community_head", paths["C1"]), record_followup, int(alert["id"]), "排除")
    with pytest.raises(Rejected) as bad:
        run(store, supervisor, record_followup, int(alert["id"]), "观察", on=dt.date.today() + dt.timedelta(days=1))
    assert {e.field for e in bad.value.errors} == {"on"}  # the date is refused before anything else is looked at
    with pytest.raises(Rejected) as bad:
        run(store, supervisor, record_followup, int(alert["id"]), "观察", on=day(2), note="a\x07b")
    assert {e.field for e in bad.value.errors} == {"outcome", "on", "note"}
    with store.read() as s:
        assert len(open_alerts(s, kinds=("symptom",))) == 1  # nothing written by a refusal

    row = run(store, supervisor, record_followup, int(alert["id"]), "转诊", on=day(3), note="送发热门诊")
    assert (row.outcome, row.done_by, row.done_on) == ("referral", "sup", day(3))
    with store.read() as s:
        assert open_alerts(s, kinds=("symptom",)).empty
        ledger = followups(s, district_health, paths["D1"])
    assert ledger[["outcome", "done_by", "note"]].values.tolist() == [["referral", "sup", "送发热门诊"]]
    with pytest.raises(Rejected):  # one follow-up per alert
        run(store, district_health, record_followup, int(alert["id"]), "排除", on=day(4))


def test_an_open_alert_is_overdue_after_the_follow_up_hours(store):
    back_dated = _flag(store)  # day(3), recorded today: late since the end of day(3)
    run(store, MEDIC, record_health_check, "OH1", on=dt.date.today(), temperature=38.0)
    paths = _paths(store)
    with store.read() as s:
        raised = open_alerts(s, kinds=("symptom",)).iloc[0]["raised_at"]  # newest first: today's
        early = open_symptom_alerts(s, COMMAND, paths["S1"], now=raised + dt.timedelta(hours=23, minutes=59))
        late = open_symptom_alerts(s, COMMAND, paths["S1"], now=raised + dt.timedelta(hours=24, minutes=1))
    assert early["id"].tolist()[0] == back_dated["id"]  # oldest first
    assert early["overdue"].tolist() == [True, False] and late["overdue"].tolist() == [True, True]


def test_ruling_the_symptoms_out_lets_the_observation_be_released_again(store):
    alert = _flag(store)
    with pytest.raises(Rejected):
        run(store, GRID, sign_release, "OH1", "cadre", on=day(15))
    run(store, MEDIC, record_followup, int(alert["id"]), "转诊", on=day(3))  # a referral does not clear the person
    with pytest.raises(Rejected):
        run(store, GRID, sign_release, "OH1", "cadre", on=day(15))
    # a later flagged check, ruled out: the checks up to that alert's day no longer block
    run(store, MEDIC, record_health_check, "OH1", on=day(5), temperature=37.8)
    with store.read() as s:
        second = open_alerts(s, kinds=("symptom",)).iloc[0]
    run(store, MEDIC, record_followup, int(second["id"]), "排除", on=day(5), note="复测正常")
    assert run(store, GRID, sign_release, "OH1", "cadre", on=day(15)).cadre_signed_by == "grid"
