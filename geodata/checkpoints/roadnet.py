"""Walking distance along roads (issue 6: "walking distance along roads when road data is loaded").

Everything here is in metres of one metric CRS (the caller projects: `geodata.checkpoints.coverage.metric_xy`), and answers
the two questions `geodata.checkpoints.coverage` asks of straight lines, with the same shapes of result:
  `walking_within(net, src, dst, r)`  boolean sparse (src × dst): True where the walk is at most r metres;
  `walking_nearest(net, src, dst)`    for each dst, the index of the nearest src by walking and the distance.

The network (`build_network`) is the area's road lines noded where they cross or touch (`shapely.union_all` with
snap-rounding on a 1 mm grid, so a lane that ends on a main road is joined to it even when the digitised end is
a hair off the line), cut into straight segments between vertices, each an edge weighted by its length. Roads
that cross without a junction (bridges, underpasses) are joined too: road files rarely say which crossings are
junctions, and a guard is not stopped by a flyover often enough to matter here.

A point is attached to the road where it is nearest (`STRtree.query_nearest` over the segments), exactly there:
its projection splits the segment (several points on one segment are chained in order along it), and the
straight access leg from the point to that projection is part of every walk from or to it. Shortest walks are
`scipy.sparse.csgraph.dijkstra` from the sources with `limit=r`, so each search stops at the radius, in chunks
so that a (chunk × nodes) distance block stays near `CELLS` cells. A walk is never shorter than the straight
line, so on a large graph the sources are grouped by square cells of 2r and each group searches only the 3 × 3
cells around its own (coverage of a district of 8,700 posts and 59,000 buildings: 6.6 s searching the whole
graph from every post, 3.7 s this way, most of it now snapping and cutting the graph). Points on road pieces not
connected to each other do not reach each other (infinite distance).

One exception to "along roads": two points with no road between them walk straight across. It is certain that
no road crosses the straight line a–b when that line is shorter than a's (or b's) distance to the nearest road
(a crossing road would be closer to a than b is), so such pairs are within reach at their straight distance. It
keeps a post standing at a gate 40 m inside a compound covering that same gate, instead of sending the guard
out to the road and back.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

#: snap-rounding grid of the noding (metres): vertices move by at most half of it
NODE_GRID_M = 0.001
#: zero-length edges (a point exactly on a vertex, two points at one place) get this weight: scipy's sparse graphs
#: must never lose an edge because its stored weight is 0
MIN_EDGE_M = 1e-9
#: a walk counts as within r when it is at most r + TOLERANCE_M (sums of float lengths are not exact)
TOLERANCE_M = 1e-6
#: distance cells per Dijkstra call (float64: 32 MB); the chunk of sources is CELLS // nodes
CELLS = 4_000_000
#: graphs larger than this are searched by neighbourhood (see `within`); below it one search of the whole graph is
#: cheaper than cutting it (a street: ~15,000 nodes, 0.02 s whole against 0.05–0.09 s by neighbourhood)
LOCAL_SEARCH_NODES = 50_000


@dataclass(frozen=True)
class RoadNetwork:
    """Noded road segments in metres: segment i runs from node `seg_u[i]` to node `seg_v[i]`."""

    nodes: np.ndarray  # (n, 2) x, y
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_len: np.ndarray
    segments: np.ndarray  # shapely LineStrings nodes[u] → nodes[v], for snapping
    tree: shapely.STRtree

    @property
    def n_nodes(self) -> int:
        return int(len(self.nodes))

    @property
    def n_segments(self) -> int:
        return int(len(self.seg_u))

    @property
    def length_m(self) -> float:
        return float(self.seg_len.sum())


def build_network(lines: Sequence[shapely.Geometry] | np.ndarray) -> RoadNetwork:
    """The walking network of road lines (LineString/MultiLineString, metres); None/empty entries are skipped."""
    geoms = np.asarray(lines, dtype=object).ravel()
    if geoms.size:
        geoms = geoms[~shapely.is_missing(geoms)]
        geoms = geoms[~shapely.is_empty(geoms)]
    if geoms.size == 0:
        return _network(np.empty((0, 2)), np.empty((0, 2)), np.empty((0, 2)))
    noded = shapely.union_all(geoms, grid_size=NODE_GRID_M)
    parts = shapely.get_parts(noded)
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2))]  # snap-rounding can collapse a sliver to a point
    coords, owner = shapely.get_coordinates(parts, return_index=True)
    same = owner[1:] == owner[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    return _network(coords, a, b)


def _network(coords: np.ndarray, a: np.ndarray, b: np.ndarray) -> RoadNetwork:
    if len(a) == 0:
        return RoadNetwork(np.empty((0, 2)), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
                           np.empty(0, dtype=object), shapely.STRtree([]))
    # after snap-rounding, one place has one coordinate: vertices are identified on the grid
    keys = np.round(np.vstack([a, b]) / NODE_GRID_M).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    nodes = np.vstack([a, b])[first]
    u, v = inverse[: len(a)], inverse[len(a):]
    keep = u != v
    lo, hi = np.minimum(u, v)[keep], np.maximum(u, v)[keep]
    length = np.hypot(*(nodes[hi] - nodes[lo]).T)
    # one edge per node pair (the union dissolves overlaps, this only guards against rounding twins)
    order = np.lexsort((length, hi, lo))
    lo, hi, length = lo[order], hi[order], length[order]
    single = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    lo, hi, length = lo[single], hi[single], length[single]
    segments = shapely.linestrings(np.stack([nodes[lo], nodes[hi]], axis=1))
    return RoadNetwork(nodes, lo, hi, length, segments, shapely.STRtree(segments))


@dataclass(frozen=True)
class Snapped:
    """A network with points attached: point i is graph node `node[i]`, `access[i]` metres from its road."""

    graph: sparse.csr_matrix  # symmetric: both directions stored
    node: np.ndarray
    access: np.ndarray
    xy: np.ndarray
    node_xy: np.ndarray  # (graph nodes, 2): where each node is, to cut the graph down to a neighbourhood


def snap(net: RoadNetwork, xy: np.ndarray) -> Snapped:
    """Attach points (n, 2) to the network: projection on the nearest segment + the access leg to it."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n, k = net.n_nodes, len(xy)
    access = np.full(k, np.inf)
    edges = [(net.seg_u, net.seg_v, net.seg_len)]
    proj_xy = xy.copy()  # a point without a road keeps its own place for its (unconnected) projection node
    if k and net.n_segments:
        pts = shapely.points(xy)
        pairs, dist = net.tree.query_nearest(pts, return_distance=True, all_matches=False)
        seg = np.empty(k, dtype=np.int64)
        seg[pairs[0]] = pairs[1]
        access[pairs[0]] = dist
        length = net.seg_len[seg]
        t = np.clip(shapely.line_locate_point(net.segments[seg], pts), 0.0, length)  # metres from seg_u
        a, b = net.nodes[net.seg_u[seg]], net.nodes[net.seg_v[seg]]
        proj_xy = a + (b - a) * (t / np.maximum(length, MIN_EDGE_M))[:, None]
        # the projections split their segments: chain them in order along each segment, u → p1 → p2 → … → v
        order = np.lexsort((t, seg))
        s_sorted, t_sorted, p_sorted = seg[order], t[order], n + order
        first = np.r_[True, s_sorted[1:] != s_sorted[:-1]]
        last = np.r_[s_sorted[1:] != s_sorted[:-1], True]
        prev_node = np.where(first, net.seg_u[s_sorted], np.r_[-1, p_sorted[:-1]])
        prev_t = np.where(first, 0.0, np.r_[0.0, t_sorted[:-1]])
        edges.append((prev_node, p_sorted, t_sorted - prev_t))
        edges.append((p_sorted[last], net.seg_v[s_sorted[last]], length[order][last] - t_sorted[last]))
        edges.append((n + k + np.arange(k), n + np.arange(k), access))  # the access legs
    size = n + 2 * k
    i = np.concatenate([e[0] for e in edges]).astype(np.int64)
    j = np.concatenate([e[1] for e in edges]).astype(np.int64)
    w = np.maximum(np.concatenate([e[2] for e in edges]).astype(float), MIN_EDGE_M)
    graph = sparse.csr_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(size, size))
    return Snapped(graph, n + k + np.arange(k), access, xy, np.vstack([net.nodes.reshape(-1, 2), proj_xy, xy]))


