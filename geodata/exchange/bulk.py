"""Writing whole layers (imports, the demo city): validate every row, resolve parents, upsert by code.

`upsert_layer` is called inside `geodata.store.writes.write`, so a layer goes in whole or not at all. Rows are
matched by `code`: new codes are inserted, changed rows are updated with one event each (old → new), identical
rows are left alone — importing the same file twice changes nothing. Spatial resolution (a building without a
grid code goes to the grid that contains it) is vectorised with Shapely's STRtree.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Table, bindparam, insert, select, text
from sqlalchemy.orm import Session

from geodata.base import vocab
from geodata.base.layers import (
    CONTROL_CHARACTERS,
    LAYERS,
    TEXT_KINDS,
    YES_NO_PROBLEM,
    Rule,
    bound_problem,
    checked_text,
    id_number_warning,
    layer_rule,
    yes_no,
)
from geodata.base.problems import Problem, Rejected
from geodata.exchange import parents as parents_mod
from geodata.people import authority, scope
from geodata.situation.control import MANUAL_BASIS
from geodata.situation.observations import rule_days
from geodata.store.hierarchy import child_path, is_under, move_subtree, path_ids
from geodata.store.models import Building, Case, Checkpoint, DailyReport, Household, Observation, Person, Shift, Unit
from geodata.store.road_models import Road
from geodata.store.rules_config import observation_days
from geodata.store.stats import recompute_all
from geodata.store.writes import WriteContext

CHUNK = 5000
#: layers no roll-up counter depends on: writing them needs no recompute
LAYERS_WITHOUT_STATS = frozenset({"roads"})
#: share of a child's area allowed outside its parent before the row is refused (digitising slop)
OUTSIDE_PARENT_TOLERANCE = 0.01


@dataclass
class UpsertResult:
    layer: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: unit layers: which way each row's parent was found, the ancestors made (geodata.exchange.parents)
    parents: parents_mod.ParentReport | None = None
    #: ledgers of people: how each row found its person (matched, created, unplaced), and how many record codes
    #: were made from the rows' natural keys
    people: PeopleReport | None = None
    codes_made: int = 0

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


class _Rows:
    """The frame being imported plus the problems found in it, with the source row number of each row."""

    def __init__(self, layer: str, frame: pd.DataFrame, source: str | None) -> None:
        self.layer = layer
        self.schema = LAYERS[layer]
        self.frame = frame.reset_index(drop=True)
        self.source = source
        if "_row" in self.frame.columns:
            self.rownos = self.frame["_row"].astype("int64").to_numpy()
        else:
            self.rownos = np.arange(1, len(self.frame) + 1)
        self.problems: list[Problem] = []
        self.bad = np.zeros(len(self.frame), dtype=bool)

    def has(self, name: str) -> bool:
        return name in self.frame.columns

    def col(self, name: str) -> pd.Series:
        if name in self.frame.columns:
            return self.frame[name]
        return pd.Series([None] * len(self.frame), index=self.frame.index, dtype=object)

    def error(self, mask: Iterable[bool] | np.ndarray, fld: str | None, zh: str, en: str) -> None:
        self._add(np.asarray(mask, dtype=bool), fld, zh, en, "error")

    def warn(self, mask: Iterable[bool] | np.ndarray, fld: str | None, zh: str, en: str) -> None:
        self._add(np.asarray(mask, dtype=bool), fld, zh, en, "warning")

    def _add(self, mask: np.ndarray, fld: str | None, zh: str, en: str, severity: str) -> None:
        for i in np.flatnonzero(mask):
            value = self.frame.at[i, fld] if fld and fld in self.frame.columns else None
            shown = "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"「{value}」"
            self.problems.append(
                Problem(
                    message_zh=f"{shown}{zh}",
                    message_en=f"{shown and repr(str(value)) + ': '}{en}",
                    row=int(self.rownos[i]),
                    column=self.schema.field(fld).zh if fld and fld in self.schema.names else fld,
                    field=fld,
                    file=self.source,
                    severity=severity,
                )
            )
        if severity == "error":
            self.bad |= mask


def _blank(series: pd.Series) -> np.ndarray:
    return series.isna().to_numpy() | (series.astype(str).str.strip() == "").to_numpy()


def _text(series: pd.Series) -> pd.Series:
    """Stripped text with every kind of blank (None, NaN, pandas NA, "") as None, in an object column."""
    blank = _blank(series)
    values = [None if b else str(v).strip() for v, b in zip(series.tolist(), blank, strict=True)]
    return pd.Series(values, index=series.index, dtype=object)


def _int_or_none(v: Any) -> int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return int(v)


def _named(actor: Any, rows: _Rows, fld: str, codes: pd.Series, pos: np.ndarray, paths: np.ndarray,
           unknown: tuple[str, str], what: tuple[str, str]) -> np.ndarray:
    """Refuse every code named in column `fld` that matches no record (`pos` -1), and for a scoped actor every one
    whose record (its `paths`, by `pos`) lies outside their scope too, with ONE answer for both
    (`scope.unknown_or_outside`: no one learns which codes exist beyond their area). Whole-city actors get the
    `unknown` message. Returns `pos` with the hidden records as -1."""
    pos = np.asarray(pos).copy()
    named = codes.notna().to_numpy()
    if actor.scope_path is not None:
        found = np.flatnonzero(named & (pos >= 0))
        hidden = [i for i, p in zip(found, paths[pos[found]], strict=True) if scope.hides(actor, p)]
        pos[hidden] = -1
        unknown = scope.unknown_or_outside(*what)
    rows.error(named & (pos < 0), fld, *unknown)
    return pos


def _check_required_and_codes(rows: _Rows) -> None:
    for name in rows.schema.required:
        if name == "geometry":
            continue
        rows.error(_blank(rows.col(name)), name, "必填项为空", "required value is empty")
    codes = _text(rows.col("code"))
    dup = codes.duplicated(keep=False) & codes.notna()
    if dup.any():
        rows.error(dup.to_numpy(), "code", "编码在文件中重复", "code appears more than once in the file")


def _check_vocab(rows: _Rows, name: str, terms: dict[str, vocab.Term], *, default: str | None = None) -> None:
    if not rows.has(name):
        if default is not None:
            rows.frame[name] = default
        return
    raw = rows.col(name)
    parsed = raw.map(lambda v: vocab.parse_term(terms, v))
    unknown = parsed.isna().to_numpy() & ~_blank(raw)
    allowed = "、".join(t.zh for t in terms.values())
    rows.error(unknown, name, f"不是可识别的取值（可用：{allowed}）", f"not a known value (allowed: {', '.join(terms)})")
    rows.frame[name] = parsed.where(parsed.notna(), default)


def _named_seal_basis(rows: _Rows) -> None:
    """The basis each row's control-state word names (issue 14 "Words": 封锁 and 硬隔离 are two states, see
    vocab.named_seal_basis), into `control_basis`; else the basis the reader already took from the file's word
    (loaders.readers, which hands over codes); None for a word that names none (封控, sealed: `_seal_bases` fills
    it) and for any other state. Call before the state column is parsed: the word is gone after."""
    if not rows.has("control_state"):
        if rows.has("control_basis"):  # a basis is recorded with its state (set_control), never on its own
            rows.frame = rows.frame.drop(columns="control_basis")
        return
    raw, basis = rows.col("control_state"), rows.col("control_basis")
    # each distinct word once: a city's file has a million rows and five words
    named = raw.map({v: vocab.named_seal_basis(v) for v in pd.unique(raw)}).astype(object)
    sealed = raw.map({v: vocab.parse_term(vocab.CONTROL_STATES, v) == "sealed" for v in pd.unique(raw)})
    given = basis.map({v: vocab.parse_term(vocab.SEAL_BASES, v) for v in pd.unique(basis)}).astype(object)
    rows.frame["control_basis"] = named.where(named.notna(), given.where(sealed.astype(bool), None)).astype(object)


def _seal_bases(session: Session, table: Table, records: list[dict[str, Any]]) -> None:
    """A sealing whose word named no basis (封控): a target already sealed keeps its recorded basis, a new sealing
    is a person's, 封锁 (geodata.situation.control.MANUAL_BASIS). Never NULL for a sealed row from a file."""
    unnamed = [r for r in records if r.get("control_state") == "sealed" and not r.get("control_basis")]
    if not unnamed:
        return
    stored = _existing(session, table, [r["code"] for r in unnamed], ["control_state", "control_basis"])
    kept = {c: b for c, st, b in zip(stored["code"], stored["control_state"], stored["control_basis"], strict=True)
            if st == "sealed" and isinstance(b, str)}
    for r in unnamed:
        r["control_basis"] = kept.get(r["code"], MANUAL_BASIS)


def _check_ints(rows: _Rows, names: Iterable[str]) -> None:
    for name in names:
        if not rows.has(name):
            continue
        raw = rows.col(name)
        num = pd.to_numeric(raw, errors="coerce")
        bad = (num.isna().to_numpy() & ~_blank(raw)) | (num.notna() & ((num < 0) | (num % 1 != 0))).to_numpy()
        rows.error(bad, name, "应为非负整数", "must be a whole number ≥ 0")
        bad |= _check_bounds(rows, name, num, bad)
        rows.frame[name] = num.where(~pd.Series(bad, index=num.index)).astype("Int64")


def _check_bounds(rows: _Rows, name: str, num: pd.Series, bad: np.ndarray) -> np.ndarray:
    """Rows whose whole number lies outside the field registry's bounds (`geodata.base.layers.RULES`), refused
    with the message a hand edit gives."""
    rule = layer_rule(rows.layer, name)
    if rule is None or rule.kind != "int":
        return np.zeros(len(num), dtype=bool)
    lo = -math.inf if rule.lo is None else rule.lo
    hi = math.inf if rule.hi is None else rule.hi
    outside = ~bad & num.notna().to_numpy() & ((num < lo) | (num > hi)).fillna(False).to_numpy(dtype=bool)
    if outside.any():
        why = bound_problem(rule, int(num[outside].iloc[0])) or ("", "")
        rows.error(outside, name, why[0], why[1])
    return outside


