"""Disinfection records (消毒记录) and the daily compliance of sealed places (domain file §3.5, §3.2, scenario 22).

- 随时消毒 (routine) and 终末消毒 (terminal) of a 疫点 under CDC guidance (`000_7bd660b113904959.txt` §3;
  `004_2a51f4f7b2873512.txt`); a terminal disinfection after the last case is a lift condition (geodata.situation.control).
- A sealed natural village disinfects its public areas at least twice a day (`000_7bd660b113904959.txt` §1,
  §3.2: "≥2 per day of public areas in a sealed village"); the number is the "disinfection" setting. The seeds
  give no number for a sealed urban building (setting 0 = not checked).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Term, parse_term
from geodata.people import authority
from geodata.situation.control import GUARDED, resolve_target
from geodata.situation.history import targets_in_states
from geodata.store.models import Disinfection
from geodata.store.rules_config import get_setting
from geodata.store.writes import WriteContext

DISINFECTION_KINDS = {t.code: t for t in (
    Term("routine", "随时消毒", "Routine disinfection", ("日常消毒", "一日一消毒")),
    Term("terminal", "终末消毒", "Terminal disinfection", ("终末",)),
    Term("public_area", "公共区域消毒", "Public-area disinfection", ("公共区域", "公共场所消毒")),
)}


def record_disinfection(ctx: WriteContext, target_code: str, kind: str, *, on: dt.date | None = None,
                        area: str | None = None, note: str | None = None) -> Disinfection:
    """Log one disinfection of a building or compound/natural village on `on` (default today)."""
    target = resolve_target(ctx.session, target_code)
    authority.require(ctx.actor, "record_disinfection", target.path)
    code = parse_term(DISINFECTION_KINDS, kind)
    if code is None:
        raise Rejected([Problem(f"未知消毒类型: {kind}", f"unknown disinfection kind: {kind!r} "
                                f"(allowed: {', '.join(DISINFECTION_KINDS)})", field="kind")])
    on = on or dt.date.today()
    if on > dt.date.today():
        raise Rejected([Problem("消毒日期不能晚于今天", "the date cannot be in the future", field="on")])
    row = Disinfection(target_kind=target.kind, target_code=target.code, path=target.path, done_on=on, kind=code,
                       area=area, note=note, recorded_by=ctx.actor.username, recorded_at=ctx.now, **target.ids())
    ctx.session.add(row)
    ctx.session.flush()
    term = DISINFECTION_KINDS[code]
    ctx.record("disinfection.record", target.kind, target.code, path=target.path,
               new={"kind": code, "on": on, "area": area}, reason=f"{term.zh} / {term.en}")
    return row


def disinfection_compliance(session: Session, on: dt.date | None = None, *, scope_path: str | None = None
                            ) -> pd.DataFrame:
    """Every target under 疫点/封锁 on `on` with its disinfections that day and whether it falls short.

    Columns: target_kind, code, path, state, is_village, public_area_today, required, short (fewer public-area
    disinfections than required), terminal_done (a terminal disinfection on or before `on`)."""
    on = on or dt.date.today()
    norms = get_setting(session, "disinfection")
    bl = targets_in_states(session, on, "building", tuple(GUARDED), scope_path).assign(
        target_kind="building", is_village=False)
    cp = targets_in_states(session, on, "compound", tuple(GUARDED), scope_path)
    cp = cp.assign(target_kind="compound", is_village=cp["kind"] == "natural_village")
    frame = pd.concat([bl, cp], ignore_index=True)
    cols = ["target_kind", "code", "path", "state", "is_village", "public_area_today", "required", "short",
            "terminal_done"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    codes = frame["code"].tolist()
    rows = []
    for start in range(0, len(codes), 900):
        rows += session.execute(select(Disinfection.target_code, Disinfection.kind, Disinfection.done_on).where(
            Disinfection.target_code.in_(codes[start:start + 900]), Disinfection.done_on <= on)).all()
    log = pd.DataFrame(rows, columns=["code", "kind", "done_on"])
    today = log[(log["done_on"] == on) & (log["kind"] == "public_area")].groupby("code").size()
    terminal = set(log.loc[log["kind"] == "terminal", "code"])
    frame["public_area_today"] = frame["code"].map(today).fillna(0).astype("int64")
    frame["required"] = np.where(frame["is_village"], int(norms["sealed_village_per_day"]),
                                 int(norms["sealed_building_per_day"]))
    frame["short"] = frame["public_area_today"] < frame["required"]
    frame["terminal_done"] = frame["code"].isin(terminal)
    return frame[cols].sort_values("code").reset_index(drop=True)
