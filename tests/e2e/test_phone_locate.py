"""The field roles' phone, issue 16, in Chromium at 390×844 with touch: "locate me" on the map centres it on the
device and rings its accuracy, and says why when the page is not secure; the KPI cards show all their text (the
note of 封锁/硬隔离 was cut off by 12 px). Nothing leaves this machine (the phone fixture blocks and fails it)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import offline_context
from tests.e2e.test_editing import PASSWORD
from tests.e2e.test_explore import map_frame
from tests.e2e.test_phone import PHONE, server, settle  # noqa: F401 — `server` is a fixture

#: each KPI card's text that reaches below its card (cut off: the card hides what overflows it)
CUT_OFF = """() => [...document.querySelectorAll('[class*="st-key-kpi-"]')].flatMap(card => {
    const box = card.getBoundingClientRect();
    return [...card.querySelectorAll('.gw-kpi > div')].filter(e => e.getBoundingClientRect().bottom > box.bottom + 0.5)
        .map(e => e.innerText); })"""


@pytest.fixture
def located(browser) -> Iterator:
    """A phone that may tell the page where it is (Playwright's own geolocation, set per test)."""
    with offline_context(browser, viewport=PHONE, has_touch=True, permissions=["geolocation"]) as context:
        yield context


def sign_in(page, url: str, path: str, user: str = "grid") -> None:
    page.goto(f"{url}{path}")
    settle(page)
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    settle(page)


def test_locate_me_centres_the_phone_map_on_the_device_and_says_when_it_cannot(server, located):
    page = located.new_page()
    sign_in(page, server, "/my-grid")
    page.locator('iframe[title="streamlit_folium.st_folium"]').scroll_into_view_if_needed(timeout=30_000)
    frame = map_frame(page)
    start = frame.evaluate("() => map.getCenter()")
    here = {"latitude": start["lat"] + 0.002, "longitude": start["lng"] + 0.003, "accuracy": 40}
    located.set_geolocation(here)

    button = frame.locator(".gw-locate-btn")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a thumb's target
    button.tap()
    frame.wait_for_function("""([lat, lng]) => { const c = map.getCenter();
        return Math.abs(c.lat - lat) < 1e-5 && Math.abs(c.lng - lng) < 1e-5; }""",
                            arg=[here["latitude"], here["longitude"]], timeout=15_000)
    expect(frame.locator(".gw-locate-dot")).to_have_count(1)  # the position, inside its accuracy circle
    expect(frame.locator(".gw-locate-msg")).to_contain_text("误差约 40 米")
    expect(frame.locator(".gw-locate-msg")).not_to_contain_text("Located")  # the page's language only
    assert frame.locator(".gw-locate-btn").get_attribute("title") == "定位我的位置"

    # over plain http (a phone on the intranet) the browser gives no position: the button says so
    frame.evaluate("() => Object.defineProperty(window, 'isSecureContext', {value: false, configurable: true})")
    button.tap()
    expect(frame.locator(".gw-locate-msg")).to_contain_text("https")
    expect(frame.locator(".gw-locate-msg")).to_be_visible()


def test_kpi_cards_show_all_their_text_on_a_phone(server, located):
    page = located.new_page()
    sign_in(page, server, "/explore")
    expect(page.locator(".st-key-kpi-locked_down .gw-kpi-note")).to_contain_text("疫点", timeout=30_000)
    assert page.evaluate(CUT_OFF) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") == PHONE["width"]
