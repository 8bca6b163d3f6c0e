"""Refusals on a page (issue 13): every kind of refusal geodata or a loader raises is a `Refusal`, and one helper,
`dashboard.components.refusals.show_refusal`, shows any of them — in Chinese and English with the reader's
language first, every data-derived text escaped for Markdown, the problems as a table when there are several.
No page reads a refusal's messages itself any more.

The helper runs in Streamlit's AppTest (`AppTest.from_function`), so what is checked is what Streamlit was asked
to render: the Markdown body of the error/warning box and the table beside it.
"""
from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import geodata
import loaders
from dashboard.components.edit_text import plain
from geodata.base.problems import PermissionDenied, Problem, Refusal, Rejected

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "![x](http://e.invalid/x.png)"


def _all_refusal_kinds() -> dict[str, type[Refusal]]:
    """Every subclass of Refusal defined in geodata or loaders (each module imported once, so none is missed)."""
    for package in (geodata, loaders):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" in info.name or info.name.endswith("__main__"):
                continue
            importlib.import_module(info.name)
    found: dict[str, type[Refusal]] = {}
    todo = [Refusal]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo += cls.__subclasses__()
    return {n: c for n, c in found.items() if c.__module__.split(".")[0] in ("geodata", "loaders")}


def _conflict(cls: type[Refusal], code: str) -> Refusal:
    return cls("building", code, expected_version=1, current_version=2, changed_by=f"user{HOSTILE}",
               changed_at=dt.datetime(2024, 5, 1, 8, 0), fields={"name": ("mine", "theirs")})


#: kind → (make it with hostile text inside, a word of its Chinese line, a word of its English line)
MAKE: dict[str, tuple[Callable[[dict[str, type[Refusal]]], Refusal], str, str]] = {
    "Refusal": (lambda k: k["Refusal"](f"拒绝{HOSTILE}", f"refused {HOSTILE}"), "拒绝", "refused"),
    "Rejected": (lambda k: k["Rejected"]([Problem(f"名称过长{HOSTILE}", f"name too long {HOSTILE}", field="name")]),
                 "名称过长", "name too long"),
    "PermissionDenied": (lambda k: k["PermissionDenied"](f"超出您的管辖范围{HOSTILE}", f"outside your scope {HOSTILE}"),
                         "超出您的管辖范围", "outside your scope"),
    "Conflict": (lambda k: _conflict(k["Conflict"], f"B1{HOSTILE}"), "已被", "was changed by"),
    "BulkConflict": (lambda k: k["BulkConflict"]([_conflict(k["Conflict"], f"B1{HOSTILE}"),
                                                   _conflict(k["Conflict"], "B2")]), "全部未保存", "nothing saved"),
    "UnknownUnit": (lambda k: k["UnknownUnit"](f"G9{HOSTILE}"), "单元编码不存在", "unknown unit code"),
    "UnreadableFile": (lambda k: k["UnreadableFile"](f"文件已损坏{HOSTILE}", f"the file is damaged {HOSTILE}",
                                                     file=f"a{HOSTILE}.csv"), "文件已损坏", "the file is damaged"),
    "MappingError": (lambda k: k["MappingError"](f"映射文件格式错误{HOSTILE}", f"the mapping file is not valid {HOSTILE}"),
                     "映射文件格式错误", "the mapping file is not valid"),
    "NotInScope": (lambda k: k["NotInScope"](("户编码", "household code"), f"H1{HOSTILE}"),
                   "不存在或不在您的管辖范围内", "unknown or outside your scope"),
    "UnitNotInScope": (lambda k: k["UnitNotInScope"](f"G9{HOSTILE}"), "不存在或不在您的管辖范围内",
                       "unknown or outside your scope"),
}


@pytest.fixture(scope="module")
def kinds() -> dict[str, type[Refusal]]:
    return _all_refusal_kinds()


def _show(exc: Refusal, lang: str, **kw) -> AppTest:
    def script(exc, lang, kw):
        from dashboard.components.refusals import show_refusal

        show_refusal(exc, lang, **kw)

    at = AppTest.from_function(script, args=(exc, lang, kw), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _boxes(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*at.error, *at.warning])


def _tables(at: AppTest) -> list[pd.DataFrame]:
    return [f.value for f in at.dataframe]


