"""/explore: drill down city → district → street → community → grid → compound → building.

`?code=CODE` opens any unit (deep link), `?building=CODE` its building card, `?focus=COLUMN` lists the
communities where that figure is above zero (the wall's KPI links). Every drill changes the query string
from the script, which Streamlit 1.67 records with `history.pushState`; the browser's Back pops it and
Streamlit re-runs the page with the older query string, so Back goes up one level.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard import auth, data, state
from dashboard.components import cards, controls, kpis, maps, tables
from dashboard.components.breadcrumb import breadcrumb, level_label
from dashboard.i18n import t
from geodata.figures import UnitRef
from geodata.vocab import Level

PAGE = "views/explore.py"
MAP_HEIGHT = 640


def go(**params: str | None) -> None:
    """Navigate within /explore: a new query string (one history entry) and a fresh run."""
    st.query_params.from_dict(state.carried_params(**params))
    st.rerun()


def map_key(unit: UnitRef, wanted: str | None) -> str:
    # a new key per query string: a remounted map starts with no click, so the click that brought us here
    # cannot fire again when Back (or closing a card) returns to this view
    return f"explore-{unit.code}-{wanted or ''}"


def follow_click(unit: UnitRef, wanted: str | None) -> None:
    """A click on the map reruns the page with the clicked feature in the map's state: drill before reading
    and drawing this level again (that redraw was most of a click's cost at city scale)."""
    key = map_key(unit, wanted)
    clicked = (st.session_state.get(key) or {}).get("last_active_drawing") or {}
    props = clicked.get("properties") or {}
    code, level = props.get("code"), props.get("level")
    if not code or code == wanted:
        return
    if level is not None and int(level) == unit.level + 1:
        target = {"code": str(code)}
    elif level is None and unit.level >= Level.GRID:
        target = {"code": unit.code, "building": str(code)}
    else:
        return
    # forget the click, or Back to this view would find it and drill again
    st.session_state.pop(key, None)
    go(**target)


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
        polygons = gpd.GeoDataFrame([own], geometry="geometry", crs="EPSG:4326")
    if unit.level < Level.GRID:
        return polygons, None, None
    return polygons, data.buildings(v.url, v.version, unit.code, v.on), data.checkpoints(v.url, v.version, unit.code)


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
        st.markdown(f"**{t('explore.focus', lang, what=what)}**")
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
    v = state.view()
    lang = v.lang
    root = data.root(v.url, v.version)
    if root is None:
        st.info(t("no_data", lang))
        return
    state.echo_query_string()
    code = st.query_params.get("code") or auth.home_code() or root.code
    auth.require_unit(code)  # outside the person's scope: a refusal, and nothing of that unit is read
    crumbs = data.breadcrumb(v.url, v.version, code)
    if crumbs is None:
        st.error(t("explore.unknown_code", lang, code=code))
        breadcrumb([root], page=PAGE, params=state.carried_params(), lang=lang, tail=code)
        return
    unit = crumbs[-1]
    follow_click(unit, st.query_params.get("building"))
    focus = st.query_params.get("focus") or None
    kids = data.children(v.url, v.version, unit.code, v.on, v.lang)
    own = data.unit_row(v.url, v.version, crumbs, v.on, v.lang)
    theme = state.theme("situation" if data.has_situation(kids) else "observations")
    if not v.kiosk:
        with st.sidebar:
            controls.theme(theme, lang)

    polygons, buildings, checkpoints = map_frames(v, unit, kids, own)
    building = None
    wanted = st.query_params.get("building")
    if wanted and buildings is not None:
        match = buildings[buildings["code"] == wanted]
        building = match.iloc[0] if len(match) else None

    params = state.carried_params()
    breadcrumb(crumbs, page=PAGE, params=params, lang=lang, tail=building["name"] if building is not None else None)
    title(unit, lang)

    # the unit's figures; communities by situation only above community level, where there are several
    totals = data.totals(v.url, v.version, unit.code, v.on)
    communities = (data.units_at_level(v.url, v.version, unit.code, int(Level.COMMUNITY), v.on, v.lang)
                   if unit.level < Level.COMMUNITY else pd.DataFrame())
    strip = [k for k in kpis.city_kpis(totals, communities, lang)
             if k.key != "situation" or unit.level < Level.COMMUNITY]
    with st.container(key="kpis-compact"):
        kpis.strip(strip, link_page=PAGE, params=state.carried_params(code=unit.code), lang=lang)

    left, right = st.columns([11, 9], gap="medium")
    with left:
        if len(polygons):
            points = buildings is not None and len(buildings) > 0
            bounds = maps.room_for_legends(polygons.total_bounds, left=0.5, right=0.7 if points else 0.1)
            base = maps.frame_base(bounds, settings=v.settings, outline=None)
            dark = not v.settings.tile_url
            groups = [maps.units_group(polygons, theme, lang=lang, dark=dark)]
            groups += maps.points_groups(buildings, checkpoints, lang=lang, dark=dark)
            if unit.level >= Level.STREET:
                groups += maps.flags_group(data.flags(v.url, v.version, unit.code, v.on), lang=lang, dark=dark)
            clicked = maps.show(base, groups, key=map_key(unit, wanted), height=MAP_HEIGHT,
                                clickable=True)
            if clicked and len(kids) and clicked in set(kids["code"]):
                go(code=clicked)
            elif clicked and buildings is not None and clicked != wanted and clicked in set(buildings["code"]):
                go(code=unit.code, building=clicked)
        st.caption(t("explore.hint", lang))
    with right:
        if wanted and building is None:
            st.warning(t("explore.building_missing", lang, code=wanted))
        if building is not None:
            cards.building_card(building, lang=lang)
            st.page_link(PAGE, label=t("card.close", lang), query_params=state.carried_params(code=unit.code))
        else:
            entrances = own.get("entrances_open") if own is not None else (
                int(kids["entrances_open"].sum()) if len(kids) and "entrances_open" in kids else None)
            cards.unit_card(unit.name, unit.code, unit.level, totals, own, entrances, lang=lang)
        st.fragment(table_panel)(v, unit, kids, focus)


main()
