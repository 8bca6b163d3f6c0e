"""Opening any supported file as a stream of raw chunks: source headers, cell values, row numbers, geometries.

| what a person hands us                     | how it is read                                                   |
|--------------------------------------------|------------------------------------------------------------------|
| .geojson/.json, .gpkg, .shp, .fgb, .gml …  | pyogrio (GDAL), in Arrow batches (`open_arrow`, `batch_size`)     |
| a shapefile folder, or a .zip of one       | unpacked to a temporary directory, then as above                 |
| .kml / .kmz (phone apps, Google Earth)     | GDAL LIBKML; Placemark descriptions "编号：KD001<br>类型：…" → columns |
| .csv/.txt/.tsv                             | pandas in chunks (`chunksize`), encoding and delimiter detected   |
| .xlsx/.xlsm                                | openpyxl read-only, row by row                                    |

Row numbers are what a person sees: the spreadsheet/line number (header rows included) for CSV and XLSX, the
feature number (1-based) for GIS files.

Anything that stops a file from being read at all raises `UnreadableFile` with a bilingual message; everything
else is reported per row by the caller.
"""
from __future__ import annotations

import csv
import html
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geodata.base.problems import Problem, Refusal

from . import excel
from .encoding import shapefile_encoding, text_encoding
from .problems import ERROR, WARNING, Issue

GIS_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".fgb", ".gml", ".sqlite", ".tab", ".mif", ".gpx",
                ".geojsonl", ".geojsons")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
ARCHIVE_SUFFIXES = (".zip", ".kmz")
#: the suffixes an uploaded file keeps on disk: they tell `open_source` the format (.xls only to say it is too old)
UPLOAD_SUFFIXES = frozenset((*GIS_SUFFIXES, *TABLE_SUFFIXES, *ARCHIVE_SUFFIXES, ".xls"))
_UPLOAD_STEM_CHARS = 60
# Archive limits (zip, kmz, and the zip inside every xlsx). The largest real layer is a district's persons roster
# or building footprints, tens of MB unpacked (a 100k-row roster is 39 MB of sheet XML, packed 13×). Ten times that
# is the most an import may unpack to: more is a zip bomb or not an import file, and refusing it before unpacking
# keeps the temp disk and memory from filling (a 2 MB zip from the wall account once wrote 2 GiB in 13 s).
#: refuse archives whose members unpack to more than this in total
MAX_UNPACKED_BYTES = 500 * 1024**2
#: refuse a member squeezed more than this: deflate packs shapefiles, CSV, KML and sheet XML 3–20×, while a bomb
#: is built from repeated bytes that deflate packs ~1000×
MAX_RATIO = 100
#: members up to this size unpack harmlessly whatever their ratio (an empty .cpg, a column of identical cells)
RATIO_FLOOR_BYTES = 1024**2
#: a shapefile has ~6 files per layer; tens of thousands of tiny members only exhaust inodes and time
MAX_MEMBERS = 10_000
_COPY_BYTES = 1024 * 1024
#: columns LIBKML adds to every Placemark: never data, never worth an "unrecognised column" warning
_KML_BOILERPLATE = {"timestamp", "begin", "end", "altitudemode", "tessellate", "extrude", "visibility", "draworder",
                    "icon", "snippet", "styleurl"}


class UnreadableFile(Refusal):
    """The file cannot be read at all (missing, damaged, truncated, unsupported): a refusal of the whole file, with
    the file (or the archive member) as the place of its one problem."""

    def __init__(self, zh: str, en: str, file: str | None = None) -> None:
        super().__init__(zh, en, [Problem(zh, en, file=file)])
        self.zh, self.en = zh, en
        self.file = file  # "grids.zip (网格/网格.shp)" when one member of an archive is the reason


@dataclass
class RawChunk:
    frame: pd.DataFrame  # columns = source headers; values as the file holds them
    rows: np.ndarray  # 1-based row numbers as a person sees them, one per frame row
    geometry: np.ndarray | None = None  # shapely geometries (GIS sources), in the source CRS
    issues: list[tuple[Issue, str | None]] = field(default_factory=list)  # (issue, source header)


