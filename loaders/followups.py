"""The symptom follow-up ledger (随访处置台账, issue 14 point 3) as XLSX with Chinese headers:
`python -m loaders followups OUT.xlsx [--scope CODE] [--as USER]`.

One sheet of open symptom alerts (with overdue flags) and one of the follow-ups recorded; every cell goes through
loaders/cells.py (formula-looking text neutralised, control characters dropped). Read under the reader's scope
(geodata.situation.symptoms); as the system without --as.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from geodata.people.accounts import actor_of
from geodata.reporting.figures import root_unit
from geodata.situation.symptoms import FOLLOWUP_OUTCOMES, followups, open_symptom_alerts
from geodata.store.db import Store, open_store
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import User
from geodata.store.writes import Actor
from loaders import cells

OPEN_HEADERS = {"id": "预警编号", "raised_on": "预警日期", "unit_name": "社区", "subject_code": "观察编号",
                "title_zh": "预警内容", "hours_open": "已历时（小时）", "overdue": "是否逾期"}
DONE_HEADERS = {"alert_id": "预警编号", "raised_on": "预警日期", "subject_code": "观察编号", "outcome": "处置结果",
                "done_on": "处置日期", "done_by": "处置人", "note": "处置说明"}


def ledger_frames(store: Store, actor: Actor, scope_code: str | None = None) -> dict[str, pd.DataFrame]:
    """{"待处置症状预警": …, "随访处置记录": …} under `scope_code` (default: the city), Chinese headers."""
    with store.read() as s:
        unit = unit_by_code(s, scope_code) if scope_code else root_unit(s)
        open_ = open_symptom_alerts(s, actor, unit.path)
        done = followups(s, actor, unit.path)
    open_ = open_.assign(overdue=["是" if o else "否" for o in open_["overdue"]])[list(OPEN_HEADERS)]
    done = done.assign(outcome=[FOLLOWUP_OUTCOMES[c].zh for c in done["outcome"]])[list(DONE_HEADERS)]
    for frame, cols in ((open_, ("raised_on",)), (done, ("raised_on", "done_on"))):
        for col in cols:  # ISO dates, as text: a spreadsheet shows what the page shows
            frame[col] = [str(v)[:10] if v is not None else None for v in frame[col]]
    return {"待处置症状预警": open_.rename(columns=OPEN_HEADERS), "随访处置记录": done.rename(columns=DONE_HEADERS)}


def write_ledger_xlsx(frames: dict[str, pd.DataFrame], out: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in frames.items():
        ws = wb.create_sheet(name)
        cells.append(ws, frame.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            cells.append(ws, [None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in row])
        ws.freeze_panes = "A2"
    return cells.save_workbook(wb, out)


def _actor(store: Store, username: str | None) -> Actor:
    if not username:
        return Actor.system("cli")
    with store.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None or not user.active:
            print(f"--as: 用户不存在或已停用 / no active user: {username}", file=sys.stderr)
            raise SystemExit(2)
        return actor_of(s, user)


def cmd_followups(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    try:
        frames = ledger_frames(store, _actor(store, args.as_user), args.scope)
        out = write_ledger_xlsx(frames, Path(args.out))
    finally:
        store.dispose()
    print(f"已导出 / exported {', '.join(f'{k} {len(v)}' for k, v in frames.items())} → {out}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `followups` on the CLI's subparsers (loaders/cli.py build_parser)."""
    p = sub.add_parser("followups", help="症状预警随访处置台账 XLSX / symptom follow-up ledger", description=__doc__)
    p.add_argument("out", help="output .xlsx")
    p.add_argument("--db", help="database URL (default: $DATABASE_URL or data/gridwatch.sqlite)")
    p.add_argument("--scope", help="unit code: a district, street or community (default: the city)")
    p.add_argument("--as", dest="as_user", help="act as this user (their scope applies)")
    p.set_defaults(fn=cmd_followups)
    return p
