"""/explore in Chromium: click polygons from the city down to a building, Back goes up one level at a time,
breadcrumb links and deep links open any unit, and a hostile name stays text (no alert, no element).

AppTest cannot click inside the folium map (tests/dashboard/test_pages.py covers the rest of the page).
"""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from geodata.exchange.bulk import upsert_layer
from geodata.store.db import open_store
from geodata.store.writes import Actor, write
from loaders.demo import generate
from loaders.demo_store import store_demo
from tests.e2e.conftest import MAP_FRAME, launch_app, ready_map_frame, sign_in_as, stop_app, wait_for_app_run
from tests.factories import building_frame, unit_frames

EVIL = "<img src=x onerror=alert(1)>"
PATH = ["420100", "420106", "420106001", "420106001001", "420106001001G01"]
NAMES = ["武汉市", "武昌区", "明山街道", "利楼社区", "利楼第1网格"]

# the container point of a feature's centre, to click it like a person would (the map draws on a canvas)
POINT_OF = """code => { let hit = null; window.map.eachLayer(l => {
    if (!hit && l.feature && l.feature.properties.code === code) hit = l; });
  const ll = hit.getLatLng ? hit.getLatLng() : hit.getBounds().getCenter();
  const p = window.map.latLngToContainerPoint(ll); return [p.x, p.y]; }"""
# true once the canvas would hit that feature at that point: right after a (re)draw, fitBounds and the frame's
# resize, Leaflet's pixel geometry lags for a moment and a click then falls through to the map
HITTABLE = """code => { let hit = null; window.map.eachLayer(l => {
    if (!hit && l.feature && l.feature.properties.code === code) hit = l; });
  if (!hit || !hit._map || window.map._animatingZoom) return false;
  const ll = hit.getLatLng ? hit.getLatLng() : hit.getBounds().getCenter();
  return hit._containsPoint(window.map.latLngToLayerPoint(ll)); }"""
FIRST_BUILDING = """() => { let code = null; window.map.eachLayer(l => {
    if (!code && l.feature && l.feature.properties.code && !l.feature.properties.level && l instanceof L.CircleMarker
        && !(l instanceof GW.Diamond)) code = l.feature.properties.code; }); return code; }"""


def _server(env: dict[str, str], log_dir) -> tuple[str, object, object]:
    log = (log_dir / "streamlit.log").open("w+", encoding="utf-8")
    url, process = launch_app(env, "dashboard/app.py", log)
    return url, process, log


DBS: dict[str, str] = {}  # app fixture → its database URL (to sign in against)


@pytest.fixture(scope="module")
def street_app(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("explore")
    db = f"sqlite:///{root / 'street.sqlite'}"
    DBS["street_app"] = db
    store = open_store(db)
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _msg: None)
    store.dispose()
    url, process, log = _server({"DATABASE_URL": db}, root)
    yield url
    stop_app(process)
    log.close()


@pytest.fixture(scope="module")
def evil_app(tmp_path_factory) -> Iterator[str]:
    """tests/factories.py's small city with a community and a building named like an HTML injection."""
    root = tmp_path_factory.mktemp("evil")
    db = f"sqlite:///{root / 'evil.sqlite'}"
    DBS["evil_app"] = db
    store = open_store(db)
    frames = unit_frames()
    frames["communities"].loc[frames["communities"]["code"] == "C1", "name"] = EVIL
    buildings = building_frame()
    buildings.loc[0, "name"] = EVIL  # G11K1B1

    def fill(ctx):
        for layer, frame in frames.items():
            upsert_layer(ctx, layer, frame, recompute=False)
        upsert_layer(ctx, "buildings", buildings)

    write(store, Actor.system("e2e"), fill)
    store.dispose()
    url, process, log = _server({"DATABASE_URL": db}, root)
    yield url
    stop_app(process)
    log.close()


@pytest.fixture
def no_dialogs(page):
    """Any alert/confirm/prompt is a failure: a name must never run as code."""
    fired: list[str] = []
    page.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
    yield page
    assert not fired, f"a dialog fired: {fired}"


# --- helpers -----------------------------------------------------------------------------------------------


def settle(page) -> None:
    wait_for_app_run(page)
    time.sleep(0.3)  # a rerun triggered by the last one (navigation) may start just after
    wait_for_app_run(page)


def map_frame(page):
    return ready_map_frame(page, "() => window.map && window.GW && Object.keys(window.map._layers).length > 3")


def point_at(page, code: str) -> tuple[float, float]:
    """Page coordinates of the feature `code`, once the map would answer a pointer there."""
    frame = map_frame(page)
    frame.wait_for_function(HITTABLE, arg=code, timeout=15_000)
    time.sleep(0.3)  # the frame may still be settling its height (Streamlit.setFrameHeight)
    frame.wait_for_function(HITTABLE, arg=code, timeout=15_000)
    # a map reaching below the window is scrolled into view by the click's own mousedown (seen: 55 px), and the
    # mouseup then lands on whatever is under the pointer after that: show it whole first
    page.locator(MAP_FRAME).evaluate("e => e.scrollIntoView({block: 'center'})")
    x, y = frame.evaluate(POINT_OF, code)
    box = page.locator(MAP_FRAME).bounding_box()
    for _ in range(50):  # the page may still be laying out around the map
        time.sleep(0.1)
        again = page.locator(MAP_FRAME).bounding_box()
        if again == box:
            break
        box = again
    return box["x"] + x, box["y"] + y


