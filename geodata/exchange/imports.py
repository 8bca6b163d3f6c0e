"""Importing one layer frame as one command: permission, validation, write or dry run, all or nothing.

The CLI (`python -m loaders import`) and the dashboard's Import page both call `import_frame`, so a file is
checked and written the same way whichever door it comes through.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from geodata.base.problems import PermissionDenied, Rejected
from geodata.exchange.bulk import UpsertResult, upsert_layer
from geodata.situation.honours import sync_revocations
from geodata.situation.risk import apply_transitions
from geodata.store.db import Store
from geodata.store.writes import Actor, write

IMPORT_ROLES = frozenset({"system", "command", "supervisor", "community_head", "grid_leader"})


class _DryRun(Exception):
    def __init__(self, result: UpsertResult) -> None:
        self.result = result


def import_frame(store: Store, actor: Actor, layer: str, frame: pd.DataFrame, *, source: str | None = None,
                 dry_run: bool = False) -> UpsertResult:
    """Validate and write `frame` as `layer` in one transaction; with `dry_run` roll back after validating.

    Raises `Rejected` (every problem, bilingual, with rows) when anything is wrong: nothing is written then.
    """
    if actor.role not in IMPORT_ROLES:
        raise PermissionDenied("此角色不能导入数据", "this role cannot import data")

    def run(ctx):
        result = upsert_layer(ctx, layer, frame, source=source)
        if layer == "cases" and (result.inserted or result.updated):
            # cases that arrive in bulk bypass record_case: revoke 无疫小区 flags they touch (scenario 20)
            sync_revocations(ctx, dt.date.today())
            # their situation changes are logged and alerted with the import, not at the next daily run
            apply_transitions(ctx, dt.date.today())
        ctx.record("import", layer, None, path=actor.scope_path,
                   new={"file": source, "inserted": result.inserted, "updated": result.updated,
                        "unchanged": result.unchanged})
        if dry_run:
            raise _DryRun(result)
        return result

    try:
        return write(store, actor, run)
    except _DryRun as dry:
        return dry.result


__all__ = ["Rejected", "import_frame"]
