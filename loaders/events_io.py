"""The event ledger and the patrol log in and out of Excel (issue 15): XLSX with Chinese headers, and an office's
event ledger (事件台账) read from XLSX/CSV into the store.

    python -m loaders events export OUT.xlsx [--scope CODE] [--days N] [--as USER]
    python -m loaders events import FILE [--as USER]

Every cell goes through loaders.cells (formula text neutralised on the way out, its quote removed on the way in);
the reads and the import are geodata's (geodata.fieldwork.events / patrols), scoped to the acting user, all or
nothing, every problem named by row.
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from geodata.base.clock import to_minute
from geodata.base.problems import Refusal
from geodata.fieldwork import events, patrols
from geodata.store.db import Store
from geodata.store.hierarchy import unit_by_code
from geodata.store.writes import Actor, write
from loaders import cells
from loaders.readers.table import read_table

PATROL_HEADERS = {"code": "巡查编号", "grid_code": "网格编码", "grid_name": "网格", "patrol_date": "日期",
                  "started_at": "开始时间", "ended_at": "结束时间", "recorded_by": "巡查人", "places": "巡查地点",
                  "notes": "巡查记录", "findings": "发现问题数"}
WORDS = {"kind": events.KINDS, "urgency": events.URGENCIES, "status": events.STATUSES}


def _local(value: object) -> object:
    """A stored time as the local minute for the sheet; anything else (a date, a text, a hole) as it is."""
    if isinstance(value, dt.datetime) and not pd.isna(value):
        return to_minute(value)
    return value


def _sheet(wb: Workbook, title: str, frame: pd.DataFrame, headers: dict[str, str]) -> None:
    ws = wb.create_sheet(title)
    cells.append(ws, headers.values())
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in frame.reindex(columns=list(headers)).itertuples(index=False):
        cells.append(ws, [None if (v is None or (isinstance(v, float) and v != v)) else v for v in row])
    ws.freeze_panes = "A2"


def ledger_workbook(store: Store, actor: Actor, scope_code: str | None = None, days: int = 30) -> Workbook:
    """事件台账 (every event of the scope logged or closed in the last `days` days, open ones whatever their age)
    and 巡查日志 (the patrols of those days), Chinese headers and words, times local."""
    today = dt.date.today()
    since, _ = events.day_bounds(today - dt.timedelta(days=days - 1))
    with store.read() as s:
        path = unit_by_code(s, scope_code).path if scope_code else None
        frame = events.events_frame(s, actor, path, limit=1_000_000)
        log = patrols.patrol_log(s, actor, today - dt.timedelta(days=days - 1), today, path)
    frame = frame[(frame["status"] == "open") | (frame["reported_at"] >= since) | (frame["closed_at"] >= since)]
    frame = frame.copy()
    for col, terms in WORDS.items():
        frame[col] = frame[col].map(lambda k, t=terms: t.get(k, (k, k))[0])
    frame["tier"] = frame["tier"].map(lambda k: events.TIERS[k].zh if k in events.TIERS else k)
    frame["handler_level"] = frame["handler_level"].map(lambda k: events.LEVEL_NAMES.get(k, (k, k))[0])
    frame["overdue"] = frame["overdue"].map(lambda v: "是" if v else "否")
    for col in ("reported_at", "due_at", "closed_at"):
        frame[col] = frame[col].map(_local)
    for col in ("started_at", "ended_at"):
        log[col] = log[col].map(_local)
    log["patrol_date"] = log["patrol_date"].map(lambda d: d.isoformat() if hasattr(d, "isoformat") else d)
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "事件台账", frame, events.LEDGER_HEADERS)
    _sheet(wb, "巡查日志", log, PATROL_HEADERS)
    return cells.harden(wb)


def read_ledger(path: Path) -> list[dict]:
    """The rows of an event ledger (XLSX: the best-matching sheet, 事件台账 in our own exports; CSV in UTF-8 or GBK),
    read like every office ledger (title, total and footer rows skipped, bombs refused, protective quotes removed),
    as {field: value} with `row`, the row a person sees in the file."""
    frame = read_table(path, {name: [zh] for name, zh in events.LEDGER_HEADERS.items()})
    return frame.to_dict("records")


def import_file(store: Store, actor: Actor, path: Path) -> list[str]:
    records = read_ledger(path)
    return write(store, actor, lambda ctx: events.import_ledger(ctx, records))


def cmd_events(args: argparse.Namespace, actor_for, store_for) -> int:
    store = store_for(args)
    actor = actor_for(store, args.as_user)
    try:
        if args.events_cmd == "export":
            out = cells.save_workbook(ledger_workbook(store, actor, args.scope, args.days), Path(args.out))
            print(f"已导出 / exported → {out}")
        else:
            codes = import_file(store, actor, Path(args.path))
            print(f"已导入 / imported {len(codes)} 件事件 events")
    except Refusal as exc:
        print(f"{exc}")
        for p in getattr(exc, "problems", [])[:50]:
            print(f"  {p}")
        return 1
    return 0


def add_parser(sub, actor_for, store_for) -> None:
    p = sub.add_parser("events", help="事件台账和巡查日志 / the event ledger and the patrol log (XLSX)")
    esub = p.add_subparsers(dest="events_cmd", required=True)
    e = esub.add_parser("export", help="导出事件台账和巡查日志 / export the event ledger and patrol log")
    e.add_argument("out")
    e.add_argument("--scope", help="unit code (default: the acting user's scope)")
    e.add_argument("--days", type=int, default=30)
    i = esub.add_parser("import", help="导入事件台账 / import an event ledger (XLSX/CSV)")
    i.add_argument("path")
    for q in (e, i):
        q.add_argument("--db", help="database URL (default: $DATABASE_URL or data/gridwatch.sqlite)")
        q.add_argument("--as", dest="as_user", help="act as this user (their scope and permissions apply)")
        q.set_defaults(fn=lambda args: cmd_events(args, actor_for, store_for))
