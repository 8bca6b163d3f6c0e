"""Migration 0010_events carries the requests of 0006 (grid_issues) over into field_events, and goes back down
(that its tables match the models is checked with the other field branches in test_field_migrations.py)."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from tests.factories import load_small_city
from tests.geodata.test_field_migrations import migration_config as _cfg

NEW_TABLES = {"field_events", "field_event_steps", "patrols", "patrol_teams", "patrol_team_members"}


def test_requests_of_0006_move_into_field_events_and_back(store):
    load_small_city(store)
    with store.engine.begin() as conn:
        command.downgrade(_cfg(conn), "0010_events@-1")
    with store.engine.begin() as conn:
        assert not NEW_TABLES & set(inspect(conn).get_table_names())
        grid = conn.execute(text("SELECT id, path FROM units WHERE code = 'G11'")).one()
        for code, tier, status in (("ISS-1", "general", "open"), ("ISS-2", "street", "routed"),
                                   ("ISS-3", "community", "closed")):
            conn.execute(text(
                "INSERT INTO grid_issues (code, grid_id, path, category, description, tier, handler_level, status, "
                "tracker, reported_by, reported_at, version) VALUES (:c, :g, :p, NULL, '楼道灯坏了', :t, 'grid', :s, "
                "'w', 'w', '2026-11-25 08:00:00', 1)"), {"c": code, "g": grid.id, "p": grid.path, "t": tier,
                                                         "s": status})
    store.migrate()
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT e.code, e.tier, e.handler_level, h.code, e.status, e.kind FROM field_events e "
            "JOIN units h ON h.id = e.handler_id ORDER BY e.code")).all()
        assert "grid_issues" not in set(inspect(conn).get_table_names())
    assert [tuple(r) for r in rows] == [("ISS-1", "general", "grid", "G11", "open", "request"),
                                        ("ISS-2", "urgent", "street", "S1", "open", "request"),
                                        ("ISS-3", "coordinate", "community", "C1", "closed", "request")]
