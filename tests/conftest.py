"""Fixtures that build real databases: a SQLite file always, and PostgreSQL when 127.0.0.1:5432 answers.

Every test that takes `store` runs once per backend. PostgreSQL databases are cloned from a migrated template
(CREATE DATABASE … TEMPLATE), which costs ~0.1 s instead of a migration per test. When the server does not
answer, the PostgreSQL variants are skipped with the reason printed (pytest -rs).
"""
from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from geodata.store.db import Store

# Tests write behind a page's back and look at once: every run reads the newest data version. The settling that
# serves the 16:00 rush (geodata.store.versions, 15 s by default) has its own tests in
# tests/dashboard/test_settled_versions.py, which set it explicitly.
os.environ.setdefault("GRIDWATCH_SETTLE_S", "0")

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


@contextmanager
def scratch_pg_database(prefix: str, why: str) -> Iterator[str]:
    """An empty PostgreSQL database of its own (its URL), dropped afterwards; the test is skipped, saying `why` it
    needs the server, when 127.0.0.1:5432 does not answer."""
    engine, reason = _pg_admin()
    if engine is None:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable ({reason}): {why}")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


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
    while _SPARE:
        _drop(engine, _SPARE.pop())
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _streamlit_components_scanned_once() -> Iterator[None]:
    """Each new AppTest scans every installed distribution's metadata for Streamlit v2 component manifests (0.4 s
    for the ~700 packages of the venv, most of an AppTest page open). The installed packages do not change during
    a run, so the scan is done once per test process and its result reused."""
    from streamlit.components.v2 import manifest_scanner

    original = manifest_scanner.scan_component_manifests
    found: list = []

    def scan_once(max_workers: int | None = None) -> list:
        if not found:
            found.append(original(max_workers))
        return list(found[0])

    manifest_scanner.scan_component_manifests = scan_once
    yield
    manifest_scanner.scan_component_manifests = original


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """argon2 at its production cost takes ~0.15 s a hash or a check here, by design, and the suite signs in
    hundreds of times (every role of every AppTest matrix). Tests hash at the lowest cost argon2 allows; a stored
    hash carries its own parameters, so checking it is as cheap, in this process and in an app server a test
    starts. The application keeps argon2's defaults (geodata.people.accounts)."""
    from argon2 import PasswordHasher

    from geodata.people import accounts

    original = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    accounts._hasher = original


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


#: spare PostgreSQL test databases of this process, emptied and with the template's schema: a test takes one
#: instead of cloning the template (CREATE + DROP DATABASE cost ~0.8 s on the 2-core machine, emptying it ~0.02 s)
_SPARE: list[str] = []
#: tables whose rows come with the schema (PostGIS's reference systems, Alembic's heads): never emptied
_KEEP_ROWS = {"spatial_ref_sys", "alembic_version"}
#: commits of a test database need not wait for the disk: the database is thrown away (also set on the copies)
_TEST_OPTIONS = "?options=-c%20synchronous_commit%3Doff"


def _schema_print(conn) -> str:
    """What a test could have changed in the schema (migration tests go down and up, one drops a column)."""
    return conn.execute(text(
        "SELECT md5(coalesce((SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version), '') "
        "|| (SELECT string_agg(table_name || '.' || column_name || ':' || data_type || ':' || is_nullable, ',' "
        "ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public') "
        "|| (SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'))"
    )).scalar()


def _drop(engine, name: str) -> None:
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _recycle(engine, url: str, name: str, schema: str) -> None:
    """Empty a used test database for the next test, or drop it when the test changed its schema or still holds
    it (a server the test started that did not let go within the lock timeout)."""
    from sqlalchemy.pool import NullPool

    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '3s'"))
            if _schema_print(conn) != schema:
                raise LookupError("schema changed")
            tables = [t for t in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars() if t not in _KEEP_ROWS]
            sequences = conn.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).scalars().all()
            # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE's new files for 43 tables cost 0.6 s
            # against 0.015 s; foreign keys are not checked while emptying everything (replica role)
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            statements = [f'DELETE FROM "{t}"' for t in tables]
            statements += [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences]
            if statements:
                conn.execute(text("; ".join(statements)))
        _SPARE.append(name)
    except Exception:  # noqa: BLE001 — whatever went wrong, a fresh copy is the safe answer
        eng.dispose()
        _drop(engine, name)
    finally:
        eng.dispose()


#: this process's migrated, empty SQLite file, built by the first SQLite `store`: every later test copies it
_SQLITE_TEMPLATE: list[Path] = []


def _sqlite_migrated(target: Path) -> None:
    """Put a freshly migrated, empty SQLite database at `target`. Migrating costs 0.16 s on an idle machine and
    0.6 s on a busy one (every Alembic revision, SQLite batch table rebuilds), and 350 tests take a SQLite
    `store`; a file copy costs ~2 ms and holds byte for byte what the migration wrote (the WAL is checkpointed
    into the file before it is copied)."""
    if not _SQLITE_TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="gw_tmpl_"))
        atexit.register(shutil.rmtree, folder, True)
        tmpl = Store(f"sqlite:///{folder / 'template.sqlite'}")
        tmpl.migrate()
        with tmpl.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        tmpl.dispose()
        _SQLITE_TEMPLATE.append(folder / "template.sqlite")
    shutil.copyfile(_SQLITE_TEMPLATE[0], target)


@pytest.fixture
def store(backend, tmp_path, request) -> Iterator[Store]:
    if backend == "sqlite":
        _sqlite_migrated(tmp_path / "gridwatch.sqlite")
        s = Store(f"sqlite:///{tmp_path / 'gridwatch.sqlite'}")
        yield s
        s.dispose()
        return
    info, why = request.getfixturevalue("pg_template")
    if info is None:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {why}")
    engine, template, _postgis = info
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    if _SPARE:
        name = _SPARE.pop()
    else:
        name = f"gw_t_{os.getpid()}_{next(_counter)}"
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    # a URL of its own for every use of a database: caches keyed by the URL (the pages' st.cache_data, the
    # dashboard's store cache) must not hand a test what an earlier test of the same database read
    s = Store(f"{base}/{name}{_TEST_OPTIONS}&application_name=gwt{next(_counter)}")
    with s.engine.connect() as conn:
        schema = _schema_print(conn)
    yield s
    s.dispose()
    _recycle(engine, f"{base}/{name}", name, schema)
