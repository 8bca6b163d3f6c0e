"""The dashboard must not need the internet: map assets and Streamlit settings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import folium
import folium.folium
import pytest
from folium.elements import JSCSSMixin

from dashboard import offline_assets

REPO = Path(__file__).resolve().parents[1]
URL = re.compile(r"""https?://[^\s"'<>)]+""")

POLYGON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "网格 01"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[114.30, 30.59], [114.31, 30.59], [114.31, 30.60], [114.30, 30.59]]],
            },
        }
    ],
}


@pytest.fixture
def local_assets(monkeypatch: pytest.MonkeyPatch) -> None:
    # use_local_assets changes folium globally; give other tests folium back as it was.
    monkeypatch.setattr(folium.Map, "default_js", folium.Map.default_js)
    monkeypatch.setattr(folium.Map, "default_css", folium.Map.default_css)
    offline_assets.use_local_assets()


def build_map() -> folium.Map:
    m = folium.Map(location=[30.595, 114.305], zoom_start=14, tiles=None)
    folium.GeoJson(
        POLYGON,
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
        popup=folium.GeoJsonPopup(fields=["name"]),
    ).add_to(m)
    folium.CircleMarker([30.595, 114.305], radius=6, color="#e53935").add_to(m)
    return m


def asset_links(element) -> list[str]:
    """The JS/CSS URLs streamlit-folium loads for this map (it walks the tree the same way)."""
    links = []
    if isinstance(element, JSCSSMixin):
        links += [url for _, url in element.default_js + element.default_css]
    for child in element._children.values():
        links += asset_links(child)
    return links


def test_rendered_map_names_no_external_host(local_assets: None) -> None:
    html = build_map().get_root().render()

    assert URL.findall(html) == []
    assert offline_assets.LEAFLET_JS in html
    assert offline_assets.LEAFLET_CSS in html


def test_map_loads_only_local_leaflet(local_assets: None) -> None:
    links = asset_links(build_map())

    assert sorted(set(links)) == sorted([offline_assets.LEAFLET_CSS, offline_assets.LEAFLET_JS])


def test_use_local_assets_twice_changes_nothing(local_assets: None) -> None:
    before = (list(folium.Map.default_js), list(folium.Map.default_css))
    offline_assets.use_local_assets()

    assert (folium.Map.default_js, folium.Map.default_css) == before


def vendored_leaflet_version() -> str:
    """The version in the banner of the committed leaflet.js ("Leaflet 1.9.3, a JS library …")."""
    head = (REPO / "dashboard" / "static" / "vendor" / "leaflet" / "leaflet.js").read_text(encoding="utf-8")[:300]
    return re.search(r"Leaflet (\d+\.\d+\.\d+),", head).group(1)


def test_vendored_leaflet_is_the_version_folium_renders_for() -> None:
    # folium's own CDN link names the Leaflet its templates are written for;
    # the committed leaflet.js must be that one.
    folium_leaflet = dict(folium.folium._default_js)["leaflet"]
    folium_version = re.search(r"leaflet@([\d.]+)/", folium_leaflet).group(1)

    assert vendored_leaflet_version() == folium_version


def streamlit_config() -> dict:
    return tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_streamlit_sends_no_usage_stats() -> None:
    assert streamlit_config()["browser"]["gatherUsageStats"] is False


def test_streamlit_serves_the_vendored_files() -> None:
    assert streamlit_config()["server"]["enableStaticServing"] is True


def test_no_full_garbage_collection_after_each_page_run() -> None:
    # Streamlit's default gc.collect(2) after every run walked the whole heap: 41% of a /reports run at city
    # scale, and more the more figures are cached (issue 18, the 16:00 rush).
    assert streamlit_config()["runner"]["postScriptGC"] is False


def test_streamlit_config_has_only_known_options() -> None:
    # Streamlit ignores a misspelt key with a mere log line; fail here instead.
    import streamlit.config

    known = set(streamlit.config._config_options_template)
    keys = {
        f"{section}.{name}"
        for section, options in streamlit_config().items()
        for name in options
    }

    assert keys - known == set()


def test_streamlit_config_names_no_external_host() -> None:
    # e.g. theme.font = "Nunito:https://fonts.googleapis.com/..." would be fetched by every browser.
    values = [v for options in streamlit_config().values() for v in options.values()]

    assert [v for v in values if isinstance(v, str) and URL.search(v)] == []


def test_icons_come_from_streamlits_own_font_not_emoji() -> None:
    """An emoji icon needs a colour-emoji font, which intranet PCs (and Debian without fonts-noto-color-emoji)
    lack: it showed as an empty box beside 修改历史. Streamlit serves its Material Symbols font itself."""
    icon = re.compile(r"""\bicon\s*=\s*(["'])(.*?)\1""")
    found = [(path.relative_to(REPO), m.group(2)) for path in (REPO / "dashboard").rglob("*.py")
             for m in icon.finditer(path.read_text(encoding="utf-8"))]
    assert found, "no icons found: the pattern no longer matches how pages set them"
    assert [f for f in found if not f[1].startswith(":material/")] == []
