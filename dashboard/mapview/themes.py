"""Map themes: how a frame's figures become colours, shapes and legend entries.

A *unit theme* colours community/grid polygons by one question (situation level, people under observation,
checkpoint staffing). A *point style* draws buildings (by control state) and checkpoints (by status and
staffing). All colours, sizes and class counts come from one configuration dict (`DEFAULT_CONFIG`, overridden
per call with `theme_config(...)`), so a city can change its palette without touching code.

Colour choice: the wall is watched all day by many people, some colour-blind (≈ 8 % of men), from three
metres. Categorical colours are Okabe-Ito (Okabe & Ito 2008, "Color Universal Design"); graduated colours are
viridis (dark wall: high values brightest, so the eye lands on them) or ColorBrewer YlOrRd (light tile base
map). Where it matters a second channel (outline, size, hollow/filled) carries the same information.
"""
from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.i18n import t
from geodata.base.vocab import CONTROL_STATES, label

# Okabe-Ito categorical palette
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

OBSERVATION_COLUMNS = ("obs_home", "obs_central", "obs_self", "obs_temp")

DEFAULT_CONFIG: dict = {
    # Leaflet path options shared by every unit polygon; a theme sets fillColor per class. Thin, half-opaque
    # edges: at city zoom 1,500 bright outlines would drown the colours they separate
    "unit": {"stroke": True, "color": "#dfe7ef", "weight": 1, "opacity": 0.55},
    # over a flat dark background nothing shows through, so colours go near full strength; over tiles the
    # streets must stay readable through the fill
    "fill_opacity": {"dark": 0.85, "light": 0.55},
    # on hover: a thick outline in the colour furthest from the background
    "highlight": {"dark": {"color": "#ffffff", "weight": 4, "opacity": 1.0, "fillOpacity": 0.95},
                  "light": {"color": "#000000", "weight": 4, "opacity": 1.0, "fillOpacity": 0.75}},
    # a unit whose daily report is missing keeps its fill but gets a dashed, thicker outline
    "report_missing": {"dark": {"color": "#ffffff", "weight": 3, "dashArray": "8 6", "opacity": 1.0},
                       "light": {"color": "#000000", "weight": 3, "dashArray": "8 6", "opacity": 1.0}},
    "no_data_color": "#6b7785",
    "situation": {
        # used only when the frame has no situation_color (the configured scheme normally brings colours)
        "colors": {"S0": OKABE_ITO["bluish_green"], "S1": OKABE_ITO["orange"], "S2": OKABE_ITO["vermillion"]},
    },
    "observations": {
        "classes": 5,  # classes above zero
        "palette": {
            # viridis, 5 steps from 0.2 to 1.0: the darkest step would vanish on the dark wall
            "dark": ["#414487", "#2a788e", "#22a884", "#7ad151", "#fde725"],
            # ColorBrewer YlOrRd 5
            "light": ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
        },
        # zero is its own class: "nobody under observation" must never look like "a few"
        "zero": {"dark": {"fillColor": "#1c2633", "fillOpacity": 0.35},
                 "light": {"fillColor": "#f7f7f7", "fillOpacity": 0.3}},
    },
    "checkpoints": {
        "colors": {
            "staffed": OKABE_ITO["sky_blue"],
            "some_under": OKABE_ITO["orange"],
            "all_under": OKABE_ITO["vermillion"],
            "none": OKABE_ITO["grey"],
        },
    },
    "buildings": {
        # severity order normal < lifted < closed < sealed < epidemic spot; yellow/orange/vermillion differ in
        # lightness too, so they stay apart for deuteranopes. Lifted is near-white, not green: green is the
        # usual fill of an S0 unit, and a marker must never take the colour of the ground it stands on
        "colors": {
            "normal": OKABE_ITO["sky_blue"],
            "lifted": "#F5F5F5",
            "closed": OKABE_ITO["yellow"],
            "sealed": OKABE_ITO["orange"],
            "epidemic_spot": OKABE_ITO["vermillion"],
        },
        "outline": {"color": "#10161f", "weight": 2},
        # the two most severe states get a second channel: a white ring, thicker for an epidemic spot
        "ring": {"sealed": {"color": "#ffffff", "weight": 2.5}, "epidemic_spot": {"color": "#ffffff", "weight": 4}},
        "fill_opacity": 0.95,
        # radius in px grows with the square root of people under observation (area ∝ count)
        "radius": {"min": 6, "max": 18, "full_at": 50},
        "order": ["normal", "lifted", "closed", "sealed", "epidemic_spot"],
    },
    "checkpoint_markers": {
        "colors": {
            "ok": OKABE_ITO["sky_blue"],
            "under": OKABE_ITO["orange"],
            "unstaffed": OKABE_ITO["vermillion"],
            "closed": OKABE_ITO["grey"],
        },
        "radius": 10,  # half-diagonal of the diamond, px
        "outline": {"color": "#10161f", "weight": 2},
        # a closed checkpoint is drawn hollow: shape carries status even where colour is not seen
        "closed_outline_weight": 4,
        "order": ["ok", "under", "unstaffed", "closed"],
    },
    # map background when there are no tiles, and the district/street outline drawn for orientation
    "background": {"dark": "#0b1320", "light": "#eef1f4"},
    "outline": {
        # index 0: district and above, 1: street and below
        "dark": [{"color": "#b4c6d9", "weight": 3, "opacity": 0.9, "fill": False},
                 {"color": "#7f93a8", "weight": 1.5, "opacity": 0.8, "fill": False, "dashArray": "6 4"}],
        "light": [{"color": "#3c4a5a", "weight": 3, "opacity": 0.8, "fill": False},
                  {"color": "#6b7b8c", "weight": 1.5, "opacity": 0.7, "fill": False, "dashArray": "6 4"}],
    },
    # names of units appear once zoomed in far enough to have room for them
    "label_min_zoom": {1: 0, 2: 9, 3: 11, 4: 13, 5: 15, 6: 16},
    # tolerance for simplification by unit level, degrees (≈ half a pixel at the zoom the level is shown)
    "simplify_tolerance": {1: 0.001, 2: 0.0005, 3: 0.0002, 4: 0.0001, 5: 0.00004, 6: 0.00002},
}


