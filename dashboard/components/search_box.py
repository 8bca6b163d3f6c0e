"""The one search box (sidebar, every page): a unit, building, checkpoint or — within the reader's scope — person by
name, address, code or phone/ID tail, each hit one tap to where it is (geodata.reporting.search decides what is
found and what of a person is shown; this only lists it)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import state
from dashboard.components.edit_text import plain
from dashboard.i18n import extend, t
from geodata.people import authority
from geodata.reporting import search
from geodata.store.writes import Actor

VIEWS = Path(__file__).resolve().parents[1] / "views"
KEY = "gw-search"
ICONS = {"unit": ":material/map:", "building": ":material/apartment:", "checkpoint": ":material/shield:",
         "person": ":material/person:"}

extend({
    "search.label": ("搜索", "Search"),
    "search.placeholder": ("名称、地址、编码或手机尾号", "Name, address, code or phone tail"),
    "search.none": ("没有找到", "Nothing found"),
})


def target(hit: search.Hit, actor: Actor) -> tuple[Path, dict[str, str]] | None:
    """Where a hit opens: a unit, building or checkpoint on the map; a person in their grid's register."""
    if hit.kind == "person":
        return (VIEWS / "my_grid.py", {"code": hit.unit_code, "section": "households"}) if authority.allowed(
            actor, "page.my_grid") else None
    params = {"code": hit.unit_code}
    if hit.kind in ("building", "checkpoint"):
        params[hit.kind] = hit.code
    return VIEWS / "explore.py", params


def sidebar(actor: Actor | None, lang: str) -> None:
    if actor is None:
        return
    q = st.text_input(t("search.label", lang), key=KEY, placeholder=t("search.placeholder", lang), max_chars=60,
                      icon=":material/search:")
    if not q.strip():
        return
    # one search per query typed (not per rerun): a search that shows persons is logged as a view
    held = st.session_state.get(f"{KEY}-hits")
    if held is None or held[0] != q:
        held = (q, search.search(state.store_for(state.settings().database_url), actor, q))
        st.session_state[f"{KEY}-hits"] = held
    hits = held[1]
    if not hits:
        st.caption(t("search.none", lang))
    for i, hit in enumerate(hits):
        where = target(hit, actor)
        if where is None:
            continue
        text = " · ".join(p for p in (hit.label, hit.detail) if p)
        st.page_link(str(where[0]), label=plain(f"{text}（{hit.code}）"), icon=ICONS[hit.kind],
                     query_params=where[1], use_container_width=True)
