"""People who sign in: roles, scopes, password hashes (argon2) and slowed-down repeated failures."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from geodata.db import Store
from geodata.hierarchy import unit_by_code
from geodata.models import Unit, User, utcnow
from geodata.problems import Problem, Rejected
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
    scope = unit_by_code(ctx.session, scope_code) if scope_code else None
    user = User(username=username, display_name=display_name, role=role,
                scope_unit_id=scope.id if scope else None, password_hash=hash_password(password))
    ctx.session.add(user)
    ctx.session.flush()
    ctx.record("user.create", "user", username, path=scope.path if scope else None,
               new={"role": role, "scope": scope_code, "display_name": display_name})
    return user


def reset_password(ctx: WriteContext, username: str, password: str) -> None:
    user = ctx.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise Rejected([Problem(f"用户不存在: {username}", f"no such user: {username}", field="username")])
    if len(password) < 8:
        raise Rejected([Problem("密码至少8位", "password must have at least 8 characters", field="password")])
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    ctx.record("user.reset_password", "user", username, reason="密码重置 password reset")


@dataclass(frozen=True)
class SignIn:
    ok: bool
    actor: Actor | None
    message_zh: str
    message_en: str


def authenticate(store: Store, username: str, password: str, *, now: dt.datetime | None = None) -> SignIn:
    """Check a password; after MAX_FAILURES failures the account waits LOCK_SECONDS before trying again."""
    now = now or utcnow()
    with store.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        scope_path = s.get(Unit, user.scope_unit_id).path if user and user.scope_unit_id else None
    fail = SignIn(False, None, "用户名或密码错误", "wrong username or password")
    if user is None or not user.active:
        _hasher.hash(password)  # same cost as a real check: no user enumeration by timing
        return fail
    if user.locked_until and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        return SignIn(False, None, f"尝试次数过多，请 {wait} 秒后再试", f"too many attempts: try again in {wait} s")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        def count_failure(ctx: WriteContext) -> None:
            u = ctx.session.get(User, user.id)
            u.failed_logins += 1
            if u.failed_logins >= MAX_FAILURES:
                u.locked_until = now + dt.timedelta(seconds=LOCK_SECONDS)
                u.failed_logins = 0
            ctx.record("user.sign_in_failed", "user", username)
        write(store, Actor(username, "anonymous"), count_failure)
        return fail
    if user.failed_logins:
        def clear(ctx: WriteContext) -> None:
            ctx.session.get(User, user.id).failed_logins = 0
        write(store, Actor(username, user.role), clear)
    return SignIn(True, Actor(user.username, user.role, scope_path), "登录成功", "signed in")
