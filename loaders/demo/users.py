"""One demo login per role (see the package docstring for the list).

Scoped logins get the first urban street, community and grid (the township's codes sort after the streets'), and
the case plan puts an S1 case in that grid, so that every login has something on its map.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .units import UnitTree

DEMO_PASSWORD = "demo1234"


def first_urban(tree: UnitTree) -> tuple[int, int, int]:
    """Indices of the first urban street, community and grid."""
    s = int(np.flatnonzero(~tree.streets.rural)[0])
    c = int(np.flatnonzero(tree.communities.parent == s)[0])
    g = int(np.flatnonzero(tree.grids.parent == c)[0])
    return s, c, g


def build_users(tree: UnitTree) -> pd.DataFrame:
    city, _, streets, communities, grids, _ = tree.levels
    s, c, g = first_urban(tree)
    rows = [
        ("command", "市指挥中心值班员", "command", city.code[0]),
        ("wall", "指挥中心大屏", "viewer", city.code[0]),
        ("supervisor", f"{streets.leader_name[s]}（{streets.name[s]}·街道书记）", "supervisor", streets.code[s]),
        ("head", f"{communities.leader_name[c]}（{communities.name[c]}·社区书记）", "community_head",
         communities.code[c]),
        ("grid", f"{grids.leader_name[g]}（{grids.name[g]}·网格长）", "grid_leader", grids.code[g]),
        ("health", f"{communities.name[c]}卫生服务站", "health", communities.code[c]),
    ]
    users = pd.DataFrame(rows, columns=["username", "display_name", "role", "scope_code"])
    users["password"] = DEMO_PASSWORD
    return users
