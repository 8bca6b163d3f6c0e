"""Returnee lists pushed down from the district (004 (一)2 下传机制): a list of names arrives as a screening round of
its own (kind "returnees"), each name matched to a registered household — by ID number first, then by name at the
building and room — or flagged unmatched for the community to find; the grid workers then visit the matched
households (geodata.fieldwork.screening.record_visit).

A list is taken whole or not at all: a malformed row (no name, a malformed ID number or phone, an unreadable or
future arrival date, text with control characters or too long) refuses the list by row, in Chinese and English,
and nothing is written. A well-formed ID number with a wrong check digit is kept and flagged (a warning).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.layers import RULES, checked_text, id_number_warning
from geodata.base.problems import Problem, Rejected
from geodata.fieldwork.screening import check_round_fields, get_round, new_round
from geodata.people import authority, reach, scope
from geodata.store.field_models import ScreeningListEntry
from geodata.store.hierarchy import under
from geodata.store.models import Building, Household, Person, Unit
from geodata.store.writes import Actor, WriteContext

#: the columns of a returnee list, with what they are called in Chinese (the import reads these headers)
COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "ID number"),
    "phone": ("联系电话", "phone"),
    "address": ("住址", "address"),
    "building_code": ("楼栋", "building"),
    "room": ("房号", "room"),
    "came_from": ("从何地返回", "came from"),
    "arrived_on": ("返回日期", "arrival date"),
}
MATCHES = {"id_number": ("身份证号匹配", "matched by ID number"), "name_room": ("姓名+楼栋房号匹配",
                                                                            "matched by name and room"),
           "hand": ("人工匹配", "matched by hand"), None: ("未匹配", "unmatched")}

_TEXT_RULES = {"name": RULES["person"]["name"], "id_number": RULES["person"]["id_number"],
               "phone": RULES["person"]["phone"], "address": RULES["building"]["address"],
               "building_code": RULES["building"]["code"], "room": RULES["household"]["room"],
               "came_from": RULES["observation"]["origin"]}


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or (
        isinstance(value, str) and not value.strip())


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    return dt.date.fromisoformat(str(value).strip().replace("/", "-"))


def check_rows(frame: pd.DataFrame, today: dt.date | None = None) -> tuple[list[dict], list[Problem]]:
    """Each row of a list as clean values, and every problem by row (1-based as a sheet counts, header = row 1,
    unless the frame carries its own `row`)."""
    today = today or dt.date.today()
    rows, problems = [], []
    for i, rec in enumerate(frame.to_dict("records")):
        row_no = int(rec.get("row") or i + 2)
        clean: dict[str, object] = {"row_no": row_no}
        for field, rule in _TEXT_RULES.items():
            value = rec.get(field)
            if _blank(value):
                clean[field] = None
                continue
            stored, bad = checked_text(rule, field, str(value).strip())
            zh, en = COLUMNS[field]
            if bad:
                problems.append(Problem(f"{zh}：{bad[0]}", f"{en}: {bad[1]}", row=row_no, column=zh, field=field))
            elif field == "id_number" and (warn := id_number_warning(str(stored))):
                problems.append(Problem(warn[0], warn[1], row=row_no, column=zh, field=field, severity="warning"))
            clean[field] = stored
        if clean.get("name") is None and not any(p.row == row_no and p.field == "name" for p in problems):
            problems.append(Problem("姓名不能为空", "the name is required", row=row_no, column="姓名", field="name"))
        arrived = rec.get("arrived_on")
        clean["arrived_on"] = None
        if not _blank(arrived):
            try:
                clean["arrived_on"] = _date(arrived)
            except ValueError:
                problems.append(Problem(f"返回日期无法识别: {arrived}（应为 YYYY-MM-DD）",
                                        f"unreadable arrival date {arrived!r} (YYYY-MM-DD)", row=row_no,
                                        column="返回日期", field="arrived_on"))
            else:
                if clean["arrived_on"] > today:
                    problems.append(Problem(f"返回日期 {clean['arrived_on']} 晚于今天", "the arrival date is after "
                                            "today", row=row_no, column="返回日期", field="arrived_on"))
        rows.append(clean)
    return rows, problems


def _matches(session: Session, path: str, rows: list[dict]) -> list[tuple[int | None, int | None, str | None, str]]:
    """(household id, person id, how, path) per row: by ID number among the persons of the place, else by name at
    the household of that building (code, or a name unique in the place) and room, else unmatched."""
    ids = {r["id_number"] for r in rows if r.get("id_number")}
    by_id = {}
    if ids:
        for pid, idn, hh_id, p_path in session.execute(select(Person.id, Person.id_number, Person.household_id,
                                                               Person.path).where(
                Person.id_number.in_(ids), under(Person.path, path), Person.household_id.is_not(None))).all():
            by_id.setdefault(idn, (hh_id, pid, p_path))
    buildings = {r["building_code"] for r in rows if r.get("building_code")}
    bmap: dict[str, int] = {}
    if buildings:
        found = session.execute(select(Building.id, Building.code, Building.name).where(
            under(Building.path, path), (Building.code.in_(buildings)) | (Building.name.in_(buildings)))).all()
        names = pd.Series([b.name for b in found]).value_counts() if found else pd.Series(dtype=int)
        for b in found:
            bmap[b.code] = b.id
            if names.get(b.name, 0) == 1:
                bmap.setdefault(b.name, b.id)
    homes: dict[tuple[int, str], list[tuple[int, str, str | None]]] = {}
    if bmap:
        for hh_id, b_id, room, hh_path, head in session.execute(select(
                Household.id, Household.building_id, Household.room, Household.path, Household.head_name).where(
                Household.building_id.in_(set(bmap.values())))).all():
            homes.setdefault((b_id, str(room or "")), []).append((hh_id, hh_path, head))
    members: dict[int, dict[str, int]] = {}
    hh_ids = [h[0] for hs in homes.values() for h in hs]
    if hh_ids:
        for pid, name, hh_id in session.execute(select(Person.id, Person.name, Person.household_id).where(
                Person.household_id.in_(hh_ids))).all():
            members.setdefault(hh_id, {})[name] = pid
    out = []
    for r in rows:
        if r.get("id_number") in by_id:
            hh_id, pid, p_path = by_id[r["id_number"]]
            out.append((hh_id, pid, "id_number", p_path))
            continue
        b_id = bmap.get(r.get("building_code") or "")
        found = None
        for hh_id, hh_path, head in homes.get((b_id, str(r.get("room") or "")), []) if b_id and r.get("room") else []:
            if r["name"] == head or r["name"] in members.get(hh_id, {}):
                found = (hh_id, members.get(hh_id, {}).get(r["name"]), "name_room", hh_path)
                break
        out.append(found or (None, None, None, path))
    return out


def import_returnees(ctx: WriteContext, unit_code: str, frame: pd.DataFrame, *, purpose: str,
                     starts_on: dt.date | None = None, ends_on: dt.date | None = None, source: str | None = None,
                     code: str | None = None) -> tuple[str, list[Problem]]:
    """Take a returnee list for `unit_code` (a street, community or grid) as a new round and match its names.

    Returns the round's code and the warnings (check digits). Refused whole, by row, when a row is malformed."""
    unit = reach.find(ctx.session, ctx.actor, Unit, unit_code, ("单元编码", "unit code"), action="screening.import",
                      field="unit_code")
    authority.require(ctx.actor, "screening.import", unit.path)
    starts_on = starts_on or dt.date.today()
    ends_on = ends_on or starts_on + dt.timedelta(days=3)
    problems = check_round_fields(unit, purpose, starts_on, ends_on)
    if not len(frame):
        problems.append(Problem("名单为空", "the list has no names", field="list"))
    rows, row_problems = check_rows(frame)
    problems += row_problems
    if any(p.severity == "error" for p in problems):
        raise Rejected(problems)
    rnd = new_round(ctx, unit, "returnees", purpose, starts_on, ends_on, code=code, source=source)
    matched = _matches(ctx.session, unit.path, rows)
    for r, (hh_id, pid, how, path) in zip(rows, matched, strict=True):
        ctx.session.add(ScreeningListEntry(round_id=rnd.id, household_id=hh_id, person_id=pid, matched_by=how,
                                           path=path, **r))
    ctx.session.flush()
    n_matched = sum(1 for m in matched if m[0] is not None)
    ctx.record("screening.import", "screening_round", rnd.code, path=rnd.path,
               new={"names": len(rows), "matched": n_matched, "unmatched": len(rows) - n_matched, "source": source},
               reason="区级下传返乡人员名单 / returnee list pushed down from the district")
    return rnd.code, [p for p in problems if p.severity == "warning"]


