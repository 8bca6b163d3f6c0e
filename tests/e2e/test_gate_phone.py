"""/gate on a phone (390 × 844) in Chromium: a grid worker on duty at their compound's entrance registers a
visitor at 38.2 ℃; the entry is flagged on the spot and its row in today's log is red, and the symptom alert is
raised for the community. Nothing on the page is wider than the screen. The page may reach this machine only."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from geodata.people.accounts import create_user
from geodata.situation.alerts import open_alerts
from geodata.store.db import open_store
from geodata.store.writes import Actor, write
from tests.e2e.conftest import launch_app, offline_page, sign_in_as, stop_app, wait_for_app_run
from tests.factories import load_small_city



@pytest.fixture(scope="module")
def gate_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('gate') / 'small.sqlite'}"
    store = open_store(url)
    load_small_city(store)
    write(store, Actor.system("e2e"), lambda ctx: create_user(ctx, "gate1", "门岗网格员", "grid_leader", "G11",
                                                              "demo1234"))
    store.dispose()
    return url


@pytest.fixture(scope="module")
def server(gate_db, tmp_path_factory) -> Iterator[str]:
    log = (tmp_path_factory.mktemp("gate-log") / "streamlit.log").open("w+", encoding="utf-8")
    url, process = launch_app({"DATABASE_URL": gate_db}, "dashboard/app.py", log)
    yield url
    stop_app(process)
    log.close()


def test_a_fever_registered_on_the_phone_is_flagged_and_alerted(server, gate_db, browser, tmp_path):
    with offline_page(browser, 390, 844) as page:
        sign_in_as(page, gate_db, "gate1")
        page.goto(f"{server}/gate?checkpoint=E1")
        wait_for_app_run(page)
        expect(page.get_by_text("卡点进出登记")).to_be_visible(timeout=30_000)
        form = page.locator(".st-key-gw-gate")
        form.get_by_role("radio", name="出", exact=True).click()
        form.get_by_role("radio", name="外来", exact=True).click()
        form.get_by_label("体温 ℃（人员必测）").fill("38.2")
        form.get_by_label("备注（车牌、事由）").fill("送药 <b>x</b>")
        form.get_by_role("button", name="登记", exact=True).click()
        expect(page.get_by_text("体温 38.2 ℃，发热！已上报预警")).to_be_visible(timeout=30_000)
        fever_row = page.locator("table.gw-gate-log tr.gw-fever")
        expect(fever_row).to_have_count(1)
        expect(fever_row).to_contain_text("⚠ 38.2")
        expect(fever_row).to_contain_text("送药 <b>x</b>")  # escaped: shown as typed, not as HTML
        expect(page.locator("table.gw-gate-hours tr.gw-fever")).to_have_count(1)
        # a tap target of the big direction buttons, and nothing wider than the phone
        box = form.get_by_role("radio", name="进", exact=True).bounding_box()
        assert box is not None and box["height"] >= 44
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "gate-390.png"), full_page=True)
    store = open_store(gate_db)
    with store.read() as s:
        alerts = open_alerts(s, kinds=("symptom",))
    store.dispose()
    assert len(alerts) == 1 and alerts.iloc[0]["unit_code"] == "C1" and "38.2" in alerts.iloc[0]["title_zh"]
