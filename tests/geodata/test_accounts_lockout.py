"""Issue 18 hole 4: the lockout holds against attempts made at the same time, and says nothing about whether a
name is an account.

Each attempt is counted before its slow argon2 check (geodata.people.accounts.authenticate), so 30 wrong passwords sent
at once are not 30 checks and a right password arriving while they are being checked is refused like any other
attempt on a slowed-down account. Argon2 checks are counted by wrapping `PasswordHasher.verify`; the wrong ones
are held inside the check until the right one has its answer, which is what makes the race repeatable: without
the hold a wrong check might finish before the right password arrives, and the test would prove nothing.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from geodata.people import sessions
from geodata.people.accounts import LOCK_SECONDS, MAX_FAILURES, create_user, set_active
from geodata.store.models import Event, utcnow
from geodata.store.writes import Actor, write

SYSTEM = Actor.system("test")
RIGHT = "right-password-1"
N_WRONG = 30
TIMEOUT = 60


@pytest.fixture
def account(store):
    write(store, SYSTEM, lambda ctx: create_user(ctx, "zhou", "周主任", "command", None, RIGHT))
    return store


@dataclass
class Checks:
    """Every argon2 verification made, by password; wrong ones wait in the check while `hold` is set."""

    hold: bool = False
    passwords: list[str] = field(default_factory=list)
    full: threading.Event = field(default_factory=threading.Event)  # MAX_FAILURES wrong ones are being checked
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = PasswordHasher.verify

        def verify(hasher: PasswordHasher, digest: str, password: str) -> bool:
            with self.lock:
                self.passwords.append(password)
                wrong = sum(p != RIGHT for p in self.passwords)
            if self.hold and password != RIGHT:
                if wrong >= MAX_FAILURES:
                    self.full.set()
                self.release.wait(TIMEOUT)
            return real(hasher, digest, password)

        monkeypatch.setattr(PasswordHasher, "verify", verify)


@dataclass(frozen=True)
class Race:
    wrong: list[tuple[bool, str, str, int]]  # (ok, zh, en, wait) of each wrong password
    right: tuple[bool, str, str, int]
    errors: list[BaseException]
    checked: list[str]


def answer(result) -> tuple[bool, str, str, int]:
    return (result.ok, result.message_zh, result.message_en, result.wait_seconds)


def race(store, username: str, now: dt.datetime, monkeypatch: pytest.MonkeyPatch) -> Race:
    """N_WRONG wrong passwords and the right one, released together by a barrier; the right one goes in once
    MAX_FAILURES wrong ones are inside their check (or after TIMEOUT, when fewer ever get there)."""
    checks = Checks(hold=True)
    checks.install(monkeypatch)
    barrier = threading.Barrier(N_WRONG + 1)
    wrong: list[tuple[bool, str, str, int]] = []
    right: list[tuple[bool, str, str, int]] = []
    errors: list[BaseException] = []

    def attempt(password: str) -> None:
        try:
            barrier.wait(TIMEOUT)
            if password == RIGHT:
                checks.full.wait(TIMEOUT)
                try:
                    right.append(answer(sessions.sign_in(store, username, RIGHT, now=now)))
                finally:
                    checks.release.set()
            else:
                wrong.append(answer(sessions.sign_in(store, username, password, now=now)))
        except BaseException as exc:  # noqa: BLE001 — every failure of a thread is reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(f"wrong-{i}",)) for i in range(N_WRONG)]
    threads.append(threading.Thread(target=attempt, args=(RIGHT,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 3)
    assert not any(thread.is_alive() for thread in threads)
    return Race(wrong, right[0] if right else (True, "", "", 0), errors, list(checks.passwords))


def failures_recorded(store, username: str) -> int:
    with store.read() as s:
        return len(s.execute(select(Event.id).where(Event.action == "user.sign_in_failed",
                                                    Event.entity_code == username)).all())


def test_parallel_attempts_are_counted_before_the_password_is_checked(account, monkeypatch):
    t0 = utcnow()
    result = race(account, "zhou", t0, monkeypatch)
    assert result.errors == []  # no StaleDataError, no lost thread
    checked_wrong = [p for p in result.checked if p != RIGHT]
    assert 0 < len(checked_wrong) <= MAX_FAILURES and RIGHT not in result.checked
    ok, zh, en, wait = result.right
    assert not ok and wait > 0 and "try again in" in en and "秒后再试" in zh
    assert not any(ok for ok, *_ in result.wrong) and len(result.wrong) == N_WRONG
    refused_unchecked = [a for a in result.wrong if a[3] > 0 and not a[2].startswith("wrong")]
    assert len(refused_unchecked) == N_WRONG - len(checked_wrong)
    assert failures_recorded(account, "zhou") == len(checked_wrong)
    # still slowed down afterwards, open again once the wait is over
    assert not sessions.sign_in(account, "zhou", RIGHT, now=t0 + dt.timedelta(seconds=LOCK_SECONDS - 1)).ok
    assert sessions.sign_in(account, "zhou", RIGHT, now=t0 + dt.timedelta(seconds=LOCK_SECONDS + 1)).ok


def test_simultaneous_failures_do_not_collide(account, monkeypatch):
    """No hold: 30 wrong passwords at once, as fast as they come; at most MAX_FAILURES of them are checked."""
    checks = Checks()
    checks.install(monkeypatch)
    barrier = threading.Barrier(N_WRONG)
    answers: list[tuple[bool, str, str, int]] = []
    errors: list[BaseException] = []

    def attempt(i: int) -> None:
        try:
            barrier.wait(TIMEOUT)
            answers.append(answer(sessions.sign_in(account, "zhou", f"wrong-{i}")))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(N_WRONG)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 3)
    assert errors == [] and len(answers) == N_WRONG
    assert len(checks.passwords) <= MAX_FAILURES
    assert sum(1 for *_, wait in answers if wait > 0) >= N_WRONG - MAX_FAILURES + 1
    held = sessions.sign_in(account, "zhou", RIGHT)
    assert not held.ok and held.wait_seconds > 0


def test_an_unknown_name_is_answered_like_an_account(account, monkeypatch):
    """Wrong password on an account, any password on a name that is no account or on a disabled account: the
    same answers, attempt by attempt, each after one argon2 check, and the same wait after MAX_FAILURES."""
    write(account, SYSTEM, lambda ctx: create_user(ctx, "qian", "钱", "command", None, RIGHT))
    write(account, SYSTEM, lambda ctx: set_active(ctx, "qian", False, reason="调离"))
    checks = Checks()
    checks.install(monkeypatch)
    t0 = utcnow()
    for i in range(MAX_FAILURES + 2):
        now = t0 + dt.timedelta(seconds=i)
        before = len(checks.passwords)
        known = answer(sessions.sign_in(account, "zhou", f"guess-{i}", now=now))
        known_checks = len(checks.passwords) - before
        for name, password in (("nobody", f"guess-{i}"), ("qian", RIGHT)):
            before = len(checks.passwords)
            assert answer(sessions.sign_in(account, name, password, now=now)) == known, (name, i)
            assert len(checks.passwords) - before == known_checks, (name, i)
        assert known_checks == (1 if i < MAX_FAILURES else 0)
    assert known[3] > 0  # the last ones were slowed down
    later = t0 + dt.timedelta(seconds=MAX_FAILURES + LOCK_SECONDS + 5)
    wrong = answer(sessions.sign_in(account, "zhou", "guess-after", now=later))
    assert answer(sessions.sign_in(account, "nobody", "guess-after", now=later)) == wrong
    assert wrong == (False, "用户名或密码错误", "wrong username or password", 0)


def test_an_unknown_name_answers_a_parallel_race_like_an_account(account, monkeypatch):
    t0 = utcnow()
    known = race(account, "zhou", t0, monkeypatch)
    monkeypatch.undo()
    unknown = race(account, "nobody-here", t0, monkeypatch)
    assert known.errors == unknown.errors == []
    assert Counter(known.wrong) == Counter(unknown.wrong) and known.right == unknown.right
    assert len(known.checked) == len(unknown.checked) <= MAX_FAILURES
