"""The one lookup of a record by the code a person names (issue 18): a code that names no record, and one that names
a record outside a scoped person's scope, get the same answer — the same exception type, text, field and row — so
no one learns from a command, a card or a query parameter which codes exist beyond their own area.

The answer itself is `geodata.people.scope.unknown_code`: "…不存在或不在您的管辖范围内" for a scoped person, the
plain "…不存在" for a whole-city one (a system process, or a user without a scope unit). When the command needs a
role, the role is asked first and without a place (`authority.require(actor, action)`): a role that may not take
the action hears so whatever the code, so the role refusal does not tell an existing code from a missing one either.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Refusal, Rejected
from geodata.people import authority, scope
from geodata.store.hierarchy import is_under
from geodata.store.writes import Actor


def refusal(actor: Actor | None, what: tuple[str, str], code: Any, field: str = "code") -> Refusal:
    """The answer for a code that names no record `actor` may reach (`what`: ("卡点编码", "checkpoint code")).
    `actor` None: a caller without a person (system code, a read model): the plain "不存在"."""
    if actor is None:
        zh, en = f"{what[0]}不存在: {code}", f"unknown {what[1]}: {code}"
        return Rejected([Problem(zh, en, field=field)])
    return scope.unknown_code(actor, what, str(code), field)


def hidden(actor: Actor | None, path: str | None, *, overlap: bool = False) -> bool:
    """Must `actor` be told that a record at `path` does not exist? True outside a scoped person's scope.
    `overlap`: a record that stands for an area above the person too (a screening round of a whole street, which a
    grid leader works in) is theirs when either path holds the other."""
    if actor is None or actor.scope_path is None:
        return False
    if overlap and isinstance(path, str) and is_under(actor.scope_path, path):
        return False
    return scope.hides(actor, path)


def role_first(actor: Actor | None, action: str | None) -> None:
    """The role refusal of `action`, asked before any code is looked up (see the module docstring)."""
    if actor is not None and action is not None:
        authority.require(actor, action)


def find(session: Session, actor: Actor | None, model: Any, code: Any, what: tuple[str, str], *,
         action: str | None = None, field: str = "code", column: str = "code", overlap: bool = False,
         where: Any = None) -> Any:
    """The row of `model` whose `column` is `code`, when `actor` may reach it; else `refusal` (one answer for
    missing and elsewhere). `action`: the role is checked first (`role_first`); the caller still asks
    `authority.require(actor, action, row.path)` for the record's place. `where`: an extra condition (a level)."""
    role_first(actor, action)
    q = select(model).where(getattr(model, column) == code)
    if where is not None:
        q = q.where(where)
    row = session.execute(q).scalar_one_or_none() if code is not None else None
    if row is None or hidden(actor, row.path, overlap=overlap):
        raise refusal(actor, what, code, field)
    return row
