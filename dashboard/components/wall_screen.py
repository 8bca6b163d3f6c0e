"""The wall's screen: one screen at 1920×1080 and at 3840×2160 (browser zoom 1), nothing below it (issue 16).

Layout: headline, the city's KPI strip, then a stage as high as what is left of the screen — the map beside a
side column of field-work figures (events, patrols, gates, care, screening: counts only) over the alerts. Type
is sized in `clamp(px, vw, px)`, so a 4K wall shows the same picture twice as large instead of a small one in a
corner. The stage's height is set in the browser (`--gw-stage-h`, from the stage's top to the screen's bottom),
since only the browser knows the screen; the server never reruns for it.

`?rotate=N` (seconds, off by default): the stage cycles map → alerts → field work every N seconds, in the
browser (a class on <body>), so a wall far from the room shows each large in turn without one server run.

A click on a KPI card — the strip's or the side column's field-work cards — highlights the units behind the
figure on the map (which units: geodata's `selection.units_behind`; drawing: mapview's `highlight_layer`); a second
click clears it.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

import streamlit as st

from dashboard.components import kpis
from dashboard.i18n import extend, t
from geodata.reporting.selection import figures_with_units

extend({
    "wall.highlight": ("地图高亮", "Highlighted on the map"),
    "wall.highlight_kpi": ("在地图上高亮：{what}", "Highlight on the map: {what}"),
    "wall.highlight_note": ("再点一次指标取消", "Click the figure again to clear"),
    "wall.units_more": ("另有 {n} 个", "{n} more"),
})

#: session key of the figure whose units are highlighted
FOCUS_KEY = "wall_focus"
#: the rotation's views, in order (the body's data-gw-view)
VIEWS = ("map", "alerts", "field")
#: alerts shown in the side column beside the map / on the alerts view of a rotating wall ("另有 N 条" below)
ALERTS_BESIDE_MAP = 2
ALERTS_ROTATING = 6
ALERTS_AT_DESK = 8

CSS = """<style>
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] { gap: 0.4rem; }
/* type that grows with the screen: 1920 px wide -> the desk sizes (≥ 48-px numbers), 3840 -> twice that */
.gw-headline h1 { font-size: clamp(30px, 1.8vw, 90px); }
.gw-headline .gw-meta, .gw-headline .gw-past { font-size: clamp(20px, 1.15vw, 56px); }
.st-key-wall-kpis .gw-kpi { min-height: clamp(120px, 7.3vw, 360px); padding: 0.5vw 0.7vw 0.4vw; }
/* a label wraps rather than being cut ("今日新增…" at a desk with the sidebar open); on the wall it fits one line */
.st-key-wall-kpis .gw-kpi-label { font-size: clamp(20px, 1.15vw, 56px); white-space: normal; line-height: 1.15;
  overflow-wrap: anywhere; }
.st-key-wall-kpis .gw-kpi-value { font-size: clamp(48px, 3.1vw, 150px); }
.st-key-wall-kpis .gw-kpi-parts, .st-key-wall-kpis .gw-kpi-cell-label { font-size: clamp(17px, 1.0vw, 48px); }
.st-key-wall-kpis .gw-kpi-split { gap: 0.6vw; flex-wrap: nowrap; }  /* one row of numbers across the wall */
/* a KPI card is one click target: its button is stretched over it, invisible */
[class*="st-key-wallkpi-"] { position: relative; gap: 0 !important; border-radius: 10px; }
[class*="st-key-wallkpi-"] [data-testid="stElementContainer"]:has(:is(.stButton, [data-testid="stPageLink"])) {
  position: static; height: 0; margin: 0 !important; }
[class*="st-key-wallkpi-"] .stButton button { position: absolute; inset: 0; width: 100%; height: 100%;
  background: transparent; border: 0; color: transparent; z-index: 2; min-height: 44px; }
