"""Import files as people actually hand them over, generated on the fly (no binary fixtures in the repository).

Every function writes one file (or folder) into `folder` and returns its path. The data sit in Wuhan
(around 114.30 E, 30.59 N); the truth each test compares against is in the module constants.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from shapely.geometry import Polygon, box

from loaders import coords

# ---------------------------------------------------------------------------------------------------------
# truth

GRIDS = [  # code, name, households, population, leader, phone, community code
    ("420106001001", "水果湖第一网格", 312, 845, "张伟", "13871000001", "420106001"),
    ("420106001002", "水果湖第二网格", 287, 790, "王芳", "13871000002", "420106001"),
    ("420106001003", "东亭网格", 405, 1130, "李娜", "13871000003", "420106001"),
]
BUILDINGS_WGS = [  # code, name, lon, lat (WGS-84 truth)
    ("B001", "东亭小区1栋", 114.3521, 30.5792),
    ("B002", "东亭小区2栋", 114.3530, 30.5801),
    ("B003", "水果湖小区3栋", 114.3412, 30.5688),
    ("B004", "水果湖小区4栋", 114.3420, 30.5695),
]
OBSERVATIONS = [  # person code, name, kind as written, start, planned end, cadre
    ("P001", "赵敏", "居家隔离", dt.date(2022, 4, 1), dt.date(2022, 4, 15), "刘洋"),
    ("P002", "钱坤", "集中隔离", dt.date(2022, 4, 2), dt.date(2022, 4, 16), "刘洋"),
    ("P003", "孙丽", "居家医学观察", dt.date(2022, 4, 3), dt.date(2022, 4, 17), "陈静"),
    ("P004", "李雷", "留观", dt.date(2022, 4, 4), None, "陈静"),
]
CHECKPOINTS = [  # code, name, kind as written, leader, phone, lon, lat
    ("KD001", "东亭小区东门", "小区出入口", "周杰", "13900000001", 114.3531, 30.5812),
    ("KD002", "水果湖路卡点", "社区卡点", "吴磊", "13900000002", 114.3405, 30.5671),
    ("KD003", "中北路卡口", "卡口", "郑爽", "13900000003", 114.3388, 30.5702),
]
COMMUNITIES = [  # code, name, street code, kind
    ("420106001", "水果湖社区", "420106", "城镇"),
    ("420106002", "东亭社区", "420106", "城镇"),
    ("420106003", "徐东村", "420106", "农村"),
]
PERSONS = [  # code, name, id number, phone, gender, birth year, building code, tags
    ("P001", "赵敏", "42010619800101100X", "13600000001", "女", "1980", "B001", "独居老人、党员"),
    ("P002", "钱坤", "420106197505050016", "13600000002", "男", "1975", "B001", ""),
    ("P003", "孙丽", "420106199002020025", "13600000003", "女", "1990", "B002", "低保户"),
]


def _dir(folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _grid_polygon(i: int) -> Polygon:
    x0, y0 = 114.33 + 0.01 * i, 30.56
    return box(x0, y0, x0 + 0.01, y0 + 0.01)


def _grids_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "网格编码": [g[0] for g in GRIDS],
            "网格名称": [g[1] for g in GRIDS],
            "户数": [g[2] for g in GRIDS],
            "人数": [g[3] for g in GRIDS],
            "网格长": [g[4] for g in GRIDS],
            "联系电话": [g[5] for g in GRIDS],
            "社区编码": [g[6] for g in GRIDS],
        },
        geometry=[_grid_polygon(i) for i in range(len(GRIDS))],
        crs=4326,
    )


# ---------------------------------------------------------------------------------------------------------
# shapefiles


def gbk_shapefile_without_cpg(folder: Path) -> Path:
    """Grids as a Chinese desktop GIS writes them: GBK attributes and field names, and no .cpg beside them."""
    out = _dir(folder) / "gbk_grids"
    out.mkdir(parents=True, exist_ok=True)
    shp = out / "网格.shp"
    pyogrio.write_dataframe(_grids_frame(), shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    return shp


class _GbkNameInfo(zipfile.ZipInfo):
    """A zip member named in GBK without the UTF-8 flag, as Windows' built-in zip on a Chinese system does."""

    def _encodeFilenameFlags(self):  # noqa: N802 — zipfile's own hook
        return self.filename.encode("gbk"), self.flag_bits


