"""Helpers for the risk-engine tests: scenario dates, actors, a rural county, and fresh stores per example.

Scenario dates count like the rules do: `day(1)` is the first case's report day, so "within 7 days" means up to
`day(7)` and "within 14 days" up to `day(14)`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from sqlalchemy import select, text

from geodata.exchange.bulk import upsert_layer
from geodata.situation.risk import situation
from geodata.store.db import Store
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Building, Unit, UnitStats
from geodata.store.writes import Actor, WriteContext, write
from tests.conftest import PG_ADMIN_URL

DAY1 = dt.date(2026, 9, 1)


def day(n: int) -> dt.date:
    return DAY1 + dt.timedelta(days=n - 1)


SYSTEM = Actor.system("test")
HEAD = Actor("head", "community_head")
GRID = Actor("grid", "grid_leader")
MEDIC = Actor("medic", "health")
COMMAND = Actor("command", "command")
VIEWER = Actor("wall", "viewer")


def run(store: Store, actor: Actor, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """One command through the write path, as a page would call it."""
    return write(store, actor, lambda ctx: fn(ctx, *args, **kwargs))


def situation_of(store: Store, code: str, on: dt.date, scheme: str | None = None) -> dict[str, Any]:
    with store.read() as s:
        frame = situation(s, [unit_by_code(s, code).id], on=on, scheme=scheme)
    return frame.iloc[0].to_dict()


def stats_of(store: Store, code: str) -> UnitStats:
    with store.read() as s:
        return s.get(UnitStats, unit_by_code(s, code).id)


def building(store: Store, code: str) -> Building:
    with store.read() as s:
        return s.execute(select(Building).where(Building.code == code)).scalar_one()


def unit(store: Store, code: str) -> Unit:
    with store.read() as s:
        return unit_by_code(s, code)


def add_persons(store: Store, rows: list[dict[str, Any]]) -> None:
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "persons", pd.DataFrame(rows)))


def add_households(store: Store, rows: list[dict[str, Any]]) -> None:
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "households", pd.DataFrame(rows)))


# --- a rural county: township → villages → grids (by 村民组) → natural villages → households, no buildings -----

RX, RY = 114.60, 30.70


def _gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def load_rural_county(store: Store) -> None:
    """County R1 → township RT1 → villages RV1, RV2 → grids RG1, RG2 → natural villages RN1, RN2 (in RG1) and
    RN3 (in RG2), households RH* living directly in the natural villages (domain file §1.1, scenario 23)."""
    w, h = 0.04, 0.02

    def fill(ctx: WriteContext) -> None:
        upsert_layer(ctx, "city", _gdf([{"code": "R0", "name": "测试县级市", "geometry": box(RX, RY, RX + w, RY + h)}]),
                     recompute=False)
        upsert_layer(ctx, "districts", _gdf([{"code": "R1", "name": "测试县", "parent_code": "R0", "kind": "rural",
                                              "geometry": box(RX, RY, RX + w, RY + h)}]), recompute=False)
        upsert_layer(ctx, "streets", _gdf([{"code": "RT1", "name": "青山乡", "parent_code": "R1", "kind": "rural",
                                            "geometry": box(RX, RY, RX + w, RY + h)}]), recompute=False)
        upsert_layer(ctx, "communities", _gdf([
            {"code": "RV1", "name": "东村", "parent_code": "RT1", "kind": "rural",
             "geometry": box(RX, RY, RX + w / 2, RY + h)},
            {"code": "RV2", "name": "西村", "parent_code": "RT1", "kind": "rural",
             "geometry": box(RX + w / 2, RY, RX + w, RY + h)}]), recompute=False)
        upsert_layer(ctx, "grids", _gdf([
            {"code": "RG1", "name": "东村一组", "parent_code": "RV1", "geometry": box(RX, RY, RX + w / 2, RY + h)},
            {"code": "RG2", "name": "西村一组", "parent_code": "RV2", "geometry": box(RX + w / 2, RY, RX + w, RY + h)}]),
            recompute=False)
        upsert_layer(ctx, "compounds", _gdf([
            {"code": "RN1", "name": "张家湾", "parent_code": "RG1", "kind": "natural_village", "households": 40,
             "population": 120, "geometry": box(RX, RY, RX + w / 2, RY + h / 2)},
            {"code": "RN2", "name": "李家岗", "parent_code": "RG1", "kind": "natural_village", "households": 30,
             "population": 95, "geometry": box(RX, RY + h / 2, RX + w / 2, RY + h)},
            {"code": "RN3", "name": "王家坝", "parent_code": "RG2", "kind": "natural_village", "households": 25,
             "population": 70, "geometry": box(RX + w / 2, RY, RX + w, RY + h)}]), recompute=False)
        upsert_layer(ctx, "households", pd.DataFrame([
            {"code": f"RH{i}", "compound_code": c, "head_name": f"户主{i}", "members": 3}
            for i, c in enumerate(["RN1", "RN1", "RN2", "RN3"], start=1)]), recompute=False)
        upsert_layer(ctx, "persons", pd.DataFrame([
            {"code": "RP1", "name": "张一", "household_code": "RH1"},
            {"code": "RP2", "name": "张二", "household_code": "RH2"},
            {"code": "RP3", "name": "李三", "household_code": "RH3"},
        ]))  # recompute once, at the end

    write(store, SYSTEM, fill)


# --- fresh databases per hypothesis example, cloned from a loaded template ------------------------------------

_counter = itertools.count()


@contextlib.contextmanager
def store_factory(backend: str, tmp_path: Any, request: Any, loader: Callable[[Store], None]
                  ) -> Iterator[Callable[[], Store]]:
    """Yield `make()` → a new Store holding what `loader` wrote, cheaply (file copy / CREATE DATABASE TEMPLATE)."""
    made: list[Store] = []
    if backend == "sqlite":
        tmpl = tmp_path / "template.sqlite"
        s = Store(f"sqlite:///{tmpl}")
        s.migrate()
        loader(s)
        with s.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        s.dispose()

        def make() -> Store:
            while made:
                made.pop().dispose()
            target = tmp_path / f"example_{next(_counter)}.sqlite"
            shutil.copyfile(tmpl, target)
            st = Store(f"sqlite:///{target}")
            made.append(st)
            return st

        try:
            yield make
        finally:
            for st in made:
                st.dispose()
        return

    info, why = request.getfixturevalue("pg_template")
    if info is None:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {why}")
    engine, template, _postgis = info
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    tname = f"gw_rt_{os.getpid()}_{next(_counter)}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{tname}" TEMPLATE "{template}"'))
    s = Store(f"{base}/{tname}")
    loader(s)
    s.dispose()
    names: list[str] = []

    def make_pg() -> Store:
        while made:  # one example at a time: free the previous example's connections
            made.pop().dispose()
        name = f"gw_re_{os.getpid()}_{next(_counter)}"
        with engine.connect() as conn:
            # WAL_LOG, not FILE_COPY: no checkpoint of the whole server per example (see test_scope_city's `city`)
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tname}" STRATEGY WAL_LOG'))
        names.append(name)
        st = Store(f"{base}/{name}")
        made.append(st)
        return st

    try:
        yield make_pg
    finally:
        for st in made:
            st.dispose()
        with engine.connect() as conn:
            for name in [*names, tname]:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
