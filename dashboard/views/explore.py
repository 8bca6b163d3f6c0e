"""/explore: drill down city → district → street → community → grid → compound → building.

`?code=CODE` opens any unit (deep link), `?building=CODE` a building's card, `?checkpoint=CODE` a checkpoint's
(from grid level down, where both are on the map), `?focus=COLUMN` lists the
communities where that figure is above zero (the wall's KPI links). Every drill changes the query string
from the script, which Streamlit 1.67 records with `history.pushState`; the browser's Back pops it and
Streamlit re-runs the page with the older query string, so Back goes up one level.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard import auth, data, prefetch, run_gate, state
from dashboard.components import cards, controls, field_layers, gate_card, kpis, lift, maps, tables
from dashboard.components.breadcrumb import breadcrumb, level_label
from dashboard.components.edit_text import plain
from dashboard.i18n import t
from dashboard.mapview.render import hide_contacts
from geodata.base.vocab import Level
from geodata.people.scope import sees_staff_contacts
from geodata.store.frames import WGS84
from geodata.store.hierarchy import UnitRef

PAGE = "views/explore.py"
MAP_HEIGHT = 640
MAP_WIDTH = 1056  # the left column (11 of 20) of a 1920-px screen


def go(**params: str | None) -> None:
    """Navigate within /explore: a new query string (one history entry) and a fresh run."""
    st.query_params.from_dict(state.carried_params(**params))
    st.rerun()


MAP_KEY = "explore-map"  # one map for the whole page: a drill swaps its layers instead of building a new map
CLICK = "explore-click"  # the feature clicked, left by the map's callback for the run it starts
BASE_BOUNDS = "explore-base-bounds"


def remember_click(props: dict) -> None:
    st.session_state[CLICK] = props


def click_target(unit: UnitRef, *wanted: str | None) -> dict[str, str] | None:
    """Where the click that started this run leads: a child unit, or a building's or checkpoint's card from grid
    level down (`wanted`: the codes whose cards are open already).

    The map reports a click through a widget callback, so it is seen by exactly one run; Back, a theme switch
    or any other rerun finds nothing here and cannot drill again."""
    props = st.session_state.pop(CLICK, None) or {}
    code, level = props.get("code"), props.get("level")
    if not code or code in wanted:
        return None
    if level is not None and int(level) == unit.level + 1:
        return {"code": str(code)}
    if unit.level >= Level.GRID:  # a building or a checkpoint opens its card (a flag opens nothing)
        if props.get("b"):
            return {"code": unit.code, "building": str(code)}
        if props.get("c"):
            return {"code": unit.code, "checkpoint": str(code)}
    return None


def pick(points: gpd.GeoDataFrame | None, code: str | None) -> pd.Series | None:
    """The building or checkpoint of this code among the unit's points (None when not asked for or not there)."""
    if not code or points is None:
        return None
    match = points[points["code"] == code]
    return match.iloc[0] if len(match) else None


def base_bounds(bounds) -> tuple[float, ...]:
    """The bounds the page's base map was first built with, kept for the session: the base map's script must
    stay the same for streamlit-folium to keep the same Leaflet map; each level frames itself (maps.fit_group).
    """
    return st.session_state.setdefault(BASE_BOUNDS, tuple(float(b) for b in bounds))


def title(unit: UnitRef, lang: str) -> None:
    import html

    st.html(f'<div class="gw-title">{html.escape(unit.name)}<span class="gw-sub">'
            f'{html.escape(level_label(unit.level, lang))} · {html.escape(unit.code)}</span></div>')


