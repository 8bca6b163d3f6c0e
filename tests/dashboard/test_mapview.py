"""dashboard.mapview: payload sizes, offline HTML, escaping, themes and legends on synthetic cities.

Sizes and encode times are printed (run with `pytest -s`); only sizes are asserted, never times.
The synthetic city is Voronoi cells over 0.4° × 0.4° (≈ 38 × 44 km near Shanghai) with a vertex every
~30 m and a few metres of wiggle, like digitised community outlines; 1,500 communities, 12,000 grids.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard import i18n
from dashboard.mapview import (
    LegendEntry,
    base_map,
    building_layer,
    checkpoint_layer,
    checkpoint_styles,
    checkpoints_theme,
    class_breaks,
    classify,
    control_state_styles,
    legend,
    legend_html,
    observations_theme,
    packed_polygons,
    payload_size,
    situation_theme,
    unit_layer,
    unpack,
)
from dashboard.mapview import geojson
from dashboard.mapview.geojson import fit_zoom, lean_geometries, script_safe, tolerance_for_zoom
from dashboard.mapview.themes import css_color, nice_ceil, staffing_class

URL = re.compile(r"""https?://[^\s"'<>)\\]+""")
EVIL = "<img src=x onerror=alert(1)>"
WEST, SOUTH, EAST, NORTH = 121.20, 31.00, 121.60, 31.40
SCHEME = [("S0", "未发现病例", "#009E73"), ("S1", "出现病例", "#E69F00"), ("S2", "社区传播", "#D55E00")]


# --- synthetic city ---------------------------------------------------------------------------------------


def voronoi_cells(n: int, seed: int = 0, vertex_every: float = 0.0003, wiggle: float = 0.00003) -> np.ndarray:
    rng = np.random.default_rng(seed)
    box = shapely.box(WEST, SOUTH, EAST, NORTH)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(WEST, EAST, n), rng.uniform(SOUTH, NORTH, n)]))
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box)), box)
    cells = shapely.segmentize(cells, vertex_every)

    def wobble(xy: np.ndarray) -> np.ndarray:
        # a function of position, so a vertex shared by two cells moves the same way in both
        phase = xy[:, 0] * 7.919e5 + xy[:, 1] * 1.04729e6
        return xy + wiggle * np.column_stack([np.sin(phase), np.cos(1.3 * phase)])

    return shapely.transform(cells, wobble)


def units_frame(n: int, level: int = 4, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    geoms = voronoi_cells(n, seed)
    n = len(geoms)
    sit = rng.choice(["S0", "S1", "S2"], n, p=[0.8, 0.15, 0.05])
    labels = {c: lab for c, lab, _ in SCHEME}
    colors = {c: col for c, _, col in SCHEME}
    frame = pd.DataFrame({
        "code": [f"310{level}{i:06d}" for i in range(n)],
        "name": [f"{'幸福社区' if level == 4 else '网格'}{i}" for i in range(n)],
        "level": level,
        "households": rng.integers(300, 4000, n),
        "population": rng.integers(800, 12000, n),
        "party_members": rng.integers(10, 300, n),
        "vulnerable": rng.integers(0, 200, n).astype(float),
        "buildings": rng.integers(5, 80, n),
        "obs_home": rng.negative_binomial(1, 0.1, n),
        "obs_central": rng.negative_binomial(1, 0.3, n),
        "obs_self": rng.negative_binomial(1, 0.6, n),
        "obs_temp": rng.negative_binomial(1, 0.8, n),
        "cases_confirmed": rng.poisson(0.5, n),
        "cases_7d": rng.poisson(0.3, n),
        "new_cases_today": rng.poisson(0.1, n),
        "sealed_buildings": rng.poisson(0.3, n),
        "releases_due_today": rng.poisson(2, n),
        "checkpoints": rng.integers(0, 6, n),
        "entrances_open": rng.integers(0, 4, n),
        "leader_name": [f"张{i % 97}" for i in range(n)],
        "leader_phone": [f"138{i:08d}" for i in range(n)],
        "leader_title": None,
        "situation_code": sit,
        "situation_label": [labels[c] for c in sit],
        "situation_color": [colors[c] for c in sit],
        "situation_reason": np.where(sit == "S0", None, "7日内出现本地确诊病例"),
        "report_missing": rng.random(n) < 0.03,
    })
    frame["checkpoints_understaffed"] = np.minimum(frame["checkpoints"], rng.integers(0, 3, n))
    frame.loc[frame.index[::50], "vulnerable"] = np.nan  # a missing figure must show as "—"
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)


