"""The form "上报有症状居民" on /symptoms (issue 14 point 3): a health worker reports a resident not under
observation, the alert is raised through geodata and shown; a person under observation is refused with the pointer
to the health check, and nothing is written. Runs on the two-street test city (SQLite and PostgreSQL)."""
from __future__ import annotations

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geodata.store.models import Alert
from tests.dashboard.test_auth_pages import app, assert_ran  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import city  # noqa: F401 — `city` is a fixture


def _report(at: AppTest, code: str, temperature: float | None, symptoms: list[str]) -> AppTest:
    at.text_input(key="gw-symrep-code").input(code)
    at.number_input(key="gw-symrep-temp").set_value(temperature)
    at.multiselect(key="gw-symrep-symptoms").set_value(symptoms)
    next(b for b in at.button if b.form_id == "gw-symrep-form").click()
    return at.run()


def _alerts(city) -> list[tuple[str, str]]:  # noqa: ANN001
    with city.read() as s:
        return [tuple(r) for r in s.execute(select(Alert.subject_code, Alert.kind).where(Alert.kind == "symptom"))]


def test_a_health_worker_reports_a_resident_and_an_observee_is_refused(app, city):
    at = app("health1", "symptoms")
    assert_ran(at)
    assert "上报有症状居民" in [m.value.strip("*") for m in at.markdown]
    at = _report(at, "P1", 38.2, [])  # P1 is under observation O1: the health check records it
    assert_ran(at)
    assert any("健康随访" in e.value for e in at.error) and _alerts(city) == []
    at = _report(at, "P2", None, ["dry_cough"])
    assert_ran(at)
    assert any("已上报" in s.value for s in at.success)
    assert _alerts(city) == [("P2", "symptom")]
    # the new alert is listed on the page with its follow-up form
    assert any("P2" in h.value and "干咳" in h.value for h in at.get("html"))
