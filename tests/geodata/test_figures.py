"""Read models for the map: children figures, buildings, checkpoints, KPIs."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from geodata.base.vocab import Level
from geodata.reporting.figures import (
    buildings_in,
    checkpoints_in,
    children_with_figures,
    root_unit,
    unit_totals,
)
from geodata.store.hierarchy import breadcrumb, ref, unit_by_code
from tests.factories import TODAY, load_small_city


def test_children_of_the_street_carry_rolled_up_and_daily_figures(store):
    load_small_city(store)
    with store.read() as s:
        street = ref(unit_by_code(s, "S1"))
        kids = children_with_figures(s, street, TODAY).set_index("code")
    assert list(kids.index) == ["C1", "C2"]
    assert kids.at["C2", "cases_confirmed"] == 1 and kids.at["C2", "new_cases_today"] == 1
    assert kids.at["C1", "cases_7d"] == 0
    assert kids.at["C1", "obs_home"] == 1 and kids.at["C2", "obs_central"] == 1
    # O2 started 14 days ago: its planned end is today
    assert kids.at["C2", "releases_due_today"] == 1
    assert kids.at["C1", "households"] == 4 * 201
    assert kids.at["C1", "leader_title"] == "社区书记"


def test_the_next_day_shows_the_release_as_overdue_and_no_new_case(store):
    load_small_city(store)
    with store.read() as s:
        street = ref(unit_by_code(s, "S1"))
        kids = children_with_figures(s, street, TODAY + dt.timedelta(days=1)).set_index("code")
    assert kids.at["C2", "releases_overdue"] == 1 and kids.at["C2", "releases_due_today"] == 0
    assert kids.at["C2", "new_cases_today"] == 0 and kids.at["C2", "cases_7d"] == 1


def test_grid_buildings_checkpoints_breadcrumb_and_kpis(store):
    load_small_city(store)
    with store.read() as s:
        grid = ref(unit_by_code(s, "G11"))
        b = buildings_in(s, grid, TODAY).set_index("code")
        cps = checkpoints_in(s, grid)
        crumbs = [u.code for u in breadcrumb(s, "G11K1")]
        city = root_unit(s)
        totals = unit_totals(s, city, TODAY)
    assert len(b) == 4 and b.at["G11K1B1", "obs_total"] == 1
    assert list(cps["staffing"]) == ["ok"]
    assert crumbs == ["420100", "D1", "S1", "C1", "G11", "G11K1"]
    assert totals["cases_confirmed"] == 1 and totals["new_cases_today"] == 1 and totals["buildings"] == 16


def test_children_carry_the_derived_situation_with_its_reason(store):
    load_small_city(store)
    with store.read() as s:
        street = ref(unit_by_code(s, "S1"))
        kids = children_with_figures(s, street, TODAY).set_index("code")
        later = children_with_figures(s, street, TODAY + dt.timedelta(days=60), lang="en").set_index("code")
    assert kids.at["C1", "situation_code"] == "S0"
    assert kids.at["C2", "situation_code"] == "S1"
    assert kids.at["C2", "situation_color"].startswith("#")
    assert kids.at["C2", "situation_reason"]
    assert later.at["C2", "situation_code"] == "S0"


def test_all_units_of_a_level_in_one_read_equal_the_per_parent_reads(store):
    load_small_city(store)
    from geodata.reporting.figures import units_with_figures

    with store.read() as s:
        city = root_unit(s)
        grids = units_with_figures(s, city, 5, TODAY).set_index("code").sort_index()
        per_parent = pd.concat([
            children_with_figures(s, ref(unit_by_code(s, c)), TODAY) for c in ("C1", "C2")
        ]).set_index("code").sort_index()
    cols = ["households", "obs_total", "cases_7d", "new_cases_today", "releases_due_today",
            "checkpoints_understaffed", "situation_code"]
    assert list(grids.index) == ["G11", "G12", "G21", "G22"]
    pd.testing.assert_frame_equal(grids[cols], per_parent[cols])
    assert grids.at["G21", "situation_code"] == "S1" and grids.at["G21", "new_cases_today"] == 1


def test_missing_daily_reports_after_the_cut_off_mark_the_community_and_count_above(store):
    load_small_city(store)
    from geodata.reporting.figures import units_with_figures, with_missing_reports
    from geodata.reporting.reports import submit_report
    from geodata.store.writes import Actor, write

    after_cutoff = dt.datetime.combine(TODAY, dt.time(17, 0))
    with store.read() as s:
        street = ref(unit_by_code(s, "S1"))
        kids = children_with_figures(s, street, TODAY)
        marked = with_missing_reports(s, kids, street, TODAY, now=after_cutoff).set_index("code")
        before = with_missing_reports(s, kids, street, TODAY, now=after_cutoff - dt.timedelta(hours=2))
        city = root_unit(s)
        streets = with_missing_reports(s, units_with_figures(s, city, 3, TODAY), city, TODAY, now=after_cutoff)
    assert list(marked["report_missing"]) == [True, True]
    assert not before["report_missing"].any()  # before the cut-off nothing is missing yet
    assert list(streets["reports_missing"]) == [2]
    write(store, Actor.system("test"), lambda ctx: submit_report(ctx, "C1", TODAY, zero=False,
                                                                  now=after_cutoff - dt.timedelta(hours=3)))
    with store.read() as s:
        marked = with_missing_reports(s, children_with_figures(s, street, TODAY), street, TODAY,
                                      now=after_cutoff).set_index("code")
    assert (marked.at["C1", "report_missing"], marked.at["C2", "report_missing"]) == (False, True)


def test_a_units_own_row_equals_its_row_among_its_parents_children(store):
    """/explore reads the unit in view from its own subtree (issue 18: a jump to a district read the whole city);
    every figure must be what its parent's children say of it."""
    load_small_city(store)
    from geodata.reporting.figures import unit_with_figures

    with store.read() as s:
        for code in ("D1", "S1", "C1", "C2", "G11", "G21"):
            unit = ref(unit_by_code(s, code))
            parent = ref(unit_by_code(s, [u for u in ("420100", "D1", "S1", "C1", "C2")
                                          if unit.path.startswith(ref(unit_by_code(s, u)).path)
                                          and ref(unit_by_code(s, u)).level == unit.level - 1][0]))
            among = children_with_figures(s, parent, TODAY).set_index("code").loc[[code]]
            own = unit_with_figures(s, unit, TODAY).set_index("code")
            assert list(own.index) == [code]
            cols = sorted(set(among.columns) - {"geometry"})
            pd.testing.assert_frame_equal(own[cols], among[cols], check_dtype=False)