def buildings_frame(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame({
        "code": [f"B{i:07d}" for i in range(n)],
        "name": [f"{i % 40 + 1}号楼" for i in range(n)],
        "control_state": rng.choice(["normal", "closed", "sealed", "epidemic_spot", "lifted"], n,
                                    p=[0.8, 0.08, 0.06, 0.02, 0.04]),
        "households": rng.integers(10, 200, n),
        "population": rng.integers(20, 600, n),
        "obs_total": rng.negative_binomial(1, 0.2, n),
        "cases": rng.poisson(0.1, n),
        "leader_name": "李四",
        "leader_phone": "13900000000",
        "address": [f"幸福路{i}号" for i in range(n)],
    }, geometry=gpd.points_from_xy(rng.uniform(WEST, EAST, n), rng.uniform(SOUTH, NORTH, n)), crs=4326)


def checkpoints_frame(n: int, seed: int = 2) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    status = rng.choice(["open", "closed"], n, p=[0.85, 0.15])
    staffing = np.where(status == "closed", "closed", rng.choice(["ok", "under", "unstaffed"], n))
    return gpd.GeoDataFrame({
        "code": [f"C{i:05d}" for i in range(n)],
        "name": [f"{i}号卡点" for i in range(n)],
        "kind": rng.choice(["compound_entrance", "community_checkpoint", "police_urban"], n),
        "status": status,
        "staffing": staffing,
        "staff_day": rng.integers(0, 4, n),
        "staff_night": rng.integers(0, 3, n),
    }, geometry=gpd.points_from_xy(rng.uniform(WEST, EAST, n), rng.uniform(SOUTH, NORTH, n)), crs=4326)


def outline_frame() -> gpd.GeoDataFrame:
    districts = voronoi_cells(8, seed=5, vertex_every=0.01, wiggle=0.0)
    streets = voronoi_cells(60, seed=6, vertex_every=0.01, wiggle=0.0)
    return gpd.GeoDataFrame({
        "name": [f"第{i}区" for i in range(len(districts))] + [f"第{i}街道" for i in range(len(streets))],
        "level": [2] * len(districts) + [3] * len(streets),
    }, geometry=np.concatenate([districts, streets]), crs=4326)


@pytest.fixture(scope="module")
def communities() -> gpd.GeoDataFrame:
    return units_frame(1500)


@pytest.fixture
def local_assets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaflet from this app, not a CDN (the infra engineer's offline_assets when present)."""
    monkeypatch.setattr(folium.Map, "default_js", folium.Map.default_js)
    monkeypatch.setattr(folium.Map, "default_css", folium.Map.default_css)
    try:
        from dashboard.offline_assets import use_local_assets
    except ImportError:
        folium.Map.default_js = [("leaflet", "/app/static/vendor/leaflet/leaflet.js")]
        folium.Map.default_css = [("leaflet_css", "/app/static/vendor/leaflet/leaflet.css")]
    else:
        use_local_assets()


def layer_payload(group: folium.FeatureGroup) -> str:
    """The data text of the (single) GeoJSON layer inside a mapview FeatureGroup."""
    (layer,) = [c for c in group._children.values() if c._name == "GwLayer"]
    return layer.data


def render(m: folium.Map) -> str:
    return m.get_root().render()


# --- payload sizes ----------------------------------------------------------------------------------------


def _measure(label: str, fn):
    start = time.perf_counter()
    group = fn()
    seconds = time.perf_counter() - start
    size = payload_size(layer_payload(group))
    print(f"\n[mapview] {label}: {size / 1e6:.3f} MB payload, built in {seconds * 1000:.0f} ms")
    return group, size


def test_1500_communities_stay_well_under_one_megabyte(communities):
    raw = len(communities.to_json().encode())
    _, size = _measure("1,500 communities", lambda: unit_layer(communities, situation_theme(communities, SCHEME)))
    print(f"[mapview] same frame as GeoDataFrame.to_json(): {raw / 1e6:.2f} MB")
    assert size < 600_000
    assert size * 10 < raw


def test_12000_grids_go_through_the_same_code_path():
    grids = units_frame(12_000, level=5, seed=3)
    theme = situation_theme(grids, SCHEME)
    _, full = _measure("12,000 grids, figures, level tolerance", lambda: unit_layer(grids, theme))
    _, city = _measure("12,000 grids, figures, simplified for zoom 11", lambda: unit_layer(grids, theme, zoom=11))
    _, lean = _measure("12,000 grids, names only, zoom 11",
                       lambda: unit_layer(grids, theme, zoom=11, figures=False))
    assert lean < city <= full
    assert lean < 2_000_000  # the wall-map payload goal (engineering-facts 0.2)


def test_5000_buildings_are_small_points():
    _, size = _measure("5,000 buildings", lambda: building_layer(buildings_frame(5000)))
    _, csize = _measure("1,000 checkpoints", lambda: checkpoint_layer(checkpoints_frame(1000)))
    assert size < 800_000
    assert csize < 100_000


def test_packed_polygons_round_trip_to_the_rounded_geometry():
    square_with_hole = shapely.Polygon(
        [(121.3, 31.1), (121.31, 31.1), (121.31, 31.11), (121.3, 31.11)],
        [[(121.302, 31.102), (121.304, 31.102), (121.304, 31.104), (121.302, 31.104)]],
    )
    two_parts = shapely.MultiPolygon([shapely.box(121.4, 31.2, 121.401, 31.201),
                                      shapely.box(121.5, 31.3, 121.5012345, 31.3012345)])
    text = packed_polygons(np.array([square_with_hole, two_parts, None], dtype=object),
                           [{"code": "a"}, {"code": "b"}, {"code": "missing"}])
    fc = unpack(text)
    assert [f["properties"]["code"] for f in fc["features"]] == ["a", "b"]  # no geometry, no feature
    back = [shapely.geometry.shape(f["geometry"]) for f in fc["features"]]
    assert back[0].equals(square_with_hole)
    assert len(back[0].interiors) == 1
    assert back[1].geom_type == "MultiPolygon"
    assert shapely.hausdorff_distance(back[1], two_parts) <= 0.5e-5 * 2**0.5 + 1e-12  # half a unit per axis
    # coordinates are printed as short integers, never as 31.220580000000002
    assert not re.search(r"\d\.\d{6,}", text)


def test_fit_zoom_is_where_the_bounds_fill_the_map():
    # 256 px show the whole world at zoom 0; each zoom level halves the span
    assert fit_zoom((0, -0.01, 360 / 2**10, 0.01), 256, 256) == pytest.approx(10)
    assert fit_zoom((0, -0.01, 360 / 2**10, 0.01), 512, 256) == pytest.approx(11)
    # a tall box: the height decides (web-mercator y), and a wider screen changes nothing
    tall = (114.30, 30.50, 114.301, 30.70)
    assert fit_zoom(tall, 1920, 800) == fit_zoom(tall, 4000, 800) < fit_zoom(tall, 1920, 1600)


def test_a_units_outline_on_a_map_of_one_street_follows_it_to_half_a_pixel():
    """A district's outline is simplified by ~50 m for a city map; on a map of one street that is several
    pixels, and the outline visibly missed the units' edges. Now: half a pixel at the zoom the map opens at."""
    district = shapely.Polygon([(114.30, 30.50), (114.33, 30.50), (114.33, 30.52), (114.3152, 30.5201),
                                (114.30, 30.52)])  # a 10 m kink on the north edge
    outline = gpd.GeoDataFrame({"name": ["某区"], "level": [2]}, geometry=[district], crs=4326)

    def drawn(bounds) -> shapely.Geometry:
        m = base_map(bounds, tile_url=None, tile_attr="", dark=True, outline=outline)
        (layer,) = [c for c in m._children.values() if c._name == "GwLayer"]
        return shapely.geometry.shape(unpack(layer.data)["features"][0]["geometry"])

    street_view = district.bounds
    half_pixel = tolerance_for_zoom(fit_zoom(street_view), 30.51)
    assert shapely.hausdorff_distance(drawn(street_view), district) <= half_pixel + 1e-5
    city_view = (114.0, 30.2, 114.6, 30.8)  # the same district on a map of the whole city: simplified
    assert shapely.get_num_coordinates(drawn(city_view)) < shapely.get_num_coordinates(district)


def test_a_unit_layer_for_a_frame_is_simplified_for_that_frame(communities):
    """The wall passes the frame it opens on: half a pixel there, not the level's fixed tolerance."""
    units = communities.head(200)
    wide = (units.total_bounds[0] - 1, units.total_bounds[1] - 1, units.total_bounds[2] + 1,
            units.total_bounds[3] + 1)
    coarse = unpack(layer_payload(maps_units_group(units, (wide, 1920, 1080))))
    fine = unpack(layer_payload(maps_units_group(units, (units.total_bounds, 1920, 1080))))
    count = lambda fc: sum(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"]))  # noqa: E731
                           for f in fc["features"])
    assert count(coarse) < count(fine)


def maps_units_group(units: gpd.GeoDataFrame, frame) -> folium.FeatureGroup:
    from dashboard.components.maps import units_group

    return units_group(units, "situation", lang="zh", dark=True, frame=frame)


def test_simplification_keeps_every_polygon_valid_and_non_empty(communities):
    lean = lean_geometries(communities.geometry, 0.0005)
    assert shapely.is_valid(lean).all()
    assert not shapely.is_empty(lean).any()
    assert shapely.get_num_coordinates(lean).sum() < shapely.get_num_coordinates(communities.geometry.values).sum() / 5


def test_clicked_feature_reports_its_code(communities):
    """streamlit-folium answers a click with last_active_drawing = the feature's GeoJSON: code must be there."""
    fc = unpack(layer_payload(unit_layer(communities.head(20), "situation")))
    props = [f["properties"] for f in fc["features"]]
    assert [p["code"] for p in props] == communities["code"].head(20).tolist()
    assert all(p["level"] == 4 for p in props)
    bfc = unpack(layer_payload(building_layer(buildings_frame(5))))
    assert [f["properties"]["code"] for f in bfc["features"]] == [f"B{i:07d}" for i in range(5)]
    # a click on a building opens its card, on a checkpoint its card; neither is taken for the other or a unit
    assert all(f["properties"]["b"] == 1 and "c" not in f["properties"] for f in bfc["features"])
    cfc = unpack(layer_payload(checkpoint_layer(checkpoints_frame(5))))
    assert len(cfc["features"]) == 5 and not any("b" in f["properties"] for f in cfc["features"])
    assert all(f["properties"]["c"] == 1 for f in cfc["features"])
    assert not any("b" in p or "c" in p for p in props)


def test_the_selected_building_is_ringed_without_catching_clicks():
    from dashboard.mapview import selection_layer

    picked = buildings_frame(5).iloc[[2]]
    group = selection_layer(picked)
    fc = unpack(layer_payload(group))
    assert [f["properties"]["code"] for f in fc["features"]] == [picked["code"].iloc[0]]
    assert shapely.geometry.shape(fc["features"][0]["geometry"]).distance(picked.geometry.iloc[0]) < 1e-5
    (layer,) = [c for c in group._children.values() if c._name == "GwLayer"]
    assert json.loads(layer.opts)["interactive"] is False


def test_projected_frames_are_refused(communities):
    with pytest.raises(ValueError, match="EPSG:4326"):
        unit_layer(communities.head(3).to_crs(3857), "situation")


@pytest.mark.parametrize("crs, ok", [(4326, True), ("EPSG:4326", True), ("+proj=longlat +datum=WGS84 +no_defs", True),
                                     (3857, False), (4490, False), ("EPSG:32650", False)])
def test_the_crs_check_answers_by_the_crs_and_looks_each_one_up_once(crs, ok):
    """Layers are checked on every map run: pyproj's lookup (34 ms at the city) is done once per CRS text."""
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(114.3, 30.6)], crs=4326).to_crs(crs)
    geojson._is_wgs84.cache_clear()
    for _ in range(3):
        if ok:
            geojson.check_wgs84(frame)
        else:
            with pytest.raises(ValueError, match="EPSG:4326"):
                geojson.check_wgs84(frame)
    info = geojson._is_wgs84.cache_info()
    assert (info.misses, info.hits) == (1, 2)


