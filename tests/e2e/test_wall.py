"""/wall in Chromium: a kiosk boots straight into it, the map is drawn offline, a theme switch and the timer's
refresh update the map in place (same Leaflet map, same view) and show new figures.

The street demo city is built once for the module; every test's page may reach this machine only (the
`page` fixture of conftest.py fails a test that tried anything else).
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pandas as pd
import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from geodata.base.vocab import Level
from geodata.exchange.bulk import upsert_layer
from geodata.reporting import figures
from geodata.reporting.selection import field_figures, units_behind, with_figures
from geodata.store.db import open_store
from geodata.store.writes import Actor, write
from loaders.demo import generate
from loaders.demo_store import store_demo
from tests.e2e.conftest import launch_app, offline_page, ready_map_frame, sign_in_as, stop_app, wait_for_app_run

REFRESH_S = 2
COMMUNITIES = 8  # street demo

# counts what a canvas map cannot show in the DOM: the community polygons Leaflet holds
COUNT_UNITS = "() => { let n = 0; window.map.eachLayer(l => { if (l.feature && l.feature.properties.level === 4) n++; }); return n; }"
LEGEND_TITLE = "() => (document.querySelector('.gw-legend .gw-h') || {}).textContent"


@pytest.fixture(scope="module")
def street_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('wall') / 'street.sqlite'}"
    store = open_store(url)
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _msg: None)
    store.dispose()
    return url


@pytest.fixture(scope="module")
def wall_server(street_url, tmp_path_factory) -> Iterator[str]:
    """One app for the refresh/theme tests, refreshing every REFRESH_S seconds."""
    log = (tmp_path_factory.mktemp("wall-log") / "streamlit.log").open("w+", encoding="utf-8")
    url, process = launch_app({"DATABASE_URL": street_url, "WALL_REFRESH_SECONDS": str(REFRESH_S)},
                              "dashboard/app.py", log)
    yield url
    stop_app(process)
    log.close()


def map_frame(page):
    return ready_map_frame(page)


def css_px(page, selector: str, prop: str = "font-size") -> float:
    return page.eval_on_selector(selector, f"e => parseFloat(getComputedStyle(e)['{prop}'])")


def test_kiosk_wall_boots_into_wall_without_chrome(start_app, street_url, page):
    # the very first request of a fresh server is the kiosk URL (a wall PC after a restart)
    url, _ = start_app({"DATABASE_URL": street_url})
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in_as(page, street_url)
    page.goto(f"{url}/wall?kiosk=1")
    wait_for_app_run(page)
    frame = map_frame(page)
    frame.wait_for_function(f"{COUNT_UNITS.replace('return n;', 'return n === ' + str(COMMUNITIES) + ';')}")

    assert page.url.endswith("/wall?kiosk=1")
    for chrome in ("stSidebar", "stHeader", "stToolbar", "stSidebarCollapsedControl", "stExpandSidebarButton",
                   "stMainMenu", "stStatusWidget"):
        expect(page.locator(f"[data-testid='{chrome}']")).not_to_be_visible()
    expect(page.locator("[data-testid='stNavSectionHeader'], [data-testid='stTopNavLinkContainer']")).to_have_count(0)
    # readable from three metres
    expect(page.locator("[data-kpi='cases_7d']")).to_be_visible()
    assert css_px(page, "[data-kpi='cases_7d'] .gw-kpi-value") >= 48
    assert css_px(page, "[data-kpi='cases_7d'] .gw-kpi-label") >= 20
    # the map: Leaflet served from this app, district/street outlines labelled, a legend
    assert frame.evaluate("L.version") == "1.9.3"
    assert frame.evaluate(COUNT_UNITS) == COMMUNITIES
    assert frame.locator(".gw-label-lg").count() >= 1
    assert frame.evaluate(LEGEND_TITLE)
    # labels sit on the map, not half a map to the left (leaflet.css arriving after the script)
    frame.wait_for_function("""() => [...document.querySelectorAll('.gw-label')].every(e => {
        const r = e.getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth; })""", timeout=5_000)


def test_english_kpi_labels_are_whole_and_the_numbers_line_up(wall_server, street_url, page):
    """"Under-staffed checkpoints" is four times as long as 缺岗卡点: cut to "Under-staffe…" it said nothing."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in_as(page, street_url)
    page.goto(f"{wall_server}/wall?kiosk=1&lang=en")
    wait_for_app_run(page)
    expect(page.locator("[data-kpi='checkpoints_understaffed']")).to_be_visible()
    # no ellipsis: nothing wider than its box (a label may take two lines, and its box grows with it)
    labels = page.eval_on_selector_all(".gw-kpi-label, .gw-kpi-cell-label",
                                       "els => els.map(e => [e.innerText, e.scrollWidth <= e.clientWidth + 1])")
    assert len(labels) >= 8 and any(len(text) > 20 for text, _ in labels)
    assert [text for text, whole in labels if not whole] == []
    tops = page.eval_on_selector_all(".st-key-wall-kpis .gw-kpi-value",
                                     "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert max(tops) - min(tops) <= 2, tops


def test_at_a_desk_no_wall_label_is_cut(wall_server, street_url, page):
    """/wall without kiosk keeps the sidebar, so its cards are narrower than on the wall: 今日新增病例 was cut to
    "今日新增…". A label wraps instead."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in_as(page, street_url)
    page.goto(f"{wall_server}/wall")
    wait_for_app_run(page)
    expect(page.locator("[data-kpi='new_cases_today']")).to_be_visible()
    cut = page.eval_on_selector_all(".gw-kpi-label, .gw-kpi-cell-label",
                                    "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)")
    assert cut == []


def test_kiosk_wall_fits_1080p_and_a_kpi_click_highlights_its_units(wall_server, street_url, page):
    """Issue 16: nothing below the screen at 1920×1080 (the field-work figures beside the map, not under it),
    no label cut, and 封锁/硬隔离 clicked rings the communities geodata counts behind it; clicked again, none."""
    with open_store(street_url, migrate=False).read() as s:
        communities = figures.units_with_figures(s, figures.root_unit(s), int(Level.COMMUNITY), dt.date.today())
    sealed = set(units_behind(communities, "locked_down")["code"])
    assert 0 < len(sealed) < COMMUNITIES  # the street demo seals some communities, not all
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in_as(page, street_url)
    page.goto(f"{wall_server}/wall?kiosk=1")
    wait_for_app_run(page)
    frame = map_frame(page)
    frame.wait_for_function(COUNT_UNITS.replace("return n;", f"return n === {COMMUNITIES};"))
    expect(page.locator(".st-key-wall-field [data-kpi='events_open']")).to_be_visible()  # beside the map

    # the page sizes the stage to what is left of the screen: the map and the side column end on it
    page.wait_for_function("() => document.documentElement.style.getPropertyValue('--gw-stage-h') !== ''")
    fit = page.evaluate("""() => {
        const main = document.querySelector('[data-testid=stMain]');
        const bottom = s => document.querySelector(s).getBoundingClientRect().bottom;
        return {scroll: Math.max(main.scrollHeight - main.clientHeight,
                                 document.scrollingElement.scrollHeight - innerHeight),
                map: bottom('.st-key-wall-mapbox iframe'), side: bottom('.st-key-wall-side'),
                mapTop: document.querySelector('.st-key-wall-mapbox iframe').getBoundingClientRect().top}; }""")
    assert fit["scroll"] <= 1, fit
    assert 1000 <= fit["map"] <= 1080 and fit["side"] <= 1080, fit
    assert fit["map"] - fit["mapTop"] >= 600, fit  # the map keeps most of the screen
    cut = page.eval_on_selector_all(".gw-kpi-label, .gw-kpi-cell-label",
                                    "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)")
    assert cut == []

    count_hl = ("() => { const s = []; window.map.eachLayer(l => { if (l.feature && l.feature.properties.hl) "
                "s.push(l.feature.properties.code); }); return s; }")
    assert frame.evaluate(count_hl) == []
    page.locator(".st-key-wallkpi-locked_down button").click()
    frame.wait_for_function(f"() => ({count_hl})().length === {len(sealed)}", timeout=15_000)
    assert set(frame.evaluate(count_hl)) == sealed
    expect(page.locator(".gw-kpi-on [data-kpi='locked_down']")).to_have_count(1)
    assert frame.evaluate(COUNT_UNITS) == COMMUNITIES  # drawn over the units, which stay
    page.locator(".st-key-wallkpi-locked_down button").click()
    frame.wait_for_function(f"() => ({count_hl})().length === 0", timeout=15_000)


def test_theme_switch_changes_the_legend_and_keeps_the_map(wall_server, street_url, page):
    sign_in_as(page, street_url)
    page.goto(f"{wall_server}/wall")
    wait_for_app_run(page)
    frame = map_frame(page)
    frame.wait_for_function(LEGEND_TITLE)
    assert frame.evaluate(LEGEND_TITLE) == "疫情形势"
    frame.evaluate("() => { window.__sameMap = true; window.map.setZoom(window.map.getZoom() + 1, {animate: false}); }")
    zoom = frame.evaluate("window.map.getZoom()")

    page.locator("[data-testid='stExpandSidebarButton']").click()
    page.locator("[data-testid='stSidebar']").get_by_role("radio", name="卡点值守").click()
    frame.wait_for_function("() => document.querySelector('.gw-legend .gw-h').textContent === '卡点值守'",
                            timeout=15_000)
    assert "theme=checkpoints" in page.url
    # same document (no reload, no flicker), same view
    assert frame.evaluate("window.__sameMap === true")
    assert frame.evaluate("window.map.getZoom()") == zoom
    assert frame.evaluate(COUNT_UNITS) == COMMUNITIES


def test_refresh_shows_a_new_case_and_keeps_the_view(wall_server, street_url, page):
    sign_in_as(page, street_url)
    page.goto(f"{wall_server}/wall?kiosk=1")
    wait_for_app_run(page)
    frame = map_frame(page)
    frame.wait_for_function(COUNT_UNITS.replace("return n;", f"return n === {COMMUNITIES};"))
    frame.evaluate("() => { window.__sameMap = true; window.map.setView([30.556, 114.312], 16.5, {animate: false}); }")
    view = frame.evaluate("() => [window.map.getZoom(), window.map.getCenter().lat, window.map.getCenter().lng]")
    before = int(page.locator("[data-kpi='new_cases_today'] .gw-kpi-value").inner_text().replace(",", ""))

    store = open_store(street_url, migrate=False)
    with store.read() as s:
        person = s.execute(text("SELECT code FROM persons ORDER BY code LIMIT 1")).scalar_one()
    write(store, Actor.system("e2e"), lambda ctx: upsert_layer(ctx, "cases", pd.DataFrame([
        {"code": "E2E-CASE-1", "kind": "confirmed", "reported_on": dt.date.today(), "person_code": person}])))
    store.dispose()

    expect(page.locator("[data-kpi='new_cases_today'] .gw-kpi-value")).to_have_text(str(before + 1),
                                                                                   timeout=REFRESH_S * 5000)
    time.sleep(REFRESH_S + 1)  # and one more quiet refresh
    assert frame.evaluate("window.__sameMap === true"), "the map was reloaded"
    assert frame.evaluate(
        "() => [window.map.getZoom(), window.map.getCenter().lat, window.map.getCenter().lng]") == view
    assert frame.evaluate(COUNT_UNITS) == COMMUNITIES


def test_wall_says_so_when_the_server_is_down_with_the_last_update_time(start_app, street_url, page):
    # issue 16: a wall left on all day must not show "实时" beside numbers that stopped when the server did
    url, process = start_app({"DATABASE_URL": street_url, "WALL_REFRESH_SECONDS": str(REFRESH_S)})
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in_as(page, street_url)
    page.goto(f"{url}/wall?kiosk=1")
    wait_for_app_run(page)
    stamp = page.locator("[data-gw-updated]")
    expect(stamp).to_have_count(1)
    expect(page.locator(".gw-live")).to_be_visible()
    time.sleep(3 * REFRESH_S)  # refreshes come and go: no banner while the server answers
    expect(page.locator("#gw-stale-banner")).to_have_count(0)

    stop_app(process)
    banner = page.locator("#gw-stale-banner")
    expect(banner).to_be_visible(timeout=20_000)
    # read once the server is gone: a refresh in flight while it stopped may still have landed (CI: 01:34:49 read,
    # then the 01:34:50 run arrived and the banner rightly named it)
    last = stamp.get_attribute("data-gw-time")
    expect(banner).to_contain_text("连接已中断")
    expect(banner).to_contain_text(last)
    expect(page.locator(".gw-live")).to_be_hidden()
    box = banner.bounding_box()
    assert box is not None and box["y"] == 0 and box["width"] == 1920, "across the top of the screen"


WALL_FIT = """() => {
    const main = document.querySelector('[data-testid=stMain]');
    const box = s => document.querySelector(s).getBoundingClientRect();
    return {scroll: Math.max(main.scrollHeight - main.clientHeight,
                             document.scrollingElement.scrollHeight - innerHeight),
            map: box('.st-key-wall-mapbox iframe').bottom, side: box('.st-key-wall-side').bottom,
            mapTop: box('.st-key-wall-mapbox iframe').top,
            cut: [...document.querySelectorAll('.gw-kpi-label, .gw-kpi-cell-label')]
                 .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)}; }"""
#: how much of the map the city's box fills along its tighter side (fitBounds at quarter zoom steps: ≥ 2^-0.25)
CITY_FILL = """b => { const p = (lat, lng) => map.latLngToContainerPoint([lat, lng]);
    const sw = p(b[1], b[0]), ne = p(b[3], b[2]), c = map.getContainer();
    return Math.max((ne.x - sw.x) / c.clientWidth, (sw.y - ne.y) / c.clientHeight); }"""


def _wall_fits(page, height: int) -> None:
    """Nothing below the screen, the map and side column end on it, no label cut (issue 16)."""
    page.wait_for_function("() => document.documentElement.style.getPropertyValue('--gw-stage-h') !== ''")
    fit = page.evaluate(WALL_FIT)
    assert fit["scroll"] <= 1, fit
    assert height - 80 <= fit["map"] <= height and fit["side"] <= height, fit
    assert fit["cut"] == [], fit


def test_kiosk_wall_fills_a_4k_screen_and_a_field_card_click_highlights_its_units(wall_server, street_url, page,
                                                                                   browser):
    """Issue 16 at 3840×2160: the same picture as on 1080 p, twice as large (numbers, labels, the city filling
    the map — not the 1080-p map's zoom in a corner), and 办理中事件 clicked rings the communities geodata counts
    behind it. Then a 4K TV at 200 % (1920×1080 CSS px, 2 device px each) fits too."""
    on = dt.date.today()
    with open_store(street_url, migrate=False).read() as s:
        root = figures.root_unit(s)
        communities = figures.units_with_figures(s, root, int(Level.COMMUNITY), on)
        behind = units_behind(with_figures(communities, field_figures(s, communities, root.path, on)),
                              "events_open")
    city = [float(b) for b in communities.total_bounds]
    assert 0 < len(behind) < COMMUNITIES  # the street demo has open events in some communities, not all

    page.set_viewport_size({"width": 3840, "height": 2160})
    sign_in_as(page, street_url)
    page.goto(f"{wall_server}/wall?kiosk=1")
    wait_for_app_run(page)
    frame = map_frame(page)
    frame.wait_for_function(COUNT_UNITS.replace("return n;", f"return n === {COMMUNITIES};"))
    _wall_fits(page, 2160)
    # readable from three metres on a 4K wall: the 1080-p sizes (48-px numbers, 20-px labels) doubled, or nearly
    assert css_px(page, "[data-kpi='cases_7d'] .gw-kpi-value") >= 96
    assert css_px(page, "[data-kpi='cases_7d'] .gw-kpi-label") >= 40
    assert css_px(page, ".st-key-wall-field [data-kpi='events_open'] .gw-kpi-value") >= 64
    assert float(frame.evaluate("document.documentElement.getAttribute('data-gw-label-scale')")) >= 2.1  # 1080 p: 1.15
    frame.wait_for_function(f"b => ({CITY_FILL})(b) >= 0.8", arg=city, timeout=10_000)

    count_hl = ("() => { const s = []; window.map.eachLayer(l => { if (l.feature && l.feature.properties.hl) "
                "s.push(l.feature.properties.code); }); return s; }")
    page.locator(".st-key-hl-events_open button").click()
    frame.wait_for_function(f"() => ({count_hl})().length === {len(behind)}", timeout=15_000)
    assert set(frame.evaluate(count_hl)) == set(behind["code"])
    assert frame.evaluate(LEGEND_TITLE).startswith("地图高亮")
    ring = page.eval_on_selector(".st-key-wall-field [data-kpi='events_open']",
                                 "e => getComputedStyle(e).borderTopColor")
    assert ring == "rgb(0, 229, 255)", ring  # the clicked card is ringed like the strip's
    page.locator(".st-key-hl-events_open button").click()
    frame.wait_for_function(f"() => ({count_hl})().length === 0", timeout=15_000)

    with offline_page(browser, 1920, 1080, scale=2) as tv:
        sign_in_as(tv, street_url)
        tv.goto(f"{wall_server}/wall?kiosk=1")
        wait_for_app_run(tv)
        tv_frame = map_frame(tv)
        tv_frame.wait_for_function(COUNT_UNITS.replace("return n;", f"return n === {COMMUNITIES};"))
        _wall_fits(tv, 1080)
        assert tv.evaluate("devicePixelRatio") == 2
        tv_frame.wait_for_function(f"b => ({CITY_FILL})(b) >= 0.8", arg=city, timeout=10_000)
