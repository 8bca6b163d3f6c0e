"""The checkpoint planner on the largest street of a city: reading the area, coverage, the rule check, and the
placement optimiser (set cover by MILP vs greedy, k checkpoints, a staff budget) with time and optimality gap —
each by straight-line distance and, when the database has roads, by walking distance along them (the road
graph's build time, the coverage matrix by Dijkstra, and the optimiser on it).

    python -m bench.bench_planner     # city DB from $GRIDWATCH_BENCH_CITY_DB, bench/out/city.sqlite,
                                      # /tmp/planner_city.sqlite or /tmp/city.sqlite; else a district demo
    python -m bench.bench_planner --db sqlite:////tmp/x.sqlite --street 420106001 --radius 100 150 250

Reads only (no writes; a migration only for a database older than the roads table): a copy of a shared database
is not needed. Build a city with `python -m loaders demo --scale city --db sqlite:///bench/out/city.sqlite`
(~2–4 min; the demo city has roads, so both distances are measured).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
CANDIDATE_DBS = (str(REPO / "bench" / "out" / "city.sqlite"), "/tmp/planner_city.sqlite", "/tmp/city.sqlite")


def _find_db() -> str:
    env = os.environ.get("GRIDWATCH_BENCH_CITY_DB")
    if env:
        return env
    for path in CANDIDATE_DBS:
        p = Path(path)
        if p.is_file() and p.stat().st_size > 10_000_000:
            return f"sqlite:///{p}"
    tmp = Path(tempfile.mkdtemp()) / "planner_district.sqlite"
    print(f"no city database found ({', '.join(CANDIDATE_DBS)}): building a district demo in {tmp}")
    subprocess.run([sys.executable, "-m", "loaders", "demo", "--scale", "district", "--db", f"sqlite:///{tmp}"],
                   check=True, stdout=subprocess.DEVNULL)
    return f"sqlite:///{tmp}"


def largest_street(session) -> tuple[str, str, int]:
    """(code, name, open entrances) of the street with the most open compound entrances."""
    frame = pd.read_sql_query(text(
        "SELECT path, count(*) AS n FROM checkpoints WHERE kind = 'compound_entrance' AND status = 'open' "
        "GROUP BY path"), session.connection())
    frame["street"] = frame["path"].str.strip("/").str.split("/").str[2].astype(int)
    per = frame.groupby("street")["n"].sum().sort_values(ascending=False)
    sid, n = int(per.index[0]), int(per.iloc[0])
    row = session.execute(text("SELECT code, name FROM units WHERE id = :i"), {"i": sid}).one()
    return row[0], row[1], n


def _t(fn, *a, **kw):
    t0 = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t0


def main(argv: list[str]) -> int:
    from geodata.checkpoints.coverage import METHOD_ROAD, METHOD_STRAIGHT, coverage, load_area, reach, road_network
    from geodata.checkpoints.optimise import (
        greedy_set_cover,
        lp_bound_set_cover,
        solve_max_coverage,
        solve_set_cover,
        suggest,
    )
    from geodata.checkpoints.whatif import check_rules
    from geodata.store.db import Store

    ap = argparse.ArgumentParser(prog="bench_planner")
    ap.add_argument("--db")
    ap.add_argument("--street")
    ap.add_argument("--radius", type=float, nargs="+", default=[100.0, 150.0, 250.0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--on", type=dt.date.fromisoformat, default=None)
    ap.add_argument("--district", action="store_true",
                    help="also plan the whole district of that street at 150 m (thousands of entrances)")
    args = ap.parse_args(argv)

    store = Store(args.db or _find_db())  # no migrate(): a read-only run leaves the database as it is …
    with store.engine.connect() as conn:
        has_roads = conn.execute(text("SELECT count(*) FROM alembic_version WHERE version_num = '0007_roads'")
                                 ).scalar()
    if not has_roads:  # … except a database older than the roads table, which gets the (empty) table
        print("the database predates the roads table: migrating (adds an empty table, changes no data)")
        store.migrate()
    with store.read() as s:
        if args.street:
            code = args.street
            name = s.execute(text("SELECT name FROM units WHERE code = :c"), {"c": code}).scalar_one()
            n_ent = None
        else:
            code, name, n_ent = largest_street(s)
        on = args.on or s.execute(text("SELECT min(on_date) FROM shifts")).scalar() or dt.date.today()
        if isinstance(on, str):
            on = dt.date.fromisoformat(on)
        area, t_load = _t(load_area, s, code, on, radius_m=max(args.radius))  # roads for the longest walk
    print(f"database: {store}")
    print(f"street {code} {name}: compounds {len(area.compounds):,}, checkpoints {len(area.checkpoints):,}"
          f" (open entrances {n_ent if n_ent is not None else '?'}), buildings {len(area.buildings):,},"
          f" shifts {len(area.shifts):,}, roads {len(area.roads):,} (with {area.road_margin_m:.0f} m around);"
          f" EPSG:{area.epsg}")
    print(f"  load area                 {t_load:7.3f} s")
    # the same area measured both ways: straight lines, and walking along its roads when it has any
    areas = {METHOD_STRAIGHT: replace(area, planning={**area.planning, "distance": METHOD_STRAIGHT}, cache={})}
    if len(area.roads):
        walk = replace(area, planning={**area.planning, "distance": METHOD_ROAD}, cache={})
        net, t_net = _t(road_network, walk)
        print(f"  road graph                {t_net:7.3f} s   {net.n_nodes:,} nodes, {net.n_segments:,} segments, "
              f"{net.length_m / 1000:,.1f} km of road")
        areas[METHOD_ROAD] = walk
    else:
        print("  no roads in this database: walking distance not measured (regenerate the demo to get roads)")
    for dist, a in areas.items():
        cov, t_cov = _t(coverage, a, 150)
        f = cov.figures
        print(f"  coverage @150 m {dist:<8}  {t_cov:7.3f} s   posts {f['posts']:,}, entrances "
              f"{f['entrances_covered']:,}/{f['entrances_open']:,}, buildings {f['buildings_covered']:,}/"
              f"{f['buildings']:,}, households {f['households_covered']:,}/{f['households']:,}")
    viol, t_rules = _t(check_rules, area, cov=cov)
    counts = viol["rule"].value_counts().to_dict()
    print(f"  rule check ({cov.method}){' ' * (13 - len(cov.method))}{t_rules:7.3f} s   {len(viol):,} violations "
          f"{counts}")

    print("set cover: every open entrance of the street, candidates = the entrances + other checkpoints; "
          "'matrix s' = who covers whom (road: snapping + chunked Dijkstra)")
    print(f"  {'radius':>6} {'distance':>8} {'targets':>7} {'cands':>6} {'nnz':>7} {'matrix s':>8} {'parts':>5} "
          f"{'milp':>6} {'bound':>6} {'gap':>6} {'time s':>7} {'method':>7} | {'greedy':>6} {'g-gap':>6} "
          f"{'g time':>7} | {'suggest s':>9}")
    for radius in args.radius:
        for dist, a in areas.items():
            sg, t_sg = _t(suggest, a, radius_m=radius, time_limit=args.time_limit)
            cand = sg.candidates
            got, t_A = _t(reach, a, sg.targets, [cand], radius)
            A = got.within[0]
            sol = sg.solution
            g, t_g = _t(greedy_set_cover, A)
            lp, t_lp = _t(lp_bound_set_cover, A, np.ones(A.shape[1]))
            g_gap = (len(g) - np.ceil(lp - 1e-6)) / max(len(g), 1)
            print(f"  {radius:6.0f} {dist:>8} {A.shape[0]:7,} {A.shape[1]:6,} {A.nnz:7,} {t_A:8.3f} "
                  f"{sol.components:5,} {sol.objective:6.0f} {sol.bound:6.0f} {sol.gap:6.1%} {sol.seconds:7.3f} "
                  f"{sol.method:>7} | {len(g):6,} {g_gap:6.1%} {t_g + t_lp:7.3f} | {t_sg:9.3f}")
            if radius == args.radius[len(args.radius) // 2]:
                k = max(int(sol.objective) // 2, 1)
                mk = solve_max_coverage(A, k=k, time_limit=args.time_limit)
                print(f"    {dist}: k = {k}: covers {mk.objective:.0f}/{A.shape[0]} (bound {mk.bound:.0f}, gap "
                      f"{mk.gap:.1%}), {mk.seconds:.3f} s, {mk.method}")
                budget = 6 * k
                mb = solve_max_coverage(A, budget=budget, cost=cand["people_per_day"].to_numpy(float),
                                        time_limit=args.time_limit)
                print(f"    {dist}: budget {budget} people/day: covers {mb.objective:.0f}/{A.shape[0]} (bound "
                      f"{mb.bound:.0f}, gap {mb.gap:.1%}), {mb.seconds:.3f} s, {mb.method}")
                forced = solve_set_cover(A, max_exact_nnz=0)
                print(f"    {dist}: greedy fallback as the page would show it: {forced.objective:.0f} checkpoints, "
                      f"proven gap {forced.gap:.1%} to the LP bound {forced.bound:.0f}")
    if args.district:
        with store.read() as s:
            dcode = s.execute(text("SELECT code FROM units WHERE id = :i"),
                              {"i": int(area.path.strip("/").split("/")[1])}).scalar_one()
            darea, t_dl = _t(load_area, s, dcode, on)
        print(f"district {dcode}: load {t_dl:.2f} s, {len(darea.roads):,} roads")
        for dist in areas:
            a = replace(darea, planning={**darea.planning, "distance": dist}, cache={})
            t_net = _t(road_network, a)[1] if dist == METHOD_ROAD else 0.0
            cov, t_cov = _t(coverage, a, 150)
            sg, t_sg = _t(suggest, a, radius_m=150, time_limit=args.time_limit)
            sol = sg.solution
            print(f"  {dist:<8}: graph {t_net:.2f} s, coverage @150 m {t_cov:.2f} s ({cov.figures['posts']:,} posts, "
                  f"{cov.figures['buildings']:,} buildings); {len(sg.targets):,} open entrances, "
                  f"{len(sg.candidates):,} candidates; set cover {sol.objective:.0f} checkpoints, bound "
                  f"{sol.bound:.0f}, gap {sol.gap:.1%}, {sol.components} parts ({sol.parts_greedy} greedy), "
                  f"{sol.method}, solver {sol.seconds:.2f} s, suggest {t_sg:.2f} s")
    store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
