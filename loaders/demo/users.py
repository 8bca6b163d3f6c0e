"""One demo login per role, scoped to the first unit of its level (see the package docstring for the list)."""
from __future__ import annotations

import pandas as pd

from .units import UnitTree

DEMO_PASSWORD = "demo1234"


def build_users(tree: UnitTree) -> pd.DataFrame:
    city, _, streets, communities, grids, _ = tree.levels
    rows = [
        ("command", "市指挥中心值班员", "command", city.code[0]),
        ("wall", "指挥中心大屏", "viewer", city.code[0]),
        ("supervisor", f"{streets.leader_name[0]}（{streets.name[0]}·街道书记）", "supervisor", streets.code[0]),
        ("head", f"{communities.leader_name[0]}（{communities.name[0]}·社区书记）", "community_head", communities.code[0]),
        ("grid", f"{grids.leader_name[0]}（{grids.name[0]}·网格长）", "grid_leader", grids.code[0]),
        ("health", f"{communities.name[0]}卫生服务站", "health", communities.code[0]),
    ]
    users = pd.DataFrame(rows, columns=["username", "display_name", "role", "scope_code"])
    users["password"] = DEMO_PASSWORD
    return users
