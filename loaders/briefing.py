"""The daily briefing as files: a one-page A4 landscape PDF (and the same page as PNG), and an XLSX workbook with
one sheet per section. The data comes from `geodata.reporting.briefing.build_briefing`; this module only draws.

Everything is drawn on the server with matplotlib (no browser, no tiles, no network): the map is the unit's
own polygons from the database. Names and other text from the data are drawn as plain text (`plain_text`: a
unit called `$x^$` is not mathtext), and XLSX cells go through `loaders.cells` (no formulas, no characters XLSX
cannot hold). Chinese text uses a CJK font installed by the project's set-up
(`fonts-noto-cjk`, scripts/ensure_system.sh), loaded by file path so that no font cache or configuration of the
machine matters; without one the command stops with a message saying what to install.

    python -m loaders briefing --scope 420111 --date 2026-11-25 --format pdf briefing.pdf [--at 17:00]
"""
from __future__ import annotations

import argparse
import datetime as dt
import glob
import io
import math
import os
import re
import sys
import textwrap
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.font_manager import FontPath, FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from geodata.reporting.briefing import Briefing, build_briefing
from geodata.reporting.reports import FIGURES
from loaders import cells

FORMATS = ("pdf", "png", "xlsx")
A4_LANDSCAPE = (11.69, 8.27)

INK = "#1b2733"
MUTED = "#5b6b7b"
RULE = "#c9d3dc"
WARN = "#D55E00"  # Okabe-Ito vermillion, as the map themes
GOOD = "#009E73"
PANEL = "#f3f6f9"


# --- fonts --------------------------------------------------------------------------------------------------


class FontMissing(RuntimeError):
    """No font with Chinese glyphs: the briefing would print boxes instead of characters."""


#: where Debian's fonts-noto-cjk (and the usual alternatives) put their files; GRIDWATCH_CJK_FONT overrides
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-{weight}.otf",
    "/usr/share/fonts/**/NotoSansCJK*-{weight}.tt[cf]",
    "/usr/share/fonts/**/NotoSansSC-{weight}.[ot]tf",
    "/usr/share/fonts/**/SourceHanSans*-{weight}.tt[cf]",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
PROBE = "疫情防控网格社区"


def _face(path: str) -> FontPath | None:
    """The simplified-Chinese face of a font file (a .ttc holds JP/KR/SC/TC faces), if it has the glyphs."""
    from matplotlib import ft2font

    try:
        first = ft2font.FT2Font(path)
    except (OSError, RuntimeError):
        return None
    faces = range(getattr(first, "num_faces", 1) or 1)
    fonts = []
    for i in faces:
        font = first if i == 0 else ft2font.FT2Font(path, face_index=i)
        fonts.append((i, font))
    fonts.sort(key=lambda f: (" SC" not in f[1].family_name, f[0]))
    for i, font in fonts:
        if all(font.get_char_index(ord(ch)) for ch in PROBE):
            return FontPath(path, i)
    return None


@lru_cache(maxsize=4)
def cjk_font(weight: str = "Regular") -> FontPath:
    """The CJK font file (and face) to draw with; raises FontMissing with what to install."""
    override = os.environ.get("GRIDWATCH_CJK_FONT")
    patterns = ([override] if override else []) + [p.format(weight=weight) for p in FONT_CANDIDATES]
    for pattern in patterns:
        for path in sorted(glob.glob(pattern, recursive=True)):
            face = _face(path)
            if face is not None:
                return face
    if weight != "Regular":
        return cjk_font("Regular")
    raise FontMissing(
        "未找到中文字体，简报无法生成：请安装 fonts-noto-cjk（make system 或 scripts/ensure_system.sh 会安装），"
        "或用 GRIDWATCH_CJK_FONT 指定字体文件 / no CJK font found: install fonts-noto-cjk (make system does) or "
        "point GRIDWATCH_CJK_FONT at a font file")