# --- offline, tiles ---------------------------------------------------------------------------------------


def _full_map(units: gpd.GeoDataFrame, *, tile_url: str | None) -> folium.Map:
    m = base_map(units.total_bounds, tile_url=tile_url, tile_attr="内网底图", dark=tile_url is None,
                 outline=outline_frame(), locate=True)
    theme = situation_theme(units, SCHEME)
    unit_layer(units, theme).add_to(m)
    building_layer(buildings_frame(50)).add_to(m)
    checkpoint_layer(checkpoints_frame(20)).add_to(m)
    legend(theme.legend, theme.title).add_to(m)
    return m


def test_map_without_tiles_links_nothing_outside(local_assets, communities):
    html = render(_full_map(communities.head(200), tile_url=None))
    assert URL.findall(html) == []
    # "locate me" is drawn by the runtime (GW.Locate), not folium's LocateControl with its CDN scripts and icon font
    assert html.count("GW.locate(") == 1 and "定位我的位置 · Locate me" in html
    assert "locatecontrol" not in html.lower() and "font-awesome" not in html.lower()
    assert "L.tileLayer" not in html
    assert '"preferCanvas": true' in html
    assert "L.control.scale()" not in html  # folium's scale bar shows feet and miles; GW.chrome's is metric only


def test_the_scale_bar_is_metric_only():
    runtime = (Path(__file__).resolve().parents[2] / "dashboard" / "mapview" / "runtime.js").read_text()
    assert "L.control.scale({ imperial: false, metric: true })" in runtime
    assert base_map((114.0, 30.0, 114.1, 30.1), tile_url=None, tile_attr="x", dark=True).control_scale is False


