"""A field map's own controls on a phone (issue 16 leftovers), in Chromium: at 390×844 with touch, /explore's zoom
buttons are 44-px thumb targets (Leaflet draws 30 px) and its legends — the checkpoint theme's, the buildings',
the checkpoints' — fold into one 图例 toggle instead of covering much of the map; on a desk the same map keeps
Leaflet's buttons and its legends open, whatever the width of the map's column."""
from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.test_explore import map_frame
from tests.e2e.test_phone import phone, server  # noqa: F401 — fixtures
from tests.e2e.test_phone_locate import sign_in

PATH = "/explore?theme=checkpoints"


def _box(locator) -> dict:
    return locator.bounding_box() or {"width": 0, "height": 0}


def test_explore_map_on_a_phone_has_thumb_sized_zoom_and_folded_legends(server, phone, browser):
    sign_in(phone, server, PATH)
    frame = map_frame(phone)
    for button in (".leaflet-control-zoom-in", ".leaflet-control-zoom-out"):
        # Leaflet draws its 30-px buttons first and the runtime enlarges them for touch: a box measured in
        # between (14×37 px once in CI) says nothing; wait up to 10 s for the thumb size, then measure
        try:
            frame.wait_for_function(
                "(sel) => { const b = document.querySelector(sel); if (!b) return false;"
                " const r = b.getBoundingClientRect(); return r.width >= 44 && r.height >= 44; }",
                arg=button, timeout=10_000)
        except PlaywrightTimeout:
            pass  # the assertion below says what size it stayed at
        box = _box(frame.locator(button))
        assert box["width"] >= 44 and box["height"] >= 44, (button, box)
    legends = frame.locator(".gw-legend")
    expect(legends.first).to_be_attached()
    assert legends.count() >= 2  # the theme's and the points' legends
    for i in range(legends.count()):
        expect(legends.nth(i)).to_be_hidden()
    fold = frame.locator(".gw-fold-btn")
    expect(fold).to_be_visible()
    assert _box(fold)["height"] >= 44
    expect(fold).to_contain_text("图例")
    fold.tap()
    for i in range(legends.count()):
        expect(legends.nth(i)).to_be_visible()
    expect(fold).to_have_attribute("aria-expanded", "true")
    fold.tap()
    expect(legends.first).to_be_hidden()

    desk = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    try:
        page = desk.new_page()
        sign_in(page, server, PATH)
        frame = map_frame(page)
        expect(frame.locator(".gw-legend").first).to_be_visible()
        expect(frame.locator(".gw-fold-btn")).to_be_hidden()
        expect(frame.locator(".gw-locate-btn")).to_be_hidden()
        assert _box(frame.locator(".leaflet-control-zoom-in"))["width"] < 44  # Leaflet's own, as before
    finally:
        desk.close()


def test_every_situation_count_of_the_kpi_card_shows_on_a_phone(server, phone):
    """On a 390-px phone the 社区疫情分级 card cut its last level off at its right edge (S2 "社区传播" went
    unseen): the counts wrap onto a second line instead, and every one lies inside the card."""
    sign_in(phone, server, "/explore", user="command")
    card = phone.locator('.gw-kpi[data-kpi="situation"]')
    expect(card).to_be_visible(timeout=30_000)
    cells = card.locator(".gw-kpi-cell")
    assert cells.count() >= 3, "the street demo's communities stand at three situation levels"
    frame = card.bounding_box()
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5, (i, box, frame)
