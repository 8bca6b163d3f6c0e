"""Load the map's JavaScript and CSS from this app instead of public CDNs.

A command-centre network often has no internet, and a wall that depends on a CDN
goes blank exactly when the uplink fails. folium's defaults pull Leaflet, jQuery,
Bootstrap, Font Awesome and awesome-markers from four CDNs; we only need Leaflet
(polygons, circle markers, tooltips: no folium ``Marker`` icons), which
``make assets`` vendors into ``dashboard/static/vendor/leaflet/`` and Streamlit
serves at ``/app/static/`` (``server.enableStaticServing``).

Two things this cannot fix, so pages must avoid them:
- ``folium.Map(tiles=...)`` defaults to OpenStreetMap: pass ``tiles=None`` or the
  configured local tile URL.
- streamlit-folium injects d3 from a CDN whenever a branca ``ColorMap`` is on the
  map: draw legends with Streamlit instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

import folium

# Absolute URLs: streamlit-folium renders the map inside an iframe whose own URL
# is under /component/, so relative paths would resolve against that.
LEAFLET_JS = "/app/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS = "/app/static/vendor/leaflet/leaflet.css"

_VENDOR_DIR = Path(__file__).parent / "static" / "vendor" / "leaflet"
_log = logging.getLogger(__name__)


def use_local_assets() -> None:
    """Make every ``folium.Map`` link only the locally served Leaflet files.

    Call once before building maps; calling again changes nothing.
    """
    # Replace the class attributes rather than editing the lists: the lists are
    # folium's module-level defaults, shared with every Map.
    folium.Map.default_js = [("leaflet", LEAFLET_JS)]
    folium.Map.default_css = [("leaflet_css", LEAFLET_CSS)]
    if not (_VENDOR_DIR / "leaflet.js").is_file():
        _log.warning("%s is missing: run `make assets`, or the map stays blank", _VENDOR_DIR)
