"""A community's supplies (物资): masks, disinfectant, daily goods — receipts (入库) and issues (出库), the stock as
their running sum, and the days left at the current use (domain file §4.2 "masks on hand vs demand, grain days").

Stock is never typed: it is what came in minus what went out, up to a day. An issue that would take the stock of
any day below zero is refused (nothing written). Days left = stock ÷ the average daily issue over the last
`use_window_days` days (`supplies` setting, 7) ending that day, rounded down; with no issue in the window the stock
is not being used and days left is None ("not in use"), not a division by zero.

The daily report's two supply figures (geodata.reporting.reports: 口罩库存 and 生活物资保障天数) come from here when
the community keeps the item's ledger (`report_figures`), else the community types them as before.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import Session

from geodata.base.layers import Rule, checked_text
from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level
from geodata.people import authority, reach, scope
from geodata.store.field_models import SupplyMovement
from geodata.store.hierarchy import path_upper_bound
from geodata.store.models import Unit
from geodata.store.rules_config import get_setting
from geodata.store.writes import WriteContext

#: item → (Chinese, English, unit of count)
ITEMS: dict[str, tuple[str, str, str]] = {
    "masks": ("口罩", "Masks", "只"),
    "disinfectant": ("消毒液", "Disinfectant", "升"),
    "daily_goods": ("生活物资", "Daily goods", "份"),
}
DIRECTIONS = {"receipt": ("入库", "Receipt"), "issue": ("出库", "Issue")}
#: the daily report's figures that the ledger derives: figure → (item, what of it)
REPORT_FIGURES = {"masks_on_hand": ("masks", "stock"), "supply_days": ("daily_goods", "days_left")}
MAX_QUANTITY = 10_000_000
_NOTE = Rule("text", max_len=300)


def _community(session: Session, code: str, actor: Any = None) -> Unit:
    """The community `code`; with `actor`, one answer for unknown and outside a scoped actor's scope (issue 18)."""
    unit = reach.find(session, actor, Unit, code, ("社区编码", "community code"), field="community_code")
    if unit.level != Level.COMMUNITY:
        raise Rejected([Problem(f"{code} 不是社区/村", f"{code} is not a community", field="community_code")])
    return unit


def _movements(session: Session, community_ids: list[int] | None, scope_path: str | None = None) -> pd.DataFrame:
    cond, params = "1 = 1", {}
    if community_ids is not None:
        cond = "community_id IN (" + ",".join(str(int(i)) for i in community_ids) + ")" if community_ids else "1 = 0"
    elif scope_path:
        cond, params = "path >= :lo AND path < :hi", {"lo": scope_path, "hi": path_upper_bound(scope_path)}
    rows = session.execute(text(f"SELECT community_id, item, on_date, direction, quantity FROM supply_movements "
                                f"WHERE {cond}"), params).all()
    frame = pd.DataFrame(rows, columns=["community_id", "item", "on_date", "direction", "quantity"])
    frame["on_date"] = pd.to_datetime(frame["on_date"])
    frame["signed"] = frame["quantity"].where(frame["direction"] == "receipt", -frame["quantity"]).astype("int64")
    return frame


def days_left(stock: int, issued_in_window: int, window_days: int) -> int | None:
    """Whole days the stock lasts at the window's average daily use; None when nothing was used (not in use)."""
    if issued_in_window <= 0:
        return None
    return math.floor(stock * window_days / issued_in_window)


def stock_table(session: Session, on: dt.date, *, community_ids: list[int] | None = None,
                scope_path: str | None = None) -> pd.DataFrame:
    """Per community and item as of `on`: stock, issued in the use window, days left (None: not in use).
    Only communities and items with a ledger appear. Counts, no persons. Summed in the database: the wall asks
    this of the whole city (~50k movements) on every refresh."""
    window = int(get_setting(session, "supplies")["use_window_days"])
    start = on - dt.timedelta(days=window - 1)
    m = SupplyMovement
    signed = case((m.direction == "receipt", m.quantity), else_=-m.quantity)
    issued = case((and_(m.direction == "issue", m.on_date >= start), m.quantity), else_=0)
    q = (select(m.community_id, m.item, func.sum(signed), func.sum(issued)).where(m.on_date <= on)
         .group_by(m.community_id, m.item).order_by(m.community_id, m.item))
    if community_ids is not None:
        q = q.where(m.community_id.in_([int(i) for i in community_ids]))
    elif scope_path:
        q = q.where(m.path >= scope_path, m.path < path_upper_bound(scope_path))
    out = pd.DataFrame(session.execute(q).all(), columns=["community_id", "item", "stock", "issued"])
    out = out.astype({"community_id": int, "stock": int, "issued": int})
    out["days_left"] = pd.Series([days_left(int(s), int(i), window) for s, i in zip(out["stock"], out["issued"],
                                                                                     strict=True)], dtype=object)
    return out


def community_stock(session: Session, actor: Any, community_code: str, on: dt.date) -> pd.DataFrame:
    """The stock of one community, every item (zero where none was ever recorded), for its page."""
    comm = _community(session, community_code, actor)
    scope.require_read(actor, comm.path)
    table = stock_table(session, on, community_ids=[comm.id]).set_index("item")
    rows = []
    for item, (zh, en, unit) in ITEMS.items():
        kept = item in table.index
        rows.append({"item": item, "zh": zh, "en": en, "unit": unit, "kept": kept,
                     "stock": int(table.loc[item, "stock"]) if kept else 0,
                     "issued": int(table.loc[item, "issued"]) if kept else 0,
                     "days_left": table.loc[item, "days_left"] if kept else None})
    return pd.DataFrame(rows)


