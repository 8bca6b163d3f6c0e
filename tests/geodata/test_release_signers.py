"""The signing board the street's /signers page and the sign-off form read (issue 14 point 6): only the named signers
(or those the street assigns) may sign, others see who must; the street picks among accounts that may sign there."""
from __future__ import annotations

import pytest

from geodata.base.problems import PermissionDenied
from geodata.people.accounts import create_user
from geodata.situation.observations import assign_signer
from geodata.situation.signers import assignable, signing_board
from geodata.store.hierarchy import unit_by_code
from geodata.store.writes import Actor, write
from tests.geodata.test_risk_observations import returnee
from tests.risk_helpers import SYSTEM, run


def test_only_the_named_signers_are_offered_signing_until_the_street_assigns_another(store):
    returnee(store)  # OH1: cadre 包保干部甲 (account grid), medic 包保医生乙 (account medic)
    write(store, SYSTEM, lambda ctx: create_user(ctx, "grid2", "另一网格员", "grid_leader", "G12", "secret-password"))
    with store.read() as s:
        c1 = unit_by_code(s, "C1").path
        s1 = unit_by_code(s, "S1").path
        g12 = unit_by_code(s, "G12").path

    def board(actor):
        with store.read() as s:
            return signing_board(s, actor, actor.scope_path or c1, ["OH1"]).iloc[0]

    grid = Actor("grid", "grid_leader", g12)
    other = Actor("grid2", "grid_leader", g12)
    assert board(grid)["may_sign"] == ["cadre"] and board(other)["may_sign"] == []
    assert board(other)["cadre"] == "包保干部甲" and board(other)["medic"] == "包保医生乙"

    supervisor = Actor("sup", "supervisor", s1)
    with store.read() as s:
        names = assignable(s, supervisor, "OH1", "cadre")["username"].tolist()
        assert "grid2" in names and "medic" not in names  # a health account cannot sign as the cadre
        with pytest.raises(PermissionDenied):
            assignable(s, grid, "OH1", "cadre")  # a grid leader does not assign
    run(store, supervisor, assign_signer, "OH1", "cadre", "grid2")
    assert board(other)["may_sign"] == ["cadre"] and board(grid)["may_sign"] == []
    assert board(other)["cadre"] == "另一网格员（grid2）"
