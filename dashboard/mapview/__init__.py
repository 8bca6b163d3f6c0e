"""Map rendering for gridwatch: GeoDataFrames in, folium maps and layers out (no database, no Streamlit).

    m = base_map(units.total_bounds, tile_url=None, tile_attr="", dark=True, outline=streets)
    theme = situation_theme(units, scheme)
    unit_layer(units, theme).add_to(m)
    legend(theme.legend, theme.title).add_to(m)

A click on any feature comes back from streamlit-folium as
`st_folium(...)["last_active_drawing"]["properties"]["code"]`.
"""
from dashboard.mapview.geojson import lean_geometries, packed_points, packed_polygons, payload_size, unpack
from dashboard.mapview.render import (
    flag_entries,
    flag_layer,
    base_map,
    building_layer,
    checkpoint_layer,
    legend,
    legend_html,
    selection_layer,
    unit_layer,
)
from dashboard.mapview.themes import (
    DEFAULT_CONFIG,
    LegendEntry,
    PointStyles,
    UnitTheme,
    checkpoint_styles,
    checkpoints_theme,
    class_breaks,
    classify,
    control_state_styles,
    observations_theme,
    situation_theme,
    theme_config,
    unit_theme,
)

__all__ = [
    "flag_entries",
    "flag_layer",
    "DEFAULT_CONFIG",
    "LegendEntry",
    "PointStyles",
    "UnitTheme",
    "base_map",
    "building_layer",
    "checkpoint_layer",
    "checkpoint_styles",
    "checkpoints_theme",
    "class_breaks",
    "classify",
    "control_state_styles",
    "lean_geometries",
    "legend",
    "legend_html",
    "observations_theme",
    "packed_points",
    "packed_polygons",
    "payload_size",
    "selection_layer",
    "situation_theme",
    "theme_config",
    "unit_layer",
    "unit_theme",
    "unpack",
]
