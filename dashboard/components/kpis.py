"""The KPI strip: a row of big numbers (≥ 48 px, read from three metres), each leading to the units behind it.

A number is drawn as escaped HTML; its link (when the page offers one) is an `st.page_link` stretched over the
whole card, so the card is one click target and navigation stays client-side (history entry, no reload).
"""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.i18n import MISSING, t
from dashboard.mapview.themes import css_color

OBS_KINDS = ("obs_home", "obs_central", "obs_self", "obs_temporary")


@dataclass(frozen=True)
class Part:
    label: str
    value: int
    color: str | None = None


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: int | None  # None: not known yet, shown as "—"
    parts: tuple[Part, ...] = ()  # figures behind the number (by kind), or the number itself split (situation)
    split: bool = False  # show `parts` as the big numbers (communities per situation level)
    alert: bool = False  # > 0 is bad news: number in the alert colour
    focus: str | None = None  # /explore lists the communities where this column > 0
    note: str | None = None
    page: str | None = None  # a page of its own to open (the wall's field-work cards), instead of link_page's list


def situation_parts(communities: pd.DataFrame, lang: str) -> tuple[Part, ...] | None:
    """Communities per situation level, in the scheme's order; None until the risk engine adds the columns."""
    if "situation_code" not in communities.columns or not communities["situation_code"].notna().any():
        return None
    frame = communities[communities["situation_code"].notna()]
    order = "situation_rank" if "situation_rank" in frame.columns else "situation_code"
    parts = []
    for code, group in frame.sort_values(order).groupby("situation_code", sort=False):
        first = group.iloc[0]
        label = first.get("situation_label") if "situation_label" in group.columns else None
        label = str(label) if isinstance(label, str) and label else t(f"situation.{code}", lang)
        color = first.get("situation_color") if "situation_color" in group.columns else None
        parts.append(Part(f"{code} {label}" if label != code else str(code), len(group), css_color(color, "")))
    return tuple(parts)


def city_kpis(totals: Mapping[str, int], communities: pd.DataFrame, lang: str) -> list[Kpi]:
    """The wall's KPIs for the unit in `totals` (roll-up + today's figures) and its communities."""
    obs = tuple(Part(t(f"kpi.{k}", lang), int(totals.get(k, 0))) for k in OBS_KINDS)
    situation = situation_parts(communities, lang)
    return [
        Kpi("new_cases_today", t("kpi.new_cases_today", lang), totals.get("new_cases_today"), alert=True,
            focus="new_cases_today"),
        Kpi("cases_7d", t("kpi.cases_7d", lang), totals.get("cases_7d"), alert=True, focus="cases_7d"),
        Kpi("observations", t("kpi.observations", lang), sum(p.value for p in obs), parts=obs, focus="obs_total"),
        locked_down_kpi(totals, lang),
        Kpi("situation", t("kpi.situation", lang), None, parts=situation or (), split=situation is not None,
            focus="situation" if situation else None,
            note=None if situation else t("kpi.situation_pending", lang)),
        Kpi("checkpoints_understaffed", t("kpi.understaffed", lang), totals.get("checkpoints_understaffed"),
            alert=True, focus="checkpoints_understaffed"),
        Kpi("releases_due_today", t("kpi.releases_due", lang), totals.get("releases_due_today"),
            focus="releases_due_today"),
        Kpi("releases_overdue", t("kpi.releases_overdue", lang), totals.get("releases_overdue"), alert=True,
            focus="releases_overdue"),
    ]


def locked_down_kpi(totals: Mapping[str, int], lang: str) -> Kpi:
    """封锁/硬隔离: sealed buildings and sealed natural villages (one number, both behind it); the 疫点 — places to
    disinfect, not locked down — named apart (issue 14 points 5 and 12). geodata counts them (figures.day_state)."""
    parts = (Part(t("kpi.locked_down.buildings", lang), int(totals.get("sealed_buildings", 0))),
             Part(t("kpi.locked_down.villages", lang), int(totals.get("sealed_villages", 0))))
    spots = int(totals.get("epidemic_spots", 0))
    return Kpi("locked_down", t("kpi.locked_down", lang), totals.get("locked_down"), parts=parts,
               focus="locked_down", note=t("kpi.epidemic_spots", lang, n=f"{spots:,}"))


def _number(value: int | None) -> str:
    return MISSING if value is None else f"{int(value):,}"


def _color_style(color: str | None) -> str:
    # css_color lets only plain colours through (they come from configuration and data)
    return f"color:{css_color(color)}" if color else ""


def card_html(kpi: Kpi, *, wrap: bool = False) -> str:
    """`wrap`: labels take two lines (English: "Under-staffed checkpoints" does not fit where 缺岗卡点 does)."""
    e = html.escape
    alert = kpi.alert and kpi.value is not None and kpi.value > 0
    classes = "gw-kpi" + (" gw-kpi-alert" if alert else "") + (" gw-kpi-wrap" if wrap else "")
    out = [f'<div class="{classes}" data-kpi="{e(kpi.key)}">',
           f'<div class="gw-kpi-label" title="{e(kpi.label)}">{e(kpi.label)}</div>']  # title: the whole label
    if kpi.split and kpi.parts:
        cells = "".join(
            f'<div class="gw-kpi-cell"><span class="gw-kpi-value" style="{_color_style(p.color)}">'
            f'{_number(p.value)}</span><span class="gw-kpi-cell-label">{e(p.label)}</span></div>'
            for p in kpi.parts
        )
        out.append(f'<div class="gw-kpi-split">{cells}</div>')
    else:
        out.append(f'<div class="gw-kpi-value">{_number(kpi.value)}</div>')
        if kpi.parts:
            out.append('<div class="gw-kpi-parts">' + " · ".join(
                f'<span class="gw-kpi-part">{e(p.label)} <b>{_number(p.value)}</b></span>' for p in kpi.parts)
                + "</div>")
    if kpi.note:
        out.append(f'<div class="gw-kpi-parts gw-kpi-note" title="{e(kpi.note)}">{e(kpi.note)}</div>')
    out.append("</div>")
    return "".join(out)


def strip(kpis: list[Kpi], *, link_page: str | None, params: Mapping[str, str], lang: str,
          after: Callable[[Kpi], None] | None = None) -> None:
    """Draw the cards in one row; with `link_page`, each card with a `focus` links to that page's list. `after`
    draws more inside each card (the wall's highlight button)."""
    # cards with figures behind the number get the room to show them on one or two lines
    cols = st.columns([2.3 if k.split else 1.6 if k.parts else 1.0 for k in kpis], gap="small")
    for col, kpi in zip(cols, kpis):
        with col, st.container(key=f"kpi-{kpi.key}"):
            st.html(card_html(kpi, wrap=lang == "en"))
            if kpi.page:  # its own page (the wall's field-work cards), the same stretched chevron
                st.page_link(kpi.page, label="›", help=t("kpi.details", lang))
            elif link_page and kpi.focus:
                # a chevron in the corner; the link itself covers the card (CSS in app.py)
                st.page_link(link_page, label="›", help=t("kpi.details", lang),
                             query_params={**params, "focus": kpi.focus})
            if after is not None:
                after(kpi)
