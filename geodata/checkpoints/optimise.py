"""The placement optimiser (卡点布设, issue 6; domain file §2.7, scenarios 9–10): where to put checkpoints so a
zone's open entrances are watched.

Targets are the open entrances of a zone; candidate posts are those entrances, the area's other checkpoints where
they stand, and points the supervisor adds. A candidate covers the targets within the radius — walking along the
area's roads when it has them (added points snap onto the roads like every other point), else in a straight line
(`geodata.checkpoints.coverage.reach`). Three questions:
  cover   — the fewest checkpoints (or people a day) that cover every target: set cover;
  k       — the most targets covered with k checkpoints: maximum coverage;
  budget  — the most targets covered with at most B people a day, each checkpoint costing its norm's people a day
            (geodata.checkpoints.rules.people_per_day): budgeted maximum coverage.
Solved exactly as integer programs with `scipy.optimize.milp` (HiGHS) under a time limit; set cover is split into
independent parts first (targets no candidate covers jointly), each part solved on its own. Greedy runs too: it
is the answer when the solver has none in time or the part is too large, and its gap to the LP bound is shown.
Measured in the engineering notes §E: exact is cheap for a street, out of reach at thousands of entrances.

The answer (`Suggestion`) carries plan items (geodata.checkpoints.whatif.PlanItem) that a what-if evaluates and a
saved plan applies.
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import connected_components

from geodata.base.problems import Problem, Rejected
from geodata.checkpoints import rules as cp_rules
from geodata.checkpoints.coverage import PLANNING_DEFAULTS, Area, entrances, reach
from geodata.checkpoints.rules import norm_staffing
from geodata.checkpoints.whatif import PlanItem

#: the largest part (candidates × targets non-zeros) handed to the exact solver; larger parts go greedy
MAX_EXACT_NNZ = 400_000


# --- solvers on a coverage matrix -----------------------------------------------------------------------------


@dataclass
class Solution:
    """A choice of candidates. For set cover `objective` is the cost (checkpoints or people a day) and `bound` a
    proven lower bound; for maximum coverage `objective` is the weight covered and `bound` a proven upper bound."""

    chosen: np.ndarray
    covered: np.ndarray
    objective: float
    bound: float
    method: str  # "milp" | "greedy" | "mixed" (some parts each way)
    optimal: bool
    seconds: float
    components: int = 1
    uncoverable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    parts_greedy: int = 0

    @property
    def gap(self) -> float:
        """Relative gap between the answer and the proven bound (0 = proven optimal)."""
        if self.optimal:
            return 0.0
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-9)


def _as_csr(A: Any) -> sparse.csr_matrix:
    return sparse.csr_matrix(A, dtype=np.float64)


def greedy_set_cover(A: sparse.spmatrix, cost: np.ndarray | None = None) -> np.ndarray:
    """Chvátal's greedy: repeatedly take the candidate with the most uncovered targets per unit cost.

    Targets no candidate covers are ignored. Then drops chosen candidates that became redundant."""
    A = _as_csr(A)
    n_t, n_c = A.shape
    cost = np.ones(n_c) if cost is None else np.asarray(cost, dtype=float)
    At = A.T.tocsr()
    uncovered = np.asarray(A.sum(axis=1)).ravel() > 0
    chosen: list[int] = []
    while uncovered.any():
        gain = At @ uncovered.astype(np.float64)
        score = np.where(gain > 0, gain / np.maximum(cost, 1e-12), -1.0)
        j = int(np.argmax(score))
        if score[j] <= 0:
            break
        chosen.append(j)
        uncovered[At[j].indices] = False
    return _drop_redundant(A, np.array(chosen, dtype=np.int64), cost)


def _drop_redundant(A: sparse.csr_matrix, chosen: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Remove chosen candidates (dearest first) whose targets are all covered by the others."""
    if chosen.size <= 1:
        return chosen
    sub = A[:, chosen].tocsc()
    count = np.asarray(sub.sum(axis=1)).ravel()
    keep = np.ones(chosen.size, dtype=bool)
    for pos in np.argsort(-cost[chosen], kind="stable"):
        rows = sub[:, pos].indices
        if rows.size and np.all(count[rows] >= 2):
            keep[pos] = False
            count[rows] -= 1
    return np.sort(chosen[keep])


