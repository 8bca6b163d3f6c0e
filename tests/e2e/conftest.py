"""Fixtures for browser tests: the real app on a free loopback port, driven by Chromium.

Modelled on Streamlit's own ``e2e_playwright/conftest.py``, with one addition: the
browser may talk to this machine only. Every request to another host is aborted
and recorded, and a test that caused one fails at teardown, because the dashboard
must work on a command-centre network without internet.

Use::

    def test_something(start_app, open_app):
        url, _ = start_app({"DATABASE_URL": db_url})
        page = open_app(url)
        expect(page.get_by_text("网格")).to_be_visible()

Chromium is Debian's (``make system`` installs it); without it these tests skip.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    # No update checks, safe-browsing lists or sync: Chromium's own calls out
    # would not pass through the request routing below, but should not happen.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Schemes that never leave the browser.
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome", "chrome-extension"})
APP_START_TIMEOUT_S = 60


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: browser test: starts the Streamlit app and drives Chromium (tests/e2e/)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Everything in this folder is a browser test, marked or not: `-m "not e2e"` works.
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# --- the app ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


@contextmanager
def offline_context(browser, **options) -> Iterator:
    """A browser context of its own (its own cookies: another person's screen) held to the offline rule: any
    request not to this machine is blocked and fails the test once the context closes. `options`: Playwright's
    `new_context` options (viewport, has_touch, permissions …); the locale is zh-CN unless given."""
    context = browser.new_context(**{"locale": "zh-CN", **options})
    blocked: list[str] = []

    def only_local(route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", only_local)
    context.on("page", record_errors)
    yield context
    context.close()
    assert not blocked, f"the browser tried to reach: {blocked}"


@contextmanager
def offline_page(browser, width: int, height: int, scale: float = 1) -> Iterator:
    """A page in an `offline_context` of the given size. `scale`: device pixels per CSS pixel (a 4K TV at 200 %:
    1920×1080, 2)."""
    with offline_context(browser, viewport={"width": width, "height": height}, device_scale_factor=scale) as ctx:
        yield ctx.new_page()


def _wait_for_health(url: str, process: subprocess.Popen, log: IO[str]) -> None:
    deadline = time.monotonic() + APP_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {process.returncode} before answering:\n{_read(log)}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit did not answer {url}/_stcore/health in {APP_START_TIMEOUT_S} s:\n{_read(log)}")


def _read(log: IO[str]) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def launch_app(
    env: dict[str, str],
    script: str | os.PathLike[str],
    log: IO[str],
    extra_args: tuple[str, ...] = (),
) -> tuple[str, subprocess.Popen]:
    """Start ``streamlit run SCRIPT`` from the repo root; return its URL once healthy."""
    port = free_port()
    # The repo root on PYTHONPATH, as `make run` does: Streamlit puts only the
    # script's own folder on sys.path, and pages import dashboard/geodata.
    pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        *extra_args,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=REPO,  # Streamlit reads .streamlit/config.toml from here
        env={**os.environ, "PYTHONPATH": pythonpath, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group, so stopping it stops all of it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url, process, log)
    except BaseException:
        stop_app(process)
        raise
    return url, process


def stop_app(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def start_app(tmp_path: Path) -> Iterator[Callable[..., tuple[str, subprocess.Popen]]]:
    """``start_app(env, script="dashboard/app.py", extra_args=()) -> (url, process)``.

    Starts the app with ``env`` added to this environment (e.g. DATABASE_URL) on a
    free loopback port and waits for ``/_stcore/health``; stops it after the test
    and prints its log, which pytest shows when the test fails.
    """
    started: list[tuple[subprocess.Popen, IO[str]]] = []

    def _start(
        env: dict[str, str] | None = None,
        script: str | os.PathLike[str] = "dashboard/app.py",
        extra_args: tuple[str, ...] = (),
    ) -> tuple[str, subprocess.Popen]:
        log = (tmp_path / f"streamlit-{len(started)}.log").open("w+", encoding="utf-8")
        try:
            url, process = launch_app(env or {}, script, log, extra_args)
        except BaseException:
            log.close()
            raise
        started.append((process, log))
        return url, process

    yield _start

    for process, log in started:
        stop_app(process)
        print(f"--- streamlit log ({' '.join(map(str, process.args[3:5]))}) ---")
        print(_read(log))
        log.close()


# --- the browser ----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: browser tests need Debian's chromium (`make system` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that can reach this machine only; fails the test if anything tried more."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    blocked: list[str] = []

    def only_local(route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            blocked.append(f"{route.request.method} {route.request.url}")
            route.abort("blockedbyclient")

    def refuse_socket(ws) -> None:
        blocked.append(f"WebSocket {ws.url}")
        ws.close()

    # Context-wide, so requests from the map's iframe are caught too.
    context.route("**/*", only_local)
    context.route_web_socket(lambda url: not is_local(url), refuse_socket)
    page = context.new_page()
    record_errors(page)

    yield page

    context.close()
    if blocked:
        pytest.fail(
            f"the page tried to reach {len(blocked)} non-local address(es); "
            "the dashboard must work offline:\n  " + "\n  ".join(dict.fromkeys(blocked)),
            pytrace=False,
        )


def record_errors(page) -> None:
    """Keep the page's (and its frames') script errors and failed requests on `page.gw_errors`, so a map that
    never becomes ready can say why (`ready_map_frame`)."""
    errors: list[str] = []
    page.gw_errors = errors
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url} ({req.failure})"))
    page.on("response", lambda resp: resp.status >= 400 and errors.append(f"HTTP {resp.status}: {resp.url}"))


MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
MAP_READY = "() => window.map && window.GW"
_MAP_STATE = """() => ({L: typeof L, map: typeof window.map, GW: typeof window.GW,
    globalData: typeof window.__GLOBAL_DATA__,
    scripts: [...document.scripts].map(s => s.src || `inline ${s.text.length}`),
    bodyChars: document.body ? document.body.innerHTML.length : -1, readyState: document.readyState})"""


def ready_map_frame(page, ready: str = MAP_READY, timeout_s: float = 30):
    """The content frame of the page's map once `ready` holds in it.

    The iframe is looked up again while waiting: a rerun may replace it, and a handle to the old one would wait
    on a detached frame. When the time is up the failure says what the frame held and which errors the page saw,
    so a map that never came up on a loaded CI machine can be told from a slow one."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    frame = None
    while True:
        left_ms = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            frame = page.locator(MAP_FRAME).first.element_handle(timeout=left_ms).content_frame()
            if frame is not None:
                frame.wait_for_function(ready, timeout=min(left_ms, 5_000))
                return frame
        except PlaywrightError:
            pass
        if time.monotonic() >= deadline:
            break
    raise AssertionError(f"the map did not become ready in {timeout_s} s ({ready}): {_describe(page, frame)}")