def test_a_units_totals_from_its_own_row_equal_the_totals_read_for_it(store):
    """/explore's KPI strip is taken from the unit's own row (issue 18: one read of the subtree, not two)."""
    load_small_city(store)
    from geodata.reporting.figures import totals_of, unit_totals, unit_with_figures

    with store.read() as s:
        seen = {}
        for code in ("D1", "S1", "C1", "C2", "G11", "G21"):
            unit = ref(unit_by_code(s, code))
            seen[code] = totals_of(unit_with_figures(s, unit, TODAY).iloc[0])
            assert seen[code] == unit_totals(s, unit, TODAY), code
    assert seen["G21"]["new_cases_today"] == 1 and seen["C1"]["obs_home"] == 1 == seen["D1"]["obs_home"]


def test_the_situations_of_a_levels_units_are_those_their_full_figures_carry(store):
    """/explore's KPI strip counts communities per situation level from `situations_at_level` (no figures, no
    geometry); every unit and every situation column must be what `units_with_figures` says."""
    load_small_city(store)
    from geodata.reporting.figures import situations_at_level, units_with_figures

    cols = ["code", "situation_code", "situation_label_zh", "situation_label_en", "situation_color",
            "situation_rank", "situation_label"]
    with store.read() as s:
        for root_code, level in (("420100", Level.COMMUNITY), ("D1", Level.COMMUNITY), ("S1", Level.GRID),
                                 ("420100", Level.GRID)):
            root = ref(unit_by_code(s, root_code))
            full = units_with_figures(s, root, int(level), TODAY, lang="en")
            cheap = situations_at_level(s, root, int(level), TODAY, lang="en")
            assert len(full) and full["situation_code"].notna().all()
            pd.testing.assert_frame_equal(cheap[cols].reset_index(drop=True), full[cols].reset_index(drop=True),
                                          check_dtype=False)


def test_child_of_names_the_unit_at_each_depth_and_minus_one_below_a_short_path():
    from geodata.reporting.figures import _child_of

    paths = pd.Series(["/1/2/3/", "/1/2/", "/1/", "/1/22/333/4444/", "/1/2/3/"], index=[5, 6, 7, 8, 9])
    assert _child_of(paths, 0).tolist() == [1, 1, 1, 1, 1]
    assert _child_of(paths, 1).tolist() == [2, 2, -1, 22, 2]
    assert _child_of(paths, 2).tolist() == [3, -1, -1, 333, 3]
    assert _child_of(paths, 3).tolist() == [-1, -1, -1, 4444, -1]
    assert _child_of(paths, 2).index.tolist() == [5, 6, 7, 8, 9]
    assert _child_of(pd.Series([], dtype=object), 1).tolist() == []
