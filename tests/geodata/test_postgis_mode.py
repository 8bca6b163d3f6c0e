"""A PostgreSQL database keeps the geometry storage it was made with (geodata.store.db._enable_postgis).

Seen on a machine where PostGIS was installed after the demo database had been built without it: the app then
read the WKB `bytea` columns as PostGIS `geometry` and every map read failed (ST_AsBinary(bytea) is ambiguous).
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from geodata.store import db
from geodata.store.db import Store
from geodata.store.frames import read_frame, wkb_sql
from tests.conftest import _pg_admin, scratch_pg_database
from tests.factories import load_small_city


@pytest.fixture
def fresh_pg():
    engine, _ = _pg_admin()
    if engine is not None:
        with engine.connect() as conn:
            gis = conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).first()
        engine.dispose()
        if gis is None:
            pytest.skip("the server has no PostGIS: nothing can be installed later")
    with scratch_pg_database("gw_nogis", "a database made without PostGIS") as url:
        yield url


def test_a_database_made_without_postgis_keeps_wkb_when_postgis_arrives(fresh_pg, monkeypatch):
    with monkeypatch.context() as m:  # the server without PostGIS, as when the database was made
        m.setattr(db, "_enable_postgis", lambda engine: False)
        before = Store(fresh_pg)
        assert before.postgis is False
        before.migrate()
        load_small_city(before)
        before.dispose()
    after = Store(fresh_pg)  # PostGIS is there now
    try:
        assert after.postgis is False
        with after.read() as s:  # a map read: the units' shapes as WKB
            units = read_frame(s, f"SELECT code, {wkb_sql(s, 'geom')} AS geom FROM units")
        assert len(units) > 0 and units.geometry.notna().all() and units.geometry.is_valid.all()
    finally:
        after.dispose()


def test_a_new_database_gets_postgis_when_the_server_has_it(fresh_pg):
    store = Store(fresh_pg)
    try:
        store.migrate()
        assert store.postgis is True
        with store.engine.connect() as conn:
            assert conn.execute(text(
                "SELECT udt_name FROM information_schema.columns WHERE table_name = 'units' "
                "AND column_name = 'geom'")).scalar() == "geometry"
    finally:
        store.dispose()