def _check_values(rows: _Rows) -> None:
    """The field registry's rules (`geodata.base.layers.RULES`) on every text and yes/no column of the frame:
    control characters, column lengths, phone and ID numbers, genders and yes/no words are accepted or refused
    here as a hand edit accepts or refuses them (`geodata.editing.fields`), and stored in the same form."""
    for name in list(rows.frame.columns):
        rule = layer_rule(rows.layer, name)
        if rule is None:
            continue
        if rule.kind == "text":
            _check_plain_text(rows, name, rule)
        elif rule.kind in TEXT_KINDS:
            _by_value(rows, name, lambda v, r=rule, n=name: checked_text(r, n, v if isinstance(v, str) else str(v)))
            if rule.kind == "id_number":
                _flag_id_numbers(rows, name)
        elif rule.kind == "bool":
            _by_value(rows, name, _yes_no)


def _yes_no(value: Any) -> tuple[bool | None, tuple[str, str] | None]:
    answer = yes_no(value)
    return (answer, None) if answer is not None else (None, YES_NO_PROBLEM)


def _refuse_by_reason(rows: _Rows, name: str, positions: np.ndarray, whys: list[tuple[str, str]]) -> np.ndarray:
    """Refuse the rows at `positions`, each with its reason (grouped: one pass over the frame per reason)."""
    refused = np.zeros(len(rows.frame), dtype=bool)
    for why in dict.fromkeys(whys):
        mask = np.zeros(len(rows.frame), dtype=bool)
        mask[positions[[w == why for w in whys]]] = True
        rows.error(mask, name, why[0], why[1])
        refused |= mask
    return refused


def _check_plain_text(rows: _Rows, name: str, rule: Rule) -> None:
    """Control characters and length, screened in one vectorised pass (names and addresses of a city are
    millions of distinct values); the registry's `checked_text` looks at the cells found."""
    text = rows.col(name).astype("string")
    suspect = text.str.contains(CONTROL_CHARACTERS, regex=True).fillna(False).to_numpy(dtype=bool)
    if rule.max_len is not None:
        suspect |= (text.str.len() > rule.max_len).fillna(False).to_numpy(dtype=bool)
    positions = np.flatnonzero(suspect)
    whys = [checked_text(rule, name, text.iloc[i])[1] for i in positions]
    found = [i for i, w in enumerate(whys) if w is not None]
    if found:
        _refuse_by_reason(rows, name, positions[found], [whys[i] for i in found])


def _by_value(rows: _Rows, name: str, fn: Any) -> None:
    """`fn(value) -> (stored, reason | None)` once per distinct present value; rows with a reason are refused,
    the others get the stored value."""
    col = rows.col(name)
    present = ~_blank(col.astype(object).where(col.notna(), None))
    out = np.full(len(col), None, dtype=object)
    if present.any():
        codes, uniques = pd.factorize(pd.Series(col.to_numpy(dtype=object)[present], dtype=object))
        results = [fn(u) for u in uniques]
        stored = np.empty(len(results), dtype=object)
        stored[:] = [r[0] for r in results]
        out[present] = stored[codes]
        failed = np.array([results[c][1] is not None for c in codes], dtype=bool)
        if failed.any():
            positions = np.flatnonzero(present)[failed]
            refused = _refuse_by_reason(rows, name, positions, [results[c][1] for c in codes[failed]])
            out[refused] = None
    rows.frame[name] = out


def _check_dates(rows: _Rows, names: Iterable[str]) -> None:
    for name in names:
        if not rows.has(name):
            continue
        raw = rows.col(name)

        def conv(v: Any) -> dt.date | None:
            if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
                return None
            if isinstance(v, dt.datetime):
                return v.date()
            if isinstance(v, dt.date):
                return v
            try:
                return pd.Timestamp(str(v)).date()
            except (ValueError, TypeError):
                return None

        parsed = raw.map(conv)
        bad = parsed.isna().to_numpy() & ~_blank(raw.astype(object).where(raw.notna(), None))
        rows.error(bad, name, "不是有效日期", "not a valid date")
        rows.frame[name] = parsed


def _check_geometry(rows: _Rows, kind: str) -> np.ndarray:
    """Validate the geometry column; returns a shapely array (None where missing/bad)."""
    geoms = np.asarray(rows.col("geometry").to_numpy(), dtype=object)
    present = np.array([isinstance(g, shapely.Geometry) for g in geoms])
    missing = ~present
    rows.error(missing, None, "缺少几何/坐标", "geometry/coordinates missing")
    arr = np.where(present, geoms, None)
    empty = present & shapely.is_empty(arr)
    rows.error(empty, None, "几何为空", "empty geometry")
    ok = present & ~empty
    types = shapely.get_type_id(arr)
    if kind == "polygon":
        wrong = ok & ~np.isin(types, [3, 6])
        rows.error(wrong, None, "应为面（多边形）", "must be a polygon")
        invalid = ok & ~wrong & ~shapely.is_valid(arr)
        rows.error(invalid, None, "多边形无效（自相交等）", "invalid polygon (self-intersection etc.)")
    elif kind == "line":
        wrong = ok & ~np.isin(types, [1, 5])
        rows.error(wrong, None, "应为线（LineString/MultiLineString）", "must be a line (LineString/MultiLineString)")
        flat = ok & ~wrong & (shapely.length(arr) <= 0)
        rows.error(flat, None, "线的长度为零", "the line has zero length")
    else:
        wrong = ok & (types != 0)
        rows.error(wrong, None, "应为点", "must be a point")
    outside = ok & (types >= 0)
    if outside.any():
        b = shapely.bounds(arr[outside])
        off = (b[:, 0] < 73) | (b[:, 2] > 136) | (b[:, 1] < 3) | (b[:, 3] > 54)
        mask = np.zeros(len(arr), dtype=bool)
        mask[np.flatnonzero(outside)[off]] = True
        rows.error(mask, None, "坐标不在中国范围内（经纬度颠倒或未转换投影？）",
                   "coordinates outside China (lat/lon swapped or projected CRS not converted?)")
    return arr


def _unit_index(session: Session, level: int | None = None, codes: Iterable[str] | None = None) -> pd.DataFrame:
    q = select(Unit.id, Unit.code, Unit.level, Unit.path, Unit.parent_id, Unit.kind)
    if level is not None:
        q = q.where(Unit.level == level)
    frame = pd.DataFrame(session.execute(q).all(), columns=["id", "code", "level", "path", "parent_id", "kind"])
    if codes is not None:
        frame = frame[frame["code"].isin(set(codes))]
    return frame


def _unit_geoms(session: Session, level: int) -> tuple[pd.DataFrame, np.ndarray]:
    rows = session.execute(
        select(Unit.id, Unit.code, Unit.path, Unit.parent_id, Unit.geom).where(Unit.level == level)
    ).all()
    frame = pd.DataFrame([r[:4] for r in rows], columns=["id", "code", "path", "parent_id"])
    return frame, np.array([r[4] for r in rows], dtype=object)


def _contained_in(points: np.ndarray, polys: np.ndarray) -> np.ndarray:
    """Index into `polys` of the polygon containing each point (-1 when none)."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0 or len(polys) == 0:
        return out
    tree = shapely.STRtree(polys)
    pi, gi = tree.query(points, predicate="intersects")
    # first hit per point (tiling polygons: at most one, boundary points may touch two)
    order = np.argsort(pi, kind="stable")
    pi, gi = pi[order], gi[order]
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = gi[first]
    return out


# ---------------------------------------------------------------------------------------------------------
# generic upsert by code


def _existing(session: Session, table: Table, codes: list[str], fields: list[str]) -> pd.DataFrame:
    """The stored rows with these codes: id, code, the compared fields, version, and `current_path` — where the
    record lies now, which the scope check needs whatever the file says about its new place."""
    cols = [table.c.id, table.c.code, *[table.c[f] for f in fields], table.c.path.label("current_path")]
    if "version" in table.c:
        cols.append(table.c.version)
    out = []
    for start in range(0, len(codes), 900):
        out.extend(session.execute(select(*cols).where(table.c.code.in_(codes[start : start + 900]))).all())
    names = ["id", "code", *fields, "current_path"] + (["version"] if "version" in table.c else [])
    return pd.DataFrame(out, columns=names)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, shapely.Geometry) or isinstance(b, shapely.Geometry):
        if a is None or b is None:
            return a is b
        return bool(shapely.equals_exact(a, b, tolerance=1e-9))
    na = a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA
    nb = b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA
    if na or nb:
        return na and nb
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    return a == b


def _shown(v: Any) -> Any:
    if isinstance(v, shapely.Geometry):
        return shapely.to_wkt(v, rounding_precision=6)
    if v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


#: fields that say where a record lies: the only values an entry at its old place shows after a move
PLACE_FIELDS = frozenset({"path", "parent_id", "unit_id", "grid_id", "compound_id", "building_id", "household_id",
                          "person_id"})
#: changing these of an existing unit reshapes or re-parents it: the hand-edit path's reshape rule applies
UNIT_SHAPE_FIELDS = frozenset({"geom", "parent_id"})


def _parent_path(path: str) -> str:
    """The path of a unit's parent ("/" for the city)."""
    ids = path_ids(path)
    return "/" + "".join(f"{i}/" for i in ids[:-1])