def click_feature(page, code: str) -> None:
    page.mouse.click(*point_at(page, code))


def crumbs(page) -> list[str]:
    return [t.strip() for t in page.locator(".st-key-breadcrumb").inner_text().split("›") if t.strip()]


def expect_unit(page, code: str, names: list[str]) -> None:
    """The page shows `code` (in the URL; the root may have none) with this breadcrumb."""
    if code != PATH[0]:
        page.wait_for_function(f"() => new URLSearchParams(location.search).get('code') === {code!r}",
                               timeout=15_000)
    settle(page)
    page.wait_for_function(
        "n => { const b = document.querySelector('.st-key-breadcrumb'); return b && "
        "b.innerText.split('›').map(s => s.trim()).filter(Boolean).join('|') === n; }",
        arg="|".join(names), timeout=15_000)
    assert crumbs(page) == names


# --- tests -------------------------------------------------------------------------------------------------


def test_drill_from_city_to_a_building_and_back(street_app, no_dialogs):
    page = no_dialogs
    sign_in_as(page, DBS["street_app"])
    page.goto(f"{street_app}/explore")
    settle(page)
    assert crumbs(page) == NAMES[:1]
    # one Leaflet map for the whole drill: each level swaps its layers in (no new frame, no reload of Leaflet)
    map_frame(page).evaluate("() => { window.map._gwSameMap = 'yes'; }")
    for depth in range(1, len(PATH)):
        click_feature(page, PATH[depth])
        expect_unit(page, PATH[depth], NAMES[: depth + 1])
    assert map_frame(page).evaluate("() => window.map._gwSameMap") == "yes", "the map was rebuilt by a drill"

    # grid level: buildings and checkpoints are drawn; a building opens its card
    frame = map_frame(page)
    frame.wait_for_function(FIRST_BUILDING)
    building = frame.evaluate(FIRST_BUILDING)
    assert frame.evaluate("() => { let n = 0; window.map.eachLayer(l => { if (l instanceof GW.Diamond) n++; }); "
                          "return n; }") > 0, "checkpoints drawn"
    click_feature(page, building)
    page.wait_for_function(f"() => location.search.includes('building={building}')", timeout=15_000)
    settle(page)
    card = page.locator("[data-card='building']")
    expect(card).to_be_visible()
    expect(card).to_contain_text(building)
    # the map rings the building the card is about (a ring that lets clicks through to it)
    map_frame(page).wait_for_function(
        """code => { let ring = null; window.map.eachLayer(l => { if (l.feature && l.feature.properties.code === code
            && l instanceof L.CircleMarker && !l.options.interactive) ring = l; }); return !!ring; }""", arg=building)
    expect(card).to_contain_text("楼栋长")
    assert len(crumbs(page)) == len(NAMES) + 1

    # Back: the card closes, then one level up per step, and no click replays itself
    page.go_back()
    expect_unit(page, PATH[-1], NAMES)
    expect(page.locator("[data-card='unit']")).to_be_visible()
    for depth in range(len(PATH) - 2, -1, -1):
        page.go_back()
        if depth == 0:
            page.wait_for_function("() => !new URLSearchParams(location.search).get('code')", timeout=15_000)
        expect_unit(page, PATH[depth], NAMES[: depth + 1])

    # the same district clicked again after coming back: a new click, so it drills again
    click_feature(page, PATH[1])
    expect_unit(page, PATH[1], NAMES[:2])


def test_deep_link_and_breadcrumb_links(street_app, no_dialogs):
    page = no_dialogs
    sign_in_as(page, DBS["street_app"])
    map_values: list[str] = []  # what the map sends the server (its value rides on a rerun request)
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: map_values.append(str(f))
                                          if "last_object_clicked_count" in str(f) else None))
    page.goto(f"{street_app}/explore?code={PATH[3]}")
    expect_unit(page, PATH[3], NAMES[:4])
    expect(page.locator("[data-card='unit']")).to_contain_text("社区书记")
    map_frame(page)
    time.sleep(1.0)  # streamlit-folium's 250 ms debounce, twice over
    # no click, no value: such a run carried the old query string and undid a crumb clicked meanwhile (CI)
    assert map_values == []
    # a crumb is a link: it goes up, and Back comes down again
    page.locator(".st-key-breadcrumb").get_by_role("link", name=NAMES[1]).first.click()
    expect_unit(page, PATH[1], NAMES[:2])
    page.go_back()
    expect_unit(page, PATH[3], NAMES[:4])


def open_grid(page, app: str):
    """The grid at the end of PATH, signed in, with its map frame once buildings are drawn."""
    sign_in_as(page, DBS["street_app"])
    page.goto(f"{app}/explore?code={PATH[-1]}")
    expect_unit(page, PATH[-1], NAMES)
    frame = map_frame(page)
    frame.wait_for_function(FIRST_BUILDING)
    return frame


