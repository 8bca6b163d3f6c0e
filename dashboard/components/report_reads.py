"""Cached reads for the reports and honours pages: thin wrappers over geodata.reporting.reports, geodata.reporting.trends,
geodata.situation.honours and geodata.reporting.briefing, keyed on (database URL, data version, unit, day) like dashboard.data, so a
submitted report shows on every screen's next run. No SQL here.

Whether a report is missing depends on the clock as well as the data (the cut-off passes without a write), so
those reads are also keyed on the current minute.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.i18n import extend
from dashboard.state import store_for
from geodata.reporting import reports, trends
from geodata.reporting.briefing import build_briefing
from geodata.situation import honours

TTL_S = 15 * 60

# the navigation titles of /reports and /honours: here, so that dashboard/app.py can import them without running
# a page script
extend({"nav.reports": ("日报", "Daily reports"), "nav.honours": ("无疫小区", "Epidemic-free compounds")})


def minute() -> dt.datetime:
    """Now, to the minute: the cache key of clock-dependent reads."""
    return dt.datetime.now().replace(second=0, microsecond=0)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def scope_code(url: str, version: int, scope_path: str | None) -> str | None:
    with store_for(url).read() as s:
        return reports.scope_code(s, scope_path)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def communities(url: str, version: int, code: str) -> pd.DataFrame:
    with store_for(url).read() as s:
        return reports.communities_under(s, code)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def status(url: str, version: int, code: str, on: dt.date, now: dt.datetime) -> pd.DataFrame:
    with store_for(url).read() as s:
        return reports.report_status(s, code, on, now)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def summary(url: str, version: int, code: str, on: dt.date, now: dt.datetime) -> reports.ReportSummary:
    with store_for(url).read() as s:
        return reports.summary(s, code, on, now)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def cutoff(url: str, version: int, on: dt.date) -> dt.datetime:
    with store_for(url).read() as s:
        return reports.cutoff_at(s, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def prefill(url: str, version: int, community: str, on: dt.date) -> dict[str, int | None]:
    with store_for(url).read() as s:
        return reports.prefill(s, community, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def own_report(url: str, version: int, community: str, on: dt.date) -> dict | None:
    with store_for(url).read() as s:
        return reports.community_report(s, community, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def trend(url: str, version: int, code: str, days: int, on: dt.date) -> pd.DataFrame:
    with store_for(url).read() as s:
        return trends.series(s, code, days=days, on=on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def trend_by_child(url: str, version: int, code: str, figure: str, days: int, on: dt.date) -> pd.DataFrame:
    with store_for(url).read() as s:
        return trends.series_by_child(s, code, figure, days=days, on=on)


def briefing_file(url: str, version: int, code: str, on: dt.date, now: dt.datetime, fmt: str, lang: str) -> bytes:
    """The briefing rendered by loaders.briefing (matplotlib/openpyxl, on the server, no network). Not cached:
    a download button calls it on click, in a thread of its own."""
    from loaders.briefing import render

    with store_for(url).read() as s:
        b = build_briefing(s, code, on, now)
    return render(b, fmt, lang)


def roster_file(roster_frame: pd.DataFrame, totals: pd.DataFrame, *, title: str, street_names: dict[int, str],
                generated_by: str | None) -> bytes:
    """The checkpoint planner's roster workbook, written by loaders.roster like every spreadsheet a page hands out
    (loaders.cells makes its cells safe). Here, beside the briefing, because the pages reach loaders only through
    the modules tests/test_layering.py lists."""
    from loaders.roster import roster_xlsx

    return roster_xlsx(roster_frame, totals, title=title, street_names=street_names, generated_by=generated_by)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def round_status(url: str, version: int, code: str, quarter: str) -> pd.DataFrame:
    with store_for(url).read() as s:
        return honours.round_status(s, code, quarter)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def flags(url: str, version: int, code: str, on: dt.date) -> pd.DataFrame:
    with store_for(url).read() as s:
        return honours.flags(s, code, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def applications(url: str, version: int, code: str, quarter: str | None) -> pd.DataFrame:
    with store_for(url).read() as s:
        return honours.applications(s, code, quarter=quarter)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def candidates(url: str, version: int, code: str, quarter: str) -> pd.DataFrame:
    with store_for(url).read() as s:
        return honours.candidates(s, code, quarter)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=128)
def application_detail(url: str, version: int, code: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """(the application's fields, its steps, its attachments without bytes)."""
    with store_for(url).read() as s:
        app = honours.application(s, code)
        fields = {c: getattr(app, c) for c in ("code", "state", "path", "quarter", "score", "pass_mark",
                                               "applied_on", "notice_from", "awarded_on", "revoked_on",
                                               "revoked_reason", "version")}
        return fields, honours.steps(s, code), honours.attachments(s, code)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=16)
def round_window(url: str, version: int, quarter: str) -> dict[str, dt.date]:
    with store_for(url).read() as s:
        return honours.round_window(s, quarter)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=16)
def honour_settings(url: str, version: int) -> dict:
    with store_for(url).read() as s:
        return honours.settings(s)


def attachment(url: str, attachment_id: int) -> tuple[str, str | None, bytes]:
    with store_for(url).read() as s:
        return honours.attachment_content(s, attachment_id)


def quarter_options(on: dt.date, back: int = 4) -> list[str]:
    """The quarter of `on` and the `back` before it, newest first."""
    out, y, q = [], on.year, (on.month - 1) // 3 + 1
    for _ in range(back + 1):
        out.append(f"{y}Q{q}")
        y, q = (y - 1, 4) if q == 1 else (y, q - 1)
    return out


def unit_in_view(v, actor, root_code: str) -> str:
    """The unit a reports/honours page shows: `?code=`, else the person's own unit, else the root — and never
    one outside the signed-in person's scope (a code typed into the URL is refused, nothing of it is read)."""
    from dashboard import data, state
    from dashboard.i18n import t
    from geodata.people.scope import can_read

    code = state.param("code")  # a value no code can have was refused by state.check_query: the default here
    if not code:
        if actor is not None and actor.scope_path:
            return scope_code(v.url, v.version, actor.scope_path) or root_code
        return root_code
    crumbs = data.breadcrumb(v.url, v.version, code)
    if actor is not None and crumbs and not can_read(actor, crumbs[-1].path):
        st.error(t("scope.outside", v.lang))
        st.stop()
    return code