def _place(entity: str, current_path: Any) -> str | None:
    """Where an existing record lies for the scope check: a unit lies in its parent (the same rule as a new unit's
    `parent_code` and as reshaping by hand), every other record at its own path. None: it has no place."""
    if not isinstance(current_path, str) or not current_path:
        return None
    return _parent_path(current_path) if entity == "unit" else current_path


def _in_scope(place: str | None, scope_path: str | None) -> bool:
    """A record without a place (a road written outside the import path) is for whole-city scopes only."""
    return scope_path is None or (place is not None and is_under(place, scope_path))


def _edit_action(entity: str, diff: dict[str, Any]) -> str | None:
    """The action of the one table (geodata.people.authority) that makes this change by hand, so an import is no
    back door: "edit.<entity>" per kind of record, "reshape.unit" when a unit's polygon or parent changes. None:
    the kind has no hand-edit rule (roads), the "import" action decides."""
    if entity == "unit" and UNIT_SHAPE_FIELDS & set(diff):
        return "reshape.unit"
    return scope.edit_action(entity)


def _nothing_to_refuse(actor: Any, entity: str) -> bool:
    """A whole-city actor that may make every hand edit of this kind (the demo and whole-city loads)."""
    if actor.scope_path is not None:
        return False
    actions = [a for a in (scope.edit_action(entity), "reshape.unit" if entity == "unit" else None) if a]
    return all(authority.allowed(actor, a) for a in actions)


def _code_problem(rows: _Rows, rowno: int, zh: str, en: str) -> Problem:
    column = rows.schema.field("code").zh if "code" in rows.schema.names else "code"
    return Problem(zh, en, row=rowno, column=column, field="code", file=rows.source)


def _check_existing(ctx: WriteContext, rows: _Rows, entity: str, records: list[dict[str, Any]],
                    by_code: dict[str, dict[str, Any]], changes: dict[str, dict[str, Any]],
                    refused: set[str]) -> list[Problem]:
    """Problems with rows that overwrite a stored record: the record's CURRENT place must lie in the actor's
    scope (not only the place the file gives it — else a row reusing a sibling grid's code would pull that
    record over), and the actor's role must be one that may edit that kind of record by hand. Rows already
    `refused` (their new place is outside the scope) are not named twice."""
    actor = ctx.actor
    if _nothing_to_refuse(actor, entity):
        return []
    label_zh, label_en = scope.ENTITY_LABELS.get(entity, (entity, entity))
    problems = []
    for rowno, rec in zip(rows.rownos, records, strict=True):
        code = rec["code"]
        old = by_code.get(code)
        if old is None or code in refused:
            continue
        if not _in_scope(_place(entity, old["current_path"]), actor.scope_path):
            problems.append(_code_problem(
                rows, int(rowno), f"「{code}」是您管辖范围以外的已有{label_zh}的编码，不能用导入覆盖或迁入",
                f"{code!r}: the code of an existing {label_en} outside your scope; an import cannot overwrite "
                f"it or move it in"))
            continue
        action = _edit_action(entity, changes.get(code, {}))
        if code in changes and action is not None and not authority.allowed(actor, action):
            problems.append(_code_problem(
                rows, int(rowno), f"「{code}」此角色不能修改已有的{label_zh}", f"{code!r}: this role cannot edit an "
                f"existing {label_en}"))
    return problems


def _parent_paths(session: Session, records: list[dict[str, Any]]) -> dict[int, str]:
    """parent id → path, for the parents of new unit rows (whose own path is set once their id exists)."""
    ids = sorted({int(r["parent_id"]) for r in records if r.get("parent_id") is not None})
    found: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        found.update(session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(ids[start : start + 900]))).all())
    return found


def _check_new(ctx: WriteContext, rows: _Rows, entity: str, records: list[dict[str, Any]], new_codes: set[str],
               refused: set[str]) -> list[Problem]:
    """Problems with rows that create a record: the actor must hold the action that makes such a record by hand
    ("edit.<entity>"; "reshape.unit" for a unit, a new polygon) at the new record's place — its path, a unit's
    parent — so an import creates nothing its author could not create by hand (issue 18: supervisors inserted
    persons). Kinds without a hand-edit rule (roads) are left to the "import" action."""
    actor = ctx.actor
    if not new_codes or _nothing_to_refuse(actor, entity):
        return []
    action = "reshape.unit" if entity == "unit" else scope.edit_action(entity)
    if action is None:
        return []
    label_zh, label_en = scope.ENTITY_LABELS.get(entity, (entity, entity))
    parents = _parent_paths(ctx.session, records) if entity == "unit" else {}
    problems = []
    for rowno, rec in zip(rows.rownos, records, strict=True):
        code = rec["code"]
        if code not in new_codes or code in refused:
            continue
        place = parents.get(rec.get("parent_id")) if entity == "unit" else rec.get("path")
        if not authority.allowed(actor, action, place or None):
            problems.append(_code_problem(
                rows, int(rowno), f"「{code}」此角色不能新建{label_zh}（仅限：{authority.who(action)}）",
                f"{code!r}: this role cannot create a {label_en} (only: {authority.who(action, 'en')})"))
    return problems


def _upsert(
    ctx: WriteContext,
    rows: _Rows,
    result: UpsertResult,
    model: type,
    records: list[dict[str, Any]],
    *,
    compare: list[str],
    entity: str,
    per_row_insert_events: bool,
) -> dict[str, int]:
    """Insert new codes, update changed rows (event each), skip identical ones. Returns code → id.

    `records` are in the order of `rows` (one per file row). Refused whole (Rejected, naming file, row and column)
    when a row's new place or an existing record's current place lies outside the actor's scope, or the actor
    may not edit that kind of record."""
    table: Table = model.__table__
    session = ctx.session
    scope_path = ctx.actor.scope_path
    problems: list[Problem] = []
    refused: set[str] = set()  # codes whose new place is outside the scope
    for rowno, r in zip(rows.rownos, records, strict=True):
        if scope_path is not None and r.get("path") and not str(r["path"]).startswith(scope_path):
            refused.add(r["code"])
            problems.append(_code_problem(rows, int(rowno), f"超出您的管辖范围: {r['code']}",
                                          f"outside your scope: {r['code']}"))
    codes = [r["code"] for r in records]
    existing = _existing(session, table, codes, compare)
    by_code = {row["code"]: row for row in existing.to_dict("records")}
    new_rows, changed = [], []
    for rec in records:
        old = by_code.get(rec["code"])
        if old is None:
            new_rows.append(rec)
            continue
        diff = {f: (old[f], rec[f]) for f in compare if f in rec and not _same(old[f], rec[f])}
        if diff:
            changed.append((old, rec, diff))
        else:
            result.unchanged += 1
    problems += _check_existing(ctx, rows, entity, records, by_code, {rec["code"]: d for _, rec, d in changed},
                                refused)
    problems += _check_new(ctx, rows, entity, records, {r["code"] for r in new_rows}, refused)
    if problems:
        raise Rejected(rows.problems + problems)
    for start in range(0, len(new_rows), CHUNK):
        session.execute(insert(table), new_rows[start : start + CHUNK])
    result.inserted += len(new_rows)
    if new_rows:
        if per_row_insert_events:
            for rec in new_rows:
                ctx.record(f"{entity}.create", entity, rec["code"], path=rec.get("path"),
                           new={k: _shown(v) for k, v in rec.items() if k in compare})
        else:
            ctx.record(f"{entity}.import", entity, None, new={"inserted": len(new_rows), "layer": result.layer})
    for old, rec, diff in changed:
        values = {f: rec[f] for f in diff}
        if "version" in table.c:
            values["version"] = int(old["version"]) + 1
        session.execute(table.update().where(table.c.id == old["id"]).values(values))
        _record_update(ctx, entity, rec, old, diff, f"导入 import {result.layer}")
    result.updated += len(changed)
    ids = {r["code"]: int(r["id"]) for r in existing.to_dict("records")}
    if new_rows:
        fresh = _existing(session, table, [r["code"] for r in new_rows], [])
        ids.update({c: int(i) for c, i in zip(fresh["code"], fresh["id"], strict=True)})
    return ids


def _record_update(ctx: WriteContext, entity: str, rec: dict[str, Any], old: dict[str, Any],
                   diff: dict[str, tuple[Any, Any]], reason: str) -> None:
    """The update event at the record's new place (its current one for units, whose path is set later); when the
    record moved, a second entry at its old place, so the staff it was taken from see where it went. That entry
    holds only the place fields: the record's other values now belong to the new place."""
    old_path = old["current_path"] or None
    new_path = rec.get("path") or old_path
    ctx.record(f"{entity}.update", entity, rec["code"], path=new_path,
               old={f: _shown(a) for f, (a, _) in diff.items()}, new={f: _shown(b) for f, (_, b) in diff.items()},
               reason=reason)
    if old_path and new_path != old_path:
        moved = {f: d for f, d in diff.items() if f in PLACE_FIELDS}
        ctx.record(f"{entity}.move", entity, rec["code"], path=old_path,
                   old={f: _shown(a) for f, (a, _) in moved.items()}, new={f: _shown(b) for f, (_, b) in moved.items()},
                   reason=f"{reason}（迁出 moved out）")


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    sub = frame[columns].astype(object).where(frame[columns].notna(), None)
    return sub.to_dict("records")


# ---------------------------------------------------------------------------------------------------------
# per-layer resolution


