"""Issue 16: no English leftovers in the Chinese UI. Every page (each /my-grid section) is run for every role of the
two-street test city in Chinese, and what Streamlit would draw in English is looked for:

- a select box or multiselect without a placeholder of ours: the browser then writes "Choose an option",
  "Choose options" or "No options to select" (Streamlit fills an empty placeholder in English);
- a date input in Streamlit's default "YYYY/MM/DD" (the rest of the app writes dates as 2026-12-05);
- English words in labels, table headers and table cells ("None", "empty", raw field names like leader_name).

Runs on SQLite and PostgreSQL through the real entry script, like tests/dashboard/test_page_security.py's `app`.
"""
from __future__ import annotations

import json
import re

import pytest
import streamlit as st

from streamlit.testing.v1 import AppTest

from geodata.people import authority, sessions
from tests.dashboard.test_page_security import APP, FILES, app  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import PASSWORD, USERS, actor, city  # noqa: F401 — `city` is a fixture
from tests.dashboard.apptest_pages import switch_to

PAGES = ("wall", "explore", "checkpoints", "reports", "honours", "import", "audit")
SECTIONS = ("today", "status", "buildings", "checkpoints", "observations", "cases", "households", "map", "history")
WIDGETS = ("selectbox", "multiselect", "radio", "text_input", "number_input", "date_input", "checkbox", "button",
           "text_area", "segmented_control")
#: what Python or pandas write for a missing value
MISSING_WORDS = re.compile(r"^(None|nan|NaN|NaT|<NA>|empty)$|\b(None|NaN|NaT)\b")
#: English on a Chinese screen: Streamlit's own words, and raw field names (leader_name, community_checkpoint)
ENGLISH = re.compile(r"\b(None|empty|Choose|Select all|Upload|per file|[a-z]+_[a-z_]+)\b")


def _labels(at) -> list[str]:
    """Widget labels and table headers: where a raw field name or an English word must never be."""
    out = [str(getattr(w, "label", "") or "") for kind in WIDGETS for w in at.get(kind)]
    return out + [h for df in _tables(at) for h in _headings(df)]


def _tables(at) -> list:
    """Every table drawn: Streamlit's AppTest calls them "dataframe" (st.dataframe, st.data_editor); older
    versions "arrow_data_frame". Looking at only the old kind checked no table at all."""
    return [df for kind in ("dataframe", "arrow_data_frame") for df in at.get(kind)]


def _headings(df) -> list[str]:
    """The headings a person sees: a column's configured label (st.column_config) or else its name; hidden
    columns and those left out of `column_order` are not drawn."""
    config = json.loads(getattr(df.proto, "columns", "") or "{}")
    order = list(getattr(df.proto, "column_order", []) or [])
    shown = [c for c in df.value.columns if not order or str(c) in order]
    return [str((config.get(str(c)) or {}).get("label") or c) for c in shown
            if not (config.get(str(c)) or {}).get("hidden")]


def _values(at) -> list[str]:
    """Options as shown and table cells: where "None", "nan" or "empty" must never be."""
    out = [str(o) for kind in WIDGETS for w in at.get(kind) for o in (getattr(w, "options", None) or [])]
    return out + [str(v) for df in _tables(at) for col in df.value.columns
                  for v in df.value[col].astype(object).tolist() if isinstance(v, str)]


def _english_placeholders(at) -> list[str]:
    """The widgets the browser would fill with Streamlit's English placeholder."""
    bad = []
    for w in at.get("multiselect"):
        if not w.proto.placeholder.strip():
            bad.append(f"multiselect {w.label!r}")
    for w in at.get("selectbox"):
        if not w.proto.placeholder.strip() and (not w.proto.HasField("default") or not w.proto.options):
            bad.append(f"selectbox {w.label!r}")
    for w in at.get("date_input"):
        if w.proto.format != "YYYY-MM-DD":
            bad.append(f"date_input {w.label!r} ({w.proto.format})")
    return bad


def _runs(username: str, city) -> list[tuple[str, dict[str, str]]]:
    who = actor(city, username)
    runs = [(page, {}) for page in PAGES if authority.allowed(who, f"page.{page}")]
    if authority.allowed(who, "page.my_grid"):
        runs += [("my_grid", {"section": s}) for s in SECTIONS]
    return runs


@pytest.fixture
def browse(city, monkeypatch):
    """`browse(username) -> open(page, **query) -> AppTest`: one signed-in session per role that goes from page to
    page, as a person does. `app` starts a session per page, and its first run draws the default page (the wall)
    before switch_page: that doubled the runs (16 pages of the command role: 23 s → 8 s). The caches are still
    emptied before every page, so each page reads the database itself, as in `app`."""
    monkeypatch.setenv("DATABASE_URL", city.url)
    monkeypatch.delenv("TILE_URL", raising=False)

    def _session(username: str):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["gw_token"] = sessions.sign_in(city, username, PASSWORD).token

        def _open(page: str, **query: str) -> AppTest:
            st.cache_data.clear()
            st.cache_resource.clear()
            switch_to(at, f"views/{FILES.get(page, page)}.py")
            at.query_params.clear()  # the previous page's ?section= must not reach this one
            for k, v in query.items():
                at.query_params[k] = v
            return at.run()

        return _open

    yield _session
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize("username", sorted(USERS))
def test_no_english_leftovers_on_any_page_in_chinese(browse, city, username):
    found: dict[str, list[str]] = {}
    open_page = browse(username)
    for page, query in _runs(username, city):
        at = open_page(page, **query)
        where = f"{page}{query or ''}"
        if at.exception:
            found[where] = ["the page failed"]
            continue
        words = ([m.group(0) for text in _labels(at) for m in [ENGLISH.search(text)] if m]
                 + [m.group(0) for text in _values(at) for m in [MISSING_WORDS.search(text)] if m])
        problems = _english_placeholders(at) + words
        if problems:
            found[where] = problems
    assert not found, found


#: a buildings sheet whose 管控状态 says 硬隔离: the reader adds the basis (control_basis) to what it read
SEALED_SHEET = "楼栋编码,楼栋名称,小区编码,管控状态,经度,纬度\nB1,一号楼,G11K1,硬隔离,114.30,30.55\n".encode()


def test_the_import_preview_names_every_column_in_chinese(app, city):
    """The preview of a read file (issue 14: 封锁依据 is a column the file did not name) — a run above uploads
    nothing, so this one does."""
    at = app("command", "import")
    at.get("file_uploader")[0].set_value(("楼栋.csv", SEALED_SHEET, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    preview = [df.value for df in _tables(at) if "楼栋编码" in df.value.columns]
    assert preview and {"封锁依据", "管控状态"} <= set(preview[0].columns), [list(p.columns) for p in preview]
    assert (preview[0].at[0, "管控状态"], preview[0].at[0, "封锁依据"]) == ("封锁/硬隔离", "硬隔离")  # words, not codes
    assert [m.group(0) for text in _labels(at) for m in [ENGLISH.search(text)] if m] == []


def test_the_file_uploader_says_its_limit_in_chinese(app, city):
    at = app("command", "import")
    assert not at.exception
    limit = st.get_option("server.maxUploadSize")
    css = " ".join(h.value for h in at.get("html") if "stFileUploaderDropzoneInstructions" in h.value)
    assert f"单个文件不超过 {limit}MB" in css and "选择文件" in css
