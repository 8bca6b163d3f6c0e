"""Editing on the map: move or place an entrance/checkpoint by clicking, and reshape a unit's polygon.

The click comes back from streamlit-folium (`last_clicked`); the new place is checked by geodata (inside a unit
of the person's scope, the version they saw). New polygons are pasted or uploaded as GeoJSON/WKT, or drawn with
Leaflet.draw when it is served locally (`dashboard/static/vendor/leaflet-draw/`, see DRAW_JS): folium's Draw
plugin links a CDN by default, which an intranet wall cannot reach, so it is only offered from our own files.
Whatever the source, `geodata.editing.shapes.reshape_unit` validates it (valid polygon, inside its parent, no overlap
with siblings, buildings and child units kept inside) before anything is saved.

Every map click re-runs the page: the version a move or a reshape is checked against is the one read when the
record was picked (edit_common.hold), so a click cannot turn someone else's save in between into no conflict.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import shapely
import streamlit as st
from folium.plugins import Draw
from streamlit_folium import st_folium

from dashboard.components import maps
from dashboard.components.edit_common import hold, pick_index, reload_button, save
from dashboard.components.edit_ledgers import flash, forget_ledgers
from dashboard.components.edit_text import plain
from dashboard.components.refusals import problem_text
from dashboard.i18n import t
from geodata.base.layers import STAFF_MAX
from geodata.base.vocab import CHECKPOINT_KINDS, label
from geodata.checkpoints import commands
from geodata.editing import shapes
from geodata.people import scope
from geodata.reporting import access
from geodata.store.hierarchy import UnitRef
from geodata.store.writes import Actor

VENDOR = Path(__file__).resolve().parents[1] / "static" / "vendor" / "leaflet-draw"
DRAW_JS = "/app/static/vendor/leaflet-draw/leaflet.draw.js"
DRAW_CSS = "/app/static/vendor/leaflet-draw/leaflet.draw.css"
MAP_HEIGHT = 520


def draw_available() -> bool:
    return (VENDOR / "leaflet.draw.js").is_file() and (VENDOR / "leaflet.draw.css").is_file()


def _draw_tool() -> Draw:
    tool = Draw(export=False, position="topleft", show_geometry_on_click=False,
                draw_options={"polyline": False, "rectangle": False, "circle": False, "marker": False,
                              "circlemarker": False, "polygon": {"allowIntersection": False}},
                edit_options={"edit": False})
    # the instance's lists shadow the class's CDN links: only this app's own files are linked
    tool.default_js = [("leaflet_draw_js", DRAW_JS)]
    tool.default_css = [("leaflet_draw_css", DRAW_CSS)]
    return tool


def editor(store: Any, actor: Actor, unit: UnitRef, settings: Any, on: dt.date, lang: str) -> None:
    with store.read() as s:
        kids = access.children_with_figures(s, actor, unit.code, on, lang=lang)
        polygons = kids if len(kids) else access.outlines(s, actor, unit.level, unit.code)
        buildings = access.buildings_in(s, actor, unit.code, on) if unit.level >= 5 else None
        checkpoints = access.checkpoints_in(s, actor, unit.code)
        reshapable = access.units_for_reshape(s, actor, unit.code)
    can_draw = draw_available() and len(reshapable) > 0
    base = maps.frame_base(polygons.total_bounds, settings=settings, outline=None)
    if can_draw:
        _draw_tool().add_to(base)
    dark = not settings.tile_url
    groups = []
    if len(kids):
        groups.append(maps.units_group(kids, "situation", lang=lang, dark=dark))
    groups += maps.points_groups(buildings, checkpoints, lang=lang, dark=dark)
    returned = ["last_clicked"] + (["last_active_drawing"] if can_draw else [])
    out = st_folium(base, key=f"gw-edit-map-{unit.code}", height=MAP_HEIGHT, use_container_width=True,
                    returned_objects=returned, feature_group_to_add=groups or None) or {}
    clicked = out.get("last_clicked") or None
    drawn = out.get("last_active_drawing") or None
    if clicked:
        st.caption(t("mg.clicked", lang, lon=f"{clicked['lng']:.6f}", lat=f"{clicked['lat']:.6f}"))
    if scope.can_edit(actor, "checkpoint", unit.path):
        left, right = st.columns(2)
        with left:
            _move_form(store, actor, checkpoints, clicked, lang)
        with right:
            _add_form(store, actor, clicked, lang)
    if len(reshapable):
        reshape_form(store, actor, reshapable, drawn, can_draw, lang)


MOVE_FORM, RESHAPE_FORM = "gw-move-form", "gw-reshape-form"


def _move_form(store: Any, actor: Actor, checkpoints: Any, clicked: dict | None, lang: str) -> None:
    if not len(checkpoints):
        return
    rows = checkpoints.set_index("code")
    st.markdown(f"**{t('mg.move_title', lang)}**")
    codes = list(rows.index)
    code = st.selectbox(t("mg.checkpoint", lang), codes, index=pick_index(MOVE_FORM, codes),
                        format_func=lambda c: f"{rows.at[c, 'name']}（{c}）", key=f"{MOVE_FORM}-code")
    if code is None:
        return
    h = hold(MOVE_FORM, "checkpoint", code, rows.loc[code], {})
    with st.form(MOVE_FORM):
        reason = st.text_input(t("mg.reason", lang))
        submitted = st.form_submit_button(t("mg.move", lang), type="primary")
    reload_button(MOVE_FORM, h, lang)
    if not submitted:
        return
    if not clicked:
        st.warning(t("mg.click_first", lang))
        return
    done = save(store, actor, lambda ctx: commands.move_checkpoint(
        ctx, code, clicked["lng"], clicked["lat"], expected_version=h.version, reason=reason or None), lang=lang)
    if done is not None:
        flash(t("mg.done", lang) + " " + plain(f"{code} → {done.new['unit']}"))
        forget_ledgers()
        st.rerun()


def _add_form(store: Any, actor: Actor, clicked: dict | None, lang: str) -> None:
    with st.form("gw-add-form"):
        st.markdown(f"**{t('mg.add_title', lang)}**")
        name = st.text_input(t("mg.name", lang), max_chars=200)
        kind = st.selectbox(t("mg.kind", lang), list(CHECKPOINT_KINDS),
                            format_func=lambda c: label(CHECKPOINT_KINDS, c, lang))
        day = st.number_input(t("mg.staff_day", lang), min_value=0, max_value=STAFF_MAX, step=1)
        night = st.number_input(t("mg.staff_night", lang), min_value=0, max_value=STAFF_MAX, step=1)
        if st.form_submit_button(t("mg.add", lang), type="primary"):
            if not clicked:
                st.warning(t("mg.click_first", lang))
                return
            done = save(store, actor, lambda ctx: commands.add_checkpoint(
                ctx, name=name, kind=kind, lon=clicked["lng"], lat=clicked["lat"], staff_day=int(day),
                staff_night=int(night)), lang=lang)
            if done is not None:
                flash(t("mg.done", lang) + " " + plain(done.code))
                forget_ledgers()
                st.rerun()


def reshape_form(store: Any, actor: Actor, units: Any, drawn: dict | None, can_draw: bool, lang: str) -> None:
    """A supervisor's boundary edit: pick a unit, give the new polygon, let geodata check it."""
    st.markdown(f"**{t('mg.reshape_title', lang)}**")
    if not can_draw:
        st.caption(t("mg.reshape_no_draw", lang))
    rows = units.set_index("code")
    codes = list(rows.index)
    code = st.selectbox(t("mg.reshape_unit", lang), codes, index=pick_index(RESHAPE_FORM, codes),
                        format_func=lambda c: f"{rows.at[c, 'name']}（{c}）", key="gw-reshape-unit")
    if code is None:
        return
    h = hold(RESHAPE_FORM, "unit", code, rows.loc[code], {})
    with st.expander(t("mg.reshape_current", lang)):
        st.code(shapely.to_geojson(rows.at[code, "geometry"]), language="json", wrap_lines=True)
    with st.form(RESHAPE_FORM):
        text = st.text_area(t("mg.reshape_text", lang), height=120)
        upload = st.file_uploader(t("mg.reshape_file", lang), type=["geojson", "json", "wkt", "txt"])
        use_drawn = st.checkbox(t("mg.reshape_drawn", lang), value=bool(drawn), disabled=not drawn)
        reason = st.text_input(t("mg.reason", lang))
        submitted = st.form_submit_button(t("mg.reshape_save", lang), type="primary")
    reload_button(RESHAPE_FORM, h, lang)
    if not submitted:
        return
    shape: Any = None
    if use_drawn and drawn:
        shape = json.dumps(drawn.get("geometry") or drawn)
    elif upload is not None:
        shape = upload.getvalue().decode("utf-8", errors="replace")
    elif text.strip():
        shape = text
    if shape is None:
        st.warning(t("mg.click_first", lang) if can_draw else t("mg.reshape_text", lang))
        return
    done = save(store, actor, lambda ctx: shapes.reshape_unit(ctx, code, shape, expected_version=h.version,
                                                               reason=reason or None), lang=lang)
    if done is not None:
        message = t("mg.done", lang)
        for w in done.warnings:
            message += "  \n" + problem_text(w, lang)
        flash(message)
        st.rerun()
