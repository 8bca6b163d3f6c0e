"""The 无疫小区 flag layer: one point per compound, awarded and revoked styled apart, names escaped."""
from __future__ import annotations

import folium
import pandas as pd

from dashboard.mapview import flag_entries, flag_layer

EVIL = "<img src=x onerror=alert(1)>"


def test_flags_render_as_points_with_two_styles_and_escaped_names():
    flags = pd.DataFrame([
        {"compound_code": "K1", "compound_name": "幸福小区", "flag": "awarded", "lon": 114.30, "lat": 30.59},
        {"compound_code": "K2", "compound_name": EVIL, "flag": "revoked", "lon": 114.31, "lat": 30.60},
    ])
    m = folium.Map(tiles=None)
    flag_layer(flags, "zh").add_to(m)
    html = m.get_root().render()
    assert "<img src=x" not in html
    assert "#009E73" in html and "#D55E00" in html
    assert [e.label for e in flag_entries("zh")] == ["已授旗", "已取消授旗"]
    assert [e.label for e in flag_entries("en")] == ["Flag awarded", "Flag revoked"]