def test_tile_layer_present_exactly_when_a_tile_url_is_set(local_assets, communities):
    tile_url = "/tiles/{z}/{x}/{y}.png"
    with_tiles = render(_full_map(communities.head(50), tile_url=tile_url))
    assert with_tiles.count("L.tileLayer(") == 1
    assert json.dumps(tile_url) in with_tiles
    assert json.dumps("内网底图") in with_tiles  # the attribution, as folium escapes it
    assert "L.tileLayer(" not in render(_full_map(communities.head(50), tile_url=None))


def test_outline_labels_only_without_tiles(communities):
    def labels(tile_url):
        m = base_map(communities.total_bounds, tile_url=tile_url, tile_attr="x", dark=True, outline=outline_frame())
        return [c for c in m._children.values() if c._name == "GwLabels"]

    assert len(labels(None)) == 1
    assert labels("/tiles/{z}/{x}/{y}.png") == []


# --- escaping ---------------------------------------------------------------------------------------------


def test_names_from_data_are_shown_as_text_never_as_html(local_assets, communities):
    units = communities.head(30).copy()
    units.loc[units.index[0], "name"] = EVIL
    units.loc[units.index[1], "leader_name"] = EVIL
    units.loc[units.index[2], "situation_reason"] = "</script><script>alert(2)</script>"
    scheme = [("S0", EVIL, "#009E73"), ("S1", "出现病例", "red;background:url(x)"), ("S2", "社区传播", "#D55E00")]
    buildings = buildings_frame(5)
    buildings.loc[0, "name"] = EVIL
    buildings.loc[1, "address"] = EVIL
    checkpoints = checkpoints_frame(3)
    checkpoints.loc[0, "name"] = EVIL
    outline = outline_frame()
    outline.loc[0, "name"] = EVIL

    m = base_map(units.total_bounds, tile_url=None, tile_attr="", dark=True, outline=outline)
    theme = situation_theme(units, scheme)
    unit_layer(units, theme).add_to(m)
    building_layer(buildings).add_to(m)
    checkpoint_layer(checkpoints).add_to(m)
    legend(theme.legend, theme.title, note=EVIL).add_to(m)
    html = render(m)

    assert "<img src=x" not in html
    assert "</script><script>alert(2)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the legend: escaped HTML
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html  # the data: a JSON string, shown via textContent
    assert "url(x)" not in html  # a "colour" that is not a colour never reaches a style attribute


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "{% if", "{{ cycler.__init__.__globals__.os.system('touch {flag}') }}"])
def test_template_syntax_in_names_is_text_never_run_on_the_server(local_assets, communities, tmp_path, name):
    """branca compiled every rendered script as a Jinja template: a name with ``{{ … }}`` ran on the server as the
    map was drawn (the third reaches `os.system`), one with ``{%`` crashed every map showing it. The steps are
    st_folium's: render the figure, then the map's and each feature group's script."""
    from streamlit_folium import _get_feature_group_string, _get_map_string

    flag = tmp_path / "ran"
    name = name.replace("{flag}", str(flag))
    units = communities.head(5).copy()
    units.loc[units.index[0], "name"] = name
    outline = outline_frame()
    outline.loc[0, "name"] = name  # labels drawn on the base map itself
    m = base_map(units.total_bounds, tile_url=None, tile_attr="", dark=True, outline=outline)
    fg = unit_layer(units, "situation")
    html = m.get_root().render()
    scripts = _get_map_string(m) + _get_feature_group_string(fg, m)
    assert not flag.exists()
    as_json = script_safe(json.dumps(name, ensure_ascii=False))[1:-1]  # the name as the data carries it
    assert as_json in html and as_json in scripts


