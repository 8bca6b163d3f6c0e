""""Locate me" on the field roles' maps (issue 16): a button that centres the map on the phone's position and draws
its accuracy circle (`GW.Locate` in runtime.js, a few lines over `navigator.geolocation`).

Written here instead of folium's `LocateControl`, which loads leaflet.locatecontrol and Font Awesome from CDNs:
nothing on a page may come from outside the server (dashboard/offline_assets.py).

Its texts come in every language and the runtime shows the page's (dashboard/app.py marks each page with
`data-gw-lang`): the control belongs to the base map, whose script must not change with the language
(dashboard/components/maps.py: streamlit-folium would build a new map). The button
shows on narrow or touch screens only (map.css): a wall or a desk has no use for it. There, too, the map's zoom
buttons grow to 44 px and its legends fold into one "图例" toggle (`GW.legendFold`): both belong to the maps that
carry this button, so the wall's maps stay as they are.
"""
from __future__ import annotations

from branca.element import MacroElement
from folium.template import Template

from dashboard.i18n import LANGS, extend, t
from dashboard.mapview.geojson import dumps, script_safe

extend({
    "locate.button": ("定位我的位置", "Locate me"),
    "locate.busy": ("正在定位……", "Locating…"),
    "locate.found": ("已定位，误差约 {m} 米", "Located, accurate to about {m} m"),
    "locate.insecure": ("当前连接不是 https，浏览器不允许定位", "Locating needs a secure (https) connection"),
    "locate.denied": ("定位权限被拒绝，请在浏览器设置中允许本站定位",
                      "Location permission denied: allow it for this site in the browser settings"),
    "locate.unavailable": ("无法获取当前位置", "The position is not available"),
    "locate.timeout": ("定位超时，请到开阔处重试", "Locating timed out: try again in the open"),
    "locate.legends": ("图例", "Legend"),  # the toggle the legends fold into on a phone (GW.legendFold)
})

#: what the runtime says, by the keys GW.Locate reads; "{m}" in "found" is the accuracy in metres
MESSAGES = ("button", "busy", "found", "insecure", "denied", "unavailable", "timeout", "legends")


def texts() -> dict[str, dict[str, str]]:
    """Every message in each language, and in all of them together ("定位我的位置 · Locate me", key "both") for a
    page whose language the map cannot read; GW.locate picks the page's (its `data-gw-lang` marker)."""
    out = {lang: {key: t(f"locate.{key}", lang) for key in MESSAGES} for lang in LANGS}
    out["both"] = {key: " · ".join(out[lang][key] for lang in LANGS) for key in MESSAGES}
    return out


class Locate(MacroElement):
    """The "locate me" button of a map (`GW.locate`); needs the runtime on the map first (base_map adds it)."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "GW.locate({{ this._parent.get_name() }}, {{ this.texts }});\n"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "GwLocate"
        self.texts = script_safe(dumps(texts()))