def _unit_parents(ctx: WriteContext, rows: _Rows, result: UpsertResult, level: int, geoms: np.ndarray,
                  parent_codes: pd.Series) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Each row's parent, row-aligned (id, path), the parent polygon a row must lie in (None: a derived parent,
    whose polygon is the union of its children's) and its position (-1: none). A parent code column is used as
    given (an unknown one is refused); a blank one is found by `geodata.exchange.parents` — by code, by
    location, or under ancestors made from the code — once every other check has passed, since making an
    ancestor is a write. `result.parents` says which way each was found."""
    n = len(rows.frame)
    above = vocab.LEVEL_LABELS[vocab.Level(level - 1)]
    pframe, pgeoms = parents_mod.level_units(ctx.session, level - 1)
    given = parent_codes.notna().to_numpy()
    pos = pd.Index(pframe["code"]).get_indexer(parent_codes.fillna("")) if len(pframe) else np.full(n, -1)
    pos = _named(ctx.actor, rows, "parent_code", parent_codes, pos, pframe["path"].to_numpy(dtype=object),
                 (f"上级编码不存在（应为已导入的{above[0]}）", f"unknown parent code (must be an imported {above[1]})"),
                 ("上级编码", "parent code"))
    codes = _text(rows.col("code"))
    ways = np.full(n, "given", dtype=object)
    report = parents_mod.ParentReport()
    if not rows.bad.any() and not given.all():
        ok = np.array([isinstance(g, shapely.Geometry) for g in geoms])
        found = parents_mod.resolve(ctx, level, codes, given, geoms, ok, (pframe, pgeoms))
        rows.error(~given & (found.pos < 0), "parent_code",
                   f"缺少上级编码，且无法从编码或位置找到所属{above[0]}：请填写上级编码，或先导入{above[0]}图层",
                   f"parent code missing, and no {above[1]} found from the code or the location: give the "
                   f"parent code or import the {above[1]} layer first")
        pos = np.where(given, pos, found.pos)
        ways = found.way
        pframe = found.parents
        pgeoms = np.concatenate([pgeoms, np.full(len(pframe) - len(pgeoms), None, dtype=object)])
        report.created = found.made
    for i in np.flatnonzero(pos >= 0):
        report.add(str(ways[i]), int(rows.rownos[i]), str(codes.iloc[i]), str(pframe["code"].iloc[pos[i]]))
    result.parents = report
    if not len(pframe):
        return pd.DataFrame({"id": [None] * n, "path": ["/"] * n}), np.full(n, None, dtype=object), pos
    parents = pframe.iloc[np.maximum(pos, 0)].reset_index(drop=True)
    derived = parents["derived"].fillna(False).to_numpy(dtype=bool) & (pos >= 0)
    parent_geoms = np.where((pos >= 0) & ~derived, pgeoms[np.maximum(pos, 0)], None)
    return parents, parent_geoms, pos


def _upsert_units(ctx: WriteContext, rows: _Rows, result: UpsertResult) -> None:
    level = int(vocab.UNIT_LAYERS[rows.layer])
    session = ctx.session
    geoms = _check_geometry(rows, "polygon")
    _check_vocab(rows, "kind", vocab.UNIT_KINDS)
    _named_seal_basis(rows)
    _check_vocab(rows, "control_state", vocab.CONTROL_STATES, default="normal")
    _check_ints(rows, ["households", "population"])
    parent_codes = _text(rows.col("parent_code"))
    if level == vocab.Level.CITY:
        parents = pd.DataFrame({"id": [None] * len(rows.frame), "path": ["/"] * len(rows.frame)})
        parent_geoms = np.full(len(rows.frame), None, dtype=object)
    else:
        parents, parent_geoms, pos = _unit_parents(ctx, rows, result, level, geoms, parent_codes)
        check = ~rows.bad & (pos >= 0) & np.array([isinstance(g, shapely.Geometry) for g in parent_geoms])
        if check.any():
            child = geoms[check]
            outside = shapely.area(shapely.difference(child, shapely.make_valid(parent_geoms[check])))
            share = outside / np.maximum(shapely.area(child), 1e-18)
            mask = np.zeros(len(rows.frame), dtype=bool)
            mask[np.flatnonzero(check)[share > OUTSIDE_PARENT_TOLERANCE]] = True
            rows.error(mask, "parent_code", "超出上级单元范围", "lies outside its parent unit")
    if ctx.actor.scope_path is not None:
        outside = ~parents["path"].astype(str).str.startswith(ctx.actor.scope_path).to_numpy()
        rows.error(outside, "parent_code", "超出您的管辖范围", "outside your scope")
    if rows.bad.any():
        return
    frame = rows.frame
    bounds = shapely.bounds(geoms)
    label = shapely.point_on_surface(geoms)
    frame = frame.assign(
        code=_text(frame["code"]),
        name=_text(frame["name"]),
        level=level,
        parent_id=parents["id"].to_numpy(),
        geom=list(geoms),
        minx=bounds[:, 0], miny=bounds[:, 1], maxx=bounds[:, 2], maxy=bounds[:, 3],
        label_lon=shapely.get_x(label), label_lat=shapely.get_y(label),
        derived=False, unnamed=False,  # a file row gives a made ancestor its own name and polygon
    )
    for name in ("kind", "leader_name", "leader_phone", "households", "population"):
        if name not in frame.columns:
            frame[name] = None
    compare = ["name", "parent_id", "kind", "leader_name", "leader_phone", "households", "population",
               "control_state", "control_basis", "geom", "minx", "miny", "maxx", "maxy", "label_lon", "label_lat",
               "derived", "unnamed"]
    present = [c for c in compare if c in frame.columns]
    records = _records(frame, ["code", "level", *present])
    for rec in records:
        rec["path"] = ""  # set below, once ids exist
        rec["parent_id"] = _int_or_none(rec["parent_id"])
        for k in ("households", "population"):
            rec[k] = _int_or_none(rec.get(k))
    _seal_bases(session, Unit.__table__, records)
    existing_paths = dict(session.execute(select(Unit.code, Unit.path).where(
        Unit.code.in_([r["code"] for r in records]))).all()) if len(records) < 50000 else \
        dict(session.execute(select(Unit.code, Unit.path).where(Unit.level == level)).all())
    ids = _upsert(ctx, rows, result, Unit, records, compare=present, entity="unit", per_row_insert_events=False)
    # (re)materialise paths: parent path + own id
    parent_path = dict(zip(parents["id"], parents["path"], strict=False)) if len(parents) else {}
    updates = []
    for rec in records:
        pid = rec["parent_id"]
        path = child_path(parent_path.get(pid, "/") if pid is not None else "/", ids[rec["code"]])
        before = existing_paths.get(rec["code"])
        if before and before != path:
            # re-parented: the unit and everything stored under it (child units, buildings, persons, …) move in
            # this transaction; its update event lies at the old place, this one (with what moved) at the new
            moved = move_subtree(session, before, path)
            ctx.record("unit.move", "unit", rec["code"], path=path, old={"path": before},
                       new={"path": path, "moved": moved}, reason=f"导入 import {rows.layer}（迁入 moved in）")
        elif before != path:
            updates.append({"b_id": ids[rec["code"]], "b_path": path})
    if updates:
        t = Unit.__table__
        session.execute(t.update().where(t.c.id == bindparam("b_id")).values(path=bindparam("b_path")), updates)
    parents_mod.refresh_derived(ctx)  # made ancestors cover their children, old and new


def _upsert_buildings(ctx: WriteContext, rows: _Rows, result: UpsertResult) -> None:
    session = ctx.session
    geoms = _check_geometry(rows, "point")
    _named_seal_basis(rows)
    _check_vocab(rows, "control_state", vocab.CONTROL_STATES, default="normal")
    _check_ints(rows, ["floors", "stair_units", "households", "population", "party_members", "vulnerable"])
    grids, grid_geoms = _unit_geoms(session, vocab.Level.GRID)
    comps, comp_geoms = _unit_geoms(session, vocab.Level.COMPOUND)
    n = len(rows.frame)
    ok_pt = np.array([isinstance(g, shapely.Point) and not g.is_empty for g in geoms])
    pts = np.where(ok_pt, geoms, None)
    # compound: by code, else the compound that contains the point
    ccode = _text(rows.col("compound_code"))
    cpos = pd.Index(comps["code"]).get_indexer(ccode.fillna("")) if len(comps) else np.full(n, -1)
    cpos = _named(ctx.actor, rows, "compound_code", ccode, cpos, comps["path"].to_numpy(dtype=object),
                  ("小区编码不存在", "unknown compound code"), ("小区编码", "compound code"))
    need = (cpos < 0) & ccode.isna().to_numpy() & ok_pt
    if need.any():
        cpos[need] = _contained_in(pts[need], comp_geoms)
    # grid: by code, else the compound's grid, else the grid that contains the point
    gcode = _text(rows.col("grid_code"))
    gindex = pd.Index(grids["code"])
    gpos = gindex.get_indexer(gcode.fillna("")) if len(grids) else np.full(n, -1)
    gpos = _named(ctx.actor, rows, "grid_code", gcode, gpos, grids["path"].to_numpy(dtype=object),
                  ("网格编码不存在", "unknown grid code"), ("网格编码", "grid code"))
    has_c = cpos >= 0
    if has_c.any():
        comp_parent = comps["parent_id"].to_numpy()[cpos[has_c]]
        gid_pos = pd.Index(grids["id"]).get_indexer(comp_parent)
        given = gpos[has_c]
        conflict = (given >= 0) & (given != gid_pos)
        mask = np.zeros(n, dtype=bool)
        mask[np.flatnonzero(has_c)[conflict]] = True
        rows.error(mask, "grid_code", "网格编码与所属小区的网格不一致", "grid code disagrees with the compound's grid")
        gpos[has_c] = np.where(given >= 0, given, gid_pos)
    need = (gpos < 0) & gcode.isna().to_numpy() & ok_pt
    if need.any():
        gpos[need] = _contained_in(pts[need], grid_geoms)
        rows.error(need & (gpos < 0), None, "不在任何网格内，无法确定所属网格",
                   "lies in no grid: cannot tell which grid it belongs to")
    check = ok_pt & (gpos >= 0) & ~rows.bad
    if check.any():
        inside = shapely.intersects(grid_geoms[gpos[check]], pts[check])
        mask = np.zeros(n, dtype=bool)
        mask[np.flatnonzero(check)[~inside]] = True
        rows.error(mask, None, "位置不在所属网格范围内", "location is outside its grid")
    if rows.bad.any():
        return
    frame = rows.frame.copy()
    frame["code"] = _text(frame["code"])
    frame["name"] = _text(frame["name"])
    frame["grid_id"] = grids["id"].to_numpy()[gpos]
    frame["compound_id"] = np.where(cpos >= 0, comps["id"].to_numpy()[np.maximum(cpos, 0)] if len(comps) else 0, -1)
    paths = np.where(cpos >= 0, comps["path"].to_numpy()[np.maximum(cpos, 0)] if len(comps) else "",
                     grids["path"].to_numpy()[gpos])
    frame["path"] = paths
    frame["lon"] = shapely.get_x(pts)
    frame["lat"] = shapely.get_y(pts)
    if "footprint" in frame.columns:
        frame["footprint"] = frame["footprint"].map(lambda g: g if isinstance(g, shapely.Geometry) else None)
    for name in ("households", "population", "party_members", "vulnerable"):
        if name not in frame.columns:
            frame[name] = 0
        frame[name] = frame[name].fillna(0)
    compare = ["name", "grid_id", "compound_id", "path", "address", "kind", "floors", "stair_units", "households",
               "population", "party_members", "vulnerable", "leader_name", "leader_phone", "control_state",
               "control_basis", "lon", "lat", "footprint"]
    present = [c for c in compare if c in frame.columns]
    records = _records(frame, ["code", *present])
    for rec in records:
        rec["compound_id"] = None if rec["compound_id"] in (-1, None) else int(rec["compound_id"])
        rec["grid_id"] = int(rec["grid_id"])
        for k in ("floors", "stair_units", "households", "population", "party_members", "vulnerable"):
            if k in rec:
                rec[k] = _int_or_none(rec[k])
    _seal_bases(session, Building.__table__, records)
    _upsert(ctx, rows, result, Building, records, compare=present, entity="building", per_row_insert_events=False)


def _locate(session: Session, rows: _Rows, *, allow: tuple[str, ...], actor: Any) -> pd.DataFrame:
    """Resolve a row's place from household/building/compound/person codes → ids and path. A code of a record
    outside a scoped actor's scope is answered as an unknown one (`_named`)."""
    n = len(rows.frame)
    out = pd.DataFrame({
        "household_id": [None] * n, "building_id": [None] * n, "compound_id": [None] * n,
        "grid_id": [None] * n, "path": [None] * n, "person_id": [None] * n,
    })
    specs = {
        "person_code": ("persons", ["id AS person_id", "household_id", "building_id", "compound_id", "grid_id", "path"],
                        "人员编码不存在", "unknown person code", ("人员编码", "person code")),
        "household_code": ("households", ["id AS household_id", "building_id", "compound_id", "grid_id", "path"],
                           "户编码不存在", "unknown household code", ("户编码", "household code")),
        "building_code": ("buildings", ["id AS building_id", "compound_id", "grid_id", "path"],
                          "楼栋编码不存在", "unknown building code", ("楼栋编码", "building code")),
        "compound_code": ("units", ["id AS compound_id", "parent_id AS grid_id", "path"],
                          "小区编码不存在", "unknown compound code", ("小区编码", "compound code")),
    }
    for key in allow:
        codes = _text(rows.col(key))
        wanted = codes.dropna().unique().tolist()
        if not wanted:
            continue
        table, cols, zh, en, what = specs[key]
        found: list[Any] = []
        where = " AND level = 6" if table == "units" else ""
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            params = {f"c{i}": c for i, c in enumerate(chunk)}
            sql = f"SELECT code, {', '.join(cols)} FROM {table} WHERE code IN ({', '.join(':' + k for k in params)}){where}"
            found.extend(session.execute(text(sql), params).mappings().all())
        lookup = pd.DataFrame(found).set_index("code") if found else pd.DataFrame()
        pos = lookup.index.get_indexer(codes.fillna("")) if len(lookup) else np.full(len(codes), -1)
        paths = lookup["path"].to_numpy(dtype=object) if len(lookup) else np.array([], dtype=object)
        pos = _named(actor, rows, key, codes, pos, paths, (zh, en), what)
        known = pd.Series(pos >= 0, index=codes.index)
        fill = codes.notna() & known & out["path"].isna()
        if fill.any():
            sub = lookup.loc[codes[fill]]
            for col in sub.columns:
                out.loc[fill, col] = sub[col].to_numpy()
    return out


