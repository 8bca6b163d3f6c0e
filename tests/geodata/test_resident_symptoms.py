"""A resident not under observation reported with symptoms raises the symptom alert (issue 14 point 3)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from geodata.base.problems import Refusal, Rejected
from geodata.situation.alerts import open_alerts
from geodata.situation.observations import report_resident_symptoms
from geodata.situation.symptoms import record_followup
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Alert, Event
from geodata.store.writes import Actor
from tests.factories import TODAY, load_small_city
from tests.risk_helpers import add_persons, run

def today() -> dt.date:
    """Read at each use, not at import: a whole run can cross midnight (CI did, and 14 tests failed)."""
    return dt.date.today()


@pytest.fixture()
def city(store):
    load_small_city(store)
    add_persons(store, [{"code": "X1", "name": "邻居甲", "building_code": "G12K1B1"},
                        {"code": "X2", "name": "邻居乙", "building_code": "G21K1B1"}])
    with store.read() as s:
        paths = {c: unit_by_code(s, c).path for c in ("S1", "C1", "G11")}
    return {"grid": Actor("grid", "grid_leader", paths["G11"]), "head": Actor("head", "community_head", paths["C1"]),
            "sup": Actor("sup", "supervisor", paths["S1"])}


def _symptom_alerts(store):
    with store.read() as s:
        return open_alerts(s, kinds=("symptom",))


def _writes(store):
    with store.read() as s:
        return s.execute(select(func.count()).select_from(Event)).scalar()


def test_a_report_raises_the_alert_for_the_persons_community_and_a_second_report_joins(store, city):
    alert = run(store, city["grid"], report_resident_symptoms, "P2", on=today(), temperature=37.4, note="邻居反映")
    frame = _symptom_alerts(store)
    assert frame["id"].tolist() == [alert.id]
    row = frame.iloc[0]
    assert (row["unit_code"], row["subject_code"], row["raised_on"]) == ("C1", "P2", today())
    assert row["details"]["to"] == {"street": "S1", "district": "D1"}
    assert "37.4" in row["title_zh"] and "李四" not in row["title_zh"]  # the code, never the name
    # the same person, the same day: joins the open alert
    again = run(store, city["head"], report_resident_symptoms, "P2", on=today(), symptoms=["干咳", "乏力"])
    assert again.id == alert.id
    frame = _symptom_alerts(store)
    assert len(frame) == 1
    details = frame.iloc[0]["details"]
    assert details["symptoms"] == ["dry_cough", "fatigue"] and details["temperature"] == 37.4
    assert [r["by"] for r in details["reports"]] == ["grid", "head"]
    # another day is another alert
    run(store, city["head"], report_resident_symptoms, "P2", on=today() - dt.timedelta(days=1), symptoms=["咳嗽"])
    assert len(_symptom_alerts(store)) == 2


def test_the_fever_rule_is_above_the_limit_and_fever_or_a_symptom_is_required(store, city):
    before = _writes(store)
    for kwargs in ({}, {"temperature": 37.3}, {"temperature": 36.5, "symptoms": []}):
        with pytest.raises(Rejected) as refused:
            run(store, city["grid"], report_resident_symptoms, "P2", on=today(), **kwargs)
        assert [e.field for e in refused.value.errors] == ["symptoms"]
        assert "37.3" in refused.value.errors[0].message_zh
    with pytest.raises(Rejected) as refused:
        run(store, city["grid"], report_resident_symptoms, "P2", on=today(), symptoms=["头晕"], note="a\x07b")
    assert {e.field for e in refused.value.errors} == {"symptoms", "note"}
    with pytest.raises(Rejected) as refused:
        run(store, city["grid"], report_resident_symptoms, "P2", on=today() + dt.timedelta(days=1), temperature=38.5)
    assert [e.field for e in refused.value.errors] == ["on"]
    assert _symptom_alerts(store).empty and _writes(store) == before  # nothing written by a refusal
    run(store, city["grid"], report_resident_symptoms, "P2", on=today(), temperature=37.4)
    assert len(_symptom_alerts(store)) == 1


def test_another_grid_gets_the_neutral_answer_and_an_observee_goes_to_the_health_check(store, city):
    before = _writes(store)
    answers = []
    for code in ("X1", "NOPE"):  # X1 lives in the next grid: the same answer as a code that does not exist
        with pytest.raises(Refusal) as refused:
            run(store, city["grid"], report_resident_symptoms, code, on=today(), temperature=39.0)
        answers.append((type(refused.value), refused.value.message_zh.replace(code, "?"),
                        refused.value.message_en.replace(code, "?")))
    assert answers[0] == answers[1] and "outside your scope" in answers[0][2]
    with pytest.raises(Rejected) as refused:  # P1 is under observation O1 from TODAY - 3 days
        run(store, city["grid"], report_resident_symptoms, "P1", on=TODAY, temperature=39.0)
    assert refused.value.errors[0].field == "person_code" and "health check" in refused.value.errors[0].message_en
    assert _symptom_alerts(store).empty and _writes(store) == before
    # the community head of C1 reaches X1 (grid G12 of C1), not X2 (C2)
    assert run(store, city["head"], report_resident_symptoms, "X1", on=today(), symptoms=["发热"]).path.startswith(
        city["head"].scope_path)
    with pytest.raises(Refusal):
        run(store, city["head"], report_resident_symptoms, "X2", on=today(), symptoms=["发热"])


def test_the_follow_up_ruled_out_closes_it_and_a_new_report_raises_again(store, city):
    alert = run(store, city["grid"], report_resident_symptoms, "P2", on=today(), symptoms=["咽痛"])
    row = run(store, city["sup"], record_followup, alert.id, "排除", on=today(), note="复测正常")
    assert (row.subject_code, row.outcome) == ("P2", "excluded")
    assert _symptom_alerts(store).empty
    again = run(store, city["grid"], report_resident_symptoms, "P2", on=today(), temperature=38.0)
    assert again.id != alert.id and _symptom_alerts(store)["id"].tolist() == [again.id]
    with store.read() as s:
        assert s.get(Alert, alert.id).acknowledged_by == "sup"
