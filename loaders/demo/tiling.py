"""Polygons that tile their parent: irregular outlines, recursive Voronoi subdivision, points inside polygons.

Each level is cut in one vectorised pass over all its parents: the seed points of every parent become one
MultiPoint, `shapely.voronoi_polygons(..., extend_to=parent)` yields cells covering the parent's envelope, and each
cell is intersected with its own parent. Voronoi cells are convex, so a cell ∩ parent is split in several parts only
where the parent is concave (near the irregular city outline); such stray parts are merged into the sibling they
share the longest edge with, so that every child stays one polygon and the children still tile the parent.

Coordinates are plain WGS-84 degrees; the slight anisotropy (1° lon ≈ 0.86° lat in metres at 30.6°N) does not
matter for a demo.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import Polygon

Density = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x, y) -> acceptance probability in (0, 1]


def irregular_outline(
    rng: np.random.Generator, center: tuple[float, float], radii: tuple[float, float], n_vertices: int = 96
) -> Polygon:
    """A star-shaped, non-rectangular outline: an ellipse whose radius wobbles with a few random harmonics."""
    theta = np.linspace(0.0, 2 * np.pi, n_vertices, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 8):
        r += rng.uniform(0.02, 0.16) / k**0.7 * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r += rng.normal(0.0, 0.012, theta.size)
    r = np.clip(r, 0.55, None)
    x = center[0] + radii[0] * r * np.cos(theta)
    y = center[1] + radii[1] * r * np.sin(theta)
    return shapely.make_valid(Polygon(np.c_[x, y]))


def points_in(
    rng: np.random.Generator, polys: np.ndarray, counts: np.ndarray, density: Density | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`counts[i]` random points inside `polys[i]` (rejection sampling, optionally thinned by `density`).

    Returns x, y and the owner index, sorted by owner.
    """
    owner = np.repeat(np.arange(polys.size), counts)
    bounds = shapely.bounds(polys)
    shapely.prepare(polys)
    x = np.empty(owner.size)
    y = np.empty(owner.size)
    todo = np.arange(owner.size)
    for _ in range(500):
        if todo.size == 0:
            break
        o = owner[todo]
        b = bounds[o]
        xx = b[:, 0] + rng.random(todo.size) * (b[:, 2] - b[:, 0])
        yy = b[:, 1] + rng.random(todo.size) * (b[:, 3] - b[:, 1])
        ok = shapely.contains_xy(polys[o], xx, yy)
        if density is not None:
            ok &= rng.random(todo.size) < density(xx, yy)
        x[todo[ok]] = xx[ok]
        y[todo[ok]] = yy[ok]
        todo = todo[~ok]
    if todo.size:  # slivers the sampler keeps missing: fall back to a guaranteed interior point
        pts = shapely.point_on_surface(polys[owner[todo]])
        x[todo], y[todo] = shapely.get_x(pts), shapely.get_y(pts)
    return x, y, owner


def subdivide(
    rng: np.random.Generator,
    parents: np.ndarray,
    counts: np.ndarray,
    *,
    relax: int = 1,
    density: Density | None = None,
    seeds: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cut every `parents[i]` into about `counts[i]` polygons that tile it exactly.

    `relax` Lloyd iterations move each seed to its cell's centroid, giving rounder, more even units (skip it for
    levels whose seeds follow a density gradient). `seeds` = (x, y, owner) overrides the random seeds.
    Returns the children and their parent index, ordered by parent and then north-west first (reading order).
    """
    parents = np.asarray(parents, dtype=object)
    counts = np.asarray(counts, dtype=np.int64)
    if seeds is None:
        x, y, owner = points_in(rng, parents, counts, density)
    else:
        x, y, owner = seeds
    multi = np.bincount(owner, minlength=parents.size) >= 2
    keep = multi[owner]
    x, y, owner = x[keep], y[keep], owner[keep]

    cells, cell_owner = np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    if owner.size:
        cells, cell_owner = _voronoi_clip(parents, x, y, owner)
    for _ in range(relax if owner.size else 0):
        c = shapely.centroid(cells)
        inside = shapely.contains(parents[cell_owner], c)
        c = np.where(inside, c, shapely.point_on_surface(cells))
        cells, cell_owner = _voronoi_clip(parents, shapely.get_x(c), shapely.get_y(c), cell_owner)

    single = np.flatnonzero(~multi)  # one child: the parent itself, exactly
    children = np.concatenate([cells, parents[single]])
    child_owner = np.concatenate([cell_owner, single])
    return _reading_order(parents, children, child_owner)


def _voronoi_clip(
    parents: np.ndarray, x: np.ndarray, y: np.ndarray, owner: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    groups = np.unique(owner)
    order = np.argsort(owner, kind="stable")
    pts = shapely.multipoints(np.c_[x[order], y[order]], indices=np.searchsorted(groups, owner[order]))
    diagrams = shapely.voronoi_polygons(pts, extend_to=parents[groups])
    raw, idx = shapely.get_parts(diagrams, return_index=True)
    raw_owner = groups[idx]
    clipped = shapely.intersection(raw, parents[raw_owner])
    return _single_polygons(clipped, raw_owner)


def _single_polygons(clipped: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One polygon per cell: polygonal parts only; secondary parts merged into the neighbouring sibling."""
    parts, cell = shapely.get_parts(clipped, return_index=True)
    # Nested collections are not expected from polygon ∩ polygon, but flatten once more to be safe.
    parts, sub = shapely.get_parts(parts, return_index=True)
    cell = cell[sub]
    ok = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    parts, cell = parts[ok], cell[ok]
    area = shapely.area(parts)
    order = np.lexsort((-area, cell))
    parts, cell = parts[order], cell[order]
    is_main = np.r_[True, cell[1:] != cell[:-1]]
    main, main_owner = parts[is_main].copy(), owner[cell[is_main]]
    strays, stray_owner = parts[~is_main], owner[cell[~is_main]]
    extra, extra_owner = [], []
    for piece, o in zip(strays, stray_owner):  # rare: only where a parent is concave
        sib = np.flatnonzero(main_owner == o)
        shared = shapely.length(shapely.intersection(shapely.boundary(main[sib]), piece.boundary))
        j = int(np.argmax(shared)) if sib.size else -1
        merged = shapely.union(main[sib[j]], piece) if j >= 0 and shared[j] > 0 else None
        if merged is not None and merged.geom_type == "Polygon":
            main[sib[j]] = merged
        else:  # cannot be glued to a sibling as one polygon: it becomes a child of its own
            extra.append(piece)
            extra_owner.append(o)
    if extra:
        main = np.concatenate([main, np.array(extra, dtype=object)])
        main_owner = np.concatenate([main_owner, np.array(extra_owner, dtype=np.int64)])
    return main, main_owner


