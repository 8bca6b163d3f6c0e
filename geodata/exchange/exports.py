"""Exports as a permissioned, logged read: the layer frame an actor may take out of the system.

Lists that go back up the chain (a street's communities to the district) also carry the derived situation; the
date a unit's level started is found here by asking `geodata.situation.risk.situation` about earlier days, so
the rules stay in one place.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from geodata.base.vocab import Level
from geodata.exchange.extract import PERSON_LEVEL_LAYERS, layer_frame
from geodata.people.persons import mask_frame
from geodata.people.scope import readable_unit, require_persons
from geodata.situation.risk import ancestor_at, situation
from geodata.store.db import Store
from geodata.store.models import Unit
from geodata.store.writes import Actor, write

#: how far back `situation_since` looks for the start of a level (a level older than this shows no date)
SINCE_LOOKBACK_DAYS = 366


def export_scope(session: Session, actor: Actor, scope_code: str | None) -> tuple[str | None, str | None]:
    """(scope code, path) of an export: `scope_code`, else the actor's own scope (None, None: the whole city).

    Refuses a scope outside the actor's own, so every caller that reads for an export checks the same way."""
    if scope_code is None and actor.scope_path is not None:
        scope_code = session.execute(
            Unit.__table__.select().with_only_columns(Unit.code).where(Unit.path == actor.scope_path)
        ).scalar_one()
    # an unknown code and one outside the actor's scope get one answer (issue 18)
    path = readable_unit(session, actor, scope_code).path if scope_code else None
    return scope_code, path


def situation_since(session: Session, ranks: pd.Series, on: dt.date) -> pd.Series:
    """Per unit id (the index of `ranks`, its rank on `on`): the first day of its current run at that rank, or
    None for S0 and for a level older than SINCE_LOOKBACK_DAYS.

    Walks back one day at a time asking `situation` (never the rules themselves) about the units still open, so
    the date agrees with the level shown on any day; a level lasts only while cases keep arriving, so the walk
    is as long as the current wave."""
    since = pd.Series([None] * len(ranks), index=ranks.index, dtype=object)
    open_ranks = ranks[ranks > 0].astype("int64")
    day = on
    for _ in range(SINCE_LOOKBACK_DAYS):
        if open_ranks.empty:
            break
        before = situation(session, [int(i) for i in open_ranks.index], on=day - dt.timedelta(days=1))
        before = before.set_index("unit_id")["rank"].reindex(open_ranks.index).fillna(0).astype("int64")
        ended = before != open_ranks
        since.loc[open_ranks.index[ended.to_numpy()]] = day
        open_ranks = open_ranks[~ended.to_numpy()]
        day -= dt.timedelta(days=1)
    return since


def building_communities(session: Session, codes: list[str]) -> pd.Series:
    """Building code → id of the community it lies in (a building's list row carries its community's level)."""
    query = text("SELECT code, path FROM buildings WHERE code IN :codes").bindparams(
        bindparam("codes", expanding=True))
    paths: dict[str, str] = {}
    for start in range(0, len(codes), 900):
        paths.update(session.execute(query, {"codes": codes[start:start + 900]}).all())
    frame = pd.Series(paths, dtype=object).reindex(codes)
    return ancestor_at(frame, int(Level.COMMUNITY))


def export_layer(store: Store, actor: Actor, layer: str, *, scope_code: str | None, fmt: str) -> pd.DataFrame:
    """Rows of `layer` under `scope_code` (default: the actor's own scope), checked and logged.

    Person-level layers need person-level permission for the whole scope; every export leaves an event.
    """
    with store.read() as s:
        scope_code, path = export_scope(s, actor, scope_code)
        if layer in PERSON_LEVEL_LAYERS:
            require_persons(actor, path)  # an export names no kind: health staff see observees only on screen
        frame = layer_frame(s, layer, scope_code)
        if layer in PERSON_LEVEL_LAYERS and len(frame):
            frame = _masked(s, actor, layer, frame)

    write(store, actor, lambda ctx: ctx.record(
        "export", layer, scope_code, path=path, new={"format": fmt, "rows": len(frame)},
        reason="人员明细导出 person-level export" if layer in PERSON_LEVEL_LAYERS else None))
    return frame


def _masked(session, actor: Actor, layer: str, frame: pd.DataFrame) -> pd.DataFrame:
    """ID numbers and phones masked outside each person's own grid (geodata.people.persons.mask_frame decides)."""
    query = text(f"SELECT code, path FROM {layer} WHERE code IN :codes").bindparams(bindparam("codes", expanding=True))
    paths: dict[str, str] = {}
    codes = list(frame["code"])
    for start in range(0, len(codes), 900):
        paths.update(session.execute(query, {"codes": codes[start:start + 900]}).all())
    with_path = frame.assign(path=frame["code"].map(paths))
    return mask_frame(actor, with_path).drop(columns=["path"])
