"""The /reports and /honours pages with Streamlit's AppTest on tests.factories' small city, each run under a
minimal entry script (dashboard/app.py registers them separately). The pages only call
geodata: these tests check that a person sees the right controls for their role and that a click reaches the
command and shows its answer. (They live here because the pages are part of the reports feature; they would
sit in tests/dashboard/ once the pages are registered in dashboard/app.py.)
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geodata.exchange.bulk import upsert_layer
from geodata.situation.honours import attach_evidence, start_application, submit_self_assessment
from geodata.situation.observations import start_observation
from geodata.store.hierarchy import unit_by_code
from geodata.people import sessions
from geodata.people.accounts import create_user
from geodata.store.models import DailyReport, Unit, User
from geodata.store.reports_models import HonourApplication
from geodata.store.writes import Actor, write
from tests.factories import TODAY, load_small_city

PAGES = Path(__file__).resolve().parents[2] / "dashboard" / "views"
# A stand-in for dashboard/app.py until it registers these pages: it marks the entry as run (the pages check
# that, see dashboard.state.require_entry) and runs the one page, on every run and rerun like the real entry.
ENTRY = """
import streamlit as st
from dashboard import state
state.mark_entry()
st.navigation([st.Page({page!r}, url_path={name!r})], position="hidden").run()
"""


@pytest.fixture
def city(store):
    if dt.date.today() < TODAY:
        pytest.skip("the small city's data is dated 2026-11-25")
    load_small_city(store)
    with store.read() as s:
        paths = {c: unit_by_code(s, c).path for c in ("S1", "C1", "C2")}
    return store, paths


@pytest.fixture
def page(monkeypatch):
    def _open(store, name: str, actor: Actor | None = None, **query: str) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", store.url)
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_string(ENTRY.format(page=str(PAGES / f"{name}.py"), name=name), default_timeout=120)
        for k, v in {"on": TODAY.isoformat(), **query}.items():
            at.query_params[k] = v
        if actor is not None:
            at.session_state["gw_token"] = token_for(store, actor)
        return run(at)

    return _open


PASSWORD = "test-pass-1234"


def token_for(store, actor: Actor) -> str:
    """A real session of a user like `actor` (created on first use): pages check sign-in against the database."""
    with store.read() as s:
        exists = s.execute(select(User).where(User.username == actor.username)).scalar_one_or_none()
        scope = None
        if actor.scope_path:
            scope = s.get(Unit, int(actor.scope_path.strip("/").split("/")[-1])).code
    if exists is None:
        write(store, Actor.system("test"),
              lambda ctx: create_user(ctx, actor.username, actor.username, actor.role, scope, PASSWORD))
    return sessions.sign_in(store, actor.username, PASSWORD).token


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def click(at: AppTest, label: str) -> AppTest:
    button(at, label).click()
    return run(at)


def texts(at: AppTest) -> str:
    return " ".join([e.value for e in (*at.info, *at.success, *at.error, *at.caption)])


# --- /reports ---------------------------------------------------------------------------------------------------


def test_reports_page_asks_for_sign_in_and_shows_nothing_before(city, page):
    store, _ = city
    at = page(store, "reports")
    assert not at.header and not at.metric
    assert "登录" in " ".join(e.value for e in at.info)


def test_command_reads_the_city_reports_without_the_submit_form(city, page):
    store, _ = city
    at = page(store, "reports", Actor("command", "command"))
    assert at.header[0].value == "日报与简报 · 测试市"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["应报社区"] == "2" and metrics["已报"] == "0"
    assert not [b for b in at.button if b.label == "一键零报告"]
    assert not at.get("download_button")  # only the open tab (上报情况) is computed
    at.session_state["reports-tab"] = "简报下载"
    at = run(at)
    assert len(at.get("download_button")) == 2 and not at.metric


def test_only_the_open_tab_is_computed(city, page, monkeypatch):
    """Issue 18: at 16:00 every head opens /reports to submit; the summary and trends nobody looks at were half
    of each run. Each tab's reads run only when it is open."""
    from dashboard.components import report_reads

    store, paths = city
    at = page(store, "reports", Actor("head1", "community_head", paths["C1"]))
    calls: list[str] = []
    for name in ("summary", "trend", "status"):
        original = getattr(report_reads, name)
        monkeypatch.setattr(report_reads, name, lambda *a, _n=name, _f=original, **k: calls.append(_n) or _f(*a, **k))
    st.cache_data.clear()
    at = run(at)
    assert calls == ["status"] and "确认报送" in [b.label for b in at.button]
    calls.clear()
    at.session_state["reports-tab"] = "汇总与差异"
    at = run(at)
    assert calls == ["summary"] and not at.metric and "确认报送" in [b.label for b in at.button]
    calls.clear()
    at.session_state["reports-tab"] = "趋势"
    at = run(at)
    assert calls == ["trend"]


