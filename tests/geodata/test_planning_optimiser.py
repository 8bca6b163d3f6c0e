"""The placement optimiser against brute force on small cases (≤ 12 candidates: every subset tried), its greedy
fallback and the gap it reports, the split into independent parts, and `suggest` on a real street."""
from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from scipy import sparse
from shapely.geometry import Point, box

from geodata.checkpoints.coverage import load_area
from geodata.checkpoints.optimise import (
    greedy_max_coverage,
    greedy_set_cover,
    solve_max_coverage,
    solve_set_cover,
    suggest,
)
from geodata.checkpoints.whatif import evaluate
from geodata.exchange.bulk import upsert_layer
from geodata.store.writes import Actor, write
from tests.factories import TODAY, X0, Y0, load_small_city


def random_instance(seed: int, n_t: int = 14, n_c: int = 10, radius: float = 260.0):
    """Targets and candidates in a 1 km square; a candidate covers the targets within `radius`."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 1000, (n_t, 2))
    c = np.vstack([t[: n_c // 2], rng.uniform(0, 1000, (n_c - n_c // 2, 2))])  # half on targets: always feasible
    d = np.hypot(*(t[:, None, :] - c[None, :, :]).transpose(2, 0, 1))
    cost = rng.choice([6, 10, 20], n_c).astype(float)
    weight = rng.integers(1, 5, n_t).astype(float)
    return sparse.csr_matrix(d <= radius), cost, weight


def subsets(n: int):
    for r in range(n + 1):
        yield from itertools.combinations(range(n), r)


def brute_set_cover(A: np.ndarray, cost: np.ndarray) -> float:
    need = A.any(axis=1)
    return min(cost[list(s)].sum() for s in subsets(A.shape[1]) if (A[:, list(s)].any(axis=1) >= need).all())


def brute_max_coverage(A: np.ndarray, weight: np.ndarray, cost: np.ndarray, limit: float, by_cost: bool) -> float:
    best = 0.0
    for s in subsets(A.shape[1]):
        spend = cost[list(s)].sum() if by_cost else len(s)
        if spend <= limit:
            best = max(best, weight[A[:, list(s)].any(axis=1)].sum())
    return best


SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
def test_set_cover_finds_the_brute_force_minimum(seed):
    A, cost, _ = random_instance(seed)
    dense = A.toarray()
    sol = solve_set_cover(A)
    assert sol.objective == brute_set_cover(dense, np.ones(A.shape[1]))
    assert sol.optimal and sol.gap == 0.0 and sol.covered[dense.any(axis=1)].all()
    weighted = solve_set_cover(A, cost)
    assert weighted.objective == brute_set_cover(dense, cost) == cost[weighted.chosen].sum()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_k_checkpoints_cover_the_brute_force_maximum(seed, k):
    A, cost, weight = random_instance(seed)
    sol = solve_max_coverage(A, k=k, weight=weight)
    assert len(sol.chosen) <= k
    assert sol.objective == brute_max_coverage(A.toarray(), weight, cost, k, by_cost=False)
    assert sol.optimal and sol.bound == sol.objective


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("budget", [6, 16, 30, 45])
def test_a_staff_budget_covers_the_brute_force_maximum(seed, budget):
    A, cost, _ = random_instance(seed, n_c=12)
    sol = solve_max_coverage(A, budget=budget, cost=cost)
    assert cost[sol.chosen].sum() <= budget
    assert sol.objective == brute_max_coverage(A.toarray(), np.ones(A.shape[0]), cost, budget, by_cost=True)


def test_ties_go_to_fewer_people():
    # both covers reach the one target; the cheaper candidate wins
    A = sparse.csr_matrix(np.array([[1, 1]], dtype=bool))
    sol = solve_max_coverage(A, k=2, cost=np.array([20.0, 6.0]))
    assert sol.chosen.tolist() == [1]


@pytest.mark.parametrize("seed", SEEDS)
def test_greedy_is_feasible_and_its_gap_brackets_the_optimum(seed):
    A, cost, weight = random_instance(seed, n_t=40, n_c=12, radius=300)
    best = brute_set_cover(A.toarray(), np.ones(12))
    forced = solve_set_cover(A, max_exact_nnz=0)  # too large for the exact solver: greedy + LP bound
    assert forced.method == "greedy"
    assert forced.bound <= best <= forced.objective
    assert forced.gap == pytest.approx((forced.objective - forced.bound) / forced.objective)
    assert forced.covered[A.toarray().any(axis=1)].all()
    g = greedy_max_coverage(A, k=3, weight=weight)
    opt = brute_max_coverage(A.toarray(), weight, cost, 3, by_cost=False)
    sol = solve_max_coverage(A, k=3, weight=weight, max_exact_nnz=0)
    assert sol.method == "greedy" and sol.objective <= opt <= sol.bound
    assert set(sol.chosen) == set(g) or sol.objective >= weight[A[:, g].toarray().any(axis=1)].sum()


def test_greedy_set_cover_drops_candidates_made_redundant():
    # greedy takes c0 (3 targets) then needs c1 and c2 for the rest; c0 is then redundant
    A = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=bool))
    assert greedy_set_cover(A).tolist() == [1, 2]


def test_independent_parts_are_solved_apart_and_uncoverable_targets_reported():
    A = np.zeros((6, 5), dtype=bool)
    A[0:2, 0] = A[1:3, 1] = True  # part 1: targets 0–2, candidates 0–1
    A[3:5, 2] = A[3, 3] = True  # part 2: targets 3–4, candidates 2–3
    # target 5 nobody covers; candidate 4 covers nothing
    sol = solve_set_cover(sparse.csr_matrix(A))
    assert sol.components == 2 and sol.objective == 3 and sol.optimal
    assert sol.uncoverable.tolist() == [5] and sol.covered.tolist() == [True] * 5 + [False]


def test_a_large_instance_meets_its_time_limit_and_reports_a_proven_gap():
    rng = np.random.default_rng(1)
    t = rng.uniform(0, 5000, (1500, 2))
    c = np.vstack([t, rng.uniform(0, 5000, (300, 2))])
    pts_t, pts_c = t[:, None, :], c[None, :, :]
    A = sparse.csr_matrix(np.hypot(*(pts_t - pts_c).transpose(2, 0, 1)) <= 250)
    sol = solve_set_cover(A, time_limit=2.0)
    assert sol.covered.all() and sol.bound <= sol.objective
    assert 0.0 <= sol.gap < 0.5
    assert sol.objective <= len(greedy_set_cover(A))


# --- suggest on a real street ----------------------------------------------------------------------------------


def _entrances(store, rows):
    write(store, Actor.system("test"), lambda ctx: upsert_layer(ctx, "checkpoints", gpd.GeoDataFrame(
        [{"code": c, "name": c, "kind": "compound_entrance", "unit_code": u, "status": "open", "staff_day": d,
          "staff_night": n, "is_24h": d > 0, "geometry": Point(X0 + x, Y0 + y)} for c, u, x, y, d, n in rows],
        geometry="geometry", crs="EPSG:4326")))


def _street(store):
    with store.read() as s:
        return load_area(s, "S1", TODAY)


def test_suggest_finds_the_fewest_posts_and_plans_what_must_change(store):
    """Four gates on both sides of the G12K2/G22K1 fence: pairs 66 m apart, 115 m across the fence; a post in the
    middle (66 m from each) watches all four."""
    load_small_city(store)
    _entrances(store, [("A1", "G12K2", 0.0394, 0.0297, 0, 0), ("A2", "G12K2", 0.0394, 0.0303, 0, 0),
                       ("A3", "G22K1", 0.0406, 0.0297, 0, 0), ("A4", "G22K1", 0.0406, 0.0303, 4, 2)])
    area = _street(store)
    zone = box(X0 + 0.035, Y0 + 0.025, X0 + 0.045, Y0 + 0.035)
    only_gates = suggest(area, radius_m=100, zone=zone)
    assert only_gates.figures["targets"] == 4 and only_gates.figures["uncovered"] == 0
    assert only_gates.figures["checkpoints"] == 2 and only_gates.solution.optimal

    centre = (X0 + 0.0400, Y0 + 0.0300)
    with_point = suggest(area, radius_m=100, zone=zone, extra_points=[centre], release_unchosen=True)
    assert with_point.figures["checkpoints"] == 1 and with_point.figures["people_per_day"] == 6
    actions = [(i.action, i.code) for i in with_point.items]
    assert actions == [("add", None), ("staff", "A4")]  # a new post; A4's guards released
    assert with_point.items[0].staff_day == 4 and with_point.items[0].staff_night == 2
    after = evaluate(area, with_point.items, radius_m=100)
    assert after.coverage.entrances.set_index("code").loc[["A1", "A2", "A3", "A4"], "covered"].all()

    kept = suggest(area, radius_m=100, zone=zone, keep_existing=True)
    assert kept.figures["kept"] == 1 and kept.candidates.query("chosen")["code"].tolist().count("A4") == 1

    one = suggest(area, radius_m=100, zone=zone, mode="k", k=1)
    assert one.figures["covered"] == 2  # one gate watches itself and its neighbour across the path
    budget = suggest(area, radius_m=100, zone=zone, mode="budget", budget=11)
    assert budget.figures["checkpoints"] == 1 and budget.figures["people_per_day"] <= 11


def test_suggest_closes_the_surplus_gates_of_a_closed_compound_first(store):
    from geodata.situation.control import set_control

    load_small_city(store)
    _entrances(store, [("B1", "G11K2", 0.025, 0.001, 4, 2), ("B2", "G11K2", 0.035, 0.001, 0, 0)])
    write(store, Actor.system("test"), lambda ctx: set_control(ctx, "G11K2", "closed", "封闭管理", on=TODAY))
    area = _street(store)
    sg = suggest(area, radius_m=100, zone="G11K2", close_surplus=True)
    assert [(i.action, i.code) for i in sg.items] == [("close", "B2")]
    assert sg.figures["targets"] == 1 and sg.figures["checkpoints"] == 1
    assert evaluate(area, sg.items, radius_m=100).violations.query("rule == 'single_entrance'").empty
