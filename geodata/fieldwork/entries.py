"""Checkpoint entry registration (进出登记): every person and vehicle through a checkpoint, fast enough for a gate.

Seeds: 000 §1(二)2–4 (核查来往人员, 外来人员逐人登记, 一律戴口罩、测体温), 002 item 6 (人员、车辆进出登记和体温测量制度),
001 §十四 三 (逢车必查、逢人必测). So:

- a person's temperature is required (逢人必测); a vehicle's driver may be measured too;
- a temperature at or above the "gate" setting's `fever_celsius` (37.3 ℃; a city that screens at 37.5 ℃ sets it
  there) flags the entry and raises the control loop's one symptom alert for the checkpoint's community — the same
  kind a flagged health check raises (geodata.situation.observations), not a second kind;
- a household pass shown on the way out is checked (geodata.fieldwork.passes: unknown, revoked, another
  community's, or the household's second exit inside 48 h are refused with the reason);
- who registers: community and grid staff whose scope holds the checkpoint ("gate.register").

Times are the gate's wall-clock time (local, minute precision): counts per hour are the hours a gate works by.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from geodata.base.layers import Rule, checked_text
from geodata.base.tasks import Task
from geodata.base.problems import Problem, Rejected
from geodata.fieldwork.passes import check_pass, chunks, community_paths
from geodata.people import authority, reach, scope
from geodata.situation.alerts import raise_alert
from geodata.situation.risk import community_of
from geodata.store.field_models import GateEntry, HouseholdPass
from geodata.store.hierarchy import under
from geodata.store.models import Checkpoint, Household, Person
from geodata.store.rules_config import get_setting
from geodata.store.writes import Actor, WriteContext

SUBJECTS = {"person": ("人员", "Person"), "vehicle": ("车辆", "Vehicle")}
DIRECTIONS = {"in": ("进", "In"), "out": ("出", "Out")}
#: plausible body temperatures (the health check's bounds)
TEMPERATURE_RANGE = (34.0, 43.0)
_NOTE = Rule("text", max_len=100)
#: an entry may be written up to a week after it happened (a paper log typed in later), never ahead
LATE_ENTRY = dt.timedelta(days=7)


def fever_threshold(session: Session) -> float:
    return float(get_setting(session, "gate")["fever_celsius"])


def is_fever(temperature: float | None, threshold: float) -> bool:
    """A temperature at or above the threshold is a fever at the gate (issue 15: ≥37.3 ℃)."""
    return temperature is not None and round(float(temperature), 1) >= round(threshold, 1)


def gate_now() -> dt.datetime:
    """The gate's wall clock, to the minute."""
    return dt.datetime.now().replace(second=0, microsecond=0)


@dataclass(frozen=True)
class EntryResult:
    entry: GateEntry
    fever: bool
    alert_id: int | None


def find_checkpoint(session: Session, code: str, actor: Actor | None = None) -> Checkpoint:
    """The checkpoint `code`; one refusal for a code that names nothing and one outside `actor`'s scope."""
    cp = session.execute(select(Checkpoint).where(Checkpoint.code == code)).scalar_one_or_none()
    if cp is None or (actor is not None and scope.hides(actor, cp.path)):
        zh, en = scope.unknown_or_outside("卡点编码", "checkpoint code")
        raise Rejected([Problem(f"{zh}: {code}", f"{en}: {code}", field="checkpoint")])
    return cp


