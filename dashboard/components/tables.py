"""Tables of units with their figures: sortable (st.dataframe), searchable by name or code, a row opens the unit."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.i18n import t

#: figure columns of the unit table, in display order (read-model names)
FIGURES = ("households", "population", "obs_home", "obs_central", "obs_self", "obs_temporary", "obs_total",
           "cases_7d", "new_cases_today", "releases_due_today", "checkpoints_understaffed", "locked_down",
           "epidemic_spots")


def search(frame: pd.DataFrame, query: str | None) -> pd.DataFrame:
    """Rows whose name or code contains `query` (plain substring: Chinese, digits, no regex surprises)."""
    q = (query or "").strip()
    if not q or frame.empty:
        return frame
    name = frame["name"].astype(str).str.contains(q, case=False, regex=False)
    code = frame["code"].astype(str).str.contains(q, case=False, regex=False)
    return frame[name | code]


def focus(frame: pd.DataFrame, column: str | None) -> pd.DataFrame:
    """Rows where `column` > 0, largest first ("situation": every level above the lowest)."""
    if not column or frame.empty:
        return frame
    if column == "situation":
        if "situation_code" not in frame.columns:
            return frame.iloc[0:0]
        rank = frame["situation_rank"] if "situation_rank" in frame.columns else frame["situation_code"].rank(
            method="dense") - 1
        return frame[rank > 0].assign(_r=rank).sort_values("_r", ascending=False).drop(columns="_r")
    if column not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame[column] > 0].sort_values(column, ascending=False)


def unit_table(frame: pd.DataFrame, *, lang: str, key: str, with_parent: bool = False,
               height: int | str = "auto") -> str | None:
    """Draw the table; return the code of the row the person selected (None: no selection)."""
    cols = ["name", "code"] + (["parent_name"] if with_parent else [])
    cols += [c for c in FIGURES if c in frame.columns]
    has_situation = "situation_label" in frame.columns or "situation_code" in frame.columns
    shown = pd.DataFrame(frame[cols]).reset_index(drop=True)
    if has_situation:
        shown["situation"] = frame["situation_label"].values if "situation_label" in frame.columns \
            else frame["situation_code"].values
    config = {
        "name": st.column_config.TextColumn(t("table.name", lang), pinned=True),
        "code": st.column_config.TextColumn(t("table.code", lang)),
        "parent_name": st.column_config.TextColumn(t("table.parent", lang)),
        "situation": st.column_config.TextColumn(t("situation", lang)),
    }
    for c in FIGURES:
        label = t("obs_temp" if c == "obs_temporary" else c, lang)
        config[c] = st.column_config.NumberColumn(label, format="localized")
    event = st.dataframe(shown, hide_index=True, column_config=config, key=key, on_select="rerun",
                         selection_mode="single-row", height=height)
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    return str(shown.iloc[rows[0]]["code"]) if rows else None
