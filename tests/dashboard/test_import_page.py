"""/import and the file a browser sends (issue 18, hole 1): the client's file name is never a path, and a role that
may not import gets no uploader at all — the file would otherwise reach this server's disk before any role check.

The page runs with Streamlit's AppTest through a copy of dashboard/app.py (the real gate), on the two-street test
city of tests/geodata/test_scope_city.py, as in tests/dashboard/test_auth_pages.py.
"""
from __future__ import annotations

import os
import tempfile

import pytest

from geodata.people.authority import role_may
from loaders.readers import upload_path
from tests.dashboard.test_auth_pages import app, assert_ran, texts  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import USERS, city  # noqa: F401 — `city` is a fixture

CSV = "编码,名称,经度,纬度\nB1,一号楼,114.30,30.55\nB2,二号楼,114.31,30.56\n".encode()


# --- the path an upload is written to ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "/etc/x.csv", "../../x.csv", "..\\x.csv", "..\\..\\windows\\x.csv", "a/b.zip", "C:\\temp\\x.xlsx", "..", ".",
    "", "/", "x.csv/", "../", ".csv", "x.csv\x00.sh", "网格/../../网格.zip", "....//....//x.geojson", "~/x.csv",
    "%2e%2e%2fx.csv", "x" * 300 + ".csv",
])
def test_any_client_name_lands_as_a_plain_file_inside_the_folder(tmp_path, name):
    folder = tmp_path / "upload"
    folder.mkdir()
    path = upload_path(folder, name)
    assert path.parent == folder, name
    assert path.resolve().parent == folder.resolve(), name
    assert path.name not in ("", ".", "..") and "/" not in path.name and "\\" not in path.name, name
    assert "\x00" not in path.name and len(path.name) <= 70, name
    path.write_bytes(b"x")  # a name the file system takes, and nothing outside the folder appears
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [path.name], name


@pytest.mark.parametrize("name, expected", [
    ("楼栋.CSV", "楼栋.csv"), ("高德坐标_buildings.csv", "高德坐标_buildings.csv"), ("grids.shp.zip", "grids_shp.zip"),
    ("/etc/cron.d/job.kmz", "job.kmz"), ("..\\..\\卡点.kml", "卡点.kml"), ("payload.sh", "payload_sh"),
    ("a b;rm -rf.csv", "a_b_rm_-rf.csv"),
])
def test_the_name_keeps_a_safe_stem_and_only_an_accepted_suffix(tmp_path, name, expected):
    # the stem's words stay: the reader takes GCJ-02/BD-09 hints (高德/百度) from the file name
    assert upload_path(tmp_path, name).name == expected


# --- the page ------------------------------------------------------------------------------------------------


def test_roles_that_may_not_import_get_no_uploader_but_a_refusal(app):
    refused = [u for u, (role, _, _) in USERS.items() if not role_may(role, "import")]
    assert {"wall", "health1"} <= set(refused)
    for username in refused:
        at = app(username, "import_data")
        assert_ran(at)
        assert not at.get("file_uploader"), username
        shown = texts(at)
        # the gate's "cannot open this page" or the page's own "cannot import", each in Chinese and English
        assert any(w in shown for w in ("不能打开此页面", "不能导入数据")), (username, shown)
        if "不能导入数据" in shown:
            assert "cannot import data" in shown, username


def test_roles_that_may_import_get_the_uploader(app):
    for username in ("head1", "grid11", "sup1", "command"):
        at = app(username, "import_data")
        assert_ran(at)
        assert len(at.get("file_uploader")) == 1, username


@pytest.mark.parametrize("how", ["absolute", "dot-dot"])
def test_an_uploaded_file_named_like_a_path_is_written_inside_a_temp_folder(app, tmp_path, how):
    target = tmp_path / "outside" / "buildings.csv"
    target.parent.mkdir()
    # the temp folder is <tempdir>/tmpXXXX: one "../" leaves it, the rest walks to `target`
    name = str(target) if how == "absolute" else "../" + os.path.relpath(target, tempfile.gettempdir())
    at = app("head1", "import_data")
    at.get("file_uploader")[0].set_value((name, CSV, "text/csv")).run()
    assert_ran(at)
    assert not target.exists(), "the client's name was used as a path"
    assert list(tmp_path.rglob("*.csv")) == []
    assert any("读取 2 行" in c.value for c in at.caption), [c.value for c in at.caption]  # it was read
