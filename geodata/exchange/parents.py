"""Parents of units that arrive without one, and the ancestors a first layer needs.

Offices hand over a streets layer with 街道编码/街道名称 and nothing else. Its parents follow from the code: the
统计用区划代码 structure (6-digit county/district, 9-digit township/street, 12-digit village/community; a grid
code extends its community's, 420111001001G01 → 420111001001), or from where the unit lies (its representative
point in a polygon of the level above, a geopandas spatial join). Into an empty database the missing ancestors
(district, city) are made from the code prefix: `derived` (their polygon is the union of their children's,
recomputed as children arrive) and `unnamed` (a placeholder name "420111 区（待命名）" until a person names them on
/import or with `python -m loaders import … --name 420111=洪山区`). The import report says which way each
parent was found (`ParentReport`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level
from geodata.people import authority
from geodata.store.hierarchy import child_path
from geodata.store.models import Unit
from geodata.store.writes import WriteContext

#: the short word of each level a placeholder name carries ("420111 区（待命名）")
LEVEL_WORDS: dict[int, tuple[str, str]] = {
    Level.CITY: ("市", "city"), Level.DISTRICT: ("区", "district"), Level.STREET: ("街道", "street"),
    Level.COMMUNITY: ("社区", "community"), Level.GRID: ("网格", "grid"), Level.COMPOUND: ("小区", "compound"),
}
UNNAMED_ZH, UNNAMED_EN = "待命名", "unnamed"
#: how a row's parent was found, as the report words it
WAYS = {"given": ("按上级编码列", "parent code column"), "code": ("按编码", "by code"),
        "place": ("按位置", "by location"), "created": ("按编码（上级新建）", "by code (ancestor created)")}
EXAMPLES = 3


def placeholder_name(code: str, level: int) -> str:
    """The name an ancestor carries until it is named: its code and level word, marked 待命名."""
    return f"{code} {LEVEL_WORDS[level][0]}（{UNNAMED_ZH}）"


def code_parent(code: str, level: int) -> str | None:
    """The parent's code the administrative code implies for a unit of `level`, or None when the code does not
    have that level's shape. Short forms (420111, 420111001, 420111001001) and the 12-digit padded form of
    the 统计用区划代码 (420111000000, 420111001000) are both understood; a padded child gets a padded parent."""
    digits12 = re.fullmatch(r"\d{12}", code) is not None
    if level == Level.DISTRICT:
        if re.fullmatch(r"\d{4}(?!00)\d{2}", code):
            return code[:4] + "00"
        if digits12 and code[6:] == "000000" and code[4:6] != "00":
            return code[:4] + "00000000"
    elif level == Level.STREET:
        if re.fullmatch(r"\d{9}", code):
            return code[:6]
        if digits12 and code[9:] == "000" and code[6:9] != "000":
            return code[:6] + "000000"
    elif level == Level.COMMUNITY:
        if digits12 and code[9:] != "000":
            return code[:9]
    elif level == Level.GRID:
        if len(code) > 12 and code[:12].isdigit():
            return code[:12]
    return None


def _code_candidates(code: str, level: int) -> list[str]:
    """Codes the parent may be stored under: the implied one, and its padded/short twin (a community
    420111001001 under a street stored as 420111001000)."""
    implied = code_parent(code, level)
    if implied is None:
        return []
    out = [implied]
    if len(implied) in (6, 9) and implied.isdigit():
        out.append(implied.ljust(12, "0"))
    return out


@dataclass
class ParentReport:
    """Which way each row's parent was found: row numbers per way with a few examples, and the ancestors made."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)  # way → (row, code, parent)
    created: list[tuple[str, int, str]] = field(default_factory=list)  # (code, level, name)
    ways: dict[str, str] = field(default_factory=dict)  # code → way, for every row

    def add(self, way: str, row: int, code: str, parent: str) -> None:
        self.counts[way] = self.counts.get(way, 0) + 1
        self.ways[code] = way
        shown = self.examples.setdefault(way, [])
        if len(shown) < EXAMPLES:
            shown.append((row, code, parent))

    def lines(self, lang: str = "zh") -> list[str]:
        """One line a way ("按编码 12 行（如 第2行 420111001 → 420111）") and one for the ancestors made."""
        zh = lang == "zh"
        out = []
        for way, n in self.counts.items():
            eg = ", ".join(f"第{r}行 {c} → {p}" if zh else f"row {r} {c} → {p}" for r, c, p in self.examples[way])
            out.append(f"上级单元{WAYS[way][0]} {n} 行（如 {eg}）" if zh else f"parent {WAYS[way][1]}: {n} rows (e.g. {eg})")
        if self.created:
            made = "、".join(f"{c} {LEVEL_WORDS[lv][0 if zh else 1]}" for c, lv, _ in self.created)
            out.append(f"新建上级单元（待命名）{len(self.created)} 个：{made}" if zh
                       else f"ancestors created (unnamed): {len(self.created)}: {made}")
        return out

    def __str__(self) -> str:
        return "\n".join(f"{zh} / {en}" for zh, en in zip(self.lines("zh"), self.lines("en"), strict=True))


