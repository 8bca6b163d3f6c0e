"""Fixtures that build real databases: a SQLite file always, and PostgreSQL when 127.0.0.1:5432 answers.

Every test that takes `store` runs once per backend. PostgreSQL databases are cloned from a migrated template
(CREATE DATABASE … TEMPLATE), which costs ~0.1 s instead of a migration per test. When the server does not
answer, the PostgreSQL variants are skipped with the reason printed (pytest -rs).
"""
from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from geodata.store.db import Store

PG_ADMIN_URL = os.environ.get("GRIDWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
_counter = itertools.count()


def _pg_admin():
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 — any failure means "no server": we say why and skip
        engine.dispose()
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return engine, None


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[object, str] | None]:
    engine, why = _pg_admin()
    if engine is None:
        yield None, why
        return
    name = f"gw_tmpl_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    tmpl = Store(f"{base}/{name}")
    tmpl.migrate()
    postgis = tmpl.postgis
    tmpl.dispose()
    yield (engine, name, postgis), None
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py has marked its tests e2e
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs on two workers (pytest-xdist, --dist loadgroup). The browser tests go to one of them, one
    after another: two Chromiums and two Streamlit servers at once on a 2-core machine would make their timing
    waits flaky, while the database and unit tests keep the other core busy."""
    for item in items:
        if item.get_closest_marker("e2e") or item.path.name.endswith("_browser.py"):
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say at the end of every run (also under -q, which hides the header) which databases the suite used."""
    terminalreporter.write_line(pytest_report_header(config))


def pytest_report_header(config):
    engine, why = _pg_admin()
    if engine is None:
        return f"gridwatch: PostgreSQL at 127.0.0.1:5432 not reachable ({why}) — PostgreSQL variants will be SKIPPED"
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
        postgis = conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name='postgis'")).first()
    engine.dispose()
    return (f"gridwatch: tests run on SQLite and on PostgreSQL {version} at 127.0.0.1:5432 "
            f"({'with' if postgis else 'WITHOUT'} PostGIS)")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def store(backend, tmp_path, request) -> Iterator[Store]:
    if backend == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'gridwatch.sqlite'}")
        s.migrate()
        yield s
        s.dispose()
        return
    info, why = request.getfixturevalue("pg_template")
    if info is None:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {why}")
    engine, template, _postgis = info
    name = f"gw_t_{os.getpid()}_{next(_counter)}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    s = Store(f"{base}/{name}")
    yield s
    s.dispose()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
