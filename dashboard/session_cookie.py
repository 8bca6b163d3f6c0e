"""The sign-in cookie, set by the server with HttpOnly, so that no script in the page can read the session token.

Streamlit talks to the browser over a WebSocket: a sign-in made in a page run has no HTTP response to carry a
`Set-Cookie`, and a cookie written by page JavaScript can always be read back by page JavaScript (an injected
script could send it anywhere). Streamlit 1.67 serves the app with Starlette and lets an entry file add routes
(`st.App(..., routes=...)`, see dashboard/server.py), so the cookie is set by one route of ours:

1. the page run that signed in calls `offer(token, max_age)` and gets a one-time code (random, 60 s, held in
   this process's memory — the proxy keeps a browser on one process, README "several processes");
2. a two-line script in the page POSTs the code to `ROUTE`; the route swaps it for the token and answers with
   `Set-Cookie: gw_session=…; HttpOnly; SameSite=Strict; Path=/` (and `Secure` over HTTPS);
3. the browser sends the cookie on the WebSocket's upgrade request, where the app reads it
   (`st.context.cookies`, dashboard/auth.py). Signing out POSTs `{"clear": true}`: the answer deletes it.

The token itself never reaches the page: a code read by an injected script is worth nothing once used or after
60 s. Requests from another site (`Sec-Fetch-Site`) are refused, so no other site can plant its own session.
`MOUNTED` tells dashboard/auth.py whether this process serves the route (started through dashboard/server.py).
"""
from __future__ import annotations

import secrets
import threading
import time
from typing import Any

COOKIE = "gw_session"
ROUTE = "/gw/session"
CODE_SECONDS = 60.0

#: set when the route is served by this process (dashboard/server.py builds it); read by dashboard/auth.py
MOUNTED = False

_codes: dict[str, tuple[str, int, float]] = {}  # code -> (token, max-age, monotonic deadline)
_lock = threading.Lock()


def offer(token: str, max_age: int) -> str:
    """A one-time code the page swaps for the cookie carrying `token` (valid CODE_SECONDS, once)."""
    code = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, (_, _, deadline) in _codes.items() if deadline <= now]:
            del _codes[stale]
        _codes[code] = (token, max(int(max_age), 0), now + CODE_SECONDS)
    return code


def take(code: object) -> tuple[str, int] | None:
    """The token and max-age behind `code`, once; None when unknown, used or expired."""
    if not isinstance(code, str):
        return None
    with _lock:
        held = _codes.pop(code, None)
    if held is None or held[2] <= time.monotonic():
        return None
    return held[0], held[1]


def _cross_site(headers: Any) -> bool:
    # browsers send Sec-Fetch-Site on every fetch(); a request without it (curl, tests) proves nothing either way
    return headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")


async def session_cookie(request: Any) -> Any:
    """POST {"code": …} sets the HttpOnly cookie; POST {"clear": true} deletes it."""
    from starlette.responses import JSONResponse, Response

    if _cross_site(request.headers):
        return JSONResponse({"error": "cross-site request refused"}, status_code=403)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"error": "expected a JSON object"}, status_code=400)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    if body.get("clear") is True:
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
        return response
    taken = take(body.get("code"))
    if taken is None:
        return JSONResponse({"error": "unknown or used code"}, status_code=400)
    token, max_age = taken
    response.set_cookie(COOKIE, token, max_age=max_age, path="/", secure=secure, httponly=True, samesite="strict")
    return response


def route_path(base_url: str | None = None) -> str:
    """ROUTE under Streamlit's `server.baseUrlPath` (empty by default)."""
    base = (base_url or "").strip("/")
    return f"/{base}{ROUTE}" if base else ROUTE


def routes(base_url: str | None = None) -> list[Any]:
    """The route for `st.App(routes=...)`; marks this process as serving it."""
    from starlette.routing import Route

    global MOUNTED
    MOUNTED = True
    return [Route(route_path(base_url), session_cookie, methods=["POST"])]
