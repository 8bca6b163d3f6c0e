"""The units behind the wall's field-work figures (issue 16): events, patrols, gates, care and screening counted per
community by the module that counts the wall's number, so the highlighted list adds up to the figure."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select

from geodata.base.vocab import Level
from geodata.exchange.bulk import upsert_layer
from geodata.fieldwork import care, entries, events, patrols, screening
from geodata.reporting import figures
from geodata.reporting.selection import FIELD_FIGURES, field_figures, roll_up, units_behind, with_figures
from geodata.store.models import Unit
from geodata.store.writes import Actor, write
from tests.factories import load_small_city

SYSTEM = Actor.system("test")


def _city(store) -> dict[str, str]:
    """The small city with field work in C1 and C2: events (one overdue, one closed today), a patrol of G11,
    gate entries at E1 (in C1) with a fever, P2 on the care list, a screening round over C1 half walked."""
    load_small_city(store)
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "households", pd.DataFrame(
        [{"code": c, "building_code": b, "room": "101", "head_name": "户主", "members": 2}
         for c, b in (("H1", "G11K1B1"), ("H2", "G11K1B2"), ("H3", "G12K1B1"), ("H4", "G21K1B1"))])))
    with store.read() as s:
        p = {u.code: u.path for u in s.execute(select(Unit)).scalars()}
    g11, g21 = Actor("grid11", "grid_leader", p["G11"]), Actor("grid21", "grid_leader", p["G21"])
    head = Actor("head1", "community_head", p["C1"])
    for actor, grid, text in ((g11, "G11", "楼道堆物"), (g11, "G11", "路灯不亮"), (g21, "G21", "井盖缺失"),
                              (g21, "G21", "积水")):
        write(store, actor, lambda ctx, g=grid, t=text: events.log_event(ctx, g, t, building_code=None))
    closed = write(store, g21, lambda ctx: events.log_event(ctx, "G21", "垃圾未清"))
    write(store, g21, lambda ctx: events.close_event(ctx, closed.code, "已清运", "满意"))
    start = dt.datetime.utcnow().replace(microsecond=0) - dt.timedelta(hours=1)
    write(store, g11, lambda ctx: patrols.record_patrol(ctx, "G11", start, start + dt.timedelta(minutes=30),
                                                         day=dt.date.today()))  # one hour ago may be yesterday
    gate = Actor("gate1", "community_head", p["C1"])
    for temp in (36.5, 36.6, 38.2):
        write(store, gate, lambda ctx, t=temp: entries.register_entry(ctx, "E1", direction="in", temperature=t))
    rnd = write(store, head, lambda ctx: screening.start_round(ctx, "C1", "入户摸排", dt.date.today(),
                                                                dt.date.today() + dt.timedelta(days=3))).code
    write(store, g11, lambda ctx: screening.record_visit(ctx, rnd, "H1", "present"))
    return p


def test_roll_up_sums_places_into_the_unit_that_holds_them_and_leaves_out_the_rest():
    units = pd.DataFrame({"code": ["C1", "C2"], "path": ["/1/2/3/", "/1/2/4/"]})
    rows = pd.DataFrame({"path": ["/1/2/3/7/", "/1/2/3/8/9/", "/1/2/4/", "/1/5/6/"], "n": [1, 2, 4, 8]})
    assert roll_up(rows, units).to_dict("list") == {"code": ["C1", "C2"], "n": [3, 4]}
    assert roll_up(rows.iloc[0:0], units)["n"].tolist() == [0, 0]


def test_each_field_figures_unit_list_adds_up_to_the_walls_number(store):
    p = _city(store)
    on, later = dt.date.today(), dt.datetime.utcnow() + dt.timedelta(days=30)  # every open event overdue by then
    with store.read() as s:
        root = figures.root_unit(s)
        units = figures.units_with_figures(s, root, int(Level.COMMUNITY), on)
        field = field_figures(s, units, root.path, on, now=later)
        wall = {**events.event_counts(s, root.path, on, now=later), **patrols.grids_not_patrolled(s, root.path, on)}
        gate = entries.gate_totals(s, on, root.path)
        cared = care.overdue_by_grid(s, root.path, on)
        rounds = screening.open_round_counts(s, root.path)
    both = with_figures(units, field)
    assert list(both["code"]) == list(units["code"]) and both.geometry.notna().all()  # a map layer still
    expected = {"events_open": wall["events_open"], "events_overdue": wall["events_overdue"],
                "events_closed_today": wall["events_closed_today"],
                "grids_not_patrolled": wall["grids_not_patrolled"], "gate_entries": gate["entries"],
                "gate_fevers": gate["fevers"], "care_overdue": int(cared["overdue"].sum()),
                "screening": int(rounds["households"].sum() - rounds["visited"].sum())}
    assert set(expected) == set(FIELD_FIGURES)
    for figure, number in expected.items():
        behind = units_behind(both, figure)
        assert int(behind[FIELD_FIGURES[figure]].sum()) == number, figure
    # and the numbers are not all zero: the city has something behind each figure
    assert expected == {"events_open": 4, "events_overdue": 4, "events_closed_today": 1, "grids_not_patrolled": 3,
                        "gate_entries": 3, "gate_fevers": 1, "care_overdue": 1, "screening": 2}
    codes = {f: units_behind(both, f)["code"].tolist() for f in expected}
    assert codes["events_open"] == ["C1", "C2"] and codes["events_closed_today"] == ["C2"]
    assert codes["grids_not_patrolled"] == ["C2", "C1"]  # most first: C2's two grids, C1's G12
    assert codes["gate_fevers"] == ["C1"] and codes["care_overdue"] == ["C1"] and codes["screening"] == ["C1"]
    assert int(both["screening_households"].sum()) == int(rounds["households"].sum())
    assert int(both["grids_patrolled"].sum()) == wall["grids_patrolled"]
    assert p["C1"] != p["C2"]


def test_not_yet_overdue_events_put_no_unit_behind_the_overdue_figure(store):
    _city(store)
    with store.read() as s:
        root = figures.root_unit(s)
        units = figures.units_with_figures(s, root, int(Level.COMMUNITY), dt.date.today())
        field = field_figures(s, units, root.path, dt.date.today(), now=dt.datetime.utcnow())
    assert units_behind(with_figures(units, field), "events_overdue").empty
    assert not units_behind(with_figures(units, field), "events_open").empty