def _upsert_households(ctx: WriteContext, rows: _Rows, result: UpsertResult) -> None:
    _check_ints(rows, ["stair_unit", "members"])
    place = _locate(ctx.session, rows, allow=("building_code", "compound_code"), actor=ctx.actor)
    rows.error(place["path"].isna().to_numpy() & ~rows.bad, None, "缺少所在楼栋或自然村编码",
               "needs a building code or a natural-village code")
    if rows.bad.any():
        return
    frame = pd.concat([rows.frame.drop(columns=[c for c in place.columns if c in rows.frame.columns]),
                       place.drop(columns=["person_id", "household_id"])], axis=1)
    compare = ["building_id", "compound_id", "grid_id", "path", "stair_unit", "room", "head_name", "members",
               "phone", "pass_no"]
    present = [c for c in compare if c in frame.columns]
    records = _records(frame, ["code", *present])
    _upsert(ctx, rows, result, Household, records, compare=present, entity="household", per_row_insert_events=False)


def _upsert_persons(ctx: WriteContext, rows: _Rows, result: UpsertResult) -> None:
    _check_vocab(rows, "resident_type", vocab.RESIDENT_TYPES)
    _check_ints(rows, ["birth_year"])
    if rows.has("tags"):
        def tags(v: Any) -> tuple[list[str], list[str]]:
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return [], []
            parts = v if isinstance(v, list) else [p for p in str(v).replace("，", ",").replace("、", ",").split(",")]
            codes = [vocab.parse_term(vocab.PERSON_TAGS, p) for p in parts if str(p).strip()]
            bad = [str(p) for p, c in zip(parts, codes, strict=False) if c is None]
            return [c for c in codes if c], bad
        parsed = rows.col("tags").map(tags)
        rows.error(parsed.map(lambda t: bool(t[1])).to_numpy(), "tags", "含不可识别的人员类别",
                   "contains an unknown person category")
        rows.frame["tags"] = parsed.map(lambda t: t[0])
    place = _locate(ctx.session, rows, allow=("household_code", "building_code", "compound_code"), actor=ctx.actor)
    rows.error(place["path"].isna().to_numpy() & ~rows.bad, None, "缺少户、楼栋或自然村编码",
               "needs a household, building or natural-village code")
    if rows.bad.any():
        return
    frame = pd.concat([rows.frame, place.drop(columns=["person_id"])], axis=1)
    compare = ["name", "id_number", "phone", "gender", "birth_year", "household_id", "building_id", "compound_id",
               "grid_id", "path", "resident_type", "tags"]
    present = [c for c in compare if c in frame.columns]
    records = _records(frame, ["code", *present])
    for rec in records:
        if "tags" in rec and rec["tags"] is None:
            rec["tags"] = []
    _upsert(ctx, rows, result, Person, records, compare=present, entity="person", per_row_insert_events=False)


# ---------------------------------------------------------------------------------------------------------
# ledgers of people (observations, cases): people named as offices name them, record codes from content

#: prefixes of the codes made for rows given without one: those of the codes the demo and ledgers use
#: (OBS000614, CASE00012), followed by 14 hex digits of the row's natural key (as roads: RD + geometry)
LEDGER_CODE_PREFIX = {"observations": "OBS", "cases": "CASE", "persons": "P", "households": "H"}
#: the date of a ledger row's natural key (person + this date)
LEDGER_DATES = {"observations": "start_date", "cases": "reported_on"}
#: rows named in a summary line before "…"
_ROWS_SHOWN = 20


def content_code(prefix: str, *parts: Any) -> str:
    """A stable code from a record's natural key: `prefix` + 14 hex digits of the SHA-1 of the parts. The same
    key gives the same code in every import, so a ledger without codes imports idempotently, like roads."""
    key = "\x1f".join("" if p is None else p.isoformat() if isinstance(p, dt.date) else str(p) for p in parts)
    return prefix + hashlib.sha1(key.encode("utf-8")).hexdigest()[:14].upper()


def _row_list(found: list[int], sep: str) -> str:
    return sep.join(str(r) for r in found[:_ROWS_SHOWN]) + ("…" if len(found) > _ROWS_SHOWN else "")


@dataclass
class PeopleReport:
    """How the rows of a ledger of people found their person: matched (by ID number, or by name at the named
    home), created (in the named building's household; `households_created` new ones), or left unplaced. File
    rows, as the import report lists them."""

    matched: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    unplaced: list[int] = field(default_factory=list)
    households_created: int = 0

    def summary(self) -> tuple[str, str]:
        created_zh = f"（第 {_row_list(self.created, '、')} 行）" if self.created else ""
        created_en = f" (rows {_row_list(self.created, ', ')})" if self.created else ""
        homes_zh = f"、新建住户 {self.households_created} 户" if self.households_created else ""
        homes_en = f", {self.households_created} households created" if self.households_created else ""
        lost_zh = f"（第 {_row_list(self.unplaced, '、')} 行）" if self.unplaced else ""
        lost_en = f" (rows {_row_list(self.unplaced, ', ')})" if self.unplaced else ""
        return (f"人员：匹配已登记人员 {len(self.matched)} 人，新建 {len(self.created)} 人{created_zh}{homes_zh}，"
                f"无法定位 {len(self.unplaced)} 人{lost_zh}",
                f"people: {len(self.matched)} matched to registered persons, {len(self.created)} created"
                f"{created_en}{homes_en}, {len(self.unplaced)} left unplaced{lost_en}")