def _reading_order(parents: np.ndarray, children: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort children by parent, then in rows from north to south, west to east within a row."""
    pb = shapely.bounds(parents)[owner]
    n_children = np.bincount(owner, minlength=parents.size)[owner]
    band = (pb[:, 3] - pb[:, 1]) / np.maximum(np.sqrt(n_children), 1.0)
    c = shapely.centroid(children)
    row = np.floor((pb[:, 3] - shapely.get_y(c)) / np.where(band > 0, band, 1.0))
    order = np.lexsort((shapely.get_x(c), row, owner))
    return children[order], owner[order]


def lattice_points_in(
    rng: np.random.Generator, polys: np.ndarray, counts: np.ndarray, inset: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`counts[i]` well-spread points strictly inside `polys[i]`, kept `inset` degrees from its edge where possible.

    Points come from a jittered lattice over the inset polygon, so that buildings do not pile on each other.
    Returns x, y, owner (sorted by owner, then north-west first) and each owner's lattice spacing in degrees.
    """
    n = polys.size
    shrunk = shapely.buffer(polys, -inset)
    for factor in (0.3, 0.05):  # tiny compounds: a smaller inset, then (almost) none
        bad = shapely.is_empty(shrunk) | (shapely.area(shrunk) < 1e-12)
        if not bad.any():
            break
        shrunk[bad] = shapely.buffer(polys[bad], -inset * factor)
    bad = shapely.is_empty(shrunk) | (shapely.area(shrunk) < 1e-14)
    shrunk[bad] = polys[bad]
    shapely.prepare(shrunk)

    area = shapely.area(shrunk)
    spacing = np.sqrt(area / np.maximum(counts, 1) / 1.7)
    b = shapely.bounds(shrunk)
    nx = np.maximum(np.ceil((b[:, 2] - b[:, 0]) / spacing).astype(np.int64), 1)
    ny = np.maximum(np.ceil((b[:, 3] - b[:, 1]) / spacing).astype(np.int64), 1)
    nx[counts == 0] = 0
    total = nx * ny
    owner = np.repeat(np.arange(n), total)
    local = np.arange(owner.size) - np.repeat(np.cumsum(total) - total, total)
    ix, iy = local % nx[owner], local // nx[owner]
    s = spacing[owner]
    x = b[owner, 0] + (ix + 0.5 + rng.uniform(-0.3, 0.3, owner.size)) * s
    y = b[owner, 1] + (iy + 0.5 + rng.uniform(-0.3, 0.3, owner.size)) * s
    ok = shapely.contains_xy(shrunk[owner], x, y)
    x, y, owner = x[ok], y[ok], owner[ok]

    # keep a random subset of counts[i] lattice points per polygon
    order = np.lexsort((rng.random(owner.size), owner))
    x, y, owner = x[order], y[order], owner[order]
    first = np.searchsorted(owner, np.arange(n))
    rank = np.arange(owner.size) - first[owner]
    take = rank < counts[owner]
    x, y, owner = x[take], y[take], owner[take]

    short = counts - np.bincount(owner, minlength=n)
    if short.any():  # polygons whose lattice missed: top up with plain random points
        fx, fy, fo = points_in(rng, shrunk, np.maximum(short, 0))
        x, y, owner = np.r_[x, fx], np.r_[y, fy], np.r_[owner, fo]

    row = np.floor((b[owner, 3] - y) / spacing[owner] / 1.5)
    order = np.lexsort((x, row, owner))
    return x[order], y[order], owner[order], spacing


def points_along_edge(
    polys: np.ndarray, owner: np.ndarray, fractions: np.ndarray, inset: float
) -> tuple[np.ndarray, np.ndarray]:
    """Points on the ring `inset` degrees inside the edge of `polys[owner]`, at `fractions` of its length.

    Such points are just inside the polygon (an entrance on a compound's fence, a checkpoint on a boundary).
    """
    ring = shapely.boundary(shapely.buffer(polys, -inset))
    empty = shapely.is_empty(ring)
    ring[empty] = shapely.boundary(shapely.buffer(polys[empty], -inset * 0.1))
    pts = shapely.line_interpolate_point(ring[owner], fractions, normalized=True)
    return shapely.get_x(pts), shapely.get_y(pts)
