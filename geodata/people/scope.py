"""Where a person may see and change things: scope paths, person-level reads and masking (domain file §5.3;
privacy §3.7, scenario 19). WHICH roles may do what is geodata.people.authority's one action table; this module
adds the scope logic around it.

A user's scope is a unit path; they see and edit rows whose path lies under it. Every read model and command
asks here or in the table; pages only hide what these rules would refuse anyway.

- Counts (figures, the map, KPIs): any role, for units under their scope. Ancestors of the scope are shown by
  name only (the breadcrumb), never with their figures.
- Person-level records (names, ID numbers, phones, households, observations, cases): action "persons.read" for
  the register, "observees.read" for observations, cases and health checks — health staff hold only the second
  (a health user's scope is their assignment: the community (卫生服务站) or grid they follow up, §5.3 "observees
  assigned to them"; the free-text `observations.medic_name` is not used for access, because anyone editing a
  name would move access with it). The command centre and supervisors see counts only unless granted `persons`
  (geodata.people.accounts.grant). The wall viewer never sees persons.
- Identifiers: ID numbers and phones are shown in full only to the staff of the person's own grid (an actor
  whose scope is that grid or inside it) and to system processes ("identifiers.read_all"); everyone else reads
  them masked (110***********1234). `IDENTIFIERS_LEVEL` is the one place to widen this to the community.
- Edits: action "edit.<entity>" within scope; reshaping a unit's polygon ("reshape.unit") only for units whose
  parent lies in the actor's scope (a supervisor reshapes the grids of their street, not the street).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from geodata.base.problems import PermissionDenied, Problem, Refusal, Rejected
from geodata.base.vocab import Level
from geodata.people import authority
from geodata.store.hierarchy import UnknownUnit, is_under, path_ids, unit_by_code
from geodata.store.models import Unit
from geodata.store.writes import Actor

#: kinds of person-level data that "observees.read" covers: what health staff see of person-level data (their
#: observees, not the general register); the other kinds need "persons.read"
OBSERVEE_DATA = frozenset({"observations", "cases", "health_checks"})
#: full ID numbers and phones are for the staff of this level of the person's unit (the grid, 网格)
IDENTIFIERS_LEVEL = Level.GRID
#: kinds of person-level data (what `require_persons` is asked about)
PERSON_DATA = frozenset({"persons", "households", "observations", "cases", "health_checks"})
#: the event-log entities that hold person-level values, and which kind of data each is
PERSON_ENTITIES: dict[str, str] = {"person": "persons", "persons": "persons", "household": "households",
                                   "households": "households", "observation": "observations",
                                   "observations": "observations", "case": "cases", "cases": "cases"}

ENTITY_LABELS: dict[str, tuple[str, str]] = {
    "building": ("楼栋", "building"), "checkpoint": ("卡点/出入口", "checkpoint"), "unit": ("单元", "unit"),
    "household": ("户", "household"), "person": ("人员", "person"), "observation": ("隔离观察", "observation"),
    "case": ("病例", "case"),
}
DATA_LABELS: dict[str, tuple[str, str]] = {
    "persons": ("人员名单", "person records"), "households": ("户信息", "households"),
    "observations": ("隔离观察名单", "observations"), "cases": ("病例名单", "cases"),
    "health_checks": ("健康随访记录", "health checks"),
}


def outside_scope() -> PermissionDenied:
    return PermissionDenied("超出您的管辖范围", "outside your scope")


def unknown_or_outside(what_zh: str, what_en: str) -> tuple[str, str]:
    """The one answer a scoped person gets for a code they name that does not exist OR lies outside their scope
    (an import's reference column, an edit form, a query parameter, `--scope` with `--as`): the same text, field
    and row either way, so no one learns which codes exist beyond their own area (issue 18). `what` names the
    code ("户编码" / "household code")."""
    return f"{what_zh}不存在或不在您的管辖范围内", f"{what_en} unknown or outside your scope"


def hides(actor: Actor, path: str | None) -> bool:
    """Is a record at `path` one `actor` must be told does not exist when they name its code? (outside a scoped
    person's scope; whole-city actors see everything)"""
    return actor.scope_path is not None and not (isinstance(path, str) and is_under(path, actor.scope_path))


class NotInScope(PermissionDenied):
    """A code a scoped person named that names no record they may reach — missing or elsewhere, one refusal
    (`unknown_or_outside`, naming the field) for both. `what`: ("人员编码", "person code")."""

    def __init__(self, what: tuple[str, str], code: str, field: str = "code") -> None:
        zh, en = unknown_or_outside(f"{what[0]}“{code}”", f"{what[1]} {code!r}")
        Refusal.__init__(self, zh, en, [Problem(zh, en, field=field)])
        self.code = code


def unknown_code(actor: Actor, what: tuple[str, str], code: str, field: str = "code") -> Refusal:
    """The refusal of a named code that names no record the actor may reach: `NotInScope` for a scoped actor
    (whether the record is missing or lies elsewhere), "X不存在" (Rejected) for a whole-city one."""
    if actor.scope_path is not None:
        return NotInScope(what, code, field)
    zh, en = f"{what[0]}不存在: {code}", f"unknown {what[1]}: {code}"
    return Rejected([Problem(zh, en, field=field)])


class UnitNotInScope(NotInScope, UnknownUnit):
    """A unit code a scoped person named that is unknown or outside their scope: a `NotInScope` that code asking
    "is it there?" (an UnknownUnit) also understands."""

    def __init__(self, code: str) -> None:
        NotInScope.__init__(self, ("单元编码", "unit code"), code)


def readable_unit(session: Any, actor: Actor, code: str) -> Unit:
    """The unit `code` when the actor may read its figures. A scoped actor gets `UnitNotInScope` for an unknown
    code and for one outside their scope alike (a query parameter, `--scope` with `--as`); a whole-city actor an
    `UnknownUnit`."""
    try:
        unit = unit_by_code(session, code)
    except UnknownUnit:
        if actor.scope_path is not None:
            raise UnitNotInScope(code) from None
        raise
    if not can_read(actor, unit.path):
        raise UnitNotInScope(code)
    return unit


def _under(path: str | None, scope: str | None) -> bool:
    """`path` None means the whole city: only a whole-city scope covers it."""
    if path is None:
        return scope is None or len(path_ids(scope)) <= 1
    return is_under(path, scope)


def can_read(actor: Actor, path: str | None) -> bool:
    """Counts and unit figures under `path`."""
    return _under(path, actor.scope_path)


def require_read(actor: Actor, path: str | None) -> None:
    if not can_read(actor, path):
        raise outside_scope()


def _read_action(what: str | None) -> str:
    """The action that reads person-level data of kind `what` (None: the whole register)."""
    return "observees.read" if what in OBSERVEE_DATA else "persons.read"


def can_read_persons(actor: Actor, path: str | None, what: str = "persons") -> bool:
    """Person-level records of kind `what` (persons, households, observations, cases, health_checks)."""
    return authority.allowed(actor, _read_action(what)) and _under(path, actor.scope_path)


def require_persons(actor: Actor, path: str | None, what: str | None = None) -> None:
    """Raise unless `actor` may see person-level records (of kind `what`) under `path` (None = the city).

    `what` None means the whole person register (what an export that names no kind takes out): health staff,
    who see only their observees, are refused it."""
    if not authority.allowed(actor, "observees.read"):
        raise PermissionDenied("此角色不能查看人员明细，只能查看统计数", "this role sees counts only, not person records")
    if not authority.allowed(actor, _read_action(what)):
        zh, en = DATA_LABELS.get(what or "persons", (what, what))
        raise PermissionDenied(f"卫生人员只能查看分配给本人的隔离观察对象，不能查看{zh}",
                               f"health staff see the observees assigned to them, not {en}")
    if not _under(path, actor.scope_path):
        raise outside_scope()


def _own_unit_prefix(actor: Actor) -> str | None:
    """The path of the unit at IDENTIFIERS_LEVEL that the actor's scope lies in (None: the scope is wider)."""
    if actor.scope_path is None:
        return None
    ids = path_ids(actor.scope_path)
    if len(ids) < int(IDENTIFIERS_LEVEL):
        return None
    return "/" + "/".join(str(i) for i in ids[: int(IDENTIFIERS_LEVEL)]) + "/"


def sees_identifiers(actor: Actor, path: str | None) -> bool:
    """Full ID numbers and phones of a person at `path`: only the staff of that person's own grid."""
    if authority.allowed(actor, "identifiers.read_all"):
        return True
    own = _own_unit_prefix(actor)
    return own is not None and path is not None and path.startswith(own) and can_read_persons(actor, path,
                                                                                                "observations")


def identifiers_shown(actor: Actor, paths: Iterable[str]) -> list[bool]:
    """`sees_identifiers` for many rows at once (a list of person paths)."""
    if authority.allowed(actor, "identifiers.read_all"):
        return [True for _ in paths]
    own = _own_unit_prefix(actor)
    if own is None or not authority.allowed(actor, "observees.read"):
        return [False for _ in paths]
    return [isinstance(p, str) and p.startswith(own) for p in paths]


def mask_id_number(value: str | None) -> str | None:
    """110***********1234: first three and last four digits only."""
    if not value:
        return value
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else "*" * len(value)


#: person-level fields masked outside the person's own grid
IDENTIFIER_FIELDS: dict[str, Callable[[str | None], str | None]] = {"id_number": mask_id_number, "phone": mask_phone}


def mask_values(values: Mapping[str, Any] | None, *, full: bool) -> dict[str, Any] | None:
    """A copy of `values` with ID numbers and phones masked unless `full`."""
    if values is None:
        return None
    out = dict(values)
    if not full:
        for name, fn in IDENTIFIER_FIELDS.items():
            if isinstance(out.get(name), str):
                out[name] = fn(out[name])
    return out


def edit_action(entity: str) -> str | None:
    """The action that edits a record of `entity` ("edit.building"), or None when such records are not edited."""
    name = f"edit.{entity}"
    return name if name in authority.ACTIONS else None


def can_edit(actor: Actor, entity: str, path: str) -> bool:
    action = edit_action(entity)
    return action is not None and authority.allowed(actor, action, path)


def require_edit(actor: Actor, entity: str, path: str) -> None:
    """Raise unless `actor` may change a record of `entity` lying at `path` (action "edit.<entity>")."""
    action = edit_action(entity)
    if action is None:
        raise PermissionDenied(f"不能修改此类记录: {entity}", f"records of kind {entity!r} cannot be edited")
    authority.require(actor, action, path)


def require_planning(actor: Actor, path: str | None, what_zh: str, what_en: str) -> None:
    """Raise unless `actor` may plan checkpoints ("plan.checkpoints") at `path` (when given); the message names
    what was refused ("调整卡点" / "change checkpoints")."""
    authority.require(actor, "plan.checkpoints", path, doing=(what_zh, what_en))


def require_reshape(actor: Actor, parent_path: str | None) -> None:
    """Reshaping a unit ("reshape.unit"): only a unit whose PARENT lies in the actor's scope — a top unit, having
    no parent, is reshaped by nobody here."""
    authority.require(actor, "reshape.unit")
    if parent_path is None or not is_under(parent_path, actor.scope_path):
        raise PermissionDenied("超出您的管辖范围，不能修改该单元边界", "outside your scope: cannot reshape this unit")


def sees_staff_contacts(actor: Actor | None) -> bool:
    """May `actor` read the names and phones of unit leaders, building heads and checkpoint leaders
    ("contacts.read")? Pages that may not show them say they are hidden instead of showing them or "—"."""
    return authority.allowed(actor, "contacts.read")