def _flag_id_numbers(rows: _Rows, name: str) -> None:
    """ID numbers with a wrong check digit are stored and flagged by row (`geodata.base.layers.id_number_warning`,
    the hand edit's flag too), not refused: one mistyped digit must not stop a 500-row ledger."""
    values = rows.col(name)
    flags = {v: id_number_warning(v) for v in values.dropna().unique() if isinstance(v, str)}
    for why in dict.fromkeys(w for w in flags.values() if w):
        mask = values.map(lambda v, w=why: isinstance(v, str) and flags.get(v) == w).to_numpy(dtype=bool)
        rows.warn(mask, name, why[0], why[1])


def _query(session: Session, sql: str, column: str, values: list[Any]) -> list[dict[str, Any]]:
    """`sql` + " {column} IN (…)" over `values`, in chunks of 900 bound parameters."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(values), 900):
        params = {f"v{i}": v for i, v in enumerate(values[start : start + 900])}
        found.extend(dict(r) for r in session.execute(
            text(f"{sql} {column} IN ({', '.join(':' + k for k in params)})"), params).mappings().all())
    return found


def _room(value: Any) -> str | None:
    """A room as compared: 3-201, ３－２０１ and "3-201 " are one room."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return unicodedata.normalize("NFKC", str(value)).replace(" ", "").strip() or None


@dataclass
class _Home:
    """Where a named person lives, as far as the row says: an existing household, or a building (and a room in
    it that may need a new household). `why` says why the row cannot be placed."""

    household: str | None = None
    building: str | None = None
    room: str | None = None
    why: tuple[str, str] | None = None


def _buildings_by_address(session: Session, addresses: list[str], actor: Any) -> dict[str, str]:
    """address as written → building code: the building whose registered address is the whole address or its
    longest beginning (红田路8号3栋 for 红田路8号3栋2单元201), among the buildings of a scoped actor's scope."""
    if not addresses:
        return {}
    known = {unicodedata.normalize("NFKC", a).replace(" ", ""): c for c, a, p in session.execute(
        text("SELECT code, address, path FROM buildings WHERE address IS NOT NULL")).all()
        if a and not scope.hides(actor, p)}
    out = {}
    for given in addresses:
        norm = unicodedata.normalize("NFKC", given).replace(" ", "")
        hit = next((norm[:end] for end in range(len(norm), 3, -1) if norm[:end] in known), None)
        if hit is not None:
            out[given] = known[hit]
    return out


def _homes(session: Session, rows: _Rows, at: np.ndarray, actor: Any) -> list[_Home]:
    """The home each row at positions `at` names: its household code, else its building (by code, else by
    address) with its room; a row naming none, or a code that does not exist, gets its reason — the same reason
    for a code outside a scoped actor's scope (`scope.unknown_or_outside`)."""
    hh, bc = _text(rows.col("household_code")), _text(rows.col("building_code"))
    addr, rooms = _text(rows.col("address")), rows.col("room").map(_room)
    households = {r["code"] for r in _query(session, "SELECT code, path FROM households WHERE", "code",
                                            hh.iloc[at].dropna().unique().tolist()) if not scope.hides(actor, r["path"])}
    buildings = {r["code"] for r in _query(session, "SELECT code, path FROM buildings WHERE", "code",
                                           bc.iloc[at].dropna().unique().tolist()) if not scope.hides(actor, r["path"])}
    by_address = _buildings_by_address(session, addr.iloc[at][bc.iloc[at].isna()].dropna().unique().tolist(), actor)
    scoped = actor.scope_path is not None
    homes = []
    for i in at:
        h, b, a, room = hh.iloc[i], bc.iloc[i], addr.iloc[i], rooms.iloc[i]
        if h is not None:
            zh, en = scope.unknown_or_outside(f"户编码“{h}”", f"household code {h!r}") if scoped else \
                (f"户编码“{h}”不存在", f"unknown household code {h!r}")
            homes.append(_Home(household=h) if h in households else _Home(why=(zh, en)))
        elif b is not None:
            zh, en = scope.unknown_or_outside(f"楼栋编码“{b}”", f"building code {b!r}") if scoped else \
                (f"楼栋编码“{b}”不存在", f"unknown building code {b!r}")
            homes.append(_Home(building=b, room=room) if b in buildings else _Home(why=(zh, en)))
        elif a is not None and a in by_address:
            homes.append(_Home(building=by_address[a], room=room))
        elif a is not None:
            homes.append(_Home(why=(f"地址“{a}”不是任何已登记楼栋的地址", f"the address {a!r} is no registered "
                                    "building's address")))
        else:
            homes.append(_Home(why=("没有给出楼栋编码、户编码或地址", "no building code, household code or address")))
    return homes


def _households_in_rooms(session: Session, homes: list[_Home]) -> dict[tuple[str, str], str]:
    """(building code, room) → code of the registered household in that room."""
    wanted = list({h.building for h in homes if h.building and h.room})
    found = _query(session, "SELECT h.code, h.room, b.code AS building FROM households h JOIN buildings b ON "
                   "b.id = h.building_id WHERE", "b.code", wanted)
    return {(r["building"], _room(r["room"])): r["code"] for r in found if _room(r["room"])}


#: a scoped importer's one answer for an ID number it can neither match nor register inside its scope
#: (`_name_people`): registered elsewhere, or unregistered on a row that cannot create the person there
UNMATCHABLE_ID = ("身份证号无法在您的管辖范围内匹配或登记：未匹配到您管辖范围内的已登记人员，且不能在您的管辖范围内新建此人"
                  "（需姓名、本辖区的楼栋或户，以及新建人员的权限）",
                  "the ID number cannot be matched or registered within your scope: it matches no registered person "
                  "of your area, and the person cannot be created there (a name, a building or household of your "
                  "area and the right to create persons are needed)")


def _persons_by_id(session: Session, numbers: list[str]) -> dict[str, dict[str, Any]]:
    """ID number → the registered person holding it (the first by code when, wrongly, several do)."""
    found = _query(session, "SELECT code, name, id_number, path FROM persons WHERE", "id_number", numbers)
    out: dict[str, dict[str, Any]] = {}
    for r in sorted(found, key=lambda r: r["code"]):
        out.setdefault(r["id_number"], r)
    return out


def _persons_at_homes(session: Session, names: list[str]) -> dict[tuple[str, str], str]:
    """(name, household or building code) → person code, for people named without an ID number."""
    found = _query(session, "SELECT p.code, p.name, h.code AS household, b.code AS building FROM persons p "
                   "LEFT JOIN households h ON h.id = p.household_id LEFT JOIN buildings b ON b.id = p.building_id "
                   "WHERE", "p.name", names)
    out: dict[tuple[str, str], str] = {}
    for r in sorted(found, key=lambda r: r["code"]):
        for place in (r["household"], r["building"]):
            if place:
                out.setdefault((r["name"], place), r["code"])
    return out


def _sub_rows(layer: str, records: list[dict[str, Any]], source: str | None) -> _Rows:
    return _Rows(layer, pd.DataFrame(records), source)


def _write_sub(ctx: WriteContext, rows: _Rows, sub: _Rows, upsert: Any) -> UpsertResult:
    """Write the households or persons a ledger creates, through their own layer's checks and scope rules; their
    problems become the ledger's (by the ledger's rows), a refusal refuses the ledger."""
    result = UpsertResult(layer=sub.layer)
    try:
        upsert(ctx, sub, result)
    except Rejected as rej:
        raise Rejected(rows.problems + [p for p in rej.problems if p not in rows.problems]) from None
    rows.problems.extend(sub.problems)
    if sub.bad.any():
        rows.bad |= np.isin(rows.rownos, sub.rownos[sub.bad])
    return result


