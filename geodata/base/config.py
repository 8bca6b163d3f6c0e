"""Settings read from the environment, with defaults that work on a fresh machine.

Configuration that people change while the system runs (vocabularies, thresholds, norms) lives in the
database (`settings` table) instead; this module holds only what is needed before a database exists.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = REPO_ROOT / "data" / "gridwatch.sqlite"


@dataclass(frozen=True)
class Settings:
    database_url: str
    tile_url: str | None
    tile_attribution: str
    tile_max_zoom: int
    wall_refresh_seconds: int
    default_lang: str
    #: how long a process keeps showing one data version to people who did not write (GRIDWATCH_SETTLE_S):
    #: at the 16:00 rush a write lands every second, and re-reading city-wide figures for each would starve
    #: every page; 0 = every run reads the newest version
    settle_seconds: float = 15.0


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    return Settings(
        database_url=env.get("DATABASE_URL") or sqlite_url(DEFAULT_SQLITE_PATH),
        tile_url=env.get("TILE_URL") or None,
        tile_attribution=env.get("TILE_ATTRIBUTION", "内网底图 / intranet base map"),
        tile_max_zoom=int(env.get("TILE_MAX_ZOOM", "18")),
        wall_refresh_seconds=int(env.get("WALL_REFRESH_SECONDS", "30")),
        default_lang=env.get("GRIDWATCH_LANG", "zh"),
        settle_seconds=max(0.0, float(env.get("GRIDWATCH_SETTLE_S", "15"))),
    )
