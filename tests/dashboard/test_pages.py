"""The pages' logic with Streamlit's AppTest: the real entry script and pages on real SQLite databases.

AppTest runs the app in this process and cannot click inside the folium map (it is an opaque component):
map clicks, Back and the kiosk look are in tests/e2e/test_wall.py and test_explore.py.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geodata.exchange.bulk import upsert_layer
from geodata.reporting import figures
from geodata.store.db import open_store
from geodata.store.hierarchy import breadcrumb
from geodata.store.writes import Actor, write
from loaders.demo import generate
from loaders.demo_store import store_demo
from tests.factories import building_frame, unit_frames
from tests.dashboard.apptest_pages import switch_to

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
EVIL = "<img src=x onerror=alert(1)>"
KPI = re.compile(r'data-kpi="(\w+)".*?class="gw-kpi-value"[^>]*>([^<]+)<', re.S)


# --- databases ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def street_url(tmp_path_factory) -> str:
    """The street-scale demo city (8 communities, 3k buildings), built once for this module (~2 s)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('street') / 'street.sqlite'}"
    store = open_store(url)
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _msg: None)
    store.dispose()
    return url


@pytest.fixture(scope="module")
def evil_url(tmp_path_factory) -> str:
    """tests/factories.py's small city, with a community named like an HTML injection."""
    url = f"sqlite:///{tmp_path_factory.mktemp('evil') / 'evil.sqlite'}"
    store = open_store(url)
    frames = unit_frames()
    frames["communities"].loc[frames["communities"]["code"] == "C1", "name"] = EVIL
    buildings = building_frame()
    buildings.loc[0, "name"] = EVIL

    def fill(ctx):
        for layer, frame in frames.items():
            upsert_layer(ctx, layer, frame, recompute=False)
        upsert_layer(ctx, "buildings", buildings)

    write(store, Actor.system("test"), fill)
    store.dispose()
    return url


def _command_token(url: str) -> str:
    """A session of a command-centre user (created when the database has none, e.g. the factory city)."""
    from sqlalchemy import select

    from geodata.people import sessions
    from geodata.people.accounts import create_user
    from geodata.store.models import Unit, User

    store = open_store(url)
    with store.read() as s:
        exists = s.execute(select(User).where(User.username == "command")).scalar_one_or_none()
        root = s.execute(select(Unit.code).where(Unit.parent_id.is_(None))).scalars().first()
    if exists is None:
        write(store, Actor.system("test"), lambda ctx: create_user(
            ctx, "command", "指挥部", "command", root, "demo1234"))
    token = sessions.sign_in(store, "command", "demo1234").token
    store.dispose()
    return token


@pytest.fixture
def app(monkeypatch):
    """`app(url, page="wall", **query) -> AppTest` after its first run, with fresh caches."""

    def _open(url: str, page: str = "wall", **query: str) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.delenv("TILE_URL", raising=False)
        # AppTest runs in this process: caches would carry one test's database into the next
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(APP), default_timeout=90)
        at.session_state["gw_token"] = _command_token(url)  # the pages sit behind the sign-in gate
        if page == "wall":
            for k, v in query.items():
                at.query_params[k] = v
            return at.run()
        # no first run of the default page (the wall): half of every open (apptest_pages)
        switch_to(at, f"views/{page}.py")
        for k, v in query.items():
            at.query_params[k] = v
        return at.run()

    yield _open
    st.cache_data.clear()
    st.cache_resource.clear()


# --- helpers -----------------------------------------------------------------------------------------------


def htmls(at: AppTest) -> list[str]:
    return [e.value for e in at.get("html")]


def kpi_values(at: AppTest) -> dict[str, str]:
    return {k: v for body in htmls(at) for k, v in KPI.findall(body)}


def number(text: str) -> int:
    return int(text.replace(",", ""))


