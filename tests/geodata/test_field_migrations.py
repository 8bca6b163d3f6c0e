"""The field-work and control-loop migrations (0010–0014, each a branch off 0009_contacts, and 0016 off 0011) build the tables their
models define, on SQLite and PostgreSQL, and each goes down on its own branch and up again while the others stay
at their heads. (0010's move of the 0006 requests is tested in test_events_migration.py.)"""
from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import geodata.store.field_models  # noqa: F401 — puts the field-work tables into Base.metadata
from geodata.store.db import MIGRATIONS
from geodata.store.models import Base

#: revision → the tables it creates
BRANCHES = {
    "0010_events": {"field_events", "field_event_steps", "patrols", "patrol_teams", "patrol_team_members"},
    "0011_screening": {"screening_rounds", "screening_list_entries", "screening_visits"},
    "0012_gate": {"gate_entries", "household_passes"},
    "0013_care": {"care_visits", "supply_movements", "places", "unowned_compounds"},
    "0014_control": {"symptom_followups"},
    "0016_screening_care": {"screening_care_marks"},  # off 0011_screening: it points at rounds and visits
}
ALL = set().union(*BRANCHES.values())
#: branches built on another: going below their base takes them down too
#: (0017 only fills 0015's control_basis: tests/geodata/test_seal_basis.py and test_seal_basis_backfill.py)
ON_TOP = {"0011_screening": "0016_screening_care", "0015_seal_basis": "0017_seal_basis_backfill"}


def migration_config(conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def _touches(diff, tables: set[str]) -> bool:
    text = repr(diff)  # e.g. ('add_column', None, 'patrols', Column(...)) or Index(..., table=<patrols>)
    return any(f"'{t}'" in text or f"<{t}>" in text for t in tables)


def test_the_field_tables_are_what_the_models_say(store):
    store.migrate()  # a second run is a no-op
    with store.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert ALL <= tables and "grid_issues" not in tables
    assert [d for d in diff if _touches(d, ALL)] == []


def test_the_check_sees_a_column_the_migration_lacks(store):
    """The comparison above must be able to fail: drop one column a model has and it is reported."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE gate_entries DROP COLUMN note")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if _touches(d, {"gate_entries"})]


@pytest.mark.parametrize("revision", sorted(set(BRANCHES) - {"0010_events"}))
def test_a_branch_goes_down_alone_and_up_again(store, revision):
    with store.engine.begin() as conn:
        # down to the branch's base: 0009_contacts, or 0011 for the branch built on it
        base = "0011_screening" if revision in ON_TOP.values() else "0009_contacts"
        command.downgrade(migration_config(conn), f"{revision}@{base}")
    gone = BRANCHES[revision] | BRANCHES.get(ON_TOP.get(revision, ""), set())
    with store.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert not gone & tables
    assert (ALL - gone) <= tables and "observations" in tables  # the other branches stay up
    store.migrate()
    with store.engine.connect() as conn:
        assert gone <= set(inspect(conn).get_table_names())
