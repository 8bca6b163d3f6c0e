"""Write layer frames to files people use: GeoJSON, GeoPackage, Shapefile, CSV and XLSX ledgers.

What is written here is read back by `loaders.readers` unchanged (round trip): canonical codes, EPSG:4326,
Chinese headers in CSV/XLSX (the ones ledgers use), UTF-8 with a .cpg beside shapefiles. CSV and XLSX cells are
written through `loaders.cells`: text a spreadsheet would run as a formula gets a protective quote (taken off
again on import), and XLSX holds no formula cell.

`export_list` is what the CLI writes: lists of units and buildings go back up the chain (a street's communities
to the district), so beside the layer's own columns they carry the derived situation and the figures the map
shows for the same day — read from `geodata.reporting.figures` and `geodata.situation.risk`, never recomputed
here. Those columns have headers no import field answers to, so such a file still re-imports unchanged.
"""
from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from geodata.base.layers import LAYERS
from geodata.base.vocab import OBSERVATION_KINDS, UNIT_LAYERS
from geodata.exchange.exports import building_communities, export_layer, export_scope, situation_since
from geodata.reporting.figures import buildings_in, daily_figures, root_unit, units_with_figures
from geodata.situation.risk import situation
from geodata.store.db import Store
from geodata.store.hierarchy import UnitRef, ref, unit_by_code
from geodata.store.writes import Actor
from loaders import cells

FORMATS = ("geojson", "gpkg", "shp", "csv", "xlsx")

#: layers whose exports carry the situation and the figures (issue 17: lists back up the chain)
LIST_LAYERS = (*UNIT_LAYERS, "buildings")
#: the derived columns of a unit list and their headers (what a district's form asks for); none of the headers
#: looks like an import field ("分级代码" was taken for 编码), so the list re-imports with warnings only
UNIT_LIST_HEADERS = {
    "situation_code": "疫情分级",
    "situation_label": "分级标签",
    "situation_reason": "分级原因",
    "situation_since": "分级起始日期",
    "total_households": "辖区户数",
    "total_population": "辖区人口",
    **{f"obs_{k}": f"在管{t.zh}" for k, t in OBSERVATION_KINDS.items()},
    "obs_total": "在管观察合计",
    "cases_7d": "近7天病例",
    "cases_14d": "近14天病例",
    "entrances_open": "开放出入口",
    "checkpoints_below_norm": "未达配备标准卡点",
    # 封锁/硬隔离 places and 疫点 apart (issue 14 points 5 and 12)
    "sealed_buildings": "封锁/硬隔离楼栋数",
    "sealed_villages": "封锁/硬隔离自然村数",
    "epidemic_spots": "疫点数",
}
#: the derived columns of a building list: its community's situation and the building's own figures
BUILDING_LIST_HEADERS = {
    "situation_unit": "分级所属社区",
    "situation_code": "疫情分级",
    "situation_label": "分级标签",
    "situation_reason": "分级原因",
    "situation_since": "分级起始日期",
    "obs_total": "在管观察合计",
    "cases_total": "累计病例",
}
LIST_HEADERS = {**UNIT_LIST_HEADERS, **BUILDING_LIST_HEADERS}


def export_list(store: Store, actor: Actor, layer: str, *, scope_code: str | None, fmt: str,
                on: dt.date | None = None) -> pd.DataFrame:
    """The layer as `geodata.exchange.exports.export_layer` gives it (scoped, masked, logged) and, for unit
    layers and buildings, the situation and figures of `on` (default today) as the map shows them."""
    frame = export_layer(store, actor, layer, scope_code=scope_code, fmt=fmt)
    if layer not in LIST_LAYERS:
        return frame
    on = on or dt.date.today()
    with store.read() as s:
        scope, _ = export_scope(s, actor, scope_code)
        root = ref(unit_by_code(s, scope)) if scope else root_unit(s)
        if root is None:  # an empty database
            extra = pd.DataFrame(columns=["code", *(BUILDING_LIST_HEADERS if layer == "buildings" else
                                                   UNIT_LIST_HEADERS)])
        elif layer == "buildings":
            extra = _building_figures(s, list(frame["code"]), root, on)
        else:
            extra = _unit_figures(s, int(UNIT_LAYERS[layer]), root, on)
    return frame.merge(extra, on="code", how="left")


def _unit_figures(session, level: int, root: UnitRef, on: dt.date) -> pd.DataFrame:
    """Per unit of `level` under `root`: the map's situation and figures (figures.units_with_figures)."""
    cols = ["code", *UNIT_LIST_HEADERS]
    figs = units_with_figures(session, root, level, on)
    if figs.empty:
        return pd.DataFrame(columns=cols)
    # the 14 days are this week and the week before, each counted as the map counts its 7 days
    week_before = daily_figures(session, root, on - dt.timedelta(days=7), level=level).set_index("id")["cases_7d"]
    since = situation_since(session, figs.set_index("id")["situation_rank"], on)
    out = pd.DataFrame({
        "code": figs["code"],
        "situation_code": figs["situation_code"],
        "situation_label": figs["situation_label_zh"],
        "situation_reason": figs["situation_reason_zh"],
        "situation_since": figs["id"].map(since),
        "total_households": figs["households"],
        "total_population": figs["population"],
        **{f"obs_{k}": figs[f"obs_{k}"] for k in OBSERVATION_KINDS},
        "obs_total": figs["obs_total"],
        "cases_7d": figs["cases_7d"],
        "cases_14d": figs["cases_7d"] + figs["id"].map(week_before).fillna(0).astype("int64"),
        "entrances_open": figs["entrances_open"],
        # below the norm counts both, like the KPI strip: too few on duty and nobody on duty
        "checkpoints_below_norm": figs["checkpoints_understaffed"] + figs["checkpoints_unstaffed"],
        "sealed_buildings": figs["sealed_buildings"],
        "sealed_villages": figs["sealed_villages"],
        "epidemic_spots": figs["epidemic_spots"],
    })
    return pd.DataFrame(out, columns=cols)


