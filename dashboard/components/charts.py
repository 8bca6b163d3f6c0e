"""Trend charts as plain Vega-Lite specs.

Why not `st.line_chart`: it builds an Altair chart and validates it against the Vega-Lite JSON schema on every
run — half of a /reports page run at the 16:00 rush (py-spy, bench/rush.py). A spec written as a dict costs a
few milliseconds, and it lets the date axis read the same in Chinese and English (月-日, no English month names).
"""
from __future__ import annotations

from typing import Any, Literal

import pandas as pd

#: dates as month-day: short enough to read at a glance, the same in every language
DATE_FORMAT = "%m-%d"
#: the day in a tooltip: in full and as digits (Vega-Lite's default tooltip writes "Dec 5, 2026", field "day")
TOOLTIP_DATE_FORMAT = "%Y-%m-%d"
SERIES_FIELD = "系列"
TOOLTIP_TITLES = {"zh": ("日期", "数值"), "en": ("Day", "Value")}


def _values(frame: pd.Series | pd.DataFrame) -> tuple[list[dict[str, Any]], int]:
    """(day, series, value) records from a series or a wide frame indexed by day, series by series, and the
    number of days. Plain lists, not a pandas melt: a /reports run draws four charts, and melting them was a
    fifth of the run at the 16:00 rush (bench/rush.py)."""
    wide = frame.to_frame() if isinstance(frame, pd.Series) else frame
    names = _unique([str(c) for c in wide.columns])  # two units may share a name
    days = pd.to_datetime(pd.Index(wide.index)).strftime("%Y-%m-%d").tolist()
    numbers = wide.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float).T if len(wide.columns) else []
    values = [{"day": d, SERIES_FIELD: name, "value": None if v != v else float(v)}  # NaN != NaN: a gap
              for name, column in zip(names, numbers) for d, v in zip(days, column)]
    return values, len(set(days))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def trend_spec(frame: pd.Series | pd.DataFrame, *, kind: Literal["line", "bar"] = "line",
               height: int = 220, lang: str = "zh") -> dict[str, Any]:
    """A Vega-Lite spec of one or several daily series; several are told apart by colour with a legend."""
    values, n_days = _values(frame)
    several = isinstance(frame, pd.DataFrame) and frame.shape[1] > 1
    mark: dict[str, Any] = {"type": kind}
    if kind == "line":
        mark["point"] = n_days <= 31
    encoding: dict[str, Any] = {
        "x": {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": None,
              "axis": {"format": DATE_FORMAT, "labelAngle": 0, "labelOverlap": True}},
        "y": {"field": "value", "type": "quantitative", "title": None, "axis": {"tickMinStep": 1}},
    }
    day_title, value_title = TOOLTIP_TITLES.get(lang, TOOLTIP_TITLES["zh"])
    encoding["tooltip"] = [
        {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "format": TOOLTIP_DATE_FORMAT,
         "title": day_title},
        *([{"field": SERIES_FIELD, "type": "nominal"}] if several else []),
        {"field": "value", "type": "quantitative", "title": value_title},
    ]
    if several:
        encoding["color"] = {"field": SERIES_FIELD, "type": "nominal", "title": None,
                             "legend": {"orient": "bottom"}}
    return {"data": {"values": values}, "mark": mark, "encoding": encoding, "height": height}


def trend_chart(container: Any, frame: pd.Series | pd.DataFrame, *, kind: Literal["line", "bar"] = "line",
                height: int = 220, lang: str = "zh") -> None:
    container.vega_lite_chart(spec=trend_spec(frame, kind=kind, height=height, lang=lang), width="stretch")
