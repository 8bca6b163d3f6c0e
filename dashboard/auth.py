"""Who is signed in on this browser tab, and the sign-in gate every page goes through.

The session lives on the server (geodata.people.sessions); the browser holds its random token twice: in
`st.session_state` (this tab, this WebSocket) and in a cookie (`gw_session`, HttpOnly, SameSite=Strict, path /),
so that a reload, a second tab or a wall PC after a restart is still signed in until the session expires.
Streamlit can read cookies (`st.context.cookies`) but a page run cannot set them: once after signing in (or
out) a two-line script in the page POSTs a one-time code to our route, whose answer sets (or deletes) the
cookie HttpOnly — no page script ever sees the token (dashboard/session_cookie.py; the route exists when the app
is started through dashboard/server.py, otherwise the script writes the cookie itself, readable by the page).
The server-side row is what counts — a copied cookie of an ended session opens nothing. Every page run asks
geodata who holds the token, so an expired, signed-out or disabled session, or a changed role or scope, applies
on the next run. Within one run the answer is asked once (`new_run()` at the start of every run and of the wall's
timed fragment; at most RUN_MEMO_S old in any case): a drill asked it six times, three queries each.

    new_run()                                      # a run starts: the next current_actor() asks geodata
    current_actor() -> UserActor | None
    require_signed_in(action=None) -> UserActor    # or shows the sign-in form / a refusal and stops the run
    require_unit(code, action=None) -> UnitRef     # the same, and the unit must lie in the actor's scope
    home_code() -> str | None                      # where the signed-in person starts (their scope's unit)
    sign_in_form(), account_box(actor), sign_out()
"""
from __future__ import annotations

import datetime as dt
import json
import time

import streamlit as st

from dashboard import session_cookie, state
from dashboard.components.edit_text import plain, role_label
from dashboard.components.refusals import show_refusal
from dashboard.i18n import t
from geodata.base.problems import Refusal
from geodata.people import authority, sessions
from geodata.people.accounts import UserActor
from geodata.reporting import access
from geodata.store.hierarchy import UnitRef

TOKEN_KEY = "gw_token"
#: where pages written before sign-in existed read the Actor (checkpoints, reports, honours, import): kept in step
#: with the server session on every run, never trusted on its own by this module
ACTOR_KEY = "actor"
COOKIE = session_cookie.COOKIE
_SIGNED_OUT = "gw_signed_out"
_SET_COOKIE = "gw_set_cookie"
#: this run's answer: (token, when, actor)
_RUN_MEMO = "gw_actor_this_run"
#: the longest a run reuses its answer: a safety net for a fragment run that does not call new_run()
RUN_MEMO_S = 2.0


def _store():  # noqa: ANN202 — geodata.store.db.Store
    return state.store_for(state.settings().database_url)


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 — no request context (AppTest, bare mode): no cookie
        return None
    return value if isinstance(value, str) and value else None


def new_run() -> None:
    """A page run (or the wall's timed fragment) starts: the next `current_actor()` asks geodata afresh."""
    st.session_state.pop(_RUN_MEMO, None)


def current_actor() -> UserActor | None:
    """The signed-in user of this tab (fresh from the database once per run), or None."""
    token = st.session_state.get(TOKEN_KEY)
    if token is None and not st.session_state.get(_SIGNED_OUT):
        token = _cookie_token()
    memo = st.session_state.get(_RUN_MEMO)
    if token and memo and memo[0] == token and time.monotonic() - memo[1] < RUN_MEMO_S:
        actor = memo[2]
    else:
        actor = sessions.actor_for(_store(), token) if token else None
    if actor is None:
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state.pop(ACTOR_KEY, None)
        st.session_state.pop(_RUN_MEMO, None)
    else:
        st.session_state[TOKEN_KEY] = token
        st.session_state[ACTOR_KEY] = actor
        if not memo or memo[0] != token or memo[2] is not actor:
            st.session_state[_RUN_MEMO] = (token, time.monotonic(), actor)
    _flush_cookie()
    return actor


def _flush_cookie() -> None:
    """Set (or clear) the cookie once, on the run after signing in (or out)."""
    pending = st.session_state.pop(_SET_COOKIE, None)
    if pending is None:
        return
    token, max_age = pending
    st.html(f"<script>{_cookie_script(token, max_age)}</script>", unsafe_allow_javascript=True, width="content")


