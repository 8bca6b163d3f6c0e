"""/wall: the whole city at a glance, for the command centre's wall (counts only, never names of persons).

KPI strip + map of every community coloured by the chosen theme, refreshed every WALL_REFRESH_SECONDS by a
fragment: the base map is rebuilt identically, so the browser keeps its Leaflet map (and the view people set)
and only swaps the community layer.
"""
from __future__ import annotations

import datetime as dt
import html

import streamlit as st

from dashboard import auth, data, run_gate, state
from dashboard.components import alerts, care_wall, controls, field_kpis, freshness, gate_wall, kpis, maps, screening_wall
from dashboard.components import wall_screen
from dashboard.i18n import t
from dashboard.mapview.render import hide_contacts
from dashboard.mapview.wall import WallScreen, highlight_layer
from geodata.base.vocab import Level
from geodata.reporting.selection import FIELD_FIGURES, units_behind, with_figures

MAP_HEIGHT = {True: 800, False: 700}  # the frame's first height; the page then sizes it to the screen (wall_screen)


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
    """KPI strip and map; re-run alone by the timer (data version, day and the signed-in person are read afresh
    each time)."""
    auth.new_run()
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
    rotate = state.param("rotate")
    wall_screen.rotation_marker(int(rotate) if rotate else None)
    link = None if v.kiosk else "views/explore.py"
    cards = kpis.city_kpis(totals, communities, v.lang)
    chosen = wall_screen.focus(state.param("focus"))
    wall_screen.kpi_strip(cards, chosen=chosen, link_page=link, params=state.carried_params(code=root_code),
                          lang=v.lang)

    outline = data.outlines(v.url, v.figures, root_code, (int(Level.DISTRICT), int(Level.STREET)))
    bounds = communities.total_bounds if len(communities) else outline.total_bounds
    base = maps.frame_base(bounds, settings=v.settings, outline=outline)
    WallScreen(bounds).add_to(base)  # the map fills the stage; its names grow with the screen (4K)
    shown = hide_contacts(communities, v.lang)  # the room reads counts: "负责人 已隐藏", never a name or "—"
    frame = (bounds, 1400, MAP_HEIGHT[v.kiosk])  # the map's column: 2.7/3.7 of a 1920-px wall screen
    dark = not v.settings.tile_url
    groups = ([maps.units_group(shown, theme, lang=v.lang, dark=dark, frame=frame)] if len(shown) else [])
    if chosen in FIELD_FIGURES:  # a side-column card: its figure per community, counted by geodata
        communities = with_figures(communities, field_kpis.unit_figures(
            v.url, v.version, root_code, int(Level.COMMUNITY), v.on, dt.datetime.now().strftime("%Y-%m-%d %H:%M")))
    picked = units_behind(communities, chosen) if chosen else None  # geodata decides which units a figure counts
    what = next((k.label for k in cards if k.key == chosen), None) or wall_screen.field_label(chosen, v.lang)
    wall_screen.mark_chosen(chosen)
    if picked is not None:
        groups.append(highlight_layer(picked, what, title=t("wall.highlight", v.lang),
                                      more=t("wall.units_more", v.lang, n="{n}"),
                                      note=t("wall.highlight_note", v.lang), dark=dark, frame=frame))
    with st.container(key="wall-stage"):
        map_col, side_col = st.columns([2.7, 1], gap="small")
        with map_col, st.container(key="wall-mapbox"):
            maps.show(base, groups, key="wall-map", height=MAP_HEIGHT[v.kiosk])
        with side_col, st.container(key="wall-side"):
            with st.container(key="wall-field"):  # field work, counts only (issue 15)
                field_kpis.strip(v.url, v.figures, root_code, v.on, v.lang)  # events and patrols
                gate_wall.strip(v.url, v.figures, root_code, v.on, v.lang)  # gate entries and fevers today
                care_wall.panel(v, root_code)  # care visits overdue, supplies running out
                screening_wall.panel(v, crumbs[-1].path)  # open screening rounds: visited / households
            with st.container(key="wall-alerts"):
                missing = int(communities["report_missing"].sum()) if "report_missing" in communities else 0
                alerts.panel(v.store, data.alerts(v.url, v.version, root_code, v.on), totals, missing,
                             lang=v.lang, kiosk=v.kiosk,
                             shown=wall_screen.alerts_shown(bool(rotate), v.lang, v.kiosk))


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
    wall_screen.install(v.lang, v.kiosk)  # one screen at 1080 p and 4K; ?rotate= cycles the stage in the browser
    st.fragment(run_gate.gated(live), run_every=v.settings.wall_refresh_seconds)(root.code, theme)


main()
