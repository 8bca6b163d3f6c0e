"""What the wall's map needs beyond a page map: it fills whatever height the page gives it, its type grows with
the screen (a 4K wall at browser zoom 1 must not show 18-px names a third of the size they are on 1080 p), and
the units behind a clicked figure are drawn over the situation colours.

Pure rendering, like the rest of mapview: which units to highlight is decided in geodata
(`geodata.reporting.selection.units_behind`), this only draws them.
"""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from folium.template import Template

import folium

from dashboard.mapview import elements
from dashboard.mapview.geojson import check_wgs84, fit_zoom, lean_geometries, packed_polygons, tolerance_for_zoom
from dashboard.mapview.render import OUTLINE_PANE, legend
from dashboard.mapview.themes import LegendEntry

#: the highlight: a colour none of the situation or observation schemes uses (cyan), thick enough to see at 3 m
HIGHLIGHT_COLOR = "#00E5FF"
HIGHLIGHT_STYLE = {"stroke": True, "color": HIGHLIGHT_COLOR, "weight": 6, "opacity": 1.0, "fill": True,
                   "fillColor": HIGHLIGHT_COLOR, "fillOpacity": 0.28}
#: the width (px) of the map on a 1920-px wall with the side column: type is drawn at its map.css size there
BASE_WIDTH = 1440
#: the type grows with the map's width from the 1080-p factor (1.15: a little above the desk size) in proportion,
#: so a 4K wall (a 2760-px map) draws names 2.2× the desk size, twice what 1080 p shows, up to the second factor
SCALE = (1.15, 3.2)


