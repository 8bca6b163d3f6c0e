"""The read models of geodata.reporting.figures as a signed-in person may use them: counts under their own scope only.

Each function resolves the unit by code, asks geodata.people.scope whether the actor's scope covers it (a
PermissionDenied otherwise, whatever URL or form value asked), then calls the figures read model. The ancestors
of a unit are given by name only (the breadcrumb), so a community head sees "市 › 区 › 街道 › 本社区" without the
street's figures. Person-level lists are geodata.people.persons.
"""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.vocab import Level
from geodata.people import scope
from geodata.reporting import figures
from geodata.store.frames import WGS84
from geodata.store.hierarchy import UnitRef, ancestors, path_upper_bound, ref, root
from geodata.store.models import Building, Checkpoint, Unit
from geodata.store.writes import Actor


def unit(session: Session, actor: Actor, code: str) -> UnitRef:
    """The unit `code` if the actor's scope covers it; otherwise one refusal whether the code is unknown or
    outside the scope (geodata.people.scope.readable_unit)."""
    return ref(scope.readable_unit(session, actor, code))


def home(session: Session, actor: Actor) -> UnitRef | None:
    """Where the actor starts: their scope's unit, or the city for a whole-city scope."""
    if actor.scope_path is not None:
        ids = [int(p) for p in actor.scope_path.strip("/").split("/") if p]
        u = session.get(Unit, ids[-1]) if ids else None
        if u is not None:
            return ref(u)
    r = root(session)
    return ref(r) if r is not None else None


def breadcrumb(session: Session, actor: Actor, code: str) -> list[UnitRef]:
    """Root → … → `code` (names of the ancestors only; `code` itself must be in scope)."""
    return [ref(a) for a in ancestors(session, scope.readable_unit(session, actor, code))]


def children_with_figures(session: Session, actor: Actor, code: str, on: dt.date, *, lang: str = "zh"
                          ) -> gpd.GeoDataFrame:
    return figures.children_with_figures(session, unit(session, actor, code), on, lang=lang)


def unit_totals(session: Session, actor: Actor, code: str, on: dt.date) -> dict[str, int]:
    return figures.unit_totals(session, unit(session, actor, code), on)


def buildings_in(session: Session, actor: Actor, code: str, on: dt.date) -> gpd.GeoDataFrame:
    """Building points under a grid or compound in scope (with their version, for editing)."""
    ref = unit(session, actor, code)
    frame = figures.buildings_in(session, ref, on)
    if len(frame):
        versions = dict(session.execute(select(Building.code, Building.version).where(
            Building.code.in_(frame["code"].tolist()))).all())
        frame["version"] = frame["code"].map(versions)
    return frame


def compounds_in(session: Session, actor: Actor, code: str) -> pd.DataFrame:
    """The compounds and natural villages (小区/自然村) at or under a unit in scope, with what their control form
    starts from: name, control state and a sealing's basis, and the version a save is checked against."""
    u = unit(session, actor, code)
    rows = session.execute(select(Unit.code, Unit.name, Unit.control_state, Unit.control_basis, Unit.version).where(
        Unit.level == int(Level.COMPOUND), Unit.path >= u.path, Unit.path < path_upper_bound(u.path)
    ).order_by(Unit.code)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["code", "name", "control_state", "control_basis", "version"])


def checkpoints_in(session: Session, actor: Actor, code: str) -> gpd.GeoDataFrame:
    """Checkpoints and entrances under a unit in scope (with their version, for editing)."""
    ref = unit(session, actor, code)
    frame = figures.checkpoints_in(session, ref)
    if len(frame):
        versions = dict(session.execute(select(Checkpoint.code, Checkpoint.version).where(
            Checkpoint.code.in_(frame["code"].tolist()))).all())
        frame["version"] = frame["code"].map(versions)
    return frame


def outlines(session: Session, actor: Actor, level: int, code: str) -> gpd.GeoDataFrame:
    return figures.outlines(session, level, unit(session, actor, code))


def units_for_reshape(session: Session, actor: Actor, code: str) -> gpd.GeoDataFrame:
    """The unit and its children whose polygons the actor may reshape (geodata.people.scope.require_reshape), with
    code, name, level, version and geometry: what a boundary editor offers. Empty for other roles."""
    u = scope.readable_unit(session, actor, code)
    rows = [u, *session.execute(select(Unit).where(Unit.parent_id == u.id).order_by(Unit.code)).scalars()]
    parents = {p.id: p.path for p in session.execute(select(Unit).where(
        Unit.id.in_([r.parent_id for r in rows if r.parent_id is not None]))).scalars()}
    keep = []
    for r in rows:
        try:
            scope.require_reshape(actor, parents.get(r.parent_id))
        except scope.PermissionDenied:
            continue
        keep.append(r)
    return gpd.GeoDataFrame({"code": [r.code for r in keep], "name": [r.name for r in keep],
                             "level": [r.level for r in keep], "version": [r.version for r in keep]},
                            geometry=[r.geom for r in keep], crs=WGS84)
