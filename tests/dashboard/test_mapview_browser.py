"""dashboard.mapview in a real browser: a saved map page, Leaflet from the vendored copy, nothing else.

What only a browser can show: that a hostile name is *displayed* as text (no element, no alert), that the
map draws with every non-local request blocked, and that a click hands streamlit-folium the feature's
code the way its frontend reads it (`e.layer.toGeoJSON()` on the propagated click). Skips without Debian
Chromium, the playwright package or `make assets`.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.mapview import (
    base_map,
    building_layer,
    checkpoint_layer,
    control_state_styles,
    legend,
    situation_theme,
    unit_layer,
)
from tests.dashboard.test_mapview import (
    EVIL,
    SCHEME,
    buildings_frame,
    checkpoints_frame,
    outline_frame,
    units_frame,
)

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
PlaywrightTimeout = playwright.TimeoutError

REPO = Path(__file__).resolve().parents[2]
LEAFLET = REPO / "dashboard" / "static" / "vendor" / "leaflet"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (make system)"),
    pytest.mark.skipif(not (LEAFLET / "leaflet.js").exists(), reason="needs vendored Leaflet (make assets)"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server whose /app/static/vendor/leaflet/ is the vendored Leaflet, like Streamlit's."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(LEAFLET, root / "app" / "static" / "vendor" / "leaflet")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def map_page(site, browser):
    """The full wall map (outline, units, buildings, checkpoints, legends) with hostile names in it."""
    import folium

    from dashboard.offline_assets import use_local_assets

    saved = folium.Map.default_js, folium.Map.default_css
    use_local_assets()
    try:
        units = units_frame(400, seed=7)
        units.loc[0, "name"] = EVIL
        buildings = buildings_frame(300)
        buildings.loc[0, "name"] = EVIL
        outline = outline_frame()
        m = base_map(units.total_bounds, tile_url=None, tile_attr="", dark=True, outline=outline)
        theme = situation_theme(units, SCHEME)
        unit_layer(units, theme).add_to(m)
        building_layer(buildings).add_to(m)
        checkpoint_layer(checkpoints_frame(100)).add_to(m)
        legend(theme.legend, theme.title).add_to(m)
        legend(control_state_styles().legend, "楼栋", position="bottomright").add_to(m)
        html = m.get_root().render()
    finally:
        folium.Map.default_js, folium.Map.default_css = saved
    url, root = site
    (root / "map.html").write_text(html, encoding="utf-8")

    page = browser.new_page(viewport={"width": 1600, "height": 900})
    seen = {"blocked": [], "errors": [], "dialogs": []}
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))

    def route(r):
        if r.request.url.startswith("http://127.0.0.1"):
            r.continue_()
        else:
            seen["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(f"{url}/map.html")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function("Object.keys(window).some(k => k.startsWith('map_'))")
    page.evaluate("void (window.__map = window[Object.keys(window).find(k => k.startsWith('map_'))])")
    # what streamlit-folium's frontend does on load: a click handler on every layer of the map
    page.evaluate("""Object.values(__map._layers).forEach(l => l.on && l.on('click', e => {
        if (e.layer && e.layer.toGeoJSON) window.__lastActiveDrawing = e.layer.toGeoJSON(); }))""")
    yield page, seen
    page.close()


def _screen_point(page, code: str) -> list[float]:
    """Zoom to the feature with `code` and return a point inside it, in page pixels."""
    return page.evaluate(
        """code => { let hit = null;
            __map.eachLayer(l => { if (!hit && l.feature && l.feature.properties.code === code) hit = l; });
            __map.fitBounds(hit.getBounds(), {animate: false, maxZoom: 14});
            const c = __map.latLngToContainerPoint(hit.getCenter());
            const r = __map.getContainer().getBoundingClientRect();
            return [r.left + c.x, r.top + c.y]; }""",
        code,
    )


def test_map_draws_offline_without_errors(map_page):
    page, seen = map_page
    assert seen["blocked"] == [] and seen["errors"] == []
    assert page.locator(".gw-legend").count() == 2
    assert page.locator(".leaflet-tooltip.gw-label").count() > 0  # district/street names for orientation
    assert page.evaluate("Object.values(__map._layers).filter(l => l instanceof GW.Diamond).length") == 100


def test_hostile_name_is_shown_as_text(map_page):
    page, seen = map_page
    x, y = _screen_point(page, "3104000000")
    tip = page.locator(".leaflet-tooltip.gw-tip")
    for step in range(20):  # Leaflet's canvas checks the pointer at most every 32 ms: move until it has looked
        page.mouse.move(x + step % 2, y + step % 2)
        if tip.count():
            break
        page.wait_for_timeout(100)
    tip.wait_for(timeout=2_000)
    assert EVIL in tip.inner_text()
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.locator(".leaflet-container img[src=x]").count() == 0
    assert seen["dialogs"] == []


def test_click_reports_the_feature_code_like_streamlit_folium(map_page):
    page, _ = map_page
    x, y = _screen_point(page, "3104000005")
    for _ in range(3):  # a click the busy renderer took as the end of a drag is ignored by Leaflet: click again
        page.mouse.click(x, y)
        try:
            page.wait_for_function("() => !!window.__lastActiveDrawing", timeout=2_000)
            break
        except PlaywrightTimeout:
            continue
    drawing = page.evaluate("window.__lastActiveDrawing")
    assert drawing["properties"]["code"] == "3104000005"
    assert drawing["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_a_click_is_sent_at_once_and_only_once(map_page):
    """GW.sendClick sends what streamlit-folium's debounced update would send 250 ms later, right after its
    click handler ran, and marks it sent (the debounced call then finds nothing new); a map that also asks
    for pans and zooms is left to the debounce."""
    page, _ = map_page
    page.evaluate("""() => {
        window.__sent = [];
        window.Streamlit = {setComponentValue: v => window.__sent.push(JSON.parse(JSON.stringify(v)))};
        window.__GLOBAL_DATA__ = {returned_objects: ['last_object_clicked_count', 'last_active_drawing'],
                                  previous_data: {}, last_object_clicked_count: 0, last_active_drawing: null};
        // streamlit-folium's onLayerClick, registered after ours as in its frontend
        Object.values(__map._layers).forEach(l => l.feature === undefined && l.on && l.on('click', e => {
            const g = window.__GLOBAL_DATA__;
            if (e.layer && e.layer.toGeoJSON) g.last_active_drawing = e.layer.toGeoJSON();
            g.last_object_clicked_count += 1; }));
    }""")
    counts = []
    for n, code in enumerate(["3104000005", "3104000005"], start=1):
        x, y = _screen_point(page, code)
        page.mouse.click(x, y)
        page.wait_for_function(f"() => window.__sent.length >= {n}", timeout=200)  # not 250 ms later
        sent = page.evaluate("window.__sent")[-1]
        assert list(sent) == ["last_object_clicked_count", "last_active_drawing"]  # its key order
        assert sent["last_active_drawing"]["properties"]["code"] == code
        counts.append(sent["last_object_clicked_count"])
    assert counts[1] > counts[0] > 0  # the same feature twice is two clicks, two values
    assert page.evaluate("() => { GW.sendClick(); return window.__sent.length; }") == 2  # nothing new: not sent
    page.evaluate("() => { window.__GLOBAL_DATA__.returned_objects.push('bounds'); "
                  "window.__GLOBAL_DATA__.last_object_clicked_count += 1; GW.sendClick(); }")
    assert page.evaluate("window.__sent.length") == 2


def test_a_map_with_no_click_sends_nothing(map_page):
    """streamlit-folium's default says `last_object_clicked_count: None`; its first update after the map moves
    would send `0` and start a script run nobody asked for (which undid a breadcrumb click made meanwhile).
    GW.quietStart records the click-free value as sent; the first real click is still sent."""
    page, _ = map_page
    page.evaluate("""() => {
        window.__sent = [];
        window.Streamlit = {setComponentValue: v => window.__sent.push(v)};
        window.__GLOBAL_DATA__ = {returned_objects: ['last_object_clicked_count', 'last_active_drawing'],
                                  previous_data: {last_object_clicked_count: null, last_active_drawing: null},
                                  last_object_clicked_count: 0, last_active_drawing: null};
    }""")
    assert page.evaluate("() => { GW.sendClick(); return window.__sent.length; }") == 1  # what happened before
    page.evaluate("() => { window.__sent = []; window.__GLOBAL_DATA__.previous_data = "
                  "{last_object_clicked_count: null, last_active_drawing: null}; }")
    assert page.evaluate("() => { GW.quietStart(); GW.sendClick(); return window.__sent.length; }") == 0
    page.evaluate("() => { window.__GLOBAL_DATA__.last_object_clicked_count = 1; GW.sendClick(); }")
    assert page.evaluate("window.__sent") == [{"last_object_clicked_count": 1, "last_active_drawing": None}]
    page.evaluate("() => { window.__GLOBAL_DATA__.returned_objects = ['bounds']; "
                  "window.__GLOBAL_DATA__.previous_data = {}; GW.quietStart(); }")
    assert page.evaluate("window.__GLOBAL_DATA__.previous_data") == {}  # a map asking for pans is left alone
    # the map editors ask for clicks on the bare map too: streamlit-folium puts `last_clicked` first
    page.evaluate("() => { Object.assign(window.__GLOBAL_DATA__, {returned_objects: ['last_clicked', "
                  "'last_active_drawing'], lat_lng_clicked: null, last_object_clicked_count: 0, previous_data: {}}); "
                  "GW.quietStart(); }")
    assert page.evaluate("JSON.stringify(window.__GLOBAL_DATA__.previous_data)") == \
        '{"last_clicked":null,"last_active_drawing":null}'
    page.evaluate("() => { Object.assign(window.__GLOBAL_DATA__, {returned_objects: ['last_clicked'], "
                  "previous_data: {}}); GW.quietStart(); }")
    assert page.evaluate("JSON.stringify(window.__GLOBAL_DATA__.previous_data)") == '{"last_clicked":null}'
    page.evaluate("() => { Object.assign(window.__GLOBAL_DATA__, {lat_lng_clicked: {lat: 30, lng: 114}, "
                  "previous_data: {}}); GW.quietStart(); }")
    assert page.evaluate("window.__GLOBAL_DATA__.previous_data") == {}  # a click happened: not click-free


@pytest.mark.parametrize("edge,code", [("bottom", "3104000005"), ("top", "3104000006")])
def test_a_tooltip_at_the_maps_edge_stays_inside_it(map_page, edge, code):
    """Leaflet centres a side tooltip on the pointer's height: a unit's card hovered near the bottom or top
    edge was cut off by the frame. GW.Tip moves it back inside."""
    page, _ = map_page
    _screen_point(page, code)  # zoomed to that unit, its centre in the middle of the map
    shift = "-(__map.getSize().y / 2 - 12)" if edge == "bottom" else "(__map.getSize().y / 2 - 12)"
    page.evaluate(f"() => {{ __map.panBy([0, {shift}], {{animate: false}}); }}")
    x, y = page.evaluate("""code => { let hit = null; __map.eachLayer(l => {
        if (!hit && l.feature && l.feature.properties.code === code) hit = l; });
        const c = __map.latLngToContainerPoint(hit.getCenter()), r = __map.getContainer().getBoundingClientRect();
        return [r.left + c.x, r.top + c.y]; }""", code)
    tip = page.locator(".leaflet-tooltip.gw-tip")
    for step in range(20):  # Leaflet's canvas looks at the pointer at most every 32 ms
        page.mouse.move(x + step % 2, y)
        if tip.count() and code in tip.inner_text():
            break
        page.wait_for_timeout(100)
    expect(tip).to_contain_text(code)
    box = tip.bounding_box()
    frame = page.locator(".leaflet-container").bounding_box()
    assert box["height"] > 60  # a card of several rows: centred on the pointer it would have crossed the edge
    assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
    # a legend (a control: above every pane) under the card fades, the others do not
    assert page.evaluate(FADED_AS_COVERED)


FADED_AS_COVERED = """() => { const t = document.querySelector('.gw-tip').getBoundingClientRect();
    return [...document.querySelectorAll('.gw-legend')].every(l => { const b = l.getBoundingClientRect();
        const over = b.left < t.right && t.left < b.right && b.top < t.bottom && t.top < b.bottom;
        return over === l.classList.contains('gw-under-tip'); }); }"""


def test_a_tooltip_on_a_narrow_map_stays_inside_it_sideways(map_page):
    """Left of the centre Leaflet puts the tooltip on the right, even where the map (the /explore column,
    ~760 px) has no room for a 400-px card: it then goes on the left, or as far as it fits."""
    page, _ = map_page
    page.set_viewport_size({"width": 760, "height": 900})
    try:
        page.evaluate("() => { __map.invalidateSize({animate: false}); }")
        _screen_point(page, "3104000007")
        # its centre 330 px from the left, 60 px from the bottom (where the card meets a legend)
        page.evaluate("() => { const s = __map.getSize(); __map.panBy([s.x / 2 - 330, -(s.y / 2 - 60)], "
                      "{animate: false}); }")
        x, y = page.evaluate("""code => { let hit = null; __map.eachLayer(l => {
            if (!hit && l.feature && l.feature.properties.code === code) hit = l; });
            const c = __map.latLngToContainerPoint(hit.getCenter()), r = __map.getContainer().getBoundingClientRect();
            return [r.left + c.x, r.top + c.y]; }""", "3104000007")
        assert 300 < x < 380  # left of the centre, with less room on the right than the card is wide
        tip = page.locator(".leaflet-tooltip.gw-tip")
        for step in range(20):
            page.mouse.move(x, y + step % 2)
            if tip.count() and "3104000007" in tip.inner_text():
                break
            page.wait_for_timeout(100)
        expect(tip).to_contain_text("3104000007")
        box, frame = tip.bounding_box(), page.locator(".leaflet-container").bounding_box()
        right = frame["x"] + frame["width"]
        assert box["width"] > right - x  # it would not have fitted on the right
        assert frame["x"] <= box["x"] and box["x"] + box["width"] <= right
        assert page.evaluate(FADED_AS_COVERED)
        assert page.locator(".gw-legend.gw-under-tip").count() > 0  # on a map this narrow the card covers one
        # off every unit: the card closes, the legends come back. Leaflet's canvas drops a pointer move that
        # comes within 32 ms of the last one it handled, so (as a hand would) the pointer keeps moving a little
        for step in range(20):
            page.mouse.move(1 + step % 2, 1)
            if tip.count() == 0:
                break
            page.wait_for_timeout(100)
        expect(page.locator(".gw-legend.gw-under-tip")).to_have_count(0)
    finally:
        page.set_viewport_size({"width": 1600, "height": 900})
        page.evaluate("() => { __map.invalidateSize({animate: false}); }")
