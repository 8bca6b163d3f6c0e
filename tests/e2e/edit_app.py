"""Entry script for the sign-in/editing tests: dashboard/app.py's navigation with the sign-in gate and the
/login, /my-grid and /audit pages wired in — the wiring dashboard/app.py gets (see dashboard/auth.py).

Pages are referenced by absolute path, so this script also runs from a copy next to a `static/` folder (the
browser test serves Leaflet from there, as Streamlit serves `static/` beside the entry script).
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

import dashboard
from dashboard import auth, offline_assets, state
from dashboard.components import controls
from dashboard.i18n import t
from geodata.scope import can_audit

PAGES = Path(dashboard.__file__).resolve().parent / "views"

st.set_page_config(page_title="网格防控一张图", layout="wide", initial_sidebar_state="collapsed")
offline_assets.use_local_assets()


def main() -> None:
    state.mark_entry()
    cfg = state.settings()
    lang = state.lang(cfg.default_lang)
    kiosk = state.kiosk()
    actor = auth.current_actor()

    def shown(ok: bool) -> str:
        return "visible" if ok else "hidden"

    wall = st.Page(PAGES / "wall.py", title=t("nav.wall", lang), url_path="wall", visibility=shown(actor is not None))
    explore = st.Page(PAGES / "explore.py", title=t("nav.explore", lang), url_path="explore",
                      visibility=shown(actor is not None))
    my_grid = st.Page(PAGES / "my_grid.py", title=t("nav.my_grid", lang), url_path="my-grid",
                      visibility=shown(actor is not None and actor.role != "viewer"))
    audit = st.Page(PAGES / "audit.py", title=t("nav.audit", lang), url_path="audit",
                    visibility=shown(actor is not None and can_audit(actor)))
    login = st.Page(PAGES / "login.py", title=t("nav.login", lang), url_path="login")

    def home() -> None:
        # "/" moves on to the page the person works on: the wall for the command centre and the wall screen
        target = wall if actor is None or actor.role in ("command", "viewer") else my_grid
        st.switch_page(target, query_params=st.query_params.to_dict())

    start = st.Page(home, title=t("nav.wall", lang), url_path="home", default=True, visibility="hidden")
    page = st.navigation([start, wall, explore, my_grid, audit, login], position="hidden" if kiosk else "top")

    if page.url_path != "login":
        # the gate: nothing of any page runs before sign-in; the requested URL stays and opens right after
        auth.require_signed_in()
    if not kiosk:
        with st.sidebar:
            st.markdown(f"### {t('app.title', lang)}")
            if actor is not None:
                auth.account_box(actor, lang)
            controls.language(lang, cfg.default_lang)
            controls.as_of(state.as_of(), lang)
    page.run()


main()
