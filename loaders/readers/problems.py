"""Collecting problems while reading a file: where (file, row, column) and why, in Chinese and English.

The `Problem` record is the project's one (`geodata.base.problems.Problem`), so reader problems and database-side
problems print the same way. A file with a million bad rows must not build a million records: `ProblemLog`
counts everything but keeps only the first `limit` row problems (file-level ones are always kept).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geodata.base.problems import Problem

ERROR = "error"
WARNING = "warning"


@dataclass
class Issue:
    """Problems found by a whole-column check, before they are tied to file rows and headers.

    `positions` are positional indices within the chunk being checked; `zh`/`en` are one message for all, or one
    per position (same length as `positions`).
    """

    positions: np.ndarray
    severity: str
    zh: str | Sequence[str]
    en: str | Sequence[str]
    field: str | None = None

    @classmethod
    def where(cls, mask, severity: str, zh, en, field: str | None = None) -> Issue:
        mask = np.asarray(mask, dtype=bool)
        pos = np.flatnonzero(mask)
        if not isinstance(zh, str):
            zh, en = np.asarray(zh, dtype=object)[pos], np.asarray(en, dtype=object)[pos]
        return cls(pos, severity, zh, en, field)

    def __len__(self) -> int:
        return len(self.positions)


class ProblemLog:
    """Problems of one file: every problem is counted, the first `limit` row problems are kept."""

    def __init__(self, file: str, limit: int = 200) -> None:
        self.file = file
        self.limit = limit
        self.file_level: list[Problem] = []
        self.row_level: list[Problem] = []
        self.total = 0
        self.errors = 0
        self._pending: list[Problem] = []

    @property
    def problems(self) -> list[Problem]:
        return self.file_level + self.row_level

    @property
    def warnings(self) -> int:
        return self.total - self.errors

    def _count(self, severity: str, n: int) -> None:
        self.total += n
        if severity == ERROR:
            self.errors += n

    def add(self, severity: str, zh: str, en: str, *, row: int | None = None, column: str | None = None,
            field: str | None = None, file: str | None = None) -> None:
        self._count(severity, 1)
        p = Problem(message_zh=zh, message_en=en, row=row, column=column, field=field,
                    file=file or self.file, severity=severity)
        if row is None:
            if len(self.file_level) < self.limit:
                self.file_level.append(p)
        elif len(self.row_level) < self.limit and len(self._pending) < 10 * self.limit:
            self._pending.append(p)

    def add_issue(self, issue: Issue, rows: np.ndarray, column: str | None) -> None:
        """Record a column check's findings; `rows` maps chunk positions to file row numbers."""
        n = len(issue)
        if n == 0:
            return
        self._count(issue.severity, n)
        room = max(0, self.limit - len(self.row_level))
        for k in range(min(n, room)):
            zh = issue.zh if isinstance(issue.zh, str) else issue.zh[k]
            en = issue.en if isinstance(issue.en, str) else issue.en[k]
            self._pending.append(Problem(message_zh=zh, message_en=en, row=int(rows[issue.positions[k]]),
                                         column=column, field=issue.field, file=self.file,
                                         severity=issue.severity))

    def flush(self) -> None:
        """End of a chunk: keep the earliest rows first, whatever order the column checks ran in."""
        self._pending.sort(key=lambda p: p.row or 0)
        room = max(0, self.limit - len(self.row_level))
        self.row_level.extend(self._pending[:room])
        self._pending.clear()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def problems_table(problems: Sequence[Problem], total: int | None = None) -> str:
    """Problems as a plain-text table for the terminal: Chinese message first, the English one below it."""
    if not problems:
        return "没有发现问题 / no problems found"
    head = ("级别 Severity", "文件 File", "行 Row", "列 Column", "说明 Message")
    rows = []
    for p in problems:
        sev = "错误 error" if p.severity == ERROR else "警告 warning"
        rows.append((sev, p.file or "", "" if p.row is None else str(p.row), p.column or "", p.message_zh,
                     p.message_en))
    widths = [max(_width(head[i]), *(_width(r[i]) for r in rows)) for i in range(4)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(head[:4], widths, strict=True)) + "  " + head[4]]
    lines.append("-" * (sum(widths) + 8 + _width(head[4])))
    indent = " " * (sum(widths) + 8)
    for r in rows:
        lines.append("  ".join(_pad(c, w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
        lines.append(indent + r[5])
    errors = sum(1 for p in problems if p.severity == ERROR)
    shown = len(problems)
    total = shown if total is None else total
    lines.append("")
    if total > shown:
        lines.append(f"共 {total} 个问题，只列出前 {shown} 个 / {total} problems in total, the first {shown} are listed")
    else:
        lines.append(f"共 {total} 个问题（其中 {errors} 个错误） / {total} problems ({errors} errors)")
    return "\n".join(lines)
