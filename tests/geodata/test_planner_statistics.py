"""After a bulk load PostgreSQL's planner knows the tables' sizes (issue 18, the 16:00 rush).

Without ANALYZE, PostgreSQL plans from "empty table" statistics until autovacuum comes round — never where it is
off, as on our CI machines — and the wall's city-wide care counts were planned as a nested loop that ran for
minutes on the city demo. The demo and every big import refresh the statistics.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from geodata.exchange import imports
from geodata.store.writes import Actor
from tests.factories import load_small_city


def _known_rows(store, table: str) -> float | None:
    """PostgreSQL's planner's row count for `table` (-1 or 0 before any ANALYZE); None on SQLite."""
    if store.engine.dialect.name != "postgresql":
        return None
    with store.engine.connect() as conn:
        return float(conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}).scalar())


def test_refreshing_statistics_tells_the_planner_the_tables_sizes(store) -> None:
    load_small_city(store)
    store.refresh_statistics()  # SQLite: nothing to do, and it must not fail
    known = _known_rows(store, "persons")
    if known is not None:
        assert known == 3.0


def test_a_big_import_refreshes_the_statistics_and_a_small_one_does_not(store, monkeypatch) -> None:
    load_small_city(store)
    calls: list[int] = []
    monkeypatch.setattr(type(store), "refresh_statistics", lambda self: calls.append(1))
    monkeypatch.setattr(imports, "BULK_ROWS", 3)
    persons = pd.DataFrame([{"code": f"Q{i}", "name": f"人{i}", "building_code": "G11K1B1"} for i in range(3)])
    imports.import_frame(store, Actor.system("test"), "persons", persons.iloc[:2])
    assert calls == []
    imports.import_frame(store, Actor.system("test"), "persons", persons)  # 1 new + 2 unchanged: still small
    assert calls == []
    imports.import_frame(store, Actor.system("test"), "persons",
                         pd.DataFrame([{"code": f"R{i}", "name": f"人{i}", "building_code": "G11K1B1"}
                                       for i in range(3)]))
    assert calls == [1]
