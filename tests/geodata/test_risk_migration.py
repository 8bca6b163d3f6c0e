"""Migration 0002 (risk engine tables) runs on SQLite and PostgreSQL, matches the models, and goes back down."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from geodata.store.db import MIGRATIONS
from geodata.store.models import Base

NEW_TABLES = {"disinfections", "expert_assessments", "lift_decisions", "alerts"}


def _cfg(conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def _touches_new_tables(diff) -> bool:
    text = repr(diff)  # e.g. ('add_column', None, 'alerts', Column(...)) or Index(..., table=<alerts>)
    return any(f"'{t}'" in text or f"<{t}>" in text for t in NEW_TABLES)


def test_migration_creates_the_risk_tables_as_the_models_define_them(store):
    store.migrate()  # a second run is a no-op
    with store.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert NEW_TABLES <= tables
    assert [d for d in diff if _touches_new_tables(d)] == []


def test_migration_goes_down_to_0001_and_up_again(store):
    with store.engine.begin() as conn:
        command.downgrade(_cfg(conn), "0001")
    with store.engine.connect() as conn:
        assert not NEW_TABLES & set(inspect(conn).get_table_names())
    store.migrate()
    with store.engine.connect() as conn:
        assert NEW_TABLES <= set(inspect(conn).get_table_names())
