"""What a page run needs to know before it reads anything: the store, the data version, the day in view, the
language, the map theme and whether this is a kiosk (wall) screen.

The URL is the source of truth for everything a person might want to share or come back to (`?lang=`,
`?on=`, `?theme=`, `?kiosk=1`, and on /explore `?code=`); `st.session_state` only remembers a choice when a
page switch drops the query string. Nothing here reads figures: that is `dashboard.data`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from dashboard.i18n import LANGS
from geodata.config import Settings, load_settings
from geodata.db import Store, open_store

THEMES = ("situation", "observations", "checkpoints")


@st.cache_resource(show_spinner=False, max_entries=4)
def store_for(url: str) -> Store:
    """One Store (engine + connection pool) per database URL, shared by every session of this process."""
    # migrate: an empty database gets its schema, an older one is brought to head; at head it is a no-op
    return open_store(url)


@dataclass(frozen=True)
class View:
    """The inputs every cached read is keyed on."""

    url: str
    version: int
    on: dt.date
    lang: str
    kiosk: bool
    settings: Settings

    @property
    def store(self) -> Store:
        return store_for(self.url)

    @property
    def is_today(self) -> bool:
        return self.on == today()


def today() -> dt.date:
    # computed on every run, never stored: a wall left on overnight must roll over to the new day by itself
    return dt.date.today()


def settings() -> Settings:
    return load_settings()


def data_version(url: str) -> int:
    """One tiny query per run: every process sees a write on its next run (facts B10)."""
    return store_for(url).data_version()


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def kiosk() -> bool:
    return (_param("kiosk") or "").lower() in ("1", "true", "yes")


def lang(default: str) -> str:
    """`?lang=` first, then this session's last choice, then GRIDWATCH_LANG."""
    chosen = _param("lang")
    if chosen in LANGS:
        st.session_state["lang"] = chosen
        return chosen
    remembered = st.session_state.get("lang")
    if remembered in LANGS:
        if remembered != default:
            st.query_params["lang"] = remembered  # links built from the URL keep it
        return remembered
    return default if default in LANGS else "zh"


def set_lang(value: str, default: str) -> None:
    st.session_state["lang"] = value
    if value == default:
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = value


def as_of() -> dt.date:
    """`?on=YYYY-MM-DD` (any past day), else today. A day in the future is treated as today."""
    raw = _param("on")
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is not None and day < today():
            return day
    return today()


def set_as_of(day: dt.date) -> None:
    if day >= today():
        st.query_params.pop("on", None)
    else:
        st.query_params["on"] = day.isoformat()


def theme(default: str) -> str:
    chosen = _param("theme")
    if chosen in THEMES:
        st.session_state["theme"] = chosen
        return chosen
    remembered = st.session_state.get("theme")
    return remembered if remembered in THEMES else default


def set_theme(value: str) -> None:
    st.session_state["theme"] = value
    st.query_params["theme"] = value


def view() -> View:
    cfg = settings()
    return View(url=cfg.database_url, version=data_version(cfg.database_url), on=as_of(),
                lang=lang(cfg.default_lang), kiosk=kiosk(), settings=cfg)


def carried_params(**extra: str | None) -> dict[str, str]:
    """Query parameters a link inside the app keeps (language, day, theme, kiosk) plus `extra`."""
    out = {k: v for k in ("lang", "on", "theme", "kiosk") if (v := _param(k))}
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


# --- the entry script runs first ---------------------------------------------------------------------------
_ENTRY_FLAG = "_gw_entry_ran"


def mark_entry() -> None:
    """Called by dashboard/app.py on every full run, before it hands over to the page."""
    st.session_state[_ENTRY_FLAG] = True


def require_entry() -> None:
    """Make sure dashboard/app.py ran before this page (CSS, local Leaflet, navigation, kiosk mode).

    Pages live in `dashboard/views/`, not `pages/`: a folder named `pages` next to the entry script makes
    Streamlit 1.67 start in its old multipage mode, where a fresh server's first request to /my-grid or /import
    ran the page file alone (or showed "page not found"). Should a page still run without the entry script
    (an old-mode server, a test running a page file), switch that mode off and run again through the entry.
    """
    if st.session_state.pop(_ENTRY_FLAG, False):
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def echo_query_string() -> None:
    """Put this run's query string in the address bar (a history entry when it differs).

    `st.page_link` to the page already shown (a breadcrumb crumb, a KPI card on /explore) reruns the page with
    the link's query string but leaves the address bar as it was: Streamlit 1.67 pushes a history entry only
    when the page changes. Re-sending the query string from the script makes the browser push it, so the
    URL stays shareable and Back returns to where the link was clicked. When the address bar already shows
    it, nothing happens.
    """
    if st.query_params:
        st.query_params.from_dict(st.query_params.to_dict())