def lp_bound_set_cover(A: sparse.spmatrix, cost: np.ndarray) -> float:
    """The LP relaxation's optimum: a lower bound on any set cover's cost."""
    A = _as_csr(A)
    res = linprog(cost, A_ub=-A, b_ub=-np.ones(A.shape[0]), bounds=(0, 1), method="highs")
    return float(res.fun) if res.status == 0 else 0.0


def _components(A: sparse.csr_matrix) -> list[tuple[np.ndarray, np.ndarray]]:
    """Independent parts of a covering problem: (target indices, candidate indices) per connected component of
    the bipartite target–candidate graph. Candidates covering nothing belong to no part."""
    n_t, n_c = A.shape
    graph = sparse.bmat([[None, A], [A.T, None]], format="csr")
    _, labels = connected_components(graph, directed=False)
    t_lab, c_lab = labels[:n_t], labels[n_t:]
    used = np.asarray(A.sum(axis=0)).ravel() > 0
    order_t = np.argsort(t_lab, kind="stable")
    splits = np.flatnonzero(np.diff(t_lab[order_t])) + 1
    c_by_label: dict[int, list[int]] = {}
    for j in np.flatnonzero(used):
        c_by_label.setdefault(int(c_lab[j]), []).append(int(j))
    parts = []
    for group in np.split(order_t, splits):
        if group.size:
            parts.append((group, np.array(c_by_label.get(int(t_lab[group[0]]), []), dtype=np.int64)))
    return parts


def solve_set_cover(A: sparse.spmatrix, cost: np.ndarray | None = None, *, time_limit: float = 10.0,
                    max_exact_nnz: int = MAX_EXACT_NNZ) -> Solution:
    """The cheapest set of candidates covering every coverable target (`A`: targets × candidates, bool).

    Split into independent parts; each solved by MILP under its share of `time_limit` (by size), keeping the
    greedy answer when the solver has nothing better in time or the part exceeds `max_exact_nnz`.
    """
    t0 = time.perf_counter()
    A = _as_csr(A)
    n_t, n_c = A.shape
    cost = np.ones(n_c) if cost is None else np.asarray(cost, dtype=float)
    integral = bool(np.all(np.equal(np.mod(cost, 1), 0)))
    reach = np.asarray(A.sum(axis=1)).ravel() > 0
    uncoverable = np.flatnonzero(~reach)
    parts = _components(A[reach]) if reach.any() else []
    t_map = np.flatnonzero(reach)
    parts = [(t_map[t], c) for t, c in parts]
    sizes = {id(p): int(A[p[0]][:, p[1]].nnz) for p in parts}
    nnz_left = max(sum(sizes.values()), 1)
    chosen: list[np.ndarray] = []
    objective = bound = 0.0
    optimal = True
    n_greedy = n_hard = 0  # parts answered by greedy, of the parts that needed a solver
    # smallest first: they finish at once and leave their unused time to the large ones
    for part in sorted(parts, key=lambda p: sizes[id(p)]):
        t_idx, c_idx = part
        sub = A[t_idx][:, c_idx]
        cst = cost[c_idx]
        if c_idx.size == 1 or t_idx.size == 1:
            pick = np.array([int(np.argmin(np.where(np.asarray(sub.sum(axis=0)).ravel() > 0, cst, np.inf)))])
            chosen.append(c_idx[pick])
            objective += float(cst[pick].sum())
            bound += float(cst[pick].sum())
            nnz_left -= sub.nnz
            continue
        n_hard += 1
        greedy = greedy_set_cover(sub, cst)
        best, best_cost = greedy, float(cst[greedy].sum())
        part_bound, part_opt, by_milp = None, False, False
        remaining = time_limit - (time.perf_counter() - t0)
        # this part's share of the time left, by size among the parts left (the largest, last, gets the rest)
        share = max(remaining * sub.nnz / max(nnz_left, 1), min(remaining, 0.5))
        nnz_left -= sub.nnz
        if sub.nnz <= max_exact_nnz and remaining > 0.05:
            res = milp(cst, integrality=np.ones(c_idx.size), bounds=Bounds(0, 1),
                       constraints=LinearConstraint(sub, lb=np.ones(t_idx.size), ub=np.inf),
                       options={"time_limit": float(share), "presolve": True})
            if res.x is not None:
                by_milp = True
                x = np.flatnonzero(res.x > 0.5)
                if float(cst[x].sum()) <= best_cost:
                    best, best_cost = x, float(cst[x].sum())
                part_opt = res.status == 0
            dual = getattr(res, "mip_dual_bound", None)
            if dual is not None and np.isfinite(dual):
                part_bound = float(dual)
            if part_opt:
                part_bound = best_cost
        if part_bound is None:
            part_bound = lp_bound_set_cover(sub, cst)  # the greedy answer's gap is measured against the LP
        if integral:
            part_bound = math.ceil(part_bound - 1e-6)
        part_opt = part_opt or best_cost <= part_bound + 1e-9
        n_greedy += 0 if by_milp else 1
        chosen.append(c_idx[best])
        objective += best_cost
        bound += min(part_bound, best_cost)
        optimal = optimal and part_opt
    picked = np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)
    covered = np.asarray(A[:, picked].sum(axis=1)).ravel() > 0 if picked.size else np.zeros(n_t, dtype=bool)
    method = "milp" if n_greedy == 0 else ("greedy" if n_greedy == n_hard else "mixed")
    return Solution(picked, covered, objective, bound, method, optimal, time.perf_counter() - t0,
                    components=len(parts), uncoverable=uncoverable, parts_greedy=n_greedy)