def _name_people(ctx: WriteContext, rows: _Rows) -> PeopleReport | None:
    """Ledgers of people name people as offices do — 姓名, 身份证号 and a building, household, room or address — not
    by our person codes. Each such row is matched to a registered person by ID number (else by name at the named
    home), or the person is created in the named building's household (a new household when no registered one is
    in that room); a row that can be neither is refused by row as unplaced: no one under observation may go
    missing. Fills `person_code`, so the rest of the layer proceeds as for a ledger that gave our codes.

    ID numbers and a scoped importer (issue 18). A number registered to a person outside the importer's scope is
    neither matched (the row would act on, and the name-mismatch warning would show, another area's person) nor
    taken as unregistered (a second person with the same ID number: 不漏人 needs one record per person). It is
    refused by row with one neutral answer (`UNMATCHABLE_ID`) — the same answer an unregistered number gets when
    the row could not create the person inside the importer's scope (no name, no home of theirs, or a role that
    does not create persons). So the answer does not tell "registered elsewhere" from "unregistered" except where
    it cannot be hidden without a duplicate: an unregistered number that the row would register inside the
    importer's own scope is registered. Whole-city importers (no scope) keep the plain answers."""
    given = _text(rows.col("person_code"))
    numbers, names = _text(rows.col("id_number")), _text(rows.col("name"))
    named = given.isna().to_numpy() & (numbers.notna() | names.notna()).to_numpy() & ~rows.bad
    if not named.any():
        return None
    session, report = ctx.session, PeopleReport()
    codes = given.to_numpy(dtype=object).copy()
    known = _persons_by_id(session, numbers[named].dropna().unique().tolist())
    scoped = ctx.actor.scope_path is not None
    may_create = not scoped or authority.allowed(ctx.actor, "edit.person", ctx.actor.scope_path)
    for i in np.flatnonzero(named):
        person = known.get(numbers.iloc[i])
        if person is None:
            continue
        if scope.hides(ctx.actor, person["path"]):  # registered elsewhere: see the docstring
            report.unplaced.append(int(rows.rownos[i]))
            rows.error(_one(rows, i), "id_number", *UNMATCHABLE_ID)
            continue
        codes[i] = person["code"]
        report.matched.append(int(rows.rownos[i]))
        if names.iloc[i] and names.iloc[i] != person["name"]:
            rows.warn(_one(rows, i), "name", f"身份证号对应的已登记人员名为“{person['name']}”，与本行姓名不同（按身份证号匹配）",
                      f"the person registered with this ID number is named {person['name']!r}, not as in this row "
                      "(matched by ID number)")
    at = np.flatnonzero(named & pd.isna(codes) & ~rows.bad)
    homes = _homes(session, rows, at, ctx.actor)
    rooms = _households_in_rooms(session, homes)
    at_home = _persons_at_homes(session, names.iloc[at].dropna().unique().tolist())
    new_households: dict[str, dict[str, Any]] = {}
    new_persons: dict[str, dict[str, Any]] = {}
    for i, home in zip(at, homes, strict=True):
        rowno = int(rows.rownos[i])
        if home.why is None and home.building and home.room:
            home.household = rooms.get((home.building, home.room))
            if home.household is None:
                home.household = content_code("H", home.building, home.room)
                new_households.setdefault(home.household, {"_row": rowno, "code": home.household,
                                                           "building_code": home.building, "room": home.room})
        place = home.household or home.building
        number, name = numbers.iloc[i], names.iloc[i]
        if home.why is None and number is None and (name, place) in at_home:
            codes[i] = at_home[(name, place)]
            report.matched.append(rowno)
            continue
        if home.why is None and name is None:
            home.why = ("没有姓名，无法新建人员", "no name: the person cannot be created")
        if scoped and number is not None and (home.why is not None or not may_create):
            report.unplaced.append(rowno)  # the same answer as a number registered elsewhere (docstring)
            rows.error(_one(rows, i), "id_number", *UNMATCHABLE_ID)
            continue
        if home.why is not None:
            report.unplaced.append(rowno)
            rows.error(_one(rows, i), None, f"无法确定此人：身份证号未匹配到已登记人员，且{home.why[0]}",
                       f"cannot place this person: the ID number matches no registered person and {home.why[1]}")
            continue
        codes[i] = content_code("P", number) if number else content_code("P", name, place)
        report.created.append(rowno)
        new_persons.setdefault(codes[i], {"_row": rowno, "code": codes[i], "name": name, "id_number": number,
                                          "household_code": home.household,
                                          "building_code": None if home.household else home.building})
    rows.frame["person_code"] = codes
    report.households_created = len(new_households)
    zh, en = report.summary()
    rows.problems.append(Problem(zh, en, column=rows.schema.field("name").zh, field="name", file=rows.source,
                                 severity="warning"))
    if rows.bad.any():
        return report
    if new_households:
        _write_sub(ctx, rows, _sub_rows("households", list(new_households.values()), rows.source), _upsert_households)
    if new_persons and not rows.bad.any():
        _write_sub(ctx, rows, _sub_rows("persons", list(new_persons.values()), rows.source), _upsert_persons)
    return report


def _one(rows: _Rows, i: int) -> np.ndarray:
    mask = np.zeros(len(rows.frame), dtype=bool)
    mask[i] = True
    return mask


def _ledger_codes(session: Session, rows: _Rows, model: type, place: pd.DataFrame) -> int:
    """Codes for rows given without one, from their natural key: the person and the date (start of an
    observation, report of a case). A registered record with that key keeps its code — the row updates it — and
    a new one gets `content_code` of the key, so the same ledger imported twice changes nothing. A case named by
    its place only is keyed by everything the row says. Returns how many codes were made."""
    codes = _text(rows.col("code"))
    blank = codes.isna().to_numpy() & ~rows.bad
    if not blank.any():
        return 0
    day = LEDGER_DATES[rows.layer]
    dates, person_ids = rows.col(day), place["person_id"]
    ids = sorted({int(p) for p in person_ids[blank].dropna()})
    table = model.__table__
    registered: dict[tuple[int, Any], str] = {}
    for start in range(0, len(ids), 900):
        for code, pid, when in session.execute(select(table.c.code, table.c.person_id, table.c[day]).where(
                table.c.person_id.in_(ids[start : start + 900])).order_by(table.c.code)).all():
            registered.setdefault((int(pid), when), code)
    person_codes, prefix = _text(rows.col("person_code")), LEDGER_CODE_PREFIX[rows.layer]
    keys: dict[Any, int] = {}
    for i in np.flatnonzero(blank):
        pid = person_ids.iloc[i]
        if pid is not None and not pd.isna(pid):
            key: Any = (int(pid), dates.iloc[i])
            codes.iloc[i] = registered.get(key) or content_code(prefix, person_codes.iloc[i], dates.iloc[i])
        else:
            key = tuple(_text(rows.col(c)).iloc[i] for c in ("household_code", "building_code", "compound_code",
                                                             "kind", "stair_unit", "worksite", "note")) + (dates.iloc[i],)
            codes.iloc[i] = content_code(prefix, *key)
        if key in keys:
            rows.error(_one(rows, i), day, f"与第 {keys[key]} 行是同一人同一日期的记录（没有记录编号时按人员和日期区分）",
                       f"the same person and date as row {keys[key]} (without a record code, rows are told apart by "
                       "person and date)")
        keys.setdefault(key, int(rows.rownos[i]))
    rows.frame["code"] = codes.to_numpy(dtype=object)
    return int(blank.sum())


def _ledger_people(ctx: WriteContext, rows: _Rows, result: UpsertResult) -> None:
    result.people = _name_people(ctx, rows)


def _upsert_observations(ctx: WriteContext, rows: _Rows, result: UpsertResult) -> None:
    _check_vocab(rows, "kind", vocab.OBSERVATION_KINDS)
    _check_dates(rows, ["start_date", "planned_end", "released_on"])
    _ledger_people(ctx, rows, result)
    if rows.bad.any():
        return
    place = _locate(ctx.session, rows, allow=("person_code",), actor=ctx.actor)
    rows.error(place["person_id"].isna().to_numpy() & ~rows.bad, None,
               "缺少人员：请填写身份证号或姓名（及楼栋编码、户编码、房号或地址），或人员编码",
               "no person: give an ID number or a name (with a building, household, room or address), or a person "
               "code")
    if rows.bad.any():
        return
    result.codes_made = _ledger_codes(ctx.session, rows, Observation, place)
    if rows.bad.any():
        return
    days = observation_days(ctx.session)
    frame = rows.frame.copy()
    if "planned_end" not in frame.columns:
        frame["planned_end"] = None
    frame["planned_end"] = [
        pe if pe is not None else sd + dt.timedelta(days=days)
        for pe, sd in zip(frame["planned_end"], frame["start_date"], strict=True)
    ]
    before = np.array([pe < sd for pe, sd in zip(frame["planned_end"], frame["start_date"], strict=True)])
    rows.error(before, "planned_end", "计划解除日期早于开始日期", "planned end is before the start date")
    # the 14 days cannot be shortened by a file either (000 §1(四)3, issue 14 point 4); 留观 keeps its own days
    rule = {k: rule_days(ctx.session, k) for k in vocab.OBSERVATION_KINDS}
    short = np.array([not b and pe < sd + dt.timedelta(days=rule.get(k, days))
                      for b, pe, sd, k in zip(before, frame["planned_end"], frame["start_date"], frame["kind"],
                                              strict=True)])
    rows.error(short, "planned_end", "计划解除日期早于开始日期加规定观察天数，观察期不能人为缩短",
               "planned end is before the start plus the rule's days: the observation period cannot be shortened")
    if rows.bad.any():
        return
    frame["person_id"] = place["person_id"].to_numpy()
    frame["path"] = place["path"].to_numpy()
    compare = ["person_id", "path", "kind", "place", "start_date", "planned_end", "reason", "origin", "cadre_name",
               "medic_name", "released_on"]
    present = [c for c in compare if c in frame.columns]
    records = _records(frame, ["code", *present])
    _upsert(ctx, rows, result, Observation, records, compare=present, entity="observation", per_row_insert_events=True)


def _upsert_cases(ctx: WriteContext, rows: _Rows, result: UpsertResult) -> None:
    _check_vocab(rows, "kind", vocab.CASE_KINDS)
    _check_dates(rows, ["reported_on"])
    _check_ints(rows, ["stair_unit"])
    _ledger_people(ctx, rows, result)
    if rows.bad.any():
        return
    place = _locate(ctx.session, rows, allow=("person_code", "household_code", "building_code", "compound_code"),
                    actor=ctx.actor)
    rows.error(place["path"].isna().to_numpy() & ~rows.bad, None, "缺少人员、户、楼栋或自然村编码",
               "needs a person, household, building or natural-village code")
    if rows.bad.any():
        return
    result.codes_made = _ledger_codes(ctx.session, rows, Case, place)
    if rows.bad.any():
        return
    frame = rows.frame.drop(columns=[c for c in place.columns if c in rows.frame.columns]).copy()
    frame = pd.concat([frame, place], axis=1)
    if "source_known" in frame.columns:
        frame["source_known"] = frame["source_known"].map(lambda v: True if v is None or v is pd.NA else bool(v))
    compare = ["kind", "reported_on", "person_id", "building_id", "compound_id", "household_id", "grid_id", "path",
               "stair_unit", "worksite", "source_known", "note"]
    present = [c for c in compare if c in frame.columns]
    records = _records(frame, ["code", *present])
    _upsert(ctx, rows, result, Case, records, compare=present, entity="case", per_row_insert_events=True)