def map_frames(v: state.View, unit: UnitRef, kids: gpd.GeoDataFrame, own: pd.Series | None
               ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """Polygons to colour (the children, or the unit itself when it has none) and, from grid level down,
    building and checkpoint points."""
    polygons = kids
    if not len(kids) and own is not None:
        polygons = gpd.GeoDataFrame([own], geometry="geometry", crs=WGS84)
    if unit.level < Level.GRID:
        return _contacts(polygons, v.lang), None, None
    return (_contacts(polygons, v.lang), _contacts(data.buildings(v.url, v.version, unit.code, v.on), v.lang),
            _contacts(data.checkpoints(v.url, v.version, unit.code), v.lang))


def _contacts(frame: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """Names and phones of those in charge as they are, or "已隐藏" for an account that may not read them (the
    wall account), in tooltips as on the cards."""
    return frame if sees_staff_contacts(auth.current_actor()) else hide_contacts(frame, lang)


def table_panel(v: state.View, unit: UnitRef, kids: gpd.GeoDataFrame, focus: str | None) -> None:
    """Search + table; its own fragment, so typing in the search box does not redraw the map."""
    lang = v.lang
    if focus and unit.level < Level.COMMUNITY:
        rows = tables.focus(data.units_at_level(v.url, v.version, unit.code, int(Level.COMMUNITY), v.on, v.lang), focus)
        with_parent = True
    else:
        rows = tables.focus(kids, focus)
        with_parent = False
    if focus:
        what = t(focus if focus != "obs_total" else "obs_total", lang)
        st.markdown(f"**{t('explore.focus', lang, what=plain(what))}**")
        st.page_link(PAGE, label=t("explore.focus_clear", lang), query_params=state.carried_params(code=unit.code))
    elif len(kids):
        child_level = level_label(int(kids["level"].iloc[0]), lang)
        st.markdown(f"**{t('explore.children', lang, level=child_level, n=len(kids))}**")
    if not len(rows) and not focus:
        st.info(t("explore.no_children", lang))
        return
    query = st.text_input(t("explore.search", lang), key=f"search-{unit.code}", type="search", live=True,
                          placeholder=t("explore.search_hint", lang))
    picked = tables.unit_table(tables.search(rows, query), lang=lang, key=f"table-{unit.code}-{focus or ''}",
                               with_parent=with_parent, height=420)
    if picked:
        go(code=picked)


def main() -> None:
    state.require_entry()
    auth.require_signed_in("page.explore")
    v = state.view()
    lang = v.lang
    root = data.root(v.url, v.version)
    if root is None:
        st.info(t("no_data", lang))
        return
    state.echo_query_string()
    code = state.param("code") or auth.home_code() or root.code
    auth.require_unit(code)  # outside the person's scope: a refusal, and nothing of that unit is read
    crumbs = data.breadcrumb(v.url, v.version, code)
    if crumbs is None:
        st.error(t("explore.unknown_code", lang, code=plain(code)))
        breadcrumb([root], page=PAGE, params=state.carried_params(), lang=lang, tail=code)
        return
    unit = crumbs[-1]
    target = click_target(unit, state.param("building"), state.param("checkpoint"))
    if target is not None:
        # drill in this run (one script run per click, not two): the address bar gets the new query string
        st.query_params.from_dict(state.carried_params(**target))
        auth.require_unit(target["code"])
        crumbs = data.breadcrumb(v.url, v.version, target["code"]) or crumbs
        unit = crumbs[-1]
    focus = state.param("focus")
    kids = data.children(v.url, v.version, unit.code, v.on, v.lang)
    own = data.unit_row(v.url, v.version, crumbs, v.on, v.lang)
    theme = state.theme("situation" if data.has_situation(kids) else "observations")
    layers: list[str] = []
    if not v.kiosk:
        with st.sidebar:
            controls.theme(theme, lang)
            if unit.level >= Level.STREET:  # field work's layers (issue 15): read for the unit in view only
                layers = field_layers.choose("explore", lang)

    polygons, buildings, checkpoints = map_frames(v, unit, kids, own)
    wanted = state.param("building")
    building = pick(buildings, wanted)
    wanted_cp = None if wanted else state.param("checkpoint")
    checkpoint = pick(checkpoints, wanted_cp)
    opened = building if building is not None else checkpoint

    params = state.carried_params()
    breadcrumb(crumbs, page=PAGE, params=params, lang=lang, tail=opened["name"] if opened is not None else None)
    title(unit, lang)

    # the unit's figures; communities by situation only above community level, where there are several
    totals = data.totals(v.url, v.version, unit.code, v.on)
    if unit.level + 1 == Level.COMMUNITY:
        communities = kids  # a street's children are its communities
    elif unit.level < Level.COMMUNITY:
        communities = data.situations_at_level(v.url, v.version, unit.code, int(Level.COMMUNITY), v.on, v.lang)
    else:
        communities = pd.DataFrame()
    strip = [k for k in kpis.city_kpis(totals, communities, lang)
             if k.key != "situation" or unit.level < Level.COMMUNITY]
    with st.container(key="kpis-compact"):
        kpis.strip(strip, link_page=PAGE, params=state.carried_params(code=unit.code), lang=lang)

    left, right = st.columns([11, 9], gap="medium")
    with left:
        if len(polygons):
            points = buildings is not None and len(buildings) > 0
            bounds = maps.room_for_legends(polygons.total_bounds, left=0.5, right=0.7 if points else 0.1)
            base = maps.frame_base(base_bounds(bounds), settings=v.settings, outline=None)
            dark = not v.settings.tile_url
            frame = (bounds, MAP_WIDTH, MAP_HEIGHT)
            groups = [maps.units_group(polygons, theme, lang=lang, dark=dark, frame=frame), maps.fit_group(bounds)]
            groups += maps.points_groups(buildings, checkpoints, lang=lang, dark=dark)
            groups += maps.selected_group(opened)
            if unit.level >= Level.STREET:
                groups += maps.flags_group(data.flags(v.url, v.version, unit.code, v.on), lang=lang, dark=dark)
            groups += field_layers.overlays(v.store, auth.current_actor(), unit, layers, lang, dark=dark)[0]
            maps.show(base, groups, key=MAP_KEY, height=MAP_HEIGHT, on_click=remember_click)
        st.caption(t("explore.hint", lang))
    with right:
        if wanted and building is None:
            st.warning(t("explore.building_missing", lang, code=plain(wanted)))
        if wanted_cp and checkpoint is None:
            st.warning(t("explore.checkpoint_missing", lang, code=plain(wanted_cp)))
        if building is not None:
            cards.building_card(building, lang=lang)
            lift.panel(v.store, str(building["code"]), lang)  # the seal's checklist and steps, for staff
        elif checkpoint is not None:
            street = next((c.code for c in crumbs if c.level == Level.STREET), None)
            cards.checkpoint_card(checkpoint, street_code=street, lang=lang)
            gate_card.today_line(checkpoint, lang)  # today's entries and fevers at it (issue 15, counts)
        if opened is not None:
            st.page_link(PAGE, label=t("card.close", lang), query_params=state.carried_params(code=unit.code))
        else:
            entrances = own.get("entrances_open") if own is not None else (
                int(kids["entrances_open"].sum()) if len(kids) and "entrances_open" in kids else None)
            cards.unit_card(unit.name, unit.code, unit.level, totals, own, entrances, lang=lang)
            if unit.level == Level.COMPOUND:
                lift.panel(v.store, unit.code, lang)  # a natural village is sealed and lifted like a building
        st.fragment(run_gate.gated(table_panel))(v, unit, kids, focus)
    prefetch.children_ahead(v, unit, kids, communities if unit.level + 1 < Level.COMMUNITY else None)


main()
