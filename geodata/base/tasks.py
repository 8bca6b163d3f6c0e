"""A field worker's task (今日待办): one thing a person must do today, where, by when, and which form does it.

The value type only; the rules that produce tasks live in task sources (functions `(session, actor, day) ->
list[Task]`) listed in geodata.reporting.tasks.SOURCES. It sits on the lowest floor so that a source may live in any
package (a fieldwork module's patrols, screening rounds, care visits) and still return this type.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: how a task is shown first: overdue, then due today by time, then open-ended ones
OPEN, DUE, OVERDUE = "open", "due", "overdue"


@dataclass(frozen=True)
class Task:
    """One to-do. `kind` names its source ("daily_report", "health_check" …); `code` the record it is about.

    `due` is the local time it must be done by (None: open-ended, e.g. a request being followed up); the list
    marks it overdue once that time has passed. `page` and `params` say which page and form does it ("my_grid"
    with {"code": unit, "section": …, "record": code}, or "reports"); `action` is the action of
    geodata.people.authority that doing it needs — a source only returns tasks the actor may do.
    Titles and details are plain text from data: pages escape them."""

    kind: str
    code: str
    title_zh: str
    title_en: str
    path: str | None = None
    due: dt.datetime | None = None
    detail_zh: str = ""
    detail_en: str = ""
    page: str = "my_grid"
    params: tuple[tuple[str, str], ...] = ()
    action: str = ""
    status: str = OPEN

    def title(self, lang: str = "zh") -> str:
        return self.title_en if lang == "en" else self.title_zh

    def detail(self, lang: str = "zh") -> str:
        return self.detail_en if lang == "en" else self.detail_zh

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE
