"""A two-street city with one login per role, shared by the scope, editing, audit, session and page tests
(no tests here: this module only builds the database).

City 420100 → district D1 → streets S1 (west half) and S2 (east half) → communities C1 (in S1) and C2 (in S2) →
grids G11, G12, G21, G22 → two compounds per grid → two buildings per compound (tests/factories.py's boxes,
with the street split so that a supervisor has "another street" to be refused).

Persons: P1 (G11, with an ID number and phone), P2 (G11), P4 (G12, phone), P3 (G21, phone). Households H1 (G11)
and H2 (G21). Observations O1 (P1, home) and O2 (P3, central), cases K1 (P3, confirmed) and K2 (a close contact
in G11K1B2), entrances E1 (G11K1), E2 (G21K1).

Users (password PASSWORD): command, wall (viewer), commandp (command with the `persons` grant), sup1/sup2
(supervisors of S1/S2), head1/head2 (community heads of C1/C2), grid11 (grid leader of G11), health1 (health,
C1). Their password hash is computed once per test process: argon2 costs ~0.3 s a hash by design.
"""
from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box
from sqlalchemy import create_engine, select, text

from geodata.exchange.bulk import upsert_layer
from geodata.people.accounts import UserActor, actor_of, hash_password
from geodata.store.auth_models import UserGrant
from geodata.store.db import Store
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import User
from geodata.store.writes import Actor, write
from tests.conftest import PG_ADMIN_URL
from tests.factories import TODAY, X0, Y0, H, W, building_frame, unit_frames

PASSWORD = "secret123"
#: a valid 18-character ID number (GB 11643 check digit) for P1
P1_ID = "110105199001011232"
USERS = {
    # username: (role, scope code, display name)
    "command": ("command", "420100", "市指挥中心"),
    "wall": ("viewer", "420100", "大屏"),
    "commandp": ("command", "420100", "指挥中心（人员授权）"),
    "sup1": ("supervisor", "S1", "一街督导"),
    "sup2": ("supervisor", "S2", "二街督导"),
    "head1": ("community_head", "C1", "一社区书记"),
    "head2": ("community_head", "C2", "二社区书记"),
    "grid11": ("grid_leader", "G11", "一网格长"),
    "health1": ("health", "C1", "一社区卫生服务站"),
}
ROLES_OF = {name: role for name, (role, _, _) in USERS.items()}


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


def _gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def city_frames() -> dict[str, gpd.GeoDataFrame]:
    frames = unit_frames()
    frames["streets"] = _gdf([
        {"code": "S1", "name": "大智街道", "parent_code": "D1", "geometry": box(X0, Y0, X0 + W / 2, Y0 + H)},
        {"code": "S2", "name": "一元街道", "parent_code": "D1", "geometry": box(X0 + W / 2, Y0, X0 + W, Y0 + H)},
    ])
    comms = frames["communities"]
    comms.loc[comms["code"] == "C2", "parent_code"] = "S2"
    return frames


