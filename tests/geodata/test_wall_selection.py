"""Which communities a wall figure stands for (geodata.reporting.selection): the highlight a KPI click draws."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from geodata.base.vocab import Level
from geodata.reporting import figures
from geodata.reporting.selection import figures_with_units, units_behind
from geodata.reporting.selection import FIGURE_COLUMNS
from tests.factories import load_small_city


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["C1", "C2", "C3", "C4"],
        "name": ["一社区", "二社区", "三社区", "四社区"],
        "locked_down": [0, 2, 1, 0],
        "cases_7d": [0, 0, 0, 0],
        "obs_total": [5, 0, 9, 1],
        "situation_code": ["S0", "S2", "S1", "S0"],
        "situation_rank": [0, 2, 1, 0],
    })


def test_sealed_figure_picks_the_units_with_a_sealed_building_or_village_most_first():
    assert units_behind(frame(), "locked_down")["code"].tolist() == ["C2", "C3"]


def test_observations_figure_reads_the_total_column_and_situation_picks_levels_above_the_lowest():
    assert units_behind(frame(), "observations")["code"].tolist() == ["C3", "C1", "C4"]
    assert units_behind(frame(), "situation")["code"].tolist() == ["C2", "C3"]  # S2 before S1


def test_a_figure_with_nothing_behind_it_or_unknown_highlights_nothing_never_everything():
    assert units_behind(frame(), "cases_7d").empty
    assert units_behind(frame(), "events_open").empty  # a read model without the field columns: no highlight
    assert units_behind(frame().drop(columns="situation_rank"), "situation").empty
    assert units_behind(frame().iloc[0:0], "locked_down").empty
    assert "locked_down" in figures_with_units() and "situation" in figures_with_units()


def test_every_figure_reads_a_column_the_read_model_has(store):
    # a renamed read-model column would silently highlight nothing: the rule and the model must agree
    load_small_city(store)
    with store.read() as s:
        root = figures.root_unit(s)
        units = figures.units_with_figures(s, root, int(Level.COMMUNITY), dt.date.today())
    assert len(units)
    missing = {f: c for f, c in FIGURE_COLUMNS.items() if c not in units.columns}
    assert not missing
    assert "situation_rank" in units.columns