def test_script_safe_keeps_json_values():
    text = json.dumps({"n": "</script><!--" + EVIL + "\u2028"}, ensure_ascii=False)
    safe = script_safe(text)
    assert "<" not in safe and ">" not in safe and "\u2028" not in safe
    assert json.loads(safe) == json.loads(text)


def test_css_color_accepts_colours_only():
    assert css_color("#D55E00") == "#D55E00"
    assert css_color("red") == "red"
    assert css_color("rgb(1, 2, 3)") == "rgb(1, 2, 3)"
    for bad in ("red;background:url(x)", "expression(alert(1))", "#12345g", None, float("nan"), ""):
        assert css_color(bad, "#999") == "#999"


# --- themes -----------------------------------------------------------------------------------------------


DISTRIBUTIONS = {
    "skewed counts": np.random.default_rng(0).negative_binomial(1, 0.05, 2000),
    "mostly zero": np.r_[np.zeros(990), np.arange(1, 11)],
    "all zero": np.zeros(50),
    "one value": np.full(30, 7),
    "few distinct": np.array([0, 1, 1, 2, 2, 2, 3, 50]),
    "floats": np.random.default_rng(1).gamma(0.8, 0.37, 500),
    "with missing": np.r_[np.arange(100.0), [np.nan] * 5],
    "huge": np.random.default_rng(2).integers(0, 2_000_000, 300),
}


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_class_breaks_zero_class_monotone_and_cover_every_value(name):
    values = DISTRIBUTIONS[name].astype(float)
    breaks = class_breaks(values, 5)
    assert breaks[0] == 0
    assert all(a < b for a, b in zip(breaks, breaks[1:]))
    assert len(breaks) <= 6
    finite = values[~np.isnan(values)]
    if (finite > 0).any():
        assert breaks[-1] == finite.max()
    classes = classify(values, breaks)
    assert ((classes >= 0) == ~np.isnan(values)).all()
    for v, k in zip(values, classes):
        if np.isnan(v):
            continue
        # exactly one class: (breaks[k-1], breaks[k]], class 0 = zero
        inside = [i for i in range(len(breaks)) if (v <= 0 if i == 0 else breaks[i - 1] < v <= breaks[i])]
        assert inside == [k]


