"""XLSX ledgers of care and places (issue 15 part 4): export the care list, the visits and deliveries, the places
and the 无主小区 ledger with Chinese headers; import the places list and the 无主小区 ledger where offices keep them
in Excel. Every cell goes through loaders.cells (formula text neutralised on the way out, the quote removed on the
way in); every read and write is checked in geodata.fieldwork.

    python -m loaders care-export OUT.xlsx --ledger care_list|care_visits|places|unowned --scope CODE [--as USER]
    python -m loaders care-import FILE.xlsx --ledger places|unowned [--as USER]
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd

from geodata.base.vocab import PERSON_TAGS, label
from geodata.fieldwork import care, places
from geodata.people.audit import log_view
from geodata.store.db import Store
from geodata.store.writes import Actor, write
from loaders import cells
from loaders.readers.table import read_table

#: ledger → (sheet name, {canonical column: Chinese header})
LEDGERS: dict[str, tuple[str, dict[str, str]]] = {
    "care_list": ("关爱名单", {"code": "人员编码", "name": "姓名", "phone": "联系电话", "kinds": "关爱类别",
                            "building_name": "楼栋", "room": "房号", "sealed": "封锁/硬隔离楼栋", "last_visit": "最近探访日期",
                            "days_since": "距今天数", "overdue": "是否逾期"}),
    "care_visits": ("探访送达记录", {"code": "记录编码", "visited_on": "日期", "kind": "类型", "method": "送达方式",
                                "what": "物品/情况", "visitor": "探访人", "need": "需求", "person_code": "人员编码",
                                "name": "姓名", "building_code": "楼栋编码", "recorded_by": "登记人"}),
    "places": ("场所清单", {"code": "场所编码", "name": "场所名称", "kind": "场所类型", "unit_code": "所属单元编码",
                        "lon": "经度", "lat": "纬度", "state": "状态", "staff_on_site": "在岗人数", "address": "地址"}),
    "unowned": ("无主小区台账", {"compound_code": "小区编码", "compound_name": "小区名称",
                             **{k: zh for k, (zh, _) in places.FLAGS.items()}, "owner": "责任单位",
                             **{k: zh for k, (zh, _) in places.CLEARS.items()}, "progress": "四清进度",
                             "note": "备注"}),
}
IMPORTABLE = ("places", "unowned")


def _yes(value: object) -> object:
    return ("是" if value else "否") if isinstance(value, (bool,)) or hasattr(value, "item") else value


def ledger_frame(store: Store, actor: Actor, ledger: str, scope_code: str, *, on: dt.date | None = None
                 ) -> pd.DataFrame:
    """The ledger under `scope_code` as the sheet shows it: Chinese headers, words for codes, 是/否 for flags."""
    on = on or dt.date.today()
    if ledger == "care_list":
        frame = care.care_list(store, actor, scope_code, on=on)
        frame["kinds"] = frame["kinds"].map(lambda ks: "、".join(label(PERSON_TAGS, k) for k in ks))
    elif ledger == "care_visits":
        frame = care.visits_in(store, actor, scope_code)
        frame["kind"] = frame["kind"].map(lambda k: care.VISIT_KINDS.get(k, (k,))[0])
        frame["method"] = frame["method"].map(lambda m: care.DELIVERY_METHODS[m][0] if m in care.DELIVERY_METHODS
                                              else None)
    elif ledger == "places":
        with store.read() as s:
            frame = places.places_in(s, actor, scope_code)
        frame["kind"] = frame["kind"].map(lambda k: places.PLACE_KINDS[k].zh if k in places.PLACE_KINDS else k)
        frame["state"] = frame["state"].map(lambda k: places.PLACE_STATES[k].zh if k in places.PLACE_STATES else k)
    elif ledger == "unowned":
        with store.read() as s:
            frame = places.unowned_in(s, actor, scope_code)
        frame["progress"] = (frame["progress"] * 100).round().astype(int).astype(str) + "%" if len(frame) else []
    else:
        raise ValueError(f"未知台账 {ledger} / unknown ledger {ledger}: {', '.join(LEDGERS)}")
    sheet, headers = LEDGERS[ledger]
    out = frame.reindex(columns=list(headers)).rename(columns=headers)
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = out[c].map({True: "是", False: "否"})
    return out


#: one writer for every ledger sheet (loaders.cells)
write_xlsx = cells.write_table


def export_ledger(store: Store, actor: Actor, ledger: str, scope_code: str, out: Path) -> int:
    frame = ledger_frame(store, actor, ledger, scope_code)
    write_xlsx(frame, LEDGERS[ledger][0], out)
    if ledger not in ("care_list", "care_visits"):  # the person-level ones were logged when read
        with store.read() as s:
            from geodata.store.hierarchy import unit_by_code

            path = unit_by_code(s, scope_code).path
        log_view(store, actor, f"export:{ledger}", scope_code, path, rows=len(frame))
    return len(frame)


def read_ledger(path: Path, ledger: str) -> pd.DataFrame:
    """An Excel/CSV ledger → canonical columns (Chinese or canonical headers), read like every office ledger
    (title, total and footer rows skipped, GBK CSV, bombs refused, protective quotes removed), with `row`, the row
    a person sees in the file."""
    headers = LEDGERS[ledger][1]
    frame = read_table(path, {code: [zh] for code, zh in headers.items()})
    return frame.drop(columns=[c for c in ("progress", "compound_name") if c in frame.columns])


def import_ledger(store: Store, actor: Actor, ledger: str, path: Path) -> dict[str, int]:
    """Import the places list or the 无主小区 ledger: all rows or none (geodata refuses by row)."""
    if ledger not in IMPORTABLE:
        raise ValueError(f"只能导入 {', '.join(IMPORTABLE)} / only {', '.join(IMPORTABLE)} can be imported")
    frame = read_ledger(path, ledger)
    fn = places.import_places if ledger == "places" else places.import_unowned
    return write(store, actor, lambda ctx: fn(ctx, frame))


def add_parser(sub: argparse._SubParsersAction, actor_of, store_of) -> None:  # noqa: ANN001 — the CLI's helpers
    """Register care-export and care-import on the CLI (loaders/cli.py build_parser)."""
    p = sub.add_parser("care-export", help="导出关爱/场所台账 XLSX / export a care or places ledger")
    p.add_argument("out")
    p.add_argument("--ledger", required=True, choices=list(LEDGERS))
    p.add_argument("--scope", required=True, help="unit code (a grid, community, street …)")
    p.add_argument("--db")
    p.add_argument("--as", dest="as_user")

    def run_export(args: argparse.Namespace) -> int:
        store = store_of(args)
        n = export_ledger(store, actor_of(store, args.as_user), args.ledger, args.scope, Path(args.out))
        print(f"已导出 / exported {n:,} 行 rows of {args.ledger} → {args.out}")
        return 0

    p.set_defaults(fn=run_export)
    q = sub.add_parser("care-import", help="导入场所清单或无主小区台账 / import places or the unowned-compound ledger")
    q.add_argument("path")
    q.add_argument("--ledger", required=True, choices=list(IMPORTABLE))
    q.add_argument("--db")
    q.add_argument("--as", dest="as_user")

    def run_import(args: argparse.Namespace) -> int:
        from geodata.base.problems import Refusal

        store = store_of(args)
        try:
            counts = import_ledger(store, actor_of(store, args.as_user), args.ledger, Path(args.path))
        except Refusal as exc:
            print(str(exc))
            return 1
        print(f"已导入 / imported: {counts}")
        return 0

    q.set_defaults(fn=run_import)