def greedy_max_coverage(A: sparse.spmatrix, *, k: int | None = None, budget: float | None = None,
                        cost: np.ndarray | None = None, weight: np.ndarray | None = None) -> np.ndarray:
    """Greedy maximum coverage: take the candidate adding the most uncovered weight (per unit cost when a budget
    is given) while it fits; with a budget also try the best single candidate (the classic ½(1−1/e) guard)."""
    A = _as_csr(A)
    n_t, n_c = A.shape
    cost = np.ones(n_c) if cost is None else np.asarray(cost, dtype=float)
    weight = np.ones(n_t) if weight is None else np.asarray(weight, dtype=float)
    At = A.T.tocsr()
    left = np.ones(n_t, dtype=bool)
    spent, chosen = 0.0, []
    avail = np.ones(n_c, dtype=bool)
    while True:
        if k is not None and len(chosen) >= k:
            break
        fits = avail & ((spent + cost <= budget + 1e-9) if budget is not None else True)
        if not fits.any():
            break
        gain = At @ (weight * left)
        score = gain / np.maximum(cost, 1e-12) if budget is not None else gain
        score = np.where(fits & (gain > 0), score, -1.0)
        j = int(np.argmax(score))
        if score[j] <= 0:
            break
        chosen.append(j)
        avail[j] = False
        spent += cost[j]
        left[At[j].indices] = False
    out = np.array(chosen, dtype=np.int64)
    if budget is not None and n_c:
        single = At @ weight
        single = np.where(cost <= budget + 1e-9, single, -1.0)
        j = int(np.argmax(single))
        if single[j] > _weight_covered(A, out, weight):
            out = np.array([j], dtype=np.int64)
    return np.sort(out)


def _weight_covered(A: sparse.csr_matrix, chosen: np.ndarray, weight: np.ndarray) -> float:
    if not chosen.size:
        return 0.0
    return float(weight[np.asarray(A[:, chosen].sum(axis=1)).ravel() > 0].sum())


