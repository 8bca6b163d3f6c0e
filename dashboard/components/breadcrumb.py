"""Breadcrumb: city › district › … › the unit in view, each ancestor a link to its own /explore?code=…"""
from __future__ import annotations

import html
from collections.abc import Mapping

import streamlit as st

from dashboard.components.edit_text import plain
from geodata.base.vocab import LEVEL_LABELS, Level
from geodata.store.hierarchy import UnitRef


def level_label(level: int, lang: str) -> str:
    pair = LEVEL_LABELS.get(Level(level)) if level in Level._value2member_map_ else None
    return "" if pair is None else (pair[1] if lang == "en" else pair[0])


def breadcrumb(crumbs: list[UnitRef], *, page: str, params: Mapping[str, str], lang: str,
               tail: str | None = None) -> None:
    """Ancestors as page links (client-side navigation that pushes a history entry), the last as plain text.

    `tail`: one more crumb after the unit (the building whose card is open); the unit then becomes a link too.
    """
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="breadcrumb"):
        last = len(crumbs) - 1
        for i, unit in enumerate(crumbs):
            if i < last or tail:
                # page_link labels are Markdown: a name is data, so it is shown verbatim (escaped), never parsed
                st.page_link(page, label=plain(unit.name), query_params={**params, "code": unit.code},
                             help=plain(f"{level_label(unit.level, lang)} {unit.code}"))
                st.html('<span class="gw-crumb-sep">›</span>', width="content")
            else:
                st.html(f'<span class="gw-crumb-here">{html.escape(unit.name)}</span>', width="content")
        if tail:
            st.html(f'<span class="gw-crumb-here">{html.escape(tail)}</span>', width="content")