def theme_config(overrides: Mapping | None = None) -> dict:
    """`DEFAULT_CONFIG` with `overrides` merged in (nested dicts merge key by key; other values replace)."""
    merged = copy.deepcopy(DEFAULT_CONFIG)
    if overrides:
        _merge(merged, overrides)
    return merged


def _merge(base: dict, overrides: Mapping) -> None:
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


@dataclass(frozen=True)
class LegendEntry:
    label: str
    color: str
    count: int | None = None
    #: "area" (filled square), "circle", "ring" (circle with white ring), "diamond", "hollow_diamond", "dashed"
    shape: str = "area"


@dataclass(frozen=True)
class UnitTheme:
    """A theme applied to a units frame: for each row the index of its style in `styles`."""

    name: str
    title: str
    classes: np.ndarray  # int, one per row of the frame the theme was computed for
    styles: tuple[dict, ...]  # Leaflet path options per class
    legend: tuple[LegendEntry, ...]
    breaks: tuple[float, ...] | None = None  # observations: upper bounds, breaks[0] == 0
    config: dict = field(default_factory=theme_config, repr=False)
    dark: bool = True  # drawn over the dark background (True) or over light tiles

    @property
    def highlight(self) -> dict:
        return self.config["highlight"]["dark" if self.dark else "light"]

    @property
    def report_missing(self) -> dict:
        return self.config["report_missing"]["dark" if self.dark else "light"]


# --- situation ------------------------------------------------------------------------------------------


