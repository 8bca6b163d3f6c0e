"""Trend charts are plain Vega-Lite specs (no Altair validation on every run: half of a /reports run)."""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pandas as pd

from dashboard.components.charts import DATE_FORMAT, SERIES_FIELD, trend_spec

DAYS = [dt.date(2026, 12, 1), dt.date(2026, 12, 2), dt.date(2026, 12, 3)]


def test_one_series_is_one_line_with_month_day_dates():
    spec = trend_spec(pd.Series([1, 2, 5], index=DAYS, name="observations"))
    assert [v["value"] for v in spec["data"]["values"]] == [1.0, 2.0, 5.0]
    assert [v["day"] for v in spec["data"]["values"]] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert spec["encoding"]["x"]["axis"]["format"] == DATE_FORMAT
    assert "color" not in spec["encoding"]


def test_tooltips_write_the_day_as_digits_under_a_title_in_the_page_language():
    # issue 16: Vega-Lite's default tooltip said "day  Dec 1, 2026" on a Chinese page
    for lang, titles in (("zh", ["日期", "数值"]), ("en", ["Day", "Value"])):
        spec = trend_spec(pd.Series([1, 2, 5], index=DAYS), lang=lang)
        tips = spec["encoding"]["tooltip"]
        assert [tip["title"] for tip in tips] == titles
        assert tips[0]["format"] == "%Y-%m-%d" and spec["mark"].get("tooltip") is not True


def test_several_series_are_coloured_and_two_units_of_one_name_stay_apart():
    wide = pd.DataFrame([[1, 2], [3, 4], [5, None]], columns=["第一网格", "第一网格"], index=DAYS)
    spec = trend_spec(wide, kind="bar")
    names = {v[SERIES_FIELD] for v in spec["data"]["values"]}
    assert names == {"第一网格", "第一网格 (2)"}
    assert spec["encoding"]["color"]["field"] == SERIES_FIELD
    assert spec["mark"]["type"] == "bar"
    assert [v["value"] for v in spec["data"]["values"] if v[SERIES_FIELD] == "第一网格 (2)"] == [2.0, 4.0, None]


def test_no_page_draws_trends_through_altair():
    """st.line_chart/bar_chart validate an Altair chart on every run; pages use trend_chart instead."""
    calls = []
    for path in Path(__file__).resolve().parents[2].joinpath("dashboard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"line_chart", "bar_chart", "area_chart",
                                                                 "altair_chart"}:
                calls.append(f"{path.name}:{node.lineno}")
    assert calls == []
