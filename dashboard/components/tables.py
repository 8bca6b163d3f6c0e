"""Tables of units with their figures: sortable (st.dataframe), searchable by name or code, a row opens the unit.
And the column order of every ledger a field role reads (`PHONE_FIRST`)."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from dashboard.i18n import t

#: figure columns of the unit table, in display order (read-model names)
FIGURES = ("households", "population", "obs_home", "obs_central", "obs_self", "obs_temporary", "obs_total",
           "cases_7d", "new_cases_today", "releases_due_today", "checkpoints_understaffed", "locked_down",
           "epidemic_spots")


#: Phone first (issue 16): at 390 px a table shows two or three columns before it scrolls sideways, so these lead —
#: who or where (name, building, room), the state, what is due — and codes and secondary fields follow in the
#: page's own order. One entry per ledger; the page passes its columns (name → heading) through `phone_first`.
PHONE_FIRST: dict[str, tuple[str, ...]] = {
    # /my-grid
    "units": ("name", "situation_label", "obs_total", "cases_7d"),  # a community's grids, a grid's compounds
    "observations": ("name", "building_name", "kind", "planned_end", "last_check", "last_temperature"),
    "cases": ("name", "building_name", "kind", "reported_on", "stair_unit"),
    "households": ("head_name", "building_name", "room", "stair_unit", "members", "phone"),
    "persons": ("name", "building_name", "phone", "resident_type", "tags"),
    # /explore: a unit's children (unit_table)
    "unit_table": ("name", "situation", "obs_total", "cases_7d", "new_cases_today"),
    # /patrol
    "patrol_today": ("name", "patrolled", "patrols", "findings"),
    "patrol_week": ("name", "days_patrolled", "events_open", "findings"),
    "patrol_log": ("grid_name", "patrol_date", "started_at", "findings", "places", "notes"),
    "patrol_teams": ("team_name", "members", "meets_norm", "member_names"),
    # /screening
    "screening_grids": ("name", "share", "visited", "households"),
    "screening_entries": ("name", "arrived_on", "came_from", "match"),
    "screening_unvisited": ("building", "stair_unit", "room", "grid"),
    # /gate: the pass register
    "passes": ("building_name", "room", "status", "last_exit", "number"),
}


def phone_first(table: str, columns: Mapping[str, str]) -> dict[str, str]:
    """`columns` (name → heading) with `PHONE_FIRST[table]` leading, in that order; the rest keep theirs. Names the
    page does not show are skipped: a masked list without phone numbers still leads with the name."""
    lead = [c for c in PHONE_FIRST[table] if c in columns]
    return {c: columns[c] for c in lead} | {c: h for c, h in columns.items() if c not in lead}


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
    shown = shown[list(phone_first("unit_table", {c: c for c in shown.columns}))]
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
