"""XLSX ledgers of the gates (issue 15 part 3): the entry log of a day (进出登记表) and the household pass register
(通行证台账) with Chinese headers; the pass register imported where offices keep it in Excel. Every cell goes
through loaders.cells (formula text neutralised on the way out, the quote removed on the way in); every read and
write is checked in geodata.fieldwork.

    python -m loaders gate-export OUT.xlsx --ledger entries|passes [--scope CODE] [--on YYYY-MM-DD] [--as USER]
    python -m loaders gate-import FILE.xlsx [--as USER]          (the pass register)
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd

from geodata.base.problems import Refusal
from geodata.fieldwork import entries, passes
from geodata.people.audit import log_view
from geodata.store.db import Store
from geodata.store.hierarchy import unit_by_code
from geodata.store.writes import Actor, write
from loaders import cells
from loaders.readers.table import read_table

#: ledger → (sheet name, {canonical column: Chinese header})
LEDGERS: dict[str, tuple[str, dict[str, str]]] = {
    "entries": ("进出登记表", {"checkpoint_code": "卡点编码", "checkpoint_name": "卡点名称", "at": "时间",
                          "direction": "进出", "subject": "人员/车辆", "resident": "住户/外来", "temperature": "体温",
                          "fever": "发热", "pass_no": "通行证号", "note": "备注", "recorded_by": "登记人",
                          "code": "记录编码"}),
    "passes": ("通行证台账", {"number": "通行证号", "household_code": "户编码", "building_name": "楼栋",
                         "room": "房号", "status": "状态", "issued_on": "发放日期", "issued_by": "发放人",
                         "revoked_at": "作废时间", "revoke_reason": "作废原因", "replaces": "补发自",
                         "last_exit": "最近外出"}),
}
WORDS = {"direction": {k: v[0] for k, v in entries.DIRECTIONS.items()},
         "subject": {k: v[0] for k, v in entries.SUBJECTS.items()},
         "resident": {True: "住户", False: "外来"}, "fever": {True: "是", False: "否"},
         "status": {k: v[0] for k, v in passes.STATUS_WORDS.items()}}


def _path(store: Store, actor: Actor, scope_code: str | None) -> str | None:
    if not scope_code:
        return actor.scope_path
    with store.read() as s:
        return unit_by_code(s, scope_code).path


def ledger_frame(store: Store, actor: Actor, ledger: str, scope_code: str | None = None, *,
                 on: dt.date | None = None) -> pd.DataFrame:
    """The ledger under `scope_code` (default: the person's scope) as the sheet shows it: Chinese headers, words
    for codes, times to the minute."""
    path = _path(store, actor, scope_code)
    with store.read() as s:
        if ledger == "entries":
            frame = entries.entry_log(s, actor, on or dt.date.today(), path)
            frame["at"] = pd.to_datetime(frame["at"]).dt.strftime("%Y-%m-%d %H:%M")
        elif ledger == "passes":
            frame = passes.passes_in(s, actor, path)
            for col in ("revoked_at", "last_exit"):
                frame[col] = pd.to_datetime(frame[col]).dt.strftime("%Y-%m-%d %H:%M")
        else:
            raise ValueError(f"未知台账 {ledger} / unknown ledger {ledger}: {', '.join(LEDGERS)}")
    for col, words in WORDS.items():
        if col in frame:
            frame[col] = frame[col].map(lambda v, w=words: w.get(v, v))
    headers = LEDGERS[ledger][1]
    return frame.reindex(columns=list(headers)).rename(columns=headers)


#: one writer for every ledger sheet (loaders.cells)
write_xlsx = cells.write_table


def export_ledger(store: Store, actor: Actor, ledger: str, out: Path, scope_code: str | None = None, *,
                  on: dt.date | None = None) -> int:
    """Write the ledger to `out` (XLSX) and log the export (who, what, where, how many rows)."""
    frame = ledger_frame(store, actor, ledger, scope_code, on=on)
    write_xlsx(frame, LEDGERS[ledger][0], out)
    log_view(store, actor, f"export:gate_{ledger}", scope_code, _path(store, actor, scope_code), rows=len(frame))
    return len(frame)


def read_register(path: Path) -> pd.DataFrame:
    """An office's pass register (XLSX/CSV, Chinese or canonical headers) → number, household_code, issued_on,
    status and `row` (the row a person sees in the file), read like every office ledger (title, total and footer
    rows skipped, GBK CSV, bombs refused, protective quotes removed)."""
    frame = read_table(path, {code: [zh] for code, zh in LEDGERS["passes"][1].items()})
    return frame.reindex(columns=["number", "household_code", "issued_on", "status", "row"])


def import_register(store: Store, actor: Actor, path: Path) -> dict[str, int]:
    """Import a pass register: all rows or none (geodata refuses by row, and checks scope at both places)."""
    frame = read_register(path)
    return write(store, actor, lambda ctx: passes.import_passes(ctx, frame))


def add_parser(sub: argparse._SubParsersAction, actor_of, store_of) -> None:  # noqa: ANN001 — the CLI's helpers
    """Register gate-export and gate-import on the CLI (loaders/cli.py build_parser)."""
    p = sub.add_parser("gate-export", help="导出进出登记表或通行证台账 XLSX / export the gate log or pass register")
    p.add_argument("out")
    p.add_argument("--ledger", required=True, choices=list(LEDGERS))
    p.add_argument("--scope", help="unit code (a grid, community, street …); default: the user's scope")
    p.add_argument("--on", type=dt.date.fromisoformat, help="entries: the day (YYYY-MM-DD, default today)")
    p.add_argument("--db")
    p.add_argument("--as", dest="as_user")

    def run_export(args: argparse.Namespace) -> int:
        store = store_of(args)
        try:
            n = export_ledger(store, actor_of(store, args.as_user), args.ledger, Path(args.out), args.scope,
                              on=args.on)
        except Refusal as exc:
            print(f"{exc.message_zh} / {exc.message_en}")
            return 1
        print(f"已导出 / exported {n:,} 行 rows of {args.ledger} → {args.out}")
        return 0

    p.set_defaults(fn=run_export)
    q = sub.add_parser("gate-import", help="导入通行证台账 / import a household pass register")
    q.add_argument("path")
    q.add_argument("--db")
    q.add_argument("--as", dest="as_user")

    def run_import(args: argparse.Namespace) -> int:
        store = store_of(args)
        try:
            counts = import_register(store, actor_of(store, args.as_user), Path(args.path))
        except Refusal as exc:
            print(str(exc))
            return 1
        print(f"已导入 / imported: {counts}")
        return 0

    q.set_defaults(fn=run_import)
