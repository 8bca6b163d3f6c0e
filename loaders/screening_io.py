"""Screening rounds in and out of Excel (issue 15): a round's results as XLSX with Chinese headers (the report to
the street, every visit, the households not visited) and a returnee list from the district read from XLSX/CSV.

    python -m loaders screening export OUT.xlsx --round CODE [--as USER]
    python -m loaders screening returnees FILE --unit CODE [--purpose TEXT] [--start D] [--end D] [--as USER]

Every cell goes through loaders.cells (formula text neutralised, read back unchanged); the reads and the import
are geodata's, scoped to the acting user.
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from geodata.base.problems import Refusal
from geodata.base.vocab import label
from geodata.fieldwork import returnees, screening
from geodata.store.db import Store
from geodata.store.writes import Actor, write
from loaders import cells
from loaders.readers.table import read_table, read_upload

GRID_HEADERS = {"code": "网格编码", "name": "网格", "households": "登记户数", "visited": "已走访户数", "share": "走访率"}
VISIT_HEADERS = {"visited_on": "走访日期", "grid_name": "网格", "building_name": "楼栋", "household_code": "户编码",
                 "room": "房号", "head_name": "户主姓名", "presence": "在家情况", "returned_from": "从何地返回",
                 "returned_on": "返回日期", "temperature": "体温", "symptoms": "症状", "needs": "需求", "note": "备注",
                 "visited_by": "走访人"}
UNVISITED_HEADERS = {"community": "社区", "grid": "网格", "building": "楼栋", "stair_unit": "单元", "room": "房号",
                     "household": "户编码"}


def _sheet(wb: Workbook, title: str, frame: pd.DataFrame, headers: dict[str, str]) -> None:
    ws = wb.create_sheet(title)
    cells.append(ws, headers.values())
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in frame.reindex(columns=list(headers)).itertuples(index=False):
        cells.append(ws, [None if (v is None or (isinstance(v, float) and v != v)) else v for v in row])


def results_workbook(store: Store, actor: Actor, round_code: str) -> Workbook:
    """The round's results: 报告 (totals and coverage per grid), 走访记录 (every visit), 未走访户."""
    with store.read() as s:
        report = screening.round_report(s, actor, round_code)
        visits = screening.visits_of(s, actor, round_code)
    wb = Workbook()
    ws = wb.active
    ws.title = "报告"
    for k, v in (("摸排轮次", report.code), ("摸排范围", report.unit_name), ("摸排目的", report.purpose),
                 ("开始日期", report.starts_on.isoformat()), ("结束日期", report.ends_on.isoformat()),
                 ("状态", label(screening.STATUSES, report.status)), ("登记户数", report.households),
                 ("已走访户数", report.visited), ("未走访户数", report.households - report.visited),
                 ("走访率", None if report.share is None else round(report.share, 4)),
                 ("外地返回户", report.returned), ("发现症状户", report.flagged), ("有需求户", report.with_needs),
                 ("纳入关爱户", report.cared)):
        cells.append(ws, [k, v])
    cells.append(ws, [])
    cells.append(ws, GRID_HEADERS.values())
    for row in report.grids.reindex(columns=list(GRID_HEADERS)).itertuples(index=False):
        cells.append(ws, [None if v is None or (isinstance(v, float) and v != v) else v for v in row])
    visits = visits.assign(presence=[label(screening.PRESENCE, p) for p in visits["presence"]],
                           symptoms=["、".join(label(screening.SYMPTOMS, c) for c in str(x).split(",")) if x else None
                                     for x in visits["symptoms"]])
    _sheet(wb, "走访记录", visits, VISIT_HEADERS)
    _sheet(wb, "未走访户", report.unvisited, UNVISITED_HEADERS)
    return wb


def read_list(path: Path) -> pd.DataFrame:
    """A returnee list file as canonical columns, read like every office ledger (title, total and footer rows,
    GBK CSV, bombs refused, our protective quote removed); `row` is the row a person sees in the file."""
    return read_table(path, returnees.header_aliases())


def read_list_upload(data: bytes, client_name: str) -> pd.DataFrame:
    """`read_list` for a file sent through /screening (the sender's name is never a path)."""
    return read_upload(data, client_name, returnees.header_aliases())


def add_parser(sub: argparse._SubParsersAction, actor_of, store_of) -> argparse.ArgumentParser:  # noqa: ANN001
    """Register `screening` on the CLI (loaders/cli.py); `actor_of`/`store_of` are the CLI's own --as/--db helpers."""
    p = sub.add_parser("screening", help="入户摸排导出与返乡名单导入 / screening rounds in and out of Excel")
    ssub = p.add_subparsers(dest="screening_cmd", required=True)
    e = ssub.add_parser("export", help="导出摸排结果 XLSX / a round's results as XLSX")
    e.add_argument("out")
    e.add_argument("--round", required=True, dest="round_code")
    r = ssub.add_parser("returnees", help="导入返乡人员名单 / import a returnee list as a round")
    r.add_argument("file")
    r.add_argument("--unit", required=True, help="street, community or grid code")
    r.add_argument("--purpose", default="返乡人员核查")
    r.add_argument("--start", type=dt.date.fromisoformat)
    r.add_argument("--end", type=dt.date.fromisoformat)
    for q in (e, r):
        q.add_argument("--db")
        q.add_argument("--as", dest="as_user")

    def run(args: argparse.Namespace) -> int:
        store = store_of(args)
        actor = actor_of(store, args.as_user)
        try:
            if args.screening_cmd == "export":
                out = cells.save_workbook(results_workbook(store, actor, args.round_code), Path(args.out))
                print(f"已导出 / exported {args.round_code} → {out}")
                return 0
            path = Path(args.file)
            frame = read_list(path)
            code, warnings = write(store, actor, lambda ctx: returnees.import_returnees(
                ctx, args.unit, frame, purpose=args.purpose, starts_on=args.start, ends_on=args.end,
                source=path.name))
            for w in warnings:
                print(f"  {w}")
            print(f"已导入 / imported {len(frame)} 人 names as round {code}")
            return 0
        except Refusal as exc:
            for problem in exc.problems[:200]:
                print(f"  {problem}")
            print(f"{exc.message_zh} / {exc.message_en}")
            return 1

    p.set_defaults(fn=run)
    return p
