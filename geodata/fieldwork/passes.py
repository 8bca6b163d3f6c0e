"""Household passes (通行证/出入券, 000 §1(五) "一户一卡 … 每2天每户可指派1名 … 家庭成员持通行证出门采购"): one active
pass per household with a unique number, issued to a whole compound or building at once; a lost pass is revoked
and a new one issued (both audited); at the gate a household's second exit inside the window (the "gate"
setting's `pass_window_hours`, 48) is refused, saying who went out when and when the next exit is allowed.

The register may also come from an office's Excel sheet (`import_passes`): a number already in the register that
names another household moves to it only when the person may issue passes at both places.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from geodata.base.clock import local
from geodata.base.layers import Rule, checked_text
from geodata.base.problems import PermissionDenied, Problem, Rejected
from geodata.people import authority, reach, scope
from geodata.store.field_models import GateEntry, HouseholdPass
from geodata.store.hierarchy import under
from geodata.store.models import Building, Household, Person, Unit
from geodata.store.rules_config import get_setting
from geodata.store.writes import Actor, WriteContext

ACTIVE, REVOKED = "active", "revoked"
#: the field rules of a pass number (the household register's 通行证号) and of a revocation's reason
_NUMBER, _REASON = Rule("text", max_len=64), Rule("text", max_len=200)
STATUS_WORDS = {ACTIVE: ("有效", "active"), REVOKED: ("已作废", "revoked")}


def window_hours(session: Session) -> float:
    """Hours between two exits of one household (000 §1(五) 每2天: 48 by default)."""
    return float(get_setting(session, "gate")["pass_window_hours"])


def unknown_pass() -> Rejected:
    """One answer for a pass number that names nothing and one outside the person's reach (issue 18: no answer
    tells which codes exist elsewhere)."""
    zh, en = scope.unknown_or_outside("通行证号", "pass number")
    return Rejected([Problem(zh, en, field="pass_no")])


def find_pass(session: Session, number: str, actor: Actor | None = None) -> HouseholdPass:
    """The pass with this number, or a refusal naming the field — the same one when it lies outside `actor`'s
    scope."""
    found = session.execute(select(HouseholdPass).where(HouseholdPass.number == number.strip())).scalar_one_or_none()
    if found is None or (actor is not None and scope.hides(actor, found.path)):
        raise unknown_pass()
    return found


def _households_at(session: Session, actor: Actor, code: str) -> tuple[str, list[Household]]:
    """The households of a compound, grid or community (by unit code) or of one building (by building code)."""
    unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is not None and scope.hides(actor, unit.path):
        unit = None  # told as unknown, like a code that names nothing
    if unit is not None:
        rows = session.execute(select(Household).where(under(Household.path, unit.path))
                               .order_by(Household.id)).scalars().all()
        return unit.path, list(rows)
    building = session.execute(select(Building).where(Building.code == code)).scalar_one_or_none()
    if building is None or scope.hides(actor, building.path):
        zh, en = scope.unknown_or_outside("小区或楼栋编码", "compound or building code")
        raise Rejected([Problem(f"{zh}: {code}", f"{en}: {code}", field="code")])
    rows = session.execute(select(Household).where(Household.building_id == building.id)
                           .order_by(Household.id)).scalars().all()
    return building.path, list(rows)


def _next_number(session: Session, household: Household) -> str:
    """T + the household's number; a reissue adds -2, -3 … (short enough to type at a gate, unique)."""
    issued = session.execute(select(func.count()).select_from(HouseholdPass)
                             .where(HouseholdPass.household_id == household.id)).scalar_one()
    base = f"T{household.id:06d}"
    return base if issued == 0 else f"{base}-{issued + 1}"


def _issue(ctx: WriteContext, household: Household, on: dt.date, *, number: str | None = None,
           replaces: str | None = None, why: str | None = None) -> HouseholdPass:
    p = HouseholdPass(number=number or _next_number(ctx.session, household), household_id=household.id,
                      path=household.path, status=ACTIVE, issued_on=on, issued_by=ctx.actor.username,
                      replaces=replaces)
    ctx.session.add(p)
    old_no = household.pass_no
    household.pass_no = p.number  # the household ledger's 通行证号 column shows the pass in use
    ctx.session.flush()
    ctx.record("pass.issue", "household", household.code, path=household.path, old={"pass_no": old_no},
               new={"pass_no": p.number, "issued_on": on, "replaces": replaces},
               reason=why or "发放通行证 / pass issued")
    return p


