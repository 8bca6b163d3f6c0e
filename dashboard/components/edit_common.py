"""What every edit on a page shares: run a geodata write, show its refusal plainly, and keep a conflict on screen
with both values until the person decides.

- `save(...)` runs one write; a PermissionDenied, a Rejected (every problem, with its row and field) or a conflict
  is shown in the reader's language and the function returns None.
- A `Conflict` ("已被 X 于 T 修改") is remembered in `st.session_state` with the values the person wanted, so the
  next runs show field / your value / current value and two buttons: save mine on the current version, or
  discard mine. Nothing is overwritten without that second, explicit save.
- `person_list(...)` reads a person-level list once per data version (each read is a logged view in geodata;
  re-running the page for a click elsewhere is not a new view of the same data).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.components.edit_text import both, plain
from dashboard.i18n import t
from geodata import editing
from geodata.hierarchy import UnknownUnit
from geodata.problems import Rejected
from geodata.scope import PermissionDenied
from geodata.writes import Actor, write

_CONFLICT = "gw_conflict"
_LISTS = "gw_person_lists"


def refusal(exc: Exception, lang: str) -> None:
    """Show a refusal from geodata (scope, validation, unknown code) as plain text."""
    if isinstance(exc, PermissionDenied):
        st.error(t("mg.refused", lang) + both(exc.message_zh, exc.message_en, lang))
    elif isinstance(exc, Rejected):
        lines = []
        for p in exc.problems:
            where = f"{p.row}: " if p.row is not None else ""
            lines.append("- " + plain(where + (p.message_en if lang == "en" else p.message_zh)))
        st.error("\n".join(lines) or plain(str(exc)))
    elif isinstance(exc, UnknownUnit):
        st.error(plain(str(exc)))
    else:
        raise exc


def save(store: Any, actor: Actor, fn: Callable[[Any], Any], *, lang: str, retry: dict[str, Any] | None = None
         ) -> Any:
    """Run `fn(ctx)` as one write. On a Conflict, `retry` (entity, code, changes, reason) is kept so that the
    person can save their values again on the current version."""
    try:
        return write(store, actor, fn)
    except (PermissionDenied, Rejected, UnknownUnit) as exc:
        refusal(exc, lang)
    except editing.Conflict as c:
        st.session_state[_CONFLICT] = {"conflicts": [_as_dict(c)], "retry": retry}
        st.rerun()  # the conflict panel sits at the top of the page: show it now
    except editing.BulkConflict as b:
        st.session_state[_CONFLICT] = {"conflicts": [_as_dict(c) for c in b.conflicts], "retry": None}
        st.rerun()
    return None


def _as_dict(c: editing.Conflict) -> dict[str, Any]:
    return {"entity": c.entity, "code": c.code, "zh": c.message_zh, "en": c.message_en,
            "version": c.current_version, "fields": c.fields}


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def pending_conflict(store: Any, actor: Actor, lang: str) -> None:
    """The conflict of the last save, if any: message, both values per field, and the two ways out."""
    pending = st.session_state.get(_CONFLICT)
    if not pending:
        return
    with st.container(border=True, key="gw-conflict"):
        st.error(t("mg.conflict_title", lang))
        for c in pending["conflicts"]:
            st.warning(both(c["zh"], c["en"], lang))
            table = pd.DataFrame(
                [(name, _shown(yours), _shown(theirs)) for name, (yours, theirs) in c["fields"].items()],
                columns=[t("mg.conflict_field", lang), t("mg.conflict_yours", lang), t("mg.conflict_theirs", lang)])
            st.dataframe(table, hide_index=True)
        retry = pending.get("retry")
        left, right = st.columns(2)
        if retry and len(pending["conflicts"]) == 1 and left.button(t("mg.conflict_keep_mine", lang),
                                                                     key="gw-conflict-mine"):
            version = pending["conflicts"][0]["version"]
            st.session_state.pop(_CONFLICT, None)
            done = save(store, actor, lambda ctx: editing.update_record(
                ctx, retry["entity"], retry["code"], retry["changes"], expected_version=version,
                reason=retry.get("reason")), lang=lang, retry=retry)
            if done is not None:
                st.rerun()
        if right.button(t("mg.conflict_take_theirs", lang), key="gw-conflict-theirs"):
            st.session_state.pop(_CONFLICT, None)
            st.rerun()


def person_list(kind: str, code: str, version: int, actor: Actor, read: Callable[[], pd.DataFrame],
                lang: str) -> pd.DataFrame | None:
    """A person-level list of `code`, read (and logged by geodata) once per data version; None when refused."""
    memo: dict[tuple, pd.DataFrame] = st.session_state.setdefault(_LISTS, {})
    key = (kind, code, version, actor.username)
    if key not in memo:
        try:
            frame = read()
        except (PermissionDenied, Rejected, UnknownUnit) as exc:
            refusal(exc, lang)
            return None
        for old in [k for k in memo if k[:2] == key[:2] or k[2] != version]:
            memo.pop(old, None)
        memo[key] = frame
    return memo[key]


def text_table(frame: pd.DataFrame, columns: dict[str, str], *, key: str | None = None, height: int | str = "auto",
               select: bool = False) -> Any:
    """A read-only table of `columns` (name → heading): values are shown as text, never as Markdown or HTML."""
    shown = frame[[c for c in columns if c in frame.columns]].copy()
    for c in shown.columns:
        if shown[c].dtype == object:
            shown[c] = shown[c].map(_shown)
    shown = shown.rename(columns=columns)
    if select:
        return st.dataframe(shown, hide_index=True, key=key, height=height, on_select="rerun",
                            selection_mode="single-row")
    return st.dataframe(shown, hide_index=True, key=key, height=height)
