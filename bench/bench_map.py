"""The map in a real browser at each demo scale: first paint of /wall, payload, drill-down, server memory.

For each scale it starts the real app (`dashboard/app.py`) on a loopback port against a demo database (made
once under bench/out/), plus two reference pages on the same data and machine:
- *floor*: a bare Streamlit page showing a single folium polygon (Streamlit's own start-up cost);
- *plain*: a plain streamlit-folium page drawing every grid and every building as one GeoJSON layer (what
  a naive implementation does).
Each measurement uses a new browser context (empty cache), headless Debian Chromium, every non-loopback
request aborted. "Painted" = the map's Leaflet object holds at least one drawn feature.

    python -m bench map                  # street district city
    python -m bench.bench_map street     # one scale
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SCALES = ("street", "district", "city")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PLAIN_TIMEOUT_S = 120

FLOOR_PAGE = """
import folium, streamlit as st
from streamlit_folium import st_folium
from dashboard.offline_assets import use_local_assets
use_local_assets()
m = folium.Map(location=[30.59, 114.3], zoom_start=12, tiles=None, prefer_canvas=True)
folium.Polygon([[30.58, 114.29], [30.60, 114.29], [30.60, 114.31]], fill=True).add_to(m)
st_folium(m, height=800, use_container_width=True, returned_objects=[])
"""

PLAIN_PAGE = """
import os, folium, geopandas as gpd, streamlit as st
from streamlit_folium import st_folium
from dashboard.offline_assets import use_local_assets
from geodata.store.db import open_store
from geodata.exchange.extract import layer_frame
use_local_assets()
store = open_store(os.environ["DATABASE_URL"])
with store.read() as s:
    grids = layer_frame(s, "grids")[["code", "name", "geometry"]]
    buildings = layer_frame(s, "buildings")[["code", "name", "geometry"]]
m = folium.Map(location=[30.59, 114.3], zoom_start=11, tiles=None, prefer_canvas=True)
folium.GeoJson(grids.to_json(), name="grids").add_to(m)
folium.GeoJson(buildings.to_json(), name="buildings",
               marker=folium.CircleMarker(radius=2)).add_to(m)
st_folium(m, height=800, use_container_width=True, returned_objects=[])
"""

# The folium map object inside the component frame, and how many drawn features it holds.
COUNT_JS = """() => { const k = Object.keys(window).find(k => k.startsWith('map_') && window[k] && window[k]._layers);
  if (!k) return -1; let n = 0;
  window[k].eachLayer(l => { if (l.feature || (window.L && l instanceof L.Path)) n++; }); return n; }"""


MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _db(scale: str) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{scale}.sqlite"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"  building {scale} demo database …", flush=True)
        subprocess.run([sys.executable, "-m", "loaders", "demo", "--scale", scale, "--db", url], check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL)
    return url


class App:
    """A `streamlit run` on a free loopback port; stopped on exit."""

    def __init__(self, script: Path, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.enableStaticServing", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import urllib.request

        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().decode() == "ok":
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{script} did not start")

    def rss_mb(self) -> float:
        proc = psutil.Process(self.proc.pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def _map_frame(page):
    page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', timeout=PLAIN_TIMEOUT_S * 1000)
    return page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first


def _token(db_url: str, username: str = "command") -> str:
    """A session of a demo user: the app's pages sit behind the sign-in gate."""
    from geodata.people import sessions
    from geodata.store.db import Store

    store = Store(db_url)
    token = sessions.sign_in(store, username, "demo1234").token
    store.dispose()
    return token


def _context(browser, token: str | None):
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    if token:
        ctx.add_cookies([{"name": "gw_session", "value": token, "domain": "127.0.0.1", "path": "/"}])
    return ctx