@dataclass
class Resolved:
    """Per row: index into `parents` (-1: none found) and the way it was found."""

    pos: np.ndarray
    way: np.ndarray
    parents: pd.DataFrame  # id, code, path, derived of the level above, ancestors made by this import included
    made: list[tuple[str, int, str]] = field(default_factory=list)  # (code, level, name) of the ancestors made


def level_units(session: Session, level: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The units of one level (id, code, path, derived) in id order, and their polygons."""
    rows = session.execute(select(Unit.id, Unit.code, Unit.path, Unit.derived, Unit.geom)
                           .where(Unit.level == level).order_by(Unit.id)).all()
    frame = pd.DataFrame([r[:4] for r in rows], columns=["id", "code", "path", "derived"])
    return frame, np.array([r[4] for r in rows], dtype=object)


def by_code(codes: pd.Series, level: int, parent_codes: pd.Series) -> np.ndarray:
    """Index into `parent_codes` of each code's parent (-1 when none): the code the administrative structure
    implies, else the longest parent code that the code extends (网格 420111001001G01 → 社区 420111001001)."""
    index = pd.Index(parent_codes)
    pos = np.full(len(codes), -1, dtype=np.int64)
    for i, code in enumerate(codes):
        for candidate in _code_candidates(str(code), level):
            hit = index.get_indexer([candidate])[0]
            if hit >= 0:
                pos[i] = hit
                break
    text = codes.astype(str)
    for k in sorted({len(c) for c in parent_codes}, reverse=True):
        need = (pos < 0) & (text.str.len() > k).to_numpy()
        if not need.any():
            break
        hit = index.get_indexer(text[need].str[:k])
        pos[np.flatnonzero(need)[hit >= 0]] = hit[hit >= 0]
    return pos


def by_place(geoms: np.ndarray, parent_geoms: np.ndarray) -> np.ndarray:
    """Index into `parent_geoms` of the polygon holding each unit's representative point (-1 when none), as one
    geopandas spatial join."""
    pos = np.full(len(geoms), -1, dtype=np.int64)
    if len(geoms) == 0 or len(parent_geoms) == 0:
        return pos
    points = gpd.GeoDataFrame(geometry=shapely.point_on_surface(np.asarray(geoms, dtype=object)))
    polys = gpd.GeoDataFrame(geometry=list(parent_geoms))
    joined = gpd.sjoin(points, polys, how="inner", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    pos[joined.index.to_numpy()] = joined["index_right"].to_numpy()
    return pos


def resolve(ctx: WriteContext, level: int, codes: pd.Series, given: np.ndarray, geoms: np.ndarray,
            geom_ok: np.ndarray, above: tuple[pd.DataFrame, np.ndarray]) -> Resolved:
    """Parents of the rows whose parent code is blank (`~given`) among `above` (`level_units` of the level
    above): by code, else by location; rows still without one get ancestors made from their code when the
    actor's scope is the whole city (appended to the returned parents). Rows with a parent code are left to the
    caller (way "given", pos -1)."""
    parents, parent_geoms = above
    pos = np.full(len(codes), -1, dtype=np.int64)
    way = np.full(len(codes), "given", dtype=object)
    need = ~given & codes.notna().to_numpy()
    if need.any() and len(parents):
        pos[need] = by_code(codes[need], level, parents["code"])
        way[need & (pos >= 0)] = "code"
    spatial = need & (pos < 0) & geom_ok
    if spatial.any() and len(parents):
        pos[spatial] = by_place(geoms[spatial], parent_geoms)
        way[spatial & (pos >= 0)] = "place"
    missing = need & (pos < 0)
    if missing.any() and ctx.actor.scope_path is None:
        made = _make_ancestors(ctx, level, codes[missing], geoms[missing])
        above = made[made["level"] == level - 1].drop(columns=["level", "name"])
        if len(made):
            parents = pd.concat([parents, above], ignore_index=True)
            hit = pd.Index(parents["code"]).get_indexer(
                [code_parent(str(c), level) or "" for c in codes[missing]])
            pos[np.flatnonzero(missing)[hit >= 0]] = hit[hit >= 0]
            way[np.flatnonzero(missing)[hit >= 0]] = "created"
        return Resolved(pos, way, parents, list(made[["code", "level", "name"]].itertuples(index=False, name=None)))
    return Resolved(pos, way, parents)


def _chain(code: str, level: int, known: Mapping[tuple[int, str], object], has_city: bool) -> list[tuple[int, str]]:
    """The ancestors (level, code) to make above a unit, nearest first, up to one that exists or the city (none
    when the database has its city already: a district goes under it); empty when the code does not imply its
    parent (then nothing can be made)."""
    out: list[tuple[int, str]] = []
    while level > Level.CITY:
        parent = code_parent(code, level)
        if parent is None:
            return []
        level -= 1
        if (level, parent) in known or (level == Level.CITY and has_city):
            break
        out.append((level, parent))
        code = parent
    return out


def _make_ancestors(ctx: WriteContext, level: int, codes: pd.Series, geoms: np.ndarray) -> pd.DataFrame:
    """Insert the ancestors these rows' codes imply and that do not exist yet, top level first, each with the
    union of the rows below it as its first polygon (`refresh_derived` recomputes it from the stored children).
    A district whose implied city is missing goes under the only city when there is exactly one."""
    session = ctx.session
    stored = session.execute(select(Unit.level, Unit.code, Unit.id, Unit.path)).all()
    known = {(lv, c): (i, p) for lv, c, i, p in stored}
    cities = [(i, p) for lv, _, i, p in stored if lv == Level.CITY]
    below: dict[tuple[int, str], list[shapely.Geometry]] = {}
    for code, geom in zip(codes.astype(str), geoms, strict=True):
        for key in _chain(code, level, known, bool(cities)):
            if isinstance(geom, shapely.Geometry):
                below.setdefault(key, []).append(geom)
    made = []
    for lv, code in sorted(below, key=lambda k: k[0]):
        up = code_parent(code, lv)
        parent = known.get((lv - 1, up)) if up else None
        if parent is None and lv == Level.DISTRICT and len(cities) == 1:
            parent = cities[0]
        if parent is None and lv != Level.CITY:
            continue
        geom = shapely.make_valid(shapely.union_all(below[(lv, code)]))
        uid = _insert_unit(ctx, code, lv, parent, geom)
        path = child_path(parent[1] if parent else "/", uid)
        known[(lv, code)] = (uid, path)
        if lv == Level.CITY:
            cities.append((uid, path))
        made.append({"id": uid, "code": code, "path": path, "derived": True, "level": lv,
                     "name": placeholder_name(code, lv)})
    return pd.DataFrame(made, columns=["id", "code", "path", "derived", "level", "name"])


def _shape_columns(geom: shapely.Geometry) -> dict[str, object]:
    minx, miny, maxx, maxy = shapely.bounds(geom)
    label = shapely.point_on_surface(geom)
    return {"geom": geom, "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy,
            "label_lon": shapely.get_x(label), "label_lat": shapely.get_y(label)}


def _insert_unit(ctx: WriteContext, code: str, level: int, parent: tuple[int, str] | None,
                 geom: shapely.Geometry) -> int:
    table = Unit.__table__
    name = placeholder_name(code, level)
    ctx.session.execute(insert(table).values(
        code=code, name=name, level=level, parent_id=parent[0] if parent else None, path="",
        control_state="normal", derived=True, unnamed=True, version=1, **_shape_columns(geom)))
    uid = ctx.session.execute(select(table.c.id).where(table.c.code == code)).scalar_one()
    path = child_path(parent[1] if parent else "/", uid)
    ctx.session.execute(table.update().where(table.c.id == uid).values(path=path))
    ctx.record("unit.create", "unit", code, path=path, new={"name": name, "level": level, "derived": True},
               reason="导入时按下级编码新建 made from the codes of an imported layer")
    return uid


def refresh_derived(ctx: WriteContext) -> list[str]:
    """Recompute the polygon of every derived unit as the union of its children's, deepest level first (a
    derived district over derived streets sees their new shapes). Unchanged shapes are not written, so a second
    import of the same file changes nothing. Returns the codes reshaped."""
    session = ctx.session
    table = Unit.__table__
    changed = []
    derived = session.execute(select(Unit.id, Unit.code, Unit.level, Unit.path, Unit.geom, Unit.version)
                              .where(Unit.derived.is_(True)).order_by(Unit.level.desc(), Unit.id)).all()
    for uid, code, _level, path, old, version in derived:
        kids = session.execute(select(Unit.geom).where(Unit.parent_id == uid).order_by(Unit.id)).scalars().all()
        if not kids:
            continue
        geom = shapely.make_valid(shapely.union_all(np.array(kids, dtype=object)))
        if old is not None and shapely.equals(geom, old):
            continue
        session.execute(table.update().where(table.c.id == uid).values(version=version + 1, **_shape_columns(geom)))
        ctx.record("unit.update", "unit", code, path=path, new={"geom": "union of its children"},
                   reason="上级范围按下级合并 polygon = union of its children")
        changed.append(code)
    return changed


def name_units(ctx: WriteContext, names: Mapping[str, str]) -> list[Problem]:
    """Give derived units their names (clears `unnamed`). A code that is not a derived unit is named back as a
    warning, not written: this is no back door to renaming units read from files. Blank names are refused."""
    table = Unit.__table__
    warnings = []
    found = {u.code: u for u in ctx.session.execute(select(Unit).where(Unit.code.in_(list(names)))).scalars()}
    for code, name in names.items():
        name = (name or "").strip()
        unit = found.get(code)
        if unit is None or not unit.derived:
            warnings.append(Problem(f"「{code}」不是按编码新建的上级单元，名称未使用",
                                    f"{code!r} is not an ancestor made from codes; the name was not used",
                                    column="code", field="code", severity="warning"))
            continue
        if not name:
            raise Rejected([Problem(f"「{code}」的名称为空", f"{code!r}: the name is empty", field="name")])
        authority.require(ctx.actor, "edit.unit", unit.path)
        if name == unit.name and not unit.unnamed:
            continue
        ctx.session.execute(table.update().where(table.c.id == unit.id).values(
            name=name, unnamed=False, version=unit.version + 1))
        ctx.record("unit.update", "unit", code, path=unit.path, old={"name": unit.name}, new={"name": name},
                   reason="命名按编码新建的上级单元 naming an ancestor made from codes")
    return warnings


def unnamed_units(session: Session, scope_path: str | None = None) -> pd.DataFrame:
    """Units still waiting for a name (code, level, name, path), top level first: what /import asks for."""
    q = select(Unit.code, Unit.level, Unit.name, Unit.path).where(Unit.unnamed.is_(True))
    if scope_path is not None:
        q = q.where(Unit.path.startswith(scope_path))
    return pd.DataFrame(session.execute(q.order_by(Unit.level, Unit.code)).all(),
                        columns=["code", "level", "name", "path"])


def parse_names(pairs: Iterable[str] = (), table: pd.DataFrame | None = None) -> dict[str, str]:
    """Names from `--name CODE=NAME` pairs and from a two-column table (code, name; a header row is fine). A pair
    without "=" is a usage error (ValueError, bilingual)."""
    out: dict[str, str] = {}
    if table is not None and len(table.columns) >= 2:
        for code, name in table.iloc[:, :2].astype(str).itertuples(index=False):
            code, name = code.strip(), name.strip()
            if code and name and code.lower() not in ("code", "编码", "单元编码"):
                out[code] = name
    for pair in pairs:
        code, sep, name = pair.partition("=")
        if not sep or not code.strip() or not name.strip():
            raise ValueError(f"名称应写作 编码=名称 / a name is given as CODE=NAME: {pair!r}")
        out[code.strip()] = name.strip()
    return out
