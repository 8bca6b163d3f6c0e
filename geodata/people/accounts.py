"""People who sign in: roles, scopes, grants, password hashes (argon2) and slowed-down repeated failures.

Sessions (what a browser holds after signing in) are geodata.people.sessions; who may do what is
geodata.people.authority's action table, and where, geodata.people.scope. Role names are geodata.base.vocab.ROLES.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, DateTime, case, literal, null, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from geodata.base.problems import Problem, Refusal, Rejected
from geodata.base.vocab import ROLES
from geodata.people.authority import GRANTS, grantable
from geodata.store.auth_models import AuthSession, UserGrant
from geodata.store.db import Store
from geodata.store.hierarchy import UnknownUnit, unit_by_code
from geodata.store.models import Unit, User, utcnow
from geodata.store.writes import Actor, WriteContext, write

#: failures before the account is slowed down, and for how long
MAX_FAILURES = 5
LOCK_SECONDS = 60

_hasher = PasswordHasher()


@dataclass(frozen=True)
class UserActor(Actor):
    """A signed-in user: the Actor every read and write is checked against, plus what the pages show and the
    grants geodata.people.scope reads. Built fresh from the database on every page run (geodata.people.sessions.actor_for), so
    a changed role, scope or grant applies at once."""

    display_name: str = ""
    grants: frozenset[str] = frozenset()


def actor_of(session: Session, user: User) -> UserActor:
    scope_path = session.get(Unit, user.scope_unit_id).path if user.scope_unit_id else None
    grants = frozenset(session.execute(select(UserGrant.kind).where(UserGrant.user_id == user.id)).scalars())
    return UserActor(user.username, user.role, scope_path, display_name=user.display_name, grants=grants)


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise Rejected([Problem(f"用户不存在: {username}", f"no such user: {username}", field="username")])
    return user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    ctx: WriteContext, username: str, display_name: str, role: str, scope_code: str | None, password: str
) -> User:
    if role not in ROLES:
        raise Rejected([Problem(f"未知角色 {role}", f"unknown role {role!r}", field="role")])
    if len(password) < 8:
        raise Rejected([Problem("密码至少8位", "password must have at least 8 characters", field="password")])
    exists = ctx.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if exists:
        raise Rejected([Problem(f"用户名已存在: {username}", f"username already exists: {username}", field="username")])
    try:
        scope = unit_by_code(ctx.session, scope_code) if scope_code else None
    except UnknownUnit as exc:
        raise Rejected([Problem(f"管辖范围编码不存在: {scope_code}", f"unknown scope unit code: {scope_code}",
                                field="scope")]) from exc
    user = User(username=username, display_name=display_name, role=role,
                scope_unit_id=scope.id if scope else None, password_hash=hash_password(password))
    ctx.session.add(user)
    ctx.session.flush()
    ctx.record("user.create", "user", username, path=scope.path if scope else None,
               new={"role": role, "scope": scope_code, "display_name": display_name})
    return user


def reset_password(ctx: WriteContext, username: str, password: str) -> None:
    """A new password; every open session of the user ends (whoever knew the old one is signed out)."""
    user = _user(ctx.session, username)
    if len(password) < 8:
        raise Rejected([Problem("密码至少8位", "password must have at least 8 characters", field="password")])
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    ended = end_sessions(ctx, user)
    ctx.record("user.reset_password", "user", username, new={"sessions_ended": ended},
               reason="密码重置 password reset")


def end_sessions(ctx: WriteContext, user: User) -> int:
    """Revoke every open session of `user`; returns how many."""
    result = ctx.session.execute(update(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)).values(revoked_at=ctx.now))
    return int(result.rowcount or 0)


def set_active(ctx: WriteContext, username: str, active: bool, *, reason: str | None = None) -> None:
    """Disable (or enable again) a sign-in; disabling ends its sessions."""
    user = _user(ctx.session, username)
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(ctx, user)
    scope = ctx.session.get(Unit, user.scope_unit_id) if user.scope_unit_id else None
    ctx.record("user.active", "user", username, path=scope.path if scope else None, old={"active": not active},
               new={"active": active}, reason=reason)


def grant(ctx: WriteContext, username: str, kind: str, *, reason: str | None = None) -> None:
    """Give `username` the right `kind` (e.g. `persons` for a command-centre user; see geodata.people.authority.GRANTS)."""
    user = _user(ctx.session, username)
    if kind not in GRANTS:
        raise Rejected([Problem(f"未知授权: {kind}", f"unknown grant {kind!r}; known: {sorted(GRANTS)}", field="grant")])
    if user.role not in grantable(kind):
        allowed = ", ".join(sorted(grantable(kind)))
        raise Rejected([Problem(f"角色 {ROLES[user.role][0]} 不能获得此授权（仅限 {allowed}）",
                                f"role {user.role} cannot hold this grant (only {allowed})", field="grant")])
    exists = ctx.session.execute(select(UserGrant).where(UserGrant.user_id == user.id, UserGrant.kind == kind)
                                 ).scalar_one_or_none()
    if exists:
        return
    ctx.session.add(UserGrant(user_id=user.id, kind=kind, granted_by=ctx.actor.username, granted_at=ctx.now))
    scope = ctx.session.get(Unit, user.scope_unit_id) if user.scope_unit_id else None
    ctx.record("user.grant", "user", username, path=scope.path if scope else None, new={"grant": kind},
               reason=reason or f"授权：{GRANTS[kind][0]} / grant: {GRANTS[kind][1]}")


def revoke_grant(ctx: WriteContext, username: str, kind: str, *, reason: str | None = None) -> None:
    user = _user(ctx.session, username)
    row = ctx.session.execute(select(UserGrant).where(UserGrant.user_id == user.id, UserGrant.kind == kind)
                              ).scalar_one_or_none()
    if row is None:
        return
    ctx.session.delete(row)
    scope = ctx.session.get(Unit, user.scope_unit_id) if user.scope_unit_id else None
    ctx.record("user.revoke_grant", "user", username, path=scope.path if scope else None, old={"grant": kind},
               reason=reason or "撤销授权 / grant revoked")


@dataclass(frozen=True)
class SignIn:
    ok: bool
    actor: Actor | None
    message_zh: str
    message_en: str
    wait_seconds: int = 0  # > 0 while the account is slowed down after repeated failures

    @property
    def refusal(self) -> Refusal:
        """The failed sign-in as a refusal, for the page to show like any other (wrong password, the wait)."""
        return Refusal(self.message_zh, self.message_en)


@dataclass(frozen=True)
class _Slot:
    """One attempt taken BEFORE the password is checked: `count` attempts (failed or still being checked) now
    stand against the name, and `locked_until` is set when this one was the last allowed (see `authenticate`)."""

    user_id: int | None  # None: the name is no account
    digest: str
    active: bool
    count: int
    locked_until: dt.datetime | None


_users = User.__table__


def _counted() -> ColumnElement[int]:
    """The attempt count after taking one more: a lock that has run out starts the count afresh."""
    return case((_users.c.locked_until.is_(None), _users.c.failed_logins + 1), else_=1)


def _reserve_account(conn: Connection, username: str, now: dt.datetime) -> _Slot | None:
    """Count one attempt on the account in ONE statement (UPDATE … RETURNING, the same on SQLite ≥3.35 and
    PostgreSQL), or None when the name is no account or the account is slowed down: two parallel attempts can
    never both take the last slot, and no read-modify-write of the ORM row is left to collide (StaleDataError)."""
    until = now + dt.timedelta(seconds=LOCK_SECONDS)
    row = conn.execute(
        update(_users)
        .where(_users.c.username == username, or_(_users.c.locked_until.is_(None), _users.c.locked_until <= now))
        .values(failed_logins=_counted(),
                locked_until=case((_counted() >= MAX_FAILURES, literal(until, DateTime)), else_=null()))
        .returning(_users.c.id, _users.c.password_hash, _users.c.active, _users.c.failed_logins,
                   _users.c.locked_until)
    ).first()
    return None if row is None else _Slot(row.id, row.password_hash, bool(row.active), row.failed_logins,
                                          row.locked_until)


class _NameThrottle:
    """Attempts on names that are no account, counted exactly like an account's, so that such a name is answered
    like an existing one: the same "wrong" answer, then after MAX_FAILURES the same "slowed down" answer.

    Kept in this process's memory (no table, no migration): with several processes behind the README's proxy
    (`ip_hash`) one client's attempts all reach one process and see one count. Keyed by a hash of the name (names
    are the client's text, of any length); at most `limit` names are kept — past it the names not slowed down
    right now are forgotten first."""

    def __init__(self, limit: int = 50_000) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        self._names: dict[bytes, tuple[int, dt.datetime | None]] = {}

    def reserve(self, database: str, username: str, now: dt.datetime) -> _Slot | dt.datetime:
        """One attempt taken (the slot to check against the dummy hash), or when the name's wait ends."""
        key = hashlib.sha256(f"{database}\n{username}".encode("utf-8", "surrogatepass")).digest()
        with self._lock:
            count, locked = self._names.get(key, (0, None))
            if locked is not None and locked > now:
                return locked
            count = 1 if locked is not None else count + 1
            locked = now + dt.timedelta(seconds=LOCK_SECONDS) if count >= MAX_FAILURES else None
            self._names[key] = (count, locked)
            if len(self._names) > self._limit:
                self._forget(now)
        return _Slot(None, _dummy_hash(), False, count, locked)

    def _forget(self, now: dt.datetime) -> None:
        self._names = {k: v for k, v in self._names.items() if v[1] is not None and v[1] > now}
        while len(self._names) > self._limit:
            self._names.pop(next(iter(self._names)))

    def clear(self) -> None:
        with self._lock:
            self._names.clear()


