"""Entry script for browser tests of /checkpoints: what dashboard/app.py does for a page, for this page alone.

`GW_E2E_ACTOR=username:role:SCOPE_CODE` signs that person in for the session (a stand-in for the sign-in page,
which is not part of this test). Streamlit serves `static/` next to the script it runs, so the test copies this
file and dashboard/static/ into a temporary folder; the page itself is found through the `dashboard` package.
"""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

import dashboard
from dashboard import offline_assets, state
from geodata.hierarchy import unit_by_code
from geodata.writes import Actor

PAGE = Path(dashboard.__file__).resolve().parent / "views" / "checkpoints.py"

st.set_page_config(page_title="卡点布设", layout="wide", initial_sidebar_state="collapsed")
offline_assets.use_local_assets()
state.mark_entry()

spec = os.environ.get("GW_E2E_ACTOR")
if spec and "actor" not in st.session_state:
    username, role, scope = (spec.split(":") + ["", ""])[:3]
    path = None
    if scope:
        with state.store_for(state.settings().database_url).read() as s:
            path = unit_by_code(s, scope).path
    st.session_state["actor"] = Actor(username, role, path)

st.navigation([st.Page(PAGE, title="卡点布设", url_path="checkpoints", default=True)], position="hidden").run()
