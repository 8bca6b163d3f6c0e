"""Finding things by what people know (issue 16 point 2): one search over units, buildings, checkpoints and — for
those who may read them, within their scope — persons, by name, address, code, or the tail of an ID number or a
phone. Codes come back as secondary text and as where to go; what a hit shows of a person is masked as
geodata.people.scope decides, and a search that returned persons is logged as a view of the register.

The wall account finds no persons (it holds neither "persons.read" nor "observees.read"); a community head finds
those of their community, a grid leader those of their grid.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from geodata.base.vocab import LEVEL_LABELS, Level
from geodata.people import audit, scope
from geodata.store.db import Store
from geodata.store.hierarchy import path_upper_bound
from geodata.store.models import Building, Checkpoint, Household, Person, Unit
from geodata.store.writes import Actor

#: at most this many hits of each kind
LIMIT = 8
#: a query of only digits this long (or longer) also matches the end of ID numbers and phones
TAIL_DIGITS = 4


@dataclass(frozen=True)
class Hit:
    """One thing found: `kind` unit | building | checkpoint | person; `unit_code` where to open it (the unit
    itself, or the grid holding the building, checkpoint or person); `label` what people know it by (name, then
    place); `code` the record's code, shown as secondary text."""

    kind: str
    code: str
    label: str
    unit_code: str
    detail: str = ""


def _scoped(column, actor: Actor):  # noqa: ANN001, ANN202 — an SQL condition
    if actor.scope_path is None:
        return True
    return and_(column >= actor.scope_path, column < path_upper_bound(actor.scope_path))


def _units(session: Session, actor: Actor, q: str, limit: int) -> list[Hit]:
    rows = session.execute(select(Unit.code, Unit.name, Unit.level, Unit.path).where(
        _scoped(Unit.path, actor), or_(Unit.name.contains(q, autoescape=True),
                                       Unit.code.startswith(q, autoescape=True))
    ).order_by(Unit.level, Unit.code).limit(limit)).all()
    return [Hit("unit", r.code, r.name, r.code, LEVEL_LABELS[Level(r.level)][0]) for r in rows
            if scope.can_read(actor, r.path)]


def _buildings(session: Session, actor: Actor, q: str, limit: int) -> list[Hit]:
    comp, grid = Unit.__table__.alias("comp"), Unit.__table__.alias("grid")
    rows = session.execute(select(Building.code, Building.name, Building.address, comp.c.name, grid.c.code).join(
        grid, grid.c.id == Building.grid_id).outerjoin(comp, comp.c.id == Building.compound_id).where(
        _scoped(Building.path, actor), or_(Building.name.contains(q, autoescape=True),
                                           Building.address.contains(q, autoescape=True),
                                           comp.c.name.contains(q, autoescape=True),
                                           Building.code.startswith(q, autoescape=True))
    ).order_by(Building.code).limit(limit)).all()
    return [Hit("building", code, f"{cname or ''}{name}", gcode, address or "")
            for code, name, address, cname, gcode in rows]


def _checkpoints(session: Session, actor: Actor, q: str, limit: int) -> list[Hit]:
    rows = session.execute(select(Checkpoint.code, Checkpoint.name, Unit.code).join(
        Unit, Unit.id == Checkpoint.unit_id).where(
        _scoped(Checkpoint.path, actor), or_(Checkpoint.name.contains(q, autoescape=True),
                                             Checkpoint.code.startswith(q, autoescape=True))
    ).order_by(Checkpoint.code).limit(limit)).all()
    return [Hit("checkpoint", code, name, ucode) for code, name, ucode in rows]


def _persons(session: Session, actor: Actor, q: str, limit: int) -> list[Hit]:
    if not scope.can_read_persons(actor, actor.scope_path, "persons"):
        return []
    match = [Person.name.contains(q, autoescape=True), Person.code == q]
    if q.isdigit() and len(q) >= TAIL_DIGITS:
        match += [Person.id_number.endswith(q, autoescape=True), Person.phone.endswith(q, autoescape=True)]
    rows = session.execute(select(Person.code, Person.name, Person.path, Person.id_number, Person.phone,
                                  Building.name, Household.room, Unit.code).join(
        Unit, Unit.id == Person.grid_id).outerjoin(Building, Building.id == Person.building_id).outerjoin(
        Household, Household.id == Person.household_id).where(_scoped(Person.path, actor), or_(*match))
        .order_by(Person.name, Person.code).limit(limit)).all()
    out = []
    for code, name, path, id_number, phone, bname, room, gcode in rows:
        if not scope.can_read_persons(actor, path, "persons"):
            continue
        full = scope.sees_identifiers(actor, path)
        shown_id = id_number if full else scope.mask_id_number(id_number)
        place = "".join(p for p in (bname, f" {room}" if room else "") if p)
        tail = " · ".join(p for p in (place, shown_id, phone if full else scope.mask_phone(phone)) if p)
        out.append(Hit("person", code, name, gcode, tail))
    return out


def find(session: Session, actor: Actor, text: str, *, limit: int = LIMIT) -> list[Hit]:
    """Units, buildings, checkpoints and persons matching `text` under the actor's scope (each kind at most
    `limit`), in that order. An empty or one-character query finds nothing (a whole list is not a search)."""
    q = (text or "").strip()
    if len(q) < 2 and not (q and not q.isascii()):  # one Chinese character is a word; one letter is not
        return []
    return [*_units(session, actor, q, limit), *_buildings(session, actor, q, limit),
            *_checkpoints(session, actor, q, limit), *_persons(session, actor, q, limit)]


def search(store: Store, actor: Actor, text: str, *, limit: int = LIMIT) -> list[Hit]:
    """`find`, with a view of the person register logged when persons were shown (as every person list is)."""
    with store.read() as s:
        hits = find(s, actor, text, limit=limit)
    people = [h for h in hits if h.kind == "person"]
    if people:
        audit.log_view(store, actor, "persons", None, actor.scope_path, rows=len(people), detail={"search": text})
    return hits
