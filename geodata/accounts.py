"""People who sign in: roles, scopes, grants, password hashes (argon2) and slowed-down repeated failures.

Sessions (what a browser holds after signing in) are geodata.sessions; who may see what is geodata.scope.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from geodata.auth_models import AuthSession, UserGrant
from geodata.db import Store
from geodata.hierarchy import UnknownUnit, unit_by_code
from geodata.models import Unit, User, utcnow
from geodata.problems import Problem, Rejected
from geodata.scope import GRANTABLE, GRANTS
from geodata.writes import Actor, WriteContext, write

ROLES: dict[str, tuple[str, str]] = {
    "command": ("指挥部", "Command centre"),
    "supervisor": ("街道/乡镇督导", "Supervisor"),
    "community_head": ("社区书记", "Community head"),
    "grid_leader": ("网格长", "Grid leader"),
    "health": ("卫生人员", "Health staff"),
    "viewer": ("大屏只读", "Wall viewer"),
}

#: failures before the account is slowed down, and for how long
MAX_FAILURES = 5
LOCK_SECONDS = 60

_hasher = PasswordHasher()


@dataclass(frozen=True)
class UserActor(Actor):
    """A signed-in user: the Actor every read and write is checked against, plus what the pages show and the
    grants geodata.scope reads. Built fresh from the database on every page run (geodata.sessions.actor_for), so
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
    """Give `username` the right `kind` (e.g. `persons` for a command-centre user; see geodata.scope.GRANTS)."""
    user = _user(ctx.session, username)
    if kind not in GRANTS:
        raise Rejected([Problem(f"未知授权: {kind}", f"unknown grant {kind!r}; known: {sorted(GRANTS)}", field="grant")])
    if user.role not in GRANTABLE[kind]:
        allowed = ", ".join(sorted(GRANTABLE[kind]))
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


def authenticate(store: Store, username: str, password: str, *, now: dt.datetime | None = None) -> SignIn:
    """Check a password; after MAX_FAILURES failures the account waits LOCK_SECONDS before trying again."""
    now = now or utcnow()
    with store.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        actor = actor_of(s, user) if user is not None else None
    fail = SignIn(False, None, "用户名或密码错误", "wrong username or password")
    if user is None or not user.active:
        _hasher.hash(password)  # same cost as a real check: no user enumeration by timing
        return fail
    if user.locked_until and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        return SignIn(False, None, f"尝试次数过多，请 {wait} 秒后再试", f"too many attempts: try again in {wait} s",
                      wait_seconds=wait)
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        def count_failure(ctx: WriteContext) -> None:
            u = ctx.session.get(User, user.id)
            u.failed_logins += 1
            if u.failed_logins >= MAX_FAILURES:
                u.locked_until = now + dt.timedelta(seconds=LOCK_SECONDS)
                u.failed_logins = 0
            ctx.record("user.sign_in_failed", "user", username, path=actor.scope_path,
                       new={"failures": u.failed_logins, "locked_until": u.locked_until})
        write(store, Actor(username, "anonymous"), count_failure)
        with store.read() as s:
            locked = s.get(User, user.id).locked_until
        if locked and locked > now:  # this failure slowed the account down: say so now, not on the next try
            wait = int((locked - now).total_seconds())
            return SignIn(False, None, f"用户名或密码错误；尝试次数过多，请 {wait} 秒后再试",
                          f"wrong username or password; too many attempts: try again in {wait} s", wait_seconds=wait)
        return fail
    if user.failed_logins:
        def clear(ctx: WriteContext) -> None:
            ctx.session.get(User, user.id).failed_logins = 0
        write(store, Actor(username, user.role), clear)
    return SignIn(True, actor, "登录成功", "signed in")
