"""Disinfection records (消毒记录), the daily norm of sealed and closed natural villages, and its shortfall alerts
(domain file §3.5, §3.2, scenario 22).

Four kinds, because the seeds name four different acts:
- 随时消毒 (routine) of a 疫点 while it is one, and 终末消毒 (terminal) once the case has left, under CDC guidance
  (`000_7bd660b113904959.txt` §3(一)3; `004_2a51f4f7b2873512.txt`); a terminal disinfection after the last case is a
  lift condition (geodata.situation.control);
- 一日一消毒 (daily) of every natural village under 封闭式管理 (`000` §1(一)5: the "六个一" rule);
- 公共区域消毒 (public_area): a sealed natural village disinfects its public areas at least twice a day (`000`
  §1(三)4).
The village norms count the village-wide kinds (daily, public_area), never a 疫点's routine or terminal
disinfection. The numbers are the "disinfection" setting; the seeds give none for a sealed urban building
(setting 0 = not checked).

A day is judged once it is over: the daily run judges yesterday, and a write that moves a past day (a back-dated
record, a back-dated state change) re-judges the days from its date at once. Each shortfall is one alert per
target per day ("disinfection", raised on the day that fell short), and a later record that makes that day good
closes it.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import CONTROL_STATES, Term, parse_term
from geodata.people import authority
from geodata.situation.alerts import raise_alert, resolve_alert
from geodata.situation.history import control_events, targets_in_states
from geodata.situation.targets import Target, not_after_today, resolve_target
from geodata.store.db import Store
from geodata.store.models import Alert, Disinfection, Unit
from geodata.store.rules_config import get_setting
from geodata.store.stats import SEALED_STATES
from geodata.store.writes import Actor, WriteContext, write

DISINFECTION_KINDS = {t.code: t for t in (
    Term("routine", "随时消毒", "Routine (concurrent) disinfection", ("随时",)),
    Term("terminal", "终末消毒", "Terminal disinfection", ("终末",)),
    Term("daily", "一日一消毒", "Daily village disinfection", ("日常消毒", "每日消毒")),
    Term("public_area", "公共区域消毒", "Public-area disinfection", ("公共区域", "公共场所消毒")),
)}
#: the kinds a village's daily norm counts (`000` §1(一)5 and §1(三)4)
NORM_KINDS = ("daily", "public_area")
SHORTFALL = "disinfection"  # the alert kind
#: the states whose targets have a daily norm: 疫点/封锁 (sealed) and 封闭管理 (closed; natural villages only)
NORM_STATES = (*SEALED_STATES, "closed")


def record_disinfection(ctx: WriteContext, target_code: str, kind: str, *, on: dt.date | None = None,
                        area: str | None = None, note: str | None = None) -> Disinfection:
    """Log one disinfection of a building or compound/natural village on `on` (default today; never after
    today). A back-dated record that brings a past day up to the norm closes that day's shortfall alert."""
    target = resolve_target(ctx.session, target_code, ctx.actor, "disinfection.record")
    authority.require(ctx.actor, "disinfection.record", target.path)
    code = parse_term(DISINFECTION_KINDS, kind)
    if code is None:
        raise Rejected([Problem(f"未知消毒类型: {kind}", f"unknown disinfection kind: {kind!r} "
                                f"(allowed: {', '.join(DISINFECTION_KINDS)})", field="kind")])
    on = not_after_today(on or dt.date.today(), "消毒", "disinfection")
    row = Disinfection(target_kind=target.kind, target_code=target.code, path=target.path, done_on=on, kind=code,
                       area=area, note=note, recorded_by=ctx.actor.username, recorded_at=ctx.now, **target.ids())
    ctx.session.add(row)
    ctx.session.flush()
    term = DISINFECTION_KINDS[code]
    ctx.record("disinfection.record", target.kind, target.code, path=target.path,
               new={"kind": code, "on": on, "area": area}, reason=f"{term.zh} / {term.en}")
    if code in NORM_KINDS:
        refresh_shortfall_alerts(ctx, target, on)
    return row


def required(state: str, is_village: bool, norms: dict) -> int:
    """Disinfections a day that a target in `state` owes (the "disinfection" setting): a sealed village twice
    (`000` §1(三)4), a closed one once (§1(一)5); a sealed building or compound what the setting says (seeds: none)."""
    if state in SEALED_STATES:
        return int(norms["sealed_village_per_day"] if is_village else norms["sealed_building_per_day"])
    if state == "closed" and is_village:
        return int(norms["closed_village_per_day"])
    return 0