def _cookie_script(token: str, max_age: int) -> str:
    """The page script that sets the cookie (empty token: clears it). Through our route when this process
    serves it: the page gets a one-time code, never the token, and the cookie is HttpOnly."""
    if session_cookie.MOUNTED:
        body = {"clear": True} if not token else {"code": session_cookie.offer(token, max_age)}
        path = session_cookie.route_path(st.get_option("server.baseUrlPath"))
        return (f"fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', "
                f"headers: {{'Content-Type': 'application/json'}}, body: {json.dumps(json.dumps(body))}}});")
    # started as `streamlit run dashboard/app.py`: no route, so the page writes a cookie it can also read. The
    # token is URL-safe base64 (secrets.token_urlsafe): nothing in it can break out of the string.
    return f"document.cookie = '{COOKIE}={token}; path=/; max-age={max_age}; SameSite=Strict';"


def sign_in_form(*, key: str = "signin") -> UserActor | None:
    """The sign-in form (Chinese/English per the page language). On success the tab is signed in and the page
    runs again; the refusal (wrong password, or the wait after repeated failures) comes from geodata."""
    lang = state.lang(state.settings().default_lang)
    st.subheader(t("auth.title", lang))
    with st.form(key, clear_on_submit=False, border=True):
        username = st.text_input(t("auth.username", lang), key=f"{key}-user", autocomplete="username")
        password = st.text_input(t("auth.password", lang), type="password", key=f"{key}-password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("auth.submit", lang), type="primary")
    st.caption(t("auth.hint", lang))
    if not submitted:
        return None
    result = sessions.sign_in(_store(), username or "", password or "")
    if not result.ok:
        show_refusal(result.refusal, lang)
        if result.wait_seconds:
            st.caption(t("auth.wait", lang, s=result.wait_seconds))
        return None
    max_age = max(int((result.expires_at - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).total_seconds()),
                  0)
    st.session_state[TOKEN_KEY] = result.token
    st.session_state[_SET_COOKIE] = (result.token, max_age)
    st.session_state.pop(_SIGNED_OUT, None)
    st.rerun()
    return result.actor  # not reached: st.rerun() ends this run


def sign_out() -> None:
    """End this tab's session on the server and forget the token here and in the cookie."""
    token = st.session_state.pop(TOKEN_KEY, None) or _cookie_token()
    st.session_state.pop(_RUN_MEMO, None)
    sessions.sign_out(_store(), token)
    st.session_state[_SIGNED_OUT] = True
    st.session_state[_SET_COOKIE] = ("", 0)


def require_signed_in(action: str | None = None) -> UserActor:
    """The signed-in user, or stop this run: with the sign-in form in place of the page when nobody is signed in
    (the requested URL stays, so it opens right after signing in), with a refusal when the person may not take
    `action` (a "page.…" action of geodata.people.authority: the table the navigation uses). The page's own data is still checked by geodata on every read: this only saves a page run."""
    actor = current_actor()
    if actor is None:
        lang = state.lang(state.settings().default_lang)
        st.info(t("auth.need", lang))
        sign_in_form()
        st.stop()
    if action is not None and not authority.allowed(actor, action):
        lang = state.lang(state.settings().default_lang)
        st.error(t("auth.role_refused", lang, role=plain(role_label(actor.role, lang))))
        st.stop()
    return actor


def require_unit(code: str, action: str | None = None) -> UnitRef:
    """The unit `code` for a page that shows it (/explore?code=…): signed in, and the unit under the person's
    scope — otherwise the refusal from geodata is shown and the run stops, with nothing of that unit read."""
    actor = require_signed_in(action)
    with _store().read() as s:
        try:
            return access.unit(s, actor, code)
        except Refusal as exc:
            show_refusal(exc, state.lang(state.settings().default_lang))
            st.stop()
    raise AssertionError("not reached")  # st.stop() ends the run


def home_code() -> str | None:
    """The code of the signed-in person's own unit (the city for whole-city scopes), e.g. the wall's root."""
    actor = current_actor()
    if actor is None:
        return None
    with _store().read() as s:
        home = access.home(s, actor)
    return home.code if home else None


def account_box(actor: UserActor, lang: str, *, scope_name: str | None = None) -> None:
    """Who is signed in, their scope and the sign-out button (for the sidebar)."""
    st.caption(t("auth.signed_in_as", lang, name=plain(actor.display_name or actor.username),
                 role=plain(role_label(actor.role, lang))))
    if scope_name:
        st.caption(t("auth.scope", lang, scope=plain(scope_name)))
    if st.button(t("auth.sign_out", lang), key="gw-sign-out"):
        sign_out()
        st.rerun()