def register_entry(ctx: WriteContext, checkpoint_code: str, *, direction: str, subject: str = "person",
                   temperature: float | None = None, resident: bool = True, pass_no: str | None = None,
                   person_code: str | None = None, note: str | None = None,
                   at: dt.datetime | None = None) -> EntryResult:
    """Register one person or vehicle in or out of a checkpoint; a fever raises the symptom alert."""
    reach.role_first(ctx.actor, "gate.register")  # the role's refusal first: the same for any code (issue 18)
    cp = find_checkpoint(ctx.session, checkpoint_code, ctx.actor)
    authority.require(ctx.actor, "gate.register", cp.path)
    now = gate_now()
    at = (at or now).replace(second=0, microsecond=0)
    problems: list[Problem] = []
    if direction not in DIRECTIONS:
        problems.append(Problem(f"方向应为 进 或 出: {direction}", f"direction must be in or out: {direction!r}",
                                field="direction"))
    if subject not in SUBJECTS:
        problems.append(Problem(f"对象应为 人员 或 车辆: {subject}", f"subject must be person or vehicle: {subject!r}",
                                field="subject"))
    if temperature is None and subject == "person":
        problems.append(Problem("人员进出须测体温（逢人必测）", "a person's temperature is required (every person is "
                                "measured)", field="temperature"))
    if temperature is not None and not TEMPERATURE_RANGE[0] <= float(temperature) <= TEMPERATURE_RANGE[1]:
        problems.append(Problem(f"体温不合理: {temperature}（应在 34–43 ℃ 之间）",
                                f"implausible temperature {temperature} (34–43 °C)", field="temperature"))
    if at > now + dt.timedelta(minutes=5) or at < now - LATE_ENTRY:
        problems.append(Problem(f"登记时间 {at:%Y-%m-%d %H:%M} 不在过去七天之内",
                                f"time {at:%Y-%m-%d %H:%M} is not within the last seven days", field="at"))
    if cp.status != "open":
        problems.append(Problem(f"卡点 {cp.name} 已关闭，不能登记进出", f"checkpoint {cp.code} is closed",
                                field="checkpoint"))
    if note is not None and note.strip():
        note, bad = checked_text(_NOTE, "note", note.strip())
        if bad:
            problems.append(Problem(bad[0], bad[1], field="note"))
    else:
        note = None
    person = None
    if person_code:
        person = ctx.session.execute(select(Person).where(Person.code == person_code)).scalar_one_or_none()
        if person is None or scope.hides(ctx.actor, person.path):
            zh, en = scope.unknown_or_outside("人员编码", "person code")
            problems.append(Problem(f"{zh}: {person_code}", f"{en}: {person_code}", field="person_code"))
    if problems:
        raise Rejected(problems)
    checked = None
    if pass_no and pass_no.strip():
        community = community_of(ctx.session, cp.path)
        checked = check_pass(ctx.session, ctx.actor, pass_no, community.path, direction, at, person)
    threshold = fever_threshold(ctx.session)
    fever = is_fever(temperature, threshold)
    entry = GateEntry(code=f"GE-{at:%Y%m%d%H%M}-{uuid.uuid4().hex[:6].upper()}", checkpoint_id=cp.id, path=cp.path,
                      at=at, subject=subject, direction=direction, resident=bool(resident),
                      temperature=None if temperature is None else round(float(temperature), 1), fever=fever,
                      pass_id=checked.pass_.id if checked else None,
                      household_id=checked.household.id if checked else None,
                      person_id=person.id if person else None, note=note, recorded_by=ctx.actor.username)
    ctx.session.add(entry)
    ctx.session.flush()
    ctx.record("gate.entry", "checkpoint", cp.code, path=cp.path,
               new={"entry": entry.code, "at": at, "subject": subject, "direction": direction,
                    "resident": bool(resident), "temperature": entry.temperature, "fever": fever,
                    "pass_no": checked.pass_.number if checked else None})
    alert_id = raise_fever_alert(ctx, cp, entry, threshold).id if fever else None
    return EntryResult(entry, fever, alert_id)


def raise_fever_alert(ctx: WriteContext, cp: Checkpoint, entry: GateEntry, threshold: float):  # noqa: ANN201
    """The control loop's symptom alert for a fever at a gate: for the checkpoint's community, naming the entry."""
    who_zh = f"{'住户' if entry.resident else '外来'}{SUBJECTS[entry.subject][0]}"
    who_en = f"{'resident' if entry.resident else 'visitor'} {entry.subject}"
    return raise_alert(
        ctx, "symptom", community_of(ctx.session, cp.path), entry.at.date(),
        f"卡点 {cp.name} 测温异常：{who_zh}体温{entry.temperature}℃（≥{threshold:g}℃），请专人带至发热门诊并报告",
        f"checkpoint {cp.code}: {who_en} at {entry.temperature} °C (≥{threshold:g} °C) — escort to a fever clinic "
        f"and report", {"checkpoint": cp.code, "entry": entry.code, "temperature": entry.temperature,
                        "source": "gate"}, subject_code=entry.code)