def test_class_breaks_are_round_numbers():
    breaks = class_breaks(np.random.default_rng(3).negative_binomial(1, 0.01, 5000), 5)
    for b in breaks[1:-1]:
        assert b == nice_ceil(b)
        assert float(b).is_integer()


def test_observations_theme_legend_matches_its_classes(communities):
    theme = observations_theme(communities, dark=True)
    totals = communities[["obs_home", "obs_central", "obs_self", "obs_temp"]].sum(axis=1).to_numpy()
    assert theme.breaks[0] == 0 and theme.breaks[-1] == totals.max()
    entries = [e for e in theme.legend if e.shape == "area"]
    assert entries[0].label == "0"
    assert len(entries) == len(theme.breaks) == len(set(e.color for e in entries))
    assert sum(e.count for e in entries) == len(communities)
    assert theme.legend[-1].label == i18n.t("report_missing") and theme.legend[-1].shape == "dashed"
    assert theme.title == "医学观察人数"
    assert len(theme.classes) == len(communities) and theme.classes.max() < len(theme.styles)
    light = observations_theme(communities, dark=False)
    assert [s["fillColor"] for s in light.styles] != [s["fillColor"] for s in theme.styles]


def test_observations_theme_on_a_chosen_column_with_gaps():
    units = units_frame(40, seed=9)
    theme = observations_theme(units, column="vulnerable", lang="en")
    assert theme.title == "Vulnerable"
    assert theme.legend[-2].label == "No data"  # before the report-missing entry
    assert theme.legend[-2].count == units["vulnerable"].isna().sum()


