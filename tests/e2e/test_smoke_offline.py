"""A folium map drawn by streamlit-folium works with no internet at all.

Runs a throwaway one-map Streamlit script rather than dashboard/app.py, so that
it checks the plumbing alone: vendored Leaflet served by Streamlit's static
serving, folium pointed at it, and nothing in Streamlit or the map component
calling out (the ``page`` fixture fails the test on any non-local request).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_offline_config import vendored_leaflet_version

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "dashboard" / "static"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'

ONE_POLYGON_APP = """
import folium
import streamlit as st
from streamlit_folium import st_folium

from dashboard.offline_assets import use_local_assets

use_local_assets()
st.title("离线地图冒烟测试")
m = folium.Map(location=[30.595, 114.305], zoom_start=15, tiles=None)
folium.GeoJson(
    {
        "type": "Feature",
        "properties": {"name": "网格 01"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[114.30, 30.59], [114.31, 30.59], [114.31, 30.60], [114.30, 30.59]]],
        },
    },
    style_function=lambda _: {"color": "#e53935", "fillOpacity": 0.3},
    tooltip=folium.GeoJsonTooltip(fields=["name"]),
).add_to(m)
st_folium(m, height=400, returned_objects=[])
"""


@pytest.fixture
def one_polygon_app(tmp_path: Path) -> Path:
    if not (STATIC / "vendor" / "leaflet" / "leaflet.js").is_file():
        pytest.fail("dashboard/static/vendor/leaflet/ is missing: it is committed, restore it with git",
                    pytrace=False)
    script = tmp_path / "one_polygon_app.py"
    script.write_text(ONE_POLYGON_APP, encoding="utf-8")
    # Streamlit serves static/ next to the script it runs.
    shutil.copytree(STATIC, tmp_path / "static")
    return script


def test_map_draws_a_polygon_without_internet(start_app, open_app, one_polygon_app: Path) -> None:
    url, _ = start_app({}, script=one_polygon_app, extra_args=("--server.enableStaticServing", "true"))
    page = open_app(url)

    expect(page.get_by_text("离线地图冒烟测试")).to_be_visible()
    map_frame = page.frame_locator(MAP_FRAME)
    expect(map_frame.locator(".leaflet-container")).to_be_visible(timeout=20_000)
    expect(map_frame.locator("path.leaflet-interactive")).to_have_count(1)

    leaflet_version = page.locator(MAP_FRAME).element_handle().content_frame().evaluate("L.version")
    assert leaflet_version == vendored_leaflet_version()
