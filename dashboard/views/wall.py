"""/wall: the whole city at a glance, for the command centre's wall (counts only, never names of persons).

KPI strip + map of every community coloured by the chosen theme, refreshed every WALL_REFRESH_SECONDS by a
fragment: the base map is rebuilt identically, so the browser keeps its Leaflet map (and the view people set)
and only swaps the community layer.
"""
from __future__ import annotations

import datetime as dt
import html

import streamlit as st

from dashboard import auth, data, state
from dashboard.components import alerts, controls, freshness, kpis, maps
from dashboard.i18n import t
from dashboard.mapview.render import hide_contacts
from geodata.base.vocab import Level

MAP_HEIGHT = {True: 800, False: 700}  # kiosk (1080 px screen, no chrome) / with navigation


def headline(city: str, on: dt.date, lang: str) -> None:
    """Title, the day shown ("实时" today, hidden by the freshness banner when the data is old) and the time of
    this refresh, stamped for the browser's freshness watcher (dashboard.components.freshness)."""
    when = (t("as_of.today", lang, day=on.isoformat()) if on == state.today()
            else None)
    past = None if when else t("as_of.past", lang, day=on.isoformat())
    now = dt.datetime.now()
    updated = t("updated_at", lang, time=now.strftime("%H:%M:%S"))
    st.html(
        f'<div class="gw-headline" {freshness.stamp(now.strftime("%H:%M:%S"), now.isoformat())}>'
        f"<h1>{html.escape(t('app.title', lang))} · {html.escape(city)}</h1>"
        + (f'<span class="gw-meta gw-live">{html.escape(when)}</span>' if when else
           f'<span class="gw-past">{html.escape(past or "")}</span>')
        + f'<span class="gw-meta">{html.escape(updated)}</span></div>'
    )


def live(root_code: str, theme: str) -> None:
    """KPI strip and map; re-run alone by the timer (data version and day are read afresh each time)."""
    if auth.current_actor() is None:
        st.rerun(scope="app")  # the session ended (signed out, expired): the timer must not keep showing data
    v = state.view()
    crumbs = data.breadcrumb(v.url, v.version, root_code)
    if not crumbs:
        st.rerun()  # the root changed under us (a re-import): start the page again
    root = crumbs[-1]
    totals = data.totals(v.url, v.version, root_code, v.on)
    communities = data.units_at_level(v.url, v.version, root_code, int(Level.COMMUNITY), v.on, v.lang)
    headline(root.name, v.on, v.lang)
    link = None if v.kiosk else "views/explore.py"
    kpis.strip(kpis.city_kpis(totals, communities, v.lang), link_page=link,
               params=state.carried_params(code=root_code), lang=v.lang)

    outline = data.outlines(v.url, v.version, root_code, (int(Level.DISTRICT), int(Level.STREET)))
    bounds = communities.total_bounds if len(communities) else outline.total_bounds
    base = maps.frame_base(bounds, settings=v.settings, outline=outline)
    shown = hide_contacts(communities, v.lang)  # the room reads counts: "负责人 已隐藏", never a name or "—"
    frame = (bounds, 1536, MAP_HEIGHT[v.kiosk])  # the map's column: 4/5 of a 1920-px wall screen
    groups = ([maps.units_group(shown, theme, lang=v.lang, dark=not v.settings.tile_url, frame=frame)]
              if len(shown) else [])
    map_col, alert_col = st.columns([4, 1], gap="small")
    with map_col:
        maps.show(base, groups, key="wall-map", height=MAP_HEIGHT[v.kiosk])
    with alert_col:
        missing = int(communities["report_missing"].sum()) if "report_missing" in communities else 0
        alerts.panel(v.store, data.alerts(v.url, v.version, root_code, v.on), totals, missing, lang=v.lang,
                     kiosk=v.kiosk)


def main() -> None:
    state.require_entry()
    auth.require_signed_in("page.wall")  # the whole city's counts: the command centre and its wall
    v = state.view()
    root = data.root(v.url, v.version)
    if root is None:
        st.info(t("no_data", v.lang))
        return
    communities = data.units_at_level(v.url, v.version, root.code, int(Level.COMMUNITY), v.on, v.lang)
    theme = state.theme("situation" if data.has_situation(communities) else "observations")
    if not v.kiosk:
        with st.sidebar:
            controls.theme(theme, v.lang)
    freshness.watcher(v.settings.wall_refresh_seconds, v.lang)  # in the browser: works when the server is down
    st.fragment(live, run_every=v.settings.wall_refresh_seconds)(root.code, theme)


main()
