"""The entry to serve the dashboard: `streamlit run dashboard/server.py` (what `make run` should start).

Every browser tab still runs dashboard/app.py, exactly as `streamlit run dashboard/app.py` would; this file adds
the one HTTP route that is not Streamlit's own — POST /gw/session, which sets the sign-in cookie HttpOnly
(dashboard/session_cookie.py says why a page cannot). Streamlit finds `app` by reading this file and serves it
with its usual options (`--server.port`, .streamlit/config.toml). Started as `streamlit run dashboard/app.py`
the app works too, but then the cookie is written by page JavaScript and page JavaScript can read it.
"""
from __future__ import annotations

import streamlit as st

from dashboard.session_cookie import routes

app = st.App("app.py", routes=routes(st.get_option("server.baseUrlPath")))