def active_pass(session: Session, household_id: int) -> HouseholdPass | None:
    return session.execute(select(HouseholdPass).where(HouseholdPass.household_id == household_id,
                                                       HouseholdPass.status == ACTIVE)).scalars().first()


def issue_passes(ctx: WriteContext, code: str, *, on: dt.date | None = None) -> list[HouseholdPass]:
    """Issue a pass to every household of a compound, building or unit that has no active one (一户一卡): a batch
    for the whole place at once. Households that already hold a pass keep it. Refused outside the issuer's scope."""
    reach.role_first(ctx.actor, "pass.issue")  # the role's refusal first: the same for any code (issue 18)
    path, households = _households_at(ctx.session, ctx.actor, code)
    authority.require(ctx.actor, "pass.issue", path)
    if not households:
        raise Rejected([Problem(f"{code} 下没有登记的住户", f"no households registered under {code}", field="code")])
    on = on or dt.date.today()
    out = []
    for h in households:
        authority.require(ctx.actor, "pass.issue", h.path)
        if active_pass(ctx.session, h.id) is None:
            out.append(_issue(ctx, h, on))
    return out


def revoke_pass(ctx: WriteContext, number: str, reason: str) -> HouseholdPass:
    """Revoke a pass (lost, misused): it is refused at the gate from now on. The reason is required."""
    reach.role_first(ctx.actor, "pass.issue")
    p = find_pass(ctx.session, number, ctx.actor)
    authority.require(ctx.actor, "pass.issue", p.path)
    why = _reason(reason)
    if p.status != ACTIVE:
        when = local(p.revoked_at)  # revoked_at is ctx.now, UTC; the gate's entry times are local
        raise Rejected([Problem(f"通行证 {p.number} 已于 {when:%Y-%m-%d %H:%M} 作废",
                                f"pass {p.number} was revoked at {when:%Y-%m-%d %H:%M}", field="pass_no")])
    p.status, p.revoked_at, p.revoked_by, p.revoke_reason = REVOKED, ctx.now, ctx.actor.username, why
    household = ctx.session.get(Household, p.household_id)
    if household.pass_no == p.number:
        household.pass_no = None
    ctx.session.flush()
    ctx.record("pass.revoke", "household", household.code, path=p.path, old={"pass_no": p.number, "status": ACTIVE},
               new={"pass_no": None, "status": REVOKED}, reason=why)
    return p


def reissue_pass(ctx: WriteContext, number: str, reason: str, *, on: dt.date | None = None) -> HouseholdPass:
    """A lost pass: revoke it (when still active) and issue the household a new number that names the old one.
    The household's exits keep counting across the two numbers (the window is the household's)."""
    reach.role_first(ctx.actor, "pass.issue")
    old = find_pass(ctx.session, number, ctx.actor)
    authority.require(ctx.actor, "pass.issue", old.path)
    household = ctx.session.get(Household, old.household_id)
    authority.require(ctx.actor, "pass.issue", household.path)  # the new pass's place: where the household is now
    why = _reason(reason)
    if old.status == ACTIVE:
        revoke_pass(ctx, number, why)
    elif (current := active_pass(ctx.session, household.id)) is not None:
        raise Rejected([Problem(f"该户已有有效通行证 {current.number}", f"the household already holds pass "
                                f"{current.number}", field="pass_no")])
    return _issue(ctx, household, on or dt.date.today(), replaces=old.number, why=f"补发（原证 {old.number}）：{why}")


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    problem = None if text else ("请填写原因", "give a reason")
    if text:
        text, problem = checked_text(_REASON, "reason", text)
    if problem:
        raise Rejected([Problem(problem[0], problem[1], field="reason")])
    return text


# --- at the gate --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassCheck:
    """A pass shown at the gate: which household, and (for an exit) that the window allows it."""

    pass_: HouseholdPass
    household: Household


