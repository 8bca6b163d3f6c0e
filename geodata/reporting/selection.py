"""Which units a figure on the wall stands for: a click on 封锁/硬隔离 highlights the communities with a sealed
building or village, a click on 社区疫情分级 those above the lowest level (issue 16, the wall).

One rule per figure, applied to the read model of `figures.units_with_figures` (one row per unit, its figures
as columns), so the wall's highlight and any list of "the units behind this number" agree with the number.
"""
from __future__ import annotations

import pandas as pd

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
#: the situation figure: every unit above the scheme's lowest level (S1, S2 …), highest first
SITUATION = "situation"


def figures_with_units() -> tuple[str, ...]:
    """The figures a click can highlight (the others — field work, gates — are not counted per unit here)."""
    return (*FIGURE_COLUMNS, SITUATION)


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
    column = FIGURE_COLUMNS.get(figure)
    if column is None or column not in units.columns:
        return units.iloc[0:0]
    values = pd.to_numeric(units[column], errors="coerce").fillna(0)
    chosen = units[values > 0]
    return chosen.assign(_v=values[values > 0]).sort_values(["_v", "code"], ascending=[False, True]
                                                           ).drop(columns="_v")