def situation_theme(
    units: pd.DataFrame,
    scheme: Sequence[tuple[str, str, str]] | None = None,
    *,
    dark: bool = True,
    lang: str = "zh",
    config: Mapping | None = None,
) -> UnitTheme:
    """Colour each unit by its situation level (column situation_color, else the configured default colours).

    `scheme` is the configured list of (code, label, color) in display order; without it the legend is built
    from the codes present in the frame.
    """
    cfg = theme_config(config)
    n = len(units)
    codes = _text_column(units, "situation_code", n)
    colors = [css_color(c, "") for c in _text_column(units, "situation_color", n)]
    default_colors = cfg["situation"]["colors"]
    if scheme is not None:
        scheme = [(str(c), "" if _missing(lab) else str(lab), css_color(col)) for c, lab, col in scheme]
    scheme_colors = {c: col for c, _, col in scheme or ()}
    for i in range(n):
        if not colors[i] and codes[i]:
            colors[i] = scheme_colors.get(codes[i]) or default_colors.get(codes[i], "")

    if scheme is None:
        labels = _text_column(units, "situation_label", n)
        seen: dict[str, tuple[str, str]] = {}
        for code, lab, col in zip(codes, labels, colors):
            if code and code not in seen:
                seen[code] = (lab or t(f"situation.{code}", lang), col)
        scheme = [(c, lab, col) for c, (lab, col) in sorted(seen.items())]

    styles: list[dict] = []
    index_of_color: dict[str, int] = {}
    classes = np.empty(n, dtype=np.int64)
    for i, col in enumerate(colors):
        key = col or ""
        if key not in index_of_color:
            index_of_color[key] = len(styles)
            styles.append(_unit_style(cfg, col or cfg["no_data_color"], dark))
        classes[i] = index_of_color[key]

    counts = pd.Series(codes).value_counts()
    legend = [
        LegendEntry(lab or t(f"situation.{code}", lang), col, int(counts.get(code, 0))) for code, lab, col in scheme
    ]
    missing = sum(1 for code in codes if not code)
    if missing:
        legend.append(LegendEntry(t("legend.no_data", lang), cfg["no_data_color"], missing))
    _add_report_missing(units, legend, cfg, lang, dark)
    return UnitTheme("situation", t("theme.situation", lang), classes, tuple(styles), tuple(legend), None, cfg, dark)


# --- observations ---------------------------------------------------------------------------------------

_NICE_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceil(x: float) -> float:
    """The smallest "round" number ≥ x (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten)."""
    if x <= 0:
        return 0.0
    magnitude = 10.0 ** math.floor(math.log10(x))
    for step in _NICE_STEPS:
        candidate = step * magnitude
        if candidate >= x * (1 - 1e-12):
            return float(round(candidate, 12))
    return 10.0 * magnitude  # pragma: no cover - the loop always returns


def class_breaks(values: Sequence[float] | np.ndarray, classes: int = 5) -> list[float]:
    """Upper bounds of graduated classes: `[0, b1, …, max]`, strictly increasing.

    Zero is always a class of its own; the positive values are split at quantiles rounded up to round
    numbers (people read "11–25" faster than "11–23.4"); the last bound is the maximum itself. Quantiles
    rather than Jenks: they are stable from one refresh to the next and skewed counts (a few hot spots, many
    small units) still spread over every colour. Integer data gets integer bounds. NaN is ignored.
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    positive = arr[arr > 0]
    if positive.size == 0:
        return [0.0]
    top = float(positive.max())
    integral = bool(np.all(positive == np.round(positive)))
    bounds: list[float] = [0.0]
    if classes > 1:
        for q in np.quantile(positive, np.arange(1, classes) / classes):
            b = float(math.ceil(q)) if integral and q <= 10 else nice_ceil(float(q))
            if integral:
                b = float(math.ceil(b))
            if bounds[-1] < b < top:
                bounds.append(b)
    bounds.append(top)
    return bounds


def classify(values: Sequence[float] | np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Class index per value for upper-inclusive `breaks` (class 0 = values ≤ 0); NaN → -1."""
    arr = np.asarray(values, dtype=float)
    idx = np.searchsorted(np.asarray(breaks, dtype=float), np.maximum(arr, 0.0), side="left")
    idx = np.minimum(idx, len(breaks) - 1)  # values above the last break (not from these data) join the top
    return np.where(np.isnan(arr), -1, idx).astype(np.int64)


