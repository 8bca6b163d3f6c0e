"""Entry script for browser tests of /checkpoints: what dashboard/app.py does for a page, for this page alone.

`GW_E2E_ACTOR=username:role:SCOPE_CODE` signs that person in for the session (the account is created when the
database has none; a stand-in for the sign-in page, which is not part of this test): the page refuses anyone who is
not signed in with a role that may open it ("page.checkpoints" in geodata.people.authority). Streamlit serves `static/` next to the script it runs, so the test copies this
file and dashboard/static/ into a temporary folder; the page itself is found through the `dashboard` package.
"""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

import dashboard
from dashboard import auth, offline_assets, state
from geodata.people import sessions
from geodata.people.accounts import create_user
from geodata.store.models import User
from geodata.store.writes import Actor, write

PAGE = Path(dashboard.__file__).resolve().parent / "views" / "checkpoints.py"

st.set_page_config(page_title="卡点布设", layout="wide", initial_sidebar_state="collapsed")
offline_assets.use_local_assets()
state.mark_entry()

PASSWORD = "e2e-password"

spec = os.environ.get("GW_E2E_ACTOR")
if spec and auth.TOKEN_KEY not in st.session_state:
    username, role, scope = (spec.split(":") + ["", ""])[:3]
    store = state.store_for(state.settings().database_url)
    with store.read() as s:
        exists = s.query(User).filter(User.username == username).one_or_none() is not None
    if not exists:
        write(store, Actor.system("e2e"), lambda ctx: create_user(ctx, username, username, role, scope or None,
                                                                   PASSWORD))
    st.session_state[auth.TOKEN_KEY] = sessions.sign_in(store, username, PASSWORD).token

st.navigation([st.Page(PAGE, title="卡点布设", url_path="checkpoints", default=True)], position="hidden").run()
