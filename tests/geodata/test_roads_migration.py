"""Migration 0007 (roads) matches the model on SQLite and PostgreSQL and comes off on its own branch."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import geodata.store.road_models  # noqa: F401 — puts the roads table into Base.metadata
from geodata.store.models import Base
from tests.geodata.test_risk_migration import _cfg


def test_the_roads_table_is_what_the_model_says(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        indexes = {i["name"] for i in inspect(conn).get_indexes("roads")}
    # the GiST index is the migration's own (PostGIS only), like units' and footprints': not in the model
    assert [d for d in diff if "roads" in repr(d) and "ix_roads_geom" not in repr(d)] == []
    assert {"ix_roads_bbox", "ix_roads_path", "ix_roads_unit_id"} <= indexes
    if store.postgis:
        assert "ix_roads_geom" in indexes


def test_the_roads_branch_goes_down_alone_and_up_again(store):
    with store.engine.begin() as conn:
        command.downgrade(_cfg(conn), "0007_roads@-1")
    with store.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert "roads" not in tables and {"checkpoint_plans", "field_events", "auth_sessions"} <= tables
    store.migrate()
    with store.engine.connect() as conn:
        assert "roads" in set(inspect(conn).get_table_names())