def gbk_shapefile_zip(folder: Path) -> Path:
    """The GBK shapefile zipped inside a folder, with GBK member names (网格/网格.shp)."""
    shp = gbk_shapefile_without_cpg(Path(folder) / "zip_src")
    out = _dir(folder) / "grids_gbk.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(shp.parent.iterdir()):
            info = _GbkNameInfo(f"网格/{part.name}", date_time=(2022, 4, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, part.read_bytes())
    return out


def utf8_shapefile_with_cpg(folder: Path) -> Path:
    """Communities as QGIS writes them: UTF-8 with a .cpg."""
    shp = Path(folder) / "utf8_communities" / "社区.shp"
    shp.parent.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(
        {"社区编码": [c[0] for c in COMMUNITIES], "社区名称": [c[1] for c in COMMUNITIES],
         "街道编码": [c[2] for c in COMMUNITIES], "类型": [c[3] for c in COMMUNITIES]},
        geometry=[box(114.33 + 0.02 * i, 30.55, 114.35 + 0.02 * i, 30.58) for i in range(len(COMMUNITIES))],
        crs=4326,
    )
    with warnings.catch_warnings():
        # GDAL cuts the 12-byte UTF-8 names (社区编码) to 10 bytes, inside a character, and says so undecodably.
        # That is exactly what QGIS users get, so the fixture keeps it.
        warnings.simplefilter("ignore", RuntimeWarning)
        pyogrio.write_dataframe(frame, shp, encoding="UTF-8")
    assert shp.with_suffix(".cpg").exists()
    return shp


def shapefile_cpg_says_utf8_but_gbk(folder: Path) -> Path:
    """A wrong .cpg: it says UTF-8, the bytes are GBK (a tool that wrote the .cpg without converting)."""
    shp = gbk_shapefile_without_cpg(Path(folder) / "wrong_cpg")
    shp.with_suffix(".cpg").write_text("UTF-8")
    return shp


# ---------------------------------------------------------------------------------------------------------
# CSV


def _write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def gcj02_buildings_csv(folder: Path, headers: tuple[str, str] = ("经度", "纬度"), name: str = "楼栋.csv") -> Path:
    """Building points picked on Amap (高德): coordinates in GCJ-02."""
    rows = []
    for code, bname, lon, lat in BUILDINGS_WGS:
        glon, glat = coords.wgs84_to_gcj02(lon, lat)
        rows.append([code, bname, f"{float(glon):.7f}", f"{float(glat):.7f}", 6, 24])
    return _write_csv(_dir(folder) / name, ["楼栋编码", "楼栋名称", headers[0], headers[1], "层数", "户数"], rows)


def buildings_csv_text_in_households(folder: Path) -> Path:
    """户数 as people type it: 'abc' (row 3), '1,234' (row 4), '12户' (row 5), '' (row 6)."""
    values = ["24", "abc", "1,234", "12户"]
    rows = [[c, n, lon, lat, v] for (c, n, lon, lat), v in zip(BUILDINGS_WGS, values, strict=True)]
    rows.append(["B005", "空户数楼", 114.345, 30.572, ""])
    return _write_csv(_dir(folder) / "households_text.csv", ["楼栋编码", "楼栋名称", "经度", "纬度", "户数"], rows)


def buildings_csv_duplicate_codes(folder: Path) -> Path:
    """B002 twice: rows 3 and 5 (header is row 1)."""
    rows = [[c, n, lon, lat] for c, n, lon, lat in BUILDINGS_WGS]
    rows.append(["B002", "重复的楼", 114.3501, 30.5777])
    return _write_csv(_dir(folder) / "dup_codes.csv", ["楼栋编码", "楼栋名称", "经度", "纬度"], rows)


def buildings_csv_swapped(folder: Path) -> Path:
    """lat in the 经度 column and lon in the 纬度 column, for every row."""
    rows = [[c, n, lat, lon] for c, n, lon, lat in BUILDINGS_WGS]
    return _write_csv(_dir(folder) / "swapped.csv", ["楼栋编码", "楼栋名称", "经度", "纬度"], rows)


def buildings_csv_projected(folder: Path) -> Path:
    """Survey output: CGCS2000 3-degree Gauss-Krüger CM 114E (EPSG:4547) metres in X/Y columns, no CRS."""
    from pyproj import Transformer

    t = Transformer.from_crs(4326, 4547, always_xy=True)
    rows = []
    for c, n, lon, lat in BUILDINGS_WGS:
        x, y = t.transform(lon, lat)
        rows.append([c, n, f"{x:.3f}", f"{y:.3f}"])
    return _write_csv(_dir(folder) / "projected_4547.csv", ["楼栋编码", "楼栋名称", "X", "Y"], rows)


ODD_HEADERS = ["栋号ID", "楼名", "东经度数", "北纬度数", "住了几户"]
ODD_MAPPING = {"栋号ID": "code", "楼名": "name", "东经度数": "lon", "北纬度数": "lat", "住了几户": "households"}


def buildings_csv_odd_headers(folder: Path) -> Path:
    """Headers nobody could guess: a mapping file is needed (ODD_MAPPING)."""
    rows = [[c, n, lon, lat, 30 + i] for i, (c, n, lon, lat) in enumerate(BUILDINGS_WGS)]
    return _write_csv(_dir(folder) / "odd_headers.csv", ODD_HEADERS, rows)


def buildings_csv_all_bad(folder: Path, n: int) -> Path:
    """`n` rows, every 户数 is text: far more problems than anyone should print."""
    rows = [[f"B{i:05d}", f"第{i}栋", 114.3 + i * 1e-5, 30.59, "很多"] for i in range(n)]
    return _write_csv(_dir(folder) / "all_bad.csv", ["楼栋编码", "楼栋名称", "经度", "纬度", "户数"], rows)


def persons_csv_gbk(folder: Path) -> Path:
    """Residents saved by Excel on Chinese Windows as 'CSV': GBK, no BOM."""
    header = ["人员编码", "姓名", "身份证号", "联系电话", "性别", "出生年份", "楼栋编码", "人员类别"]
    return _write_csv(_dir(folder) / "居民.csv", header, [list(p) for p in PERSONS], encoding="gbk")


def csv_mixed_encoding(folder: Path) -> Path:
    """UTF-8, except one row pasted in from a GBK file (row 4, in the 楼栋名称 column)."""
    path = _dir(folder) / "mixed.csv"
    head = ["楼栋编码,楼栋名称,经度,纬度"] + [f"{c},{n},{lon},{lat}" for c, n, lon, lat in BUILDINGS_WGS[:2]]
    tail = [f"{c},{n},{lon},{lat}" for c, n, lon, lat in BUILDINGS_WGS[3:]]
    c, n, lon, lat = BUILDINGS_WGS[2]
    body = ("\n".join(head) + "\n").encode("utf-8") + f"{c},{n},{lon},{lat}\n".encode("gbk") + \
        ("\n".join(tail) + "\n").encode("utf-8")
    path.write_bytes(body)
    return path


def big_buildings_csv(folder: Path, n: int, *, dup_every: int = 0) -> Path:
    """`n` buildings as a plain UTF-8 CSV (for chunking and size tests). `dup_every`: repeat a code every k rows."""
    path = _dir(folder) / f"big_{n}.csv"
    rng = np.random.default_rng(7)
    lon = 114.2 + rng.random(n) * 0.3
    lat = 30.45 + rng.random(n) * 0.3
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("楼栋编码,楼栋名称,经度,纬度,层数,户数,人数,楼栋长,楼栋长电话\n")
        for i in range(n):
            code = f"B{i:08d}" if not (dup_every and i and i % dup_every == 0) else "B00000000"
            fh.write(f"{code},第{i}栋,{lon[i]:.6f},{lat[i]:.6f},{6 + i % 30},{20 + i % 80},{50 + i % 200},"
                     f"张{i % 100},138{i:08d}\n")
    return path


# ---------------------------------------------------------------------------------------------------------
# Excel


def observation_ledger_xlsx(folder: Path) -> Path:
    """A quarantine ledger as a community office keeps it: title row, meta row, a two-row header with a merged
    group cell (隔离信息 over 隔离方式/开始日期/计划解除日期), dates as Excel serial numbers, a datetime cell and a
    Chinese date string, a 合计 row and a signature line."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "居家隔离台账"
    ws["A1"] = "水果湖社区居家隔离人员台账"
    ws.merge_cells("A1:H1")
    ws["A2"] = "填报单位：水果湖社区"
    ws["E2"] = "填报日期：2022年4月5日"
    for col, text in zip("ABC", ("序号", "姓名", "人员编码"), strict=True):
        ws[f"{col}3"] = text
        ws.merge_cells(f"{col}3:{col}4")
    ws["D3"] = "隔离信息"
    ws.merge_cells("D3:F3")
    ws["D4"], ws["E4"], ws["F4"] = "隔离方式", "开始日期", "计划解除日期"
    ws["G3"] = "包保干部"
    ws.merge_cells("G3:G4")
    ws["H3"] = "备注"
    ws.merge_cells("H3:H4")
    epoch = dt.date(1899, 12, 30)
    for i, (pcode, name, kind, start, end, cadre) in enumerate(OBSERVATIONS):
        r = 5 + i
        if i == 1:
            start_cell = dt.datetime.combine(start, dt.time(9, 30))  # a real date cell
        elif i == 2:
            start_cell = f"{start.year}年{start.month}月{start.day}日"  # typed as text
        else:
            start_cell = (start - epoch).days  # a serial number in a General-formatted cell
        end_cell = (end - epoch).days if end else None
        ws.append([i + 1, name, pcode, kind, start_cell, end_cell, cadre, None])
        assert ws.max_row == r
    ws.append(["合计", None, None, None, None, None, None, f"{len(OBSERVATIONS)}人"])
    ws.append([])
    ws.append(["填表人：李四", None, None, None, "审核人：王五"])
    out = _dir(folder) / "隔离台账.xlsx"
    wb.save(out)
    return out


OBSERVATION_LEDGER_ROWS = [5, 6, 7, 8]  # spreadsheet rows of the four people above


def fake_xls(folder: Path) -> Path:
    """An old binary Excel file (only its OLE2 signature matters to us)."""
    path = _dir(folder) / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    return path


# ---------------------------------------------------------------------------------------------------------
# KML / KMZ


def checkpoints_kml(folder: Path) -> Path:
    """Checkpoints marked on a phone map app and shared as KML: name, a "key：value" description, a point."""
    marks = []
    for i, (code, name, kind, leader, phone, lon, lat) in enumerate(CHECKPOINTS):
        if i == 1:  # some apps write the description as an HTML table
            desc = (f"<![CDATA[<table><tr><td>编号</td><td>{code}</td></tr><tr><td>类型</td><td>{kind}</td></tr>"
                    f"<tr><td>负责人</td><td>{leader}</td></tr><tr><td>联系电话</td><td>{phone}</td></tr></table>]]>")
        else:
            desc = f"<![CDATA[编号：{code}<br/>类型：{kind}<br/>负责人：{leader}<br/>联系电话：{phone}]]>"
        marks.append(f"<Placemark><name>{name}</name><description>{desc}</description>"
                     f"<Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>")
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            "<name>防控卡点</name><Folder><name>我的标注</name>" + "".join(marks) + "</Folder></Document></kml>\n")
    path = _dir(folder) / "卡点.kml"
    path.write_text(text, encoding="utf-8")
    return path


def checkpoints_kmz(folder: Path) -> Path:
    kml = checkpoints_kml(Path(folder) / "kmz_src")
    out = _dir(folder) / "卡点.kmz"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(kml, "doc.kml")
        zf.writestr("files/icon.png", b"\x89PNG\r\n\x1a\n")
    return out


# ---------------------------------------------------------------------------------------------------------
# GeoJSON / GeoPackage

BOWTIE = Polygon([(114.37, 30.55), (114.39, 30.57), (114.39, 30.55), (114.37, 30.57), (114.37, 30.55)])


def communities_geojson_with_bowtie(folder: Path) -> Path:
    """Three communities; the third (row 3) is a self-intersecting bow-tie."""
    feats = []
    geoms = [box(114.33, 30.55, 114.35, 30.57), box(114.35, 30.55, 114.37, 30.57), BOWTIE]
    for (code, name, street, kind), g in zip(COMMUNITIES, geoms, strict=True):
        feats.append({"type": "Feature", "properties": {"社区编码": code, "社区名称": name, "所属街道编码": street,
                                                        "类型": kind},
                      "geometry": shapely.geometry.mapping(g)})
    path = _dir(folder) / "communities.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def communities_geojson_empty_geometries(folder: Path) -> Path:
    """Row 2 has `"geometry": null`, row 3 an empty polygon, row 4 a point where a polygon belongs."""
    feats = [
        {"type": "Feature", "properties": {"社区编码": "C1", "社区名称": "好社区"},
         "geometry": shapely.geometry.mapping(box(114.33, 30.55, 114.35, 30.57))},
        {"type": "Feature", "properties": {"社区编码": "C2", "社区名称": "无几何社区"}, "geometry": None},
        {"type": "Feature", "properties": {"社区编码": "C3", "社区名称": "空面社区"},
         "geometry": {"type": "Polygon", "coordinates": []}},
        {"type": "Feature", "properties": {"社区编码": "C4", "社区名称": "点社区"},
         "geometry": {"type": "Point", "coordinates": [114.34, 30.56]}},
    ]
    path = _dir(folder) / "empty_geoms.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def truncated_geojson(folder: Path) -> Path:
    src = communities_geojson_with_bowtie(Path(folder) / "trunc_src")
    data = src.read_bytes()
    path = _dir(folder) / "truncated.geojson"
    path.write_bytes(data[: len(data) // 2])
    return path


def truncated_zip(folder: Path) -> Path:
    src = gbk_shapefile_zip(Path(folder) / "trunc_zip_src")
    data = src.read_bytes()
    path = _dir(folder) / "truncated.zip"
    path.write_bytes(data[: int(len(data) * 0.6)])
    return path


FOOTPRINTS_WGS = [box(lon - 0.0002, lat - 0.0001, lon + 0.0002, lat + 0.0001) for _, _, lon, lat in BUILDINGS_WGS]


def buildings_gpkg(folder: Path) -> Path:
    """Building footprints (polygons) in a GeoPackage, stored in EPSG:4547 metres as a survey office would."""
    frame = gpd.GeoDataFrame(
        {"楼栋编码": [b[0] for b in BUILDINGS_WGS], "楼栋名称": [b[1] for b in BUILDINGS_WGS],
         "层数": [18, 18, 6, 7], "户数": [72, 68, 24, 28], "楼栋长": ["周一", "吴二", "郑三", "王四"],
         "楼栋长电话": ["13500000001", "13500000002", "13500000003", "13500000004"],
         "管控状态": ["封控", "常态化防控", "封闭管理", "解封"]},
        geometry=FOOTPRINTS_WGS, crs=4326,
    ).to_crs(4547)
    path = _dir(folder) / "buildings.gpkg"
    pyogrio.write_dataframe(frame, path, layer="楼栋")
    return path


def mapping_json(folder: Path, mapping: dict) -> Path:
    path = _dir(folder) / "mapping.json"
    path.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    return path


def mapping_toml(folder: Path, text: str) -> Path:
    path = _dir(folder) / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def truncated_copy(src: Path, fraction: float) -> Path:
    """The first `fraction` of a file's bytes, as an interrupted download leaves it."""
    data = Path(src).read_bytes()
    out = Path(src).with_name("cut_" + Path(src).name)
    out.write_bytes(data[: int(len(data) * fraction)])
    return out
