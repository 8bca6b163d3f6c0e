"""/gate with Streamlit's AppTest on the two-street test city (SQLite and PostgreSQL): the grid leader's log shows a
fever row flagged and a hostile note as text, the street sees today's counts per checkpoint without the entry form,
and the wall account is refused the page."""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from geodata.fieldwork import entries
from geodata.people import sessions
from geodata.store.writes import write
from tests.geodata.test_scope_city import PASSWORD, actor, city  # noqa: F401 — `city` is a fixture
from tests.dashboard.apptest_pages import switch_to

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
EVIL = "<img src=x onerror=alert(1)>"


def _open(store, monkeypatch, username: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", store.url)
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["gw_token"] = sessions.sign_in(store, username, PASSWORD).token
    switch_to(at, "views/gate.py")  # no first run of the default page (apptest_pages)
    at.query_params["checkpoint"] = "E1"
    return at.run()


def _html(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.get("html"))


def _buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.get("button")] + [b.proto.label for b in at.get("form_submit_button")
                                                  if hasattr(b, "proto")]


def test_gate_page_by_role(city, monkeypatch):
    write(city, actor(city, "grid11"), lambda ctx: entries.register_entry(
        ctx, "E1", direction="in", temperature=38.0, resident=False, note=EVIL))
    at = _open(city, monkeypatch, "grid11")
    assert not at.exception
    page = _html(at)
    assert 'class="gw-fever"' in page and "⚠ 38.0" in page
    assert EVIL not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "登记" in _buttons(at)  # the entry form of the worker on duty there
    street = _open(city, monkeypatch, "sup1")
    assert not street.exception and "登记" not in _buttons(street)  # the street reads, never registers
    assert any("今日各卡点进出" in m.value for m in street.markdown)
    wall = _open(city, monkeypatch, "wall")
    assert [e.value for e in wall.error] == ["您的角色（大屏只读）不能打开此页面。"]
    st.cache_data.clear()