def observation_totals(units: pd.DataFrame) -> np.ndarray:
    """People under observation per unit (home + central + self + temporary); NaN when all four are missing."""
    present = [c for c in OBSERVATION_COLUMNS if c in units.columns]
    if not present:
        return np.full(len(units), np.nan)
    block = units[present].apply(pd.to_numeric, errors="coerce")
    return block.sum(axis=1, min_count=1).to_numpy(dtype=float)


def observations_theme(
    units: pd.DataFrame,
    *,
    column: str | None = None,
    dark: bool = True,
    lang: str = "zh",
    config: Mapping | None = None,
) -> UnitTheme:
    """Graduated colour on people under observation (or on `column`), zero as its own class."""
    cfg = theme_config(config)
    ocfg = cfg["observations"]
    if column is None:
        values = observation_totals(units)
    elif column in units.columns:
        values = pd.to_numeric(units[column], errors="coerce").to_numpy(dtype=float)
    else:
        values = np.full(len(units), np.nan)
    breaks = class_breaks(values, ocfg["classes"])
    palette = list(ocfg["palette"]["dark" if dark else "light"])
    colors = _spread(palette, len(breaks) - 1)
    mode = "dark" if dark else "light"
    zero_style = {**_unit_style(cfg, ocfg["zero"][mode]["fillColor"], dark), **ocfg["zero"][mode]}
    styles = [zero_style] + [_unit_style(cfg, c, dark) for c in colors]
    classes = classify(values, breaks)
    counts = np.bincount(classes[classes >= 0], minlength=len(breaks))
    integral = bool(np.all(np.asarray(breaks) == np.round(breaks)))
    legend = [LegendEntry(t("legend.zero", lang), zero_style["fillColor"], int(counts[0]))]
    for i in range(1, len(breaks)):
        lo = breaks[i - 1] + 1 if integral else breaks[i - 1]
        hi = breaks[i]
        text = _fmt(hi) if lo >= hi else t("legend.range", lang, lo=_fmt(lo), hi=_fmt(hi))
        legend.append(LegendEntry(text, colors[i - 1], int(counts[i])))
    if np.any(classes < 0):
        styles.append(_unit_style(cfg, cfg["no_data_color"], dark))
        legend.append(LegendEntry(t("legend.no_data", lang), cfg["no_data_color"], int(np.sum(classes < 0))))
        classes = np.where(classes < 0, len(styles) - 1, classes)
    _add_report_missing(units, legend, cfg, lang, dark)
    title = t("theme.observations", lang) if column is None else t(column, lang)
    return UnitTheme("observations", title, classes, tuple(styles), tuple(legend), tuple(breaks), cfg, dark)


def _spread(palette: list[str], n: int) -> list[str]:
    """`n` colours from `palette`, spread over its whole range (the top class always gets the last colour)."""
    if n <= 0:
        return []
    if n >= len(palette):
        return palette[:n] if n == len(palette) else palette + [palette[-1]] * (n - len(palette))
    idx = np.round(np.linspace(0, len(palette) - 1, n)).astype(int)
    return [palette[i] for i in idx]


# --- checkpoint staffing of a unit ----------------------------------------------------------------------

STAFFING_CLASSES = ("staffed", "some_under", "all_under", "none")


def staffing_class(checkpoints: np.ndarray, understaffed: np.ndarray) -> np.ndarray:
    """Per unit: 0 all staffed, 1 some under-staffed, 2 all under-staffed, 3 no checkpoints, -1 unknown."""
    cp = np.asarray(checkpoints, dtype=float)
    under = np.asarray(understaffed, dtype=float)
    out = np.full(cp.shape, -1, dtype=np.int64)
    out[cp == 0] = 3
    has = cp > 0
    known = has & ~np.isnan(under)
    out[known & (under <= 0)] = 0
    out[known & (under > 0) & (under < cp)] = 1
    out[known & (under >= cp)] = 2
    return out


