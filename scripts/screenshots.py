"""The README's screenshots, made again from scratch: `make screenshots` (or `.venv/bin/python scripts/screenshots.py`).

Builds a demo city (district scale; `--scale city` for the large one) in a temporary SQLite file, starts the app on
a free loopback port, signs in as each demo role in headless Chromium (/usr/bin/chromium) and writes
docs/screenshots/*.png (the list: SHOTS). Every request the browser makes to anything but this machine is blocked
and reported, as in the browser tests; the whole run is bounded by `--timeout` (a wall-clock alarm), and the app
is stopped whatever happens. A shot that fails is named at the end and the run exits 1; the others are written.

The browser plumbing (start the app, a signed-in cookie, waiting for a Streamlit run, tapping a building on the
map) is the browser tests' own (tests/e2e), so the pictures show what those tests check.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.conftest import (CHROMIUM, CHROMIUM_ARGS, free_port, is_local, sign_in_as,  # noqa: E402
                                stop_app, wait_for_app_run)

OUT = REPO / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: (file, what it shows) — the README's screenshots section lists the same
SHOTS: dict[str, str] = {
    "wall-1080p.png": "the kiosk wall at 1920×1080 (wall account)",
    "wall-4k.png": "the kiosk wall at 3840×2160",
    "explore.png": "/explore at 1920×1080 (command centre)",
    "phone-today.png": "the grid leader's /my-grid: today's tasks first (390×844)",
    "phone-health-check.png": "a health-check task opened: its form with the person picked",
    "phone-my-grid.png": "/my-grid's map on the phone",
    "phone-building-sheet.png": "a tapped building's card as a bottom sheet",
    "phone-events.png": "/events on the grid leader's phone",
    "phone-patrol.png": "/patrol",
    "phone-screening.png": "/screening",
    "phone-gate.png": "/gate",
    "phone-care.png": "/care",
    "phone-explore.png": "/explore on the phone",
    "phone-symptoms.png": "/symptoms on the health staff's phone",
}


class OutOfTime(Exception):
    pass


def _alarm(_signum, _frame) -> None:  # noqa: ANN001
    raise OutOfTime


def build_city(db: Path, scale: str, timeout_s: int) -> str:
    """A fresh demo database (the CLI's `demo` command, as `make run` makes it)."""
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    subprocess.run([sys.executable, "-m", "loaders", "demo", "--db", url, "--scale", scale], cwd=REPO, check=True,
                   timeout=timeout_s, stdout=subprocess.DEVNULL)
    return url


def start_app(db: str, port: int, log: IO[str]) -> tuple[str, subprocess.Popen]:
    """`streamlit run dashboard/server.py` (what `make run` starts) on 127.0.0.1:`port`, once it answers."""
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/server.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env={**os.environ, "DATABASE_URL": db}, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    for _ in range(240):
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}: see its log")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return url, process
        except OSError:
            pass
        time.sleep(0.25)
    stop_app(process)
    raise RuntimeError(f"streamlit did not answer on {url}")


def settle(page, seconds: float = 1.0) -> None:
    """A finished run, then a moment for the map's frame and fonts, then finished again (the frame's height can
    start a rerun)."""
    wait_for_app_run(page, 60_000)
    time.sleep(seconds)
    wait_for_app_run(page, 60_000)


def map_ready(page) -> object:
    frame = page.locator(MAP_FRAME).first.element_handle(timeout=60_000).content_frame()
    frame.wait_for_function("() => window.map && window.GW", timeout=60_000)
    return frame


