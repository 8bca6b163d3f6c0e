"""Sessions: sign in with argon2-hashed passwords, repeated failures slowed down, idle and absolute expiry,
sign-out, and password resets / disabled accounts ending every open session."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from geodata.people import sessions
from geodata.people.accounts import LOCK_SECONDS, MAX_FAILURES, SignIn, create_user, reset_password, set_active
from geodata.store.auth_models import AuthSession
from geodata.store.models import Event, User, utcnow
from geodata.store.writes import Actor, write
from loaders.cli import main as cli
from tests.geodata.test_scope_city import PASSWORD, city  # noqa: F401 — `city` is a fixture

SYSTEM = Actor.system("test")


def actions(store, username: str) -> list[str]:
    with store.read() as s:
        return list(s.execute(select(Event.action).where(Event.entity == "user", Event.entity_code == username)
                              .order_by(Event.id)).scalars())


def test_sign_in_opens_a_session_that_knows_the_user(city):
    result = sessions.sign_in(city, "head1", PASSWORD)
    assert isinstance(result, sessions.SignedIn) and result.ok
    actor = sessions.actor_for(city, result.token)
    assert (actor.username, actor.role, actor.display_name) == ("head1", "community_head", "一社区书记")
    assert actor.scope_path == result.actor.scope_path and actor.scope_path.count("/") == 5  # city/district/street/community
    # only the token's hash is stored
    with city.read() as s:
        stored = s.execute(select(AuthSession.token_hash)).scalars().all()
    assert stored == [sessions.token_hash(result.token)] and result.token not in stored
    assert "user.sign_in" in actions(city, "head1")
    assert sessions.actor_for(city, "not-a-token") is None and sessions.actor_for(city, None) is None


def test_wrong_password_and_unknown_user_get_the_same_answer(city):
    wrong = sessions.sign_in(city, "head1", "wrong-password")
    unknown = sessions.sign_in(city, "nobody", "wrong-password")
    assert isinstance(wrong, SignIn) and not wrong.ok and not unknown.ok
    assert (wrong.message_zh, wrong.message_en) == (unknown.message_zh, unknown.message_en) == (
        "用户名或密码错误", "wrong username or password")


def test_repeated_failures_are_slowed_down(city):
    t0 = utcnow()
    for i in range(MAX_FAILURES - 1):
        assert sessions.sign_in(city, "grid11", f"guess{i}", now=t0).wait_seconds == 0
    last = sessions.sign_in(city, "grid11", "guess-last", now=t0)
    assert last.wait_seconds == LOCK_SECONDS and "请 60 秒后再试" in last.message_zh
    # while slowed down even the right password waits, and says how long
    held = sessions.sign_in(city, "grid11", PASSWORD, now=t0 + dt.timedelta(seconds=20))
    assert not held.ok and 0 < held.wait_seconds <= LOCK_SECONDS - 19 and "try again in" in held.message_en
    assert sessions.sign_in(city, "grid11", PASSWORD, now=t0 + dt.timedelta(seconds=LOCK_SECONDS + 1)).ok
    assert actions(city, "grid11").count("user.sign_in_failed") == MAX_FAILURES


def test_idle_and_absolute_expiry(city, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("GRIDWATCH_SESSION_HOURS", "2")
    t0 = utcnow()
    token = sessions.sign_in(city, "head1", PASSWORD, now=t0).token
    assert sessions.actor_for(city, token, now=t0 + dt.timedelta(minutes=29)) is not None
    assert sessions.actor_for(city, token, now=t0 + dt.timedelta(minutes=58)) is not None  # used at 29': alive
    assert sessions.actor_for(city, token, now=t0 + dt.timedelta(minutes=89)) is None  # idle 31'
    # used every 20 minutes, it still ends at the absolute limit
    token = sessions.sign_in(city, "head1", PASSWORD, now=t0).token
    for minutes in range(20, 120, 20):
        assert sessions.actor_for(city, token, now=t0 + dt.timedelta(minutes=minutes)) is not None
    assert sessions.actor_for(city, token, now=t0 + dt.timedelta(minutes=120)) is None


def test_the_wall_account_has_no_idle_limit(city):
    t0 = utcnow()
    token = sessions.sign_in(city, "wall", PASSWORD, now=t0).token
    assert sessions.actor_for(city, token, now=t0 + dt.timedelta(days=3)) is not None
    assert sessions.actor_for(city, token, now=t0 + dt.timedelta(days=31)) is None


def test_sign_out_ends_the_session(city):
    token = sessions.sign_in(city, "sup1", PASSWORD).token
    assert sessions.sign_out(city, token) and not sessions.sign_out(city, token)
    assert sessions.actor_for(city, token) is None
    assert actions(city, "sup1")[-1] == "user.sign_out"


def test_password_reset_and_disabling_end_every_session(city, backend):
    first, second = (sessions.sign_in(city, "head2", PASSWORD).token for _ in range(2))
    assert sessions.open_sessions(city, "head2") == 2
    write(city, SYSTEM, lambda ctx: reset_password(ctx, "head2", "another-secret"))
    assert sessions.actor_for(city, first) is None and sessions.actor_for(city, second) is None
    assert not sessions.sign_in(city, "head2", PASSWORD).ok
    token = sessions.sign_in(city, "head2", "another-secret").token
    write(city, SYSTEM, lambda ctx: set_active(ctx, "head2", False, reason="调离"))
    assert sessions.actor_for(city, token) is None and not sessions.sign_in(city, "head2", "another-secret").ok
    # the CLI resets passwords the same way
    write(city, SYSTEM, lambda ctx: set_active(ctx, "head2", True))
    token = sessions.sign_in(city, "head2", "another-secret").token
    assert cli(["users", "reset-password", "head2", "--password", "third-secret", "--db", city.url]) == 0
    assert sessions.actor_for(city, token) is None and sessions.sign_in(city, "head2", "third-secret").ok


def test_a_changed_scope_applies_on_the_next_page_run(city):
    token = sessions.sign_in(city, "head1", PASSWORD).token
    before = sessions.actor_for(city, token).scope_path
    with city.session() as s, s.begin():
        c2 = s.execute(text("SELECT id FROM units WHERE code = 'C2'")).scalar_one()
        s.execute(text("UPDATE users SET scope_unit_id = :c WHERE username = 'head1'"), {"c": c2})
    after = sessions.actor_for(city, token).scope_path
    assert before != after and after.endswith(f"/{c2}/")


def test_new_users_get_argon2_hashes_and_a_known_role(city):
    write(city, SYSTEM, lambda ctx: create_user(ctx, "head3", "三社区书记", "community_head", "C2", "pass-word-3"))
    with city.read() as s:
        digest = s.execute(select(User.password_hash).where(User.username == "head3")).scalar_one()
    assert digest.startswith("$argon2id$") and "pass-word-3" not in digest
    assert sessions.sign_in(city, "head3", "pass-word-3").ok


@pytest.mark.parametrize("password", ["short", ""])
def test_short_passwords_are_refused(city, password):
    from geodata.base.problems import Rejected

    with pytest.raises(Rejected, match="at least 8"):
        write(city, SYSTEM, lambda ctx: create_user(ctx, "x", "x", "viewer", None, password))
