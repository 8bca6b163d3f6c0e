"""Navigating the unit tree (市→区→街道→社区→网格→小区): lookups by code, children, ancestors, subtrees.

Every scoped row carries the materialised `path` of its unit (`/1/7/93/`); "under X" is the half-open string
range [X.path, X.path with its last '/' replaced by '0'), which both SQLite and PostgreSQL answer from a plain
B-tree index (a LIKE prefix is not indexable on SQLite by default).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, bindparam, column, func, inspect, select, table
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Refusal
from geodata.base.vocab import Level
from geodata.store.models import Unit


class UnknownUnit(Refusal, LookupError):
    """A unit code that names no unit: a refusal like any other (a page shows it with `show_refusal`), and still a
    LookupError for code that only asks "is it there?"."""

    def __init__(self, code: str) -> None:
        zh, en = f"单元编码不存在: {code}", f"unknown unit code: {code}"
        super().__init__(zh, en, [Problem(zh, en, field="code")])
        self.code = code


def path_upper_bound(path: str) -> str:
    # '/' is 0x2F and '0' is 0x30: every path that starts with `path` sorts below this bound.
    return path[:-1] + "0"


def under(column: ColumnElement[str], path: str) -> ColumnElement[bool]:
    """SQL condition: `column` is `path` or lies below it."""
    return and_(column >= path, column < path_upper_bound(path))


def is_under(path: str, scope_path: str | None) -> bool:
    """Python twin of `under`: True when `path` is inside `scope_path` (None = everything)."""
    return scope_path is None or path.startswith(scope_path)


#: tables whose `path` is not where a record lies now: the audit log keeps the place each entry was made
PATH_HISTORY_TABLES = frozenset({"events"})


def path_tables(session: Session) -> list[str]:
    """Every table of the live schema with a materialised `path` column, except the history ones: read from the
    database itself, so tables added by any migration are covered without being named here."""
    found = inspect(session.connection()).get_multi_columns()
    return sorted(name for (_schema, name), cols in found.items()
                  if name not in PATH_HISTORY_TABLES and any(c["name"] == "path" for c in cols))


def move_subtree(session: Session, old_path: str, new_path: str) -> dict[str, int]:
    """Rewrite every stored path at or under `old_path` to lie under `new_path` instead (a unit re-parented: the
    unit itself, its child units, buildings, households, persons, checkpoints, observations, cases, …), in the
    caller's transaction. Returns rows rewritten per table (tables without any left out)."""
    if old_path == new_path:
        return {}
    counts: dict[str, int] = {}
    for name in path_tables(session):
        t = table(name, column("path", String))
        stmt = (t.update().where(under(t.c.path, old_path))
                .values(path=bindparam("new_prefix", type_=String) + func.substr(t.c.path, len(old_path) + 1)))
        n = session.execute(stmt, {"new_prefix": new_path}).rowcount
        if n:
            counts[name] = int(n)
    return counts


def path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def child_path(parent_path: str | None, unit_id: int) -> str:
    return f"{parent_path or '/'}{unit_id}/"


def unit_by_code(session: Session, code: str) -> Unit:
    unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise UnknownUnit(code)
    return unit


def root(session: Session) -> Unit | None:
    return session.execute(
        select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.level, Unit.id)
    ).scalars().first()


def children(session: Session, unit: Unit) -> list[Unit]:
    return list(
        session.execute(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code)).scalars()
    )


def ancestors(session: Session, unit: Unit) -> list[Unit]:
    """From the root down to and including `unit` (the breadcrumb)."""
    ids = path_ids(unit.path)
    rows = {u.id: u for u in session.execute(select(Unit).where(Unit.id.in_(ids))).scalars()}
    return [rows[i] for i in ids if i in rows]


def level_of(unit: Unit) -> Level:
    return Level(unit.level)


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    level: int
    path: str
    kind: str | None


def ref(unit: Unit) -> UnitRef:
    return UnitRef(unit.id, unit.code, unit.name, unit.level, unit.path, unit.kind)


def breadcrumb(session: Session, code: str) -> list[UnitRef]:
    return [ref(u) for u in ancestors(session, unit_by_code(session, code))]
