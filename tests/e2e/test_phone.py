"""The grid leader's phone (issue 16 point 1) in Chromium at 390×844 with touch: /my-grid opens on today's tasks
before the map; a health-check task opens its form with that person already picked, and recording it takes the
task off the list; a tapped building's card slides over the map as a bottom sheet, readable without scrolling;
nothing is wider than the screen and every tap target in view is at least 44 px high. The page may reach this
machine only."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import launch_app, offline_context, stop_app, wait_for_app_run
from tests.e2e.test_editing import PASSWORD, make_app_dir
from tests.e2e.test_explore import FIRST_BUILDING, map_frame, point_at
from geodata.store.db import open_store
from loaders.demo import generate
from loaders.demo_store import store_demo

PHONE = {"width": 390, "height": 844}
#: visible controls lower than a thumb: buttons, links, inputs (Streamlit's hidden helper links excluded)
SMALL_TARGETS = """() => [...document.querySelectorAll(
    '[data-testid=stMain] button, [data-testid=stMain] [data-testid=stPageLink] a, [data-testid=stMain] input')]
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.bottom > 0
    && r.top < innerHeight && r.height < 44; })
  .map(e => (e.innerText || e.getAttribute('aria-label') || e.tagName) + ' ' + Math.round(e.getBoundingClientRect().height))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("phone")
    url = f"sqlite:///{folder / 'street.sqlite'}"
    store = open_store(url)
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _msg: None)
    store.dispose()
    log = (folder / "streamlit.log").open("w+", encoding="utf-8")
    app, process = launch_app({"DATABASE_URL": url}, make_app_dir(folder / "app"), log)
    yield app
    stop_app(process)
    log.seek(0)
    print(log.read())
    log.close()


@pytest.fixture
def phone(browser) -> Iterator:
    with offline_context(browser, viewport=PHONE, has_touch=True) as context:
        yield context.new_page()


def settle(page) -> None:
    wait_for_app_run(page)
    time.sleep(0.3)
    wait_for_app_run(page)


def test_grid_leader_phone_tasks_first_health_check_and_building_sheet(server, phone):
    page = phone
    page.goto(f"{server}/my-grid")
    wait_for_app_run(page)
    page.get_by_label("用户名").fill("grid")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    settle(page)

    # the first screen: today's tasks, above the map, inside the screen's width, with thumb-sized targets
    heading = page.get_by_role("heading", name=re.compile(r"^今日待办（\d+）"))
    expect(heading).to_be_visible(timeout=30_000)
    first_task = page.locator("[class*='st-key-gw-task-0']")
    expect(first_task).to_be_visible()
    assert first_task.bounding_box()["y"] + first_task.bounding_box()["height"] <= PHONE["height"]
    the_map = page.locator('iframe[title="streamlit_folium.st_folium"]')
    the_map.wait_for(state="attached", timeout=30_000)
    map_box = the_map.bounding_box()
    assert map_box["y"] > first_task.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(SMALL_TARGETS) == []

    # a health check: its task opens the form with the person picked, by name
    task = page.locator("[class*='st-key-gw-task-']").filter(has_text="健康随访：").first
    name = task.locator(".gw-task-t").inner_text().split("健康随访：", 1)[1].strip()
    before = page.locator("[class*='st-key-gw-task-']").filter(has_text=f"健康随访：{name}").count()
    task.get_by_role("button", name="去办理").tap()
    settle(page)
    form = page.locator("[data-testid='stForm']").filter(has_text="登记每日健康随访")
    expect(form.get_by_role("combobox", name="隔离观察记录")).to_have_value(re.compile(f"^{name}（"))
    form.get_by_role("button", name="提交").tap()
    settle(page)
    expect(page.get_by_text("已保存。").first).to_be_visible(timeout=15_000)

    # back to today's list: that person's task is done for one of today's two checks — still listed, now 1/2
    page.goto(f"{server}/my-grid")
    settle(page)
    again = page.locator("[class*='st-key-gw-task-']").filter(has_text=f"健康随访：{name}")
    expect(again).to_have_count(before)
    expect(again.first).to_contain_text("1/2")

    # a building tapped on the map opens its card over the map, readable without scrolling
    frame = map_frame(page)
    code = frame.evaluate(FIRST_BUILDING)
    x, y = point_at(page, code)
    page.touchscreen.tap(x, y)
    settle(page)
    sheet = page.locator(".st-key-gw-sheet")
    expect(sheet).to_be_visible(timeout=15_000)
    expect(sheet).to_contain_text(code)
    box = sheet.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"] and box["width"] <= PHONE["width"]
    sheet.get_by_role("button", name="关闭").tap()
    settle(page)
    expect(page.locator(".st-key-gw-sheet")).to_have_count(0)