@dataclass
class Source:
    """An opened file: what is known before reading rows, and `chunks()` to read them."""

    label: str  # how problems name the file
    kind: str  # "gis" | "table"
    headers: list[str]
    chunks: Callable[[int], Iterator[RawChunk]]
    crs: CRS | None = None  # declared by the file (GIS sources)
    encoding: str | None = None
    header_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (severity, zh, en), file level
    has_geometry: bool = False
    total_rows: int | None = None  # when cheaply known (GIS feature count)


Score = Callable[[str, Sequence[str]], bool]


@contextmanager
def open_source(path: str | Path, score: Score, prefer: Sequence[str] = ()) -> Iterator[Source]:
    """Open `path` for reading. `score(header, parts)` tells whether a header is known for the layer (used to find
    header rows and to pick a sheet); `prefer` are names (layer name, Chinese name) that pick a layer/file when a
    GeoPackage or a folder holds several."""
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise UnreadableFile("文件不存在", "file not found")
    with ExitStack() as stack:
        notes: list[tuple[str, str, str]] = []
        target = path
        if path.is_dir() or path.suffix.lower() in ARCHIVE_SUFFIXES:
            folder = path
            if not path.is_dir():
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gridwatch-import-")))
                _unpack(path, folder)
            target, more = _pick_member(folder, prefer, kmz=path.suffix.lower() == ".kmz")
            member = target.relative_to(folder).as_posix()
            label = f"{path} ({member})" if not path.is_dir() else str(target)
            if more:
                notes.append((WARNING, f"包含多个数据文件，读取了“{member}”（另有：{'、'.join(more)}）",
                              f"holds several data files; read {member!r} (also: {', '.join(more)})"))
        suffix = target.suffix.lower()
        if suffix == ".xls" or (suffix in (".xlsx", ".xlsm") and not zipfile.is_zipfile(target)):
            if _is_ole(target):
                raise UnreadableFile("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入",
                                     "old Excel (.xls) files are not supported; save as .xlsx in Excel and import that")
            raise UnreadableFile("不是有效的 Excel（.xlsx）文件，可能已损坏或不完整",
                                 "not a valid Excel (.xlsx) file; it may be damaged or incomplete")
        if suffix in (".xlsx", ".xlsm"):
            _check_zip(target)  # openpyxl unpacks the sheet XML itself: refuse a bomb before it starts
            source = _open_xlsx(target, label, score, stack, prefer)
        elif suffix in (".csv", ".txt", ".tsv"):
            source = _open_csv(target, label, score)
        else:
            source = _open_gis(target, label, prefer)
        source.notes[:0] = notes
        yield source


def upload_path(folder: Path, client_name: str) -> Path:
    """Where to write a file someone sent under `client_name`: always a plain file directly inside `folder`.

    The name is whatever the sender put in it (a browser's multipart header: "/etc/cron.d/x.csv", "../../x.csv",
    "..\\x.csv"), so it is never used as a path: only its last part's letters, digits, `_` and `-` are kept (the
    reader takes 高德/百度 coordinate hints from the stem) and the suffix only when it is one this package reads.
    """
    base = re.split(r"[\\/]", client_name)[-1]
    stem, dot, ext = base.rpartition(".")
    suffix = f".{ext.lower()}" if dot and f".{ext.lower()}" in UPLOAD_SUFFIXES else ""
    safe = re.sub(r"[^\w-]+", "_", stem if suffix else base).strip("_")[:_UPLOAD_STEM_CHARS]
    return folder / f"{safe or 'upload'}{suffix}"


# ---------------------------------------------------------------------------------------------------------
# archives and folders