def match_entry(ctx: WriteContext, round_code: str, row_no: int, household_code: str) -> ScreeningListEntry:
    """The community names the household of a name the list could not place (or corrects a match): allowed on the
    entry's current place and on the household's new one; refused once the round is closed."""
    reach.role_first(ctx.actor, "screening.start")
    rnd = get_round(ctx.session, round_code, ctx.actor)
    entry = ctx.session.execute(select(ScreeningListEntry).where(
        ScreeningListEntry.round_id == rnd.id, ScreeningListEntry.row_no == row_no)).scalar_one_or_none()
    if entry is None:
        raise Rejected([Problem(f"名单中没有第{row_no}行", f"the list has no row {row_no}", field="row")])
    hh = reach.find(ctx.session, ctx.actor, Household, household_code, ("户编码", "household code"),
                    field="household")
    authority.require(ctx.actor, "screening.start", entry.path)  # where the name stands now
    authority.require(ctx.actor, "screening.start", hh.path)  # and where it goes
    problems = []
    if rnd.status != "open":
        problems.append(Problem(f"摸排轮次 {rnd.code} 已结束", f"round {rnd.code} is closed", field="round"))
    if not hh.path.startswith(rnd.path):
        problems.append(Problem(f"户 {hh.code} 不在本轮摸排范围内", f"household {hh.code} is outside the round",
                                field="household"))
    if problems:
        raise Rejected(problems)
    old = {"household": entry.household_id and ctx.session.get(Household, entry.household_id).code,
           "matched_by": entry.matched_by}
    entry.household_id, entry.matched_by, entry.path = hh.id, "hand", hh.path
    ctx.session.flush()
    ctx.record("screening.match", "screening_round", rnd.code, path=hh.path, old=old,
               new={"row": row_no, "household": hh.code, "matched_by": "hand"})
    return entry