def _building_figures(session, codes: list[str], root: UnitRef, on: dt.date) -> pd.DataFrame:
    """Per building: its community's situation (levels are a community's, §2.2) and its own figures as its
    card shows them (figures.buildings_in)."""
    cols = ["code", *BUILDING_LIST_HEADERS]
    if not codes:
        return pd.DataFrame(columns=cols)
    community = building_communities(session, codes)
    ids = sorted({int(i) for i in community.dropna()})
    sit = situation(session, ids, on=on).set_index("unit_id")
    since = situation_since(session, sit["rank"], on)
    own = buildings_in(session, root, on).set_index("code")
    out = pd.DataFrame({"code": codes})
    cid = community.to_numpy()
    for col, src in (("situation_unit", "code"), ("situation_code", "level_code"), ("situation_label", "label_zh"),
                     ("situation_reason", "reason_zh")):
        out[col] = pd.Series(cid).map(sit[src]).to_numpy()
    out["situation_since"] = pd.Series(cid).map(since).to_numpy()
    out["obs_total"] = out["code"].map(own["obs_total"]).fillna(0).astype("int64")
    out["cases_total"] = out["code"].map(own["cases"]).fillna(0).astype("int64")
    return out[cols]


def _tabular(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Geometry as lon/lat (points) or WKT (polygons); Chinese headers."""
    schema = LAYERS[layer]
    out = pd.DataFrame(frame.drop(columns=[c for c in ("geometry", "footprint") if c in frame.columns]))
    if isinstance(frame, gpd.GeoDataFrame) and "geometry" in frame.columns:
        if schema.geometry == "point":
            # full precision: a re-import must find the very same point (round trip, not "moved by 1 cm")
            out["经度"] = shapely.get_x(frame.geometry.values)
            out["纬度"] = shapely.get_y(frame.geometry.values)
        else:
            out["WKT"] = shapely.to_wkt(frame.geometry.values, rounding_precision=-1)
    if "footprint" in frame.columns:
        out["轮廓WKT"] = [shapely.to_wkt(g, rounding_precision=-1) if g is not None else None for g in frame["footprint"]]
    zh = {f.name: f.zh for f in schema.fields}
    return out.rename(columns={**zh, **LIST_HEADERS})


def write_layer(frame: pd.DataFrame, layer: str, fmt: str, out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        # utf-8-sig: Excel on Chinese Windows opens it without mojibake
        cells.neutralise_frame(_tabular(frame, layer)).to_csv(out, index=False, encoding="utf-8-sig")
    elif fmt == "xlsx":
        write_ledger({layer: frame}, out)
    elif fmt in ("geojson", "gpkg", "shp"):
        if not isinstance(frame, gpd.GeoDataFrame) or LAYERS[layer].geometry is None:
            raise ValueError(f"图层 {layer} 没有几何，请用 csv 或 xlsx / layer {layer} has no geometry: use csv or xlsx")
        gdf = frame.copy()
        if "footprint" in gdf.columns:
            gdf["footprint"] = [shapely.to_wkt(g, rounding_precision=-1) if g is not None else None
                                for g in gdf["footprint"]]
        for col in gdf.columns:
            if col != "geometry" and gdf[col].dtype == object:
                gdf[col] = gdf[col].map(lambda v: v if v is None or isinstance(v, (str, bool)) else str(v))
        driver = {"geojson": "GeoJSON", "gpkg": "GPKG", "shp": "ESRI Shapefile"}[fmt]
        kwargs = {"encoding": "UTF-8"} if fmt == "shp" else {}
        with warnings.catch_warnings():
            # Shapefile field names are cut to 10 characters (parent_code → parent_cod); the importer knows
            # the cut names, so the round trip holds and the warning only adds noise.
            warnings.filterwarnings("ignore", message="Normalized/laundered field name")
            warnings.filterwarnings("ignore", message="Column names longer than 10 characters")
            gdf.to_file(out, driver=driver, layer=layer if fmt == "gpkg" else None, engine="pyogrio", **kwargs)
    else:
        raise ValueError(f"未知格式 {fmt} / unknown format {fmt}; use one of {', '.join(FORMATS)}")
    return out


def write_ledger(frames: dict[str, pd.DataFrame], out: Path, *, title: str | None = None) -> Path:
    """An XLSX ledger (台账): one sheet per layer, Chinese headers, frozen header row, ready to print."""
    wb = Workbook()
    wb.remove(wb.active)
    header_font = Font(bold=True, size=12)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for layer, frame in frames.items():
        table = _tabular(frame, layer)
        ws = wb.create_sheet(LAYERS[layer].zh)
        cells.append(ws, table.columns)
        for cell in ws[1]:
            cell.font, cell.fill = header_font, fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in table.itertuples(index=False):
            cells.append(ws, [None if (v is None or (isinstance(v, float) and pd.isna(v))) else v for v in row])
        ws.freeze_panes = "A2"
        for i, col in enumerate(table.columns, start=1):
            width = max([len(str(col)) * 2] + [len(str(v)) for v in table.iloc[:200, i - 1]]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 60)
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
    return cells.save_workbook(wb, out)
