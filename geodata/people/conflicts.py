"""Stale saves: what a change returns (`Change`) and how a save based on a stale read is refused (`Conflict`,
`BulkConflict`), for every command that writes a record under optimistic locking (issue 5, 13).

It sits on the people floor because a conflict names who changed the record last and when — read from the log
(`geodata.people.audit.last_change`) — and labels the record kind (`geodata.people.scope.ENTITY_LABELS`). Hand
edits (`geodata.editing.records`, `geodata.editing.shapes`) and the checkpoint commands
(`geodata.checkpoints.commands`, called by /my-grid and by plan-apply) build their refusals here, so a stale save
reads the same whichever door it came through. Field labels and the parsing of a form's values belong to the
caller (the editing field registry), which passes them in.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.clock import to_second
from geodata.base.problems import Refusal
from geodata.people.audit import last_change
from geodata.people.scope import ENTITY_LABELS


@dataclass(frozen=True)
class Change:
    """One record changed: its new version and the fields old → new (empty when nothing differed)."""

    entity: str
    code: str
    version: int
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)


def jsonable(v: Any) -> Any:
    """A stored value as an event or a message carries it (dates as ISO text)."""
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def stored(row: Any, name: str) -> Any:
    """A column's value, lists copied (so that a later change of the row does not change what was read)."""
    v = getattr(row, name)
    return list(v) if isinstance(v, list) else v


def _blank(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) or \
        (isinstance(v, str) and v == "")


def _said(value: Any, lang: str) -> str:
    """A field value inside a conflict message (blank and yes/no in words)."""
    if _blank(value):
        return "（空）" if lang == "zh" else "(empty)"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    return str(jsonable(value))


class Conflict(Refusal):
    """A save based on a stale read: the record was changed by someone else since it was read.

    `fields` maps each field of the refused save to (yours, theirs): the value this save wanted and the value
    stored now; `changed_by`/`changed_at` come from the record's latest event in the log. When the save said what
    the person's form was filled with (`read`), `meanwhile` names every one of those fields someone else changed
    since — (value read, value now) — and the message lists them (with `labels`: field → (Chinese, English)): a
    save of the night staff is refused because the status changed, and the person sees that it was the status."""

    def __init__(self, entity: str, code: str, *, expected_version: int, current_version: int | None,
                 changed_by: str | None, changed_at: dt.datetime | None, fields: dict[str, tuple[Any, Any]],
                 read: dict[str, Any] | None = None, meanwhile: dict[str, tuple[Any, Any]] | None = None,
                 labels: Mapping[str, tuple[str, str]] | None = None) -> None:
        self.entity, self.code = entity, code
        self.expected_version, self.current_version = expected_version, current_version
        self.changed_by, self.changed_at = changed_by, changed_at
        self.fields = fields
        self.read = read or {}
        self.meanwhile = meanwhile or {}
        zh, en = ENTITY_LABELS.get(entity, (entity, entity))
        who, when = changed_by or "他人", to_second(changed_at, blank="?")
        self.message_zh = f"{zh} {code} 已被 {who} 于 {when} 修改，您的修改未保存（请核对双方的值后重试）"
        self.message_en = (f"{en} {code} was changed by {changed_by or 'someone else'} at {when}: your change was not "
                           f"saved (compare both values and try again)")
        if self.meanwhile:
            names = labels or {}
            self.message_zh += "；其间改动：" + "，".join(
                f"{names[k][0] if k in names else k} {_said(a, 'zh')} → {_said(b, 'zh')}"
                for k, (a, b) in self.meanwhile.items())
            self.message_en += "; changed meanwhile: " + ", ".join(
                f"{names[k][1] if k in names else k} {_said(a, 'en')} → {_said(b, 'en')}"
                for k, (a, b) in self.meanwhile.items())
        super().__init__(self.message_zh, self.message_en)

    @property
    def differing(self) -> dict[str, tuple[Any, Any]]:
        return {k: v for k, v in self.fields.items() if v[0] != v[1]}


class BulkConflict(Refusal):
    """Several rows of one bulk save were stale: nothing was saved."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        super().__init__(f"{len(conflicts)} 条记录已被他人修改，全部未保存",
                         f"{len(conflicts)} record(s) changed by someone else: nothing saved",
                         [c.problem for c in conflicts], detail="\n".join(str(c) for c in conflicts[:20]))


def changed_meanwhile(read: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose stored value is no longer the one read: (read, now)."""
    return {k: (v, current.get(k)) for k, v in read.items()
            if not (_blank(v) and _blank(current.get(k))) and v != current.get(k)}


def conflict_from_fresh_read(session: Session, model: type, entity: str, code: str, expected: int,
                             wanted: Mapping[str, Any], *, read: Mapping[str, Any] | None = None,
                             labels: Mapping[str, tuple[str, str]] | None = None) -> Conflict:
    """Build the Conflict of a stale save of record `code` (a row of `model`) from a fresh read: the caller's
    transaction may be unusable after a failed flush. `wanted`: the values the save tried to write; `read`: the
    values the person's form was filled with, already parsed like a save's, to name what others changed since."""
    seen = dict(read or {})
    with Session(session.get_bind()) as fresh:
        row = fresh.execute(select(model).where(model.code == code)).scalar_one_or_none()
        last = last_change(fresh, entity, code)
        names = dict.fromkeys([*wanted, *seen])
        current = {k: stored(row, k) if row is not None and hasattr(row, k) else None for k in names}
        return Conflict(entity, code, expected_version=expected, current_version=row.version if row else None,
                        changed_by=last[0] if last else None, changed_at=last[1] if last else None,
                        fields={k: (wanted[k], current[k]) for k in wanted},
                        read=seen, meanwhile=changed_meanwhile(seen, current), labels=labels)