def assert_ran(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def with_store(url: str):
    return open_store(url, migrate=False)


# --- /wall -------------------------------------------------------------------------------------------------


def test_wall_kpis_are_the_street_demo_totals(app, street_url):
    at = app(street_url)
    assert_ran(at)
    store = with_store(street_url)
    today = dt.date.today()
    with store.read() as s:
        root = figures.root_unit(s)
        totals = figures.unit_totals(s, root, today)
        street = breadcrumb(s, "420106001")[-1]
        communities = figures.children_with_figures(s, street, today)
    store.dispose()
    shown = kpi_values(at)
    for key in ("new_cases_today", "cases_7d", "locked_down", "checkpoints_understaffed",
                "releases_due_today", "releases_overdue"):
        assert number(shown[key]) == totals[key], key
    obs = totals["obs_home"] + totals["obs_central"] + totals["obs_self"] + totals["obs_temporary"]
    assert number(shown["observations"]) == obs
    # communities per situation level: the split card shows one number per level present
    situation = next(b for b in htmls(at) if 'data-kpi="situation"' in b)
    per_level = communities["situation_code"].value_counts()
    for code, n in per_level.items():
        assert re.search(rf">{n}</span><span class=\"gw-kpi-cell-label\">{code} ", situation), (code, n)
    assert sum(per_level) == 8


def test_wall_kpis_link_to_the_communities_behind_them(app, street_url):
    at = app(street_url)
    links = [link for link in at.get("page_link") if "focus" in str(link.proto.query_string)]
    assert {re.search(r"focus=(\w+)", link.proto.query_string).group(1) for link in links} >= {
        "cases_7d", "obs_total", "locked_down", "releases_due_today"}


def test_kiosk_wall_has_no_navigation_no_sidebar_controls_and_no_links(app, street_url):
    at = app(street_url, kiosk="1", theme="checkpoints")
    assert_ran(at)
    assert not at.sidebar.children, "kiosk: nothing in the sidebar"
    assert not at.get("page_link"), "kiosk: the wall is not clicked"
    assert any("stSidebar" in b and "display: none" in b for b in htmls(at)), "kiosk CSS hides the chrome"
    assert kpi_values(at)["cases_7d"]


def test_wall_in_english(app, street_url):
    at = app(street_url, lang="en")
    assert_ran(at)
    bodies = " ".join(htmls(at))
    assert "New cases today" in bodies and "今日新增病例" not in bodies


def test_wall_on_a_past_day_says_so_and_counts_that_day(app, street_url):
    day = dt.date.today() - dt.timedelta(days=5)
    at = app(street_url, on=day.isoformat())
    assert_ran(at)
    store = with_store(street_url)
    with store.read() as s:
        totals = figures.unit_totals(s, figures.root_unit(s), day)
    store.dispose()
    assert any("gw-past" in b and day.isoformat() in b for b in htmls(at))
    assert number(kpi_values(at)["cases_7d"]) == totals["cases_7d"]


def test_empty_database_shows_how_to_load_data(app, tmp_path):
    at = app(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert_ran(at)
    assert "loaders demo" in at.info[0].value


# --- /explore ----------------------------------------------------------------------------------------------


def keyed(at: AppTest, key: str):
    """The container made with st.container(key=key)."""
    return next(b for b in at.get("flex_container") if str(getattr(b.proto, "id", "")).endswith(f"-{key}"))


def breadcrumb_texts(at: AppTest) -> list[str]:
    crumbs = keyed(at, "breadcrumb")
    links = [link.proto.label for link in crumbs.get("page_link")]
    here = [html.unescape(re.sub("<[^>]+>", "", e.value)) for e in crumbs.get("html") if "gw-crumb-here" in e.value]
    return [re.sub(r"\\(.)", r"\1", label) for label in links] + here


def children_table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def test_explore_deep_link_shows_breadcrumb_children_and_card(app, street_url):
    at = app(street_url, page="explore", code="420106001001")
    assert_ran(at)
    assert breadcrumb_texts(at) == ["武汉市", "武昌区", "明山街道", "利楼社区"]
    table = children_table(at)
    assert len(table) == 8 and table["code"].str.startswith("420106001001G").all()
    card = next(b for b in htmls(at) if 'data-card="unit"' in b)
    assert "社区书记" in card and "利楼社区" in card
    assert "人员名单请在“我的网格”" in " ".join(c.value for c in at.caption)


def test_explore_without_code_starts_at_the_root(app, street_url):
    at = app(street_url, page="explore")
    assert_ran(at)
    assert breadcrumb_texts(at) == ["武汉市"]
    assert list(children_table(at)["code"]) == ["420106"]


def test_search_filters_the_children_table_by_chinese_name_or_code(app, street_url):
    at = app(street_url, page="explore", code="420106001")
    assert len(children_table(at)) == 8
    at.text_input(key="search-420106001").input("利楼").run()
    assert list(children_table(at)["name"]) == ["利楼社区"]
    at.text_input(key="search-420106001").input("001003").run()
    assert list(children_table(at)["code"]) == ["420106001003"]
    at.text_input(key="search-420106001").input("不存在").run()
    assert children_table(at).empty


def test_unknown_code_is_reported(app, street_url):
    at = app(street_url, page="explore", code="NOPE")
    assert_ran(at)
    assert "NOPE" in at.error[0].value


def test_building_card_from_the_query_string(app, street_url):
    store = with_store(street_url)
    with store.read() as s:
        grid = breadcrumb(s, "420106001001G01")[-1]
        building = figures.buildings_in(s, grid, dt.date.today()).iloc[0]
    store.dispose()
    at = app(street_url, page="explore", code=grid.code, building=building["code"])
    assert_ran(at)
    card = next(b for b in htmls(at) if 'data-card="building"' in b)
    for text in (building["name"], building["code"], building["leader_name"], building["leader_phone"],
                 f"{building['households']:,}", f"{building['population']:,}"):
        assert html.escape(str(text)) in card
    assert breadcrumb_texts(at)[-1] == building["name"]


def test_checkpoint_card_from_the_query_string(app, street_url):
    """?checkpoint= opens a checkpoint's card at grid level: its kind, people on duty against the norm, who is
    in charge; the staff link leads to it in its street's planner. An unknown code says so."""
    from geodata.checkpoints.rules import staffing_text

    store = with_store(street_url)
    with store.read() as s:
        crumbs = breadcrumb(s, "420106001001G01")
        cps = figures.checkpoints_in(s, crumbs[-1])
    store.dispose()
    cp = cps[cps["staffing"] == "under"].iloc[0] if (cps["staffing"] == "under").any() else cps.iloc[0]
    at = app(street_url, page="explore", code=crumbs[-1].code, checkpoint=cp["code"])
    assert_ran(at)
    card = next(b for b in htmls(at) if 'data-card="checkpoint"' in b)
    assert not any('data-card="building"' in b for b in htmls(at))
    for text in (cp["name"], cp["code"], cp["leader_name"], cp["leader_phone"], staffing_text(cp, "zh")):
        assert html.escape(str(text)) in card
    assert "≥" in staffing_text(cp, "zh")  # the norm is shown beside the people on duty
    assert breadcrumb_texts(at)[-1] == cp["name"]
    street = next(c.code for c in crumbs if c.level == 3)
    links = [p for p in at.get("page_link") if "checkpoints" in p.proto.page]
    assert [dict(p.proto.query_string and [kv.split("=") for kv in p.proto.query_string.split("&")])
            for p in links] == [{"code": street, "checkpoint": cp["code"]}]

    missing = app(street_url, page="explore", code=crumbs[-1].code, checkpoint="NOPE")
    assert_ran(missing)
    assert any("没有编码为 NOPE 的卡点" in w.value for w in missing.warning)


def test_focus_lists_the_communities_behind_a_wall_kpi(app, street_url):
    at = app(street_url, page="explore", code="420100", focus="obs_total")
    assert_ran(at)
    table = children_table(at)
    store = with_store(street_url)
    with store.read() as s:
        communities = figures.children_with_figures(s, breadcrumb(s, "420106001")[-1], dt.date.today())
    store.dispose()
    expected = communities[communities["obs_total"] > 0].sort_values("obs_total", ascending=False)
    assert list(table["code"]) == list(expected["code"])
    assert "parent_name" in table.columns


def test_hostile_unit_name_is_text_everywhere(app, evil_url):
    at = app(evil_url, page="explore", code="C1")
    assert_ran(at)
    bodies = htmls(at)
    assert not any(EVIL in b for b in bodies), "a data name reached HTML unescaped"
    assert any(html.escape(EVIL) in b for b in bodies)
    # page links are Markdown: the name is backslash-escaped so it is shown, not parsed
    labels = [link.proto.label for link in at.get("page_link")]
    assert not any(EVIL in label for label in labels)
    at = app(evil_url, page="explore", code="S1")
    assert EVIL in set(children_table(at)["name"])  # the table shows the text itself
    at = app(evil_url, page="explore", code="G11K1", building="G11K1B1")
    card = next(b for b in htmls(at) if 'data-card="building"' in b)
    assert html.escape(EVIL) in card and EVIL not in card


def widget(at: AppTest, kind: str, key: str):
    return next(w for w in at.get(kind) if w.key == key)


def test_sidebar_controls_write_language_day_and_theme_into_the_url(app, street_url):
    at = app(street_url)
    widget(at, "button_group", "lang_choice").set_value("en").run()
    assert at.query_params["lang"] == "en"
    assert "New cases today" in " ".join(htmls(at))
    day = dt.date.today() - dt.timedelta(days=3)
    widget(at, "date_input", "as_of_choice").set_value(day).run()
    assert at.query_params["on"] == day.isoformat()
    assert any("gw-past" in b for b in htmls(at))
    widget(at, "button_group", "theme_choice").set_value("checkpoints").run()
    assert at.query_params["theme"] == "checkpoints"
    assert_ran(at)


def test_wall_lists_open_alerts_and_the_command_centre_acknowledges_one(app, street_url):
    at = app(street_url)
    assert_ran(at)
    text = " ".join(htmls(at))
    assert "聚集性病例" in text and "社区传播" in text and "出现病例（S1" in text  # the demo's S1, cluster, S2
    buttons = [b for b in at.button if (b.key or "").startswith("ack-")]
    assert len(buttons) == 4
    buttons[0].click().run()
    assert_ran(at)
    assert len([b for b in at.button if (b.key or "").startswith("ack-")]) == 3
    from sqlalchemy import select

    from geodata.store.models import Event

    store = with_store(street_url)
    with store.read() as s:
        acks = s.execute(select(Event).where(Event.action == "alert.acknowledge")).scalars().all()
    store.dispose()
    assert [e.actor for e in acks] == ["command"]


def test_kiosk_wall_shows_alerts_without_buttons(app, street_url):
    at = app(street_url, kiosk="1")
    assert_ran(at)
    assert not [b for b in at.button if (b.key or "").startswith("ack-")]
