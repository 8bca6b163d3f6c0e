"""The wall's screen pieces that need no browser: the highlight layer, the map's wall sizing, the figures a KPI
click can highlight, and the rotation marker (the browser test in tests/e2e/test_wall.py clicks and measures)."""
from __future__ import annotations

import json

import folium
import geopandas as gpd
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from dashboard.components import wall_screen
from dashboard.mapview.geojson import unpack
from dashboard.mapview.wall import HIGHLIGHT_COLOR, WallScreen, highlight_layer
from geodata.reporting.selection import figures_with_units


def units(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [f"C{i}" for i in range(n)], "name": [f"社区{i}" for i in range(n)],
                             "situation_code": (["S2"] + ["S1"] * n)[:n]},
                            geometry=[box(114 + i * 0.01, 30.5, 114.009 + i * 0.01, 30.509) for i in range(n)],
                            crs="EPSG:4326")


def rendered(fg: folium.FeatureGroup) -> str:
    m = folium.Map()
    fg.add_to(m)
    return m.get_root().render()


def test_highlight_layer_draws_every_unit_and_lists_the_first_level_first():
    html = rendered(highlight_layer(units(7), "封锁/硬隔离", title="地图高亮", more="另有 {n} 个",
                                    note="再点一次指标取消", frame=((114, 30.5, 114.1, 30.6), 1400, 800)))
    assert HIGHLIGHT_COLOR.lower() in html.lower()
    assert "S2 社区0" in html and "S1 社区4" in html
    assert "社区5" not in html.split("GW.Legend")[1]  # five listed, the rest counted
    assert "另有 2 个" in html and "地图高亮 · 封锁/硬隔离 · 7" in html


def test_highlight_features_carry_their_codes_and_are_not_interactive():
    fg = highlight_layer(units(3), "x", title="t")
    [layer] = [c for c in fg._children.values() if type(c).__name__ == "GeoJsonLayer"]
    features = unpack(layer.data.replace("<\\/", "</")) if hasattr(layer, "data") else None
    codes = [f["properties"]["code"] for f in features["features"]]
    assert codes == ["C0", "C1", "C2"] and all(f["properties"]["hl"] == 1 for f in features["features"])
    assert json.loads(layer.opts)["interactive"] is False


def test_no_units_still_says_so_in_the_legend_and_draws_nothing():
    fg = highlight_layer(units(0), "缺岗卡点", title="地图高亮")
    assert not [c for c in fg._children.values() if type(c).__name__ == "GeoJsonLayer"]
    assert "地图高亮 · 缺岗卡点 · 0" in rendered(fg)


def test_wall_map_fills_its_frame_refits_the_city_and_scales_labels():
    m = folium.Map()
    WallScreen((114.0, 30.5, 114.2, 30.7)).add_to(m)
    script = m.get_root().render()
    assert "#map_div { height: 100vh !important; }" in script
    assert "frame = [[30.5, 114.0], [30.7, 114.2]]" in script and "map.fitBounds(frame" in script
    assert "gw-label-lg { font-size: ' + (26 * s)" in script  # the desk size times the screen's factor
    assert "this._gwSizes.map" in script  # collision boxes grow with the type: names never overlap


def test_every_figure_on_the_wall_is_clickable_and_named_in_its_legend():
    # the strip's figures and the side column's field-work cards (issue 16): each has units behind it
    from dashboard.components import care_wall, field_kpis, gate_wall, screening_wall  # noqa: F401 — their texts
    from dashboard.components.wall_screen import FIELD_LABELS, field_label

    assert {"locked_down", "situation", "cases_7d", "releases_overdue"} <= set(figures_with_units())
    assert set(FIELD_LABELS) <= set(figures_with_units())
    assert {"events_open", "events_overdue", "grids_not_patrolled", "gate_fevers", "care_overdue",
            "screening"} <= set(FIELD_LABELS)
    assert field_label("gate_fevers", "zh") == "卡点发热" and field_label("screening", "en") == "Screening rounds (open)"
    assert field_label("locked_down", "zh") == ""


def _marker_page() -> None:
    from dashboard import state
    from dashboard.components import wall_screen

    rotate = state.param("rotate")
    wall_screen.rotation_marker(int(rotate) if rotate else None)


def test_rotation_marker_only_with_a_valid_period():
    for raw, expected in (("60", 'data-gw-rotate="60"'), ("5", None), (None, None)):
        at = AppTest.from_function(_marker_page, default_timeout=30)
        if raw is not None:
            at.query_params["rotate"] = raw
        at.run()
        assert not at.exception
        shown = " ".join(str(getattr(e, "proto", "")) for e in at.main).replace('\\"', '"')
        assert (expected in shown) if expected else ("data-gw-rotate" not in shown), (raw, shown)


def test_rotation_cycles_the_three_views_in_the_browser_not_on_the_server():
    assert wall_screen.VIEWS == ("map", "alerts", "field")
    assert "setInterval(tick" in wall_screen.SCRIPT and "st.rerun" not in wall_screen.SCRIPT
    assert wall_screen.alerts_shown(False, "en") <= wall_screen.alerts_shown(False, "zh") \
        < wall_screen.alerts_shown(True, "zh") == wall_screen.ALERTS_ROTATING
    # at a desk the command centre acknowledges them: more, in a side column that scrolls
    assert wall_screen.alerts_shown(False, "zh", kiosk=False) > wall_screen.alerts_shown(False, "zh")