def font(size: float, bold: bool = False) -> FontProperties:
    return FontProperties(fname=cjk_font("Bold" if bold else "Regular"), size=size)


# --- text helpers -----------------------------------------------------------------------------------------------


def text_width(text: str) -> float:
    """Width in ems: CJK and full-width characters 1, others about 0.55."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55 for ch in text)


NO_LINE_START = frozenset("，。、；：！？）」』】》…,.;:!?)")


def _tokens(text: str) -> list[str]:
    """Units a line may break between: each CJK character alone, a Latin word with its trailing space."""
    out: list[str] = []
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if wide or not out or unicodedata.east_asian_width(out[-1][-1]) in ("W", "F") or out[-1].endswith(" "):
            out.append(ch)
        else:
            out[-1] += ch
    return out


def wrap(text: str, width_em: float, max_lines: int | None = None) -> list[str]:
    """Break `text` into lines of at most `width_em`: Chinese anywhere, Latin words between words (a word longer
    than a line is cut); the last line ends with "…" when lines are cut."""
    lines, cur = [], ""
    for tok in _tokens(str(text)):
        while text_width(tok) > width_em:  # a word longer than a line
            room = width_em - text_width(cur)
            cut = 0
            while cut < len(tok) and text_width(tok[:cut + 1]) <= room:
                cut += 1
            if cut == 0:
                lines.append(cur.rstrip())
                cur = ""
                continue
            lines.append(cur + tok[:cut])
            cur, tok = "", tok[cut:]
        # 禁则: closing punctuation never starts a line, it hangs at the end of the previous one
        if text_width(cur + tok.rstrip()) > width_em and cur and tok[0] not in NO_LINE_START:
            lines.append(cur.rstrip())
            cur = ""
        cur += tok
    if cur.strip():
        lines.append(cur.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def _signed(n: int | None) -> str:
    return "" if n is None else ("±0" if n == 0 else f"{n:+d}")


def _labels(lang: str) -> dict[str, str]:
    zh = lang != "en"
    return {
        "changes": "较昨日变化" if zh else "Changes since yesterday",
        "alerts": "重点预警" if zh else "Top alerts",
        "missing": "日报未上报" if zh else "Reports missing",
        "trend": "近14天趋势" if zh else "Last 14 days",
        "none": "无" if zh else "none",
        "yesterday": "较昨日" if zh else "vs yesterday",
        "pending": "截止时间未到" if zh else "before the cut-off",
        "more": "另有{n}项" if zh else "{n} more",
        "cases": "新增病例" if zh else "New cases",
        "observations": "在观察人数" if zh else "Under observation",
        "sealed": "封锁/硬隔离（楼栋+自然村）" if zh else "Sealed (buildings + villages)",
        "report_missing": "日报未上报" if zh else "Report missing",
        "flag": "无疫小区" if zh else "Epidemic-free flag",
        "flag_revoked": "已取消授旗" if zh else "Flag revoked",
        "generated": "生成于" if zh else "generated",
        "cutoff": "日报截止" if zh else "report cut-off",
        "source": ("数据：网格防控一张图（病例、隔离观察、管控状态、社区日报）；分级：社区疫情分级 S0/S1/S2"
                   if zh else "Data: gridwatch (cases, observations, control states, community reports); "
                              "levels: community situation ladder"),
        "reports_line": "日报：应报{communities} 已报{submitted} 迟报{late} 零报告{zero} 未报{missing}"
        if zh else "Reports: due {communities}, in {submitted}, late {late}, zero {zero}, missing {missing}",
        "km": "公里" if zh else "km",
    }


# --- the page ---------------------------------------------------------------------------------------------------


def page_figure(b: Briefing, lang: str = "zh") -> Figure:
    """The one-page briefing as a matplotlib Figure (A4 landscape)."""
    L = _labels(lang)
    fig = Figure(figsize=A4_LANDSCAPE)
    fig.patch.set_facecolor("white")
    _header(fig, b, lang, L)
    _kpis(fig, b, lang, L)
    map_ax = fig.add_axes((0.025, 0.135, 0.545, 0.615))
    handles = draw_map(map_ax, b, lang, L)
    map_legend(fig, map_ax, handles, lat0=map_latitude(b), box=(0.025, 0.065, 0.545, 0.06), lang=lang)
    right = 0.595
    top = 0.75
    top = _list_panel(fig, right, top, 0.38, L["changes"], [t for t in b.changes[f"text_{_l(lang)}"]], 7, L)
    alert_lines = [f"[{k}] {t}" for k, t in zip(b.alerts[f"kind_{_l(lang)}"], b.alerts[f"title_{_l(lang)}"],
                                                  strict=True)]
    top = _list_panel(fig, right, top - 0.012, 0.38, L["alerts"], alert_lines, 6, L, warn=True)
    missing_lines = _missing_lines(b, lang, L)
    top = _list_panel(fig, right, top - 0.012, 0.38, L["missing"], missing_lines, 5, L, warn=bool(len(b.missing)))
    trend_ax = fig.add_axes((right + 0.035, 0.085, 0.34, max(0.12, top - 0.085 - 0.06)))
    draw_trend(trend_ax, b, lang, L)
    fig.text(0.025, 0.03, L["source"], fontproperties=font(6.5), color=MUTED)
    for zh, en in b.notes:
        fig.text(0.975, 0.03, en if lang == "en" else zh, fontproperties=font(6.5), color=MUTED, ha="right")
    return plain_text(fig)


#: control characters other than the line break: no font has a glyph for them (text stored before they were refused)
_UNDRAWABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def plain_text(fig: Figure) -> Figure:
    """Every text of `fig` drawn as the characters it holds: matplotlib reads `$…$` as mathtext, so a name with
    two dollar signs would be typeset as a formula, or stop the whole briefing when it is not valid mathtext.
    matplotlib has no setting for this; each Text has `parse_math` (tick labels made later at drawing are numbers
    and dates). Control characters are left out (a box each otherwise). The last step of every figure drawn here."""
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        if _UNDRAWABLE.search(text.get_text()):
            text.set_text(_UNDRAWABLE.sub("", text.get_text()))
    return fig


def _l(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _header(fig: Figure, b: Briefing, lang: str, L: dict[str, str]) -> None:
    fig.add_artist(Rectangle((0, 0.925), 1, 0.075, transform=fig.transFigure, color="#16324f", zorder=-1))
    fig.text(0.025, 0.955, b.title(lang), fontproperties=font(19, bold=True), color="white", va="center")
    crumbs = " › ".join(c.name for c in b.crumbs)
    meta = (f"{crumbs}    {L['generated']} {b.now:%Y-%m-%d %H:%M}    "
            f"{L['cutoff']} {b.cutoff:%H:%M}")
    fig.text(0.975, 0.955, meta, fontproperties=font(9), color="#d7e3ee", va="center", ha="right")


def _kpis(fig: Figure, b: Briefing, lang: str, L: dict[str, str]) -> None:
    n = len(b.kpis)
    left, gap, width = 0.025, 0.008, 0.95
    box_w = (width - gap * (n - 1)) / n
    y, h = 0.785, 0.122
    for i, k in enumerate(b.kpis):
        x = left + i * (box_w + gap)
        fig.add_artist(Rectangle((x, y), box_w, h, transform=fig.transFigure, facecolor=PANEL,
                                 edgecolor=WARN if k.alert else RULE, linewidth=1.6 if k.alert else 0.8))
        fig.text(x + 0.008, y + h - 0.022, k.label(lang), fontproperties=font(8.5), color=MUTED, va="center")
        value = f"{k.value:,}" if k.total is None else f"{k.value}/{k.total}"
        fig.text(x + 0.008, y + 0.052, value, fontproperties=font(21 if len(value) < 7 else 17, bold=True),
                 color=WARN if k.alert else INK, va="center")
        if k.delta is not None:
            colour = WARN if k.delta > 0 and k.key != "flags" else (GOOD if k.delta < 0 else MUTED)
            fig.text(x + 0.008, y + 0.016, f"{L['yesterday']} {_signed(k.delta)}", fontproperties=font(8),
                     color=colour, va="center")


def _list_panel(fig: Figure, x: float, top: float, width: float, title: str, lines: list[str], max_items: int,
                L: dict[str, str], warn: bool = False) -> float:
    """A titled list; returns the y below it. Each item wraps to two lines at most."""
    fig.text(x, top - 0.012, title, fontproperties=font(10.5, bold=True), color=WARN if warn else INK,
             va="center")
    fig.add_artist(Line2D([x, x + width], [top - 0.026, top - 0.026], transform=fig.transFigure, color=RULE,
                          linewidth=0.8))
    y = top - 0.043
    size, line_h = 8.2, 0.0215
    width_em = width * A4_LANDSCAPE[0] * 72 / size - 2.5
    if not lines:
        fig.text(x + 0.006, y, L["none"], fontproperties=font(size), color=MUTED, va="center")
        return y - line_h
    for item in lines[:max_items]:
        parts = wrap(item, width_em, max_lines=2)
        for j, part in enumerate(parts):
            fig.text(x + (0.006 if j == 0 else 0.016), y, ("• " if j == 0 else "") + part,
                     fontproperties=font(size), color=INK, va="center")
            y -= line_h
    if len(lines) > max_items:
        fig.text(x + 0.006, y, "… " + L["more"].format(n=len(lines) - max_items), fontproperties=font(size),
                 color=MUTED, va="center")
        y -= line_h
    return y


def _missing_lines(b: Briefing, lang: str, L: dict[str, str]) -> list[str]:
    t = b.report_totals
    head = L["reports_line"].format(**{k: t.get(k, 0) for k in ("communities", "submitted", "late", "zero",
                                                                   "missing")})
    if not b.cutoff_passed:
        return [f"{head}（{L['pending']} {b.cutoff:%H:%M}）" if lang != "en" else f"{head} ({L['pending']})"]
    rows = []
    for r in b.missing.itertuples(index=False):
        who = " ".join(str(v) for v in (r.leader_name, r.leader_phone) if isinstance(v, str) and v)
        rows.append(f"{r.street_name} {r.name}  {who}".strip())
    return [head, *rows]


# --- the map -----------------------------------------------------------------------------------------------------

#: a little flag (pole and pennant) as a marker path, in marker units
FLAG_MARKER = MplPath([(0, -1), (0, 1), (1.1, 0.55), (0, 0.1)],
                      [MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO])


def map_latitude(b: Briefing) -> float:
    return float(b.map.boundary.geometry.union_all().centroid.y) if len(b.map.boundary) else 30.0


def draw_map(ax, b: Briefing, lang: str = "zh", L: dict[str, str] | None = None) -> list:
    """The unit's communities (or grids) coloured by situation, its children outlined and named, missing
    reports hatched, sealed buildings and 无疫小区 flags as markers. Returns the legend handles (the caller
    puts the legend beside the map, where it hides nothing)."""
    L = L or _labels(lang)
    m = b.map
    ax.set_axis_off()
    if m.areas.empty:
        ax.text(0.5, 0.5, L["none"], transform=ax.transAxes, ha="center", fontproperties=font(12))
        return []
    lat0 = map_latitude(b)
    ax.set_aspect(1 / math.cos(math.radians(lat0)))  # lon/lat drawn with true proportions at this latitude
    areas = m.areas
    colours = areas["colour"].fillna("#bbbbbb")
    areas.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.35, zorder=1)
    missing = areas[areas["report_missing"]]
    if len(missing):
        missing.plot(ax=ax, facecolor="none", edgecolor=INK, linewidth=1.1, linestyle=(0, (3, 2)), hatch="////",
                     zorder=3)
    if len(m.outlines) and m.outlines.iloc[0]["code"] != areas.iloc[0]["code"]:
        m.outlines.boundary.plot(ax=ax, color=INK, linewidth=1.1, zorder=4)
    m.boundary.boundary.plot(ax=ax, color=INK, linewidth=1.8, zorder=5)
    if len(m.sealed):
        ax.scatter(m.sealed["lon"], m.sealed["lat"], marker="X", s=26, c=INK, edgecolors="white", linewidths=0.5,
                   zorder=6)
    for state, colour in (("awarded", WARN), ("revoked", "#999999")):
        sub = m.flags[m.flags["flag"] == state] if len(m.flags) else m.flags
        if len(sub):
            ax.scatter(sub["lon"], sub["lat"], marker=FLAG_MARKER, s=150, c=colour, edgecolors=INK, linewidths=0.6,
                       zorder=7)
    halo = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    n = len(m.outlines)
    size = 9 if n <= 12 else (7.5 if n <= 30 else 6)
    for r in m.outlines.itertuples(index=False):
        ax.text(r.label_lon, r.label_lat, r.name, fontproperties=font(size, bold=True), color=INK, ha="center",
                va="center", path_effects=halo, zorder=8)
    return legend_handles(b, lang, L)


def _count(label: str, n: int, lang: str) -> str:
    return f"{label} ({n})" if lang == "en" else f"{label}（{n}）"


def legend_handles(b: Briefing, lang: str, L: dict[str, str]) -> list:
    m = b.map
    counts = m.areas["level_code"].value_counts() if "level_code" in m.areas else pd.Series(dtype=int)
    handles = [Patch(facecolor=colour, edgecolor="white",
                     label=_count(f"{code} {en if lang == 'en' else zh}", int(counts.get(code, 0)), lang))
               for code, zh, en, colour in m.legend]
    if m.areas["report_missing"].any():
        handles.append(Patch(facecolor="none", edgecolor=INK, hatch="////", linestyle=(0, (3, 2)),
                             label=_count(L["report_missing"], int(m.areas["report_missing"].sum()), lang)))
    if len(m.sealed):
        handles.append(Line2D([], [], marker="X", linestyle="none", color=INK, markeredgecolor="white",
                              markersize=7, label=_count(L["sealed"], len(m.sealed), lang)))
    if len(m.flags):
        for state, colour, text in (("awarded", WARN, L["flag"]), ("revoked", "#999999", L["flag_revoked"])):
            k = int((m.flags["flag"] == state).sum())
            if k:
                handles.append(Line2D([], [], marker=FLAG_MARKER, linestyle="none", color=colour,
                                      markeredgecolor=INK, markersize=11, label=_count(text, k, lang)))
    return handles


def map_legend(fig: Figure, ax, handles: list, *, lat0: float, box: tuple[float, float, float, float],
               lang: str = "zh") -> None:
    """The legend in a strip under the map (figure fractions `box` = x, y, width, height) and, at its right
    end, a scale bar as long on paper as its length on the map."""
    x, y, w, h = box
    if handles:
        size = 7.5
        # columns as wide as the widest label (+ handle and spacing, in ems); as many as fit before the scale bar
        col_in = (max(text_width(hd.get_label()) for hd in handles) + 1.6 + 0.8 + 1.2) * size / 72
        avail_in = w * 0.78 * fig.get_figwidth()
        ncols = max(1, min(4, len(handles), int(avail_in // col_in)))
        fig.legend(handles=handles, loc="center left", bbox_to_anchor=(x, y, w * 0.78, h), prop=font(size),
                   frameon=False, ncols=ncols, handlelength=1.6, columnspacing=1.2)
    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    km_per_deg = 111.32 * math.cos(math.radians(lat0))
    span_km = (x1 - x0) * km_per_deg
    length = next((v for v in (0.5, 1, 2, 5, 10, 20, 50, 100) if v >= span_km / 6), 100)
    frac = (length / km_per_deg) / (x1 - x0) * ax.get_position().width  # of the figure's width
    right = x + w
    fig.add_artist(Line2D([right - frac, right], [y + h * 0.45, y + h * 0.45], transform=fig.transFigure,
                          color=INK, linewidth=2.2, solid_capstyle="butt"))
    fig.text(right - frac / 2, y + h * 0.55, f"{length:g} {_labels(lang)['km']}", ha="center", va="bottom",
             fontproperties=font(7.5), color=INK)


# --- the trend -----------------------------------------------------------------------------------------------------


def draw_trend(ax, b: Briefing, lang: str = "zh", L: dict[str, str] | None = None) -> None:
    """New cases (bars) and sealed buildings (dashed) on the left axis, people under observation (line) on the
    right one: the first two are counts of a few, the last of hundreds."""
    L = L or _labels(lang)
    t = b.trend
    x = list(range(len(t)))
    ax.bar(x, t["cases"], color=WARN, width=0.6, label=L["cases"], zorder=2)
    sealed = t["sealed_buildings"] + (t["sealed_villages"] if "sealed_villages" in t.columns else 0)
    ax.plot(x, sealed, color=INK, linewidth=1.3, linestyle="--", label=L["sealed"], zorder=3)
    ax.set_ylim(0, max(4, int(max(t["cases"].max(), sealed.max()) * 1.2) + 1))
    ax.yaxis.get_major_locator().set_params(integer=True)
    step = 2 if len(x) > 8 else 1
    ax.set_xticks(x[::step])
    ax.set_xticklabels([d.strftime("%m-%d") for d in t.index][::step], fontproperties=font(7))
    for lbl in ax.get_yticklabels():
        lbl.set_fontproperties(font(7))
    ax.tick_params(length=2, colors=MUTED)
    ax.grid(axis="y", color=RULE, linewidth=0.5, zorder=0)
    ax.spines["top"].set_visible(False)
    ax.set_title(L["trend"], fontproperties=font(10.5, bold=True), color=INK, loc="left", pad=4)
    twin = ax.twinx()
    twin.plot(x, t["observations"], color="#0072B2", linewidth=1.6, marker="o", markersize=2.5,
              label=L["observations"], zorder=4)
    twin.set_ylim(0, max(5, int(t["observations"].max() * 1.15) + 1))
    for lbl in twin.get_yticklabels():
        lbl.set_fontproperties(font(7))
    twin.tick_params(length=2, colors="#0072B2")
    twin.spines["top"].set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    twin.legend(handles=handles, loc="upper left", prop=font(7), frameon=False, ncols=3,
                bbox_to_anchor=(0, -0.12))


# --- files ----------------------------------------------------------------------------------------------------------


def render_pdf(b: Briefing, lang: str = "zh") -> bytes:
    fig = page_figure(b, lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata={"Title": b.title(lang), "Creator": "gridwatch",
                                             "Subject": f"{b.unit.code} {b.on.isoformat()}"})
    return buf.getvalue()


def render_png(b: Briefing, lang: str = "zh", dpi: int = 110) -> bytes:
    fig = page_figure(b, lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def render_map_png(b: Briefing, lang: str = "zh", dpi: int = 120) -> bytes:
    """The map alone (for the XLSX and for pages)."""
    fig = Figure(figsize=(7.5, 6.8))
    ax = fig.add_axes((0.01, 0.12, 0.98, 0.87))
    handles = draw_map(ax, b, lang)
    map_legend(fig, ax, handles, lat0=map_latitude(b), box=(0.02, 0.01, 0.96, 0.1), lang=lang)
    plain_text(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


SHEETS = {"zh": ("概况", "地图", "较昨日变化", "重点预警", "日报未上报", "日报汇总", "趋势"),
          "en": ("Summary", "Map", "Changes", "Alerts", "Missing reports", "Reports", "Trend")}


def render_xlsx(b: Briefing, lang: str = "zh") -> bytes:
    """The same sections as the page, one sheet each; the map as an image with its units listed. Every cell is
    written through `loaders.cells` (names that look like formulas stay text)."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font, PatternFill

    zh = lang != "en"
    names = SHEETS["zh" if zh else "en"]
    wb = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list[object]], first: bool = False):
        ws = wb.active if first else wb.create_sheet()
        ws.title = title
        cells.append(ws, header)
        for c in ws[1]:
            c.font = bold
        for row in rows:
            cells.append(ws, [_cell(v) for v in row])
        for i, h in enumerate(header, start=1):
            width = max([text_width(str(h))] + [text_width(str(r[i - 1])) for r in rows if i - 1 < len(r)] + [6])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, 2 + 1.9 * width)
        ws.freeze_panes = "A2"
        return ws

    ws = sheet(names[0], ["指标" if zh else "Figure", "今日" if zh else "Today", "昨日" if zh else "Yesterday",
                          "变化" if zh else "Change", "总数" if zh else "Of"],
               [[k.label(lang), k.value, k.previous, k.delta, k.total] for k in b.kpis], first=True)
    ws.insert_rows(1, 3)
    cells.put(ws, 1, 1, b.title(lang)).font = Font(bold=True, size=14)
    cells.put(ws, 2, 1, f"{' › '.join(c.name for c in b.crumbs)}  {'生成于' if zh else 'generated'} "
                        f"{b.now:%Y-%m-%d %H:%M}  {'日报截止' if zh else 'cut-off'} {b.cutoff:%H:%M}")
    ws.freeze_panes = "A5"

    areas = b.map.areas
    ws = sheet(names[1], ["编码" if zh else "Code", "名称" if zh else "Name", "等级" if zh else "Level",
                          "聚集性" if zh else "Cluster", "日报未上报" if zh else "Report missing"],
               [[r.code, r.name, r.level_code, bool(r.cluster), bool(r.report_missing)]
                for r in areas.itertuples(index=False)])
    for i, colour in enumerate(areas["colour"].fillna("#bbbbbb"), start=2):
        ws.cell(i, 3).fill = PatternFill("solid", fgColor=colour.lstrip("#").upper())
    img = Image(io.BytesIO(render_map_png(b, lang, dpi=100)))
    ws.add_image(img, "G2")

    sheet(names[2], ["类别" if zh else "Kind", "内容" if zh else "Change"],
          [[k, t] for k, t in zip(b.changes["kind"], b.changes[f"text_{_l(lang)}"], strict=True)])
    sheet(names[3], ["日期" if zh else "Raised", "类别" if zh else "Kind", "单位" if zh else "Unit",
                     "内容" if zh else "Alert", "已确认" if zh else "Acknowledged"],
          [[r.raised_on, getattr(r, f"kind_{_l(lang)}"), r.unit_name, getattr(r, f"title_{_l(lang)}"),
            bool(r.acknowledged)] for r in b.alerts.itertuples(index=False)])
    sheet(names[4], ["街道" if zh else "Street", "编码" if zh else "Code", "社区" if zh else "Community",
                     "负责人" if zh else "In charge", "电话" if zh else "Phone"],
          [[r.street_name, r.code, r.name, r.leader_name, r.leader_phone] for r in b.missing.itertuples(index=False)]
          if b.cutoff_passed else [])
    counts = ["communities", "submitted", "on_time", "late", "zero", "missing", "pending"]
    count_names = {"communities": ("应报", "Due"), "submitted": ("已报", "In"), "on_time": ("按时", "On time"),
                   "late": ("迟报", "Late"), "zero": ("零报告", "Zero"), "missing": ("未报", "Missing"),
                   "pending": ("待报", "Pending")}
    figs = [f.key for f in FIGURES]
    rows = b.report_rows
    sheet(names[5], ["编码" if zh else "Code", "名称" if zh else "Name",
                     *[count_names[c][0 if zh else 1] for c in counts],
                     *[f.zh if zh else f.en for f in FIGURES]],
          [[r["code"], r["name"], *[int(r[c]) for c in counts], *[int(r[f]) for f in figs]]
           for _, r in rows.iterrows()])
    sheet(names[6], ["日期" if zh else "Date", L_(zh, "cases"), L_(zh, "confirmed"), L_(zh, "observations"),
                     L_(zh, "sealed_buildings"), L_(zh, "sealed_villages")],
          [[d.date(), int(r["cases"]), int(r["confirmed"]), int(r["observations"]), int(r["sealed_buildings"]),
            int(r.get("sealed_villages", 0))] for d, r in b.trend.iterrows()])
    return cells.workbook_bytes(wb)