_unknown_names = _NameThrottle()


@functools.cache
def _dummy_hash() -> str:
    """What a name that is no account is checked against: a real argon2 verification costs what a wrong
    password costs, so the time of the answer does not tell whether the name exists."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _reserve(store: Store, username: str, now: dt.datetime) -> _Slot | dt.datetime:
    """Take one attempt for `username` before its password is checked, or the end of its wait."""
    for _ in range(3):  # the row changed between the two statements (a lock ran out, a reset): ask again
        with store.engine.begin() as conn:
            slot = _reserve_account(conn, username, now)
            if slot is not None:
                return slot
            held = conn.execute(select(_users.c.locked_until).where(_users.c.username == username)).first()
        if held is None:
            return _unknown_names.reserve(store.url, username, now)
        if held.locked_until is not None and held.locked_until > now:
            return held.locked_until
    return now + dt.timedelta(seconds=1)


def _verify(digest: str, password: str) -> bool:
    try:
        return _hasher.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def _slowed(locked_until: dt.datetime, now: dt.datetime, *, wrong: bool = False) -> SignIn:
    wait = max(int((locked_until - now).total_seconds()) + (0 if wrong else 1), 1)
    if wrong:  # this failure slowed the account down: say so now, not on the next try
        return SignIn(False, None, f"用户名或密码错误；尝试次数过多，请 {wait} 秒后再试",
                      f"wrong username or password; too many attempts: try again in {wait} s", wait_seconds=wait)
    return SignIn(False, None, f"尝试次数过多，请 {wait} 秒后再试", f"too many attempts: try again in {wait} s",
                  wait_seconds=wait)


def _record_failure(store: Store, username: str, slot: _Slot) -> None:
    """The failed attempt in the audit (accounts only: a name that is no account may be a mistyped password)."""
    if slot.user_id is None:
        return

    def record(ctx: WriteContext) -> None:
        user = ctx.session.get(User, slot.user_id)
        scope = ctx.session.get(Unit, user.scope_unit_id) if user is not None and user.scope_unit_id else None
        ctx.record("user.sign_in_failed", "user", username, path=scope.path if scope else None,
                   new={"failures": slot.count, "locked_until": slot.locked_until})

    write(store, Actor(username, "anonymous"), record)


def authenticate(store: Store, username: str, password: str, *, now: dt.datetime | None = None) -> SignIn:
    """Check a password; after MAX_FAILURES failures the account waits LOCK_SECONDS before trying again.

    The attempt is counted BEFORE the slow argon2 check (`_reserve`), so 30 attempts at once are not 30 checks:
    only the first MAX_FAILURES are checked, the others are refused unchecked, and a right password arriving
    while they are being checked waits like any other. A right password clears the count; a wrong one keeps it
    (the last allowed one also set the wait). A name that is no account, or a disabled one, is checked against a
    dummy hash and counted the same way: its answers and their time are those of a wrong password."""
    now = now or utcnow()
    slot = _reserve(store, username, now)
    if isinstance(slot, dt.datetime):
        return _slowed(slot, now)
    if _verify(slot.digest, password) and slot.active and slot.user_id is not None:
        with store.engine.begin() as conn:
            conn.execute(update(_users).where(_users.c.id == slot.user_id).values(failed_logins=0, locked_until=None))
        with store.read() as s:
            user = s.get(User, slot.user_id)
            return SignIn(True, actor_of(s, user), "登录成功", "signed in")
    _record_failure(store, username, slot)
    if slot.locked_until is not None and slot.locked_until > now:
        return _slowed(slot.locked_until, now, wrong=True)
    return SignIn(False, None, "用户名或密码错误", "wrong username or password")