def report_figures(session: Session, community_id: int, on: dt.date) -> dict[str, int]:
    """The daily report's supply figures the ledger derives for `on`: masks on hand when the community keeps a
    mask ledger, days of daily goods when it keeps that ledger and uses them. A figure absent here is typed."""
    table = stock_table(session, on, community_ids=[community_id]).set_index("item")
    out: dict[str, int] = {}
    for figure, (item, what) in REPORT_FIGURES.items():
        if item in table.index:
            value = table.loc[item, what]
            if value is not None and not pd.isna(value):
                out[figure] = int(value)
    return out


def lowest_days_left(session: Session, scope_path: str | None, on: dt.date, *, limit: int = 5) -> pd.DataFrame:
    """The communities under `scope_path` whose supplies run out first (lowest days left of any item in use), for
    the wall: community name, item, days left. Counts only."""
    table = stock_table(session, on, scope_path=scope_path)
    table = table[table["days_left"].notna()]
    if table.empty:
        return pd.DataFrame(columns=["community_code", "community_name", "item", "days_left", "stock"])
    table = table.astype({"days_left": int}).sort_values(["days_left", "community_id"]).drop_duplicates(
        "community_id").head(limit)
    names = {r.id: (r.code, r.name) for r in session.execute(select(Unit.id, Unit.code, Unit.name).where(
        Unit.id.in_([int(i) for i in table["community_id"]])))}
    return pd.DataFrame({"community_code": [names[i][0] for i in table["community_id"]],
                         "community_name": [names[i][1] for i in table["community_id"]],
                         "item": table["item"].tolist(), "days_left": table["days_left"].tolist(),
                         "stock": table["stock"].tolist()})


def record_movement(ctx: WriteContext, community_code: str, item: str, direction: str, quantity: Any, *,
                    on: dt.date, note: str | None = None, today: dt.date | None = None) -> int:
    """Record a receipt or an issue of a community's supplies ("supplies.record" at the community); returns the
    stock of the item as of `on` after it. Refused: unknown item or direction, a quantity that is not a whole
    number ≥ 1, a future day, or an issue that would take the stock below zero on any day."""
    today = today or dt.date.today()
    reach.role_first(ctx.actor, "supplies.record")
    comm = _community(ctx.session, community_code, ctx.actor)
    authority.require(ctx.actor, "supplies.record", comm.path)
    problems: list[Problem] = []
    if item not in ITEMS:
        problems.append(Problem(f"未知物资 {item!r}（口罩、消毒液、生活物资）",
                                f"unknown item {item!r} ({', '.join(ITEMS)})", field="item"))
    if direction not in DIRECTIONS:
        problems.append(Problem(f"未知方向 {direction!r}（入库、出库）", f"unknown direction {direction!r} (receipt, issue)",
                                field="direction"))
    try:
        number = float(quantity)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(quantity, bool) or not math.isfinite(number) or number != int(number) or not \
            1 <= number <= MAX_QUANTITY:
        problems.append(Problem(f"数量应为 1–{MAX_QUANTITY} 的整数: {quantity!r}",
                                f"quantity must be a whole number 1–{MAX_QUANTITY}: {quantity!r}", field="quantity"))
        number = 0
    if on > today:
        problems.append(Problem(f"日期不能晚于今天（{today.isoformat()}）", f"the date cannot be after today ({today})",
                                field="on_date"))
    stored_note = None
    if note and note.strip():
        stored_note, why = checked_text(_NOTE, "note", note.strip())
        if why:
            problems.append(Problem(f"备注: {why[0]}", f"note: {why[1]}", field="note"))
    if problems:
        raise Rejected(problems)
    qty = int(number)
    m = _movements(ctx.session, [comm.id])
    m = m[m["item"] == item]
    signed = qty if direction == "receipt" else -qty
    # every day's balance from `on` on, with this movement: a backdated issue must not empty a later day
    by_day = m.groupby("on_date")["signed"].sum()
    by_day.loc[pd.Timestamp(on)] = by_day.get(pd.Timestamp(on), 0) + signed
    balance = by_day.sort_index().cumsum()
    low = balance[balance.index >= pd.Timestamp(on)]
    if direction == "issue" and (low < 0).any():
        before = int(balance[balance.index <= pd.Timestamp(on)].iloc[-1] + qty)
        zh, en, unit = ITEMS[item]
        raise Rejected([Problem(f"{zh}库存不足：{on.isoformat()} 库存 {before}{unit}，不能出库 {qty}{unit}（库存不能为负）",
                                f"not enough {en.lower()}: {before} in stock on {on}, cannot issue {qty} "
                                f"(stock cannot go below zero)", field="quantity")])
    ctx.session.add(SupplyMovement(community_id=comm.id, path=comm.path, item=item, on_date=on, direction=direction,
                                   quantity=qty, note=stored_note, recorded_by=ctx.actor.username,
                                   recorded_at=ctx.now))
    after = int(balance[balance.index <= pd.Timestamp(on)].iloc[-1])
    ctx.record(f"supplies.{direction}", "supplies", f"{comm.code}:{item}", path=comm.path,
               old={"stock": after - signed}, new={"stock": after, "item": item, "quantity": qty, "on": on},
               reason=stored_note or f"{DIRECTIONS[direction][0]} / {DIRECTIONS[direction][1]}")
    return after


def insert_movements(ctx: WriteContext, rows: list[dict[str, Any]]) -> int:
    """Bulk-insert receipts and issues already resolved to community ids and paths (the demo city's): one audited
    event for the lot. The caller guarantees no day's stock goes below zero (record_movement checks it one by one)."""
    authority.require(ctx.actor, "import")
    for start in range(0, len(rows), 5000):
        ctx.session.execute(SupplyMovement.__table__.insert(), rows[start:start + 5000])
    ctx.record("supplies.import", "supplies", None, new={"inserted": len(rows)})
    return len(rows)
