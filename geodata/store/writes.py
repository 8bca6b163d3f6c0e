"""The single write path: every change to the database goes through `write`.

One call = one transaction (SQLAlchemy `Session.begin()`): the function either commits whole, with its
events and a bumped data version, or raises and leaves the database exactly as it was. Loaders, pages and
tests all use it; nothing else commits (see docs/architecture.md, "Writes").
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from geodata.store.db import Store
from geodata.store.models import Event, Meta, utcnow
from geodata.store.versions import FIGURES_KEY, changes_figures

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


def bump_data_version(session: Session, *, figures: bool = True) -> int:
    """Increment the data version in the current transaction (row-locked on PostgreSQL); the new version.

    `figures`: the write may have changed what map figures read, so the figures version becomes the new version
    (geodata.store.versions); otherwise it stays where it was (set to the previous version when never set)."""
    row = session.execute(
        select(Meta).where(Meta.key == "data_version").with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = Meta(key="data_version", value="0")
        session.add(row)
    before = int(row.value)
    row.value = str(before + 1)
    fig = session.get(Meta, FIGURES_KEY)
    if fig is None:
        session.add(Meta(key=FIGURES_KEY, value=str(before + 1 if figures else before)))
    elif figures:
        fig.value = row.value
    return before + 1


#: Connection.info key: the tables the write under way wrote to (None: a statement that could not be read)
_TOUCHED = "gw_write_tables"
_WRITE_SQL = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_HARMLESS_SQL = re.compile(r"^\s*(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|SHOW|PRAGMA\s+\w+\s*$)", re.IGNORECASE)


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
    """Note the table each statement of a write under way writes to. Every statement, ORM or not, passes here,
    so no way of writing escapes the figures version; a statement this cannot read counts as changing figures."""
    touched = conn.info.get(_TOUCHED)
    if touched is None or _HARMLESS_SQL.match(statement):
        return
    found = _WRITE_SQL.match(statement)
    touched.add(found.group(1).lower() if found else None)


def write(store: Store, actor: Actor, fn: Callable[[WriteContext], T]) -> T:
    """Run `fn` in one transaction with an event context; commit all or nothing."""
    with store.session() as session, session.begin():
        conn = session.connection()
        conn.info[_TOUCHED] = touched = set()
        try:
            ctx = WriteContext(session=session, actor=actor)
            result = fn(ctx)
            session.flush()
        finally:
            conn.info.pop(_TOUCHED, None)  # the info dict lives on with the pooled connection
        version = bump_data_version(session, figures=changes_figures(touched, [e.action for e in ctx.events]))
    for listener in _COMMITTED:
        listener(version)
    return result
