"""A grid worker records a contactless delivery on the phone (390×844) from /care (issue 15 part 4): the overdue
person is listed first, the big button records the delivery, the page says so, the person is no longer overdue,
and the visit is in the database with its method and what was brought. No horizontal scrolling; tap targets ≥ 44 px."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from geodata.people.accounts import create_user
from geodata.store.db import open_store
from geodata.store.writes import Actor, write
from tests.e2e.conftest import launch_app, offline_page, stop_app, wait_for_app_run
from tests.e2e.test_editing import PASSWORD, make_app_dir, sign_in
from tests.factories import load_small_city



@pytest.fixture(scope="module")
def server(tmp_path_factory, browser) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("care")
    url = f"sqlite:///{folder / 'small.sqlite'}"
    store = open_store(url)
    load_small_city(store)
    write(store, Actor.system("e2e"), lambda ctx: create_user(ctx, "grid11", "李网格", "grid_leader", "G11", PASSWORD))
    store.dispose()
    log = (folder / "streamlit.log").open("w+", encoding="utf-8")
    app, process = launch_app({"DATABASE_URL": url}, make_app_dir(folder / "app"), log)
    yield app, url
    stop_app(process)
    log.seek(0)
    print(log.read())
    log.close()


def test_grid_worker_records_a_delivery_on_the_phone(server, browser, tmp_path):
    app, db_url = server
    with offline_page(browser, 390, 844) as phone:
        sign_in(phone, f"{app}/care", "grid11")
        expect(phone.get_by_text("李四", exact=True)).to_be_visible(timeout=15_000)
        expect(phone.locator(".gw-care-row.gw-overdue")).to_have_count(1)
        phone.get_by_text("不见面送达", exact=True).click()
        phone.get_by_label("送达物品 / 探访情况").fill("米面油")
        phone.get_by_label("需求（如有）").fill("需要代购降压药")
        button = phone.get_by_role("button", name="记录送达")
        assert button.bounding_box()["height"] >= 44
        button.click()
        wait_for_app_run(phone)
        expect(phone.get_by_text("已记录：李四", exact=False)).to_be_visible(timeout=15_000)
        expect(phone.locator(".gw-care-row.gw-overdue")).to_have_count(0)
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390  # no horizontal scrolling
        phone.screenshot(path=str(tmp_path / "care-390.png"), full_page=True)
    store = open_store(db_url)
    with store.read() as s:
        rows = s.execute(text("SELECT kind, method, what, need, recorded_by FROM care_visits")).all()
    store.dispose()
    assert [tuple(r) for r in rows] == [("delivery", "contactless", "米面油", "需要代购降压药", "grid11")]