def entries_of(session: Session, actor: Actor, round_code: str) -> pd.DataFrame:
    """The names of a returnee list with their match, for the place the actor reads (person-level: ID numbers and
    phones masked outside the actor's own grid)."""
    rnd = get_round(session, round_code, actor)
    place = rnd.path if scope.can_read(actor, rnd.path) else actor.scope_path
    if place is None or not (place.startswith(rnd.path) or rnd.path.startswith(place)):
        raise scope.outside_scope()
    scope.require_persons(actor, place, "households")
    q = select(ScreeningListEntry.row_no, ScreeningListEntry.name, ScreeningListEntry.id_number,
               ScreeningListEntry.phone, ScreeningListEntry.address, ScreeningListEntry.building_code,
               ScreeningListEntry.room, ScreeningListEntry.came_from, ScreeningListEntry.arrived_on,
               Household.code, ScreeningListEntry.matched_by, ScreeningListEntry.path).outerjoin(
        Household, Household.id == ScreeningListEntry.household_id).where(
        ScreeningListEntry.round_id == rnd.id, under(ScreeningListEntry.path, place)).order_by(ScreeningListEntry.row_no)
    frame = pd.DataFrame(session.execute(q).all(), columns=[
        "row_no", "name", "id_number", "phone", "address", "building_code", "room", "came_from", "arrived_on",
        "household_code", "matched_by", "path"])
    frame = frame.astype(object).where(frame.notna(), None)
    shown = scope.identifiers_shown(actor, frame["path"].tolist())
    frame["id_number"] = [v if ok else scope.mask_id_number(v) for v, ok in zip(frame["id_number"], shown, strict=True)]
    frame["phone"] = [v if ok else scope.mask_phone(v) for v, ok in zip(frame["phone"], shown, strict=True)]
    return frame.drop(columns="path")


#: other header texts district lists use for a column
_MORE_HEADERS = {"身份证": "id_number", "身份证号码": "id_number", "电话": "phone", "手机号": "phone",
                 "联系电话": "phone", "地址": "address", "现住址": "address", "楼栋编码": "building_code",
                 "来源地": "came_from", "返回地": "came_from", "从何地返回": "came_from", "抵达日期": "arrived_on",
                 "到达日期": "arrived_on", "返回日期": "arrived_on"}


def header_aliases() -> dict[str, list[str]]:
    """Every header text a returnee list may use, per canonical column (for the file readers)."""
    out = {field: [zh, en] for field, (zh, en) in COLUMNS.items()}
    for text, field in _MORE_HEADERS.items():
        out[field].append(text)
    return out


def frame_from_headers(frame: pd.DataFrame, headers: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A list with Chinese or canonical headers as the canonical columns (unknown columns dropped)."""
    names = {text: field for field, texts in header_aliases().items() for text in texts}
    names.update(headers or {})
    out = frame.rename(columns=lambda c: names.get(str(c).strip(), str(c).strip()))
    keep = [c for c in out.columns if c in COLUMNS or c == "row"]
    return out[keep]