def solve_max_coverage(A: sparse.spmatrix, *, k: int | None = None, budget: float | None = None,
                       cost: np.ndarray | None = None, weight: np.ndarray | None = None, time_limit: float = 10.0,
                       max_exact_nnz: int = MAX_EXACT_NNZ) -> Solution:
    """Most target weight covered by at most `k` candidates, or within `budget` (Σ cost). Exact MILP
    (x binary per candidate, y ∈ [0, 1] per target, y ≤ A x), ties broken towards fewer people; greedy fallback
    with its gap to the LP bound."""
    if (k is None) == (budget is None):
        raise ValueError("give exactly one of k or budget")
    t0 = time.perf_counter()
    A = _as_csr(A)
    n_t, n_c = A.shape
    cost = np.ones(n_c) if cost is None else np.asarray(cost, dtype=float)
    weight = np.ones(n_t) if weight is None else np.asarray(weight, dtype=float)
    integral = bool(np.all(np.equal(np.mod(weight, 1), 0)))
    greedy = greedy_max_coverage(A, k=k, budget=budget, cost=cost, weight=weight)
    best, best_w = greedy, _weight_covered(A, greedy, weight)
    uncoverable = np.flatnonzero(np.asarray(A.sum(axis=1)).ravel() == 0)
    # the problem the solver sees: useful candidates that fit, coverable targets
    useful = (np.asarray(A.sum(axis=0)).ravel() > 0) & ((cost <= budget + 1e-9) if budget is not None else True)
    reach = np.asarray(A.sum(axis=1)).ravel() > 0
    cj, ti = np.flatnonzero(useful), np.flatnonzero(reach)
    sub = A[ti][:, cj]
    cst, w = cost[cj], weight[ti]
    eps = 0.5 / (float(cst.sum()) + 1.0)  # ≤ ½ in total: never trades a covered target for fewer people
    n = cj.size + ti.size
    limit_row = sparse.csr_matrix(np.concatenate([np.ones(cj.size) if k is not None else cst, np.zeros(ti.size)]))
    link = sparse.hstack([-sub, sparse.identity(ti.size, format="csr")], format="csr")
    cons = [LinearConstraint(link, lb=-np.inf, ub=np.zeros(ti.size)),
            LinearConstraint(limit_row, lb=-np.inf, ub=float(k if k is not None else budget))]
    c = np.concatenate([eps * cst, -w])
    bound, optimal, method = None, False, "greedy"
    if cj.size and sub.nnz <= max_exact_nnz:
        res = milp(c, integrality=np.concatenate([np.ones(cj.size), np.zeros(ti.size)]), bounds=Bounds(0, 1),
                   constraints=cons, options={"time_limit": float(max(time_limit, 0.1)), "presolve": True})
        if res.x is not None:
            x = cj[np.flatnonzero(res.x[: cj.size] > 0.5)]
            w_x = _weight_covered(A, x, weight)
            if w_x >= best_w:
                best, best_w, method = np.sort(x), w_x, "milp"
            optimal = res.status == 0
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            # −w·y + eps·cost·x ≥ dual  ⇒  w·y ≤ eps·Σcost − dual
            bound = -float(dual) + eps * float(cst.sum())
    if bound is None:
        if cj.size:
            lp = linprog(c, A_ub=sparse.vstack([link, limit_row]).tocsr(),
                         b_ub=np.concatenate([np.zeros(ti.size), [float(k if k is not None else budget)]]),
                         bounds=(0, 1), method="highs")
            bound = -float(lp.fun) + eps * float(cst.sum()) if lp.status == 0 else float(w.sum())
        else:
            bound = 0.0
    if integral:
        bound = math.floor(bound + 1e-6)
    bound = max(bound, best_w)
    optimal = optimal or best_w >= bound - 1e-9
    covered = np.asarray(A[:, best].sum(axis=1)).ravel() > 0 if best.size else np.zeros(n_t, dtype=bool)
    return Solution(best, covered, best_w, bound, method, optimal, time.perf_counter() - t0,
                    components=1, uncoverable=uncoverable, parts_greedy=int(method == "greedy"))



# --- on an area ---------------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    """The optimiser's answer for a zone: which candidates to staff, what it covers, what to change."""

    mode: str
    radius_m: float
    targets: pd.DataFrame  # the zone's open entrances + covered (by the suggestion, incl. kept posts)
    candidates: pd.DataFrame  # code, name, kind, source, lon, lat, people_per_day, covers, chosen
    solution: Solution
    items: list[PlanItem]
    figures: dict[str, Any]
    matrix: sparse.csr_matrix | None = None  # targets × candidates: who covers whom (the problem solved)


def zone_polygon(area: Area, zone: str | shapely.Geometry | None) -> shapely.Geometry | None:
    """A zone as a polygon: None (the whole area), a community/compound code of the area, or a polygon."""
    if zone is None or isinstance(zone, shapely.Geometry):
        return zone
    for frame in (area.communities, area.compounds):
        hit = frame[frame["code"] == zone]
        if len(hit):
            return hit.geometry.iloc[0]
    raise Rejected([Problem(f"区域不在本街道: {zone}", f"zone not in this area: {zone}", field="zone")])


