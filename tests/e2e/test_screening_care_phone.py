"""A grid worker on a phone (390×844) records a screening visit that puts a household member on the care list
(issue 15: findings feed the care list); the person's tags change and the visit keeps its mark."""
from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from geodata.exchange.bulk import upsert_layer
from geodata.fieldwork.screening import start_round
from geodata.people.accounts import create_user
from geodata.store.db import open_store
from geodata.store.field_models import ScreeningCareMark
from geodata.store.models import Person
from geodata.store.writes import Actor, write
from tests.e2e.conftest import offline_page, wait_for_app_run
from tests.e2e.test_editing import PASSWORD, sign_in
from tests.e2e.test_screening_phone import server  # noqa: F401 — the app on this module's db_url
from tests.factories import load_small_city
from tests.geodata.test_screening import HOUSEHOLDS

def today() -> dt.date:
    """Read at each use, not at import: a whole run can cross midnight (CI did, and 14 tests failed)."""
    return dt.date.today()


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('screening-care') / 'small.sqlite'}"
    store = open_store(url)
    load_small_city(store)

    def fill(ctx):
        upsert_layer(ctx, "households", pd.DataFrame(
            [{"code": c, "building_code": b, "stair_unit": su, "room": r, "head_name": n, "members": 2}
             for c, b, su, r, n in HOUSEHOLDS]), recompute=False)
        upsert_layer(ctx, "persons", pd.DataFrame([{"code": "P9", "name": "钱九", "household_code": "H1",
                                                    "building_code": "G11K1B1", "birth_year": 1941}]))
        create_user(ctx, "grid11", "网格员小李", "grid_leader", "G11", PASSWORD)
        start_round(ctx, "C1", "春节后入户摸排", today() - dt.timedelta(days=1), today() + dt.timedelta(days=3), code="R1")

    write(store, Actor.system("e2e"), fill)
    store.dispose()
    return url


def tap_when_still(page, button) -> None:
    """Tap a toggle once the page has stopped moving under it, and see it pressed.

    Under CI load the page below the opened form still settles for a while (component frames set their height
    as they load): a tap computed before such a shift lands elsewhere and no event reaches the button (seen with
    document-level listeners: no pointerdown at all). A person waits for the page to stop moving and taps again
    when a tap did nothing; so does this, once, and only while the button shows unpressed."""
    box = None
    for _ in range(20):
        button.scroll_into_view_if_needed()
        now = button.bounding_box()
        if now is not None and now == box:
            break
        box = now
        time.sleep(0.25)
    button.click()
    try:
        expect(button).to_have_attribute("aria-pressed", "true", timeout=3_000)
    except AssertionError:
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")


def test_a_visit_on_a_phone_puts_a_member_on_the_care_list(server, db_url, browser):  # noqa: F811
    with offline_page(browser, 390, 844) as phone:
        sign_in(phone, f"{server}/screening", "grid11")
        phone.get_by_text("详细登记（返回人员、症状、需求）").click()
        pill = phone.get_by_role("button", name="独居老人").first
        expect(pill).to_be_visible(timeout=30_000)
        expect(phone.get_by_text("钱九 (1941)")).to_be_visible()
        assert pill.bounding_box()["height"] >= 44
        # Each tap is seen highlighted before the next, as a person taps: CI once saved only the first of two
        # quick taps (the second landed before the first was drawn). Both still show before the save.
        chronic = phone.get_by_role("button", name="慢性病").first
        for tap in (pill, chronic):
            tap_when_still(phone, tap)
        expect(pill).to_have_attribute("aria-pressed", "true")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path="/tmp/screening-care-phone.png", full_page=True)
        phone.get_by_role("button", name="保存走访").click()
        wait_for_app_run(phone)
        expect(phone.get_by_text("已纳入关爱名单 1 人")).to_be_visible(timeout=15_000)
        phone.screenshot(path="/tmp/screening-care-saved.png", full_page=True)
    store = open_store(db_url, migrate=False)
    with store.read() as s:
        tags = s.execute(select(Person.tags).where(Person.code == "P9")).scalar_one()
        marks = s.execute(select(ScreeningCareMark.kinds)).scalars().all()
    store.dispose()
    assert list(tags) == ["elderly_alone", "chronic"] and marks == ["elderly_alone,chronic"]
