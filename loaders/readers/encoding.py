"""Which text encoding a file is in: shapefile .dbf (with or without .cpg) and CSV.

Chinese GIS data come in GBK/GB18030 as often as in UTF-8, frequently without a .cpg, and then GDAL falls back
to ISO-8859-1: 网格编码 turns into Íø¸ñ±àÂë. We never let that through. The rule is: decode the actual bytes.
UTF-8 is self-checking — Chinese GBK text is practically never valid UTF-8 — so bytes that decode strictly as
UTF-8 are UTF-8; otherwise bytes that decode strictly as GB18030 (a superset of GBK and GB2312) are GB18030. A
.cpg is trusted when the bytes agree with it and overruled, with a warning, when they do not.

The .dbf header is simple (dBase III): 32 bytes of header, 32-byte field descriptors ending with 0x0D, then
fixed-length records. We check the field names and the record area (up to `SCAN_LIMIT` bytes).
"""
from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass
from pathlib import Path

from .problems import WARNING

#: bytes of a .dbf record area (or a CSV) inspected; 256 MB takes about a second and catches late Chinese text
SCAN_LIMIT = 256 * 1024 * 1024
_BLOCK = 8 * 1024 * 1024

_CPG_NAMES = {
    "utf8": "utf-8", "utf-8": "utf-8", "65001": "utf-8", "utf_8": "utf-8",
    "gbk": "gb18030", "936": "gb18030", "cp936": "gb18030", "ansi936": "gb18030", "gb2312": "gb18030",
    "gb18030": "gb18030", "54936": "gb18030", "20936": "gb18030", "euc-cn": "gb18030",
    "big5": "big5", "950": "big5", "cp950": "big5",
    "88591": "latin-1", "8859_1": "latin-1", "iso-8859-1": "latin-1", "iso88591": "latin-1", "latin1": "latin-1",
    "1252": "cp1252", "ansi1252": "cp1252", "cp1252": "cp1252",
}
# dBase language driver ids that name a Chinese code page (byte 29 of the header)
_LDID = {0x4D: "gb18030", 0x7A: "gb18030", 0x78: "big5", 0x4F: "big5"}


@dataclass
class EncodingDecision:
    encoding: str  # a Python codec name that GDAL's iconv also knows ("utf-8", "gb18030", …)
    how: str  # "cpg" | "bytes" | "ldid" | "bom" | "default"
    note: tuple[str, str, str] | None = None  # (severity, zh, en) to report


def cpg_codec(text: str) -> str | None:
    """The codec a .cpg names ('UTF-8', 'GBK', '936', 'ANSI 936', …), or None when unknown."""
    key = text.strip().lower().replace(" ", "")
    if key in _CPG_NAMES:
        return _CPG_NAMES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


class _Probe:
    """Feeds bytes to a UTF-8 decoder (counting good and bad characters) and a strict GB18030 decoder."""

    def __init__(self) -> None:
        self.utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        self.gb = codecs.getincrementaldecoder("gb18030")("strict")
        self.utf8_good = self.utf8_bad = 0  # non-ASCII characters decoded / bytes refused
        self.gb_ok = True
        self.high = False  # any byte ≥ 0x80 at all (pure ASCII decodes as anything)

    def feed(self, data: bytes, final: bool = False, utf8_data: bytes | None = None) -> None:
        """`utf8_data`: what the UTF-8 side should see instead (a field name without its cut-off tail)."""
        if not self.high:
            self.high = not data.isascii()  # C-speed test; most blocks of most files are ASCII
            if not self.high:
                return  # nothing to learn, and no partial character can be pending
        text = self.utf8.decode(data if utf8_data is None else utf8_data, final)
        bad = text.count("\ufffd")
        self.utf8_bad += bad
        self.utf8_good += len(text) - len(text.encode("ascii", "ignore")) - bad  # non-ASCII characters, C speed
        if self.gb_ok:
            try:
                self.gb.decode(data, final)
            except UnicodeDecodeError:
                self.gb_ok = False

    def verdict(self) -> tuple[str, bool]:
        """(encoding, clean). UTF-8 when it decodes cleanly, or *mostly*: Chinese GBK text read as UTF-8 fails on
        most characters (good:bad ≈ 1:4), so twice as many good UTF-8 characters as bad bytes means UTF-8 with a
        few foreign rows pasted in (those rows are reported), not GBK."""
        if self.utf8_bad == 0:
            return "utf-8", True
        if self.gb_ok:
            return "gb18030", True
        if self.utf8_good >= 2 * self.utf8_bad:
            return "utf-8", False
        return "gb18030", False