def checkpoints_theme(units: pd.DataFrame, *, dark: bool = True, lang: str = "zh",
                      config: Mapping | None = None) -> UnitTheme:
    """Colour each unit by the staffing of its checkpoints (all staffed / some / all under-staffed / none)."""
    cfg = theme_config(config)
    colors = cfg["checkpoints"]["colors"]
    classes = staffing_class(_number_column(units, "checkpoints"), _number_column(units, "checkpoints_understaffed"))
    styles = [_unit_style(cfg, colors[name], dark) for name in STAFFING_CLASSES]
    counts = np.bincount(classes[classes >= 0], minlength=len(STAFFING_CLASSES))
    legend = [
        LegendEntry(t(f"staffing.{name}", lang), colors[name], int(counts[i]))
        for i, name in enumerate(STAFFING_CLASSES)
    ]
    if np.any(classes < 0):
        styles.append(_unit_style(cfg, cfg["no_data_color"], dark))
        legend.append(LegendEntry(t("legend.no_data", lang), cfg["no_data_color"], int(np.sum(classes < 0))))
        classes = np.where(classes < 0, len(styles) - 1, classes)
    _add_report_missing(units, legend, cfg, lang, dark)
    title = t("theme.checkpoints", lang)
    return UnitTheme("checkpoints", title, classes, tuple(styles), tuple(legend), None, cfg, dark)


UNIT_THEMES = {"situation": situation_theme, "observations": observations_theme, "checkpoints": checkpoints_theme}


def unit_theme(name: str, units: pd.DataFrame, **kwargs) -> UnitTheme:
    """The theme called `name` ("situation", "observations", "checkpoints") applied to `units`."""
    try:
        fn = UNIT_THEMES[name]
    except KeyError:
        raise ValueError(f"unknown map theme {name!r}; choose one of {sorted(UNIT_THEMES)}") from None
    if name != "observations":
        kwargs.pop("column", None)
    return fn(units, **kwargs)


# --- point styles: buildings and checkpoints ------------------------------------------------------------


@dataclass(frozen=True)
class PointStyles:
    """Styles for a point layer: code `codes[i]` is drawn with `styles[i]`, an unknown code with `unknown`."""

    codes: tuple[str, ...]
    styles: tuple[dict, ...]
    legend: tuple[LegendEntry, ...]
    unknown: dict = field(default_factory=dict)
    config: dict = field(repr=False, default_factory=dict)

    @property
    def table(self) -> tuple[dict, ...]:
        """Styles by index as `index()` numbers them (the unknown style last)."""
        return self.styles + (self.unknown,)

    def index(self, values: Sequence[object]) -> np.ndarray:
        """Style index per value; unknown or missing values get `len(codes)` (the unknown style)."""
        lookup = {c: i for i, c in enumerate(self.codes)}
        missing = len(self.codes)
        return np.fromiter((lookup.get(v, missing) if isinstance(v, str) else missing for v in values),
                           dtype=np.int64, count=len(values))


def control_state_styles(*, lang: str = "zh", config: Mapping | None = None) -> PointStyles:
    """Circle-marker styles for buildings by control state (colour + ring for the severe states)."""
    cfg = theme_config(config)
    bcfg = cfg["buildings"]
    codes = [c for c in bcfg["order"] if c in bcfg["colors"]]
    styles, legend = [], []
    for code in codes:
        ring = bcfg["ring"].get(code)
        outline = ring or bcfg["outline"]
        styles.append(
            {
                "stroke": True,
                "color": outline["color"],
                "weight": outline["weight"],
                "opacity": 1.0,
                "fill": True,
                "fillColor": bcfg["colors"][code],
                "fillOpacity": bcfg["fill_opacity"],
            }
        )
        shape = "ring" if ring else "circle"
        name = label(CONTROL_STATES, code, lang) if code in CONTROL_STATES else code
        legend.append(LegendEntry(name, bcfg["colors"][code], None, shape))
    unknown = {**styles[0], "color": bcfg["outline"]["color"], "weight": bcfg["outline"]["weight"],
               "fillColor": cfg["no_data_color"]}
    return PointStyles(tuple(codes), tuple(styles), tuple(legend), unknown, cfg)