def test_head_submits_a_one_click_zero_report(city, page):
    store, paths = city
    at = page(store, "reports", Actor("head1", "community_head", paths["C1"]))
    assert at.subheader[0].value == f"第1社区 {TODAY.isoformat()} 日报"
    assert not button(at, "一键零报告").disabled
    at = click(at, "一键零报告")
    assert "零报告已报送" in texts(at) and "已报送（" in texts(at)
    with store.read() as s:
        report = s.execute(select(DailyReport)).scalar_one()
    assert report.is_zero and report.submitted_by == "head1"


def test_zero_report_button_is_off_on_a_day_with_a_case(city, page):
    store, paths = city
    at = page(store, "reports", Actor("head2", "community_head", paths["C2"]))
    assert button(at, "一键零报告").disabled
    assert "当日有病例（新增确诊 1）" in texts(at)


def test_a_day_with_a_new_observation_but_no_case_keeps_the_zero_report_button(city, page):
    """Issue 14 point 8: 零报告 means no case — a new observation is carried in the report, not a reason to
    refuse it."""
    store, paths = city
    system = Actor.system("test")
    write(store, system, lambda ctx: upsert_layer(ctx, "persons", pd.DataFrame(
        [{"code": "N1", "name": "新隔离", "building_code": "G11K1B2"}])))
    write(store, system, lambda ctx: start_observation(ctx, "N1", "home", start=TODAY))
    at = page(store, "reports", Actor("head1", "community_head", paths["C1"]))
    assert not button(at, "一键零报告").disabled
    at = click(at, "一键零报告")
    assert "零报告已报送" in texts(at)
    with store.read() as s:
        report = s.execute(select(DailyReport)).scalar_one()
    assert report.is_zero and report.figures["values"]["obs_new"] == 1


def test_a_correction_without_reason_is_refused_on_the_page(city, page):
    store, paths = city
    at = page(store, "reports", Actor("head1", "community_head", paths["C1"]))
    home = next(n for n in at.number_input if n.label == "居家观察")
    assert home.value == 1
    home.set_value(2)
    at = click(at, "确认报送")
    assert "须说明原因" in " ".join(e.value for e in at.error)
    with store.read() as s:
        assert s.execute(select(DailyReport)).first() is None


# --- /honours ---------------------------------------------------------------------------------------------------


def test_honours_page_asks_for_sign_in_and_shows_nothing_before(city, page):
    store, _ = city
    at = page(store, "honours")
    assert not at.header and [b.label for b in at.button] == ["登录"]  # the sign-in form's button only
    assert "登录" in " ".join(e.value for e in at.info)


def test_head_starts_an_application_from_the_page(city, page):
    store, paths = city
    at = page(store, "honours", Actor("head1", "community_head", paths["C1"]))
    picker = next(s for s in at.selectbox if s.label == "小区/自然村")
    picker.set_value("G11K2")
    at = click(at, "创建申报")
    assert "已办理" in texts(at)
    with store.read() as s:
        app = s.execute(select(HonourApplication)).scalar_one()
    assert (app.state, app.created_by) == ("draft", "head1")


def test_each_role_sees_only_its_step(city, page):
    store, paths = city
    system = Actor.system("test")
    code = write(store, system, lambda ctx: start_application(ctx, "G11K2", on=TODAY).code)
    write(store, system, lambda ctx: attach_evidence(ctx, code, "自评表.pdf", b"%PDF"))
    write(store, system, lambda ctx: submit_self_assessment(ctx, code, 72, on=TODAY))

    command = page(store, "honours", Actor("command", "command"))
    assert "初审通过" not in [b.label for b in command.button]
    head = page(store, "honours", Actor("head1", "community_head", paths["C1"]))
    assert "初审通过" not in [b.label for b in head.button]
    supervisor = page(store, "honours", Actor("supervisor", "supervisor", paths["S1"]))
    at = click(supervisor, "初审通过")
    assert "已办理" in texts(at)
    with store.read() as s:
        assert s.execute(select(HonourApplication.state)).scalar_one() == "street_reviewed"
    command = page(store, "honours", Actor("command", "command"))
    assert "评估通过（明查暗访）" in [b.label for b in command.button]


@pytest.mark.parametrize("name", ["reports", "honours"])
def test_a_head_typing_another_communitys_code_gets_nothing_of_it(city, page, name):
    store, paths = city
    head = Actor("head1", "community_head", paths["C1"])
    at = page(store, name, head, code="C2")
    assert "超出您的管辖范围" in " ".join(e.value for e in at.error)
    assert not at.header  # nothing of C2 was drawn
    own = page(store, name, head, code="C1")
    assert not own.error and own.header
