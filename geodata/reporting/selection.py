"""Which units a figure on the wall stands for: a click on 封锁/硬隔离 highlights the communities with a sealed
building or village, a click on 社区疫情分级 those above the lowest level, a click on 超期事件 those with an
overdue event (issue 16, the wall).

One rule per figure, applied to the read model of `figures.units_with_figures` (one row per unit, its figures
as columns), so the wall's highlight and any list of "the units behind this number" agree with the number. The
field-work figures (events, patrols, gates, care, screening) are not in that read model: `field_figures` adds
them per unit from the fieldwork module that owns each one (the same rule as the wall's number, read per place
and rolled up here), and `with_figures` joins them on.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.orm import Session

from geodata.fieldwork import care, entries, events, patrols, screening

#: a wall figure (the KPI card's key) -> the read-model column whose > 0 puts a unit behind it
FIGURE_COLUMNS: dict[str, str] = {
    "new_cases_today": "new_cases_today",
    "cases_7d": "cases_7d",
    "observations": "obs_total",
    "obs_total": "obs_total",
    "locked_down": "locked_down",
    "checkpoints_understaffed": "checkpoints_understaffed",
    "releases_due_today": "releases_due_today",
    "releases_overdue": "releases_overdue",
}
#: the wall's field-work figures (its side column's cards) -> the `field_figures` column whose > 0 puts a unit
#: behind it; 入户摸排 (a share) stands for the units with households still to visit
FIELD_FIGURES: dict[str, str] = {
    "events_open": "events_open",
    "events_overdue": "events_overdue",
    "events_closed_today": "events_closed_today",
    "grids_not_patrolled": "grids_not_patrolled",
    "gate_entries": "gate_entries",
    "gate_fevers": "gate_fevers",
    "care_overdue": "care_overdue",
    "screening": "screening_unvisited",
}
#: the situation figure: every unit above the scheme's lowest level (S1, S2 …), highest first
SITUATION = "situation"
#: every column `field_figures` adds (the figures' own and the wholes they are part of)
FIELD_COLUMNS = ("events_open", "events_overdue", "events_closed_today", "grids_patrolled", "grids_not_patrolled",
                 "gate_entries", "gate_fevers", "care_on_list", "care_overdue", "screening_households",
                 "screening_visited", "screening_unvisited")


def figures_with_units() -> tuple[str, ...]:
    """The figures a click can highlight: the situation read model's and the field work's."""
    return (*FIGURE_COLUMNS, SITUATION, *FIELD_FIGURES)


def roll_up(rows: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Sum the number columns of `rows` (one `path` each: a grid, a building, a checkpoint …) into the unit of
    `units` (`code`, `path`) that holds it: one row per unit, in `units`' order, 0 where none. Vectorised: a
    row's ancestor at a unit's depth is the first segments of its own path. Rows under no unit are left out."""
    values = [c for c in rows.columns if c != "path"]
    out = pd.DataFrame({"code": units["code"].astype(str).to_numpy()})
    if rows.empty or units.empty:
        return out.assign(**{c: 0 for c in values})
    unit_paths = units["path"].astype(str)
    code_of = dict(zip(unit_paths, out["code"], strict=True))
    parts = rows["path"].astype(str).str.split("/")
    owner = pd.Series(None, index=rows.index, dtype=object)
    for depth in sorted({p.count("/") - 1 for p in unit_paths}):
        prefix = parts.str[: depth + 1].str.join("/") + "/"
        owner = owner.fillna(prefix.map(code_of))
    sums = rows[values].groupby(owner).sum()
    return out.join(sums, on="code").fillna({c: 0 for c in values}).astype({c: int for c in values})


def field_figures(session: Session, units: pd.DataFrame, scope_path: str | None, on: dt.date,
                  now: dt.datetime | None = None) -> pd.DataFrame:
    """The wall's field-work figures per unit of `units` (`code`, `path`; e.g. every community of the city) under
    `scope_path` on day `on`: one read per figure, each by the module that counts the wall's number, so a unit
    list adds up to it. Columns: `code` and FIELD_COLUMNS. Counts only."""
    care_rows = care.overdue_by_grid(session, scope_path, on)[["path", "on_list", "overdue"]].rename(
        columns={"on_list": "care_on_list", "overdue": "care_overdue"})
    reads = [events.event_counts_by_path(session, scope_path, on, now).drop(columns="events_logged_today"),
             patrols.patrolled_by_grid(session, scope_path, on),
             entries.gate_totals_by_path(session, on, scope_path),
             care_rows,
             screening.open_round_households(session, scope_path)]
    out = pd.DataFrame({"code": units["code"].astype(str).to_numpy()})
    for rows in reads:
        out = out.merge(roll_up(rows, units), on="code", how="left")
    return out[["code", *FIELD_COLUMNS]]


def with_figures(units: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    """`units` with the columns of `more` (one row per `code`, e.g. `field_figures`) joined on, 0 where a unit
    has none; `units`' own columns, geometry and order kept."""
    added = [c for c in more.columns if c != "code" and c not in units.columns]
    if not added:
        return units
    joined = units.merge(more[["code", *added]], on="code", how="left")
    return joined.fillna({c: 0 for c in added})


def units_behind(units: pd.DataFrame, figure: str) -> pd.DataFrame:
    """The rows of `units` that figure `figure` counts, the most affected first; empty for a figure with no
    per-unit column (or a read model without it) — never every unit."""
    if units.empty:
        return units.iloc[0:0]
    if figure == SITUATION:
        if "situation_rank" not in units.columns:
            return units.iloc[0:0]
        rank = pd.to_numeric(units["situation_rank"], errors="coerce").fillna(0)
        chosen = units[rank > 0]
        return chosen.assign(_rank=rank[rank > 0]).sort_values(["_rank", "code"], ascending=[False, True]
                                                              ).drop(columns="_rank")
    column = FIGURE_COLUMNS.get(figure) or FIELD_FIGURES.get(figure)
    if column is None or column not in units.columns:
        return units.iloc[0:0]
    values = pd.to_numeric(units[column], errors="coerce").fillna(0)
    chosen = units[values > 0]
    return chosen.assign(_v=values[values > 0]).sort_values(["_v", "code"], ascending=[False, True]
                                                           ).drop(columns="_v")
