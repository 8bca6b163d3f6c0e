"""Problems found in input: where (file, row, column) and why, in Chinese and English.

Importers and edits collect problems instead of stopping at the first; any problem of severity "error" means
nothing is written (see `geodata.store.writes.write`: the transaction is rolled back).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    message_zh: str
    message_en: str
    row: int | None = None  # 1-based, as a person counts rows in the file (header included for sheets)
    column: str | None = None  # the column header as it appears in the file
    field: str | None = None  # the canonical field name
    file: str | None = None
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = ", ".join(
            p
            for p in (
                self.file or "",
                f"第{self.row}行 row {self.row}" if self.row is not None else "",
                f"列 column {self.column}" if self.column else "",
            )
            if p
        )
        tag = "错误 error" if self.severity == "error" else "警告 warning"
        return f"[{tag}] {where}: {self.message_zh} / {self.message_en}"


class Refusal(Exception):
    """The base of every refusal the domain gives a person: a change not made, a read not allowed, a stale save.

    Pages show any refusal the same way (`dashboard.components.refusals.show_refusal`) from `message_zh`,
    `message_en` and `problems`, so a new kind of refusal needs no new page code; subclasses add what their
    callers act on (the conflicting fields of a stale save, say)."""

    message_zh: str
    message_en: str

    def __init__(self, message_zh: str, message_en: str, problems: list[Problem] | None = None,
                 detail: str = "") -> None:
        self.message_zh, self.message_en = message_zh, message_en
        self.problems = list(problems) if problems is not None else [Problem(message_zh, message_en)]
        super().__init__(f"{message_zh} / {message_en}" + (f"\n{detail}" if detail else ""))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def problem(self) -> Problem:
        """The first error: the one line a short message shows."""
        return (self.errors or self.problems or [Problem(self.message_zh, self.message_en)])[0]


class Rejected(Refusal):
    """Raised inside a write to roll it back; carries every problem found (errors and warnings)."""

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        head = "\n".join(str(p) for p in errors[:20])
        more = f"\n… 另有 {len(errors) - 20} 个错误 / {len(errors) - 20} more errors" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} 个错误，未写入任何数据", f"{len(errors)} errors, nothing written",
                         problems, detail=f"{head}{more}")


class PermissionDenied(Refusal, PermissionError):
    """The actor may not do this here: outside their scope, or not an action of their role."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en)
