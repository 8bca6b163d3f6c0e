"""Exports as a permissioned, logged read: the layer frame an actor may take out of the system."""
from __future__ import annotations

import pandas as pd

from geodata.base.problems import PermissionDenied
from geodata.exchange.extract import PERSON_LEVEL_LAYERS, layer_frame
from geodata.people.persons import mask_frame
from geodata.people.scope import can_read, require_persons
from geodata.store.db import Store
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Unit
from geodata.store.writes import Actor, write


def export_layer(store: Store, actor: Actor, layer: str, *, scope_code: str | None, fmt: str) -> pd.DataFrame:
    """Rows of `layer` under `scope_code` (default: the actor's own scope), checked and logged.

    Person-level layers need person-level permission for the whole scope; every export leaves an event.
    """
    with store.read() as s:
        if scope_code is None and actor.scope_path is not None:
            scope_code = s.execute(
                Unit.__table__.select().with_only_columns(Unit.code).where(Unit.path == actor.scope_path)
            ).scalar_one()
        path = unit_by_code(s, scope_code).path if scope_code else None
        if path is not None and not can_read(actor, path):
            raise PermissionDenied("超出您的管辖范围", "outside your scope")
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
    from sqlalchemy import bindparam, text

    query = text(f"SELECT code, path FROM {layer} WHERE code IN :codes").bindparams(bindparam("codes", expanding=True))
    paths: dict[str, str] = {}
    codes = list(frame["code"])
    for start in range(0, len(codes), 900):
        paths.update(session.execute(query, {"codes": codes[start:start + 900]}).all())
    with_path = frame.assign(path=frame["code"].map(paths))
    return mask_frame(actor, with_path).drop(columns=["path"])
