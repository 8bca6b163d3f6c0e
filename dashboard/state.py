"""What a page run needs to know before it reads anything: the store, the data version, the day in view, the
language, the map theme and whether this is a kiosk (wall) screen.

The URL is the source of truth for everything a person might want to share or come back to (`?lang=`,
`?on=`, `?theme=`, `?kiosk=1`, and on /explore `?code=`); `st.session_state` only remembers a choice when a
page switch drops the query string. Nothing here reads figures: that is `dashboard.data`.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.components.edit_text import both
from dashboard.i18n import LANGS
from geodata.base.config import Settings, load_settings
from geodata.store import versions, writes
from geodata.store.db import Store, open_store

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
    def figures(self) -> int:
        """The figures version of `version` (geodata.store.versions): reads of figures no daily report, sign-in or
        sign-out changes key on it, so they stay cached while only reports land (the 16:00 rush)."""
        return versions.figures_of(self.url, self.version)

    @property
    def is_today(self) -> bool:
        return self.on == today()


def today() -> dt.date:
    # computed on every run, never stored: a wall left on overnight must roll over to the new day by itself
    return dt.date.today()


def settings() -> Settings:
    return load_settings()


#: the newest version this session wrote (set after its own write commits): its pages read at least that
_OWN_WRITE = "_gw_own_write_version"


def _remember_own_write(version: int) -> None:
    if get_script_run_ctx(suppress_warning=True) is None:
        return  # a loader, a test or a thread outside any page run: no person's pages to keep in step
    st.session_state[_OWN_WRITE] = max(version, int(st.session_state.get(_OWN_WRITE, 0)))


writes.on_commit(_remember_own_write)


def data_version(url: str) -> int:
    """The version this run's cached reads are keyed on: one tiny query per run, so every process sees a write
    on a later run (facts B10) — the settled version for most (`geodata.store.versions`, the same in every
    process), the newest for a person whose own write is newer than that (they see what they saved at once)."""
    found = versions.versions(store_for(url), settings().settle_seconds)
    own = int(st.session_state.get(_OWN_WRITE, 0))
    return found.live if own > found.shown else found.shown


# --- query parameters: what each may hold, checked in one place ---------------------------------------------


@dataclass(frozen=True)
class QueryParam:
    """What one query parameter may hold. `parse` turns the raw text into the value a page uses and raises
    ValueError for anything else; `zh`/`en` say what is expected (the refusal quotes it)."""

    parse: Callable[[str], object]
    zh: str
    en: str


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = float(raw)  # ValueError for text; "nan", "inf" and 1e999 parse, and are refused below
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(raw)
        return value
    return parse


def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw
    return parse


def _past_day(raw: str) -> dt.date:
    day = dt.date.fromisoformat(raw)
    if day > today():
        raise ValueError(raw)  # a day that has not come yet has no figures
    return day


def _pattern(regex: str) -> Callable[[str], str]:
    compiled = re.compile(regex)

    def parse(raw: str) -> str:
        if not compiled.fullmatch(raw):
            raise ValueError(raw)
        return raw
    return parse


#: a record's code as stored (String(64)): printable, no spaces or control characters
_CODE = _pattern(r"[^\s\x00-\x1f\x7f]{1,64}")
#: a column, section or record kind a page names
_WORD = _pattern(r"[A-Za-z0-9_.:-]{1,64}")
#: a short free text (a username, an action prefix)
_TEXT = _pattern(r"[^\x00-\x1f\x7f]{1,64}")
_KIOSK = ("1", "true", "yes", "0", "false", "no")
#: the coverage radius /checkpoints accepts, in metres (its input box has the same bounds)
RADIUS_M = (10.0, 2000.0)
#: the wall's rotation period in seconds (`?rotate=`): shorter than 10 s nobody reads a view, over an hour is off
ROTATE_S = (10.0, 3600.0)

#: every query parameter a page reads; `param()` returns only values that pass, `check_query()` refuses the rest
QUERY: dict[str, QueryParam] = {
    "lang": QueryParam(_choice(LANGS), "zh 或 en", "zh or en"),
    "on": QueryParam(_past_day, "今天或以前的日期 YYYY-MM-DD", "a day up to today, YYYY-MM-DD"),
    "theme": QueryParam(_choice(THEMES), "、".join(THEMES), ", ".join(THEMES)),
    "kiosk": QueryParam(lambda raw: _choice(_KIOSK)(raw.lower()), "1 或 0", "1 or 0"),
    "code": QueryParam(_CODE, "单元或记录编码（最多 64 个字符）", "a unit or record code (at most 64 characters)"),
    "building": QueryParam(_CODE, "楼栋编码", "a building code"),
    "checkpoint": QueryParam(_CODE, "卡点编码", "a checkpoint code"),
    "radius": QueryParam(_number(*RADIUS_M), "10 到 2000 之间的米数", "metres from 10 to 2000"),
    "focus": QueryParam(_WORD, "指标名", "a figure's name"),
    "section": QueryParam(_WORD, "栏目名", "a section's name"),
    "entity": QueryParam(_WORD, "记录类型", "a record kind"),
    "action": QueryParam(_TEXT, "操作名（最多 64 个字符）", "an action (at most 64 characters)"),
    "user": QueryParam(_TEXT, "用户名（最多 64 个字符）", "a username (at most 64 characters)"),
    "since": QueryParam(_past_day, "日期 YYYY-MM-DD", "a day, YYYY-MM-DD"),
    "until": QueryParam(_past_day, "日期 YYYY-MM-DD", "a day, YYYY-MM-DD"),
    "event": QueryParam(_CODE, "事件编号", "an event code"),
    "grid": QueryParam(_CODE, "网格编码", "a grid code"),
    "rotate": QueryParam(_number(*ROTATE_S), "10 到 3600 之间的秒数", "seconds from 10 to 3600"),
}


def _raw(name: str) -> str | None:
    value = st.query_params.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def param(name: str):  # noqa: ANN201 — the type QUERY[name] parses to
    """The value of query parameter `name` as its page uses it, or None when absent or not valid (a refused
    value is reported once per run by `check_query`, and the page goes on with its default)."""
    raw = _raw(name)
    if raw is None:
        return None
    try:
        return QUERY[name].parse(raw)
    except (ValueError, TypeError, OverflowError):
        return None


def refused_params() -> list[tuple[str, str]]:
    """(name, raw value) of every query parameter present whose value is not valid."""
    return [(name, raw) for name in QUERY if (raw := _raw(name)) is not None and param(name) is None]


def check_query(lang: str) -> None:
    """Warn (Chinese and English) about every query parameter the page cannot use; the page then runs with its
    default. Called once per run by dashboard/app.py, so every page is covered and nothing warns twice."""
    for name, raw in refused_params():
        spec = QUERY[name]
        # quoted as typed, but short and with control characters spelled out (\x00): never a line break or a NUL
        shown = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", raw[:40]) + (
            "…" if len(raw) > 40 else "")
        zh = f"网址参数 {name}={shown} 无效（应为{spec.zh}），已改用默认值。"
        en = f"The URL parameter {name}={shown} is not valid (expected {spec.en}): the default is used."
        st.warning(both(zh, en, lang))  # both() escapes Markdown: the value is whatever was typed


def kiosk() -> bool:
    return param("kiosk") in ("1", "true", "yes")


def lang(default: str) -> str:
    """`?lang=` first, then this session's last choice, then GRIDWATCH_LANG."""
    chosen = param("lang")
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
    """`?on=YYYY-MM-DD` (any past day), else today. A day in the future is refused (`check_query`): today."""
    day = param("on")
    return day if day is not None else today()


def set_as_of(day: dt.date) -> None:
    if day >= today():
        st.query_params.pop("on", None)
    else:
        st.query_params["on"] = day.isoformat()


def theme(default: str) -> str:
    chosen = param("theme")
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
    out = {k: v for k in ("lang", "on", "theme", "kiosk") if (v := _raw(k)) and param(k) is not None}
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