def _paint(browser, url: str, *, min_features: int = 1, timeout_s: float = 60, token: str | None = None) -> dict:
    """Open `url` in a fresh context; seconds until the map holds drawn features, and the map page size."""
    ctx = _context(browser, token)
    page = ctx.new_page()
    blocked: list[str] = []
    # The map reaches the browser as component arguments inside Streamlit's websocket messages (the base map
    # HTML and, on the wall, the layer passed as feature_group_to_add): count what arrives over the socket.
    received = {"bytes": 0}

    def on_ws(ws) -> None:
        ws.on("framereceived", lambda payload: received.__setitem__(
            "bytes", received["bytes"] + len(payload if isinstance(payload, (bytes, str)) else b"")))

    page.on("websocket", on_ws)
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1"))
               else (blocked.append(r.request.url), r.abort()))
    t0 = time.perf_counter()
    page.goto(url)
    result: dict = {"blocked": blocked}
    try:
        _map_frame(page)
        frame = next(f for f in page.frames if "st_folium" in (f.name or "") or f.url.startswith("about:srcdoc")
                     or "component" in f.url)
        deadline = time.perf_counter() + timeout_s
        frames = lambda: [f for f in page.frames if f is not page.main_frame]  # noqa: E731
        n = -1
        while time.perf_counter() < deadline:
            for f in frames():
                try:
                    n = f.evaluate(COUNT_JS)
                except Exception:  # noqa: BLE001 — frame still loading
                    continue
                if n >= min_features:
                    frame = f
                    break
            if n >= min_features:
                break
            time.sleep(0.05)
        result["seconds"] = time.perf_counter() - t0 if n >= min_features else None
        result["features"] = n
        result["payload_mb"] = received["bytes"] / 2**20
    except Exception as exc:  # noqa: BLE001 — report, don't crash the bench
        result["seconds"] = None
        result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    ctx.close()
    return result


LEVEL_JS = """level => { const m = window.map; if (!m || !m._layers) return null; let hit = null, n = 0;
  m.eachLayer(l => { if (l.feature && l.feature.properties && l.feature.properties.level === level) {
      n++; if (!hit && l.getBounds && l._map && l._containsPoint) hit = l; } });
  if (!hit) return {n: 0};
  const ll = hit.getBounds().getCenter();
  // a click right after a redraw falls through until Leaflet's pixel geometry has caught up
  if (m._animatingZoom || !hit._containsPoint(m.latLngToLayerPoint(ll))) return {n: 0};
  const c = m.latLngToContainerPoint(ll);
  return {n: n, x: c.x, y: c.y, code: hit.feature.properties.code}; }"""


def _drill(browser, url: str, levels: list[int], timeout_s: float = 30, token: str | None = None
           ) -> list[tuple[int, float | None]]:
    """Open `url`, then click a unit of each level in turn; seconds from click to the next level drawn."""
    ctx = _context(browser, token)
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1"))
               else r.abort())
    page.goto(url)
    out: list[tuple[int, float | None]] = []

    def find(level: int):
        for handle in page.locator(MAP_FRAME).element_handles():
            try:
                f = handle.content_frame()
                hit = f.evaluate(LEVEL_JS, level) if f else None
            except Exception:  # noqa: BLE001 — frame replaced while we looked
                continue
            if hit and hit.get("n"):
                return f, hit
        return None, None

    for level in levels:
        deadline = time.perf_counter() + timeout_s
        frame, hit = find(level)
        while hit is None and time.perf_counter() < deadline:
            time.sleep(0.05)
            frame, hit = find(level)
        if hit is None:
            out.append((level, None))
            break
        time.sleep(0.3)  # the frame may still be settling its height
        frame, hit = find(level)
        while hit is None and time.perf_counter() < deadline:
            time.sleep(0.05)
            frame, hit = find(level)
        box = frame.frame_element().bounding_box()
        t0 = time.perf_counter()
        page.mouse.click(box["x"] + hit["x"], box["y"] + hit["y"])
        nxt = None
        while time.perf_counter() < deadline + timeout_s:
            _, nxt = find(level + 1)
            if nxt is not None:
                break
            time.sleep(0.03)
        out.append((level, time.perf_counter() - t0 if nxt is not None else None))
        if nxt is None:
            break
    ctx.close()
    return out


def _fmt(r: dict) -> str:
    if r.get("seconds") is None:
        return f"did not paint ({r.get('error', 'timeout')})"
    return f"{r['seconds']:5.2f} s, {r['features']:,} features, websocket payload {r['payload_mb']:.2f} MB"