class Camera:
    """One browser; a context per person (own cookies, own screen), every one held to loopback only."""

    def __init__(self, browser, app: str, db: str, out: Path) -> None:
        self.browser, self.app, self.db, self.out = browser, app, db, out
        self.blocked: list[str] = []
        self.failed: dict[str, str] = {}

    def person(self, username: str, viewport: dict[str, int], *, phone: bool = False):
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", has_touch=phone,
                                           device_scale_factor=2 if phone else 1)

        def only_local(route) -> None:  # noqa: ANN001
            if is_local(route.request.url):
                route.continue_()
            else:
                self.blocked.append(route.request.url)
                route.abort("blockedbyclient")

        context.route("**/*", only_local)
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in_as(page, self.db, username)
        return page

    def shot(self, name: str, take: Callable[[], object], page, *, full: bool = False) -> None:
        """Run `take` (it brings the page to what `name` shows) and write the screen; a failure is noted, the run
        goes on."""
        try:
            take()
            page.screenshot(path=str(self.out / name), full_page=full)
            print(f"  {name}", flush=True)
        except OutOfTime:
            raise
        except Exception as exc:  # noqa: BLE001 — one picture failing must not lose the others
            self.failed[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            print(f"  {name} FAILED: {self.failed[name]}", flush=True)

    def goto(self, page, path: str, *, with_map: bool = False) -> None:
        page.goto(f"{self.app}{path}")
        settle(page)
        if with_map:
            map_ready(page)
            settle(page, 1.5)


def wall(cam: Camera) -> None:
    page = cam.person("wall", {"width": 1920, "height": 1080})

    def fitted() -> None:
        page.wait_for_function("() => document.documentElement.style.getPropertyValue('--gw-stage-h') !== ''")
        time.sleep(2)  # the map refits to the stage and places its labels

    cam.shot("wall-1080p.png", lambda: (cam.goto(page, "/wall?kiosk=1", with_map=True), fitted()), page)
    cam.shot("wall-4k.png", lambda: (page.set_viewport_size({"width": 3840, "height": 2160}), fitted()), page)
    page.context.close()


def first_level_with_choice(db: str) -> str:
    """The code /explore opens on: the root, or the first unit down with more than one unit under it (the
    district demo is one district: its streets say more than one orange polygon)."""
    from sqlalchemy import select

    from geodata.store.db import open_store
    from geodata.store.models import Unit

    store = open_store(db, migrate=False)
    try:
        with store.read() as s:
            code = s.execute(select(Unit.code).where(Unit.parent_id.is_(None)).order_by(Unit.id)).scalars().first()
            while True:
                parent = select(Unit.id).where(Unit.code == code).scalar_subquery()
                kids = s.execute(select(Unit.code).where(Unit.parent_id == parent).order_by(Unit.code)
                                 .limit(2)).scalars().all()
                if len(kids) != 1:
                    return code
                code = kids[0]
    finally:
        store.dispose()


def explore(cam: Camera) -> None:
    page = cam.person("command", {"width": 1920, "height": 1080})
    code = first_level_with_choice(cam.db)
    cam.shot("explore.png", lambda: cam.goto(page, f"/explore?code={code}", with_map=True), page)
    page.context.close()


def grid_leader(cam: Camera) -> None:
    page = cam.person("grid", PHONE, phone=True)
    cam.shot("phone-today.png", lambda: cam.goto(page, "/my-grid", with_map=True) or page.evaluate(
        "() => window.scrollTo(0, 0)"), page)
    cam.shot("phone-health-check.png", lambda: health_check(cam, page), page)
    cam.shot("phone-my-grid.png", lambda: my_grid_map(cam, page), page)
    cam.shot("phone-building-sheet.png", lambda: building_sheet(page), page)
    for name, path in (("phone-events.png", "/events"), ("phone-patrol.png", "/patrol"),
                       ("phone-screening.png", "/screening"), ("phone-gate.png", "/gate"),
                       ("phone-care.png", "/care"), ("phone-explore.png", "/explore")):
        cam.shot(name, lambda p=path: cam.goto(page, p, with_map=p == "/explore"), page)
    page.context.close()


def health_check(cam: Camera, page) -> None:
    """A 健康随访 task tapped: its form, with the person picked, in view."""
    cam.goto(page, "/my-grid")
    task = page.locator("[class*='st-key-gw-task-']").filter(has_text="健康随访：").first
    task.get_by_role("button", name="去办理").tap()
    settle(page)
    form = page.locator("[data-testid='stForm']").filter(has_text=re.compile("健康随访")).first
    form.scroll_into_view_if_needed()


def my_grid_map(cam: Camera, page) -> None:
    cam.goto(page, "/my-grid", with_map=True)
    page.locator(MAP_FRAME).first.evaluate("e => e.scrollIntoView({block: 'center'})")
    time.sleep(1)


def building_sheet(page) -> None:
    from tests.e2e.test_explore import FIRST_BUILDING, point_at  # the browser tests' own tap on a building

    code = map_ready(page).evaluate(FIRST_BUILDING)
    x, y = point_at(page, code)
    page.touchscreen.tap(x, y)
    settle(page)
    page.locator(".st-key-gw-sheet").wait_for(state="visible", timeout=15_000)
    # the map at the top of the screen, the sheet (fixed to the bottom) over its lower part, as a thumb sees it
    page.locator(MAP_FRAME).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    time.sleep(0.5)


def health_staff(cam: Camera) -> None:
    page = cam.person("health", PHONE, phone=True)
    cam.shot("phone-symptoms.png", lambda: cam.goto(page, "/symptoms"), page)
    page.context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("district", "city"), default="district",
                        help="the demo city to photograph (city: about ten times larger, minutes to build)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files (default: %(default)s)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds for the whole run (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="the app's loopback port (default: a free one)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found (`make system` installs chromium)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(args.timeout)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gw-shots-") as tmp:
        started = time.monotonic()
        print(f"demo city ({args.scale}) …", flush=True)
        db = build_city(Path(tmp) / "shots.sqlite", args.scale, args.timeout)
        log = (Path(tmp) / "streamlit.log").open("w+", encoding="utf-8")
        app, process = start_app(db, args.port or free_port(), log)
        print(f"app on {app} ({time.monotonic() - started:.0f} s); writing {args.out}", flush=True)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                                     headless=True)
                cam = Camera(browser, app, db, args.out)
                for person in (wall, explore, grid_leader, health_staff):
                    person(cam)
                browser.close()
        except OutOfTime:
            print(f"out of time after {args.timeout} s", file=sys.stderr)
            return 1
        finally:
            signal.alarm(0)
            stop_app(process)
            log.close()
    if cam.blocked:
        print(f"blocked (not this machine): {sorted(set(cam.blocked))}", file=sys.stderr)
    if cam.failed:
        print(f"failed: {cam.failed}", file=sys.stderr)
    print(f"{len(SHOTS) - len(cam.failed)} of {len(SHOTS)} screenshots in {time.monotonic() - started:.0f} s")
    return 1 if cam.failed or cam.blocked else 0


if __name__ == "__main__":
    sys.exit(main())
