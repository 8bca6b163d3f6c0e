"""The AppTest helpers open a page before the first run (tests/dashboard/apptest_pages.switch_to): a first run drew
the default page (the wall, or /my-grid) and was half of every open. Streamlit's docs ask for one run first,
because before it a page is known by its file name, not its url_path. This checks that every page opens the same
either way, so the helpers cannot quietly test another page (it caught /my-grid opening the wall)."""
from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geodata.people import sessions
from tests.dashboard.apptest_pages import switch_to
from tests.dashboard.test_page_security import APP, FILES, PAGES
from tests.geodata.test_scope_city import PASSWORD, city  # noqa: F401 — `city` is a fixture

WIDGETS = ("button", "selectbox", "multiselect", "radio", "text_input", "number_input", "checkbox", "date_input",
           "text_area", "toggle", "slider", "select_slider", "color_picker", "time_input")


def identity(at: AppTest) -> tuple:
    """What tells one page from another: its headings, its widgets' keys and labels, and its refusals."""
    keys = sorted({(kind, str(w.key or ""), str(getattr(w, "label", ""))) for kind in WIDGETS for w in at.get(kind)})
    heads = [str(h.value) for kind in ("title", "header", "subheader") for h in at.get(kind)]
    return tuple(heads), tuple(keys), tuple(str(e.value) for e in at.error), tuple(str(e.value) for e in at.exception)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_page_opened_before_the_first_run_is_the_page_opened_after_it(city, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", city.url)
    monkeypatch.delenv("TILE_URL", raising=False)
    token = sessions.sign_in(city, "command", PASSWORD).token
    seen = {}
    for page in PAGES:
        opened = []
        for first_run in (True, False):
            st.cache_data.clear()
            at = AppTest.from_file(str(APP), default_timeout=120)
            at.session_state["gw_token"] = token
            if first_run:
                at.run()
            switch_to(at, f"views/{FILES.get(page, page)}.py")
            opened.append(identity(at.run()))
        assert opened[0] == opened[1], (page, opened)
        seen[page] = opened[0]
    # and the pages differ from each other: an identity that every page shared would prove nothing
    assert len(set(seen.values())) == len(seen), [p for p in seen if list(seen.values()).count(seen[p]) > 1]
