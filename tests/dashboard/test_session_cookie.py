"""Issue 18 hole 9: the sign-in cookie is set by the server, HttpOnly, in exchange for a one-time code; the page
script never holds the token (dashboard/session_cookie.py, dashboard/auth.py). The browser end to end is
tests/e2e/test_session_cookie.py."""
from __future__ import annotations

import asyncio
import json

import pytest

from dashboard import auth, session_cookie


def post(body: object, headers: dict[str, str] | None = None, scheme: str = "http"):
    """Call the route as Starlette would for one POST (no HTTP client needed)."""
    from starlette.requests import Request

    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    scope = {"type": "http", "method": "POST", "path": session_cookie.ROUTE, "scheme": scheme,
             "server": ("127.0.0.1", 8501), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in {"content-type": "application/json",
                                                                        **(headers or {})}.items()]}

    async def receive():
        return {"type": "http.request", "body": raw, "more_body": False}

    return asyncio.run(session_cookie.session_cookie(Request(scope, receive)))


def set_cookie(response) -> str:
    return "; ".join(v.decode() for k, v in response.raw_headers if k == b"set-cookie")


def test_a_code_sets_an_httponly_cookie_once():
    code = session_cookie.offer("the-token", 3600)
    response = post({"code": code})
    assert response.status_code == 204
    cookie = set_cookie(response)
    assert cookie.startswith("gw_session=the-token;")
    assert all(part in cookie for part in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=3600"))
    assert "Secure" not in cookie and "Secure" in set_cookie(post({"code": session_cookie.offer("t", 9)},
                                                                    scheme="https"))
    again = post({"code": code})  # used: worth nothing to whoever reads it later
    assert again.status_code == 400 and set_cookie(again) == ""


@pytest.mark.parametrize("body", [{"code": "guessed"}, {"code": None}, {}, ["code"], b"not json"])
def test_an_unknown_or_malformed_request_sets_nothing(body):
    response = post(body)
    assert response.status_code == 400 and set_cookie(response) == ""


def test_a_code_expires(monkeypatch):
    code = session_cookie.offer("the-token", 3600)
    later = session_cookie.time.monotonic() + session_cookie.CODE_SECONDS + 1
    monkeypatch.setattr(session_cookie.time, "monotonic", lambda: later)
    assert session_cookie.take(code) is None


def test_another_site_cannot_plant_a_session():
    code = session_cookie.offer("attackers-token", 3600)
    response = post({"code": code}, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and set_cookie(response) == ""
    assert post({"code": code}, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 204


def test_clearing_deletes_the_cookie():
    cookie = set_cookie(post({"clear": True}))
    assert cookie.startswith('gw_session="";') and "Max-Age=0" in cookie and "HttpOnly" in cookie


def test_the_page_script_carries_a_code_not_the_token(monkeypatch):
    """With the route served, the script in the page names a one-time code; only without it (the app started
    as dashboard/app.py) does the page write the cookie itself."""
    monkeypatch.setattr(session_cookie, "MOUNTED", True)
    script = auth._cookie_script("secret-session-token", 600)
    assert "secret-session-token" not in script and "document.cookie" not in script
    code = json.loads(json.loads(script.split("body: ", 1)[1].rstrip("});")))["code"]
    assert session_cookie.take(code) == ("secret-session-token", 600)
    assert json.loads(json.loads(auth._cookie_script("", 0).split("body: ", 1)[1].rstrip("});"))) == {"clear": True}
    monkeypatch.setattr(session_cookie, "MOUNTED", False)
    assert "document.cookie" in auth._cookie_script("secret-session-token", 600)
