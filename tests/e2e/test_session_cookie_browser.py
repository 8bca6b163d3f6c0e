"""Issue 18 hole 9 in Chromium: served through dashboard/server.py, signing in leaves an HttpOnly `gw_session`
cookie that page JavaScript cannot read — the token appears nowhere in the page — a reload is still signed in,
and signing out deletes the cookie."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from geodata.store.db import Store
from tests.e2e.conftest import launch_app, stop_app, wait_for_app_run
from tests.geodata.test_scope_city import PASSWORD, load_city


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("cookie")
    store = Store(f"sqlite:///{folder / 'city.sqlite'}")
    store.migrate()
    load_city(store)
    store.dispose()
    log = (folder / "streamlit.log").open("w+", encoding="utf-8")
    url, process = launch_app({"DATABASE_URL": store.url}, "dashboard/server.py", log)
    yield url
    stop_app(process)
    log.seek(0)
    print(log.read())
    log.close()


def session_cookies(page) -> list[dict]:
    return [c for c in page.context.cookies() if c["name"] == "gw_session" and c["value"]]


def test_the_session_cookie_is_httponly(server, page):
    page.goto(f"{server}/login")
    wait_for_app_run(page)
    page.get_by_label("用户名").fill("head1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_text("已登录。")).to_be_visible(timeout=15_000)
    for _ in range(40):
        if session_cookies(page):
            break
        page.wait_for_timeout(250)
    [cookie] = session_cookies(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert "gw_session" not in page.evaluate("document.cookie")
    assert cookie["value"] not in page.content()

    page.goto(f"{server}/login")  # a new WebSocket: signed in by the cookie alone
    wait_for_app_run(page)
    expect(page.get_by_text("已登录。")).to_be_visible(timeout=15_000)

    page.locator(".st-key-login-sign-out button").click()
    expect(page.get_by_label("密码")).to_be_visible(timeout=15_000)
    for _ in range(40):
        if not session_cookies(page):
            break
        page.wait_for_timeout(250)
    assert session_cookies(page) == []