def _member_name(info: zipfile.ZipInfo) -> str:
    """Zip member names without the UTF-8 flag are in the creator's code page (GBK on Chinese Windows); Python
    decodes them as cp437, which turns 网格.shp into mojibake. Undo that."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def _member_parts(name: str) -> list[str]:
    """The plain relative parts of a member name: `..`, `/`, drive-less roots and backslashes are dropped, so a
    member named "../../etc/x" or "/etc/x" or "..\\x" can only land inside the folder it is unpacked to."""
    return [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]


def _wanted(info: zipfile.ZipInfo, name: str) -> bool:
    """Members worth unpacking: not folders, not macOS resource forks."""
    parts = _member_parts(name)
    return not info.is_dir() and bool(parts) and parts[0] != "__MACOSX" and not parts[-1].startswith("._")


def _size(n: int) -> str:
    return f"{n / 1024**2:,.1f} MB" if n >= 1024**2 else f"{n / 1024:,.1f} KB"


def _refuse_ratio(archive: Path, member: str, size: int, packed: int) -> UnreadableFile:
    return UnreadableFile(
        f"压缩包“{archive.name}”中的“{member}”压缩比超过 {MAX_RATIO} 倍（{_size(packed)} 解压为 {_size(size)} 以上），"
        "疑似压缩炸弹，已拒绝",
        f"{member!r} in the archive {archive.name!r} is packed more than {MAX_RATIO}× ({_size(packed)} unpacks to "
        f"{_size(size)} or more): refused as a zip bomb",
        file=f"{archive} ({member})")


def _refuse_total(archive: Path, member: str) -> UnreadableFile:
    return UnreadableFile(
        f"压缩包“{archive.name}”解压后超过 {_size(MAX_UNPACKED_BYTES)}（到“{member}”时超出）：可能是压缩炸弹，"
        "或不是导入用的数据文件；请只打包要导入的图层",
        f"the archive {archive.name!r} unpacks to more than {_size(MAX_UNPACKED_BYTES)} (passed at {member!r}): a "
        "zip bomb, or not an import file; zip only the layer to import",
        file=f"{archive} ({member})")


def _check_ratio(archive: Path, member: str, size: int, packed: int) -> None:
    if size > RATIO_FLOOR_BYTES and size > MAX_RATIO * packed:
        raise _refuse_ratio(archive, member, size, packed)


def _check_listing(archive: Path, members: Sequence[tuple[zipfile.ZipInfo, str]]) -> None:
    """Refuse from the central directory, before a byte is unpacked: too many members, a member packed like a
    bomb, or more than MAX_UNPACKED_BYTES in all. The directory can lie; `_copy_member` counts again."""
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile(f"压缩包“{archive.name}”包含 {len(members):,} 个文件，超过上限 {MAX_MEMBERS:,}",
                             f"the archive {archive.name!r} holds {len(members):,} files, more than "
                             f"{MAX_MEMBERS:,}", file=str(archive))
    total = 0
    for info, name in members:
        _check_ratio(archive, name, info.file_size, info.compress_size)
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise _refuse_total(archive, name)


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, dest: Path, archive: Path,
                 budget: int) -> int:
    """Stream one member to `dest`, counting what actually comes out: the sizes in the directory are the
    sender's word, so the ratio and the archive's remaining `budget` are checked again on every chunk."""
    written = 0
    with zf.open(info) as src, dest.open("wb") as out:
        while chunk := src.read(_COPY_BYTES):
            written += len(chunk)
            if written > budget:
                raise _refuse_total(archive, name)
            _check_ratio(archive, name, written, info.compress_size)
            out.write(chunk)
    return written


def _check_zip(path: Path) -> None:
    """The directory checks for a zip that another library unpacks (openpyxl reads the sheet XML of an xlsx)."""
    try:
        with zipfile.ZipFile(path) as zf:
            _check_listing(path, [(i, _member_name(i)) for i in zf.infolist() if not i.is_dir()])
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        return  # a damaged workbook is reported by the xlsx reader with its own message


def _unpack(archive: Path, into: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            named = [(info, _member_name(info)) for info in zf.infolist()]
            members = [(info, name) for info, name in named if _wanted(info, name)]
            _check_listing(archive, members)
            budget = MAX_UNPACKED_BYTES
            for info, name in members:
                dest = into.joinpath(*_member_parts(name))  # only plain relative parts: no way out of `into`
                dest.parent.mkdir(parents=True, exist_ok=True)
                budget -= _copy_member(zf, info, name, dest, archive, budget)
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise UnreadableFile(f"压缩文件已损坏或不完整（可能没有下载/复制完）：{exc}",
                             f"the archive is damaged or incomplete (not fully downloaded or copied?): {exc}") from None


def _pick_member(folder: Path, prefer: Sequence[str], kmz: bool) -> tuple[Path, list[str]]:
    """The data file inside an unpacked archive or a folder (shapefile sidecars are not data files)."""
    order = (".kml",) if kmz else (".shp", ".gpkg", ".geojson", ".json", ".kml", ".fgb", ".gml", ".csv", ".xlsx",
                                   ".xlsm", ".txt", ".tsv", ".xls")
    found = sorted((p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in order),
                   key=lambda p: (order.index(p.suffix.lower()), len(p.parts), str(p)))
    if not found:
        raise UnreadableFile("压缩包或文件夹里没有可导入的数据文件（.shp、.gpkg、.geojson、.kml、.csv、.xlsx）",
                             "no data file (.shp, .gpkg, .geojson, .kml, .csv, .xlsx) in the archive or folder")
    best_kind = found[0].suffix.lower()
    same = [p for p in found if p.suffix.lower() == best_kind]
    chosen = next((p for p in same if any(w and w.lower() in p.stem.lower() for w in prefer)), same[0])
    more = [p.relative_to(folder).as_posix() for p in found if p != chosen and p.suffix.lower() == best_kind]
    return chosen, more


def _is_ole(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# ---------------------------------------------------------------------------------------------------------
# GIS files (pyogrio)


def _gdal_error(exc: Exception) -> UnreadableFile:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return UnreadableFile(f"无法读取（文件可能已损坏、不完整或不是支持的格式）：{text}",
                          f"cannot be read (damaged, truncated, or not a supported format?): {text}")


def _open_gis(path: Path, label: str, prefer: Sequence[str]) -> Source:
    import pyogrio
    from pyogrio.errors import DataSourceError, DataLayerError

    notes: list[tuple[str, str, str]] = []
    encoding = None
    suffix = path.suffix.lower()
    if suffix == ".shp":
        missing = [s for s in (".dbf", ".shx") if not _has_sidecar(path, s)]
        if ".dbf" in missing:
            raise UnreadableFile("Shapefile 不完整：缺少 .dbf 属性文件（.shp、.shx、.dbf 三个文件需放在一起）",
                                 "incomplete shapefile: the .dbf attribute file is missing (.shp, .shx and .dbf "
                                 "belong together)")
        decision = shapefile_encoding(path)
        encoding = decision.encoding
        if decision.note:
            notes.append(decision.note)
        if not _has_sidecar(path, ".prj"):
            notes.append((WARNING, "Shapefile 缺少 .prj 坐标系文件，按 WGS-84 经纬度读取（如不对请用 --crs 指定）",
                          "the shapefile has no .prj (coordinate system); read as WGS-84 lon/lat (use --crs if "
                          "that is wrong)"))
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError, OSError, RuntimeError) as exc:
        raise _gdal_error(exc) from None
    if not layers:
        raise UnreadableFile("文件中没有图层", "the file holds no layer")
    if suffix == ".kml" or suffix == ".kmz":
        return _open_kml(path, label, layers, notes)
    layer = layers[0]
    if len(layers) > 1:
        wanted = [w.lower() for w in prefer if w]
        layer = next((name for name in layers if name.lower() in wanted), None) or next(
            (name for name in layers if any(w in name.lower() for w in wanted)), layers[0])
        others = [n for n in layers if n != layer]
        notes.append((WARNING, f"文件有多个图层，读取了“{layer}”（另有：{'、'.join(others)}）",
                      f"the file has several layers; read {layer!r} (also: {', '.join(others)})"))
    # GDAL (iconv) spells Latin-1 "ISO-8859-1"; "latin-1" would silently not recode
    gdal_encoding = {"latin-1": "ISO-8859-1"}.get(encoding, encoding) if encoding else None
    recode = None
    try:
        try:
            info = pyogrio.read_info(path, layer=layer, encoding=gdal_encoding)
        except UnicodeDecodeError:
            # A .dbf limits field names to 10 bytes: a UTF-8 writer cuts 社区编码 (12 bytes) inside a character, and
            # pyogrio cannot decode the name. Read the bytes through Latin-1 unchanged and decode them here.
            gdal_encoding, recode = "ISO-8859-1", encoding or "utf-8"
            info = pyogrio.read_info(path, layer=layer, encoding=gdal_encoding)
    except (DataSourceError, DataLayerError, OSError, RuntimeError) as exc:
        raise _gdal_error(exc) from None
    crs = CRS.from_user_input(info["crs"]) if info.get("crs") else None
    raw_headers = [str(f) for f in info["fields"]]
    headers = raw_headers
    if recode:
        headers = [h.encode("latin-1").decode(recode, errors="ignore") for h in raw_headers]
        cut = [h for h, r in zip(headers, raw_headers, strict=True) if len(h.encode(recode)) < len(r)]
        if cut:
            notes.append((WARNING, f"字段名在 Shapefile 中被截断到 10 字节（{'、'.join(cut)}），已尽量按剩余部分识别",
                          f"field names were cut to 10 bytes by the shapefile format ({', '.join(cut)}); matched by "
                          "what is left"))
    rename = dict(zip(raw_headers, headers, strict=True))
    total = info.get("features")

    def chunks(chunk_rows: int) -> Iterator[RawChunk]:
        offset = 0
        try:
            with pyogrio.open_arrow(path, layer=layer, encoding=gdal_encoding, batch_size=chunk_rows,
                                    use_pyarrow=True) as (meta, reader):
                geom_col = meta.get("geometry_name") or "wkb_geometry"
                for batch in reader:
                    yield _arrow_chunk(batch, geom_col, rename, offset, recode)
                    offset += batch.num_rows
        except (DataSourceError, DataLayerError, OSError, RuntimeError) as exc:
            err = _gdal_error(exc)
            if offset:
                raise UnreadableFile(f"读到第 {offset} 个要素后出错：{err.zh}", f"failed after feature {offset}: "
                                     f"{err.en}") from None
            raise err from None

    return Source(label, "gis", headers, chunks, crs=crs, encoding=encoding, notes=notes, has_geometry=True,
                  total_rows=total if total and total > 0 else None)


def _has_sidecar(shp: Path, suffix: str) -> bool:
    return any(p.suffix.lower() == suffix and p.stem == shp.stem for p in shp.parent.glob(shp.stem + ".*"))


def _arrow_chunk(batch, geom_col: str, rename: dict[str, str], offset: int, recode: str | None) -> RawChunk:
    names = batch.schema.names
    data = {new: batch.column(names.index(raw)).to_pandas() for raw, new in rename.items() if raw in names}
    frame = pd.DataFrame(data)
    if recode:
        for col in frame.columns:
            if frame[col].dtype == object or isinstance(frame[col].dtype, pd.StringDtype):
                frame[col] = frame[col].map(
                    lambda v: v.encode("latin-1").decode(recode, errors="replace") if isinstance(v, str) else v)
    geometry = None
    if geom_col in names:
        wkb = batch.column(names.index(geom_col)).to_numpy(zero_copy_only=False)
        geometry = shapely.from_wkb(wkb, on_invalid="ignore")
    rows = np.arange(offset + 1, offset + batch.num_rows + 1)
    return RawChunk(frame, rows, geometry)


# KML from phone apps: attributes live in the description, as "key：value" lines or a two-column HTML table.
_TAG = re.compile(r"<[^>]+>")
# a key is a short label without sentence punctuation; "早上8:00开" is a time in free text, not a key
_PAIR = re.compile(r"^\s*([^:：=，,。；;]{1,20}?)(?<!\d)\s*[:：=]\s*(.*?)\s*$")
_TD_PAIR = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>\s*<td[^>]*>(.*?)</td>", re.IGNORECASE | re.DOTALL)


def description_fields(text: object) -> dict[str, str]:
    """{'编号': 'KD001', '类型': '小区出入口', …} from a Placemark description; {} when it holds free text."""
    if not isinstance(text, str) or not text.strip():
        return {}
    out: dict[str, str] = {}
    for key, value in _TD_PAIR.findall(text):
        k, v = html.unescape(_TAG.sub("", key)).strip(), html.unescape(_TAG.sub("", value)).strip()
        if k:
            out[k] = v
    if out:
        return out
    plain = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", text, flags=re.IGNORECASE)
    plain = html.unescape(_TAG.sub("", plain))
    for line in re.split(r"[\n\r；;]+", plain):
        m = _PAIR.match(line)
        if m and m.group(1).strip():
            out[m.group(1).strip()] = m.group(2)
    return out


def _open_kml(path: Path, label: str, layers: list[str], notes: list) -> Source:
    """KML files are small and their columns depend on the descriptions: read them whole, at open time."""
    import pyogrio
    from pyogrio.errors import DataSourceError, DataLayerError

    frames, geoms = [], []
    try:
        for layer in layers:
            gdf = pyogrio.read_dataframe(path, layer=layer, on_invalid="ignore")
            geoms.append(np.asarray(gdf.geometry.values, dtype=object))
            frames.append(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)))
    except (DataSourceError, DataLayerError, OSError, RuntimeError) as exc:
        raise _gdal_error(exc) from None
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    geometry = np.concatenate(geoms) if geoms else np.array([], dtype=object)
    frame = frame.drop(columns=[c for c in frame.columns if c.lower() in _KML_BOILERPLATE])
    if "id" in frame.columns and frame["id"].isna().all():
        frame = frame.drop(columns=["id"])
    desc_col = next((c for c in frame.columns if c.lower() == "description"), None)
    if desc_col is not None:
        parsed = [description_fields(v) for v in frame[desc_col]]
        keys = list(dict.fromkeys(k for d in parsed for k in d))
        if keys:
            extra = pd.DataFrame([[d.get(k) for k in keys] for d in parsed], columns=keys, index=frame.index,
                                 dtype=object)
            frame = pd.concat([frame.drop(columns=[desc_col]), extra.drop(columns=[k for k in keys if k in frame])],
                              axis=1)
    headers = [str(c) for c in frame.columns]
    rows = np.arange(1, len(frame) + 1)

    def chunks(chunk_rows: int) -> Iterator[RawChunk]:
        for start in range(0, len(frame), chunk_rows):
            stop = start + chunk_rows
            yield RawChunk(frame.iloc[start:stop].reset_index(drop=True), rows[start:stop], geometry[start:stop])

    return Source(label, "gis", headers, chunks, crs=CRS.from_epsg(4326), encoding="utf-8", notes=notes,
                  has_geometry=True, total_rows=len(frame))


# ---------------------------------------------------------------------------------------------------------
# CSV


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter used consistently on the first lines (',' when nothing is clear)."""
    best, best_score = ",", 0.0
    sample = [ln for ln in lines if ln.strip()][:30]
    for delim in (",", "\t", ";", "|"):
        counts = sorted(ln.count(delim) for ln in sample)
        if not counts:
            continue
        median = counts[len(counts) // 2]
        if median > best_score:
            best, best_score = delim, median
    return best


def _open_csv(path: Path, label: str, score: Score) -> Source:
    decision = text_encoding(path)
    enc = decision.encoding
    notes = [decision.note] if decision.note else []
    with path.open("rb") as fh:
        head = fh.read(256 * 1024)
        fh.seek(-min(2, path.stat().st_size), 2)
        tail = fh.read()
    if not head.strip():
        raise UnreadableFile("文件是空的", "the file is empty")
    if not tail.endswith((b"\n", b"\r", b"\n\x00")):
        # every spreadsheet program ends the last line; a file that stops mid-line was cut off in transfer
        notes.append((WARNING, "文件最后一行没有结束符，文件可能不完整（下载或复制中断？），请核对最后一行",
                      "the last line is not terminated: the file may be cut off (interrupted download or copy?); "
                      "check the last row"))
    text = head.decode(enc, errors="replace")
    lines = text.splitlines()
    if len(head) == 256 * 1024 and lines:
        lines = lines[:-1]  # the last line of the sample may be cut
    delim = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(lines)
    sample_rows = [(i + 1, row) for i, row in enumerate(csv.reader(lines[: excel.HEADER_SCAN_ROWS],
                                                                     delimiter=delim))]
    header = excel.find_header(sample_rows, score)
    if header is None:
        raise UnreadableFile("文件没有表头和数据", "the file has neither a header nor data")
    names = list(header.names)
    # a header line that ends in empty fields ("…,联系电话备注,,") declares unnamed columns: data under them is a
    # column to ignore (as in a spreadsheet), not a row longer than its header
    declared = max((len(cells) for r, cells in sample_rows if r in header.rows), default=0)
    names += [f"({excel.column_letter(j)})" for j in range(len(names), declared)]
    # room for rows longer than the header: they are reported instead of stopping the parser
    spare = [f"\x00extra{i}" for i in range(16)]
    start = header.last_row

    def chunks(chunk_rows: int) -> Iterator[RawChunk]:
        line = start
        try:
            reader = pd.read_csv(
                path, sep=delim, encoding=enc, encoding_errors="replace", header=None, names=names + spare,
                skiprows=start, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                chunksize=chunk_rows, engine="c", index_col=False, quotechar='"',
            )
            with reader:
                for frame in reader:
                    rows = np.arange(line + 1, line + len(frame) + 1)
                    line += len(frame)
                    yield _table_chunk(frame, rows, names, header, spare, enc)
        except (pd.errors.ParserError, UnicodeError, OSError, ValueError) as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UnreadableFile(f"第 {line + 1} 行附近格式错误，无法继续读取：{msg}",
                                 f"malformed near line {line + 1}; reading stopped: {msg}") from None

    return Source(label, "table", names, chunks, encoding=enc, header_parts=header.parts, notes=notes)


def _table_chunk(frame: pd.DataFrame, rows: np.ndarray, names: list[str], header: excel.Header,
                 spare: Sequence[str] = (), enc: str | None = None) -> RawChunk:
    """Drop non-data rows (empty, totals, footers, repeated headers); flag overlong rows and undecodable bytes."""
    issues: list[tuple[Issue, str | None]] = []
    extra = frame[list(spare)]
    frame = frame[names]
    keep = ~excel.skip_mask(frame, header)
    frame, rows, extra = frame[keep].reset_index(drop=True), rows[keep], extra[keep].reset_index(drop=True)
    if len(frame):
        long_rows = (extra.fillna("").astype(str) != "").any(axis=1).to_numpy() if len(spare) else np.zeros(0)
        if long_rows.any():
            # named by the first cell past the header, as a spreadsheet shows it: the header has no name for it
            issues.append((Issue.where(long_rows, ERROR, "这一行的单元格比表头多（可能是文字里有未加引号的逗号）",
                                       "this row has more cells than the header (an unquoted comma in the text?)"),
                           f"第{len(names) + 1}列 / column {len(names) + 1}"))
        if enc is not None:
            for col in names:
                s = frame[col]
                bad = s.str.contains("\ufffd", regex=False).fillna(False).to_numpy(dtype=bool)
                if bad.any():
                    issues.append((Issue.where(bad, ERROR, f"含有无法按 {enc} 解码的字节（文件编码混杂？）",
                                               f"holds bytes that are not valid {enc} (mixed encodings?)"), col))
    return RawChunk(frame, rows, None, issues)


# ---------------------------------------------------------------------------------------------------------
# XLSX


def _open_xlsx(path: Path, label: str, score: Score, stack: ExitStack, prefer: Sequence[str]) -> Source:
    try:
        wb = excel.open_workbook(path)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"Excel 文件无法打开（可能已损坏或不完整）：{exc}",
                             f"the Excel file cannot be opened (damaged or incomplete?): {exc}") from None
    stack.callback(wb.close)
    try:
        ws, header, others = excel.choose_sheet(wb, score, prefer)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"Excel 文件内容损坏：{exc}", f"the Excel file is damaged: {exc}") from None
    if header is None:
        raise UnreadableFile("工作表是空的", "the worksheet is empty")
    notes = []
    if others:
        notes.append((WARNING, f"工作簿有多个工作表，读取了“{ws.title}”（另有：{'、'.join(others)}）",
                      f"the workbook has several sheets; read {ws.title!r} (also: {', '.join(others)})"))
    names = list(header.names)
    width = len(names)
    sheet_label = f"{label} [{ws.title}]" if others else label

    def chunks(chunk_rows: int) -> Iterator[RawChunk]:
        buf: list[tuple] = []
        numbers: list[int] = []
        try:
            for number, values in excel.sheet_rows(ws):
                if number <= header.last_row:
                    continue
                if not any(v is not None for v in values):
                    continue  # cheap early skip; the remaining non-data rows are found per chunk
                buf.append((values + (None,) * width)[:width])
                numbers.append(number)
                if len(buf) >= chunk_rows:
                    yield _table_chunk(pd.DataFrame(buf, columns=names, dtype=object), np.array(numbers), names,
                                       header)
                    buf, numbers = [], []
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
            raise UnreadableFile(f"读取工作表时出错（文件可能不完整）：{exc}",
                                 f"error while reading the sheet (incomplete file?): {exc}") from None
        if buf:
            yield _table_chunk(pd.DataFrame(buf, columns=names, dtype=object), np.array(numbers), names, header)

    return Source(sheet_label, "table", names, chunks, encoding=None, header_parts=header.parts, notes=notes)


__all__ = ["RawChunk", "Source", "UnreadableFile", "description_fields", "open_source", "upload_path"]
