"""What every edit on a page shares: run a geodata write, show its refusal plainly, and keep a conflict on screen
with both values until the person decides.

- `save(...)` runs one write; any refusal (PermissionDenied, Rejected with every problem, an unknown code) is
  shown by `dashboard.components.refusals.show_refusal` and the function returns None.
- A `Conflict` ("已被 X 于 T 修改") is remembered in `st.session_state` with the values the person wanted, so the
  next runs show field / your value / current value and two buttons: save mine on the current version, or
  discard mine. Nothing is overwritten without that second, explicit save.
- `person_list(...)` reads a person-level list once per data version (each read is a logged view in geodata;
  re-running the page for a click elsewhere is not a new view of the same data).
- `hold(...)` / `save_held(...)`: a form that edits one record is filled from the record as read when it was first
  shown, and saved against THAT version with only the fields the person changed. A Streamlit page re-runs for
  every click, map move or refresh; a form that re-read the version on each run would save over whatever someone
  else saved in between without a conflict, and a form that started from default values (0 night staff, 24 h
  ticked) would write those defaults back over the record. The read is kept until a successful save of that
  record, an explicit reload, or picking another record.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.components.edit_text import plain
from dashboard.components.refusals import show_refusal
from dashboard.i18n import t
from geodata.base.problems import Refusal
from geodata.editing import records as editing
from geodata.editing.fields import FIELDS
from geodata.store.writes import Actor, write

_CONFLICT = "gw_conflict"
_LISTS = "gw_person_lists"
_HELD = "gw_held"


def save(store: Any, actor: Actor, fn: Callable[[Any], Any], *, lang: str, retry: dict[str, Any] | None = None
         ) -> Any:
    """Run `fn(ctx)` as one write. On a Conflict, `retry` (entity, code, changes, reason) is kept so that the
    person can save their values again on the current version."""
    try:
        done = write(store, actor, fn)
    except editing.Conflict as c:
        st.session_state[_CONFLICT] = {"conflicts": [_as_dict(c)], "retry": retry}
        st.rerun()  # the conflict panel sits at the top of the page: show it now
    except editing.BulkConflict as b:
        st.session_state[_CONFLICT] = {"conflicts": [_as_dict(c) for c in b.conflicts], "retry": None}
        st.rerun()
    except Refusal as exc:  # scope, validation, unknown code: shown, nothing was written
        show_refusal(exc, lang)
    else:
        for entity, code in _changed(done):
            release_record(entity, code)  # the forms of what was saved start again from the stored record
        return done
    return None


def _changed(result: Any) -> set[tuple[str, str]]:
    """(entity, code) of every record a write result says it changed (a Change, a list of them, a Reshape)."""
    items = result if isinstance(result, list) else getattr(result, "changes", [result])
    return {(c.entity, c.code) for c in items if isinstance(c, editing.Change)}


def _as_dict(c: editing.Conflict) -> dict[str, Any]:
    return {"entity": c.entity, "code": c.code, "refusal": c,
            "version": c.current_version, "fields": c.fields, "read": c.read, "meanwhile": c.meanwhile}


def _conflict_rows(c: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """field, value when read, your value, current value: the fields of the save and those changed meanwhile
    (a field the person left alone has no value of theirs: it is not saved)."""
    fields, read, meanwhile = c["fields"], c.get("read") or {}, c.get("meanwhile") or {}
    rows = []
    for name in dict.fromkeys([*fields, *meanwhile]):
        yours = fields[name][0] if name in fields else None
        current = fields[name][1] if name in fields else meanwhile[name][1]
        rows.append((name, _shown(read.get(name)), _shown(yours), _shown(current)))
    return rows


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
            show_refusal(c["refusal"], lang, level="warning")
            table = pd.DataFrame(_conflict_rows(c), columns=[
                t("mg.conflict_field", lang), t("mg.conflict_read", lang), t("mg.conflict_yours", lang),
                t("mg.conflict_theirs", lang)])
            st.dataframe(table, hide_index=True)
        retry = pending.get("retry")
        left, right = st.columns(2)
        if retry and len(pending["conflicts"]) == 1 and left.button(t("mg.conflict_keep_mine", lang),
                                                                     key="gw-conflict-mine"):
            conflict = pending["conflicts"][0]
            # only the person's own changes, on the version they have now seen: nobody else's field is undone
            now = {k: theirs for k, (_, theirs) in conflict["fields"].items()}
            now |= {k: current for k, (_, current) in (conflict.get("meanwhile") or {}).items()}
            st.session_state.pop(_CONFLICT, None)
            done = save(store, actor, lambda ctx: editing.update_record(
                ctx, retry["entity"], retry["code"], retry["changes"], expected_version=conflict["version"],
                reason=retry.get("reason"), read=now), lang=lang, retry=retry)
            if done is not None:
                st.rerun()
        if right.button(t("mg.conflict_take_theirs", lang), key="gw-conflict-theirs"):
            st.session_state.pop(_CONFLICT, None)
            for c in pending["conflicts"]:
                release_record(c["entity"], c["code"])  # the form shows the stored record again
            st.rerun()


def person_list(kind: str, code: str, version: int, actor: Actor, read: Callable[[], pd.DataFrame],
                lang: str) -> pd.DataFrame | None:
    """A person-level list of `code`, read (and logged by geodata) once per data version; None when refused."""
    memo: dict[tuple, pd.DataFrame] = st.session_state.setdefault(_LISTS, {})
    key = (kind, code, version, actor.username)
    if key not in memo:
        try:
            frame = read()
        except Refusal as exc:
            show_refusal(exc, lang)
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


# --- forms that edit one record -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """One record as a form read it when it was first shown: the version its save is checked against and the
    value of each field the form started from."""

    entity: str
    code: str
    version: int
    values: dict[str, Any]

    def changes(self, entered: Mapping[str, Any]) -> dict[str, Any]:
        """The fields whose entered value differs from the value read (a field left alone is not written)."""
        return {k: _entered(v) for k, v in entered.items() if not same(self.values.get(k), _entered(v))}


def same(a: Any, b: Any) -> bool:
    """Equal as field values: blanks (None, NaN, NA, "") are one value, 4 and 4.0 are one value."""
    def blank(v: Any) -> bool:
        return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) or v == ""

    if blank(a) or blank(b):
        return blank(a) and blank(b)
    try:
        return bool(a == b) or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and float(a) == float(b))
    except (TypeError, ValueError):
        return False


def _entered(value: Any) -> Any:
    return None if isinstance(value, str) and value == "" else value


def _field_kind(entity: str, name: str) -> str | None:
    f = FIELDS.get(entity, {}).get(name)
    return f.kind if f is not None else None


def form_value(entity: str, name: str, value: Any) -> Any:
    """A value read from a frame (numpy and pandas scalars, 0/1 booleans from SQLite) as a widget holds it."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar → Python
    kind = _field_kind(entity, name)
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if isinstance(value, list):
        return list(value)
    return value