def _direct(s: Snapped, src: np.ndarray, dst: np.ndarray, radius: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, metres) of the pairs that walk straight across: within `radius` and with no road between them
    (their straight line is shorter than the longer of their two access legs; see the module docstring)."""
    if not len(src) or not len(dst):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    reach = min(float(radius), float(max(s.access[src].max(), s.access[dst].max())))
    if not np.isfinite(reach):  # no road at all and no radius: every pair would qualify; nobody asks that
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    pairs = cKDTree(s.xy[src]).sparse_distance_matrix(cKDTree(s.xy[dst]), reach, output_type="ndarray")
    i, j, d = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64), pairs["v"]
    ok = d < np.maximum(s.access[src][i], s.access[dst][j])
    return i[ok], j[ok], d[ok]


class _Grid:
    """Square cells of side `size` over the graph's nodes: the nodes of a 3 × 3 block of cells in a few binary
    searches (a scan of every node per group of sources cost 4 s of a district's 10)."""

    def __init__(self, node_xy: np.ndarray, src_xy: np.ndarray, size: float) -> None:
        self.size = size
        node_cell = np.floor(node_xy / size).astype(np.int64)
        self.src_cell = np.floor(src_xy / size).astype(np.int64)
        both = np.vstack([node_cell, self.src_cell])
        self.origin = both.min(axis=0) - 1
        self.width = int(both[:, 0].max() - self.origin[0]) + 2
        code = self._code(node_cell)
        self.order = np.argsort(code, kind="stable")
        self.sorted = code[self.order]

    def _code(self, cell: np.ndarray) -> np.ndarray:
        return (cell[:, 1] - self.origin[1]) * self.width + (cell[:, 0] - self.origin[0])

    def groups(self) -> list[np.ndarray]:
        """Indices of the sources grouped by their cell."""
        code = self._code(self.src_cell)
        order = np.argsort(code, kind="stable")
        cuts = np.flatnonzero(np.r_[True, code[order][1:] != code[order][:-1], True])
        return [order[a:b] for a, b in zip(cuts[:-1], cuts[1:])]

    def around(self, source: int) -> np.ndarray:
        """The nodes in the cell of `source` and the eight cells around it."""
        centre = int(self._code(self.src_cell[source:source + 1])[0])
        parts = [self.order[np.searchsorted(self.sorted, c - 1, "left"):np.searchsorted(self.sorted, c + 1, "right")]
                 for c in (centre - self.width, centre, centre + self.width)]
        return np.concatenate(parts)


def within(s: Snapped, src: np.ndarray, dsts: Sequence[np.ndarray], radius: float) -> list[sparse.csr_matrix]:
    """For each index array in `dsts`: boolean sparse (len(src) × len(dst)), True where the walk from the src
    point to the dst point is at most `radius` metres. One Dijkstra pass serves every dst set."""
    src = np.asarray(src, dtype=np.int64)
    dsts = [np.asarray(d, dtype=np.int64) for d in dsts]
    found: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in dsts]
    reach = float(radius) + TOLERANCE_M
    local = np.full(s.graph.shape[0], -1, dtype=np.int64)
    # cells of side 2·reach: whatever a walk of `reach` from a source in a cell can reach lies in the 3 × 3 cells
    # around it, so each group of sources searches only that part of the graph
    whole = s.graph.shape[0] <= LOCAL_SEARCH_NODES
    grid = _Grid(s.node_xy, s.xy[src], max(2.0 * reach, 1.0)) if len(src) and not whole else None
    groups = grid.groups() if grid is not None else ([np.arange(len(src))] if len(src) else [])
    for group in groups:
        near = grid.around(int(group[0])) if grid is not None else np.arange(s.graph.shape[0])
        local[near] = np.arange(near.size)
        sub = s.graph if grid is None else s.graph[near][:, near]
        step = max(1, CELLS // max(near.size, 1))
        for start in range(0, group.size, step):
            rows = group[start:start + step]
            block = dijkstra(sub, directed=True, indices=local[s.node[src[rows]]], limit=reach)
            for out, dst in zip(found, dsts):
                at = local[s.node[dst]]
                inside = np.flatnonzero(at >= 0)
                r, c = np.nonzero(block[:, at[inside]] <= reach)
                out.append((rows[r], inside[c]))
        local[near] = -1
    result = []
    for out, dst in zip(found, dsts):
        di, dj, _ = _direct(s, src, dst, radius)
        rows = np.concatenate([o[0] for o in out] + [di]) if out else di
        cols = np.concatenate([o[1] for o in out] + [dj]) if out else dj
        m = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(src), len(dst)))
        result.append(m.astype(bool))
    return result


