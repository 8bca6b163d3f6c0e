"""Issue 16: no English leftovers in the Chinese UI. Every page (each /my-grid section) is run for every role of the
two-street test city in Chinese, and what Streamlit would draw in English is looked for:

- a select box or multiselect without a placeholder of ours: the browser then writes "Choose an option",
  "Choose options" or "No options to select" (Streamlit fills an empty placeholder in English);
- a date input in Streamlit's default "YYYY/MM/DD" (the rest of the app writes dates as 2026-12-05);
- English words in labels, table headers and table cells ("None", "empty", raw field names like leader_name).

Runs on SQLite and PostgreSQL through tests/dashboard/test_page_security.py's `app` (the real entry script).
"""
from __future__ import annotations

import re

import pytest
import streamlit as st

from geodata.people import authority
from tests.dashboard.test_page_security import app  # noqa: F401 — a fixture: the real entry script
from tests.geodata.test_scope_city import USERS, actor, city  # noqa: F401 — `city` is a fixture

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
    return out + [str(c) for df in at.get("arrow_data_frame") for c in df.value.columns]


def _values(at) -> list[str]:
    """Options as shown and table cells: where "None", "nan" or "empty" must never be."""
    out = [str(o) for kind in WIDGETS for w in at.get(kind) for o in (getattr(w, "options", None) or [])]
    return out + [str(v) for df in at.get("arrow_data_frame") for col in df.value.columns
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


@pytest.mark.parametrize("username", sorted(USERS))
def test_no_english_leftovers_on_any_page_in_chinese(app, city, username):
    found: dict[str, list[str]] = {}
    for page, query in _runs(username, city):
        at = app(username, page, **query)
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


def test_the_file_uploader_says_its_limit_in_chinese(app, city):
    at = app("command", "import")
    assert not at.exception
    limit = st.get_option("server.maxUploadSize")
    css = " ".join(h.value for h in at.get("html") if "stFileUploaderDropzoneInstructions" in h.value)
    assert f"单个文件不超过 {limit}MB" in css and "选择文件" in css
