"""Units that arrive without a parent column find their parents (issue 17, "Parents and codes").

Files are made here as a street office hands them over: a GBK shapefile of streets with only 街道编码/街道名称,
communities and grids whose codes extend their parent's (by code) or do not (网格01: by location), buildings with
no grid code. They go into an EMPTY database: the district and city are made from the code prefix, flagged
unnamed until named, and drawn as the union of their children.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, box
from sqlalchemy import select

from geodata.exchange.imports import import_frame
from geodata.exchange.parents import code_parent, unnamed_units
from geodata.reporting.figures import buildings_in, checkpoints_in
from geodata.store.hierarchy import ref, unit_by_code
from geodata.store.models import Unit
from geodata.store.writes import Actor
from loaders.cli import main
from loaders.coords import distance_m, wgs84_to_gcj02
from loaders.readers import read_layer
from tests.dashboard.test_auth_pages import app, assert_ran  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import city  # noqa: F401 — `city` is a fixture

STREETS = [("420111001", "关山街道", box(114.40, 30.50, 114.42, 30.52)),
           ("420111002", "狮子山街道", box(114.42, 30.50, 114.44, 30.52))]
COMMUNITIES = [("420111001001", "关山社区", box(114.40, 30.50, 114.41, 30.52)),   # extends its street's code
               ("420111001002", "光谷社区", box(114.41, 30.50, 114.42, 30.52)),
               ("SQ-A", "狮子山社区", box(114.42, 30.50, 114.44, 30.52))]          # inside 420111002: by location
GRIDS = [("420111001001G01", "关山第一网格", box(114.40, 30.50, 114.41, 30.51)),
         ("420111001001G02", "关山第二网格", box(114.40, 30.51, 114.41, 30.52)),
         ("网格01", "狮子山网格", box(114.42, 30.50, 114.44, 30.52))]                # inside SQ-A: by location
BUILDINGS = [("B1", "关山1栋", Point(114.405, 30.505)), ("B2", "狮子山2栋", Point(114.43, 30.51))]


def _shapefile(folder: Path, name: str, words: tuple[str, str], rows) -> Path:
    """A GBK shapefile with Chinese field names and no parent column, without the .cpg a desktop GIS forgets."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame({words[0]: [r[0] for r in rows], words[1]: [r[1] for r in rows]},
                             geometry=[r[2] for r in rows], crs="EPSG:4326")
    path = folder / f"{name}.shp"
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def streets_file(folder: Path, rows=STREETS) -> Path:
    return _shapefile(folder / "streets", "街道", ("街道编码", "街道名称"), rows)


def communities_file(folder: Path) -> Path:
    return _shapefile(folder / "communities", "社区", ("社区编码", "社区名称"), COMMUNITIES)


def grids_file(folder: Path) -> Path:
    return _shapefile(folder / "grids", "网格", ("网格编码", "网格名称"), GRIDS)


def buildings_file(folder: Path) -> Path:
    return _shapefile(folder / "buildings", "楼栋", ("楼栋编码", "楼栋名称"), BUILDINGS)


def _units(store) -> dict[str, tuple]:
    """Everything a re-import could change, per code."""
    with store.read() as s:
        rows = s.execute(select(Unit.code, Unit.name, Unit.level, Unit.path, Unit.version, Unit.derived,
                                Unit.unnamed, Unit.geom)).all()
    return {r[0]: (*r[1:7], shapely.to_wkb(r[7], hex=True)) for r in rows}


def _parent(store, code: str) -> str:
    with store.read() as s:
        unit = unit_by_code(s, code)
        return s.get(Unit, unit.parent_id).code


def _import(store, path: Path, layer: str, **kw):
    read = read_layer(path, layer)
    assert not [p for p in read.problems if p.severity == "error"], read.problems
    return import_frame(store, Actor.system("test"), layer, read.frame, source=path.name, **kw)


def test_a_gbk_streets_file_without_parents_goes_into_an_empty_database(store, tmp_path, capsys):
    path = streets_file(tmp_path)
    assert store.is_empty()
    assert main(["import", str(path), "--layer", "streets", "--db", store.url]) == 0
    out = capsys.readouterr().out
    assert "上级单元按编码（上级新建） 2 行" in out and "parent by code (ancestor created): 2 rows" in out
    assert "420111001 → 420111" in out and "新建上级单元（待命名）2 个" in out
    units = _units(store)
    assert units["420111"][:2] == ("420111 区（待命名）", 2) and units["420111"][4:6] == (True, True)
    assert units["420100"][:2] == ("420100 市（待命名）", 1) and units["420100"][4:6] == (True, True)
    assert units["420111001"][0] == "关山街道" and units["420111001"][4:6] == (False, False)
    assert _parent(store, "420111001") == _parent(store, "420111002") == "420111"
    assert _parent(store, "420111") == "420100"
    with store.read() as s:  # the made ancestors are drawn: the union of their children's polygons
        district = unit_by_code(s, "420111").geom
        city = unit_by_code(s, "420100").geom
    both = shapely.union_all([g for _, _, g in STREETS])
    assert shapely.equals(shapely.normalize(district), shapely.normalize(both)) or \
        abs(district.area - both.area) < 1e-12
    assert abs(city.area - both.area) < 1e-12

    # the same file again changes nothing
    assert main(["import", str(path), "--layer", "streets", "--db", store.url]) == 0
    out = capsys.readouterr().out
    assert "新增 inserted 0, 更新 updated 0, 未变 unchanged 2" in out and "新建上级单元" not in out
    assert "上级单元按编码 2 行" in out and "parent by code: 2 rows" in out
    assert _units(store) == units


