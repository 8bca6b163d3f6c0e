"""`show_refusal`: the one way a page shows a refusal from geodata (or from a loader), whatever its kind.

Every refusal (`geodata.base.problems.Refusal`: Rejected, PermissionDenied, a stale save's Conflict, an unknown
unit code, an unreadable file …) carries a Chinese and an English message and its problems. A page catches
`Refusal` and hands it here, so that every refusal reads the same: the reader's language first and the other on
the next line, every text escaped for Markdown (a message may quote what was typed: a name like
`![x](http://…)` must not become an image fetched from elsewhere), and — when there are several problems, or
one at a place in a file — a table of where (file, row, column) and why. Pages may add their own controls around it (the conflict panel's
buttons), never their own wording of the refusal.
"""
from __future__ import annotations

from typing import Literal

import pandas as pd
import streamlit as st

from dashboard.components.edit_text import both, plain
from geodata.base.problems import Problem, Refusal


def listed(exc: Refusal) -> bool:
    """Whether the refusal's problems are shown as a table: several of them, or one with a place in a file."""
    return len(exc.problems) > 1 or any(p.file or p.row is not None or p.column for p in exc.problems)


def problem_text(p: Problem, lang: str) -> str:
    """One problem (a refusal's, or a warning of a change that was made) as escaped Markdown, `lang` first."""
    return both(p.message_zh, p.message_en, lang)


def refusal_text(exc: Refusal, lang: str) -> str:
    """The refusal as escaped Markdown, `lang` first: its summary when its problems are `listed` (the table lists
    them), else its one problem — a form's "name is too long" rather than "1 error, nothing written"."""
    if listed(exc) or not exc.problems:
        return both(exc.message_zh, exc.message_en, lang)
    return problem_text(exc.problems[0], lang)


def problem_table(problems: list[Problem], lang: str) -> pd.DataFrame:
    """File, severity, row, column and reason (in `lang`, then in the other language) of each problem, with
    bilingual headers; file, row and column are left out when no problem has one. A table shows text as it is
    (no Markdown), so nothing needs escaping here."""
    rows = pd.DataFrame({
        "文件 file": [p.file for p in problems],
        "严重程度 severity": ["错误 error" if p.severity == "error" else "警告 warning" for p in problems],
        "行 row": pd.array([p.row for p in problems], dtype="Int64"),
        "列 column": [p.column for p in problems],
        "原因 reason": [p.message_en if lang == "en" else p.message_zh for p in problems],
        "reason / 原因": [p.message_zh if lang == "en" else p.message_en for p in problems],
    })
    optional = {"文件 file", "行 row", "列 column"}
    return rows[[c for c in rows.columns if c not in optional or rows[c].notna().any()]]


def show_refusal(exc: Refusal, lang: str, *, title: str | None = None,
                 level: Literal["error", "warning"] = "error") -> None:
    """Show any refusal: its message in both languages (`lang` first, escaped) in one box, and its problems as a
    table when they are `listed`. `title` is the page's own words above the message, in the reader's language
    (escaped too); `level="warning"` for a refusal the page offers a way out of (a stale save)."""
    box = st.warning if level == "warning" else st.error
    text = refusal_text(exc, lang) or plain(str(exc))
    box(f"**{plain(title)}**  \n{text}" if title else text)
    if listed(exc):
        st.dataframe(problem_table(exc.problems, lang), hide_index=True, width="stretch")


__all__ = ["listed", "problem_table", "problem_text", "refusal_text", "show_refusal"]