def building_radius(obs_total: Sequence[float] | np.ndarray, config: Mapping | None = None) -> np.ndarray:
    """Marker radius in px: `min` for nobody under observation, growing with √count up to `max`."""
    rcfg = theme_config(config)["buildings"]["radius"]
    arr = np.nan_to_num(np.asarray(obs_total, dtype=float), nan=0.0).clip(min=0)
    share = np.sqrt(np.minimum(arr, rcfg["full_at"]) / rcfg["full_at"])
    return np.round(rcfg["min"] + (rcfg["max"] - rcfg["min"]) * share)


def checkpoint_styles(*, lang: str = "zh", config: Mapping | None = None) -> PointStyles:
    """Diamond styles for checkpoints by staffing; closed ones hollow with a thick grey outline."""
    cfg = theme_config(config)
    ccfg = cfg["checkpoint_markers"]
    codes = [c for c in ccfg["order"] if c in ccfg["colors"]]
    styles, legend = [], []
    for code in codes:
        color = ccfg["colors"][code]
        if code == "closed":
            style = {"stroke": True, "color": color, "weight": ccfg["closed_outline_weight"], "opacity": 1.0,
                     "fill": True, "fillColor": "#10161f", "fillOpacity": 0.35}
            shape = "hollow_diamond"
        else:
            style = {"stroke": True, "color": ccfg["outline"]["color"], "weight": ccfg["outline"]["weight"],
                     "opacity": 1.0, "fill": True, "fillColor": color, "fillOpacity": 1.0}
            shape = "diamond"
        styles.append({**style, "radius": ccfg["radius"]})
        legend.append(LegendEntry(t(f"staffing.{code}", lang), color, None, shape))
    unknown = {"stroke": True, "color": ccfg["outline"]["color"], "weight": ccfg["outline"]["weight"], "opacity": 1.0,
               "fill": True, "fillColor": cfg["no_data_color"], "fillOpacity": 1.0, "radius": ccfg["radius"]}
    return PointStyles(tuple(codes), tuple(styles), tuple(legend), unknown, cfg)


# --- helpers ----------------------------------------------------------------------------------------------

_CSS_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,24}|rgba?\([0-9.,%\s]+\)")


def css_color(value: object, default: str = DEFAULT_CONFIG["no_data_color"]) -> str:
    """`value` if it is a plain CSS colour (hex, name, rgb()), else `default`.

    Colours come from configuration and data (situation_color) and end up in style attributes: anything
    that is not obviously a colour is refused rather than escaped.
    """
    text = "" if _missing(value) else str(value).strip()
    return text if _CSS_COLOR.fullmatch(text) else default


def report_missing_mask(units: pd.DataFrame) -> np.ndarray:
    """True where the unit's daily report is missing (column report_missing; absent or NA means no)."""
    if "report_missing" not in units.columns:
        return np.zeros(len(units), dtype=bool)
    return np.array([False if _missing(v) else bool(v) for v in units["report_missing"].tolist()], dtype=bool)


def _add_report_missing(units: pd.DataFrame, legend: list[LegendEntry], cfg: Mapping, lang: str, dark: bool) -> None:
    n = int(report_missing_mask(units).sum())
    if n:
        color = cfg["report_missing"]["dark" if dark else "light"]["color"]
        legend.append(LegendEntry(t("report_missing", lang), color, n, "dashed"))



def _unit_style(cfg: Mapping, fill_color: str, dark: bool) -> dict:
    return {**cfg["unit"], "fill": True, "fillColor": fill_color,
            "fillOpacity": cfg["fill_opacity"]["dark" if dark else "light"]}


def _text_column(frame: pd.DataFrame, column: str, n: int) -> list[str]:
    if column not in frame.columns:
        return [""] * n
    return ["" if _missing(v) else str(v) for v in frame[column].tolist()]


def _number_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _fmt(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.4g}"
