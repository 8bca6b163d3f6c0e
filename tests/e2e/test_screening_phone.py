"""A grid worker on a phone (390×844) opens /screening, marks a household visited with one tap, and the round's
coverage moves (issue 15). The small test city, not the demo: one round over community C1 with four households in
the worker's grid G11 and one in G12."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from geodata.exchange.bulk import upsert_layer
from geodata.fieldwork.screening import start_round
from geodata.people.accounts import create_user
from geodata.store.db import open_store
from geodata.store.field_models import ScreeningVisit
from geodata.store.writes import Actor, write
from tests.e2e.conftest import launch_app, offline_page, stop_app, wait_for_app_run
from tests.e2e.test_editing import PASSWORD, make_app_dir, sign_in
from tests.factories import load_small_city
from tests.geodata.test_screening import HOUSEHOLDS

def today() -> dt.date:
    """Read at each use, not at import: a whole run can cross midnight (CI did, and 14 tests failed)."""
    return dt.date.today()


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('screening') / 'small.sqlite'}"
    store = open_store(url)
    load_small_city(store)

    def fill(ctx):
        upsert_layer(ctx, "households", pd.DataFrame(
            [{"code": c, "building_code": b, "stair_unit": su, "room": r, "head_name": n, "members": 2}
             for c, b, su, r, n in HOUSEHOLDS]), recompute=False)
        create_user(ctx, "grid11", "网格员小李", "grid_leader", "G11", PASSWORD)
        start_round(ctx, "C1", "春节后入户摸排", today() - dt.timedelta(days=1), today() + dt.timedelta(days=3), code="R1")

    write(store, Actor.system("e2e"), fill)
    store.dispose()
    return url


@pytest.fixture(scope="module")
def server(db_url, tmp_path_factory, browser) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("screening-app")
    log = (folder / "streamlit.log").open("w+", encoding="utf-8")
    url, process = launch_app({"DATABASE_URL": db_url}, make_app_dir(folder), log)
    yield url
    stop_app(process)
    log.seek(0)
    print(log.read())
    log.close()


def _visits(url: str) -> int:
    store = open_store(url, migrate=False)
    with store.read() as s:
        n = s.execute(select(func.count()).select_from(ScreeningVisit)).scalar_one()
    store.dispose()
    return n


def test_a_grid_worker_marks_a_visit_on_a_phone_and_coverage_moves(server, db_url, browser, tmp_path):
    with offline_page(browser, 390, 844) as phone:
        sign_in(phone, f"{server}/screening", "grid11")
        share = phone.locator("[data-testid='scr-share']")
        expect(share).to_have_text("0%", timeout=30_000)
        expect(phone.get_by_text("0 / 4")).to_be_visible()  # the worker's own grid: four households
        first = phone.locator(".st-key-scr-hh-H1")
        button = first.get_by_role("button", name="在家 无异常")
        expect(button).to_be_visible()
        assert button.bounding_box()["height"] >= 44
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(tmp_path / "screening-before.png"), full_page=True)
        button.click()
        wait_for_app_run(phone)
        expect(phone.get_by_text("已登记 H1")).to_be_visible(timeout=15_000)
        expect(share).to_have_text("25%", timeout=15_000)
        expect(phone.get_by_text("1 / 4")).to_be_visible()
        expect(phone.locator(".st-key-scr-hh-H1")).to_have_count(0)  # the next doors move up
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path="/tmp/screening-phone.png", full_page=True)
    assert _visits(db_url) == 1