def check_pass(session: Session, actor: Actor, number: str, community_path: str, direction: str, at: dt.datetime,
               person: Person | None = None) -> PassCheck:
    """Refuse an unknown or revoked pass, a pass of another community's household, and a household's second exit
    within the window — naming who went out when and when the next exit is allowed."""
    p = find_pass(session, number, actor)
    household = session.get(Household, p.household_id)
    if not household.path.startswith(community_path):
        raise unknown_pass()  # another community's pass: valid at its own gates, unknown at this one
    if p.status != ACTIVE:
        raise Rejected([Problem(
            f"通行证 {p.number} 已作废（{local(p.revoked_at):%Y-%m-%d %H:%M}，{p.revoke_reason or ''}），不能通行",
            f"pass {p.number} was revoked ({local(p.revoked_at):%Y-%m-%d %H:%M}, {p.revoke_reason or ''}): "
            "not valid",
            field="pass_no")])
    if person is not None and person.household_id != household.id:
        raise Rejected([Problem(f"该人员不是通行证 {p.number} 所属户的成员",
                                f"this person is not a member of pass {p.number}'s household", field="person_code")])
    if direction == "out":
        problem = exit_problem(session, actor, household, at)
        if problem is not None:
            raise Rejected([problem])
    return PassCheck(p, household)


def exit_problem(session: Session, actor: Actor, household: Household, at: dt.datetime) -> Problem | None:
    """The refusal of an exit at `at` when the household's last exit lies less than the window before it (47:59
    refused, 48:00 allowed), else None. Who went out is named to those who may read the household's persons."""
    hours = window_hours(session)
    since = at - dt.timedelta(hours=hours)
    last = session.execute(select(GateEntry.at, GateEntry.person_id).where(
        GateEntry.household_id == household.id, GateEntry.direction == "out", GateEntry.at > since,
        GateEntry.at <= at).order_by(GateEntry.at.desc())).first()
    if last is None:
        return None
    nxt = last.at + dt.timedelta(hours=hours)
    name = session.get(Person, last.person_id).name if last.person_id else None
    if name and scope.can_read_persons(actor, household.path):
        who_zh, who_en = name, name
    else:
        who_zh, who_en = "本户一名成员", "a member of the household"
    return Problem(f"本户（{household.code}）已由{who_zh}于 {last.at:%Y-%m-%d %H:%M} 持证外出，每户每{hours:g}小时限1人"
                   f"外出一次；下次可外出时间 {nxt:%Y-%m-%d %H:%M}",
                   f"household {household.code}: {who_en} went out at {last.at:%Y-%m-%d %H:%M}; one exit per "
                   f"household every {hours:g} h — next exit allowed from {nxt:%Y-%m-%d %H:%M}", field="pass_no")


# --- the register ---------------------------------------------------------------------------------------


def passes_in(session: Session, actor: Actor, scope_path: str | None) -> pd.DataFrame:
    """The pass register under `scope_path` (number, household, room, building, status, issued, revoked, why,
    replaces, last exit): for community staff and the street (pass.read)."""
    authority.require(actor, "pass.read", scope_path)
    q = (select(HouseholdPass.number, Household.code.label("household_code"), Household.room,
                Building.code.label("building_code"), Building.name.label("building_name"), HouseholdPass.status,
                HouseholdPass.issued_on, HouseholdPass.issued_by, HouseholdPass.revoked_at,
                HouseholdPass.revoke_reason, HouseholdPass.replaces, HouseholdPass.path)
         .join(Household, Household.id == HouseholdPass.household_id)
         .outerjoin(Building, Building.id == Household.building_id).order_by(HouseholdPass.number))
    if scope_path:
        q = q.where(under(HouseholdPass.path, scope_path))
    frame = pd.DataFrame(session.execute(q).all(), columns=[
        "number", "household_code", "room", "building_code", "building_name", "status", "issued_on", "issued_by",
        "revoked_at", "revoke_reason", "replaces", "path"])
    last = pd.DataFrame(session.execute(select(GateEntry.household_id, func.max(GateEntry.at)).where(
        GateEntry.direction == "out", GateEntry.household_id.is_not(None)).group_by(GateEntry.household_id)).all(),
        columns=["household_id", "last_exit"])
    ids = dict(session.execute(select(Household.code, Household.id).where(
        Household.code.in_(frame["household_code"].tolist()))).all()) if len(frame) else {}
    frame["last_exit"] = frame["household_code"].map(ids).map(dict(zip(last["household_id"], last["last_exit"])))
    return frame