def test_the_refusals_a_person_meets_share_one_base(kinds):
    # the domain's refusals that used to stand apart: an unknown unit code, an unreadable file, a bad mapping
    for name in ("UnknownUnit", "UnreadableFile", "MappingError", "Rejected", "PermissionDenied", "Conflict",
                 "BulkConflict"):
        assert name in kinds and issubclass(kinds[name], Refusal), name
    assert issubclass(kinds["UnknownUnit"], LookupError)  # code asking "is it there?" still works
    assert set(kinds) <= set(MAKE), f"a new kind of refusal needs a case here: {set(kinds) - set(MAKE)}"


@pytest.mark.parametrize("name", sorted(MAKE))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_any_refusal_is_shown_in_both_languages_reader_first_and_escaped(kinds, name, lang):
    make, zh, en = MAKE[name]
    at = _show(make(kinds), lang)
    shown = _boxes(at)
    assert len(at.error) == 1 and not at.warning, shown
    first, second = (zh, en) if lang == "zh" else (en, zh)
    assert first in shown and second in shown, shown
    assert shown.index(first) < shown.index(second), shown
    # the hostile Markdown never reaches the box as Markdown: no image, no link
    assert HOSTILE not in shown and "](http" not in shown, shown
    for table in _tables(at):  # a table shows text as it is: the reasons, both languages, verbatim
        assert {"原因 reason", "reason / 原因"} <= set(table.columns)
    # and it is there, as text: escaped in the box, or verbatim in a table cell (a count-only summary)
    cells = [str(v) for t in _tables(at) for v in t.to_numpy().ravel()]
    assert plain(HOSTILE) in shown or any(HOSTILE in c for c in cells), (shown, cells)


def test_a_hostile_message_comes_out_escaped():
    at = _show(PermissionDenied(f"无权{HOSTILE}", f"not allowed {HOSTILE}"), "en")
    box = at.error[0].value
    assert box == plain(f"not allowed {HOSTILE}") + "  \n" + plain(f"无权{HOSTILE}")
    assert "\\!\\[x\\]\\(http\\://e\\.invalid/x\\.png\\)" in box


def test_several_problems_are_a_table_of_file_row_column_and_reason():
    problems = [Problem("网格编码不存在", "unknown grid code", row=3, column="网格编码", file="b.csv"),
                Problem(f"名称过长{HOSTILE}", f"name too long {HOSTILE}", row=4, column="楼栋名称", file="b.csv"),
                Problem("户数为空", "no households", row=5, column="户数", file="b.csv", severity="warning")]
    for lang in ("zh", "en"):
        at = _show(Rejected(problems), lang)
        assert at.error[0].value.startswith("2 个错误" if lang == "zh" else "2 errors")
        [table] = _tables(at)
        assert list(table.columns) == ["文件 file", "严重程度 severity", "行 row", "列 column", "原因 reason",
                                       "reason / 原因"]
        assert table["行 row"].tolist() == [3, 4, 5] and table["列 column"].tolist() == ["网格编码", "楼栋名称", "户数"]
        assert table["严重程度 severity"].tolist() == ["错误 error", "错误 error", "警告 warning"]
        mine, other = ("unknown grid code", "网格编码不存在") if lang == "en" else ("网格编码不存在", "unknown grid code")
        assert table["原因 reason"].iloc[0] == mine and table["reason / 原因"].iloc[0] == other
        assert table["原因 reason"].iloc[1].endswith(HOSTILE)  # a table cell is text, never Markdown


def test_one_problem_of_a_form_is_one_line_and_a_page_may_add_a_title_or_warn():
    exc = Rejected([Problem("密码至少8位", "password must have at least 8 characters", field="password")])
    at = _show(exc, "zh")
    assert at.error[0].value == "密码至少8位  \npassword must have at least 8 characters" and not _tables(at)
    at = _show(exc, "en", title="文件被拒绝 [x](http://e.invalid)", level="warning")
    assert not at.error and at.warning[0].value.startswith("**文件被拒绝 \\[x\\]\\(http\\://e\\.invalid\\)**  \n"
                                                            "password must")


def test_no_page_reads_a_refusals_messages_itself():
    """One way to show a refusal: the helper. A page that picks `.message_zh`/`.message_en`/`.problem` out of a
    refusal (or any geodata message) again shows it its own way — one language only, or unescaped (/import did)."""
    helper = ROOT / "dashboard" / "components" / "refusals.py"
    reading = re.compile(r"\.message_(zh|en)\b|\.problem\b")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "dashboard").rglob("*.py")) if p != helper
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if reading.search(line)]
    assert offenders == []