def load_city(store: Store) -> None:
    def fill(ctx):
        for layer, frame in city_frames().items():
            upsert_layer(ctx, layer, frame, recompute=False)
        upsert_layer(ctx, "buildings", building_frame(), recompute=False)
        upsert_layer(ctx, "households", pd.DataFrame([
            {"code": "H1", "building_code": "G11K1B1", "room": "101", "head_name": "张三", "members": 3,
             "phone": "13912345678"},
            {"code": "H2", "building_code": "G21K1B1", "room": "202", "head_name": "王五", "members": 2,
             "phone": "13787654321"},
        ]), recompute=False)
        upsert_layer(ctx, "persons", pd.DataFrame([
            {"code": "P1", "name": "张三", "id_number": P1_ID, "phone": "13912345678", "household_code": "H1",
             "gender": "男", "birth_year": 1990, "tags": "党员"},
            {"code": "P2", "name": "李四", "building_code": "G11K1B2", "tags": "独居老人,低保"},
            {"code": "P3", "name": "王五", "id_number": "420102198505051237", "phone": "13787654321",
             "household_code": "H2"},
            {"code": "P4", "name": "赵六", "building_code": "G12K1B1", "phone": "13611112222"},
        ]), recompute=False)
        upsert_layer(ctx, "observations", pd.DataFrame([
            {"code": "O1", "person_code": "P1", "kind": "home", "start_date": TODAY - dt.timedelta(days=3),
             "medic_name": "刘医生"},
            {"code": "O2", "person_code": "P3", "kind": "central", "start_date": TODAY - dt.timedelta(days=14)},
        ]), recompute=False)
        upsert_layer(ctx, "cases", pd.DataFrame([
            {"code": "K1", "kind": "confirmed", "reported_on": TODAY, "person_code": "P3"},
            {"code": "K2", "kind": "close_contact", "reported_on": TODAY, "building_code": "G11K1B2"},
        ]), recompute=False)
        upsert_layer(ctx, "checkpoints", _gdf([
            {"code": "E1", "name": "幸福1小区东门", "kind": "compound_entrance", "unit_code": "G11K1",
             "staff_day": 4, "staff_night": 2, "geometry": Point(X0 + 0.001, Y0 + 0.001)},
            {"code": "E2", "name": "幸福1小区西门", "kind": "compound_entrance", "unit_code": "G21K1",
             "staff_day": 4, "staff_night": 2, "geometry": Point(X0 + W / 2 + 0.001, Y0 + 0.001)},
        ]))  # recompute once, at the end
        digest = password_hash()
        for username, (role, code, name) in USERS.items():
            ctx.session.add(User(username=username, display_name=name, role=role,
                                 scope_unit_id=unit_by_code(ctx.session, code).id, password_hash=digest))
        ctx.session.flush()
        uid = ctx.session.execute(select(User.id).where(User.username == "commandp")).scalar_one()
        ctx.session.add(UserGrant(user_id=uid, kind="persons", granted_by="system:test"))

    write(store, Actor.system("test"), fill)


def actor(store: Store, username: str) -> UserActor:
    """The signed-in Actor of a test user, as geodata.people.sessions.actor_for builds it (without a password check)."""
    with store.read() as s:
        return actor_of(s, s.execute(select(User).where(User.username == username)).scalar_one())


def path_of(store: Store, code: str) -> str:
    with store.read() as s:
        return unit_by_code(s, code).path


# --- one loaded template per backend and test process, cloned for each test ---------------------------------

_templates: dict[str, str] = {}
_clones = itertools.count()


def _drop_pg(admin_url: str, names: list[str]) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with contextlib.suppress(Exception), engine.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def city(backend, request) -> Iterator[Store]:
    """A fresh copy of the two-street city on `backend` (SQLite file copy / PostgreSQL CREATE DATABASE TEMPLATE:
    the city and its users are loaded once per process, not once per test)."""
    if backend == "sqlite":
        if "sqlite" not in _templates:
            folder = Path(tempfile.mkdtemp(prefix="gw_city_"))
            atexit.register(shutil.rmtree, folder, True)
            tmpl = Store(f"sqlite:///{folder / 'template.sqlite'}")
            tmpl.migrate()
            load_city(tmpl)
            with tmpl.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            tmpl.dispose()
            _templates["sqlite"] = str(folder / "template.sqlite")
        target = Path(tempfile.mkdtemp(prefix="gw_city_")) / "city.sqlite"
        shutil.copyfile(_templates["sqlite"], target)
        store = Store(f"sqlite:///{target}")
        yield store
        store.dispose()
        shutil.rmtree(target.parent, ignore_errors=True)
        return
    info, why = request.getfixturevalue("pg_template")
    if info is None:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {why}")
    engine, template, _postgis = info
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    if "postgresql" not in _templates:
        name = f"gw_city_{os.getpid()}"
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        atexit.register(_drop_pg, PG_ADMIN_URL, [name])
        tmpl = Store(f"{base}/{name}")
        load_city(tmpl)
        tmpl.dispose()
        _templates["postgresql"] = name
    name = f"gw_cc_{os.getpid()}_{next(_clones)}"
    with engine.connect() as conn:
        # WAL_LOG (PostgreSQL 15's default), not FILE_COPY: FILE_COPY starts with a checkpoint, which waits for the
        # dirty pages of every other database too: 0.49 s against 0.42 s beside the other test worker, 1.9 s against
        # 0.2 s while a big demo city loads on the same server
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_templates["postgresql"]}" STRATEGY WAL_LOG'))
    store = Store(f"{base}/{name}")
    yield store
    store.dispose()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