def insert_entries(ctx: WriteContext, frame: pd.DataFrame) -> int:
    """Write many entries at once (the demo's day, a paper log typed in later): columns checkpoint_code, at,
    subject, direction, resident, temperature, optional household_code and pass_no. Checked column by column as
    one entry is (vocabularies, temperature bounds, no time ahead of now, the registrar's scope at every
    checkpoint); fevers are flagged and raise their alerts. The pass window is not applied: this is history as it
    happened. One event per checkpoint with its count."""
    if frame.empty:
        return 0
    f = frame.reset_index(drop=True).copy()
    cps = pd.DataFrame(ctx.session.execute(select(Checkpoint.id, Checkpoint.code, Checkpoint.path).where(
        Checkpoint.code.in_(f["checkpoint_code"].unique().tolist()))).all(),
        columns=["checkpoint_id", "checkpoint_code", "path"])
    f = f.merge(cps, on="checkpoint_code", how="left")
    hidden = {p for p in f["path"].dropna().unique() if reach.hidden(ctx.actor, p)}
    if hidden:  # outside the scope: told as unknown (issue 18); the rows are refused below
        gone = f["path"].isin(hidden)
        f["checkpoint_id"], f["path"] = f["checkpoint_id"].astype(float).where(~gone), f["path"].where(~gone)
    unknown_cp = scope.unknown_or_outside("卡点编码", "checkpoint code") if ctx.actor.scope_path is not None else \
        ("卡点编码不存在", "unknown checkpoint")
    temp = pd.to_numeric(f["temperature"], errors="coerce")
    at = pd.to_datetime(f["at"]).dt.floor("min")
    checks = [
        (f["checkpoint_id"].isna(), "checkpoint_code", *unknown_cp),
        (~f["direction"].isin(list(DIRECTIONS)), "direction", "方向应为 进 或 出", "direction must be in or out"),
        (~f["subject"].isin(list(SUBJECTS)), "subject", "对象应为 人员 或 车辆", "subject must be person or vehicle"),
        ((f["subject"] == "person") & temp.isna(), "temperature", "人员进出须测体温", "a person's temperature is required"),
        (temp.notna() & ~temp.between(*TEMPERATURE_RANGE), "temperature", "体温不合理", "implausible temperature"),
        (at > pd.Timestamp(gate_now() + dt.timedelta(minutes=5)), "at", "登记时间晚于当前时间", "time ahead of now"),
    ]
    problems = [Problem(zh, en, field=fld, row=int(i) + 1) for bad, fld, zh, en in checks for i in f.index[bad]]
    if problems:
        raise Rejected(problems)
    for path in f["path"].unique():
        authority.require(ctx.actor, "gate.register", path)
    threshold = fever_threshold(ctx.session)
    fever = temp.round(1) >= round(threshold, 1)
    passes_ = f["pass_no"] if "pass_no" in f else pd.Series(None, index=f.index)
    pass_ids = {n: i for part in chunks(passes_.dropna().unique().tolist()) for n, i in ctx.session.execute(
        select(HouseholdPass.number, HouseholdPass.id).where(HouseholdPass.number.in_(part))).all()}
    hh = f["household_code"] if "household_code" in f else pd.Series(None, index=f.index)
    hh_ids = {c: i for part in chunks(hh.dropna().unique().tolist()) for c, i in ctx.session.execute(
        select(Household.code, Household.id).where(Household.code.in_(part))).all()}
    tag = uuid.uuid4().hex[:4].upper()
    rows = pd.DataFrame({
        "code": ("GE-" + at.dt.strftime("%Y%m%d%H%M") + f"-{tag}"
                 + pd.Series(f.index, index=f.index).map("{:06d}".format)),
        "checkpoint_id": f["checkpoint_id"].astype(int), "path": f["path"], "at": at.dt.to_pydatetime(),
        "subject": f["subject"], "direction": f["direction"], "resident": f["resident"].astype(bool),
        "temperature": temp.round(1).astype(object).where(temp.notna(), None), "fever": fever.astype(bool),
        "pass_id": passes_.map(pass_ids).astype(object), "household_id": hh.map(hh_ids).astype(object),
        "person_id": None, "note": None, "recorded_by": ctx.actor.username}, index=f.index)
    records = rows.to_dict("records")
    # ids as int or None in the records themselves: a column of ints and None would come back as floats and NaN,
    # which PostgreSQL refuses for an integer column
    for col in ("pass_id", "household_id"):
        for record, v in zip(records, rows[col], strict=True):
            record[col] = None if pd.isna(v) else int(v)
    ctx.session.execute(insert(GateEntry.__table__), records)  # Core executemany: ORM bulk costs 3× as much
    # one event per community (its path): a city's day is tens of thousands of rows, an event each would double it
    per = f.assign(place=community_paths(f["path"])).groupby("place").agg(
        entries=("checkpoint_code", "size"), checkpoints=("checkpoint_code", lambda c: sorted(set(c))))
    for place, row in per.iterrows():
        ctx.record("gate.entries", "checkpoint", None, path=place,
                   new={"entries": int(row["entries"]), "checkpoints": row["checkpoints"]},
                   reason="进出登记批量录入 / entries written in bulk")
    feverish = [r["code"] for r in records if r["fever"]]
    if feverish:
        for entry in ctx.session.execute(select(GateEntry).where(GateEntry.code.in_(feverish))).scalars():
            raise_fever_alert(ctx, ctx.session.get(Checkpoint, entry.checkpoint_id), entry, threshold)
    return len(records)


