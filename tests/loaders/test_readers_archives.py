"""Archives from strangers (issue 18, hole 6 and the zip-slip half of hole 1): a zip, kmz or xlsx is refused from
its central directory before a byte is unpacked when it would unpack to too much or is packed like a bomb, is
counted again while it streams, and no member name can place a file outside the temporary folder.
"""
from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from loaders.readers import formats, read_layer
from tests.loaders import fixtures_files as ff

CSV_HEAD = "楼栋编码,楼栋名称,经度,纬度\n".encode()
CSV = CSV_HEAD + "B001,东亭小区1栋,114.3521,30.5792\n".encode()


def _bilingual_refusal(result, member: str):
    """The one problem of a refused archive: an error naming the member, in Chinese and in English."""
    (p,) = result.problems
    assert p.severity == "error" and p.row is None, p
    assert member in p.message_zh and member in p.message_en, p
    assert p.file.endswith(f"({member})"), p.file
    assert any("\u4e00" <= ch <= "\u9fff" for ch in p.message_zh), p.message_zh
    names = (member, Path(p.file.split(" (")[0]).name)  # the English text quotes them as they are
    english = p.message_en.replace(names[0], "").replace(names[1], "")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english), p.message_en
    assert len(result.frame) == 0
    return p


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _declare(path: Path, sizes: dict[str, tuple[int, int]]) -> None:
    """Rewrite the central directory's (unpacked, packed) sizes of some members: what a crafted zip claims."""
    data = bytearray(path.read_bytes())
    eocd = data.rindex(b"PK\x05\x06")
    count, _, start = struct.unpack_from("<HII", data, eocd + 10)
    pos = start
    for _ in range(count):
        assert data[pos:pos + 4] == b"PK\x01\x02"
        n_name, n_extra, n_comment = struct.unpack_from("<HHH", data, pos + 28)
        name = bytes(data[pos + 46:pos + 46 + n_name]).decode("utf-8")
        if name in sizes:
            unpacked, packed = sizes[name]
            struct.pack_into("<II", data, pos + 20, packed, unpacked)
        pos += 46 + n_name + n_extra + n_comment
    path.write_bytes(bytes(data))


def _forbid_unpacking(monkeypatch) -> None:
    """From here on, opening any member fails the test: the refusal has to come from the directory alone."""
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info, *a, **k: pytest.fail(f"{info} was opened"))


# --- refused from the central directory --------------------------------------------------------------------------


def test_a_bomb_member_is_refused_before_anything_is_unpacked(tmp_path, monkeypatch):
    # 40 MB of one byte: deflate packs it ~1000x, the shape of the 2 MB zip that wrote 2 GiB
    archive = _zip(tmp_path / "楼栋.zip", {"说明.txt": b"readme", "楼栋/楼栋.csv": CSV_HEAD + b"0" * (40 * 1024**2)})
    packed = {i.filename: i for i in zipfile.ZipFile(archive).infolist()}["楼栋/楼栋.csv"]
    assert packed.file_size > formats.MAX_RATIO * packed.compress_size  # the member really is a bomb
    _forbid_unpacking(monkeypatch)
    p = _bilingual_refusal(read_layer(archive, "buildings"), "楼栋/楼栋.csv")
    assert "zip bomb" in p.message_en and f"{formats.MAX_RATIO}" in p.message_en and "压缩炸弹" in p.message_zh


def test_an_archive_that_says_it_unpacks_past_the_cap_is_refused_from_its_directory(tmp_path, monkeypatch):
    # each member claims 300 MB packed into 4 MB (75x: not a bomb by ratio), 600 MB in all: over the cap
    archive = _zip(tmp_path / "big.zip", {"a.csv": CSV, "b.csv": CSV})
    _declare(archive, {"a.csv": (300 * 1024**2, 4 * 1024**2), "b.csv": (300 * 1024**2, 4 * 1024**2)})
    assert formats.MAX_UNPACKED_BYTES < 600 * 1024**2
    _forbid_unpacking(monkeypatch)
    p = _bilingual_refusal(read_layer(archive, "buildings"), "b.csv")  # the member where the total passes the cap
    assert "more than 500.0 MB" in p.message_en and "500.0 MB" in p.message_zh


