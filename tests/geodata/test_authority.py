"""The one action table (geodata.people.authority, issue 13 "who may do what"): its scope rules and refusals, one
owner for role names in geodata, and every action a command or a page asks for present in the table.

Before, role tables lived in seven modules and two of them disagreed (the command centre could seal a building by
one and not by the other); the checks here keep a second table from growing back.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from geodata.base.problems import PermissionDenied
from geodata.base.vocab import ROLES
from geodata.people import authority, scope
from geodata.people.accounts import UserActor
from geodata.people.authority import ACTIONS, allowed, require
from geodata.store.writes import Actor

ROOT = Path(__file__).resolve().parents[2]
ROLE_NAMES = frozenset(ROLES) | {"system"}
#: the modules of geodata that may name a role: its labels, the action table, and the system actor of the write path
ROLE_MODULES = {"geodata/base/vocab.py", "geodata/people/authority.py", "geodata/store/writes.py"}
#: calls whose string arguments name an action of the table
ACTION_CALLS = {"allowed", "require", "require_signed_in", "require_unit", "role_may", "who", "action"}


def _sources(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def _role_literals(path: Path) -> list[tuple[int, str]]:
    return [(n.lineno, n.value) for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in ROLE_NAMES]


def _asked_actions(path: Path) -> list[tuple[int, str]]:
    """String literals passed to allowed/require/require_signed_in/… that look like action names ("a.b")."""
    found = []
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(n, ast.Call):
            continue
        name = n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", None)
        if name not in ACTION_CALLS:
            continue
        for arg in n.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in ROLE_NAMES \
                    and (arg.value.replace(".", "").replace("_", "").isalpha() and "." in arg.value
                         or arg.value == "import"):
                found.append((n.lineno, arg.value))
    return found


# --- one owner -------------------------------------------------------------------------------------------------


def test_role_names_appear_in_at_most_three_modules_of_geodata():
    naming = {str(p.relative_to(ROOT)): _role_literals(p) for p in _sources("geodata")}
    naming = {m: hits for m, hits in naming.items() if hits}
    assert len(naming) <= 3, naming
    assert set(naming) <= ROLE_MODULES, {m: hits for m, hits in naming.items() if m not in ROLE_MODULES}


def test_every_action_a_page_or_a_command_asks_for_is_in_the_table():
    asked = {(str(p.relative_to(ROOT)), line, a) for folder in ("dashboard", "geodata", "loaders")
             for p in _sources(folder) for line, a in _asked_actions(p)}
    assert {a for _, _, a in asked} & {"page.my_grid", "plan.checkpoints", "alert.acknowledge"}  # the scan finds
    assert not [x for x in asked if x[2] not in ACTIONS], sorted(x for x in asked if x[2] not in ACTIONS)


def test_every_page_of_the_navigation_has_its_action():
    """dashboard/app.py registers each page by name; the gate asks "page.<name>" (an f-string, not scanned above)."""
    tree = ast.parse((ROOT / "dashboard" / "app.py").read_text(encoding="utf-8"))
    names = [c.args[3].value for c in ast.walk(tree) if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "page"
             and len(c.args) == 4 and isinstance(c.args[3], ast.Constant) and c.args[3].value is not None]
    assert len(names) >= 8
    assert [n for n in names if f"page.{n}" not in ACTIONS] == []


def test_the_table_names_only_known_roles_and_every_role_is_named():
    used = frozenset().union(*(a.roles | a.granted for a in ACTIONS.values()))
    assert used <= ROLE_NAMES
    assert used == ROLE_NAMES  # a role no action admits would be a role that can do nothing
    assert all(a.scope in (authority.WITHIN, authority.INSIDE, authority.ANY) for a in ACTIONS.values())
    assert all(a.zh and a.en for a in ACTIONS.values())


# --- the disagreements resolved (domain file §5.3) -------------------------------------------------------------


def test_the_command_centre_may_seal_a_building_by_the_command_and_by_the_edit_rule():
    command = Actor("hq", "command", None)
    assert allowed(command, "edit.building", "/1/2/3/")
    assert scope.can_edit(command, "building", "/1/2/3/")  # what /my-grid asks before it shows the seal form
    viewer = Actor("wall", "viewer", None)
    assert not scope.can_edit(viewer, "building", "/1/2/3/")


def test_starting_an_observation_and_editing_one_are_the_same_rule():
    """§5.3: observation records are community/grid staff's (health staff follow up); the supervisor, admitted by
    the old command table but never shown the form, is refused by both."""
    for role in ROLE_NAMES:
        a = Actor("x", role, None)
        assert scope.can_edit(a, "observation", "/1/") == allowed(a, "edit.observation", "/1/")
    assert not allowed(Actor("s", "supervisor", None), "edit.observation")


# --- scope rules, grants, refusals -----------------------------------------------------------------------------


def test_within_the_target_must_lie_under_the_scope():
    grid = Actor("g", "grid_leader", "/1/2/3/4/")
    assert allowed(grid, "edit.building", "/1/2/3/4/7/")
    assert not allowed(grid, "edit.building", "/1/2/3/5/7/")
    assert allowed(grid, "edit.building")  # no target: the role alone (what a page asks before it has one)
    with pytest.raises(PermissionDenied, match="outside your scope: cannot edit a building"):
        require(grid, "edit.building", "/1/2/3/5/7/")


def test_inside_the_scope_must_lie_inside_the_target():
    """A grid leader submits the report of the community their grid lies in, not of another."""
    grid = Actor("g", "grid_leader", "/1/2/3/4/")
    assert allowed(grid, "report.submit", "/1/2/3/")
    assert not allowed(grid, "report.submit", "/1/2/9/")
    assert allowed(Actor.system("t"), "report.submit", "/1/2/9/")
    head_of_street = Actor("h", "community_head", "/1/2/")
    assert not allowed(head_of_street, "report.submit", "/1/2/3/")  # a wider scope is not inside the community
    assert not allowed(Actor("h", "community_head", None), "report.submit", "/1/2/3/")  # nor no scope at all


def test_any_is_not_scoped():
    assert allowed(Actor("hq", "command", "/1/2/"), "settings.set", "/9/")
    assert allowed(Actor("w", "viewer", "/1/"), "page.wall", "/9/")


def test_nobody_signed_in_may_do_nothing():
    assert not any(allowed(None, name) for name in ACTIONS)
    with pytest.raises(PermissionDenied):
        require(None, "page.explore")


def test_a_grant_widens_person_reads_for_the_roles_that_may_hold_it():
    plain = UserActor("c", "command", None)
    granted = UserActor("c", "command", None, grants=frozenset({"persons"}))
    wall = UserActor("w", "viewer", None, grants=frozenset({"persons"}))  # a grant the role may not hold
    assert not allowed(plain, "persons.read") and allowed(granted, "persons.read")
    assert allowed(granted, "observees.read") and not allowed(wall, "persons.read")
    assert authority.grants_of(wall) == frozenset() and authority.grantable("persons") == {"command", "supervisor"}
    assert scope.can_read_persons(granted, "/1/", "persons") and not scope.can_read_persons(plain, "/1/", "persons")


def test_a_refusal_is_bilingual_and_names_who_may_but_never_the_system():
    with pytest.raises(PermissionDenied) as err:
        require(Actor("h", "health", None), "control.lift")
    assert err.value.message_zh == "无权决定解除疫点/封锁（仅限：指挥部）"
    assert err.value.message_en == "not allowed to decide to lift a sealing (only: Command centre)"
    with pytest.raises(PermissionDenied) as err:
        require(Actor("v", "viewer", None), "plan.checkpoints", doing=("保存卡点方案", "save a checkpoint plan"))
    assert err.value.message_en == "not allowed to save a checkpoint plan (only: Command centre, Supervisor)"
    assert "system" not in authority.who("edit.person", "en") and authority.who("edit.person") == "社区书记、网格长"