def suggest(area: Area, *, radius_m: float | None = None, mode: str = "cover", k: int | None = None,
            budget: float | None = None, zone: str | shapely.Geometry | None = None, controlled_only: bool = False,
            extra_points: Iterable[tuple[float, float]] = (), keep_existing: bool = False,
            close_surplus: bool = False, release_unchosen: bool = False, objective: str = "count",
            time_limit: float | None = None, checkpoints: pd.DataFrame | None = None,
            max_exact_nnz: int = MAX_EXACT_NNZ) -> Suggestion:
    """Where to put checkpoints so the zone's open entrances are watched (see the module docstring).

    mode "cover" (fewest checkpoints, or fewest people a day with objective="people"), "k" (best k
    checkpoints) or "budget" (best within `budget` people a day). `keep_existing`: staffed posts stay and count;
    only what they leave uncovered is planned. `close_surplus`: closed-management compounds keep one open
    entrance and the others are planned closed (rule single_entrance). `release_unchosen`: staffed entrance posts
    the answer does not need are planned released (0 staff).
    """
    if mode not in ("cover", "k", "budget"):
        raise ValueError(f"unknown mode {mode!r}")
    if mode == "k" and (k is None or k < 0):
        raise Rejected([Problem("请填写卡点数量", "give the number of checkpoints", field="k")])
    if mode == "budget" and (budget is None or budget < 0):
        raise Rejected([Problem("请填写每日人力预算", "give the people-a-day budget", field="budget")])
    setting = planning_setting_from(area)
    radius = float(radius_m or setting["radius_m"])
    time_limit = float(time_limit if time_limit is not None else setting["time_limit_s"])
    cps = (area.checkpoints if checkpoints is None else checkpoints).reset_index(drop=True)
    norms = area.norms
    staffing = cp_rules.staffing_status(cps, norms).to_numpy() if len(cps) else np.array([], dtype=object)
    cps = cps.assign(staffing=staffing)
    poly = zone_polygon(area, zone)
    items: list[PlanItem] = []

    ent = entrances(area, cps)
    inside = np.ones(len(ent), dtype=bool)
    if poly is not None and len(ent):
        inside = shapely.covers(poly, shapely.points(ent["lon"].to_numpy(float), ent["lat"].to_numpy(float)))
    if controlled_only:
        inside &= ent["zone_rank"].to_numpy() >= 1
    ent = ent[inside].reset_index(drop=True)
    if close_surplus and len(ent):
        closed = set(area.compounds.loc[area.compounds["control_state"] == "closed", "code"])
        grp = ent[ent["unit_code"].isin(closed)].sort_values(["unit_code", "staffing", "code"],
                                                             key=lambda s: s.map({"ok": 0, "under": 1}).fillna(2)
                                                             if s.name == "staffing" else s)
        surplus = grp[grp.duplicated("unit_code", keep="first")]
        for r in surplus.itertuples():
            items.append(PlanItem("close", r.code, name=r.name, base_version=_int(r.version),
                                  note="只留设一个出入口 single entrance"))
        ent = ent[~ent["code"].isin(surplus["code"])].reset_index(drop=True)

    # candidates: the entrances themselves, the other open checkpoints where they stand, the added points
    others = cps[(cps["status"] == "open") & (cps["kind"] != "compound_entrance")]
    extra = list(extra_points)
    cand = pd.concat([
        pd.DataFrame({"code": ent["code"], "name": ent["name"], "kind": "compound_entrance", "source": "entrance",
                      "lon": ent["lon"], "lat": ent["lat"], "staffing": ent["staffing"],
                      "version": ent["version"]}),
        pd.DataFrame({"code": others["code"], "name": others["name"], "kind": others["kind"], "source": "existing",
                      "lon": others["lon"], "lat": others["lat"], "staffing": others["staffing"],
                      "version": others["version"]}),
        pd.DataFrame({"code": [None] * len(extra), "name": [f"拟设卡点 {i + 1}" for i in range(len(extra))],
                      "kind": "community_checkpoint", "source": "added",
                      "lon": [float(p[0]) for p in extra], "lat": [float(p[1]) for p in extra],
                      "staffing": "unstaffed", "version": None}),
    ], ignore_index=True)
    cand["people_per_day"] = cp_rules.people_per_day(cand["kind"].to_numpy(), norms)
    got = reach(area, ent, [cand], radius)  # walking distance when the area has roads
    A = got.within[0]  # targets × candidates
    cand["covers"] = np.asarray(A.sum(axis=0)).ravel().astype(np.int64) if len(cand) else []

    kept = np.zeros(len(cand), dtype=bool)
    if keep_existing:
        kept = cand["staffing"].isin(["ok", "under"]).to_numpy()
    pre = np.asarray(A[:, np.flatnonzero(kept)].sum(axis=1)).ravel() > 0 if kept.any() else np.zeros(len(ent), bool)
    free = np.flatnonzero(~kept)
    todo = np.flatnonzero(~pre)
    sub = A[todo][:, free]
    cost = cand["people_per_day"].to_numpy(dtype=float)[free]
    if mode == "cover":
        sol = solve_set_cover(sub, cost if objective == "people" else None, time_limit=time_limit,
                              max_exact_nnz=max_exact_nnz)
    elif mode == "k":
        sol = solve_max_coverage(sub, k=int(k), time_limit=time_limit, max_exact_nnz=max_exact_nnz)
    else:
        left = float(budget) - float(cand["people_per_day"].to_numpy()[kept].sum())
        sol = solve_max_coverage(sub, budget=max(left, 0.0), cost=cost, time_limit=time_limit,
                                 max_exact_nnz=max_exact_nnz)
    chosen = np.zeros(len(cand), dtype=bool)
    chosen[free[sol.chosen]] = True
    chosen |= kept
    cand["chosen"] = chosen
    cand["kept"] = kept
    covered = np.asarray(A[:, np.flatnonzero(chosen)].sum(axis=1)).ravel() > 0 if chosen.any() else \
        np.zeros(len(ent), bool)
    targets = ent.assign(covered=covered)

    for r in cand[chosen].itertuples():
        if r.source == "added":
            day, night = norm_staffing(r.kind, norms)
            items.append(PlanItem("add", None, name=r.name, kind=r.kind, lon=float(r.lon), lat=float(r.lat),
                                  staff_day=day, staff_night=night, is_24h=True, note="优化建议 suggested"))
        elif r.staffing != "ok":
            day, night = norm_staffing(r.kind, norms)
            items.append(PlanItem("staff", r.code, name=r.name, kind=r.kind, staff_day=day, staff_night=night,
                                  is_24h=True, base_version=_int(r.version), note="按标准配齐 staff to the norm"))
    if release_unchosen:
        spare = cand[~chosen & (cand["source"] == "entrance") & cand["staffing"].isin(["ok", "under"])]
        for r in spare.itertuples():
            items.append(PlanItem("staff", r.code, name=r.name, kind=r.kind, staff_day=0, staff_night=0,
                                  is_24h=False, base_version=_int(r.version), note="已由附近卡点覆盖 covered nearby"))
    chosen_people = int(cand.loc[chosen, "people_per_day"].sum())
    # staffed posts the answer does not need but the draft keeps (not released): the draft has the answer's posts
    # plus these, so a headline of the answer alone would not match the draft (issue 16 point 4)
    released = (cand["source"] == "entrance").to_numpy() & bool(release_unchosen)
    left = ~chosen & cand["staffing"].isin(["ok", "under"]).to_numpy() & ~released
    figures = {
        "mode": mode, "radius_m": radius, "distance": got.method, "method": sol.method, "optimal": bool(sol.optimal),
        "gap": round(float(sol.gap), 4), "seconds": round(float(sol.seconds), 3), "components": sol.components,
        "targets": int(len(ent)), "covered": int(covered.sum()), "uncovered": int((~covered).sum()),
        "checkpoints": int(chosen.sum()), "kept": int(kept.sum()), "added_points": int(len(extra)),
        "people_per_day": chosen_people, "objective": float(sol.objective), "bound": float(sol.bound),
        "left_staffed": int(left.sum()), "posts_after": int(chosen.sum() + left.sum()),
    }
    return Suggestion(mode, radius, targets, cand, sol, items, figures, A)


def planning_setting_from(area: Area) -> dict[str, Any]:
    return {**PLANNING_DEFAULTS, **(area.planning or {})}


def _int(v: Any) -> int | None:
    """A frame's version cell as a plan item's base version (None for a point that is not yet a checkpoint)."""
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else int(v)