def test_an_archive_of_too_many_members_is_refused(tmp_path, monkeypatch):
    archive = _zip(tmp_path / "many.zip", {f"d/{i}.csv": b"" for i in range(formats.MAX_MEMBERS + 1)},
                   zipfile.ZIP_STORED)
    _forbid_unpacking(monkeypatch)
    (p,) = read_layer(archive, "buildings").problems
    assert p.severity == "error" and f"{formats.MAX_MEMBERS + 1:,}" in p.message_en and "many.zip" in p.message_zh


def test_an_xlsx_bomb_is_refused_before_openpyxl_reads_it(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["楼栋编码", "楼栋名称", "经度", "纬度"])
    wb.active.append(["B001", "东亭小区1栋", 114.3521, 30.5792])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    assert read_layer(plain, "buildings").ok
    members = {i.filename: zipfile.ZipFile(plain).read(i) for i in zipfile.ZipFile(plain).infolist()}
    members["xl/worksheets/sheet1.xml"] += b" " * (40 * 1024**2)  # whitespace after the root: valid XML
    bomb = _zip(tmp_path / "楼栋.xlsx", members)
    _bilingual_refusal(read_layer(bomb, "buildings"), "xl/worksheets/sheet1.xml")


def test_real_archives_with_small_well_packed_members_still_read(tmp_path):
    # a shapefile zip with an 800 KB padded readme (packed >100x, but too small to hurt) and a real KMZ
    src = ff.gbk_shapefile_zip(tmp_path / "src")
    members = {i.filename: zipfile.ZipFile(src).read(i) for i in zipfile.ZipFile(src).infolist()}
    members["readme.txt"] = b" " * (800 * 1024)
    r = read_layer(_zip(tmp_path / "grids.zip", members), "grids")
    assert r.ok, r.problems
    assert len(r.frame) == len(ff.GRIDS)
    assert read_layer(ff.checkpoints_kmz(tmp_path / "kmz"), "checkpoints").ok


# --- counted again while unpacking: the directory is the sender's word ------------------------------------------
# CPython's zipfile itself stops a member at the size the directory gives (a longer stream then fails its CRC), so
# these stand in a member stream that yields more than the directory says, as a laxer unzip would.


def _lying_stream(monkeypatch, payload: bytes) -> None:
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info, *a, **k: io.BytesIO(payload))


def test_a_member_that_streams_out_packed_like_a_bomb_is_stopped(tmp_path, monkeypatch):
    archive = _zip(tmp_path / "lying.zip", {"楼栋.csv": os.urandom(4096)}, zipfile.ZIP_STORED)  # says 4 KB, 1x
    _lying_stream(monkeypatch, b"0" * (8 * 1024**2))
    p = _bilingual_refusal(read_layer(archive, "buildings"), "楼栋.csv")
    assert "zip bomb" in p.message_en


def test_members_that_stream_out_past_the_cap_are_stopped(tmp_path, monkeypatch):
    archive = _zip(tmp_path / "lying.zip", {"a.csv": os.urandom(4096), "b.csv": os.urandom(4096)},
                   zipfile.ZIP_STORED)
    monkeypatch.setattr(formats, "MAX_UNPACKED_BYTES", 64 * 1024)  # the directory's 8 KB pass this cap
    _lying_stream(monkeypatch, os.urandom(48 * 1024))  # each member yields 48 KB: b.csv passes 64 KB
    p = _bilingual_refusal(read_layer(archive, "buildings"), "b.csv")
    assert "more than 64.0 KB" in p.message_en


# --- member names are not paths -------------------------------------------------------------------------------------


def test_member_names_cannot_place_a_file_outside_the_folder(tmp_path):
    into = tmp_path / "a" / "b" / "c"
    into.mkdir(parents=True)
    names = ["../../../up.txt", str(tmp_path / "abs.txt"), "..\\..\\..\\back.txt", "/../../../root.txt",
             "C:\\Windows\\drive.txt", "ok/../../../../mid.txt", "网格/网格.csv"]
    archive = _zip(tmp_path / "slip" / "slip.zip", {n: b"x" for n in names})
    formats._unpack(archive, into)
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p != archive)
    assert len(written) == len(names)
    assert all(into in p.parents for p in written), written
