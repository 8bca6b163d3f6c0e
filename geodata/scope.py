"""Who may see and change what: scope rules in one place (domain file §5.3; privacy §3.7, scenario 19).

A user's scope is a unit path; they see and edit rows whose path lies under it. Person-level data (names, ID
numbers, phones) is for the community/grid staff and health staff of that scope only; the command centre and
the wall see counts. System processes (`system:*`) act for the whole city.
"""
from __future__ import annotations

from geodata.hierarchy import is_under
from geodata.problems import Problem
from geodata.writes import Actor

PERSON_LEVEL_ROLES = frozenset({"community_head", "grid_leader", "health", "system"})


class PermissionDenied(PermissionError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.problem = Problem(zh, en)


def can_read(actor: Actor, path: str) -> bool:
    return is_under(path, actor.scope_path)


def can_read_persons(actor: Actor, path: str) -> bool:
    return actor.role in PERSON_LEVEL_ROLES and is_under(path, actor.scope_path)


def require_persons(actor: Actor, path: str | None) -> None:
    """Raise unless `actor` may see person-level records under `path` (None = the whole city)."""
    if actor.role not in PERSON_LEVEL_ROLES:
        raise PermissionDenied("此角色不能查看人员明细，只能查看统计数", "this role sees counts only, not person records")
    if path is None and actor.scope_path is not None:
        raise PermissionDenied("超出您的管辖范围", "outside your scope")
    if path is not None and not is_under(path, actor.scope_path):
        raise PermissionDenied("超出您的管辖范围", "outside your scope")


def mask_id_number(value: str | None) -> str | None:
    """110***********1234: first three and last four digits only."""
    if not value:
        return value
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else "*" * len(value)