def _dbf_probe(dbf: Path) -> tuple[_Probe, int | None]:
    """Probe a .dbf's field names and records. Returns the probe and the header's language driver id."""
    probe = _Probe()
    with dbf.open("rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            return probe, None
        n_records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        ldid = head[29]
        descriptors = fh.read(max(0, header_len - 32))
        for start in range(0, len(descriptors) - 31, 32):
            if descriptors[start] == 0x0D:
                break
            name = descriptors[start:start + 11].split(b"\x00", 1)[0]
            probe.feed(name + b" ", utf8_data=_trim_cut_utf8(name) + b" ")
        fh.seek(header_len)
        remaining = min(SCAN_LIMIT, n_records * record_len if n_records and record_len else SCAN_LIMIT)
        while remaining > 0:
            block = fh.read(min(_BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            probe.feed(block)
        probe.feed(b"", final=True)
    return probe, ldid


def _trim_cut_utf8(name: bytes) -> bytes:
    """Drop a UTF-8 character cut off at the 10-byte field-name limit, so the cut does not count as bad text."""
    for back in range(1, min(4, len(name)) + 1):
        b = name[-back]
        if b & 0xC0 == 0xC0:  # a lead byte: how long should its character be?
            need = 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            return name[:-back] if need > back else name
        if b & 0xC0 != 0x80:
            return name
    return name


def shapefile_encoding(shp: Path) -> EncodingDecision:
    """Decide the encoding of a shapefile's attributes from its .cpg and the bytes of its .dbf."""
    dbf = _sibling(shp, ".dbf")
    cpg = _sibling(shp, ".cpg")
    declared = None
    if cpg is not None:
        try:
            declared = cpg_codec(cpg.read_text("ascii", errors="replace"))
        except OSError:
            declared = None
    if dbf is None:
        return EncodingDecision(declared or "utf-8", "cpg" if declared else "default")
    probe, ldid = _dbf_probe(dbf)
    found, clean = probe.verdict()
    if not probe.high:
        return EncodingDecision(declared or "utf-8", "cpg" if declared else "bytes")
    if declared is not None and clean:
        if declared == "utf-8" and found != "utf-8":
            return EncodingDecision(found, "bytes", (WARNING, ".cpg 文件写的是 UTF-8，但属性文字实际是 GBK/GB18030 编码，已按 GB18030 读取",
                                                     "the .cpg says UTF-8 but the attributes are GBK/GB18030; read as "
                                                     "GB18030"))
        if declared != "utf-8" and found == "utf-8":
            return EncodingDecision("utf-8", "bytes", (WARNING, f".cpg 文件写的是 {declared}，但属性文字实际是 UTF-8 编码，已按 UTF-8 读取",
                                                       f"the .cpg says {declared} but the attributes are UTF-8; read "
                                                       "as UTF-8"))
        return EncodingDecision(declared, "cpg")
    if declared is not None:
        return EncodingDecision(declared, "cpg")
    if clean:
        return EncodingDecision(found, "bytes")
    if ldid in _LDID:
        return EncodingDecision(_LDID[ldid], "ldid")
    return EncodingDecision(found, "bytes", _mixed_note(found))


def _mixed_note(found: str) -> tuple[str, str, str]:
    if found == "utf-8":
        return (WARNING, "文字大部分是 UTF-8 编码，但有少量内容不是（混入了 GBK 文字？），无法识别的字符显示为 � 并逐行报告",
                "the text is mostly UTF-8 but some of it is not (GBK text pasted in?); undecodable characters show as "
                "� and are reported per row")
    return (WARNING, "文字既不是 UTF-8 也不是完整的 GBK/GB18030 编码，已按 GB18030 读取，无法识别的字符显示为 �",
            "the text is neither UTF-8 nor clean GBK/GB18030; read as GB18030, undecodable characters show as �")


def _sibling(shp: Path, suffix: str) -> Path | None:
    """The .dbf/.cpg next to a .shp, whatever the case of its extension (DATA.DBF next to data.shp)."""
    for cand in shp.parent.glob(shp.stem + ".*"):
        if cand.suffix.lower() == suffix and cand.stem == shp.stem:
            return cand
    return None


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def text_encoding(path: Path, scan: int = 4 * 1024 * 1024) -> EncodingDecision:
    """Encoding of a text file (CSV): its BOM, else the first `scan` bytes decoded strictly as UTF-8, then
    GB18030. Rows further down that do not decode are found while reading (they show U+FFFD and are reported)."""
    with path.open("rb") as fh:
        head = fh.read(scan)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return EncodingDecision(name, "bom")
    probe = _Probe()
    probe.feed(head, final=len(head) < scan)
    found, clean = probe.verdict()
    if not probe.high:
        return EncodingDecision("utf-8", "bytes")
    return EncodingDecision(found, "bytes", None if clean else _mixed_note(found))
