"""The field pages' ledgers in and out of Excel (issue 15 gaps 2–3): one download button per ledger (XLSX, Chinese
headers) and one upload form per ledger that offices keep in Excel.

Both go through the CLI's own loaders modules (loaders.events_io, gate_io, care_io, screening_io, followups): the
workbook a page hands out is the one `python -m loaders … export` writes, and an upload is read by the same
office-ledger reader (loaders/readers/table.py, never bare pandas) and written by the same geodata import
function. This is one of the few dashboard modules that may reach into loaders (tests/test_layering.py
DASHBOARD_USES_LOADERS); the loaders are imported inside the functions that render a button, so a page that
shows no button loads none of them.

Who sees a button is the action table's answer (`authority.allowed` on the ledger's read action for a download,
on its write actions for an upload); geodata checks again on every read and row. Every download is logged like a
person-level view (`log_view`, what = "export:<ledger>", with its row count) when it is generated, i.e. when the
button is pressed.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard import auth, state
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from geodata.base.problems import Refusal
from geodata.people import authority
from geodata.people.audit import log_view
from geodata.store.db import Store
from geodata.store.hierarchy import unit_by_code
from geodata.store.writes import Actor

extend({
    "fl.download": ("下载{what}（XLSX）", "Download {what} (XLSX)"),
    "fl.upload": ("从 Excel 导入{what}", "Import {what} from Excel"),
    "fl.upload.file": ("选择 Excel（.xlsx）或 CSV 文件", "Choose an Excel (.xlsx) or CSV file"),
    "fl.upload.go": ("导入", "Import"),
    "fl.upload.hint": ("整表导入：有任何一行不合格则全部不写入，并逐行说明原因。",
                       "All or nothing: if any row is refused nothing is written, and each row says why."),
    "fl.upload.done": ("已导入{what}：{counts}", "{what} imported: {counts}"),
    "fl.ledger.events": ("事件台账和巡查日志", "the event ledger and patrol log"),
    "fl.ledger.event_import": ("事件台账", "an event ledger"),
    "fl.ledger.gate_entries": ("今日进出登记表", "today's entry log"),
    "fl.ledger.gate_passes": ("通行证台账", "the pass register"),
    "fl.ledger.care_list": ("关爱名单", "the care list"),
    "fl.ledger.care_visits": ("探访送达记录", "the visits and deliveries"),
    "fl.ledger.places": ("场所清单", "the places list"),
    "fl.ledger.unowned": ("无主小区台账", "the unowned-compound ledger"),
    "fl.ledger.screening": ("摸排结果", "the round's results"),
    "fl.ledger.followups": ("随访处置台账", "the follow-up ledger"),
})

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Export:
    """A ledger a page hands out: who may (the read action geodata checks on it) and how it is built."""

    read: str
    stem: str  # the file name's Chinese stem
    build: Callable[[Store, Actor, str, dt.date, str | None], tuple[bytes, int]]  # → (xlsx bytes, rows)


def _via_file(write: Callable[[Path], int]) -> tuple[bytes, int]:
    """Run a loaders writer that writes to a path, and hand back the file's bytes and its row count."""
    with tempfile.TemporaryDirectory(prefix="gridwatch-export-") as folder:
        out = Path(folder) / "ledger.xlsx"
        rows = write(out)
        return out.read_bytes(), rows


def _events(store: Store, actor: Actor, code: str, on: dt.date, _round: str | None) -> tuple[bytes, int]:
    from loaders import cells
    from loaders.events_io import ledger_workbook

    wb = ledger_workbook(store, actor, code)
    return cells.workbook_bytes(wb), sum(max(ws.max_row - 1, 0) for ws in wb.worksheets)


def _gate(ledger: str) -> Callable[..., tuple[bytes, int]]:
    def build(store: Store, actor: Actor, code: str, on: dt.date, _round: str | None) -> tuple[bytes, int]:
        from loaders.gate_io import LEDGERS, ledger_frame, write_xlsx

        frame = ledger_frame(store, actor, ledger, code, on=on)
        return _via_file(lambda out: (write_xlsx(frame, LEDGERS[ledger][0], out), len(frame))[1])
    return build


def _care(ledger: str) -> Callable[..., tuple[bytes, int]]:
    def build(store: Store, actor: Actor, code: str, on: dt.date, _round: str | None) -> tuple[bytes, int]:
        from loaders.care_io import LEDGERS, ledger_frame, write_xlsx

        frame = ledger_frame(store, actor, ledger, code, on=on)
        return _via_file(lambda out: (write_xlsx(frame, LEDGERS[ledger][0], out), len(frame))[1])
    return build


def _screening(store: Store, actor: Actor, code: str, on: dt.date, round_code: str | None) -> tuple[bytes, int]:
    from loaders import cells
    from loaders.screening_io import results_workbook

    wb = results_workbook(store, actor, str(round_code))
    return cells.workbook_bytes(cells.harden(wb)), max(wb["走访记录"].max_row - 1, 0)


def _followups(store: Store, actor: Actor, code: str, on: dt.date, _round: str | None) -> tuple[bytes, int]:
    from loaders.followups import ledger_frames, write_ledger_xlsx

    frames = ledger_frames(store, actor, code)
    return _via_file(lambda out: (write_ledger_xlsx(frames, out), sum(len(f) for f in frames.values()))[1])


