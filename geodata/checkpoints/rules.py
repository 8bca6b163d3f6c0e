"""Checkpoints (卡点) and entrances (出入口): the staffing norm and the rules a supervisor is warned about (domain
file §2.7, §1.2, scenarios 9 and 10).

The staffing norm — this module is the one place it is decided:
- compound/village entrances and community checkpoints: 24 h, ≥4 people by day and ≥2 by night
  (`000_7bd660b113904959.txt` §1);
- police checkpoints (urban, county-border): ≥10 people a day; highway stations ≥20 (`001_7a5a7b7568cbf5a5.txt`
  §十四). "A day" is read as day + night shift together (24 h duty).
The numbers come from `rules_config` ("staffing"), not from here.

Rules (pure functions on frames, so the live map and a what-if plan are checked by the same code):
- `single_entrance_violations`: a compound or natural village under 封闭管理 or sealed (封锁/硬隔离) keeps one
  entrance ("只留设一个出入口", `000` §1(三); issue 14 point 9);
- `staffing_violations`: an open checkpoint below its norm (scenario 9);
- `shift_violations`: a 24 h checkpoint whose roster leaves a shift empty or below the norm ("24小时轮流值班");
- the zone rule (an open entrance of a sealed/controlled zone that no staffed checkpoint covers) needs distances
  and lives in `geodata.checkpoints.coverage`/`geodata.checkpoints.whatif`, on top of `is_staffed` from here.

The commands that add, move, open/close and staff a checkpoint are `geodata.checkpoints.commands` (one
implementation for /my-grid and the planner).
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from geodata.base.vocab import Level
from geodata.store.models import Unit

ENTRANCE_KINDS = ("compound_entrance", "community_checkpoint")
POLICE_KINDS = ("police_urban", "police_border")
HIGHWAY_KINDS = ("highway",)
#: the control states whose compound or village keeps one entrance (000 §1(三) 封闭管理; 封锁/硬隔离, issue 14 point 9)
SINGLE_ENTRANCE_STATES = ("closed", "sealed")


#: rule code → (Chinese, English, source); the text a violation list shows
RULES: dict[str, tuple[str, str, str]] = {
    "single_entrance": ("封闭管理或封锁的小区/自然村开放出入口多于一个",
                        "closed or sealed compound/village with more than one open entrance",
                        "000_7bd660b113904959.txt §1(三) 只留设一个出入口"),
    "understaffed": ("卡点值守人数低于标准", "checkpoint below its staffing norm",
                     "000_7bd660b113904959.txt §1; 001_7a5a7b7568cbf5a5.txt §十四"),
    "unstaffed": ("开放卡点无人值守", "open checkpoint with nobody on duty",
                  "000_7bd660b113904959.txt §1 24小时不间断值守"),
    # scheme-neutral name: the zone's own words (封控区/管控区, 出现病例 …) are in each row's detail (Area.words)
    "uncovered_entrance": ("须布防区域开放出入口无在岗卡点覆盖", "open entrance of an area to be guarded (the two "
                           "upper levels) that no staffed checkpoint covers", "000_7bd660b113904959.txt §1 无死角布防"),
    "shift_gap": ("24小时值守排班有空档", "gap in the 24-hour roster", "000_7bd660b113904959.txt §1 24小时轮流值班"),
    "shift_under": ("排班人数低于标准", "rostered shift below the staffing norm",
                    "000_7bd660b113904959.txt §1; 001_7a5a7b7568cbf5a5.txt §十四"),
}

VIOLATION_COLUMNS = ["rule", "rule_zh", "rule_en", "code", "name", "unit_code", "lon", "lat", "detail_zh",
                     "detail_en", "source"]


# --- the staffing norm ------------------------------------------------------------------------------------


def staffing_norms(frame: pd.DataFrame, norms: dict[str, Any]) -> pd.DataFrame:
    """The norm of each checkpoint row (kind, is_24h): min_day, min_night, min_per_day (0 = not required).

    Entrances: day and night minimums, the night one whatever the 24-hour flag says — an entrance is on duty 24 h
    (`000` §1(二)1 "24小时不间断值守"; issue 14 point 9: turning the flag off must not remove the night norm).
    Police and highway: a daily total. `people_per_day` is what the norm costs in people a day (the optimiser's price of a checkpoint).
    """
    kind = frame["kind"].to_numpy()
    is_entrance = np.isin(kind, ENTRANCE_KINDS)
    is_highway = np.isin(kind, HIGHWAY_KINDS)
    min_day = np.where(is_entrance, norms["entrance_day"], 0)
    min_night = np.where(is_entrance, norms["entrance_night"], 0)
    min_per_day = np.where(is_entrance, 0, np.where(is_highway, norms["highway_per_day"], norms["police_per_day"]))
    return pd.DataFrame({
        "min_day": min_day.astype(np.int64), "min_night": min_night.astype(np.int64),
        "min_per_day": min_per_day.astype(np.int64),
        "people_per_day": np.maximum(min_day + min_night, min_per_day).astype(np.int64),
    }, index=frame.index)


def people_per_day(kinds: Any, norms: dict[str, Any], *, is_24h: bool = True) -> np.ndarray:
    """People a day the norm asks of a new checkpoint of each kind (entrance 4 + 2 = 6, police 10, highway 20)."""
    kinds = np.asarray(kinds, dtype=object)
    frame = pd.DataFrame({"kind": kinds, "is_24h": np.full(kinds.size, is_24h)})
    return staffing_norms(frame, norms)["people_per_day"].to_numpy()


def norm_staffing(kind: str, norms: dict[str, Any], is_24h: bool = True) -> tuple[int, int]:
    """(day, night) people that meet the norm of a checkpoint kind (entrance 4/2, police 5/5, highway 10/10): what
    a new post is staffed with unless told otherwise, in a what-if and when it is created."""
    need = staffing_norms(pd.DataFrame({"kind": [kind], "is_24h": [is_24h]}), norms).iloc[0]
    day = int(max(need["min_day"], math.ceil(need["min_per_day"] / 2)))
    night = int(max(need["min_night"], need["min_per_day"] - day)) if is_24h or need["min_night"] else 0
    return day, night


def staffing_status(frame: pd.DataFrame, norms: dict[str, Any]) -> pd.Series:
    """'ok' | 'under' | 'unstaffed' | 'closed' for each checkpoint row (kind, status, staff_day, staff_night).

    Works on checkpoint rows (their standing staffing) and on roster rows pivoted to one row per checkpoint and
    date (the staff of that day's shifts): the same rule either way.
    """
    day = frame["staff_day"].fillna(0).to_numpy()
    night = frame["staff_night"].fillna(0).to_numpy()
    need = staffing_norms(frame, norms)
    total = day + night
    ok = ((day >= need["min_day"].to_numpy()) & (night >= need["min_night"].to_numpy())
          & (total >= need["min_per_day"].to_numpy()))
    status = np.where(total == 0, "unstaffed", np.where(ok, "ok", "under"))
    status = np.where(frame["status"].to_numpy() == "closed", "closed", status)
    return pd.Series(status, index=frame.index, name="staffing")


def staffing_shortfall(frame: pd.DataFrame, norms: dict[str, Any]) -> pd.DataFrame:
    """staffing, the norm, and how many people are missing by day, by night and over the day (never < 0)."""
    day = frame["staff_day"].fillna(0).to_numpy().astype(np.int64)
    night = frame["staff_night"].fillna(0).to_numpy().astype(np.int64)
    need = staffing_norms(frame, norms)
    short_day = np.maximum(need["min_day"].to_numpy() - day, 0)
    short_night = np.maximum(need["min_night"].to_numpy() - night, 0)
    short_total = np.maximum(need["min_per_day"].to_numpy() - (day + night), 0)
    out = need.assign(staffing=staffing_status(frame, norms).to_numpy(), short_day=short_day,
                      short_night=short_night, short_per_day=np.maximum(short_total, short_day + short_night))
    closed = out["staffing"].to_numpy() == "closed"
    out.loc[closed, ["short_day", "short_night", "short_per_day"]] = 0
    return out


def is_staffed(frame: pd.DataFrame, norms: dict[str, Any]) -> np.ndarray:
    """True for a checkpoint that is open and has someone on duty: it watches the entrances around it.

    Under-staffed posts still count as staffed here (their shortfall is its own violation, `understaffed`);
    an open entrance nobody guards (0 staff) watches nothing.
    """
    return staffing_status(frame, norms).isin(["ok", "under"]).to_numpy()


def _round_clock(frame: pd.DataFrame) -> np.ndarray:
    if "is_24h" not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    return frame["is_24h"].astype("boolean").fillna(True).to_numpy(dtype=bool)


# --- rules ------------------------------------------------------------------------------------------------


def violation_rows(rule: str, rows: pd.DataFrame, detail_zh: list[str], detail_en: list[str]) -> pd.DataFrame:
    zh, en, source = RULES[rule]
    if rows.empty:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    return pd.DataFrame({
        "rule": rule, "rule_zh": zh, "rule_en": en,
        "code": rows["code"].to_numpy(), "name": rows["name"].to_numpy(),
        "unit_code": rows["unit_code"].to_numpy() if "unit_code" in rows else None,
        "lon": rows["lon"].to_numpy(dtype=float), "lat": rows["lat"].to_numpy(dtype=float),
        "detail_zh": detail_zh, "detail_en": detail_en, "source": source,
    })


def single_entrance_violations(compounds: pd.DataFrame, checkpoints: pd.DataFrame) -> pd.DataFrame:
    """Compounds and natural villages under 封闭管理 or sealed (control_state in SINGLE_ENTRANCE_STATES) with more
    than one open entrance (scenario 10; issue 14 point 9). A 疫点 is a place to disinfect, not a closed area.

    `compounds`: code, name, control_state, lon, lat (a label point); `checkpoints`: kind, status, unit_code.
    """
    entrances = checkpoints[(checkpoints["kind"] == "compound_entrance") & (checkpoints["status"] == "open")]
    # code order, whatever order the rows came in (a reused PostgreSQL database returns another physical order)
    n_open = entrances.sort_values("code").groupby("unit_code")["code"].agg(list)
    closed = compounds[compounds["control_state"].isin(SINGLE_ENTRANCE_STATES)]
    many = np.array([isinstance(v, list) and len(v) > 1 for v in closed["code"].map(n_open)], dtype=bool)
    bad = closed[many].copy()
    lists = bad["code"].map(n_open)
    bad["unit_code"] = bad["code"]
    return violation_rows(
        "single_entrance", bad,
        [f"开放出入口 {len(v)} 个（{'、'.join(v)}），应只留 1 个" for v in lists],
        [f"{len(v)} open entrances ({', '.join(v)}); keep one" for v in lists])


def staffing_violations(checkpoints: pd.DataFrame, norms: dict[str, Any]) -> pd.DataFrame:
    """Open checkpoints below their norm ('understaffed') or with nobody on duty although 24 h ('unstaffed').

    An open entrance with 0 staff that is not marked 24 h is an unguarded gate, not a broken post: whether it
    must be watched is the zone rule's question (an open entrance of a sealed/controlled zone).
    """
    if checkpoints.empty:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    short = staffing_shortfall(checkpoints, norms)
    under = checkpoints[short["staffing"].to_numpy() == "under"]
    joined = pd.concat([under[["staff_day", "staff_night"]], short.loc[under.index, ["min_day", "min_night",
                                                                                      "min_per_day"]]], axis=1)
    unstaffed = checkpoints[(short["staffing"].to_numpy() == "unstaffed") & _round_clock(checkpoints)]
    parts = [
        violation_rows("understaffed", under, [_shortfall_zh(r) for r in joined.itertuples()],
                    [_shortfall_en(r) for r in joined.itertuples()]),
        violation_rows("unstaffed", unstaffed, ["24小时卡点，当前值守 0 人"] * len(unstaffed),
                    ["24-hour checkpoint with 0 people on duty"] * len(unstaffed)),
    ]
    return pd.concat([p for p in parts if len(p)] or [parts[0]], ignore_index=True)


def staffing_text(r: Any, lang: str = "zh") -> str:
    """A checkpoint's people on duty against its norm, e.g. "白班 3 人（≥4），夜班 2 人（≥2）" / "day 3 (≥4),
    night 2 (≥2)"; `r` has staff_day, staff_night and the columns of `staffing_norms`."""
    return _shortfall_en(r) if lang == "en" else _shortfall_zh(r)


def _shortfall_zh(r: Any) -> str:
    if r.min_per_day and not r.min_day:
        return f"全天 {int(r.staff_day) + int(r.staff_night)} 人，标准 ≥{r.min_per_day} 人/天"
    night = f"，夜班 {int(r.staff_night)} 人（≥{r.min_night}）" if r.min_night else ""
    return f"白班 {int(r.staff_day)} 人（≥{r.min_day}）{night}"


def _shortfall_en(r: Any) -> str:
    if r.min_per_day and not r.min_day:
        return f"{int(r.staff_day) + int(r.staff_night)} a day, norm ≥{r.min_per_day} a day"
    night = f", night {int(r.staff_night)} (≥{r.min_night})" if r.min_night else ""
    return f"day {int(r.staff_day)} (≥{r.min_day}){night}"


def roster_by_day(checkpoints: pd.DataFrame, shifts: pd.DataFrame, start: dt.date, days: int) -> pd.DataFrame:
    """One row per (open 24 h guarded checkpoint, date) with that date's rostered staff_day / staff_night and
    whether each shift exists (has_day, has_night). `shifts`: checkpoint_code, on_date, shift, staff."""
    guarded = checkpoints[(checkpoints["status"] == "open") & _round_clock(checkpoints)]
    dates = [start + dt.timedelta(days=k) for k in range(days)]
    grid = guarded[["code", "name", "kind", "status", "is_24h", "unit_code", "lon", "lat"]].merge(
        pd.DataFrame({"on_date": dates}), how="cross")
    if shifts.empty:
        wide = pd.DataFrame(columns=["checkpoint_code", "on_date", "day", "night"])
    else:
        sh = shifts.assign(on_date=pd.to_datetime(shifts["on_date"]).dt.date)
        wide = sh.pivot_table(index=["checkpoint_code", "on_date"], columns="shift", values="staff",
                              aggfunc="sum").reset_index()
    for col in ("day", "night"):
        if col not in wide.columns:
            wide[col] = np.nan
    out = grid.merge(wide[["checkpoint_code", "on_date", "day", "night"]], left_on=["code", "on_date"],
                     right_on=["checkpoint_code", "on_date"], how="left").drop(columns="checkpoint_code")
    out["has_day"] = out["day"].fillna(0) > 0
    out["has_night"] = out["night"].fillna(0) > 0
    out["staff_day"] = out.pop("day").fillna(0).astype(np.int64)
    out["staff_night"] = out.pop("night").fillna(0).astype(np.int64)
    return out


def shift_violations(checkpoints: pd.DataFrame, shifts: pd.DataFrame, norms: dict[str, Any], start: dt.date,
                     days: int = 7) -> pd.DataFrame:
    """Gaps in the 24-hour roster of open 24 h checkpoints over `days` days from `start`.

    'shift_gap': a day or night shift with nobody rostered (no row, or 0 staff) — hours nobody guards.
    'shift_under': a date whose rostered shifts fall below the norm (same rule as `staffing_status`).
    One violation per checkpoint and rule, listing the dates.
    """
    by_day = roster_by_day(checkpoints, shifts, start, days)
    if by_day.empty:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    by_day["staffing"] = staffing_status(by_day, norms).to_numpy()
    gap = ~by_day["has_day"] | ~by_day["has_night"]
    under = ~gap & (by_day["staffing"] == "under")
    parts = []
    for rule, mask in (("shift_gap", gap), ("shift_under", under)):
        hit = by_day[mask]
        if hit.empty:
            continue
        if rule == "shift_gap":
            hit = hit.assign(what_zh=np.where(~hit["has_day"] & ~hit["has_night"], "全天",
                                              np.where(~hit["has_day"], "白班", "夜班")),
                             what_en=np.where(~hit["has_day"] & ~hit["has_night"], "all day",
                                              np.where(~hit["has_day"], "day", "night")))
        else:
            hit = hit.assign(what_zh=[f"{a}+{b}人" for a, b in zip(hit["staff_day"], hit["staff_night"])],
                             what_en=[f"{a}+{b}" for a, b in zip(hit["staff_day"], hit["staff_night"])])
        hit = hit.assign(d=[f"{d:%m-%d}" for d in hit["on_date"]])
        g = hit.groupby("code", sort=True)
        first = g.first()
        first["code"] = first.index
        zh = [("、".join(f"{d} {w}" for d, w in zip(grp["d"], grp["what_zh"]))) for _, grp in g]
        en = [(", ".join(f"{d} {w}" for d, w in zip(grp["d"], grp["what_en"]))) for _, grp in g]
        parts.append(violation_rows(rule, first.reset_index(drop=True), zh, en))
    if not parts:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    return pd.concat(parts, ignore_index=True)


# --- places ----------------------------------------------------------------------------------------------


def street_of(session: Session, path: str) -> Unit | None:
    """The street (街道/乡镇) a path lies in, if it is that deep."""
    ids = [int(p) for p in path.strip("/").split("/") if p]
    if len(ids) < Level.STREET:
        return None
    return session.get(Unit, ids[Level.STREET - 1])