def nearest(s: Snapped, src: np.ndarray, dsts: Sequence[np.ndarray], radius: float | None = None
            ) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each index array in `dsts`: (position in `src` of the nearest source by walking, metres) per dst
    point; (−1, inf) where no source is connected. One multi-source Dijkstra pass serves every dst set; straight
    walks across (see `_direct`) are considered up to `radius` (None: however long)."""
    src = np.asarray(src, dtype=np.int64)
    out = []
    if not len(src):
        return [(np.full(len(d), -1), np.full(len(d), np.inf)) for d in dsts]
    dist, _, origin = dijkstra(s.graph, directed=True, indices=s.node[src], min_only=True, return_predecessors=True)
    position = np.full(s.graph.shape[0], -1, dtype=np.int64)
    position[s.node[src]] = np.arange(len(src))
    for dst in dsts:
        dst = np.asarray(dst, dtype=np.int64)
        d = dist[s.node[dst]].astype(float)
        o = origin[s.node[dst]]
        idx = np.where(o >= 0, position[np.maximum(o, 0)], -1)
        if len(dst):
            di, dj, dd = _direct(s, src, dst, np.inf if radius is None else radius)
            if len(dd):
                order = np.lexsort((dd, dj))  # per dst, the shortest straight walk first
                dj, di, dd = dj[order], di[order], dd[order]
                lead = np.r_[True, dj[1:] != dj[:-1]]
                dj, di, dd = dj[lead], di[lead], dd[lead]
                better = dd < d[dj]
                d[dj[better]] = dd[better]
                idx[dj[better]] = di[better]
        out.append((idx, d))
    return out


def walking_within(net: RoadNetwork, src_xy: np.ndarray, dst_xy: np.ndarray, radius: float) -> sparse.csr_matrix:
    """Boolean (len(src) × len(dst)) sparse matrix: True where the walk along roads is at most `radius` metres."""
    src_xy, dst_xy = np.asarray(src_xy, float).reshape(-1, 2), np.asarray(dst_xy, float).reshape(-1, 2)
    if not len(src_xy) or not len(dst_xy):
        return sparse.csr_matrix((len(src_xy), len(dst_xy)), dtype=bool)
    s = snap(net, np.vstack([src_xy, dst_xy]))
    return within(s, np.arange(len(src_xy)), [len(src_xy) + np.arange(len(dst_xy))], radius)[0]


def walking_nearest(net: RoadNetwork, src_xy: np.ndarray, dst_xy: np.ndarray, radius: float | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """For each dst point, the index of the nearest src point by walking and the distance (−1 / inf if none)."""
    src_xy, dst_xy = np.asarray(src_xy, float).reshape(-1, 2), np.asarray(dst_xy, float).reshape(-1, 2)
    if not len(src_xy):
        return np.full(len(dst_xy), -1), np.full(len(dst_xy), np.inf)
    s = snap(net, np.vstack([src_xy, dst_xy]))
    return nearest(s, np.arange(len(src_xy)), [len(src_xy) + np.arange(len(dst_xy))], radius)[0]