def disinfection_compliance(session: Session, on: dt.date | None = None, *, scope_path: str | None = None
                            ) -> pd.DataFrame:
    """Every target with a daily norm on `on` — under 疫点/封锁, or a natural village under 封闭管理 — with its
    village-wide disinfections (daily + public-area) that day and whether it falls short.

    Columns: target_kind, code, path, state, is_village, done_today, required, short (fewer than
    required), terminal_done (a terminal disinfection on or before `on`)."""
    on = on or dt.date.today()
    norms = get_setting(session, "disinfection")
    bl = targets_in_states(session, on, "building", tuple(SEALED_STATES), scope_path).assign(
        target_kind="building", is_village=False)
    cp = targets_in_states(session, on, "compound", NORM_STATES, scope_path)
    cp = cp.assign(target_kind="compound", is_village=cp["kind"] == "natural_village")
    cp = cp[cp["state"].isin(SEALED_STATES) | cp["is_village"]]  # a closed urban compound has no number
    frame = pd.concat([bl, cp], ignore_index=True)
    cols = ["target_kind", "code", "path", "state", "is_village", "done_today", "required", "short",
            "terminal_done"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    codes = frame["code"].tolist()
    rows = []
    for start in range(0, len(codes), 900):
        rows += session.execute(select(Disinfection.target_code, Disinfection.kind, Disinfection.done_on).where(
            Disinfection.target_code.in_(codes[start:start + 900]), Disinfection.done_on <= on)).all()
    log = pd.DataFrame(rows, columns=["code", "kind", "done_on"])
    today = log[(log["done_on"] == on) & log["kind"].isin(NORM_KINDS)].groupby("code").size()
    terminal = set(log.loc[log["kind"] == "terminal", "code"])
    frame["done_today"] = frame["code"].map(today).fillna(0).astype("int64")
    frame["required"] = [required(st, bool(v), norms) for st, v in zip(frame["state"], frame["is_village"],
                                                                       strict=True)]
    frame["short"] = frame["done_today"] < frame["required"]
    frame["terminal_done"] = frame["code"].isin(terminal)
    return frame[cols].sort_values("code").reset_index(drop=True)


# --- shortfall alerts ------------------------------------------------------------------------------------------


def _title(name: str, row: dict, day: dt.date) -> tuple[str, str]:
    state = CONTROL_STATES[row["state"]]
    where = "自然村" if row["is_village"] else ("楼栋" if row["target_kind"] == "building" else "小区")
    return (f"{name}（{where}，{state.zh}）{day} 消毒{int(row['done_today'])}次，少于每日{int(row['required'])}次",
            f"{name} ({state.en}) disinfected {int(row['done_today'])} time(s) on {day}, below "
            f"{int(row['required'])} a day")


def _raise(ctx: WriteContext, target: Target, row: dict, day: dt.date) -> Alert:
    zh, en = _title(target.row.name, row, day)
    return raise_alert(ctx, SHORTFALL, ctx.session.get(Unit, target.unit_id()), day, zh, en,
                       {"day": day.isoformat(), "done": int(row["done_today"]), "required": int(row["required"]),
                        "target_name": target.row.name,
                        "state": row["state"], "target_kind": row["target_kind"]}, subject_code=target.code)


def _close(ctx: WriteContext, alert: Alert) -> Alert:
    return resolve_alert(ctx, alert, "当日消毒已达标（补录或状态变更）",
                         "the day now meets the norm (a later record or a state change)")


def _judge_day(ctx: WriteContext, day: dt.date) -> list[Alert]:
    """Raise the missing shortfall alerts of `day` everywhere (one per target per day)."""
    frame = disinfection_compliance(ctx.session, day)
    short = [r for r in frame.to_dict("records") if r["short"]]
    if not short:
        return []
    known = set(ctx.session.execute(select(Alert.subject_code).where(
        Alert.kind == SHORTFALL, Alert.raised_on == day)).scalars())
    return [_raise(ctx, resolve_target(ctx.session, r["code"]), r, day) for r in short if r["code"] not in known]


def _target_days(session: Session, target: Target, first: dt.date, last: dt.date) -> list[dict]:
    """`target`'s state, village-wide disinfections, norm and shortfall on each day from `first` to `last`, read
    in three queries (its control events, its disinfections, the setting) rather than one city-wide pass a day."""
    ev = control_events(session, target.kind, target.path)
    ev = ev[ev["code"] == target.code]
    counts = dict(session.execute(select(Disinfection.done_on, func.count()).where(
        Disinfection.target_code == target.code, Disinfection.kind.in_(NORM_KINDS),
        Disinfection.done_on >= first, Disinfection.done_on <= last).group_by(Disinfection.done_on)).all())
    norms = get_setting(session, "disinfection")
    before = (ev.iloc[0]["old_state"] or "normal") if len(ev) else target.state
    out, day = [], first
    while day <= last:
        known = ev[ev["effective"] <= day]
        state = known.iloc[-1]["state"] if len(known) else before
        need = required(state, target.is_village, norms)
        done = int(counts.get(day, 0))
        out.append({"day": day, "state": state, "is_village": target.is_village, "target_kind": target.kind,
                    "done_today": done, "required": need, "short": done < need})
        day += dt.timedelta(days=1)
    return out


def refresh_shortfall_alerts(ctx: WriteContext, target: Target, since: dt.date) -> tuple[list[Alert], list[Alert]]:
    """Re-judge `target`'s completed days from `since` to yesterday (a write that reaches back changes them):
    raise the missing alerts, close those whose day now meets the norm."""
    yesterday = dt.date.today() - dt.timedelta(days=1)
    if since > yesterday:
        return [], []
    ctx.session.flush()
    days = _target_days(ctx.session, target, since, yesterday)
    existing = {a.raised_on: a for a in ctx.session.execute(select(Alert).where(
        Alert.kind == SHORTFALL, Alert.subject_code == target.code, Alert.raised_on >= since,
        Alert.raised_on <= yesterday)).scalars()}
    raised, closed = [], []
    for row in days:
        alert = existing.get(row["day"])
        if row["short"] and alert is None:
            raised.append(_raise(ctx, target, row, row["day"]))
        elif not row["short"] and alert is not None and alert.acknowledged_by is None:
            closed.append(_close(ctx, alert))
    return raised, closed


def raise_shortfall_alerts(ctx: WriteContext, on: dt.date) -> list[Alert]:
    """The daily run's step, in the caller's transaction: judge the day before `on` everywhere; a second run the
    same day raises nothing new (one alert per target per day)."""
    return _judge_day(ctx, on - dt.timedelta(days=1))


def group_shortfalls(frame: pd.DataFrame) -> pd.DataFrame:
    """One line per target for its shortfall alerts (issue 14 point 8): a back-dated sealing raises one alert per
    day, the wall shows "N 天消毒未达标（自 D 起）" once per village. `frame` is a list of alerts (open_alerts'
    columns); other kinds pass unchanged. A grouped line keeps the newest alert's id and day (its place in the
    list) and lists every alert id in `grouped_ids`."""
    if frame.empty or not (frame["kind"] == SHORTFALL).any():
        return frame.assign(grouped_ids=[[int(i)] for i in frame["id"]]) if len(frame) else frame
    short = frame[frame["kind"] == SHORTFALL]
    lines = []
    for _code, group in short.groupby("subject_code", sort=False):
        newest = group.sort_values(["raised_on", "id"]).iloc[-1].copy()
        n, first = len(group), min(group["raised_on"])
        if n > 1:
            name = str(newest["unit_name"])
            newest["title_zh"] = f"{group['details'].iloc[0].get('target_name') or name}：{n} 天消毒未达标（自 {first} 起）"
            newest["title_en"] = f"{group['details'].iloc[0].get('target_name') or name}: {n} days short since {first}"
        newest["grouped_ids"] = [int(i) for i in group["id"]]
        lines.append(newest)
    rest = frame[frame["kind"] != SHORTFALL].assign(grouped_ids=lambda f: [[int(i)] for i in f["id"]])
    out = pd.concat([rest, pd.DataFrame(lines)], ignore_index=True)
    return out.sort_values(["raised_on", "id"], ascending=False).reset_index(drop=True)


def pending_shortfalls(session: Session, on: dt.date) -> int:
    """How many shortfalls of the day before `on` have no alert yet (the daily run writes only when some do)."""
    day = on - dt.timedelta(days=1)
    frame = disinfection_compliance(session, day)
    short = {r["code"] for r in frame.to_dict("records") if r["short"]}
    if not short:
        return 0
    known = set(session.execute(select(Alert.subject_code).where(
        Alert.kind == SHORTFALL, Alert.raised_on == day)).scalars())
    return len(short - known)


def run_daily_disinfection_check(store: Store, on: dt.date | None = None) -> list[Alert]:
    """The daily run's disinfection check (next to geodata.situation.risk.run_daily_transitions), as
    `system:daily`: yesterday's shortfalls become alerts for the street and the wall. Idempotent."""
    on = on or dt.date.today()
    with store.read() as s:
        if not pending_shortfalls(s, on):
            return []
    return write(store, Actor.system("daily"), lambda ctx: raise_shortfall_alerts(ctx, on))
