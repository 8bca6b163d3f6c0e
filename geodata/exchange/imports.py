"""Importing one layer frame as one command: permission, validation, write or dry run, all or nothing.

The CLI (`python -m loaders import`) and the dashboard's Import page both call `import_frame`, so a file is
checked and written the same way whichever door it comes through.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from geodata.base.problems import Rejected
from geodata.exchange.bulk import UpsertResult, upsert_layer
from geodata.exchange.parents import name_units
from geodata.people import authority
from geodata.situation.honours import sync_proposals
from geodata.situation.risk import apply_transitions
from geodata.store.db import Store
from geodata.store.writes import Actor, write


class _DryRun(Exception):
    def __init__(self, result: UpsertResult) -> None:
        self.result = result


#: an import that writes this many rows refreshes the database's planner statistics (Store.refresh_statistics)
BULK_ROWS = 1000


def import_frame(store: Store, actor: Actor, layer: str, frame: pd.DataFrame, *, source: str | None = None,
                 dry_run: bool = False, names: dict[str, str] | None = None) -> UpsertResult:
    """Validate and write `frame` as `layer` in one transaction; with `dry_run` roll back after validating.

    `names` ({code: name}) names ancestors made from the codes of a unit layer (geodata.exchange.parents), those
    this import makes and those made before, in the same transaction.
    Raises `Rejected` (every problem, bilingual, with rows) when anything is wrong: nothing is written then.
    """
    authority.require(actor, "import")

    def run(ctx):
        result = upsert_layer(ctx, layer, frame, source=source)
        if names:
            result.problems = [*result.problems, *name_units(ctx, names)]
            if result.parents is not None:
                result.parents.created = [(c, lv, names.get(c, n)) for c, lv, n in result.parents.created]
        if layer == "cases" and (result.inserted or result.updated):
            # cases that arrive in bulk bypass record_case: propose revoking the 无疫小区 flags they touch (scenario
            # 20; the command centre confirms, issue 14 point 12)
            sync_proposals(ctx, dt.date.today(), check=False)
            # their situation changes are logged and alerted with the import, not at the next daily run
            apply_transitions(ctx, dt.date.today())
        ctx.record("import", layer, None, path=actor.scope_path,
                   new={"file": source, "inserted": result.inserted, "updated": result.updated,
                        "unchanged": result.unchanged})
        if dry_run:
            raise _DryRun(result)
        return result

    try:
        result = write(store, actor, run)
    except _DryRun as dry:
        return dry.result
    if result.inserted + result.updated >= BULK_ROWS:
        store.refresh_statistics()
    return result


__all__ = ["Rejected", "import_frame"]