def L_(zh: bool, key: str) -> str:
    from geodata.reporting.trends import series_label

    return series_label(key, "zh" if zh else "en")


def _cell(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def render(b: Briefing, fmt: str, lang: str = "zh") -> bytes:
    if fmt == "pdf":
        return render_pdf(b, lang)
    if fmt == "png":
        return render_png(b, lang)
    if fmt == "xlsx":
        return render_xlsx(b, lang)
    raise ValueError(f"unknown format {fmt!r}; known: {FORMATS}")


MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# --- command line ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BriefingRequest:
    scope: str
    on: dt.date
    fmt: str
    out: Path
    now: dt.datetime
    lang: str = "zh"


def _request(args: argparse.Namespace) -> BriefingRequest:
    on = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    fmt = args.format or Path(args.out).suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise SystemExit(f"格式应为 {'/'.join(FORMATS)} / format must be one of {FORMATS}: {fmt!r}")
    if args.at:
        now = dt.datetime.combine(on, dt.time.fromisoformat(args.at))
    else:
        now = dt.datetime.now() if on >= dt.date.today() else dt.datetime.combine(on, dt.time(23, 59))
    return BriefingRequest(args.scope, on, fmt, Path(args.out), now, getattr(args, "lang", None) or "zh")


def cmd_briefing(args: argparse.Namespace) -> int:
    """`python -m loaders briefing --scope CODE --date D --format pdf|png|xlsx OUT [--at HH:MM] [--lang zh|en]`."""
    from geodata.base.config import load_settings
    from geodata.store.db import open_store
    from geodata.store.hierarchy import UnknownUnit

    req = _request(args)
    try:
        cjk_font()
    except FontMissing as exc:
        print(exc, file=sys.stderr)
        return 1
    store = open_store(args.db or load_settings().database_url)
    try:
        with store.read() as s:
            b = build_briefing(s, req.scope, req.on, req.now)
    except UnknownUnit as exc:
        print(exc, file=sys.stderr)
        return 1
    req.out.parent.mkdir(parents=True, exist_ok=True)
    req.out.write_bytes(render(b, req.fmt, req.lang))
    print(f"已生成简报 / briefing written: {req.out} ({b.unit.name}, {req.on}, {req.fmt})")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `briefing` on the CLI's subparsers (loaders/cli.py build_parser)."""
    p = sub.add_parser("briefing", help="每日简报 PDF/XLSX / daily briefing",
                       description=textwrap.dedent(cmd_briefing.__doc__ or ""))
    p.add_argument("out", help="output file")
    p.add_argument("--db", help="database URL (default: $DATABASE_URL or data/gridwatch.sqlite)")
    p.add_argument("--scope", required=True, help="unit code: the city, a district or a street")
    p.add_argument("--date", help="YYYY-MM-DD (default: today)")
    p.add_argument("--format", choices=FORMATS, help="default: from the file name")
    p.add_argument("--at", help="HH:MM: judge missing reports as at this time of --date (default: now)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.set_defaults(fn=cmd_briefing)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders.briefing")
    sub = parser.add_subparsers(dest="cmd", required=True)
    add_parser(sub)
    args = parser.parse_args(["briefing", *(argv if argv is not None else sys.argv[1:])])
    return args.fn(args)


if __name__ == "__main__":
    raise SystemExit(main())