def _describe(page, frame) -> str:
    try:
        state = "detached frame" if frame is None or frame.is_detached() else frame.evaluate(_MAP_STATE)
    except Exception as exc:  # noqa: BLE001 - a report of what could be seen, whatever it is
        state = f"frame not readable: {exc}"
    frames = page.locator(MAP_FRAME).count()
    return f"map iframes on the page: {frames}; frame: {state}; errors: {getattr(page, 'gw_errors', '?')}"


def wait_for_app_run(page, timeout_ms: int = 30_000) -> None:
    """Wait until the app is connected and its script has finished a run."""
    app = page.locator("[data-testid='stApp']")
    app.and_(page.locator("[data-test-connection-state='CONNECTED']")).wait_for(
        state="attached", timeout=timeout_ms
    )
    app.and_(page.locator("[data-test-script-state='notRunning']")).wait_for(
        state="attached", timeout=timeout_ms
    )


@pytest.fixture
def open_app(page) -> Callable[[str], object]:
    """``open_app(url) -> page``: load the app and wait for its first run to finish."""

    def _open(url: str):
        response = page.goto(url)
        assert response is not None and response.ok, f"{url} answered {response and response.status}"
        wait_for_app_run(page)
        return page

    return _open


def sign_in_as(page, db_url: str, username: str = "command") -> None:
    """Give the page's browser context a signed-in session cookie of `username` (a command-centre user is
    created when the database has none), as the sign-in form would after a correct password."""
    from sqlalchemy import select

    from geodata.people import sessions
    from geodata.people.accounts import create_user
    from geodata.store.db import open_store
    from geodata.store.models import Unit, User
    from geodata.store.writes import Actor, write

    store = open_store(db_url)
    with store.read() as s:
        exists = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        root = s.execute(select(Unit.code).where(Unit.parent_id.is_(None))).scalars().first()
    if exists is None:
        write(store, Actor.system("e2e"), lambda ctx: create_user(ctx, username, username, "command", root,
                                                                   "demo1234"))
    token = sessions.sign_in(store, username, "demo1234").token
    store.dispose()
    page.context.add_cookies([{"name": "gw_session", "value": token, "domain": "127.0.0.1", "path": "/"}])
