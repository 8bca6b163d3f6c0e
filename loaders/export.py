"""Write layer frames to files people use: GeoJSON, GeoPackage, Shapefile, CSV and XLSX ledgers.

What is written here is read back by `loaders.readers` unchanged (round trip): canonical codes, EPSG:4326,
Chinese headers in CSV/XLSX (the ones ledgers use), UTF-8 with a .cpg beside shapefiles. CSV and XLSX cells are
written through `loaders.cells`: text a spreadsheet would run as a formula gets a protective quote (taken off
again on import), and XLSX holds no formula cell.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from geodata.base.layers import LAYERS
from loaders import cells

FORMATS = ("geojson", "gpkg", "shp", "csv", "xlsx")


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
    return out.rename(columns=zh)


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
