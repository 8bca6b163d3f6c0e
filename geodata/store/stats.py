"""Roll-up counters per unit (`unit_stats`): derived from the leaves, never typed in.

Two ways to keep them: `recompute_all` rebuilds every row from the base tables (after bulk imports, and as the
reference the integrity check compares with); `apply_delta` adds a change to a unit and all its ancestors in one
UPDATE (single edits), so one new case costs six row updates whatever the size of the city.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from geodata.store.hierarchy import path_ids
from geodata.store.models import UnitStats

STAT_COLUMNS = [
    c.name for c in UnitStats.__table__.columns if c.name != "unit_id"
]

SEALED_STATES = ("sealed", "epidemic_spot")


def _leaf_sums(session: Session) -> pd.DataFrame:
    """Counters summed per leaf path (the path of the unit each row hangs on)."""
    conn = session.connection()
    frames: list[pd.DataFrame] = []

    def q(sql: str) -> pd.DataFrame:
        return pd.read_sql_query(text(sql), conn)

    frames.append(
        q(
            "SELECT path, count(*) AS buildings, sum(households) AS households, "
            "sum(population) AS population, sum(party_members) AS party_members, "
            "sum(vulnerable) AS vulnerable, "
            "sum(CASE WHEN control_state IN ('sealed','epidemic_spot') THEN 1 ELSE 0 END) AS sealed_buildings "
            "FROM buildings GROUP BY path"
        )
    )
    # Rural leaves (natural villages) carry their own households/population.
    frames.append(
        q(
            "SELECT path, households, population FROM units "
            "WHERE households IS NOT NULL OR population IS NOT NULL"
        )
    )
    frames.append(q("SELECT path, count(*) AS persons FROM persons GROUP BY path"))
    obs = q(
        "SELECT path, kind, count(*) AS n FROM observations WHERE released_on IS NULL GROUP BY path, kind"
    )
    if not obs.empty:
        wide = obs.pivot_table(index="path", columns="kind", values="n", aggfunc="sum", fill_value=0)
        wide.columns = [f"obs_{k}" for k in wide.columns]
        frames.append(wide.reset_index())
    cases = q("SELECT path, kind, count(*) AS n FROM cases GROUP BY path, kind")
    if not cases.empty:
        wide = cases.pivot_table(index="path", columns="kind", values="n", aggfunc="sum", fill_value=0)
        wide.columns = [f"cases_{k}" for k in wide.columns]
        frames.append(wide.reset_index())
    frames.append(
        q(
            "SELECT path, count(*) AS checkpoints, "
            "sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS checkpoints_open "
            "FROM checkpoints GROUP BY path"
        )
    )
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["path", *STAT_COLUMNS])
    out = pd.concat(frames, ignore_index=True).fillna(0)
    out = out.groupby("path", as_index=False).sum(numeric_only=True)
    for col in STAT_COLUMNS:
        if col not in out.columns:
            out[col] = 0
    return out[["path", *STAT_COLUMNS]]


def compute_all(session: Session) -> pd.DataFrame:
    """Every unit's counters computed from the base tables (indexed by unit_id)."""
    unit_ids = pd.read_sql_query(text("SELECT id FROM units"), session.connection())["id"]
    leaves = _leaf_sums(session)
    if leaves.empty:
        rolled = pd.DataFrame(0, index=pd.Index(unit_ids, name="unit_id"), columns=STAT_COLUMNS)
    else:
        leaves["unit_id"] = leaves["path"].map(path_ids)
        exploded = leaves.drop(columns="path").explode("unit_id")
        exploded["unit_id"] = exploded["unit_id"].astype("int64")
        rolled = exploded.groupby("unit_id")[STAT_COLUMNS].sum()
        rolled = rolled.reindex(pd.Index(unit_ids, name="unit_id"), fill_value=0)
    return rolled.astype("int64")


def recompute_all(session: Session) -> int:
    """Rebuild `unit_stats` from scratch in the current transaction; returns rows written."""
    rolled = compute_all(session)
    session.execute(delete(UnitStats))
    rows = rolled.reset_index().to_dict("records")
    for start in range(0, len(rows), 5000):
        session.execute(insert(UnitStats), rows[start : start + 5000])
    return len(rows)


def apply_delta(session: Session, path: str, **deltas: int) -> None:
    """Add `deltas` to the unit at `path` and to all its ancestors."""
    changes = {k: v for k, v in deltas.items() if v}
    if not changes:
        return
    unknown = set(changes) - set(STAT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown counters: {sorted(unknown)}")
    table = UnitStats.__table__
    session.execute(
        update(table)
        .where(table.c.unit_id.in_(path_ids(path)))
        .values({k: table.c[k] + v for k, v in changes.items()})
    )


def stored_all(session: Session) -> pd.DataFrame:
    frame = pd.read_sql_query(select(UnitStats), session.connection())
    return frame.set_index("unit_id")[STAT_COLUMNS].astype("int64")
