"""The single write path: every change to the database goes through `write`.

One call = one transaction (SQLAlchemy `Session.begin()`): the function either commits whole, with its
events and a bumped data version, or raises and leaves the database exactly as it was. Loaders, pages and
tests all use it; nothing else commits (see docs/architecture.md, "Writes").
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.store.db import Store
from geodata.store.models import Event, Meta, utcnow

T = TypeVar("T")

#: called with the new data version after each write commits, in the writer's thread (dashboard.state uses it
#: so that a person's own pages show their own write at once, whatever version the others are shown)
_COMMITTED: list[Callable[[int], None]] = []


def on_commit(listener: Callable[[int], None]) -> None:
    """Call `listener(version)` after every committed write of this process (once, however often registered)."""
    if listener not in _COMMITTED:
        _COMMITTED.append(listener)


@dataclass(frozen=True)
class Actor:
    """Who is writing: a signed-in user, or a system process (`system:demo`, `system:import`)."""

    username: str
    role: str = "system"
    scope_path: str | None = None  # None = whole city (system processes, command centre)

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(username=f"system:{name}", role="system", scope_path=None)


@dataclass
class WriteContext:
    session: Session
    actor: Actor
    now: dt.datetime = field(default_factory=utcnow)
    events: list[Event] = field(default_factory=list)

    def record(
        self,
        action: str,
        entity: str,
        code: str | None,
        *,
        path: str | None = None,
        old: dict[str, Any] | None = None,
        new: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> Event:
        """Append one event (who, when, what, old → new, why) to the log, in this transaction."""
        ev = Event(
            at=self.now,
            actor=self.actor.username,
            action=action,
            entity=entity,
            entity_code=code,
            path=path,
            old=_jsonable(old),
            new=_jsonable(new),
            reason=reason,
        )
        self.session.add(ev)
        self.events.append(ev)
        return ev


def _jsonable(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, (dt.date, dt.datetime)):
            out[k] = v.isoformat()
        elif hasattr(v, "item"):  # numpy scalars
            out[k] = v.item()
        else:
            out[k] = v
    return out


def bump_data_version(session: Session) -> int:
    """Increment the data version in the current transaction (row-locked on PostgreSQL); the new version."""
    row = session.execute(
        select(Meta).where(Meta.key == "data_version").with_for_update()
    ).scalar_one_or_none()
    if row is None:
        session.add(Meta(key="data_version", value="1"))
        return 1
    row.value = str(int(row.value) + 1)
    return int(row.value)


def write(store: Store, actor: Actor, fn: Callable[[WriteContext], T]) -> T:
    """Run `fn` in one transaction with an event context; commit all or nothing."""
    with store.session() as session, session.begin():
        ctx = WriteContext(session=session, actor=actor)
        result = fn(ctx)
        session.flush()
        version = bump_data_version(session)
    for listener in _COMMITTED:
        listener(version)
    return result
