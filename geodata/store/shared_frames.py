"""Read-model frames computed once per data version for every server process on one PostgreSQL.

At the 16:00 rush several Streamlit processes serve the same city (README "several processes"). Each kept its
own cache, so every process read the city's districts, each district's streets and so on again for every data
version people looked at: whole-city reads of 1–3 s of CPU each, three times over (issue 18's profile). Here the
first process to need a frame for (key, version) computes it under a PostgreSQL advisory lock and stores it;
the others wait for that one computation and read the stored copy.

The copy is Parquet (GeoParquet for frames with geometry): a stored row is data, never code, so a database
that someone else can write to cannot make the server run anything (pickle would). A frame Parquet cannot hold
is computed and returned as before, unshared.

SQLite serves one process (README): there is nobody to share with, so a frame is just computed.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from geodata.store.db import Store
from geodata.store.models import SharedFrame, utcnow

log = logging.getLogger(__name__)

#: a stored frame nobody asked for again within this long is removed (a key's older versions go at once)
KEEP = dt.timedelta(hours=1)
MAX_KEY = 200
#: how long a process waits for another to compute a frame (a city level under load: seconds), and how often it looks
WAIT_S = 20.0
POLL_S = 0.2


def is_shared(store: Store) -> bool:
    """Frames are shared where several processes can share a database: PostgreSQL."""
    return store.backend == "postgresql"


def shared_frame(store: Store, key: str, version: int, compute: Callable[[Session], pd.DataFrame]) -> pd.DataFrame:
    """The frame `compute(session)` returns for data version `version`, computed by one process and read by the rest.

    `key` names what is computed, without the version (e.g. ``children|C1|2026-12-06``); `compute` must give
    the same frame in every process for the same key and version (read models keyed on the data version do).

    Whoever takes the lock computes on the connection that holds it; the others wait for the stored copy holding no
    connection. (Waiting inside the lock held pooled connections: at the rush twenty page runs of one process
    waited for the city's frame while the one computing it waited for a connection, and the processes stalled.)
    """
    if not is_shared(store) or len(key) > MAX_KEY:
        with store.read() as s:
            return compute(s)
    deadline = time.monotonic() + WAIT_S
    while True:
        stored = _stored(store, key, version)
        if stored is not None:
            return stored
        with store.session() as s, s.begin():
            if s.execute(text("SELECT pg_try_advisory_xact_lock(hashtextextended(:lock, 0))"),
                         {"lock": f"gw-frame|{key}|{version}"}).scalar():
                payload = s.execute(select(SharedFrame.payload).where(
                    SharedFrame.key == key, SharedFrame.version == version)).scalar()
                if payload is not None:
                    return decode(payload)
                frame = compute(s)
                payload = encode(frame)
                if payload is not None:
                    _store(s.connection(), key, version, payload)
                return frame
        if time.monotonic() > deadline:  # the one computing it is slow or failed: compute it here, unshared
            with store.read() as s:
                return compute(s)
        time.sleep(POLL_S)


def stored_frame(store: Store, key: str, version: int) -> pd.DataFrame | None:
    """The frame some process stored for (key, version), or None: nothing is computed (a caller that can do
    with a bigger frame another process made, e.g. a unit's row among its parent's children)."""
    if not is_shared(store) or len(key) > MAX_KEY:
        return None
    return _stored(store, key, version)


def _stored(store: Store, key: str, version: int) -> pd.DataFrame | None:
    with store.engine.connect() as conn:
        payload = conn.execute(select(SharedFrame.payload).where(
            SharedFrame.key == key, SharedFrame.version == version)).scalar()
    return None if payload is None else decode(payload)


def _store(conn: Connection, key: str, version: int, payload: bytes) -> None:
    """Keep this version of `key`; drop its older versions and anything nobody has made for an hour."""
    now = utcnow()
    conn.execute(insert(SharedFrame).values(key=key, version=version, made_at=now, payload=payload)
                 .on_conflict_do_nothing(index_elements=["key", "version"]))
    conn.execute(delete(SharedFrame).where(SharedFrame.key == key, SharedFrame.version < version))
    conn.execute(delete(SharedFrame).where(SharedFrame.made_at < now - KEEP))


def encode(frame: pd.DataFrame) -> bytes | None:
    """Parquet bytes of `frame` (GeoParquet when it has geometry), or None when Parquet cannot hold it."""
    buf = io.BytesIO()
    try:
        frame.to_parquet(buf)
    except Exception as exc:  # noqa: BLE001 — e.g. a column of mixed types: the frame is then not shared
        log.warning("frame not shared (%s: %s)", type(exc).__name__, exc)
        return None
    return buf.getvalue()


def decode(payload: bytes) -> pd.DataFrame:
    """The frame `encode` stored: a GeoDataFrame when it was written with geometry."""
    buf = io.BytesIO(payload)
    try:
        return gpd.read_parquet(buf)
    except ValueError:  # no geometry metadata: a plain frame
        buf.seek(0)
        return pd.read_parquet(buf)