# --- reads ------------------------------------------------------------------------------------------------


def _day_bounds(on: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(on, dt.time())
    return start, start + dt.timedelta(days=1)


def entries_on(session: Session, actor: Actor, checkpoint_code: str, on: dt.date) -> pd.DataFrame:
    """A checkpoint's log of one day, newest first (time, subject, direction, resident, temperature, fever, pass
    number, note, who registered): for staff whose scope holds the checkpoint."""
    reach.role_first(actor, "gate.read")
    cp = find_checkpoint(session, checkpoint_code, actor)
    authority.require(actor, "gate.read", cp.path)
    start, end = _day_bounds(on)
    rows = session.execute(
        select(GateEntry.code, GateEntry.at, GateEntry.subject, GateEntry.direction, GateEntry.resident,
               GateEntry.temperature, GateEntry.fever, HouseholdPass.number.label("pass_no"), GateEntry.note,
               GateEntry.recorded_by)
        .outerjoin(HouseholdPass, HouseholdPass.id == GateEntry.pass_id)
        .where(GateEntry.checkpoint_id == cp.id, GateEntry.at >= start, GateEntry.at < end)
        .order_by(GateEntry.at.desc(), GateEntry.id.desc())).all()
    return pd.DataFrame(rows, columns=["code", "at", "subject", "direction", "resident", "temperature", "fever",
                                       "pass_no", "note", "recorded_by"])


def hourly_counts(session: Session, actor: Actor, checkpoint_code: str, on: dt.date) -> pd.DataFrame:
    """Entries per hour of one day at a checkpoint: hour 0–23, in, out, fevers (every hour listed)."""
    log = entries_on(session, actor, checkpoint_code, on)
    hours = pd.DataFrame({"hour": range(24)})
    if log.empty:
        return hours.assign(ins=0, outs=0, fevers=0)
    log["hour"] = pd.to_datetime(log["at"]).dt.hour
    per = log.groupby("hour").agg(ins=("direction", lambda d: int((d == "in").sum())),
                                  outs=("direction", lambda d: int((d == "out").sum())),
                                  fevers=("fever", lambda f: int(f.astype(bool).sum())))
    return hours.merge(per, on="hour", how="left").fillna(0).astype(int)


def checkpoint_counts(session: Session, on: dt.date, *, scope_path: str | None = None,
                      checkpoint_codes: list[str] | None = None) -> pd.DataFrame:
    """Counts of one day per checkpoint under `scope_path` (no names, no persons: cards, map and wall): code,
    entries, ins, outs, fevers. Checkpoints without entries are left out."""
    start, end = _day_bounds(on)
    q = (select(Checkpoint.code, func.count(GateEntry.id),
                func.sum(case((GateEntry.direction == "in", 1), else_=0)),
                func.sum(case((GateEntry.direction == "out", 1), else_=0)),
                func.sum(case((GateEntry.fever.is_(True), 1), else_=0)))
         .join(Checkpoint, Checkpoint.id == GateEntry.checkpoint_id)
         .where(GateEntry.at >= start, GateEntry.at < end).group_by(Checkpoint.code))
    if scope_path:
        q = q.where(under(GateEntry.path, scope_path))
    if checkpoint_codes is not None:
        q = q.where(Checkpoint.code.in_(checkpoint_codes))
    frame = pd.DataFrame(session.execute(q).all(), columns=["code", "entries", "ins", "outs", "fevers"])
    return frame.astype({c: int for c in ("entries", "ins", "outs", "fevers")})


def _wall_counts() -> list:
    """The wall's gate figures as SQL: entries, and fevers among them — one rule for the city's numbers
    (`gate_totals`) and the units behind them (`gate_totals_by_path`)."""
    return [func.count(GateEntry.id), func.sum(case((GateEntry.fever.is_(True), 1), else_=0))]


def gate_totals(session: Session, on: dt.date, scope_path: str | None = None) -> dict[str, int]:
    """The wall's two figures: entries registered at gates on `on`, and fevers among them (counts only)."""
    start, end = _day_bounds(on)
    q = select(*_wall_counts()).where(GateEntry.at >= start, GateEntry.at < end)
    if scope_path:
        q = q.where(under(GateEntry.path, scope_path))
    n, fevers = session.execute(q).one()
    return {"entries": int(n or 0), "fevers": int(fevers or 0)}


def gate_totals_by_path(session: Session, on: dt.date, scope_path: str | None = None) -> pd.DataFrame:
    """`gate_totals` per place an entry was registered at (its `path`), one query: the wall rolls them up to the
    units behind "卡点今日进出" and "卡点发热" (geodata.reporting.selection). Counts only."""
    start, end = _day_bounds(on)
    q = select(GateEntry.path, *_wall_counts()).where(GateEntry.at >= start, GateEntry.at < end).group_by(
        GateEntry.path)
    if scope_path:
        q = q.where(under(GateEntry.path, scope_path))
    frame = pd.DataFrame(session.execute(q).all(), columns=["path", "gate_entries", "gate_fevers"])
    return frame.fillna({"gate_fevers": 0}).astype({"gate_entries": int, "gate_fevers": int})


def gate_checkpoints(session: Session, actor: Actor) -> pd.DataFrame:
    """The open checkpoints a person may register at (gate.register) or, for the street and the command centre,
    read (gate.read): code, name, kind, path, may_register."""
    q = select(Checkpoint.code, Checkpoint.name, Checkpoint.kind, Checkpoint.path).where(
        Checkpoint.status == "open").order_by(Checkpoint.path, Checkpoint.name)
    if actor.scope_path:
        q = q.where(under(Checkpoint.path, actor.scope_path))
    frame = pd.DataFrame(session.execute(q).all(), columns=["code", "name", "kind", "path"])
    frame = frame[[authority.allowed(actor, "gate.read", p) for p in frame["path"]]].reset_index(drop=True)
    frame["may_register"] = [authority.allowed(actor, "gate.register", p) for p in frame["path"]]
    return frame


def entry_log(session: Session, actor: Actor, on: dt.date, scope_path: str | None = None) -> pd.DataFrame:
    """The entry log of a day under `scope_path` with checkpoint code and name (for the XLSX export): staff whose
    scope holds the place (gate.read)."""
    path = scope_path or actor.scope_path
    authority.require(actor, "gate.read", path)
    scope.require_read(actor, path)
    start, end = _day_bounds(on)
    q = (select(Checkpoint.code.label("checkpoint_code"), Checkpoint.name.label("checkpoint_name"), GateEntry.code,
                GateEntry.at, GateEntry.subject, GateEntry.direction, GateEntry.resident, GateEntry.temperature,
                GateEntry.fever, HouseholdPass.number.label("pass_no"), GateEntry.note, GateEntry.recorded_by)
         .join(Checkpoint, Checkpoint.id == GateEntry.checkpoint_id)
         .outerjoin(HouseholdPass, HouseholdPass.id == GateEntry.pass_id)
         .where(GateEntry.at >= start, GateEntry.at < end).order_by(Checkpoint.code, GateEntry.at))
    if path:
        q = q.where(under(GateEntry.path, path))
    return pd.DataFrame(session.execute(q).all(), columns=[
        "checkpoint_code", "checkpoint_name", "code", "at", "subject", "direction", "resident", "temperature",
        "fever", "pass_no", "note", "recorded_by"])


def gate_tasks(session: Session, actor: Actor, day: dt.date) -> list[Task]:
    """Today's fevers at the gates the worker registers at (geodata.reporting.tasks): one open task per checkpoint
    with a fever today — the person is escorted to a fever clinic and reported (000 §1(三)3 及时送诊、及时报告)."""
    if actor.scope_path is None or not authority.allowed(actor, "gate.register", actor.scope_path):
        return []
    counts = checkpoint_counts(session, day, scope_path=actor.scope_path)
    counts = counts[counts["fevers"] > 0]
    if counts.empty:
        return []
    cps = dict(session.execute(select(Checkpoint.code, Checkpoint.name).where(
        Checkpoint.code.in_(counts["code"].tolist()))).all())
    paths = dict(session.execute(select(Checkpoint.code, Checkpoint.path).where(
        Checkpoint.code.in_(counts["code"].tolist()))).all())
    return [Task("gate_fever", r.code, f"卡点发热 {r.fevers} 人：{cps[r.code]}，请核实是否已送诊并报告",
                 f"{r.fevers} fever(s) at {cps[r.code]}: check they were escorted to a clinic and reported",
                 paths[r.code], None, f"今日进出 {r.entries} 人次", f"{r.entries} through today", page="gate",
                 params=(("checkpoint", r.code),), action="gate.register")
            for r in counts.itertuples() if authority.allowed(actor, "gate.register", paths[r.code])]