def test_situation_theme_uses_the_configured_scheme(communities):
    theme = situation_theme(communities, SCHEME)
    assert [e.label for e in theme.legend[:3]] == ["未发现病例", "出现病例", "社区传播"]
    assert [e.color for e in theme.legend[:3]] == ["#009E73", "#E69F00", "#D55E00"]
    assert sum(e.count for e in theme.legend[:3]) == len(communities)
    fills = {s["fillColor"] for s in theme.styles}
    assert fills == {"#009E73", "#E69F00", "#D55E00"}
    derived = situation_theme(communities.drop(columns=["situation_color"]), lang="en")
    assert [e.label for e in derived.legend[:3]] == ["未发现病例", "出现病例", "社区传播"]  # the frame's labels


def test_checkpoints_theme_classes():
    cp = np.array([0, 3, 3, 3, 2, np.nan])
    under = np.array([0, 0, 1, 3, 5, 0])
    assert staffing_class(cp, under).tolist() == [3, 0, 1, 2, 2, -1]
    units = units_frame(30, seed=4)
    theme = checkpoints_theme(units, lang="en")
    assert [e.label for e in theme.legend[:4]] == ["All staffed", "Some under-staffed", "All under-staffed",
                                                   "No checkpoints"]


def test_point_styles_cover_every_control_state_and_staffing():
    from geodata.base.vocab import CONTROL_STATES

    buildings = control_state_styles()
    assert set(buildings.codes) == set(CONTROL_STATES)
    assert len({s["fillColor"] for s in buildings.styles}) == len(CONTROL_STATES)
    assert buildings.index(["sealed", None, "nonsense"]).tolist() == [buildings.codes.index("sealed"), 5, 5]
    checkpoints = checkpoint_styles(lang="en")
    assert [e.label for e in checkpoints.legend] == ["Staffed", "Under-staffed", "Unstaffed", "Closed"]
    assert checkpoints.legend[-1].shape == "hollow_diamond"


def test_config_overrides_reach_the_styles(communities):
    theme = situation_theme(communities.head(10), SCHEME, config={"unit": {"weight": 7}})
    assert {s["weight"] for s in theme.styles} == {7}
    styles = control_state_styles(config={"buildings": {"colors": {"sealed": "#123456"}}})
    assert styles.styles[styles.codes.index("sealed")]["fillColor"] == "#123456"


# --- legend, i18n -----------------------------------------------------------------------------------------


def test_legend_lists_title_entries_counts_and_note():
    entries = [LegendEntry("未发现病例", "#009E73", 1189), LegendEntry("社区传播", "#D55E00", 91), ("无数据", "#777")]
    html = legend_html(entries, "疫情形势", note="数据截至 08:00")
    assert html.index("疫情形势") < html.index("未发现病例") < html.index("社区传播") < html.index("无数据")
    assert "1,189" in html and "background:#D55E00" in html and "数据截至 08:00" in html
    for dark in (True, False):
        element = legend(entries, "疫情形势", dark=dark)
        rendered = element._template.module.script(element)
        assert ("gw-dark" if dark else "gw-light") in rendered
        assert "bottomleft" in rendered


def test_every_message_has_chinese_and_english():
    for key, pair in i18n.MESSAGES.items():
        assert len(pair) == 2 and all(pair), key
    assert i18n.t("households") == "户数"
    assert i18n.t("households", "en") == "Households"
    assert i18n.t("situation.S2") == "社区传播"
    assert i18n.t("legend.range", lo="1", hi="5") == "1–5"
    assert i18n.t("no.such.key") == "no.such.key"


def test_i18n_extend_refuses_to_change_a_meaning():
    i18n.extend({"households": ("户数", "Households")})  # same text: fine
    with pytest.raises(ValueError):
        i18n.extend({"households": ("户口", "Households")})
    with pytest.raises(ValueError):
        i18n.extend({"only_one": ("一",)})