def test_communities_and_grids_find_parents_by_code_and_by_location(store, tmp_path):
    _import(store, streets_file(tmp_path), "streets")
    communities = _import(store, communities_file(tmp_path), "communities")
    assert communities.parents.counts == {"code": 2, "place": 1}
    assert communities.parents.ways == {"420111001001": "code", "420111001002": "code", "SQ-A": "place"}
    assert communities.parents.created == []
    assert "第3行 SQ-A → 420111002" in "\n".join(communities.parents.lines("zh"))
    grids = _import(store, grids_file(tmp_path), "grids")
    assert grids.parents.ways == {"420111001001G01": "code", "420111001001G02": "code", "网格01": "place"}
    assert "parent by location: 1 rows" in str(grids.parents)
    assert _parent(store, "420111001002") == "420111001"
    assert _parent(store, "SQ-A") == "420111002"
    assert _parent(store, "420111001001G02") == "420111001001"
    assert _parent(store, "网格01") == "SQ-A"
    with store.read() as s:
        assert unit_by_code(s, "网格01").path.startswith(unit_by_code(s, "420111").path)

    before = _units(store)
    for path, layer in ((streets_file(tmp_path), "streets"), (communities_file(tmp_path), "communities"),
                        (grids_file(tmp_path), "grids")):
        again = _import(store, path, layer)
        assert (again.inserted, again.updated) == (0, 0)
    assert _units(store) == before


def test_a_unit_whose_parent_cannot_be_found_is_refused_by_row(store, tmp_path, capsys):
    """网格01 into an empty database: its code implies nothing and there is no community to hold it."""
    path = _shapefile(tmp_path / "g", "网格", ("网格编码", "网格名称"), GRIDS[2:])
    assert main(["import", str(path), "--layer", "grids", "--db", store.url]) == 1
    captured = capsys.readouterr()
    assert "无法从编码或位置找到所属社区/村" in captured.out and "nothing was written" in captured.err
    assert store.is_empty()


def test_naming_an_ancestor_clears_its_flag(store, tmp_path, capsys):
    path = streets_file(tmp_path)
    assert main(["import", str(path), "--layer", "streets", "--name", "420111=洪山区", "--db", store.url]) == 0
    assert "请用 --name" in capsys.readouterr().out  # the city is still waiting for its name
    with store.read() as s:
        assert list(unnamed_units(s)["code"]) == ["420100"]
        assert unit_by_code(s, "420111").name == "洪山区"
    names = tmp_path / "names.csv"
    names.write_text("编码,名称\n420100,武汉市\n", encoding="utf-8")
    assert main(["import", str(path), "--layer", "streets", "--names", str(names), "--db", store.url]) == 0
    units = _units(store)
    assert units["420100"][0] == "武汉市" and units["420100"][5] is False and units["420111"][5] is False
    with store.read() as s:
        assert unnamed_units(s).empty
    # the streets file again leaves the given names alone
    assert main(["import", str(path), "--layer", "streets", "--db", store.url]) == 0
    assert _units(store) == units
    # a name for a unit read from a file is not used
    r = _import(store, path, "streets", names={"420111001": "改名"})
    assert [p.severity for p in r.problems] == ["warning"] and _units(store) == units


def test_a_made_ancestor_grows_as_its_children_arrive(store, tmp_path):
    _import(store, streets_file(tmp_path / "a", STREETS[:1]), "streets")
    with store.read() as s:
        first = unit_by_code(s, "420111").geom.area
    second = _import(store, streets_file(tmp_path / "b", STREETS[1:]), "streets")
    assert second.parents.ways == {"420111002": "code"} and second.parents.created == []
    with store.read() as s:
        assert unit_by_code(s, "420111").geom.area == pytest.approx(2 * first)
        assert unit_by_code(s, "420100").geom.area == pytest.approx(2 * first)


def test_padded_and_short_division_codes_imply_their_parents():
    assert code_parent("420111", 2) == "420100"
    assert code_parent("420111000000", 2) == "420100000000"
    assert code_parent("420111001", 3) == "420111"
    assert code_parent("420111001000", 3) == "420111000000"
    assert code_parent("420111001001", 4) == "420111001"
    assert code_parent("420111001001G01", 5) == "420111001001"
    assert code_parent("网格01", 5) is None and code_parent("420100", 2) is None