def _widget_value(entity: str, name: str, value: Any) -> Any:
    """What a widget is filled with: text widgets hold "" for an empty field."""
    if value is None and _field_kind(entity, name) in ("text", "phone", "id_number", "gender"):
        return ""
    return value


def held(form: str) -> Held | None:
    return st.session_state.get(_HELD, {}).get(form)


def pick_index(form: str, options: list[Any]) -> int:
    """The picker's position of the record the form holds (0 when it holds none of `options`): coming back to
    a section shows the record the person was editing, not the first one."""
    h = held(form)
    return options.index(h.code) if h is not None and h.code in options else 0


def hold(form: str, entity: str, code: str, row: Mapping[str, Any], widgets: Mapping[str, str]) -> Held:
    """The record `code` as `form` first read it; call before the form's widgets.

    `row` is the record as read on this run (with its `version`) and `widgets` maps each field the form edits to
    its widget key. The first time the form shows this record (or after `release`), the version and the values
    are taken from `row` and written into the widgets' state, so the form starts from the record — never from a
    widget's default. Later runs keep both: the save is checked against the version read then, however many
    times the page has re-run since. A widget whose state Streamlit dropped (the section was closed meanwhile)
    is filled again from the held values."""
    forms: dict[str, Held] = st.session_state.setdefault(_HELD, {})
    h = forms.get(form)
    fresh = h is None or (h.entity, h.code) != (entity, code)
    if fresh:
        h = Held(entity, code, int(row["version"]), {f: form_value(entity, f, row[f]) for f in widgets})
        forms[form] = h
    for name, key in widgets.items():
        if fresh or key not in st.session_state:
            st.session_state[key] = _widget_value(entity, name, h.values[name])
    return h


def release(form: str) -> None:
    """Forget what `form` read: its next run reads the record again (the explicit reload)."""
    st.session_state.get(_HELD, {}).pop(form, None)


def release_record(entity: str, code: str) -> None:
    """Forget every form's read of one record: after it was saved from this session, or the person discarded
    their change in a conflict."""
    forms: dict[str, Held] = st.session_state.get(_HELD, {})
    for form in [f for f, h in forms.items() if (h.entity, h.code) == (entity, code)]:
        forms.pop(form, None)


def reload_button(form: str, h: Held, lang: str) -> None:
    """Which version the form holds, and a button to read the record again (dropping what was typed)."""
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(t("mg.held", lang, code=plain(h.code), version=h.version))
    if right.button(t("mg.reload", lang), key=f"{form}-reload"):
        release(form)
        st.rerun()


def save_held(store: Any, actor: Actor, h: Held, entered: Mapping[str, Any], *, lang: str,
              reason: str | None = None, along: Mapping[str, Any] | None = None) -> Any:
    """Save the fields of `entered` that differ from what `h` read, against the version `h` read: a save by
    someone else in between is a Conflict (shown with what they changed), and a field the person left alone is
    never written. `along`: values sent with any change but not compared (a control state's reason).
    Returns the Change, or None (nothing changed, refused, or a conflict shown)."""
    changes = h.changes(entered)
    if not changes:
        st.info(t("mg.nothing", lang))
        return None
    changes |= dict(along or {})
    return save(store, actor, lambda ctx: editing.update_record(
        ctx, h.entity, h.code, changes, expected_version=h.version, reason=reason, read=h.values), lang=lang,
        retry={"entity": h.entity, "code": h.code, "changes": changes, "reason": reason})
