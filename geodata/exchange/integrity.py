"""The 不漏社区、不漏户、不漏人 check (domain file §1.1, scenario 1).

Every child has exactly one parent of the level above, every building lies in its grid's polygon, the polygons
of a level tile their parent, and the stored roll-up totals equal the sums recomputed from the leaves. Roads (the
checkpoint planner walks along them) hang on a street near them, and their stored bounding boxes, which the
planner's window query reads instead of the lines, match the lines.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.base.vocab import LEVEL_LABELS, Level
from geodata.checkpoints.roads import ROAD_MARGIN_M
from geodata.store.models import Unit
from geodata.store.road_models import Road
from geodata.store.stats import compute_all, stored_all

#: relative area mismatch allowed between a parent and the union of its children (floating-point noise)
TILING_TOLERANCE = 1e-6
MAX_LISTED = 50


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, zh_en: str) -> None:
        self.problems.append(zh_en)


def _listing(report: CheckReport, title: str, items: list[str]) -> None:
    if not items:
        return
    shown = "; ".join(items[:MAX_LISTED])
    more = f" … (+{len(items) - MAX_LISTED})" if len(items) > MAX_LISTED else ""
    report.add(f"{title} [{len(items)}]: {shown}{more}")


def check(session: Session, *, geometry: bool = True) -> CheckReport:
    report = CheckReport()
    conn = session.connection()
    units = pd.read_sql_query(text("SELECT id, code, level, parent_id, path FROM units"), conn)
    report.counts = {"units": len(units)}
    for table in ("buildings", "households", "persons", "observations", "cases", "checkpoints", "roads"):
        report.counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()

    # 1. every unit below the root has a parent exactly one level up, and its path agrees
    by_id = units.set_index("id")
    has_parent = units["parent_id"].notna()
    roots = units[~has_parent]
    if len(roots) != 1:
        report.add(f"根单元数量应为1 / expected one root unit, found {len(roots)}")
    child = units[has_parent]
    parent_level = by_id["level"].reindex(child["parent_id"].astype("int64")).to_numpy()
    wrong = child[parent_level != child["level"].to_numpy() - 1]
    _listing(report, "上级层级不正确 / parent is not one level up", wrong["code"].tolist())
    expected_path = by_id["path"].reindex(child["parent_id"].astype("int64")).to_numpy() + child["id"].astype(str) + "/"
    bad_path = child[expected_path != child["path"].to_numpy()]
    _listing(report, "路径与上级不一致 / path disagrees with parent", bad_path["code"].tolist())

    # 2. every building/household/person/case points to existing units and its path is inside its grid
    for table, label in (("buildings", "楼栋 building"), ("households", "户 household"), ("persons", "人 person"),
                         ("cases", "病例 case")):
        rows = pd.read_sql_query(
            text(f"SELECT t.code, t.path, g.path AS grid_path, g.level AS grid_level FROM {table} t "
                 f"LEFT JOIN units g ON g.id = t.grid_id"), conn)
        orphan = rows[rows["grid_path"].isna()]
        _listing(report, f"{label}无所属网格 / has no grid", orphan["code"].tolist())
        rows = rows[rows["grid_path"].notna()]
        not_grid = rows[rows["grid_level"] != int(Level.GRID)]
        _listing(report, f"{label}所属单元不是网格 / parent is not a grid", not_grid["code"].tolist())
        outside = rows[~np.char.startswith(rows["path"].to_numpy().astype(str), rows["grid_path"].to_numpy().astype(str))]
        _listing(report, f"{label}路径不在所属网格下 / path not under its grid", outside["code"].tolist())

    _check_roads(session, units, report, geometry=geometry)
    if geometry:
        _check_geometry(session, units, report)

    # 4. stored roll-ups equal the sums of the leaves
    stored = stored_all(session)
    fresh = compute_all(session)
    missing = fresh.index.difference(stored.index)
    _listing(report, "缺少汇总行 / roll-up row missing", by_id.loc[missing, "code"].tolist())
    common = fresh.index.intersection(stored.index)
    diff = (fresh.loc[common] != stored.loc[common]).any(axis=1)
    if diff.any():
        items = []
        for uid in common[diff.to_numpy()][:MAX_LISTED]:
            cols = [c for c in fresh.columns if fresh.at[uid, c] != stored.at[uid, c]]
            items.append(f"{by_id.at[uid, 'code']} " + ", ".join(
                f"{c}: {stored.at[uid, c]}≠{fresh.at[uid, c]}" for c in cols))
        report.add(f"汇总数与下级之和不符 / totals differ from the sum of children [{int(diff.sum())}]: " + "; ".join(items))
    return report


def _check_geometry(session: Session, units: pd.DataFrame, report: CheckReport) -> None:
    geoms = dict(session.execute(select(Unit.id, Unit.geom)).all())
    ids = units["id"].to_numpy()
    arr = np.array([geoms[i] for i in ids], dtype=object)
    invalid = ~shapely.is_valid(arr)
    _listing(report, "多边形无效 / invalid polygon", units.loc[invalid, "code"].tolist())

    # 3a. children tile their parent: areas add up and the union covers the parent
    units = units.assign(area=shapely.area(arr))
    area_by_id = dict(zip(units["id"], units["area"], strict=True))
    gaps = []
    for pid, group in units[units["parent_id"].notna()].groupby("parent_id"):
        parent_area = area_by_id[int(pid)]
        child_sum = group["area"].sum()
        if abs(child_sum - parent_area) > TILING_TOLERANCE * parent_area:
            gaps.append(f"{units.set_index('id').at[int(pid), 'code']} ({child_sum / parent_area:.4%})")
    _listing(report, "下级面积之和不等于上级（缝隙或重叠）/ children do not tile their parent", gaps)
    # overlaps between siblings would make the sum exceed the parent while the union equals it
    overlaps = []
    for level in sorted(units["level"].unique()):
        sub = units[units["level"] == level]
        if len(sub) < 2:
            continue
        g = np.array([geoms[i] for i in sub["id"]], dtype=object)
        tree = shapely.STRtree(g)
        a, b = tree.query(g, predicate="overlaps")
        keep = a < b
        if keep.any():
            inter = shapely.area(shapely.intersection(g[a[keep]], g[b[keep]]))
            big = inter > TILING_TOLERANCE * np.minimum(shapely.area(g[a[keep]]), shapely.area(g[b[keep]]))
            codes = sub["code"].to_numpy()
            overlaps += [f"{codes[i]}×{codes[j]}" for i, j in zip(a[keep][big], b[keep][big], strict=True)]
    _listing(report, "同级单元重叠 / sibling units overlap", overlaps)

    # 3b. every building lies in its grid's polygon
    rows = session.execute(text("SELECT code, grid_id, lon, lat FROM buildings")).all()
    if rows:
        frame = pd.DataFrame(rows, columns=["code", "grid_id", "lon", "lat"])
        grid_geoms = np.array([geoms.get(int(g)) for g in frame["grid_id"]], dtype=object)
        inside = shapely.intersects_xy(grid_geoms, frame["lon"].to_numpy(), frame["lat"].to_numpy())
        _listing(report, "楼栋不在所属网格内 / building outside its grid", frame.loc[~inside, "code"].tolist())


def _check_roads(session: Session, units: pd.DataFrame, report: CheckReport, *, geometry: bool) -> None:
    """A road hangs on a street and carries its path; with `geometry`, its line is a valid line, its stored
    bounding box is the line's (the planner reads roads by box) and it runs within ROAD_MARGIN_M of its street."""
    cols = [Road.code, Road.unit_id, Road.path, Road.minx, Road.miny, Road.maxx, Road.maxy]
    rows = session.execute(select(*cols, *([Road.geom] if geometry else []))).all()
    if not rows:
        return
    roads = pd.DataFrame(rows, columns=[c.key for c in cols] + (["geom"] if geometry else []))
    by_id = units.set_index("id")
    uid = roads["unit_id"].fillna(-1).astype("int64")
    level = by_id["level"].reindex(uid).to_numpy()
    street = level == int(Level.STREET)
    _listing(report, "道路未挂在街道乡镇上 / road does not hang on a street", roads.loc[~street, "code"].tolist())
    path = by_id["path"].reindex(uid).to_numpy()
    _listing(report, "道路路径与所属街道不一致 / road path disagrees with its street",
             roads.loc[street & (path != roads["path"].to_numpy()), "code"].tolist())
    if not geometry:
        return
    lines = roads["geom"].to_numpy()
    kinds = shapely.get_type_id(lines)
    good = (np.isin(kinds, [1, 5])) & shapely.is_valid(lines) & ~shapely.is_empty(lines)
    _listing(report, "道路几何不是有效的线 / road geometry is not a valid line", roads.loc[~good, "code"].tolist())
    box = roads[["minx", "miny", "maxx", "maxy"]].to_numpy(dtype=float)
    off = ~np.isclose(box, shapely.bounds(lines), rtol=0, atol=1e-9).all(axis=1) & good
    _listing(report, "道路外包框与线不符（规划时会读不到）/ stored bounding box is not the line's (the planner "
             "would miss it)", roads.loc[off, "code"].tolist())
    idx = np.flatnonzero(good & street)
    if idx.size:
        streets = dict(session.execute(select(Unit.id, Unit.geom).where(Unit.level == int(Level.STREET))).all())
        polys = np.array([streets[int(u)] for u in uid.to_numpy()[idx]], dtype=object)
        # metres, near enough: longitude shrunk by the cosine of the city's latitude
        k = np.cos(np.radians(np.nanmean(box[idx][:, [1, 3]])))
        scale = lambda g: shapely.transform(g, lambda xy: xy * [k, 1.0])  # noqa: E731
        far = shapely.distance(scale(lines[idx]), scale(polys)) * 111_320.0 > ROAD_MARGIN_M
        _listing(report, f"道路离所属街道超过 {ROAD_MARGIN_M:.0f} 米 / road runs more than {ROAD_MARGIN_M:.0f} m "
                 "from its street", roads["code"].to_numpy()[idx][far].tolist())


def level_name(level: int) -> str:
    zh, en = LEVEL_LABELS[Level(level)]
    return f"{zh} {en}"
