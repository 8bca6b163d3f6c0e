"""Signed-in sessions kept on the server: a random token in the browser, its hash in `auth_sessions`.

- `sign_in(store, username, password)` checks the password (geodata.people.accounts: argon2, slowed down after
  repeated failures) and opens a session; the token is returned once and never stored.
- `actor_for(store, token)` answers every page run: the user as an Actor (role, scope, grants read afresh), or
  None when the session is unknown, signed out, idle too long, past its absolute end, or the user disabled.
- `sign_out(store, token)` ends it. A password reset or a disabled account ends all of a user's sessions.

Why server-side rows and not a signed cookie: a session can be ended (sign-out, password reset, a stolen
laptop) and the audit can list who was signed in when; Streamlit keeps a browser tab's state only while its
WebSocket lives (facts B10), so the database is the place that survives a proxy hiccup or a reload.

Expiry (environment, read at each call so a test or an operator can change it):
- `GRIDWATCH_SESSION_IDLE_MINUTES` (30): a session unused this long ends;
- `GRIDWATCH_SESSION_HOURS` (12): no session lasts longer, used or not (one working shift);
- `GRIDWATCH_WALL_SESSION_DAYS` (30): the wall-screen account (`viewer`) has no idle limit — nobody touches an
  unattended wall — and lasts this many days.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from geodata.people.accounts import SignIn, UserActor, actor_of, authenticate
from geodata.people.authority import role_may
from geodata.store.auth_models import AuthSession
from geodata.store.db import Store
from geodata.store.models import Unit, User, utcnow
from geodata.store.writes import Actor, WriteContext, write

#: last_seen is written at most this often per session (one UPDATE a minute, not one per page run)
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta | None
    absolute: dt.timedelta

    @classmethod
    def for_role(cls, role: str, env: dict[str, str] | None = None) -> "SessionPolicy":
        env = dict(os.environ) if env is None else env
        if role_may(role, "session.wall"):  # the wall screen: no idle timeout, a long absolute one
            return cls(None, dt.timedelta(days=float(env.get("GRIDWATCH_WALL_SESSION_DAYS", "30"))))
        return cls(dt.timedelta(minutes=float(env.get("GRIDWATCH_SESSION_IDLE_MINUTES", "30"))),
                   dt.timedelta(hours=float(env.get("GRIDWATCH_SESSION_HOURS", "12"))))


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: the token to hand to the browser (once) and who signed in."""

    token: str
    actor: UserActor
    expires_at: dt.datetime
    ok: bool = True
    message_zh: str = "登录成功"
    message_en: str = "signed in"
    wait_seconds: int = 0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_in(store: Store, username: str, password: str, *, now: dt.datetime | None = None) -> SignedIn | SignIn:
    """Check the password and open a session; a failure is the `SignIn` of geodata.people.accounts (ok=False) with the
    message to show (wrong password, or the wait while the account is slowed down)."""
    now = now or utcnow()
    checked = authenticate(store, username.strip(), password, now=now)
    if not checked.ok or checked.actor is None:
        return checked
    actor = checked.actor
    token = secrets.token_urlsafe(32)
    policy = SessionPolicy.for_role(actor.role)
    expires = now + policy.absolute

    def open_session(ctx: WriteContext) -> None:
        user = ctx.session.execute(select(User).where(User.username == actor.username)).scalar_one()
        ctx.session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, username=user.username,
                                    created_at=now, expires_at=expires, last_seen=now))
        ctx.record("user.sign_in", "user", user.username, path=actor.scope_path,
                   new={"role": user.role, "expires_at": expires})

    write(store, actor, open_session)
    return SignedIn(token, actor, expires)


def _alive(row: AuthSession, role: str, now: dt.datetime) -> bool:
    if row.revoked_at is not None or row.expires_at <= now:
        return False
    idle = SessionPolicy.for_role(role).idle
    return idle is None or row.last_seen + idle > now


def actor_for(store: Store, token: str | None, *, now: dt.datetime | None = None) -> UserActor | None:
    """Who holds `token` now, or None (unknown, signed out, expired, idle too long, user disabled)."""
    if not isinstance(token, str) or not token:
        return None
    now = now or utcnow()
    with store.read() as s:
        row = s.execute(select(AuthSession, User).join(User, User.id == AuthSession.user_id).where(
            AuthSession.token_hash == token_hash(token))).first()
        if row is None:
            return None
        auth, user = row
        if not user.active or not _alive(auth, user.role, now):
            return None
        actor = actor_of(s, user)
    if now - auth.last_seen >= TOUCH_EVERY:
        # bookkeeping, not a change of data: no event and no data-version bump (which would make every open
        # screen re-read its figures once a minute per signed-in user)
        with store.session() as s, s.begin():
            s.execute(update(AuthSession).where(AuthSession.id == auth.id).values(last_seen=now))
    return actor


def sign_out(store: Store, token: str | None, *, now: dt.datetime | None = None) -> bool:
    """End the session holding `token`; True when one was open."""
    if not isinstance(token, str) or not token:
        return False
    now = now or utcnow()
    with store.read() as s:
        auth = s.execute(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).scalar_one_or_none()
        if auth is None or auth.revoked_at is not None:
            return False
        user = s.get(User, auth.user_id)
        scope = s.get(Unit, user.scope_unit_id).path if user.scope_unit_id else None

    def end(ctx: WriteContext) -> None:
        ctx.session.execute(update(AuthSession).where(AuthSession.id == auth.id).values(revoked_at=now))
        ctx.record("user.sign_out", "user", auth.username, path=scope)

    write(store, Actor(auth.username, user.role, scope), end)
    return True


def open_sessions(store: Store, username: str, *, now: dt.datetime | None = None) -> int:
    """How many live sessions `username` has (for the user list and tests)."""
    now = now or utcnow()
    with store.read() as s:
        rows = s.execute(select(AuthSession, User.role).join(User, User.id == AuthSession.user_id).where(
            AuthSession.username == username)).all()
    return sum(1 for auth, role in rows if _alive(auth, role, now))