[class*="st-key-wallkpi-"] .stButton button:hover .gw-kpi { border-color: #4FC3F7; }
[class*="st-key-wallkpi-"]:hover .gw-kpi { border-color: #4FC3F7; }
[class*="st-key-wallkpi-"] [data-testid="stPageLink"] { position: absolute; right: 6px; top: 2px; z-index: 3; }
[class*="st-key-wallkpi-"] [data-testid="stPageLink"] p { font-size: 30px; line-height: 1; color: #4FC3F7; }
.gw-kpi-on .gw-kpi { border: 3px solid #00E5FF; box-shadow: 0 0 0 2px #00E5FF55 inset; }
/* the side column's cards too: the highlight button over the card, the page's chevron (at a desk) above it */
.st-key-wall-field [class*="st-key-kpi-"] [data-testid="stElementContainer"]:has(.stButton) {
  position: static; height: 0; }
.st-key-wall-field [class*="st-key-kpi-"] .stButton button { position: absolute; inset: 0; width: 100%;
  height: 100%; background: transparent; border: 0; color: transparent; z-index: 2; min-height: 44px; }
.st-key-wall-field [class*="st-key-kpi-"] [data-testid="stPageLink"] { z-index: 3; }
.st-key-wall-field [class*="st-key-kpi-"]:has(.stButton) [data-testid="stPageLink"] a::after { content: none; }
/* the side column: field-work figures two a row, compact, then the alerts; it never grows the page */
.st-key-wall-side { overflow: hidden; gap: 0.5rem; }
.st-key-wall-field { display: grid !important; grid-template-columns: repeat(3, 1fr); gap: 0.4vw; }
.st-key-wall-field [data-testid="stHorizontalBlock"], .st-key-wall-field [data-testid="stColumn"],
.st-key-wall-field [data-testid="stLayoutWrapper"],
.st-key-wall-field [data-testid="stVerticalBlock"]:not([class*="st-key-kpi-"]) { display: contents; }
/* empty slots (a CSS element, the other half of a row) take no cell; a card's own link stays */
.st-key-wall-field [data-testid="stElementContainer"]:not(:has(.gw-kpi)):not(
  [class*="st-key-kpi-"] [data-testid="stElementContainer"]) { display: none; }
/* the care box lists the communities whose supplies run out first: it takes two cells */
.st-key-wall-field :is([data-testid="stElementContainer"], [class*="st-key-kpi-"]):has(
  .gw-kpi-parts + .gw-kpi-label):not([class*="st-key-kpi-"] *)
{ grid-column: span 2; }
.st-key-wall-field .gw-kpi { min-height: 0 !important; margin: 0 !important; padding: 0.3vw 0.6vw; height: 100%; }
.st-key-wall-field .gw-kpi-label { font-size: clamp(17px, 0.95vw, 46px); white-space: normal; line-height: 1.2; }
.st-key-wall-field .gw-kpi-value { font-size: clamp(34px, 2.1vw, 100px); line-height: 1.05; }
.st-key-wall-field .gw-kpi-parts { font-size: clamp(15px, 0.85vw, 40px); }
.st-key-wall-alerts, .st-key-wall-alerts [data-testid="stVerticalBlock"] { gap: 0.25rem; }
.st-key-wall-alerts .gw-alert { font-size: clamp(17px, 0.95vw, 46px); padding: 0.3vw 0.55vw; margin-bottom: 0.3vw; }
.st-key-wall-alerts .gw-alert-when { font-size: clamp(14px, 0.78vw, 38px); }
.st-key-wall-alerts h4 { font-size: clamp(20px, 1.1vw, 54px); padding: 0.2vw 0 0.4vw; line-height: 1.3; }
.st-key-wall-alerts [data-testid="stCaptionContainer"] { font-size: clamp(15px, 0.85vw, 40px); }
@media (min-width: 900px) {
  .st-key-wall-stage [data-testid="stHorizontalBlock"] { height: var(--gw-stage-h, 760px); flex-wrap: nowrap; }
  .st-key-wall-mapbox iframe { height: var(--gw-stage-h, 760px) !important; }
  .st-key-wall-side { max-height: var(--gw-stage-h, 760px); }
  /* rotating: the map takes the whole stage; alerts and field work come over it in turn, large */
  body[data-gw-rotate] .st-key-wall-stage { position: relative; }
  body[data-gw-rotate] .st-key-wall-stage [data-testid="stColumn"]:has(.st-key-wall-side) {
    flex: 0 0 0 !important; min-width: 0 !important; width: 0 !important; }
  body[data-gw-rotate] .st-key-wall-stage [data-testid="stColumn"] { position: static; }
  body[data-gw-rotate] .st-key-wall-side { position: absolute; inset: 0; z-index: 5; background: #0b1220;
    padding: 1vw 2vw; zoom: 1.4; max-height: none; }
  body[data-gw-rotate][data-gw-view="map"] .st-key-wall-side { display: none; }
  body[data-gw-rotate][data-gw-view="alerts"] .st-key-wall-field { display: none !important; }
  body[data-gw-rotate][data-gw-view="field"] .st-key-wall-alerts { display: none; }
  body[data-gw-rotate][data-gw-view="field"] .st-key-wall-field { grid-template-columns: repeat(4, 1fr); }
}
</style>"""

SCRIPT = """
(function () {
  if (window.gwWallScreen) { window.gwWallScreen.cfg = %(cfg)s; return; }
  var me = window.gwWallScreen = {cfg: %(cfg)s, view: 0, since: Date.now()};
  var root = document.documentElement, body = document.body;
  function fit() {
    var stage = document.querySelector(".st-key-wall-stage");
    if (!stage || window.innerWidth < 900) { root.style.removeProperty("--gw-stage-h"); return; }
    var top = stage.getBoundingClientRect().top + window.scrollY;
    var h = Math.max(me.cfg.minHeight, Math.floor(window.innerHeight - top - me.cfg.bottom));
    if (root.style.getPropertyValue("--gw-stage-h") !== h + "px") root.style.setProperty("--gw-stage-h", h + "px");
  }
  function rotate() {
    var marker = document.querySelector("[data-gw-rotate]");
    var every = marker ? parseInt(marker.getAttribute("data-gw-rotate"), 10) : 0;
    if (!every) { delete body.dataset.gwRotate; delete body.dataset.gwView; return; }
    if (Date.now() - me.since >= every * 1000) {
      me.view = (me.view + 1) %% me.cfg.views.length;
      me.since = Date.now();
    }
    body.dataset.gwRotate = String(every);
    body.dataset.gwView = me.cfg.views[me.view];
  }
  function tick() { fit(); rotate(); }
  window.addEventListener("resize", fit);
  setInterval(tick, 250);
  tick();
})();
"""


#: at a desk (not a kiosk) the command centre acknowledges alerts: the side column scrolls, the page still not
DESK_CSS = "<style>.st-key-wall-side { overflow-y: auto; }</style>"


def install(lang: str, kiosk: bool = True) -> None:
    """CSS and the fitting/rotating script; once per run, outside the refreshing fragment."""
    st.html(CSS)
    if not kiosk:
        st.html(DESK_CSS)
    cfg = {"views": list(VIEWS), "minHeight": 360, "bottom": 10}
    st.html(f"<script>{SCRIPT % {'cfg': json.dumps(cfg)}}</script>", unsafe_allow_javascript=True,
            width="content")


def alerts_shown(rotating: bool, lang: str, kiosk: bool = True) -> int:
    """How many stored alerts the side column lists before "另有 N 条": more on a rotating wall's alerts view;
    one beside the map in English, whose labels and alerts take two lines where Chinese takes one. At a desk
    (no kiosk) those the command centre acknowledges, in a side column that scrolls (DESK_CSS)."""
    if not kiosk:
        return ALERTS_AT_DESK
    if rotating:
        return ALERTS_ROTATING
    return ALERTS_BESIDE_MAP if lang == "zh" else 1


def rotation_marker(seconds: int | None) -> None:
    """Inside the fragment: tells the script to rotate every `seconds` (absent: no rotation)."""
    if seconds:
        st.html(f'<div data-gw-rotate="{int(seconds)}" style="display:none"></div>')


def focus(default: str | None = None) -> str | None:
    """The figure whose units are highlighted: this screen's last click, else `?focus=` when it names one."""
    chosen = st.session_state.get(FOCUS_KEY)
    if chosen in figures_with_units():
        return chosen
    return default if default in figures_with_units() else None


#: the side column's figures -> their card's label (each card's module registers the text)
FIELD_LABELS = {"events_open": "kpi.events_open", "events_overdue": "kpi.events_overdue",
                "events_closed_today": "kpi.events_closed_today", "grids_not_patrolled": "kpi.grids_not_patrolled",
                "gate_entries": "kpi.gate_entries", "gate_fevers": "kpi.gate_fevers",
                "care_overdue": "wall.care_overdue", "screening": "scr.wall.title"}


def field_label(figure: str | None, lang: str) -> str:
    """The label of a side-column figure, for the highlight's legend ("" for another)."""
    return t(FIELD_LABELS[figure], lang) if figure in FIELD_LABELS else ""


def mark_chosen(chosen: str | None) -> None:
    """Inside the fragment: ring the side column's card whose units are highlighted (the KPI strip rings its own
    with `gw-kpi-on`); the card is found by its highlight button's key."""
    if chosen in figures_with_units():
        st.html(f'<style>.st-key-wall-field [class*="st-key-kpi-"]:has(.st-key-hl-{chosen}) .gw-kpi '
                "{ border: 3px solid #00E5FF !important; box-shadow: 0 0 0 2px #00E5FF55 inset; }</style>")


def highlight_button(figure: str, label: str, lang: str) -> None:
    """Inside a wall card: an invisible button over the card that highlights the units behind `figure` (again:
    clears); nothing for a figure without units behind it."""
    if figure in figures_with_units():
        st.button(t("wall.highlight_kpi", lang, what=label), key=f"hl-{figure}", on_click=_toggle, args=(figure,))


def _toggle(key: str) -> None:
    st.session_state[FOCUS_KEY] = None if st.session_state.get(FOCUS_KEY) == key else key


def kpi_strip(cards: list[kpis.Kpi], *, chosen: str | None, link_page: str | None, params: Mapping[str, str],
              lang: str) -> None:
    """The city's figures in one row; a card with units behind it is a button that highlights them (again:
    clears), and with `link_page` a chevron in its corner opens that page's list."""
    selectable = set(figures_with_units())
    with st.container(key="wall-kpis"):
        cols = st.columns([2.3 if k.split else 1.6 if k.parts else 1.0 for k in cards], gap="small")
        for col, kpi in zip(cols, cards):
            with col, st.container(key=f"wallkpi-{kpi.key}"):
                card = kpis.card_html(kpi, wrap=lang == "en")
                st.html(f'<div class="gw-kpi-on">{card}</div>' if kpi.key == chosen else card)
                if kpi.key in selectable:
                    highlight_button(kpi.key, kpi.label, lang)
                if link_page and kpi.focus:
                    st.page_link(link_page, label="›", help=t("kpi.details", lang),
                                 query_params={**params, "focus": kpi.focus})
