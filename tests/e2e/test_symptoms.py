"""A street supervisor sees a symptom alert from one of their communities on /symptoms, on a phone, records the
follow-up, and the alert clears (issue 14 point 3). Every page may reach this machine only."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from geodata.situation.observations import record_health_check
from geodata.store.db import open_store
from geodata.store.writes import Actor, write
from loaders.demo import generate
from loaders.demo_store import store_demo
from tests.e2e.conftest import launch_app, offline_page, stop_app, wait_for_app_run
from tests.e2e.test_editing import make_app_dir, sign_in


@pytest.fixture(scope="module")
def flagged(tmp_path_factory) -> dict[str, object]:
    """The street demo with one observation in the supervisor's street flagged today (fever and a dry cough)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('symptoms') / 'street.sqlite'}"
    store = open_store(url)
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _msg: None)
    with store.read() as s:
        path = s.execute(text("SELECT u.path FROM users x JOIN units u ON u.id = x.scope_unit_id "
                              "WHERE x.username = 'supervisor'")).scalar_one()
        code = s.execute(text("SELECT code FROM observations WHERE released_on IS NULL AND path >= :lo AND "
                              "path < :hi AND start_date <= :today ORDER BY code LIMIT 1"),
                         {"lo": path, "hi": path[:-1] + "0", "today": dt.date.today()}).scalar_one()
    result = write(store, Actor.system("e2e"), lambda ctx: record_health_check(
        ctx, code, temperature=38.4, symptoms=["干咳"]))
    with store.read() as s:
        alert_id = s.execute(text("SELECT id FROM alerts WHERE kind = 'symptom' AND subject_code = :c "
                                  "ORDER BY id DESC LIMIT 1"), {"c": code}).scalar_one()
    store.dispose()
    assert result.flagged
    return {"url": url, "observation": code, "alert": int(alert_id)}


@pytest.fixture(scope="module")
def server(flagged, tmp_path_factory, browser) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("symptoms-app")
    log = (folder / "streamlit.log").open("w+", encoding="utf-8")
    url, process = launch_app({"DATABASE_URL": str(flagged["url"])}, make_app_dir(folder), log)
    yield url
    stop_app(process)
    log.seek(0)
    print(log.read())
    log.close()


def _open_after(url: str, alert_id: int) -> tuple[int, list]:
    store = open_store(url, migrate=False)
    with store.read() as s:
        acked = s.execute(text("SELECT acknowledged_by FROM alerts WHERE id = :i"), {"i": alert_id}).scalar_one()
        rows = s.execute(text("SELECT outcome, done_by, note FROM symptom_followups WHERE alert_id = :i"),
                         {"i": alert_id}).all()
    store.dispose()
    return acked, [tuple(r) for r in rows]


def test_a_supervisor_records_a_follow_up_on_a_phone_and_the_alert_clears(server, flagged, browser, tmp_path):
    with offline_page(browser, 390, 844) as phone:
        sign_in(phone, f"{server}/symptoms", "supervisor")
        card = phone.locator(f"[data-alert-id='{flagged['alert']}']")
        expect(card).to_be_visible(timeout=30_000)
        expect(card).to_contain_text(str(flagged["observation"]))
        form = phone.locator(f".st-key-gw-sy-{flagged['alert']}")
        # no horizontal scrolling on a 390-px phone, and the button is a thumb's size
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        button = form.get_by_role("button", name="登记处置")
        assert button.bounding_box()["height"] >= 44
        form.get_by_text("排除", exact=True).click()
        form.get_by_label("处置说明").fill("复测体温正常")
        phone.screenshot(path=str(tmp_path / "symptoms-phone.png"), full_page=True)
        button.click()
        wait_for_app_run(phone)
        expect(phone.get_by_text("已登记处置，预警已解除。")).to_be_visible(timeout=15_000)
        expect(phone.locator(f"[data-alert-id='{flagged['alert']}']")).to_have_count(0)
    assert _open_after(str(flagged["url"]), flagged["alert"]) == ("supervisor", [("excluded", "supervisor",
                                                                                  "复测体温正常")])