def _codes(url: str) -> dict[int, str]:
    """One unit code per level along the first branch (for deep links)."""
    from sqlalchemy import text

    from geodata.store.db import Store

    store = Store(url)
    out = {}
    with store.engine.connect() as conn:
        for level in range(1, 7):
            out[level] = conn.execute(text("SELECT min(code) FROM units WHERE level = :l"), {"l": level}).scalar()
    store.dispose()
    return out


def bench_scale(browser, scale: str) -> dict:
    url = _db(scale)
    codes = _codes(url)
    figures: dict = {"scale": scale}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "static").symlink_to(ROOT / "dashboard" / "static")
        (tmp / "floor.py").write_text(FLOOR_PAGE)
        (tmp / "plain.py").write_text(PLAIN_PAGE)
        env = {"DATABASE_URL": url}

        floor = App(tmp / "floor.py", env)
        _paint(browser, floor.url)  # warm the server
        figures["floor"] = _paint(browser, floor.url)
        floor.stop()

        app = App(ROOT / "dashboard" / "app.py", env)
        token = _token(url)
        _paint(browser, f"{app.url}/wall?kiosk=1", token=token)  # warm: first run fills the caches
        figures["wall"] = _paint(browser, f"{app.url}/wall?kiosk=1", token=token)
        figures["levels"] = {}
        for level in range(1, 6):
            figures["levels"][level] = _paint(browser, f"{app.url}/explore?code={codes[level]}", token=token)
        figures["drill"] = _drill(browser, f"{app.url}/explore?code={codes[1]}", [2, 3, 4, 5], token=token)
        figures["rss_mb"] = app.rss_mb()
        app.stop()

        plain = App(tmp / "plain.py", env)
        figures["plain"] = _paint(browser, plain.url, timeout_s=PLAIN_TIMEOUT_S)
        figures["plain_rss_mb"] = plain.rss_mb()
        plain.stop()

    print(f"  [{scale}] floor (bare page, 1 polygon): {_fmt(figures['floor'])}")
    print(f"  [{scale}] /wall?kiosk=1:               {_fmt(figures['wall'])}")
    if figures["wall"].get("seconds") and figures["floor"].get("seconds"):
        print(f"  [{scale}] /wall minus floor: {figures['wall']['seconds'] - figures['floor']['seconds']:+.2f} s "
              f"(goal ≤ +1 s)")
    names = {1: "city", 2: "district", 3: "street", 4: "community", 5: "grid (with buildings)"}
    for level, r in figures["levels"].items():
        print(f"  [{scale}] /explore at {names[level]:<22} {_fmt(r)}")
    names_drill = {2: "city → district", 3: "district → street", 4: "street → community", 5: "community → grid"}
    for level, secs in figures["drill"]:
        shown = f"{secs:5.2f} s" if secs is not None else "did not drill"
        print(f"  [{scale}] click {names_drill[level]:<22} {shown}  (goal ≤ 1 s)")
    print(f"  [{scale}] plain streamlit-folium (all grids + buildings as GeoJSON): {_fmt(figures['plain'])}")
    print(f"  [{scale}] server RSS: ours {figures['rss_mb']:,.0f} MB, plain {figures['plain_rss_mb']:,.0f} MB")
    blocked = [u for r in (figures["wall"], figures["floor"], *figures["levels"].values()) for u in r["blocked"]]
    print(f"  [{scale}] requests to outside hosts blocked: {len(blocked)}")
    return figures


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"  skipped: {CHROMIUM} not installed (make system installs it)")
        return 0
    scales = [a for a in argv if a in SCALES] or list(SCALES)
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for scale in scales:
            results[scale] = bench_scale(browser, scale)
        browser.close()
    if "street" in results and "city" in results:
        s, c = results["street"]["wall"].get("seconds"), results["city"]["wall"].get("seconds")
        if s and c:
            print(f"  /wall first paint city/street: {c / s:.2f} (goal: close to 1)")
        ps, pc = results["street"]["wall"].get("payload_mb"), results["city"]["wall"].get("payload_mb")
        if ps and pc:
            print(f"  /wall map payload city/street: {pc / ps:.2f}")
        plain = results["city"]["plain"].get("seconds")
        if c and plain:
            print(f"  city: plain page / ours first paint: {plain / c:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