#: ledger → how it is handed out. The read action is the one geodata's read of that ledger requires.
EXPORTS: dict[str, Export] = {
    "events": Export("event.read", "事件台账", _events),
    "gate_entries": Export("gate.read", "进出登记表", _gate("entries")),
    "gate_passes": Export("pass.read", "通行证台账", _gate("passes")),
    "care_list": Export("care.read", "关爱名单", _care("care_list")),
    "care_visits": Export("care.read", "探访送达记录", _care("care_visits")),
    "places": Export("page.places", "场所清单", _care("places")),
    "unowned": Export("unowned.edit", "无主小区台账", _care("unowned")),
    "screening": Export("persons.read", "摸排结果", _screening),
    "followups": Export("symptom.follow_up", "随访处置台账", _followups),
}


@dataclass(frozen=True)
class Import:
    """A ledger offices keep in Excel: the actions its rows need (all of them, as geodata checks them)."""

    actions: tuple[str, ...]
    label: str  # the i18n key naming it
    run: Callable[[Store, Actor, Path], object]


def _import_events(store: Store, actor: Actor, path: Path) -> object:
    from loaders.events_io import import_file

    return {"events": len(import_file(store, actor, path))}


def _import_passes(store: Store, actor: Actor, path: Path) -> object:
    from loaders.gate_io import import_register

    return import_register(store, actor, path)


def _import_care(ledger: str) -> Callable[[Store, Actor, Path], object]:
    def run(store: Store, actor: Actor, path: Path) -> object:
        from loaders.care_io import import_ledger

        return import_ledger(store, actor, ledger, path)
    return run


IMPORTS: dict[str, Import] = {
    "events": Import(("event.log",), "fl.ledger.event_import", _import_events),
    "gate_passes": Import(("pass.issue",), "fl.ledger.gate_passes", _import_passes),
    "places": Import(("places.edit", "import"), "fl.ledger.places", _import_care("places")),
    "unowned": Import(("unowned.edit", "import"), "fl.ledger.unowned", _import_care("unowned")),
}


def may_export(actor: Actor | None, ledger: str, path: str | None) -> bool:
    return authority.allowed(actor, EXPORTS[ledger].read, path)


def may_import(actor: Actor | None, ledger: str) -> bool:
    return all(authority.allowed(actor, a, actor.scope_path if actor else None) for a in IMPORTS[ledger].actions)


def export_bytes(store: Store, actor: Actor, ledger: str, code: str, *, path: str | None = None,
                 on: dt.date | None = None, round_code: str | None = None) -> bytes:
    """The ledger under unit `code` (a screening round's: `round_code`, at `path`) as XLSX bytes, logged like the
    CLI's exports (who, what, where, how many rows)."""
    spec = EXPORTS[ledger]
    data, rows = spec.build(store, actor, code, on or dt.date.today(), round_code)
    if path is None:
        with store.read() as s:
            path = unit_by_code(s, code).path
    log_view(store, actor, f"export:{ledger}", round_code or code, path, rows=rows)
    return data


def download(actor: Actor | None, ledger: str, lang: str, *, code: str | None = None, path: str | None = None,
             on: dt.date | None = None, round_code: str | None = None, key: str | None = None) -> None:
    """A download button for `ledger` under unit `code` at `path` (default: the person's own unit), for those whose
    role and scope may read it; the file is made (and the export logged) only when the button is pressed."""
    if actor is None:
        return
    store = state.view().store
    if code is None:
        code, path = auth.home_code(), actor.scope_path
    elif path is None:
        try:
            with store.read() as s:
                path = unit_by_code(s, code).path
        except Refusal:  # an unknown code: the page has said so already
            return
    if not code or not may_export(actor, ledger, path):
        return
    stem = EXPORTS[ledger].stem
    day = (on or dt.date.today()).isoformat()
    st.download_button(
        t("fl.download", lang, what=t(f"fl.ledger.{ledger}", lang)),
        data=lambda: export_bytes(store, actor, ledger, code, path=path, on=on, round_code=round_code),
        file_name=f"{stem}-{round_code or code}-{day}.xlsx", mime=XLSX, key=key or f"gw-fl-dl-{ledger}",
        on_click="ignore", icon=":material/download:", use_container_width=True)


def import_upload(store: Store, actor: Actor, ledger: str, name: str, data: bytes) -> object:
    """Read an uploaded ledger with the CLI's reader (under a safe name in a fresh folder: the sender's name is never
    a path) and import it with the CLI's import; a Refusal (unreadable file, a row refused) writes nothing."""
    from loaders.readers.formats import upload_path

    with tempfile.TemporaryDirectory(prefix="gridwatch-upload-") as folder:
        path = upload_path(Path(folder), name)
        path.write_bytes(data)
        return IMPORTS[ledger].run(store, actor, path)


def _counts(result: object, lang: str) -> str:
    if isinstance(result, dict):
        return ("、" if lang != "en" else ", ").join(f"{k} {v}" for k, v in result.items())
    return str(result)


def upload(actor: Actor | None, ledger: str, lang: str, *, key: str | None = None) -> None:
    """An upload form for `ledger`, for those who may take every action its rows need; refusals by row."""
    if actor is None or not may_import(actor, ledger):
        return
    store = state.view().store
    spec = IMPORTS[ledger]
    key = key or f"gw-fl-up-{ledger}"
    with st.expander(t("fl.upload", lang, what=t(spec.label, lang)), icon=":material/upload_file:"):
        st.caption(t("fl.upload.hint", lang))
        with st.form(key, border=False, clear_on_submit=True):
            sent = st.file_uploader(t("fl.upload.file", lang), type=["xlsx", "csv"], key=f"{key}-file")
            go = st.form_submit_button(t("fl.upload.go", lang), use_container_width=True)
        if go and sent is not None:
            try:
                result = import_upload(store, actor, ledger, sent.name, sent.getvalue())
            except Refusal as exc:
                show_refusal(exc, lang)
                return
            st.success(t("fl.upload.done", lang, what=t(spec.label, lang), counts=_counts(result, lang)))
