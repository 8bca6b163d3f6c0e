"""An event from a patrol to done, on phones (390 × 844) in Chromium (issue 15): the grid worker logs a patrol with a
finding, which becomes an event for the community; the community head forwards it to the street; the street
supervisor closes it with feedback to the reporter, and an overdue one too. The command centre's wall counts open
events up and down again and overdue ones down. Every page may reach this machine only.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from geodata.fieldwork.events import log_event
from geodata.store.db import open_store
from geodata.store.writes import Actor, write
from loaders.demo import generate
from loaders.demo_store import store_demo
from tests.e2e.conftest import launch_app, offline_page, stop_app, wait_for_app_run
from tests.e2e.test_editing import REFRESH_S, make_app_dir, pick, sign_in

FINDING = "3栋楼道堆放电动车<b>充电</b>"
PHONE = (390, 844)
SHOTS = "/tmp/gw-events-shots"


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict[str, str]:
    """The street demo and one overdue event waiting on the street."""
    url = f"sqlite:///{tmp_path_factory.mktemp('events') / 'street.sqlite'}"
    store = open_store(url)
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _msg: None)
    with store.read() as s:
        grid = s.execute(text("SELECT u.code FROM users x JOIN units u ON u.id = x.scope_unit_id "
                              "WHERE x.username = 'grid'")).scalar_one()
    late = write(store, Actor.system("e2e"), lambda ctx: log_event(
        ctx, grid, "路灯损坏三天未修", tier="urgent", code="E2E-LATE",
        reported_at=dt.datetime.utcnow() - dt.timedelta(days=5)))
    store.dispose()
    return {"url": url, "grid": grid, "late": late.code}


@pytest.fixture(scope="module")
def server(city, tmp_path_factory, browser) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("events-app")
    log = (folder / "streamlit.log").open("w+", encoding="utf-8")
    url, process = launch_app({"DATABASE_URL": city["url"], "WALL_REFRESH_SECONDS": str(REFRESH_S)},
                              make_app_dir(folder), log)
    yield url
    stop_app(process)
    log.seek(0)
    print(log.read())
    log.close()


def _kpi(wall, key: str) -> int:
    return int(wall.locator(f"[data-kpi='{key}'] .gw-kpi-value").inner_text().replace(",", ""))


def _no_sideways_scroll(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_patrol_finding_goes_to_the_street_and_is_closed_with_feedback(server, city, page, browser):
    import pathlib

    pathlib.Path(SHOTS).mkdir(exist_ok=True)
    wall = page
    sign_in(wall, f"{server}/wall", "command")
    expect(wall.locator("[data-kpi='events_open'] .gw-kpi-value")).to_be_visible(timeout=30_000)
    open_before, late_before = _kpi(wall, "events_open"), _kpi(wall, "events_overdue")
    assert late_before >= 1

    # the grid worker, on a phone: a patrol with one finding that needs the community
    with offline_page(browser, *PHONE) as phone:
        sign_in(phone, f"{server}/patrol", "grid")
        box = phone.get_by_label("发现问题条数（每条生成一个事件）")
        box.fill("1")
        box.press("Enter")
        wait_for_app_run(phone)
        phone.get_by_label("发现的问题（必填）").fill(FINDING)
        pick(phone, "分级", "需协调处理（社区）")
        phone.get_by_label("巡查记录").fill("巡查3栋、5栋，消防通道畅通")
        phone.get_by_role("button", name="保存巡查").click()
        expect(phone.get_by_text(re.compile("已登记巡查 .*生成事件 1 件"))).to_be_visible(timeout=15_000)
        wait_for_app_run(phone)
        expect(phone.locator("[data-kpi='patrolled'] b")).to_have_text("1")  # the grid counts as patrolled today
        _no_sideways_scroll(phone)
        phone.screenshot(path=f"{SHOTS}/patrol.png", full_page=True)
    expect(wall.locator("[data-kpi='events_open'] .gw-kpi-value")).to_have_text(str(open_before + 1),
                                                                                timeout=REFRESH_S * 5000)

    # the community head forwards it: the community cannot settle it alone
    with offline_page(browser, *PHONE) as phone:
        sign_in(phone, f"{server}/events", "head")
        phone.get_by_role("button", name=re.compile("3栋楼道堆放电动车")).first.click()
        wait_for_app_run(phone)
        card = phone.locator(".gw-ev-card")
        expect(card).to_contain_text(FINDING)  # shown as text, not as markup
        expect(card).to_have_attribute("data-status", "open")
        phone.get_by_label("上报说明（必填）").fill("物业不配合，社区不能独立办理")
        phone.get_by_role("button", name="上报", exact=True).click()
        wait_for_app_run(phone)
        expect(card).to_contain_text("街道", timeout=15_000)
        _no_sideways_scroll(phone)
        phone.screenshot(path=f"{SHOTS}/event-card.png", full_page=True)

    # the street closes it with feedback to the reporter, and the overdue one it had waiting
    with offline_page(browser, *PHONE) as phone:
        sign_in(phone, f"{server}/events", "supervisor")
        phone.get_by_role("button", name=re.compile("3栋楼道堆放电动车")).first.click()
        wait_for_app_run(phone)
        phone.get_by_label("办理结果（必填）").fill("已协调消防和物业清理楼道")
        phone.get_by_label("向反映人反馈（必填）").fill("已电话告知反映人")
        phone.get_by_role("button", name="办结并反馈").click()
        wait_for_app_run(phone)
        expect(phone.locator(".gw-ev-card")).to_have_attribute("data-status", "closed", timeout=15_000)
        expect(phone.locator(".gw-ev-card")).to_contain_text("已电话告知反映人")
        phone.screenshot(path=f"{SHOTS}/event-closed.png", full_page=True)
        phone.goto(f"{server}/events?event={city['late']}")
        wait_for_app_run(phone)
        expect(phone.locator(".gw-ev-card")).to_contain_text("已超期", timeout=15_000)
        phone.get_by_label("办理结果（必填）").fill("已更换路灯")
        phone.get_by_label("向反映人反馈（必填）").fill("已告知居民")
        phone.get_by_role("button", name="办结并反馈").click()
        wait_for_app_run(phone)
        expect(phone.locator(".gw-ev-card")).to_have_attribute("data-status", "closed", timeout=15_000)

    # the wall: one open fewer than after the patrol (this one and the late one closed), one overdue fewer
    expect(wall.locator("[data-kpi='events_open'] .gw-kpi-value")).to_have_text(str(open_before - 1),
                                                                                timeout=REFRESH_S * 5000)
    expect(wall.locator("[data-kpi='events_overdue'] .gw-kpi-value")).to_have_text(str(late_before - 1))
    store = open_store(city["url"], migrate=False)
    with store.read() as s:
        steps = s.execute(text(
            "SELECT s.step, s.actor FROM field_event_steps s JOIN field_events e ON e.id = s.event_id "
            "WHERE e.text = :t ORDER BY s.id"), {"t": FINDING}).all()
    store.dispose()
    assert [tuple(r) for r in steps] == [("log", "grid"), ("forward", "head"), ("close", "supervisor")]