def _upsert_checkpoints(ctx: WriteContext, rows: _Rows, result: UpsertResult) -> None:
    session = ctx.session
    geoms = _check_geometry(rows, "point")
    _check_vocab(rows, "kind", vocab.CHECKPOINT_KINDS)
    _check_vocab(rows, "status", vocab.CHECKPOINT_STATUSES, default="open")
    _check_ints(rows, ["staff_day", "staff_night"])
    units = _unit_index(session)
    ucode = _text(rows.col("unit_code"))
    upos = pd.Index(units["code"]).get_indexer(ucode.fillna(""))
    upos = _named(ctx.actor, rows, "unit_code", ucode, upos, units["path"].to_numpy(dtype=object),
                  ("所属单元编码不存在", "unknown unit code"), ("所属单元编码", "unit code"))
    need = (upos < 0) & ucode.isna().to_numpy()
    if need.any():
        pts = np.where(need, geoms, None)
        for level in (vocab.Level.COMPOUND, vocab.Level.GRID, vocab.Level.COMMUNITY):
            lf, lg = _unit_geoms(session, level)
            hit = _contained_in(pts[need], lg)
            idx = np.flatnonzero(need)[hit >= 0]
            upos[idx] = pd.Index(units["code"]).get_indexer(lf["code"].to_numpy()[hit[hit >= 0]])
            need = need & (upos < 0)
            if not need.any():
                break
        rows.error(need, None, "不在任何单元内，请填写所属单元编码", "lies in no unit: give its unit code")
    if rows.bad.any():
        return
    frame = rows.frame.copy()
    frame["unit_id"] = units["id"].to_numpy()[upos]
    frame["path"] = units["path"].to_numpy()[upos]
    frame["lon"] = shapely.get_x(geoms.astype(object))
    frame["lat"] = shapely.get_y(geoms.astype(object))
    for name in ("staff_day", "staff_night"):
        if name in frame.columns:
            frame[name] = frame[name].fillna(0)
    compare = ["name", "kind", "unit_id", "path", "status", "is_24h", "staff_day", "staff_night", "leader_name",
               "leader_phone", "lon", "lat"]
    present = [c for c in compare if c in frame.columns]
    records = _records(frame, ["code", *present])
    for rec in records:
        for k in ("staff_day", "staff_night"):
            if k in rec:
                rec[k] = _int_or_none(rec[k]) or 0
        if "is_24h" in rec:
            rec["is_24h"] = True if rec["is_24h"] is None else bool(rec["is_24h"])
    _upsert(ctx, rows, result, Checkpoint, records, compare=present, entity="checkpoint", per_row_insert_events=True)


def road_codes(geoms: np.ndarray) -> np.ndarray:
    """Codes for roads given without one, from their geometry: "RD" + 14 hex digits of the SHA-1 of the line
    rounded to 1e-7° (~1 cm) and normalised (direction and part order do not matter). The same road imported
    twice gets the same code, so an import without codes is idempotent like every other."""
    norm = shapely.normalize(shapely.set_precision(np.asarray(geoms, dtype=object), 1e-7))
    return np.array(["RD" + hashlib.sha1(w).hexdigest()[:14].upper() for w in shapely.to_wkb(norm)], dtype=object)


def _road_streets(ctx: WriteContext, rows: _Rows, geoms: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Index into the streets frame of each road's street (-1 when none): the given street code, else the street
    holding the road's midpoint, else the one holding its longest part (a road running just outside)."""
    streets, sgeoms = _unit_geoms(ctx.session, vocab.Level.STREET)
    n = len(rows.frame)
    given = _text(rows.col("street_code"))
    pos = pd.Index(streets["code"]).get_indexer(given.fillna("")) if len(streets) else np.full(n, -1)
    pos = _named(ctx.actor, rows, "street_code", given, pos, streets["path"].to_numpy(dtype=object),
                 ("所属街道编码不存在（应为已导入的街道乡镇）", "unknown street code (must be an imported street)"),
                 ("所属街道编码", "street code"))
    ok = ~rows.bad
    need = ok & given.isna().to_numpy()
    if need.any() and len(sgeoms):
        idx = np.flatnonzero(need)
        mid = shapely.line_interpolate_point(geoms[idx], 0.5, normalized=True)
        pos[idx] = _contained_in(mid, sgeoms)
        miss = idx[pos[idx] < 0]
        if miss.size:
            pi, gi = shapely.STRtree(sgeoms).query(geoms[miss], predicate="intersects")
            if pi.size:
                share = shapely.length(shapely.intersection(geoms[miss][pi], sgeoms[gi]))
                order = np.lexsort((-share, pi))
                lead = order[np.r_[True, pi[order][1:] != pi[order][:-1]]]
                pos[miss[pi[lead]]] = gi[lead]
    rows.error(ok & (pos < 0) & given.isna().to_numpy(), None, "不在任何街道乡镇范围内，无法确定所属街道",
               "lies in no street: cannot tell which street it belongs to")
    return pos, streets


def _upsert_roads(ctx: WriteContext, rows: _Rows, result: UpsertResult) -> None:
    geoms = _check_geometry(rows, "line")
    _check_vocab(rows, "kind", vocab.ROAD_KINDS)
    codes = _text(rows.col("code"))
    blank = codes.isna().to_numpy() & ~rows.bad
    if blank.any():
        codes[blank] = road_codes(geoms[blank])
        twin = codes.duplicated(keep=False).to_numpy() & blank
        rows.error(twin, None, "与文件中另一行的道路几何相同（重复的道路）", "same geometry as another road in the file")
    pos, streets = _road_streets(ctx, rows, geoms)
    if rows.bad.any():
        return
    bounds = shapely.bounds(geoms)
    frame = rows.frame.assign(
        code=codes.to_numpy(), name=_text(rows.col("name")).to_numpy(), kind=rows.col("kind").to_numpy(),
        unit_id=streets["id"].to_numpy()[pos], path=streets["path"].to_numpy()[pos], geom=list(geoms),
        minx=bounds[:, 0], miny=bounds[:, 1], maxx=bounds[:, 2], maxy=bounds[:, 3])
    compare = ["name", "kind", "unit_id", "path", "geom", "minx", "miny", "maxx", "maxy"]
    records = _records(frame, ["code", *compare])
    for rec in records:
        rec["unit_id"] = int(rec["unit_id"])
    _upsert(ctx, rows, result, Road, records, compare=compare, entity="road", per_row_insert_events=False)


_RESOLVERS = {
    "roads": _upsert_roads,
    "buildings": _upsert_buildings,
    "households": _upsert_households,
    "persons": _upsert_persons,
    "observations": _upsert_observations,
    "cases": _upsert_cases,
    "checkpoints": _upsert_checkpoints,
    **{name: _upsert_units for name in vocab.UNIT_LAYERS},
}


def upsert_layer(
    ctx: WriteContext,
    layer: str,
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    recompute: bool = True,
) -> UpsertResult:
    """Validate and write one layer frame (canonical columns, see geodata.base.layers) inside `ctx`'s transaction.

    Raises `Rejected` with every problem when any row has an error: the caller's transaction then rolls back
    and nothing of the file is written.
    """
    if layer not in _RESOLVERS:
        raise ValueError(f"unknown layer {layer!r}; known: {sorted(_RESOLVERS)}")
    result = UpsertResult(layer=layer)
    rows = _Rows(layer, frame, source)
    if len(rows.frame):
        _check_required_and_codes(rows)
        _check_values(rows)
        _RESOLVERS[layer](ctx, rows, result)
    result.problems = rows.problems
    if rows.bad.any():
        raise Rejected(rows.problems)
    if recompute and layer not in LAYERS_WITHOUT_STATS and (result.inserted or result.updated):
        recompute_all(ctx.session)
    return result


# ---------------------------------------------------------------------------------------------------------
# tables that only the demo and the planner fill (no file layer)


def insert_shifts(ctx: WriteContext, frame: pd.DataFrame) -> int:
    ids = dict(ctx.session.execute(select(Checkpoint.code, Checkpoint.id)).all())
    records = [
        {"checkpoint_id": ids[r.checkpoint_code], "on_date": r.date, "shift": r.shift, "staff": int(r.staff),
         "leader_name": r.leader_name}
        for r in frame.itertuples(index=False)
    ]
    for start in range(0, len(records), CHUNK):
        ctx.session.execute(insert(Shift), records[start : start + CHUNK])
    ctx.record("shift.import", "shift", None, new={"inserted": len(records)})
    return len(records)


def insert_daily_reports(ctx: WriteContext, frame: pd.DataFrame) -> int:
    units = dict(ctx.session.execute(select(Unit.code, Unit.id).where(Unit.level == vocab.Level.COMMUNITY)).all())
    paths = dict(ctx.session.execute(select(Unit.id, Unit.path).where(Unit.level == vocab.Level.COMMUNITY)).all())
    records = []
    for r in frame.itertuples(index=False):
        if r.submitted_at is None or pd.isna(r.submitted_at):
            continue
        uid = units[r.community_code]
        records.append({
            "community_id": uid, "path": paths[uid], "report_date": r.report_date,
            "submitted_at": pd.Timestamp(r.submitted_at).to_pydatetime(), "submitted_by": "demo",
            "is_zero": bool(r.is_zero), "late": bool(r.late), "figures": {}, "version": 1,
        })
    for start in range(0, len(records), CHUNK):
        ctx.session.execute(insert(DailyReport), records[start : start + CHUNK])
    ctx.record("daily_report.import", "daily_report", None, new={"inserted": len(records)})
    return len(records)