def test_streets_to_buildings_into_an_empty_database_shows_the_grids_buildings(store, tmp_path):
    for path, layer in ((streets_file(tmp_path), "streets"), (communities_file(tmp_path), "communities"),
                        (grids_file(tmp_path), "grids"), (buildings_file(tmp_path), "buildings")):
        assert main(["import", str(path), "--layer", layer, "--db", store.url]) == 0
    with store.read() as s:
        shown = {code: list(buildings_in(s, ref(unit_by_code(s, code)), dt.date.today())["code"])
                 for code in ("420111001001G01", "420111001001G02", "网格01")}
    assert shown == {"420111001001G01": ["B1"], "420111001001G02": [], "网格01": ["B2"]}


#: checkpoints as a street office measures them on Amap, given here in WGS-84 and written out in GCJ-02
CHECKPOINTS_WGS84 = [("KD1", "关山1栋门岗", "小区出入口", 114.4052, 30.5047),
                     ("KD2", "狮子山社区卡点", "社区卡点", 114.4301, 30.5105)]


def gcj02_checkpoints_file(folder: Path) -> Path:
    """A CSV of checkpoints with plain 经度/纬度 columns in GCJ-02: only the file name (高德) says so."""
    folder.mkdir(parents=True, exist_ok=True)
    lon, lat = wgs84_to_gcj02([r[3] for r in CHECKPOINTS_WGS84], [r[4] for r in CHECKPOINTS_WGS84])
    lines = ["卡点编码,卡点名称,卡点类型,经度,纬度"] + [
        f"{code},{name},{kind},{x:.7f},{y:.7f}" for (code, name, kind, _, _), x, y in zip(
            CHECKPOINTS_WGS84, lon, lat, strict=True)]
    path = folder / "卡点_高德.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def observations_ledger(folder: Path) -> Path:
    """An observations ledger as offices keep it: no record code, people named by ID number and building."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["关山社区居家隔离台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    ws.append(["姓名", "身份证号", "楼栋编码", "隔离方式", "开始日期"])
    ws.append(["周一", "110105198002020048", "B1", "居家隔离", dt.date.today().strftime("%Y/%m/%d")])
    path = folder / "隔离台账.xlsx"
    wb.save(path)
    return path


def test_streets_to_observations_into_an_empty_database_shows_the_grids_map(store, tmp_path):
    """The whole chain of issue 17 from files only: streets → communities → grids → buildings → checkpoints in
    GCJ-02 → an observations ledger, then the map data of one grid: its buildings, its checkpoint back in WGS-84,
    and the observation counted on its building."""
    chain = ((streets_file(tmp_path), "streets"), (communities_file(tmp_path), "communities"),
             (grids_file(tmp_path), "grids"), (buildings_file(tmp_path), "buildings"),
             (gcj02_checkpoints_file(tmp_path / "checkpoints"), "checkpoints"),
             (observations_ledger(tmp_path / "ledgers"), "observations"))
    assert store.is_empty()
    for path, layer in chain:
        assert main(["import", str(path), "--layer", layer, "--db", store.url]) == 0, layer
    today = dt.date.today()
    with store.read() as s:
        grid = ref(unit_by_code(s, "420111001001G01"))
        buildings = buildings_in(s, grid, today)
        checkpoints = checkpoints_in(s, grid)
        other = checkpoints_in(s, ref(unit_by_code(s, "网格01")))
    assert list(buildings["code"]) == ["B1"] and list(buildings["obs_total"]) == [1]
    assert list(checkpoints["code"]) == ["KD1"] and list(other["code"]) == ["KD2"]
    expected = {code: (x, y) for code, _, _, x, y in CHECKPOINTS_WGS84}
    for frame in (checkpoints, other):
        lon, lat = np.array([expected[c] for c in frame["code"]]).T
        assert (distance_m(frame["lon"], frame["lat"], lon, lat) < 1.0).all()  # back from GCJ-02 within 1 m
        gcj = np.array(wgs84_to_gcj02(lon, lat))
        assert (distance_m(frame["lon"], frame["lat"], *gcj) > 100).all()  # and not left in GCJ-02


def test_import_asks_for_the_names_of_ancestors_made_from_codes(app, city, tmp_path):  # noqa: F811
    """/import lists the ancestors still unnamed, prefilled "420111 区（待命名）"; saving a name clears the flag. The
    two-street city has its city already: the district made from the codes goes under it."""
    made = _import(city, streets_file(tmp_path), "streets")
    assert [c for c, _, _ in made.parents.created] == ["420111"]
    at = app("command", "import_data")
    assert_ran(at)
    box_ = next(i for i in at.text_input if i.label == "420111")
    assert box_.value == "420111 区（待命名）"
    box_.set_value("洪山区")
    next(b for b in at.button if b.label in ("保存名称", "Save names")).click()
    at.run()
    assert_ran(at)
    with city.read() as s:
        unit = unit_by_code(s, "420111")
        assert (unit.name, unit.unnamed, unit.derived) == ("洪山区", False, True)
        assert unnamed_units(s).empty