class WallScreen(MacroElement):
    """Inside the map's frame: the map fills the frame's height (the page sizes the frame to the screen) with the
    city fitted to it; labels, legends and tooltips scale with the frame's width, and the label layers' collision
    boxes with them, so names still never overlap; the scale bar is metric only. Part of the base map: the same
    every run, so the map is kept."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "(function (map) {\n"
        "  var lo = {{ this.lo }}, hi = {{ this.hi }}, base = {{ this.base }}, frame = {{ this.frame }};\n"
        "  function k() { return Math.max(lo, Math.min(hi, lo * window.innerWidth / base)); }\n"
        "  var css = document.createElement('style');\n"
        "  document.head.appendChild(css);\n"
        "  function apply() {\n"
        "    var s = k();\n"
        "    css.textContent = 'html, body, #map_div, .folium-map { height: 100% !important; }' +\n"
        "      '#map_div { height: 100vh !important; }' +\n"
        "      '.leaflet-tooltip.gw-label { font-size: ' + (18 * s) + 'px; }' +\n"
        "      '.leaflet-tooltip.gw-label-lg { font-size: ' + (26 * s) + 'px; }' +\n"
        "      '.leaflet-tooltip.gw-label-md { font-size: ' + (20 * s) + 'px; }' +\n"
        "      '.leaflet-tooltip.gw-label-sm { font-size: ' + (18 * s) + 'px; }' +\n"
        "      '.gw-legend, .leaflet-tooltip.gw-tip, .leaflet-control-zoom, .leaflet-control-scale' +\n"
        "      ' { zoom: ' + s + '; }' +\n"
        "      '.leaflet-control-scale-line + .leaflet-control-scale-line { display: none; }';\n"
        "    document.documentElement.setAttribute('data-gw-label-scale', s.toFixed(2));\n"
        "    if (window.GW && GW.Labels && !GW.Labels.prototype._gwWall) {\n"
        "      var place = GW.Labels.prototype._place;\n"
        "      GW.Labels.prototype._gwWall = true;\n"
        "      GW.Labels.prototype._place = function (used, cell) {\n"
        "        // collision boxes from the drawn size, not the desk size the layer was built with\n"
        "        if (!this._gwSizes) this._gwSizes = this.options.sizes.slice();\n"
        "        var f = k();\n"
        "        this.options.sizes = this._gwSizes.map(function (px) { return px * f; });\n"
        "        return place.call(this, used, cell);\n"
        "      };\n"
        "    }\n"
        "    if (GW.placeLabels) GW.placeLabels(map);\n"
        "  }\n"
        "  // the map was fitted at the frame's first height; the page then gives it the screen's: fit the city\n"
        "  // again whenever the height changes (a new screen), unless someone has zoomed or dragged the map\n"
        "  // (their view stays, as on every refresh). A width change alone (the sidebar) keeps a view someone\n"
        "  // set, and refits the city while it is still at the zoom this fitted (a window growing to 4K grows\n"
        "  // its height first, then the map's column).\n"
        "  var lastH = null, fitted = null, moved = false;\n"
        "  ['wheel', 'mousedown', 'touchstart', 'keydown', 'dblclick'].forEach(function (ev) {\n"
        "    map.getContainer().addEventListener(ev, function () { moved = true; }, {passive: true});\n"
        "  });\n"
        "  function fit() { map.fitBounds(frame, {animate: false}); fitted = map.getZoom(); }\n"
        "  function refit() {\n"
        "    var h = map.getContainer().clientHeight;\n"
        "    var ours = fitted !== null && Math.abs(map.getZoom() - fitted) < 0.01;\n"
        "    map.invalidateSize();\n"
        "    if (frame && !moved && (h !== lastH || ours)) fit();\n"
        "    lastH = h;\n"
        "  }\n"
        "  // the base map's own first fit (at the frame's first height) is an animated zoom that lands after\n"
        "  // refit: on a 4K screen it left the city at the 800-px frame's zoom in a 1640-px map. When a zoom ends\n"
        "  // on that stale zoom and nobody moved the map, fit the city again (once).\n"
        "  var stale = frame ? map.getBoundsZoom(frame) : null;\n"
        "  map.on('zoomend', function () {\n"
        "    if (stale === null || moved || Math.abs(map.getZoom() - stale) > 0.01) return;\n"
        "    stale = null;\n"
        "    if (Math.abs(map.getZoom() - map.getBoundsZoom(frame)) > 0.01) fit();\n"
        "  });\n"
        "  apply();\n"
        "  refit();\n"
        "  window.addEventListener('resize', function () { refit(); apply(); });\n"
        "})({{ this._parent.get_name() }});\n"
        "{% endmacro %}"
    )

    def __init__(self, bounds=None, *, base_width: int = BASE_WIDTH,  # noqa: ANN001 — (west, south, east, north)
                 scale: tuple[float, float] = SCALE) -> None:
        super().__init__()
        self._name = "GwWallScreen"
        self.lo, self.hi = (float(s) for s in scale)
        self.base = int(base_width)
        if bounds is None:
            self.frame = "null"
        else:
            west, south, east, north = (round(float(b), 6) for b in bounds)
            self.frame = json.dumps([[south, west], [north, east]])


def highlight_layer(units: gpd.GeoDataFrame, label: str, *, title: str, more: str = "{n}", note: str | None = None,
                    listed: int = 5, dark: bool = True, frame: tuple | None = None) -> folium.FeatureGroup:
    """The units in `units` (in the order given: the most affected first) outlined and tinted in the highlight
    colour above the unit fills, with a legend that lists them, situation level first ("S2 竹寺社区"): the first
    `listed`, then `more` ("另有 {n} 个"). Not interactive: hover and clicks still reach the units."""
    check_wgs84(units)
    fg = folium.FeatureGroup(name="highlight", control=False)
    codes = units["code"].astype(str).tolist() if "code" in units.columns else [""] * len(units)
    names = units["name"].astype(str).tolist() if "name" in units.columns else codes
    levels = (units["situation_code"].fillna("").astype(str).tolist() if "situation_code" in units.columns
              else [""] * len(units))
    if len(units):
        zoom = fit_zoom(*frame) if frame is not None else 12.0
        tol = tolerance_for_zoom(zoom, float(np.mean(units.total_bounds[1::2])))
        geoms = lean_geometries(units.geometry, tol)
        props = [{"k": 0, "code": c, "hl": 1} for c in codes]
        elements.GeoJsonLayer(packed_polygons(geoms, props),
                              {"styles": [HIGHLIGHT_STYLE], "interactive": False, "pane": OUTLINE_PANE[0]}
                              ).add_to(fg)
    entries = [LegendEntry(f"{lv} {name}".strip(), HIGHLIGHT_COLOR) for name, lv in
               list(zip(names, levels))[:listed]]
    notes = ([more.format(n=f"{len(units) - listed:,}")] if len(units) > listed else []) + ([note] if note else [])
    legend(entries, f"{title} · {label} · {len(units):,}", dark=dark, note=" · ".join(notes) or None, counts=False,
           position="topright").add_to(fg)
    return fg
