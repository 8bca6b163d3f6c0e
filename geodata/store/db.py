"""The store: one engine per database URL, schema migrations, sessions and the data version.

SQLite (a file, the default) and PostgreSQL (`DATABASE_URL=postgresql+psycopg://…`) run the same code. On
PostgreSQL, PostGIS is switched on when the server has it; geometry columns then become PostGIS `geometry`.
"""
from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from geodata.base.config import load_settings
from geodata.store.models import Meta

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers (the wall pages) never block on the single writer; foreign keys are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _enable_postgis(engine: Engine) -> bool:
    """Create the PostGIS extension when the server has it installed; report whether it is active.

    A database whose tables already exist keeps the geometry storage it was made with: one created while the
    server had no PostGIS stores WKB bytes, and PostGIS installed later must not make the app read those columns
    as `geometry` (ST_AsBinary(bytea) is ambiguous: every map read failed)."""
    with engine.connect() as conn:
        made_with = conn.execute(text(
            "SELECT udt_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'units' AND column_name = 'geom'")).scalar()
        if made_with is not None and made_with != "geometry":
            return False
        if _server_has_postgis(conn):
            with contextlib.suppress(Exception):
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
                conn.commit()
        active = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first()
        return active is not None


def _server_has_postgis(conn) -> bool:  # noqa: ANN001 — a Connection
    return conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).first() is not None


_MIGRATE_LOCK = threading.Lock()

#: connections one process may hold on a server database. Streamlit runs every browser session's page in its own
#: thread, so at the 16:00 rush many runs wait for a connection at once; SQLAlchemy's default (5 + 10 overflow)
#: timed page runs out after 30 s in the rush bench. `make serve` divides the server's connections between its
#: processes by setting GRIDWATCH_DB_POOL.
DEFAULT_POOL = 20


def pool_size(env: dict[str, str] | None = None) -> int:
    raw = (os.environ if env is None else env).get("GRIDWATCH_DB_POOL", "")
    try:
        return max(2, int(raw)) if raw.strip() else DEFAULT_POOL
    except ValueError:
        return DEFAULT_POOL


class Store:
    """A database the app reads and writes; the composition root hands one to pages, loaders and tests."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.backend = parsed.get_backend_name()
        if self.backend == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, echo=echo)
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self.postgis = False
        else:
            pool = pool_size()
            self.engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool // 2,
                                        max_overflow=pool - pool // 2)
            self.postgis = self.backend == "postgresql" and _enable_postgis(self.engine)
        # Read by geodata.base.types.GeometryType before any geometry column is compiled.
        self.engine.dialect.gridwatch_postgis = self.postgis  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r}, postgis={self.postgis})"

    # -- schema -------------------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (creates it in an empty database)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        # Alembic keeps its running context in module globals: two threads migrating at once (a page and the
        # dashboard's read-ahead thread opening a store) corrupt each other's ("KeyError: 'config'")
        with _MIGRATE_LOCK, self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            try:
                return conn.execute(text("SELECT count(*) FROM units")).scalar_one() == 0
            except Exception:
                return True

    # -- sessions -----------------------------------------------------------------------------------------
    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (no commit)."""
        with self.session() as s:
            yield s

    def data_version(self) -> int:
        """Bumped by every write; pages key their caches on it, so all processes see changes on next refresh."""
        with self.engine.connect() as conn:
            value = conn.execute(select(Meta.value).where(Meta.key == "data_version")).scalar()
        return int(value or 0)

    def refresh_statistics(self) -> None:
        """Let PostgreSQL's planner know how big the tables are now (ANALYZE), after a bulk load.

        Right after a load its statistics still say "empty" until autovacuum comes round, and never where
        autovacuum is off: a city-wide read (the wall's care counts over 300k people) was then planned as a
        nested loop and ran for minutes instead of half a second. SQLite plans without statistics: nothing to do.
        """
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))

    def meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(Meta.value).where(Meta.key == key)).scalar()

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    store = Store(url or load_settings().database_url)
    if migrate:
        store.migrate()
    return store