FIRST_CHECKPOINT = """() => { let code = null; window.map.eachLayer(l => {
    if (!code && l instanceof GW.Diamond && l.feature) code = l.feature.properties.code; }); return code; }"""


def test_a_checkpoint_click_at_grid_level_opens_its_card(street_app, no_dialogs):
    """Checkpoints share the grid map with buildings: a click on one opens the checkpoint's card (it used to ask
    for a building of its code), and a building next to it still opens the building's."""
    page = no_dialogs
    frame = open_grid(page, street_app)
    frame.wait_for_function(FIRST_CHECKPOINT)
    checkpoint = frame.evaluate(FIRST_CHECKPOINT)
    click_feature(page, checkpoint)
    page.wait_for_function(f"() => location.search.includes('checkpoint={checkpoint}')", timeout=15_000)
    assert "building=" not in page.url and f"code={PATH[-1]}" in page.url
    card = page.locator("[data-card='checkpoint']")
    expect(card).to_contain_text(checkpoint, timeout=15_000)
    expect(card).to_contain_text("值守人数（标准）")
    expect(page.get_by_text("没有编码为")).to_have_count(0)  # "no building of that code in this unit"
    # a building next to it still opens its card
    building = frame.evaluate(FIRST_BUILDING)
    click_feature(page, building)
    page.wait_for_function(f"() => location.search.includes('building={building}')", timeout=15_000)
    assert "checkpoint=" not in page.url
    expect(page.locator("[data-card='building']")).to_contain_text(building, timeout=15_000)
    expect(page.locator("[data-card='checkpoint']")).to_have_count(0)


BUILDING_IN = """compound => { let code = null; window.map.eachLayer(l => {
    if (!code && l.feature && l.feature.properties.b && l.feature.properties.code.startsWith(compound))
        code = l.feature.properties.code; }); return code; }"""


def test_hovering_a_compound_leaves_its_buildings_on_top(street_app, no_dialogs):
    """A hovered polygon is raised so its outline shows whole; it must not be raised over the points in it,
    or the next click on a building inside it drills into the compound instead."""
    page = no_dialogs
    frame = open_grid(page, street_app)
    building = frame.evaluate(FIRST_BUILDING)
    compound = building[: len(PATH[-1]) + 3]  # its compound's code (grid code + Cnn)
    assert frame.evaluate(BUILDING_IN, compound) == building
    x, y = point_at(page, compound)  # the compound's centre: hovered, highlighted, raised
    tip = frame.locator(".gw-tip")
    for step in range(20):  # Leaflet's canvas looks at the pointer at most every 32 ms
        page.mouse.move(x + step % 2, y + step % 2)
        if tip.count() and compound in tip.inner_text():
            break
        time.sleep(0.1)
    expect(tip).to_contain_text(compound)
    bx, by = point_at(page, building)
    page.mouse.move(bx, by, steps=5)
    time.sleep(0.1)
    page.mouse.click(bx, by)
    page.wait_for_function(f"() => location.search.includes('building={building}')", timeout=15_000)
    assert f"code={PATH[-1]}" in page.url  # still the grid: the click did not drill into the compound


def test_hostile_name_is_text_in_tooltip_breadcrumb_and_card(evil_app, no_dialogs):
    page = no_dialogs
    sign_in_as(page, DBS["evil_app"])
    page.goto(f"{evil_app}/explore?code=S1")
    settle(page)
    x, y = point_at(page, "C1")
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y, steps=5)
    frame = map_frame(page)
    tip = frame.locator(".gw-tip")
    expect(tip).to_contain_text(EVIL)  # shown as characters
    assert frame.locator("img[src='x']").count() == 0

    page.mouse.click(x, y)  # drill into the hostile community
    expect_unit(page, "C1", ["测试市", "江岸区", "大智街道", EVIL])
    expect(page.locator("[data-card='unit'] .gw-card-t")).to_contain_text(EVIL)

    sign_in_as(page, DBS["evil_app"])

    page.goto(f"{evil_app}/explore?code=G11K1&building=G11K1B1")
    settle(page)
    expect(page.locator("[data-card='building'] .gw-card-t")).to_contain_text(EVIL)
    assert crumbs(page)[3] == EVIL and crumbs(page)[-1] == EVIL
    assert page.locator("img[src='x']").count() == 0


def test_chinese_search_filters_the_table_and_a_row_drills_down(street_app, no_dialogs):
    page = no_dialogs
    sign_in_as(page, DBS["street_app"])
    page.goto(f"{street_app}/explore?code={PATH[2]}")
    settle(page)
    table = page.locator("[data-testid='stDataFrame']")
    expect(table.locator("[role=row]")).to_have_count(1 + 8)  # header + the street's 8 communities
    page.get_by_role("searchbox", name="按名称或编码查找").fill("利楼")
    expect(table.locator("[role=row]")).to_have_count(1 + 1, timeout=10_000)
    settle(page)
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the selection cell of the only row
    expect_unit(page, PATH[3], NAMES[:4])
    page.go_back()
    expect_unit(page, PATH[2], NAMES[:3])
