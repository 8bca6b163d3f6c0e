"""Reading one file into a canonical layer frame, chunk by chunk, collecting every problem on the way.

    source file ──formats──▶ raw chunks ──columns──▶ canonical fields ──values──▶ parsed cells
                                               └──geometry + coords──▶ WGS-84 geometries
                             ──▶ required values, duplicate codes ──▶ frame (rows without errors) + problems

The frame holds the layer's canonical columns (a subset of `geodata.base.layers`), plus `_row`: the row number in the
source file, which `geodata.exchange.bulk.upsert_layer` uses to name rows in its own problems. Rows with an error are left
out of the frame; any error means the file should not be written (the CLI decides). Nothing here raises on bad
content: an unreadable file is one error with row=None.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geodata.base.layers import LAYERS, PERSON_LEDGERS, UNIT_LAYER_ZH, LayerSchema
from geodata.base.problems import Problem
from geodata.base.vocab import named_seal_basis

from .. import coords
from . import geometry as geom
from .columns import ColumnMap, HeaderMatcher, MappingError, field_label, load_mapping, map_headers
from .formats import RawChunk, Source, UnreadableFile, open_source
from .problems import ERROR, WARNING, Issue, ProblemLog
from .value_map import RawValueMap, parse_value_maps, resolve_value_map
from .values import parse_field

#: rows per chunk: ~50k rows keep a chunk's Python objects to tens of MB whatever the file size
CHUNK_ROWS = 50_000

LAYER_ALIASES = {
    "entrances": "checkpoints", "entrance": "checkpoints", "checkpoint": "checkpoints", "卡点": "checkpoints",
    "出入口": "checkpoints", "residents": "persons", "resident": "persons", "person": "persons", "居民": "persons",
    "quarantine": "observations", "observation": "observations", "隔离": "observations", "台账": "observations",
    "case": "cases", "building": "buildings", "household": "households", "grid": "grids", "community": "communities",
    "street": "streets", "compound": "compounds", "district": "districts",
    # 道路 is the roads layer; "streets" stays the 街道 unit level
    "road": "roads", "道路": "roads", "路网": "roads", "道路中心线": "roads", "路段": "roads",
    **{zh: name for name, zh in UNIT_LAYER_ZH.items()},
    **{schema.zh: name for name, schema in LAYERS.items()},
}


def resolve_layer(name: str) -> str:
    """Canonical layer name from a name, an alias (entrances, residents, quarantine) or a Chinese name."""
    key = str(name).strip()
    if key in LAYERS:
        return key
    found = LAYER_ALIASES.get(key.lower()) or LAYER_ALIASES.get(key)
    if found is None:
        raise ValueError(f"未知图层“{name}”（可用：{', '.join(LAYERS)}） / unknown layer {name!r} "
                         f"(known: {', '.join(LAYERS)}; also entrances, residents, quarantine, 道路)")
    return found


@dataclass
class ReadReport:
    """What is learnt while reading: filled by `iter_layer_chunks`, complete once the iterator is exhausted."""

    layer: str
    file: str
    log: ProblemLog
    source_crs: str | None = None
    encoding: str | None = None
    rows_read: int = 0  # data rows in the file (title, header, empty and total rows not counted)
    rows_kept: int = 0  # rows without errors, i.e. rows in the frame
    columns: dict[str, str] = field(default_factory=dict)  # canonical field → source header
    #: vocabulary field → the values this file writes that match no term and were not mapped (/import offers
    #: the choice: map each for this file, or refuse)
    unknown_values: dict[str, list[str]] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        return self.log.problems


@dataclass
class ReadResult:
    frame: pd.DataFrame  # GeoDataFrame (EPSG:4326) when the layer has geometry and the file gave some
    problems: list[Problem]  # file-level problems, then the first `limit_problems` row problems by row
    total_problems: int
    source_crs: str | None
    encoding: str | None
    rows_read: int
    layer: str = ""
    file: str = ""  # as problems name it: "grids.zip (网格/网格.shp)" for a member of an archive
    error_count: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    unknown_values: dict[str, list[str]] = field(default_factory=dict)  # see ReadReport

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]


ValueMaps = RawValueMap | list[str | Path] | tuple[str | Path, ...]


def read_layer(path: str | Path, layer: str, *, crs: str | None = None,
               mapping: str | Path | Mapping[str, str] | None = None, values: ValueMaps | None = None,
               limit_problems: int = 200, chunk_rows: int = CHUNK_ROWS) -> ReadResult:
    """Read a whole file as `layer`. See `iter_layer_chunks` for the streaming form this is built on."""
    name = resolve_layer(layer)
    report = ReadReport(name, str(path), ProblemLog(str(path), limit_problems))
    chunks = list(iter_layer_chunks(path, name, crs=crs, mapping=mapping, values=values, chunk_rows=chunk_rows,
                                    report=report))
    frame = _concat(chunks, report)
    return ReadResult(frame=frame, problems=report.problems, total_problems=report.log.total,
                      source_crs=report.source_crs, encoding=report.encoding, rows_read=report.rows_read, layer=name,
                      file=report.log.file, error_count=report.log.errors, columns=dict(report.columns),
                      unknown_values={k: list(v) for k, v in report.unknown_values.items()})


def _concat(chunks: list[pd.DataFrame], report: ReadReport) -> pd.DataFrame:
    if not chunks:
        cols = ["_row", *[f for f in LAYERS[report.layer].names if f in report.columns]]
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "_row" else object) for c in cols})
    if len(chunks) == 1:
        return chunks[0].reset_index(drop=True)
    frame = pd.concat(chunks, ignore_index=True)
    if isinstance(chunks[0], gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)
    return frame


def iter_layer_chunks(path: str | Path, layer: str, *, crs: str | None = None,
                      mapping: str | Path | Mapping[str, str] | None = None, values: ValueMaps | None = None,
                      chunk_rows: int = CHUNK_ROWS, report: ReadReport | None = None,
                      limit_problems: int = 200) -> Iterator[pd.DataFrame]:
    """Yield canonical frames of up to `chunk_rows` rows (rows with errors left out), reading `path` as a stream.

    `values` maps values of vocabulary columns that match no term (`loaders.readers.value_map`): inline `--map`
    specs or files, or {column: {value: term}} as /import builds it.

    Problems, the source CRS and encoding accumulate in `report` (pass one to see them); file-level summaries
    (swapped coordinates, …) are added when the iterator is exhausted. Memory is bounded by the chunk size plus
    one entry per distinct code (to find duplicates across chunks).
    """
    name = resolve_layer(layer)
    schema = LAYERS[name]
    report = report or ReadReport(name, str(path), ProblemLog(str(path), limit_problems))
    log = report.log

    system = None
    if crs is not None:
        try:
            system = coords.parse_source(crs)
        except ValueError as exc:
            zh, _, en = str(exc).partition(" / ")
            log.add(ERROR, zh, en or zh, field="geometry")
            return
    try:
        wanted = load_mapping(mapping, name)
    except MappingError as exc:
        log.add(ERROR, exc.zh, exc.en, file=str(mapping))
        return
    try:
        chosen = parse_value_maps(values)
    except MappingError as exc:
        log.add(ERROR, exc.zh, exc.en, field="--map")
        return

    matcher = HeaderMatcher(name)
    try:
        with open_source(path, lambda h, parts: matcher.match(h, parts) is not None,
                         prefer=(name, schema.zh)) as source:
            log.file = source.label
            report.encoding = source.encoding
            for severity, zh, en in source.notes:
                log.add(severity, zh, en)
            yield from _read(source, schema, system, wanted, chosen, chunk_rows, report)
    except UnreadableFile as exc:
        log.add(ERROR, exc.zh, exc.en, file=exc.file)
    except Exception as exc:  # noqa: BLE001 — a file must never crash an import run: report what broke
        log.add(ERROR, f"读取时发生意外错误（{type(exc).__name__}）：{exc}",
                f"unexpected error while reading ({type(exc).__name__}): {exc}")
    finally:
        log.flush()


@dataclass
class _Plan:
    """Per-file decisions shared by all chunks."""

    schema: LayerSchema
    columns: ColumnMap
    geometry_from: str | None  # "gis" | "lonlat" | "wkt" | None
    geometry_column: str | None  # header named in geometry problems (the WKT column in "wkt" mode)
    system: object  # None (undeclared: WGS-84 assumed) | CRS | "gcj02" | "bd09"
    declared: bool
    missing_geometry_ok: bool
    codes: _CodeIndex
    chosen: dict[str, dict[str, str]] = field(default_factory=dict)  # field → {value: code}: this file's value map
    swapped_rows: list[int] = field(default_factory=list)
    swapped: int = 0
    projected: int = 0
    projected_guesses: list[str] = field(default_factory=list)
    outside: int = 0


def _read(source: Source, schema: LayerSchema, system, wanted: dict[str, str], chosen: RawValueMap,
          chunk_rows: int, report: ReadReport) -> Iterator[pd.DataFrame]:
    log = report.log
    ledger = schema.name in PERSON_LEDGERS
    # ledgers of people: a record code is made from the row's natural key when absent, and people are named by
    # 姓名/身份证号 and their home as well as by our person code (geodata.exchange.bulk)
    cmap = map_headers(source.headers, schema.name, wanted, parts=source.header_parts,
                       optional_required=("code", "person_code") if ledger else ())
    for severity, zh, en, column, fld in cmap.notes:
        log.add(severity, zh, en, column=column, field=fld)
    report.columns = {k: v for k, v in cmap.fields.items()}
    if schema.name == "observations" and not {"person_code", "id_number", "name"} & set(cmap.fields):
        log.add(ERROR, "缺少人员列：需要“身份证号”或“姓名”（及楼栋编码、户编码、房号或地址），或“人员编码”",
                "no column names the person: give 身份证号 (ID number) or 姓名 (name) with a building, household, "
                "room or address, or 人员编码 (person code)", field="person_code")
    try:
        values = resolve_value_map(chosen, schema, cmap.fields)
    except MappingError as exc:
        log.add(ERROR, exc.zh, exc.en, field="--map")
        return

    plan = _plan_geometry(source, schema, cmap, system, log)
    plan.chosen = values
    if plan.system is not None or plan.geometry_from is not None:
        report.source_crs = coords.source_label(plan.system) if plan.system is not None else "EPSG:4326"

    for raw in source.chunks(chunk_rows):
        report.rows_read += len(raw.frame)
        frame = _canonical(raw, plan, log, report)
        log.flush()
        report.rows_kept += len(frame)
        if len(frame):
            yield frame
    _extent_summary(plan, log)


def _plan_geometry(source: Source, schema: LayerSchema, cmap: ColumnMap, system, log: ProblemLog) -> _Plan:
    geometry_from, column = None, None
    if schema.geometry:
        if source.kind == "gis" and source.has_geometry:
            geometry_from, column = "gis", "geometry"
        elif "wkt" in cmap.fields:
            geometry_from, column = "wkt", cmap.fields["wkt"]
        elif "lon" in cmap.fields and "lat" in cmap.fields:
            geometry_from, column = "lonlat", f"{cmap.fields['lon']}/{cmap.fields['lat']}"
        elif "footprint" in cmap.fields:  # a table of building outlines only: the point comes from the outline
            geometry_from, column = "wkt", cmap.fields.pop("footprint")
        elif "lon" in cmap.fields or "lat" in cmap.fields:
            have = cmap.fields.get("lon") or cmap.fields.get("lat")
            log.add(ERROR, f"只有一列坐标“{have}”，经度和纬度两列都需要", f"only one coordinate column ({have!r}); "
                    "both longitude and latitude are needed", column=have, field="geometry")
    # buildings in a table may carry only their code: the database side matches them to registered buildings
    missing_ok = schema.name == "buildings" and source.kind == "table"
    if schema.geometry and geometry_from is None and source.kind == "table":
        if missing_ok:
            log.add(WARNING, "没有坐标列（经度/纬度或 WKT），将按楼栋编码匹配已登记的楼栋位置",
                    "no coordinate columns (lon/lat or WKT); rows will be matched to registered buildings by code",
                    field="geometry")
        else:
            need_zh = " WKT 几何列" if schema.geometry in ("polygon", "line") else "经度/纬度列或 WKT 几何列"
            need_en = "a WKT geometry column" if schema.geometry in ("polygon", "line") else \
                "lon/lat columns or a WKT column"
            log.add(ERROR, f"缺少几何：{schema.zh}需要{need_zh}", f"no geometry: {schema.name} needs {need_en}",
                    field="geometry")

    declared = system is not None  # by --crs: it wins over everything the file says
    if declared and isinstance(source.crs, CRS) and source.crs.to_epsg() not in (4326, None) and source.crs != system:
        log.add(WARNING, f"文件自带坐标系 {coords.source_label(source.crs)}，按 --crs 指定的 "
                f"{coords.source_label(system)} 处理", f"the file declares {coords.source_label(source.crs)}; "
                f"{coords.source_label(system)} from --crs is used instead", field="geometry")
    if not declared:
        if source.crs is not None:
            system, declared = coords.parse_source(source.crs), True
        # GeoJSON and KML always say WGS-84, so a file of GCJ-02 points is only recognisable by its names
        says_wgs84 = system is None or (isinstance(system, CRS) and system.to_epsg() == 4326)
        hint = (cmap.crs_hint or _filename_hint(source.label)) if geometry_from and says_wgs84 else None
        if hint is not None:
            system, declared = hint, True
            label = "GCJ-02（高德/腾讯）" if hint == coords.GCJ02 else "BD-09（百度）"
            log.add(WARNING, f"按列名或文件名判断坐标为 {label}，已转换为 WGS-84（如不对请用 --crs wgs84）",
                    f"column or file names say the coordinates are {hint.upper()}; converted to WGS-84 (use "
                    "--crs wgs84 if wrong)", field="geometry")
    return _Plan(schema, cmap, geometry_from, column, system, declared, missing_ok, _CodeIndex())


def _filename_hint(label: str) -> str | None:
    stem = Path(label.split(" (")[0]).stem.lower()
    if "wgs" in stem:
        return None
    if any(t in stem for t in ("gcj", "高德", "火星", "amap")):
        return coords.GCJ02
    if any(t in stem for t in ("bd09", "baidu", "百度")):
        return coords.BD09
    return None


# ---------------------------------------------------------------------------------------------------------
# one chunk


def _canonical(raw: RawChunk, plan: _Plan, log: ProblemLog, read: ReadReport) -> pd.DataFrame:
    schema = plan.schema
    n = len(raw.frame)
    rows = raw.rows
    bad = np.zeros(n, dtype=bool)

    def report(issue: Issue | None, column: str | None) -> None:
        if issue is None or not len(issue):
            return
        log.add_issue(issue, rows, column)
        if issue.severity == ERROR:
            bad[issue.positions] = True

    for issue, column in raw.issues:
        report(issue, column)

    out: dict[str, pd.Series] = {}
    failed: dict[str, np.ndarray] = {}
    named_basis: pd.Series | None = None
    for f in schema.fields:
        header = plan.columns.fields.get(f.name)
        if f.kind == "geometry" or header is None:
            continue
        parsed = parse_field(raw.frame[header].reset_index(drop=True), f, schema.name, plan.chosen.get(f.name))
        out[f.name] = parsed.values
        if f.name == "control_state":  # 封锁 and 硬隔离 are one stored state: the word's basis goes along
            named_basis = raw.frame[header].reset_index(drop=True).map(named_seal_basis).astype(object)
        if parsed.unknown:
            seen = read.unknown_values.setdefault(f.name, [])
            seen.extend(v for v in parsed.unknown if v not in seen)
        if parsed.issue is not None:
            report(parsed.issue, header)
            failed[f.name] = parsed.issue.positions

    if named_basis is not None:
        # the basis the state's word names (硬隔离) wins; else the file's 封锁依据 column (our exports write both)
        given = out.get("control_basis")
        out["control_basis"] = named_basis if given is None else \
            named_basis.where(named_basis.notna(), given.astype(object)).astype(object)

    geometry, footprint = None, None
    if plan.geometry_from is not None:
        geometry, footprint = _geometry(raw, plan, report)

    for name in schema.required:
        if name == "geometry" or name not in out:
            continue
        empty = out[name].isna().to_numpy(dtype=bool, copy=True)  # written below: never a read-only view
        if name in failed:
            empty[failed[name]] = False  # already reported as unreadable
        if empty.any():
            zh, en = field_label(schema, name)
            header = plan.columns.fields.get(name)
            report(Issue.where(empty, ERROR, f"必填项“{zh}”为空", f"required value {en!r} is empty", name), header)

    if "code" in out:
        report(plan.codes.duplicates(out["code"], rows), plan.columns.fields.get("code"))

    keep = ~bad
    data = {"_row": rows[keep].astype("int64")}
    for f in schema.fields:
        if f.name in out:
            data[f.name] = out[f.name].array[keep]
    frame = pd.DataFrame(data)
    if geometry is None:
        return frame
    if footprint is not None:
        frame["footprint"] = gpd.GeoSeries(footprint[keep], crs=4326)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry[keep], crs=4326))


def _geometry(raw: RawChunk, plan: _Plan, report) -> tuple[np.ndarray, np.ndarray | None]:
    n = len(raw.frame)
    frame = raw.frame.reset_index(drop=True)
    unreadable = np.zeros(n, dtype=bool)
    none = np.zeros(n, dtype=bool)
    if plan.geometry_from == "gis":
        geoms = raw.geometry if raw.geometry is not None else np.full(n, None, dtype=object)
        geoms = np.asarray(geoms, dtype=object)
    elif plan.geometry_from == "wkt":
        geoms, issue, none = geom.geometries_from_text(frame[plan.geometry_column])
        if issue is not None:
            unreadable[issue.positions] = True
        report(issue, plan.geometry_column)
    else:
        lon_h, lat_h = plan.columns.fields["lon"], plan.columns.fields["lat"]
        geoms, lon_issue, lat_issue, none = geom.points_from_lonlat(frame[lon_h], frame[lat_h])
        for issue, header in ((lon_issue, lon_h), (lat_issue, lat_h)):
            if issue is not None:
                unreadable[issue.positions] = True
            report(issue, header)

    geoms, rejected = _to_wgs84(geoms, plan, raw.rows, report)
    missing_ok = unreadable | rejected | (none & plan.missing_geometry_ok)
    shaped = geom.shape_for_layer(geoms, plan.schema, missing_ok=missing_ok)
    for issue in shaped.issues:
        report(issue, plan.geometry_column)
    footprint = shaped.footprint
    header = plan.columns.fields.get("footprint")
    if header is not None:  # an outline column beside the point (our own exports write one)
        outlines, issue, _ = geom.geometries_from_text(frame[header])
        report(issue, header)
        outlines = _convert(outlines, plan.system)
        given = geom.shape_geometries(outlines, "polygon", missing_ok=True)
        for issue in given.issues:
            report(issue, header)
        has = pd.Series(given.geometry, dtype=object).notna().to_numpy()
        footprint = footprint if footprint is not None else np.full(n, None, dtype=object)
        footprint[has] = given.geometry[has]
    return shaped.geometry, footprint


def _convert(geoms: np.ndarray, system) -> np.ndarray:
    """Geometries from `system` to WGS-84 (no checks)."""
    geoms = np.asarray(geoms, dtype=object).copy()
    present = pd.Series(geoms, dtype=object).notna().to_numpy()
    if system is not None and present.any():
        gs = gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms[present]))
        geoms[present] = np.asarray(coords.to_wgs84(gs, system).geometry.values, dtype=object)
    return geoms


def _to_wgs84(geoms: np.ndarray, plan: _Plan, rows: np.ndarray, report) -> tuple[np.ndarray, np.ndarray]:
    """Check coordinates against China, fix swapped lon/lat, convert to WGS-84. Returns the geometries and the
    rows refused (reported here, their geometry set to None)."""
    geoms = np.asarray(geoms, dtype=object).copy()
    present = pd.Series(geoms, dtype=object).notna().to_numpy()
    if not present.any():
        return geoms, np.zeros(len(geoms), dtype=bool)
    system = plan.system
    if coords.is_geographic(system):
        # lon/lat systems: check before converting (GCJ-02 formulas ignore points outside China, so a swapped
        # point would silently stay unconverted)
        rejected = _check(geoms, present, plan, rows, report)
        geoms = _convert(geoms, system)
    else:
        geoms = _convert(geoms, system)
        present = pd.Series(geoms, dtype=object).notna().to_numpy()
        rejected = _check(geoms, present, plan, rows, report, after=coords.source_label(system))
    return geoms, rejected


def _check(geoms: np.ndarray, present: np.ndarray, plan: _Plan, rows: np.ndarray, report, *,
           after: str | None = None) -> np.ndarray:
    """Rows outside China are refused; swapped lon/lat are exchanged (counted for the summary). Returns the
    refused rows."""
    x, y = geom.reference_xy(np.where(present, geoms, None))
    check = coords.check_extent(x, y)
    if after is not None:
        bad = check.swapped | check.projected | check.outside
        report(Issue.where(bad, ERROR, f"从 {after} 转换后坐标不在中国范围内（坐标系选错了？）",
                           f"outside China after converting from {after} (wrong CRS?)", "geometry"),
               plan.geometry_column)
        geoms[bad] = None
        plan.outside += int(bad.sum())
        return bad
    if check.swapped.any():
        geoms[check.swapped] = geom.swap_xy(geoms[check.swapped].astype(object))
        plan.swapped += int(check.swapped.sum())
        plan.swapped_rows.extend(int(r) for r in rows[check.swapped][: max(0, 5 - len(plan.swapped_rows))])
    if check.projected.any():
        if not plan.projected_guesses:
            plan.projected_guesses = check.projected_guesses
        plan.projected += int(check.projected.sum())
        if plan.declared:
            name = coords.source_label(plan.system)
            zh = f"坐标是米制投影坐标，但坐标系是经纬度 {name}（--crs 选错了？）"
            en = f"coordinates are projected metres but the CRS is lon/lat {name} (wrong --crs?)"
        else:
            zh = "坐标是米制投影坐标，但没有给出坐标系，请用 --crs 指定（如 EPSG:4547）"
            en = "coordinates are projected metres and no CRS was given; name it with --crs (e.g. EPSG:4547)"
        report(Issue.where(check.projected, ERROR, zh, en, "geometry"), plan.geometry_column)
        geoms[check.projected] = None
    if check.outside.any():
        plan.outside += int(check.outside.sum())
        report(Issue.where(check.outside, ERROR, "坐标不在中国范围内（经度 73–136，纬度 3–54）",
                           "coordinates outside China (lon 73–136, lat 3–54)", "geometry"), plan.geometry_column)
        geoms[check.outside] = None
    return check.projected | check.outside


def _extent_summary(plan: _Plan, log: ProblemLog) -> None:
    """File-level words on coordinates, once, after all chunks (counts cover the whole file)."""
    if plan.swapped:
        rows = [str(r) for r in plan.swapped_rows]
        log.add(WARNING, f"{plan.swapped} 行的经度和纬度填反了（如第 {'、'.join(rows)} 行），已自动交换",
                f"{plan.swapped} rows have longitude and latitude swapped (e.g. rows {', '.join(rows)}); exchanged "
                "them", column=plan.geometry_column, field="geometry")
    if plan.projected:
        hint_zh = f"；按数值推测可能是 {'、'.join(plan.projected_guesses)}" if plan.projected_guesses else ""
        hint_en = f"; the numbers suggest {', '.join(plan.projected_guesses)}" if plan.projected_guesses else ""
        if plan.declared:
            name = coords.source_label(plan.system)
            zh = f"{plan.projected} 行是米制投影坐标，但坐标系是经纬度 {name}（--crs 选错了？）{hint_zh}"
            en = f"{plan.projected} rows hold projected coordinates (metres) but the CRS is lon/lat {name}{hint_en}"
        else:
            zh = f"{plan.projected} 行是米制投影坐标而不是经纬度，且没有给出坐标系（--crs）{hint_zh}"
            en = f"{plan.projected} rows hold projected coordinates (metres), not lon/lat, and no CRS was given " \
                 f"(--crs){hint_en}"
        log.add(ERROR, zh, en, column=plan.geometry_column, field="geometry")


# ---------------------------------------------------------------------------------------------------------
# duplicate codes across chunks


class _CodeIndex:
    """Codes seen so far, as 64-bit hashes with the row where each first appeared: 16 bytes per code, so a
    million-row file costs 16 MB (a pandas Index of the strings cost ~160 bytes per code). A chance collision
    of two different codes has probability ~n²/2⁶⁵ (3e-8 at a million codes)."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []  # per chunk: sorted hashes, their first rows

    def duplicates(self, codes: pd.Series, rows: np.ndarray) -> Issue | None:
        present = codes.notna().to_numpy(dtype=bool)
        if not present.any():
            return None
        text = codes[present].astype(str).to_numpy(dtype=object)
        hashes = pd.util.hash_array(text, categorize=False)
        chunk_rows = rows[present].astype("int64")
        first = np.full(len(hashes), -1, dtype="int64")
        for seen, seen_rows in self.parts:  # earlier chunks
            pos = np.searchsorted(seen, hashes).clip(max=len(seen) - 1)
            hit = (seen[pos] == hashes) & (first < 0)
            first[hit] = seen_rows[pos[hit]]
        # within this chunk: later occurrences point at the first one
        order = np.argsort(hashes, kind="stable")
        h_sorted = hashes[order]
        starts = np.r_[True, h_sorted[1:] != h_sorted[:-1]]
        lead = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
        repeat = np.empty(len(hashes), dtype=bool)
        repeat[order] = ~starts
        inner = repeat & (first < 0)
        first[inner] = chunk_rows[lead[np.argsort(order)][inner]]
        keep = starts & (first[order] < 0)  # codes new to the file: remember them
        if keep.any():
            self.parts.append((h_sorted[keep], chunk_rows[order][keep]))
        dup = first >= 0
        if not dup.any():
            return None
        positions = np.flatnonzero(present)[dup]
        zh = np.array([f"编码“{c}”重复：与第 {r} 行相同" for c, r in zip(text[dup], first[dup], strict=True)],
                      dtype=object)
        en = np.array([f"duplicate code {c!r}: same as row {r}" for c, r in zip(text[dup], first[dup], strict=True)],
                      dtype=object)
        return Issue(positions, ERROR, zh, en, "code")
