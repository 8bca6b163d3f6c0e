"""Who may see and change what: scope rules in one place (domain file §5.3; privacy §3.7, scenario 19).

A user's scope is a unit path; they see and edit rows whose path lies under it. Every read model and command
asks here; pages only hide what these rules would refuse anyway.

- Counts (figures, the map, KPIs): any role, for units under their scope. Ancestors of the scope are shown by
  name only (the breadcrumb), never with their figures.
- Person-level records (names, ID numbers, phones, households, observations, cases): community heads and grid
  leaders of that scope; health staff for the observations (and cases, health checks) of their scope — a
  health user's scope is their assignment: the community (卫生服务站) or grid they follow up (§5.3 "observees
  assigned to them"); the free-text `observations.medic_name` is not used for access, because anyone editing a
  name would move access with it. The command centre and supervisors see counts only unless granted `persons`
  (geodata.people.accounts.grant). The wall viewer never sees persons.
- Identifiers: ID numbers and phones are shown in full only to the staff of the person's own grid (an actor
  whose scope is that grid or inside it) and to system processes; everyone else reads them masked
  (110***********1234). `IDENTIFIERS_LEVEL` is the one place to widen this to the community if a city decides so.
- Edits: `EDIT_ROLES` per entity, within scope; reshaping a unit's polygon is for supervisors and the command
  centre, and only for units whose parent lies in their scope (a supervisor reshapes the grids of their street,
  not the street).

System processes (`system:*`, role "system") act for the whole city.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from geodata.base.problems import PermissionDenied
from geodata.base.vocab import Level
from geodata.store.hierarchy import is_under, path_ids
from geodata.store.writes import Actor

PERSON_LEVEL_ROLES = frozenset({"community_head", "grid_leader", "health", "system"})
#: what health staff see of person-level data: their observees, not the general register
HEALTH_SEES = frozenset({"observations", "cases", "health_checks"})
#: roles that can be granted person-level reads (the wall viewer never: a whole room reads the wall)
GRANTABLE: dict[str, frozenset[str]] = {"persons": frozenset({"command", "supervisor"})}
GRANTS: dict[str, tuple[str, str]] = {"persons": ("查看人员明细", "see person-level records")}
#: full ID numbers and phones are for the staff of this level of the person's unit (the grid, 网格)
IDENTIFIERS_LEVEL = Level.GRID
#: kinds of person-level data (what `require_persons` is asked about)
PERSON_DATA = frozenset({"persons", "households", "observations", "cases", "health_checks"})
#: the event-log entities that hold person-level values, and which kind of data each is
PERSON_ENTITIES: dict[str, str] = {"person": "persons", "persons": "persons", "household": "households",
                                   "households": "households", "observation": "observations",
                                   "observations": "observations", "case": "cases", "cases": "cases"}

#: who may edit which kind of record, within their scope (§5.3 role → edit matrix)
EDIT_ROLES: dict[str, frozenset[str]] = {
    # control state is checked again by geodata.people.authority ("set_control"), which also admits the command centre
    "building": frozenset({"community_head", "grid_leader", "supervisor", "system"}),
    # §5.3: supervisors plan checkpoints; community staff keep their entrances' status and staffing
    "checkpoint": frozenset({"community_head", "grid_leader", "supervisor", "command", "system"}),
    "unit": frozenset({"community_head", "grid_leader", "supervisor", "command", "system"}),
    "household": frozenset({"community_head", "grid_leader", "system"}),
    "person": frozenset({"community_head", "grid_leader", "system"}),
    "observation": frozenset({"community_head", "grid_leader", "health", "system"}),
    "case": frozenset({"community_head", "grid_leader", "health", "supervisor", "command", "system"}),
}
#: §5.3: grid polygons are drawn by the community and reported to the street; the street supervisor (or the
#: command centre) changes them
RESHAPE_ROLES = frozenset({"supervisor", "command", "system"})
#: §5.3: the street supervisor (the command centre anywhere) plans checkpoints: the planner's commands that add,
#: move, open/close and staff them, their rosters, and saving/applying plans. Community staff keep the records of
#: their own entrances on /my-grid under EDIT_ROLES["checkpoint"].
PLAN_ROLES = frozenset({"supervisor", "command", "system"})
#: the audit log is for staff; the wall account reads counts only
AUDIT_ROLES = frozenset({"command", "supervisor", "community_head", "grid_leader", "health", "system"})
#: the signed-in roles that work at a desk (everyone but the wall account)
STAFF_ROLES = frozenset({"command", "supervisor", "community_head", "grid_leader", "health"})
#: which signed-in roles may open which dashboard page (None: any): the navigation shows and every page checks
#: this one table. The wall account reads counts (the wall, /explore), never the staff lists of the other pages.
PAGE_ROLES: dict[str, frozenset[str] | None] = {
    "wall": frozenset({"command", "viewer"}),
    "explore": None,
    "my_grid": STAFF_ROLES,
    "checkpoints": STAFF_ROLES,
    "reports": STAFF_ROLES,
    "honours": STAFF_ROLES,
    "import": STAFF_ROLES,
    "audit": AUDIT_ROLES - {"system"},
}

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


def grants_of(actor: Actor) -> frozenset[str]:
    """Rights granted to this user beyond their role (a signed-in actor carries them, see geodata.people.accounts)."""
    granted = frozenset(getattr(actor, "grants", ()) or ())
    return frozenset(g for g in granted if actor.role in GRANTABLE.get(g, frozenset()))


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


def can_read_persons(actor: Actor, path: str | None, what: str = "persons") -> bool:
    """Person-level records of kind `what` (persons, households, observations, cases, health_checks)."""
    role_ok = actor.role in PERSON_LEVEL_ROLES or "persons" in grants_of(actor)
    if actor.role == "health" and what not in HEALTH_SEES:
        role_ok = False
    return role_ok and _under(path, actor.scope_path)


def require_persons(actor: Actor, path: str | None, what: str | None = None) -> None:
    """Raise unless `actor` may see person-level records (of kind `what`) under `path` (None = the city).

    `what` None means the whole person register (what an export that names no kind takes out): health staff,
    who see only their observees, are refused it."""
    if actor.role not in PERSON_LEVEL_ROLES and "persons" not in grants_of(actor):
        raise PermissionDenied("此角色不能查看人员明细，只能查看统计数", "this role sees counts only, not person records")
    if actor.role == "health" and what not in HEALTH_SEES:
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
    if actor.role == "system":
        return True
    own = _own_unit_prefix(actor)
    return own is not None and path is not None and path.startswith(own) and can_read_persons(actor, path,
                                                                                                "observations")


def identifiers_shown(actor: Actor, paths: Iterable[str]) -> list[bool]:
    """`sees_identifiers` for many rows at once (a list of person paths)."""
    if actor.role == "system":
        return [True for _ in paths]
    own = _own_unit_prefix(actor)
    if own is None or actor.role not in PERSON_LEVEL_ROLES and "persons" not in grants_of(actor):
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


def can_edit(actor: Actor, entity: str, path: str) -> bool:
    return actor.role in EDIT_ROLES.get(entity, frozenset()) and is_under(path, actor.scope_path)


def require_edit(actor: Actor, entity: str, path: str) -> None:
    """Raise unless `actor` may change a record of `entity` lying at `path`."""
    zh, en = ENTITY_LABELS.get(entity, (entity, entity))
    if actor.role not in EDIT_ROLES.get(entity, frozenset()):
        raise PermissionDenied(f"此角色不能修改{zh}", f"this role cannot edit a {en}")
    if not is_under(path, actor.scope_path):
        raise PermissionDenied(f"超出您的管辖范围，不能修改该{zh}", f"outside your scope: cannot edit this {en}")


def require_planning(actor: Actor, path: str | None, what_zh: str, what_en: str) -> None:
    """Raise unless `actor` plans checkpoints (PLAN_ROLES) and `path` (when given) lies in their scope; the
    message names what was refused ("调整卡点" / "change checkpoints")."""
    if actor.role not in PLAN_ROLES:
        raise PermissionDenied(f"只有街道督导和指挥部可以{what_zh}", f"only supervisors and the command centre may {what_en}")
    if path is not None and not is_under(path, actor.scope_path):
        raise PermissionDenied(f"超出您的管辖范围，无法{what_zh}", f"outside your scope: cannot {what_en}")


def require_reshape(actor: Actor, parent_path: str | None) -> None:
    """Reshaping a unit: supervisors and the command centre, for units whose parent lies in their scope."""
    if actor.role not in RESHAPE_ROLES:
        raise PermissionDenied("只有街道督导或指挥部可以修改单元边界", "only a supervisor or the command centre may reshape units")
    if parent_path is None or not is_under(parent_path, actor.scope_path):
        raise PermissionDenied("超出您的管辖范围，不能修改该单元边界", "outside your scope: cannot reshape this unit")


def can_audit(actor: Actor) -> bool:
    return actor.role in AUDIT_ROLES


def require_audit(actor: Actor) -> None:
    if not can_audit(actor):
        raise PermissionDenied("此角色不能查看操作日志", "this role cannot read the audit log")


def roles_allowed(roles: Iterable[str] | None, actor: Actor | None) -> bool:
    """For pages: is `actor` signed in with one of `roles` (None: any role)?"""
    return actor is not None and (roles is None or actor.role in set(roles))


def may_open(actor: Actor | None, page: str) -> bool:
    """May `actor` open the dashboard page `page` (a key of PAGE_ROLES)?"""
    return roles_allowed(PAGE_ROLES[page], actor)
