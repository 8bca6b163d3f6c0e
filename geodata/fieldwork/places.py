"""Places and organisations (组织、物品, 003 §一 4 / §九): institutions and public places, and the 无主小区 ledger.

- Places: elder-care homes (养老机构, 004 民政), farmers' markets, supermarkets, pharmacies (000 §1(六) 2: 农贸市场、超市、
  药店等场所实行提升一级管理) with their state — open, 提升一级管理 (stricter management: shorter hours, temperature at
  the door, masks throughout), closed — and the staff on site. A map layer; every change audited and scoped at the
  place's current unit and at its new one ("places.edit").
- 无主小区 (002 item 1: 重点排查“无主管单位、无物业服务、无人防物防”的无主小区并建立台账，实现小区基本情况、居民和党员情况、
  管理服务漏洞、矛盾隐患问题“四清”): one row per compound with the three flags, the unit that took charge of it
  (`owner`), and which of the four 清 are done; progress = cleared ÷ 4 ("unowned.edit").
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import select, text

from geodata.base.layers import STAFF_MAX, Rule, checked_text, yes_no
from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level, Term, parse_term
from geodata.people import authority, reach, scope
from geodata.store.field_models import Place, UnownedCompound
from geodata.store.hierarchy import UnknownUnit, path_upper_bound, unit_by_code
from geodata.store.models import Unit
from geodata.store.writes import WriteContext

PLACE_KINDS: dict[str, Term] = {t.code: t for t in (
    Term("elder_care", "养老机构", "Elder-care home", ("养老院", "敬老院", "福利院", "养老")),
    Term("market", "农贸市场", "Farmers' market", ("菜市场", "市场", "集贸市场")),
    Term("supermarket", "超市", "Supermarket", ("商超", "便利店")),
    Term("pharmacy", "药店", "Pharmacy", ("药房", "大药房")),
)}
PLACE_STATES: dict[str, Term] = {t.code: t for t in (
    Term("open", "正常营业", "Open", ("开放", "营业", "正常")),
    Term("upgraded", "提升一级管理", "Stricter management", ("提级管理", "提升管理")),
    Term("closed", "关闭", "Closed", ("停业", "闭店", "暂停营业")),
)}
#: the 四清 of 002 item 1, in its order: field → (Chinese, English)
CLEARS: dict[str, tuple[str, str]] = {
    "clear_basics": ("小区基本情况清", "basic facts known"),
    "clear_residents": ("居民和党员情况清", "residents and party members known"),
    "clear_gaps": ("管理服务漏洞清", "gaps in management and services known"),
    "clear_risks": ("矛盾隐患问题清", "disputes and hazards known"),
}
FLAGS: dict[str, tuple[str, str]] = {
    "no_authority": ("无主管单位", "no managing unit"),
    "no_property": ("无物业服务", "no property service"),
    "no_security": ("无人防物防", "no guards or barriers"),
}
_CODE, _NAME, _ADDRESS, _OWNER, _NOTE = (Rule("text", max_len=64), Rule("text", max_len=200),
                                          Rule("text", max_len=300), Rule("text", max_len=200),
                                          Rule("text", max_len=2000))


def _bad(zh: str, en: str, fld: str, row: int | None) -> Problem:
    return Problem(zh, en, field=fld, row=row)


def _text(rule: Rule, name: str, zh: str, value: Any, problems: list[Problem], row: int | None, *,
          required: bool = False) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip():
        if required:
            problems.append(_bad(f"{zh}不能为空", f"{name} is required", name, row))
        return None
    stored, why = checked_text(rule, name, str(value).strip())
    if why:
        problems.append(_bad(f"{zh}: {why[0]}", f"{name}: {why[1]}", name, row))
    return stored


def _term(vocab: dict[str, Term], name: str, zh: str, value: Any, problems: list[Problem], row: int | None) -> str | None:
    code = parse_term(vocab, value)
    if code is None:
        words = "、".join(t.zh for t in vocab.values())
        problems.append(_bad(f"{zh}无法识别: {value!r}（可选：{words}）", f"unknown {name} {value!r} ({', '.join(vocab)})",
                             name, row))
    return code


def _unit(session, code: Any, problems: list[Problem], row: int | None, field: str = "unit_code",
          actor: Any = None) -> Unit | None:
    """The unit `code`, or a problem: for a scoped `actor` one text for unknown and outside their scope (issue 18)."""
    try:
        unit = unit_by_code(session, str(code).strip())
    except UnknownUnit:
        unit = None
    if unit is not None and not reach.hidden(actor, unit.path):
        return unit
    if actor is not None and actor.scope_path is not None:
        zh, en = scope.unknown_or_outside(f"单元编码“{code}”", f"unit code {code!r}")
        problems.append(_bad(zh, en, field, row))
    else:
        problems.append(_bad(f"单元编码不存在: {code}", f"unknown unit code {code!r}", field, row))
    return None


# --- places ---------------------------------------------------------------------------------------------------


def save_place(ctx: WriteContext, code: str, *, name: Any = None, kind: Any = None, unit_code: Any = None,
               lon: Any = None, lat: Any = None, state: Any = None, staff_on_site: Any = None,
               address: Any = None, reason: str | None = None, row: int | None = None) -> str:
    """Create a place or change one (only the fields given). "places.edit" is checked at the place's current unit
    and at its new one; the change is one audited event (old → new). Returns "created", "updated" or "unchanged"."""
    problems: list[Problem] = []
    code = _text(_CODE, "code", "场所编码", code, problems, row, required=True)
    if problems:
        raise Rejected(problems)
    reach.role_first(ctx.actor, "places.edit")
    place = ctx.session.execute(select(Place).where(Place.code == code)).scalar_one_or_none()
    if place is not None and reach.hidden(ctx.actor, place.path):
        # a code taken elsewhere: the same refusal as a code naming nothing the actor may reach (issue 18)
        raise reach.refusal(ctx.actor, ("场所编码", "place code"), code)
    if place is not None:
        authority.require(ctx.actor, "places.edit", place.path)
    new: dict[str, Any] = {}
    if name is not None or place is None:
        new["name"] = _text(_NAME, "name", "场所名称", name, problems, row, required=True)
    if kind is not None or place is None:
        new["kind"] = _term(PLACE_KINDS, "kind", "场所类型", kind, problems, row)
    if state is not None:
        new["state"] = _term(PLACE_STATES, "state", "状态", state, problems, row)
    if address is not None:
        new["address"] = _text(_ADDRESS, "address", "地址", address, problems, row)
    if staff_on_site is not None:
        try:
            staff = float(staff_on_site)
        except (TypeError, ValueError):
            staff = float("nan")
        if isinstance(staff_on_site, bool) or not math.isfinite(staff) or staff != int(staff) or \
                not 0 <= staff <= STAFF_MAX:
            problems.append(_bad(f"在岗人数应为 0–{STAFF_MAX} 的整数: {staff_on_site!r}",
                                 f"staff on site must be a whole number 0–{STAFF_MAX}: {staff_on_site!r}",
                                 "staff_on_site", row))
        else:
            new["staff_on_site"] = int(staff)
    unit = None
    if unit_code is not None or place is None:
        unit = _unit(ctx.session, unit_code, problems, row, actor=ctx.actor) if unit_code is not None else None
        if unit is None and unit_code is None:
            problems.append(_bad("所属单元编码不能为空", "unit_code is required", "unit_code", row))
        if unit is not None and unit.level < Level.STREET:
            problems.append(_bad("场所应属于街道、社区、网格或小区", "a place belongs to a street, community, grid or compound",
                                 "unit_code", row))
    if lon is not None or lat is not None or place is None:
        try:
            x, y = float(lon), float(lat)
            ok = -180 <= x <= 180 and -90 <= y <= 90
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(_bad(f"经纬度无效: {lon!r}, {lat!r}", f"invalid longitude/latitude: {lon!r}, {lat!r}",
                                 "lon", row))
        else:
            new["lon"], new["lat"] = x, y
    if problems:
        raise Rejected(problems)
    if unit is not None:
        authority.require(ctx.actor, "places.edit", unit.path)
        new["unit_id"], new["path"] = unit.id, unit.path
    if place is None:
        place = Place(code=code, state=new.pop("state", "open"), staff_on_site=new.pop("staff_on_site", 0), **new)
        ctx.session.add(place)
        ctx.session.flush()
        ctx.record("place.create", "place", code, path=place.path,
                   new={"name": place.name, "kind": place.kind, "state": place.state,
                        "staff_on_site": place.staff_on_site, "unit": unit.code if unit else None}, reason=reason)
        return "created"
    old = {k: getattr(place, k) for k in new if not _same(getattr(place, k), new[k])}
    if not old:
        return "unchanged"
    changed = {k: new[k] for k in old}
    if "path" in changed:
        ctx.record("place.move", "place", code, path=place.path, old={"path": place.path},
                   new={"path": changed["path"]}, reason=reason)  # seen at the place it leaves too
    for k, v in changed.items():
        setattr(place, k, v)
    ctx.session.flush()
    ctx.record("place.state" if set(changed) <= {"state", "staff_on_site"} else "place.update", "place", code,
               path=place.path, old=old, new=changed, reason=reason)
    return "updated"


def places_in(session, actor: Any, code: str | None) -> pd.DataFrame:
    """Places under a unit (None: the actor's whole scope): counts-level data (names of places, no persons)."""
    path = scope.readable_unit(session, actor, code).path if code else actor.scope_path
    scope.require_read(actor, path)
    cond, params = ("p.path >= :lo AND p.path < :hi", {"lo": path, "hi": path_upper_bound(path)}) if path else \
        ("1 = 1", {})
    rows = session.execute(text(
        "SELECT p.code, p.name, p.kind, p.state, p.staff_on_site, p.address, u.code, u.name, p.lon, p.lat, p.path, "
        f"p.version FROM places p JOIN units u ON u.id = p.unit_id WHERE {cond} ORDER BY p.code"), params).all()
    return pd.DataFrame(rows, columns=["code", "name", "kind", "state", "staff_on_site", "address", "unit_code",
                                       "unit_name", "lon", "lat", "path", "version"])


def import_places(ctx: WriteContext, frame: pd.DataFrame) -> dict[str, int]:
    """Import a places list (canonical columns: code, name, kind, unit_code, lon, lat, state, staff_on_site,
    address): all rows or none, every problem named by row (the sheet's row number, header = row 1)."""
    problems: list[Problem] = []
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for i, r in enumerate(frame.to_dict("records")):
        try:
            outcome = save_place(ctx, r.get("code"), **{k: _given(r.get(k)) for k in (
                "name", "kind", "unit_code", "lon", "lat", "state", "staff_on_site", "address")},
                reason="导入场所清单 / places list imported", row=int(r.get("row") or i + 2))
            counts[outcome] += 1
        except Rejected as exc:
            problems += exc.problems
    if problems:
        raise Rejected(problems)
    return counts


def _same(a: Any, b: Any) -> bool:
    """Equal, coordinates within 1e-7° (about a centimetre: a spreadsheet keeps 15 digits)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-7)
    return a == b


def _given(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


# --- 无主小区 ledger ---------------------------------------------------------------------------------------------


def save_unowned(ctx: WriteContext, compound_code: str, *, reason: str | None = None, row: int | None = None,
                 **fields: Any) -> str:
    """Create or change a compound's row of the 无主小区 ledger (flags, owner, 四清, note: only those given).
    "unowned.edit" at the compound. Yes/no values are read as the field registry reads them (是/否 …)."""
    problems: list[Problem] = []
    unknown = sorted(set(fields) - set(FLAGS) - set(CLEARS) - {"owner", "note"})
    if unknown:
        raise Rejected([_bad(f"未知项目: {', '.join(unknown)}", f"unknown fields: {', '.join(unknown)}", "fields", row)])
    reach.role_first(ctx.actor, "unowned.edit")
    comp = _unit(ctx.session, compound_code, problems, row, "compound_code", ctx.actor)
    if comp is not None and comp.level != Level.COMPOUND:
        problems.append(_bad(f"{compound_code} 不是小区", f"{compound_code} is not a compound", "compound_code", row))
    if problems:
        raise Rejected(problems)
    authority.require(ctx.actor, "unowned.edit", comp.path)
    new: dict[str, Any] = {}
    for name, value in fields.items():
        value = _given(value)
        if value is None:
            continue
        if name in FLAGS or name in CLEARS:
            said = value if isinstance(value, bool) else yes_no(value)
            if said is None:
                zh = (FLAGS.get(name) or CLEARS[name])[0]
                problems.append(_bad(f"{zh}应为 是 或 否: {value!r}", f"{name} must be yes or no: {value!r}", name, row))
            new[name] = said
        else:
            new[name] = _text(_OWNER if name == "owner" else _NOTE, name, "责任单位" if name == "owner" else "备注",
                              value, problems, row)
    if problems:
        raise Rejected(problems)
    rec = ctx.session.execute(select(UnownedCompound).where(
        UnownedCompound.compound_id == comp.id)).scalar_one_or_none()
    created = rec is None
    if created:
        rec = UnownedCompound(compound_id=comp.id, path=comp.path, **{k: False for k in (*FLAGS, *CLEARS)})
        ctx.session.add(rec)
    old = {k: getattr(rec, k) for k in new if getattr(rec, k) != new[k]} if not created else {}
    if not created and not old:
        return "unchanged"
    for k, v in new.items():
        setattr(rec, k, v)
    rec.updated_by, rec.updated_at = ctx.actor.username, ctx.now
    ctx.session.flush()
    ctx.record("unowned.create" if created else "unowned.update", "unowned_compound", comp.code, path=comp.path,
               old=old or None, new={**{k: new[k] for k in (new if created else old)},
                                     "progress": clear_progress(rec)}, reason=reason)
    return "created" if created else "updated"


def clear_progress(rec: Any) -> float:
    """四清 progress: the share of the four 清 done (0, 0.25, … 1)."""
    return sum(bool(getattr(rec, k)) for k in CLEARS) / len(CLEARS)


def unowned_in(session, actor: Any, code: str | None) -> pd.DataFrame:
    """The 无主小区 ledger under a unit: flags, owner, each 清, progress (0–1), households of the compound."""
    path = scope.readable_unit(session, actor, code).path if code else actor.scope_path
    scope.require_read(actor, path)
    cond, params = ("r.path >= :lo AND r.path < :hi", {"lo": path, "hi": path_upper_bound(path)}) if path else \
        ("1 = 1", {})
    cols = ["compound_code", "compound_name", *FLAGS, "owner", *CLEARS, "note", "updated_by", "updated_at", "path",
            "version"]
    rows = session.execute(text(
        f"SELECT u.code, u.name, {', '.join('r.' + c for c in cols[2:])} FROM unowned_compounds r "
        f"JOIN units u ON u.id = r.compound_id WHERE {cond} ORDER BY u.code"), params).all()
    frame = pd.DataFrame(rows, columns=cols)
    for c in (*FLAGS, *CLEARS):
        frame[c] = frame[c].astype(bool)
    frame["progress"] = frame[list(CLEARS)].sum(axis=1) / len(CLEARS) if len(frame) else pd.Series(dtype=float)
    return frame


def import_unowned(ctx: WriteContext, frame: pd.DataFrame) -> dict[str, int]:
    """Import the 无主小区 ledger (canonical columns: compound_code, the flags, owner, the four 清, note): all rows
    or none, every problem named by row."""
    problems: list[Problem] = []
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    names = [c for c in (*FLAGS, *CLEARS, "owner", "note") if c in frame.columns]
    for i, r in enumerate(frame.to_dict("records")):
        try:
            outcome = save_unowned(ctx, str(r.get("compound_code") or "").strip(), row=int(r.get("row") or i + 2),
                                   reason="导入无主小区台账 / ledger imported", **{k: r.get(k) for k in names})
            counts[outcome] += 1
        except Rejected as exc:
            problems += exc.problems
    if problems:
        raise Rejected(problems)
    return counts


def insert_places_and_ledger(ctx: WriteContext, place_rows: list[dict[str, Any]],
                             unowned_rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Bulk-insert places and 无主小区 rows already resolved to unit ids and paths (the demo city's): one audited
    event each. For bulk loads by a system process ("import"); offices use import_places / import_unowned."""
    authority.require(ctx.actor, "import")
    if place_rows:
        ctx.session.execute(Place.__table__.insert(), [{"version": 1, **r} for r in place_rows])
    if unowned_rows:
        ctx.session.execute(UnownedCompound.__table__.insert(), [{"version": 1, **r} for r in unowned_rows])
    ctx.record("place.import", "place", None, new={"inserted": len(place_rows)})
    ctx.record("unowned.import", "unowned_compound", None, new={"inserted": len(unowned_rows)})
    return len(place_rows), len(unowned_rows)