#: a pass register as offices keep it: column → (Chinese header, English header)
REGISTER_COLUMNS = {"number": ("通行证号", "Pass number"), "household_code": ("户编码", "Household code"),
                    "issued_on": ("发放日期", "Issued on"), "status": ("状态", "Status")}


def import_passes(ctx: WriteContext, frame: pd.DataFrame) -> dict[str, int]:
    """Bring an office's pass register in (columns number, household_code, optional issued_on, status): all or
    nothing, every problem named by row. A new number is issued to its household (refused when the household
    already holds another active pass); a number already registered to another household moves to it — checked at
    the household it leaves and the one it joins; `status` 作废/revoked revokes it."""
    problems: list[Problem] = []
    counts = {"issued": 0, "moved": 0, "revoked": 0, "unchanged": 0}
    seen: set[str] = set()
    for k, row in enumerate(frame.to_dict("records"), start=2):
        i = int(row.get("row") or k)  # the row a person sees in the file (our own sheets: row 1 is the header)
        number = str(row.get("number") or "").strip()
        hcode = str(row.get("household_code") or "").strip()
        if not number or not hcode:
            problems.append(Problem("通行证号和户编码都必须填写", "pass number and household code are required",
                                    field="number" if not number else "household_code", row=i))
            continue
        value, bad = checked_text(_NUMBER, "number", number)
        if bad:
            problems.append(Problem(bad[0], bad[1], field="number", row=i))
            continue
        if number in seen:
            problems.append(Problem(f"通行证号重复: {number}", f"pass number {number!r} appears twice",
                                    field="number", row=i))
            continue
        seen.add(number)
        household = ctx.session.execute(select(Household).where(Household.code == hcode)).scalar_one_or_none()
        if household is None or scope.hides(ctx.actor, household.path):
            zh, en = scope.unknown_or_outside("户编码", "household code")
            problems.append(Problem(f"{zh}: {hcode}", f"{en}: {hcode}", field="household_code", row=i))
            continue
        revoke = str(row.get("status") or "").strip().lower() in {"作废", "已作废", "revoked", "挂失"}
        on = _day(row.get("issued_on"))
        if on is None:
            problems.append(Problem(f"发放日期应为 YYYY-MM-DD: {row.get('issued_on')}",
                                    f"issued on must be YYYY-MM-DD: {row.get('issued_on')!r}", field="issued_on",
                                    row=i))
            continue
        try:
            authority.require(ctx.actor, "pass.issue", household.path)  # the new place
            existing = ctx.session.execute(select(HouseholdPass).where(HouseholdPass.number == value)
                                           ).scalar_one_or_none()
            if existing is not None and existing.household_id != household.id:
                if scope.hides(ctx.actor, existing.path):
                    raise unknown_pass()  # a number registered elsewhere is not confirmed to exist
                authority.require(ctx.actor, "pass.issue", existing.path)  # the place it leaves
                old_household = ctx.session.get(Household, existing.household_id)
                if old_household.pass_no == existing.number:
                    old_household.pass_no = None
                ctx.record("pass.move", "household", household.code, path=household.path,
                           old={"pass_no": existing.number, "household": old_household.code, "path": existing.path},
                           new={"pass_no": existing.number, "household": household.code, "path": household.path},
                           reason="通行证台账导入 / pass register import")
                existing.household_id, existing.path = household.id, household.path
                household.pass_no = existing.number
                counts["moved"] += 1
            elif existing is None:
                current = active_pass(ctx.session, household.id)
                if current is not None and not revoke:
                    problems.append(Problem(f"户 {hcode} 已有有效通行证 {current.number}，请先作废",
                                            f"household {hcode} already holds pass {current.number}: revoke it first",
                                            field="number", row=i))
                    continue
                existing = _issue(ctx, household, on, number=value, why="通行证台账导入 / pass register import")
                counts["issued"] += 1
            else:
                counts["unchanged"] += 1
            if revoke and existing.status == ACTIVE:
                revoke_pass(ctx, existing.number, "台账登记作废 / revoked in the register")
                counts["revoked"] += 1
        except (Rejected, PermissionDenied) as exc:  # named by row; nothing is written when any row is refused
            problems += [Problem(p.message_zh, p.message_en, field=p.field or "household_code", row=i)
                         for p in exc.problems]
        ctx.session.flush()
    if problems:
        raise Rejected(problems)
    return counts


