"""/login: sign in (Chinese/English), or see who is signed in, sign out and go on to one's page.

The same form appears in place of any page opened without signing in (dashboard.auth.require_signed_in), so a
deep link (/my-grid?code=…, /wall?kiosk=1) opens right after signing in; this page is the place to go on purpose.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import auth, state
from dashboard.components.edit_text import plain, role_label
from dashboard.i18n import t
from geodata.people import authority
from geodata.reporting import access

PAGES = Path(__file__).resolve().parent


def main() -> None:
    state.require_entry()
    v = state.view()
    lang = v.lang
    actor = auth.current_actor()
    if actor is None:
        auth.sign_in_form(key="login-page")
        return
    with v.store.read() as s:
        home = access.home(s, actor)
    st.success(t("auth.done", lang))
    st.write(t("auth.signed_in_as", lang, name=plain(actor.display_name or actor.username),
               role=plain(role_label(actor.role, lang))))
    if home is not None:
        st.write(t("auth.scope", lang, scope=plain(f"{home.name}（{home.code}）")))
    # absolute paths: the entry script may live elsewhere (tests/e2e/edit_app.py), Streamlit joins them as given
    # links to the pages this person may open (the "page.…" actions of geodata.people.authority, as the navigation)
    if authority.allowed(actor, "page.my_grid"):
        st.page_link(str(PAGES / "my_grid.py"), label=t("auth.go", lang, page=t("nav.my_grid", lang)))
    if authority.allowed(actor, "page.wall"):
        st.page_link(str(PAGES / "wall.py"), label=t("auth.go", lang, page=t("nav.wall", lang)))
    if authority.allowed(actor, "page.audit"):
        st.page_link(str(PAGES / "audit.py"), label=t("auth.go", lang, page=t("nav.audit", lang)))
    if st.button(t("auth.sign_out", lang), key="login-sign-out"):
        auth.sign_out()
        st.rerun()


main()
