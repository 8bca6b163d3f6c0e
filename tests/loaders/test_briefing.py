"""The briefing as files (loaders.briefing): one A4 landscape PDF page whose Chinese text is real text in an
embedded CJK font, the same page as PNG, an XLSX with one sheet per section, the CLI, and a clear stop when no
Chinese font is installed. tests.factories' small city (district D1 江岸区, street S1 大智街道).
"""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from geodata.reporting.briefing import build_briefing
from geodata.reporting.reports import submit_report
from geodata.store.writes import Actor, write
from loaders import briefing as render
from tests.factories import TODAY, load_small_city

AT = dt.datetime.combine(TODAY, dt.time(17))


@pytest.fixture
def city(store):
    load_small_city(store)
    write(store, Actor.system("test"), lambda ctx: submit_report(
        ctx, "C1", TODAY, now=dt.datetime.combine(TODAY, dt.time(9))))
    return store


@pytest.fixture
def brief(city):
    with city.read() as s:
        return build_briefing(s, "D1", TODAY, AT)


def page_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text by pdftotext (poppler-utils); without it, the text objects of the drawn figure."""
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def figure_text(b) -> str:
    fig = render.page_figure(b)
    parts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        parts += [t.get_text() for t in ax.texts] + [ax.get_title(loc="left")]
    for legend in fig.legends:
        parts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(parts)


def test_pdf_is_one_a4_landscape_page_with_the_unit_name_in_chinese(brief, tmp_path):
    pdf = render.render_pdf(brief)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdfinfo") and shutil.which("pdftotext"):
        (tmp_path / "b.pdf").write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(tmp_path / "b.pdf")], capture_output=True, text=True).stdout
        assert "Pages:           1" in info and "841.68 x 595.44" in info
        text = page_text(pdf, tmp_path)
    else:  # poppler-utils not installed: read what was drawn
        text = figure_text(brief)
    for words in ("江岸区 疫情防控每日简报", "大智街道", "较昨日变化", "重点预警", "日报未上报", "近14天趋势",
                  "第2社区", "日报截止 16:00"):
        assert words in text, words


def test_pdf_embeds_the_cjk_font_instead_of_linking_it(brief):
    pdf = render.render_pdf(brief)
    assert render.cjk_font().path.encode() not in pdf
    if shutil.which("pdffonts"):
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf)
            f.flush()
            fonts = subprocess.run(["pdffonts", f.name], capture_output=True, text=True).stdout
        rows = [line.split() for line in fonts.splitlines()[2:]]
        assert rows and all(r[-5] == "yes" for r in rows)  # every font embedded
        assert any("CJK" in r[0] or "SC" in r[0] for r in rows)


def test_english_page(brief):
    fig = render.page_figure(brief, "en")
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "Daily briefing · 江岸区 · 2026-11-25" in texts and "New cases today" in texts
    assert "Changes since yesterday" in texts and "Reports missing" in texts


def test_png_is_the_same_page_as_an_image(brief):
    from PIL import Image

    png = render.render_png(brief, dpi=60)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (round(11.69 * 60), round(8.27 * 60))


def test_xlsx_has_one_sheet_per_section(brief):
    wb = load_workbook(io.BytesIO(render.render_xlsx(brief)))
    assert wb.sheetnames == ["概况", "地图", "较昨日变化", "重点预警", "日报未上报", "日报汇总", "趋势"]
    assert wb["概况"]["A1"].value == "江岸区 疫情防控每日简报 · 2026年11月25日"
    kpis = {r[0]: r[1] for r in wb["概况"].iter_rows(min_row=5, values_only=True)}
    assert kpis["今日新增病例"] == 1 and kpis["日报未报"] == 1
    assert [r[2] for r in wb["日报未上报"].iter_rows(min_row=2, values_only=True)] == ["第2社区"]
    assert len(wb["地图"]._images) == 1
    assert [r[1] for r in wb["地图"].iter_rows(min_row=2, values_only=True)] == ["第1社区", "第2社区"]
    reports = list(wb["日报汇总"].iter_rows(values_only=True))
    assert reports[0][:4] == ("编码", "名称", "应报", "已报") and reports[1][:4] == ("S1", "大智街道", 2, 1)
    assert len(list(wb["趋势"].iter_rows(min_row=2))) == 14


def test_cli_writes_the_briefing_in_each_format(city, tmp_path, capsys):
    for fmt in ("pdf", "xlsx", "png"):
        out = tmp_path / f"briefing.{fmt}"
        code = render.main(["--db", city.url, "--scope", "D1", "--date", TODAY.isoformat(), "--at", "17:00",
                            str(out)])
        assert code == 0 and out.stat().st_size > 1000, fmt
    assert "briefing written" in capsys.readouterr().out
    assert render.main(["--db", city.url, "--scope", "NOPE", "--date", TODAY.isoformat(),
                        str(tmp_path / "x.pdf")]) == 1


def test_without_a_chinese_font_it_stops_and_says_what_to_install(monkeypatch):
    monkeypatch.setattr(render, "FONT_CANDIDATES", ())
    monkeypatch.setenv("GRIDWATCH_CJK_FONT", "/nonexistent/font.ttc")
    render.cjk_font.cache_clear()
    try:
        with pytest.raises(render.FontMissing, match="fonts-noto-cjk"):
            render.cjk_font()
    finally:
        monkeypatch.undo()
        render.cjk_font.cache_clear()
    assert render.cjk_font().path.endswith((".ttc", ".otf", ".ttf"))


def test_lines_wrap_by_width_chinese_anywhere_english_between_words():
    lines = render.wrap("德路社区：社区传播（14天内≥2例不明来源病例），内防蔓延、外防输出", 12)
    assert "".join(lines) == "德路社区：社区传播（14天内≥2例不明来源病例），内防蔓延、外防输出"
    # closing punctuation hangs at the end of a line rather than starting the next one (禁则)
    assert all(render.text_width(line.rstrip("，、）")) <= 12 for line in lines)
    assert not any(line[0] in render.NO_LINE_START for line in lines)
    english = render.wrap("Reports: due 102, in 99, late 7, zero 98, missing 3 (before the cut-off)", 20)
    assert all(render.text_width(line) <= 20 for line in english)
    assert " ".join(english).split() == "Reports: due 102, in 99, late 7, zero 98, missing 3 (before the cut-off)".split()
    assert render.wrap("一二三四五六七八九十", 4, max_lines=2)[-1].endswith("…")


# --- hostile names (issue 18: 3, 8) ----------------------------------------------------------------------------

#: `$x^2$` would be typeset as x², `$y^$` is not valid mathtext (it stopped the whole briefing), `=A1` is a formula
HOSTILE = "=A1 $x^2$ 二社区 $y^$"


def _renamed(store, name: str):
    from sqlalchemy import select

    from geodata.editing.records import update_record
    from geodata.store.models import Unit

    with store.read() as s:
        version = s.execute(select(Unit.version).where(Unit.code == "C2")).scalar_one()
    write(store, Actor.system("test"), lambda ctx: update_record(ctx, "unit", "C2", {"name": name},
                                                                 expected_version=version))
    with store.read() as s:
        return build_briefing(s, "D1", TODAY, AT)


def test_a_name_with_dollars_is_drawn_as_its_text_in_pdf_png_and_xlsx(city, tmp_path):
    b = _renamed(city, HOSTILE)
    pdf = render.render_pdf(b)
    text = page_text(pdf, tmp_path) if shutil.which("pdftotext") else figure_text(b)
    assert "$x^2$ 二社区 $y^$" in text
    assert render.render_png(b, dpi=40).startswith(b"\x89PNG")
    assert render.render_map_png(b, dpi=40).startswith(b"\x89PNG")
    wb = load_workbook(io.BytesIO(render.render_xlsx(b)))
    assert [(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"] == []
    missing = [(r[2].value, r[2].data_type) for r in wb["日报未上报"].iter_rows(min_row=2)]
    assert missing == [("'" + HOSTILE, "s")]
    assert ("'" + HOSTILE) in [r[1] for r in wb["地图"].iter_rows(min_row=2, values_only=True)]


def test_control_characters_stored_before_they_were_refused_do_not_break_the_briefing(city):
    from sqlalchemy import text as sql

    with city.engine.begin() as conn:
        conn.execute(sql("UPDATE units SET name = :n WHERE code = 'C2'"), {"n": "二\x07社区\x1b[31m"})
    with city.read() as s:
        b = build_briefing(s, "D1", TODAY, AT)
    assert render.render_pdf(b).startswith(b"%PDF") and render.render_png(b, dpi=40).startswith(b"\x89PNG")
    wb = load_workbook(io.BytesIO(render.render_xlsx(b)))
    assert [r[2] for r in wb["日报未上报"].iter_rows(min_row=2, values_only=True)] == ["二社区[31m"]