def _day(value: object) -> dt.date | None:
    """A register's date (blank: today); None when it is not a date."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def insert_passes(ctx: WriteContext, frame: pd.DataFrame) -> int:
    """Issue many passes in one statement (the demo's sealed compounds, a first register): columns number,
    household_code, issued_on. Each household gets at most one and must hold none yet; numbers are unique; the
    issuer needs "pass.issue" at every household's place. One event per community with its count."""
    if frame.empty:
        return 0
    found = [r for part in chunks(frame["household_code"].astype(str).unique().tolist())
             for r in ctx.session.execute(select(Household.id, Household.code, Household.path).where(
                 Household.code.in_(part))).all()]
    households = pd.DataFrame(found, columns=["household_id", "household_code", "path"])
    rows = frame.astype({"household_code": str, "number": str}).merge(households, on="household_code", how="left")
    problems = [Problem(f"户编码不存在: {c}", f"unknown household {c!r}", field="household_code", row=int(i) + 1)
                for i, c in rows.loc[rows["household_id"].isna(), "household_code"].items()]
    for col, what in (("number", ("通行证号", "pass number")), ("household_code", ("户", "household"))):
        dup = rows[col].duplicated(keep=False)
        problems += [Problem(f"{what[0]}重复: {v}", f"{what[1]} {v!r} appears twice", field=col, row=int(i) + 1)
                     for i, v in rows.loc[dup, col].items()]
    numbers, held = set(), set()
    for part in chunks(rows["number"].tolist()):
        numbers |= set(ctx.session.execute(
            select(HouseholdPass.number).where(HouseholdPass.number.in_(part))).scalars())
    for part in chunks(rows["household_id"].dropna().astype(int).tolist()):
        held |= set(ctx.session.execute(select(HouseholdPass.household_id).where(
            HouseholdPass.status == ACTIVE, HouseholdPass.household_id.in_(part))).scalars())
    clash = rows["number"].isin(numbers) | rows["household_id"].isin(held)
    problems += [Problem(f"通行证号已存在或该户已有通行证: {n}", f"pass {n!r} exists or the household holds one",
                         field="number", row=int(i) + 1) for i, n in rows.loc[clash, "number"].items()]
    if problems:
        raise Rejected(problems)
    for path in rows["path"].unique():
        authority.require(ctx.actor, "pass.issue", path)
    records = [{"number": r.number, "household_id": int(r.household_id), "path": r.path, "status": ACTIVE,
                "issued_on": r.issued_on, "issued_by": ctx.actor.username, "version": 1}
               for r in rows.itertuples(index=False)]
    ctx.session.execute(insert(HouseholdPass), records)
    for part in chunks(rows["household_id"].astype(int).tolist()):
        ctx.session.execute(update(Household).where(Household.id.in_(part)).values(
            pass_no=select(HouseholdPass.number).where(HouseholdPass.household_id == Household.id,
                                                       HouseholdPass.status == ACTIVE).scalar_subquery(),
            version=Household.version + 1).execution_options(synchronize_session=False))
    for path, n in rows.assign(place=community_paths(rows["path"])).groupby("place").size().items():
        ctx.record("pass.issue_batch", "household", None, path=path, new={"passes": int(n)},
                   reason="批量发放通行证 / passes issued in bulk")
    return len(records)


def chunks(values: list, size: int = 5000) -> list[list]:
    """Bound the IN lists (SQLite allows 32,766 parameters a statement)."""
    return [values[i:i + size] for i in range(0, len(values), size)] or [[]]


def community_paths(paths: pd.Series) -> pd.Series:
    """The path of the community each path lies in (or the path itself above that level): bulk writes log one
    event per community."""
    return paths.str.extract(r"^(/(?:\d+/){1,4})", expand=False).fillna(paths)
