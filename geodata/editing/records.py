"""Editing records by hand — in a table, a form or on the map — so that each person changes only what they are
responsible for and nothing is lost (issue 5; domain file §5.3 role → edit matrix).

Every function here runs inside `geodata.store.writes.write` (one transaction, events, data-version bump) and:
1. finds the record by code and asks geodata.people.scope whether the actor may edit it there (PermissionDenied);
2. validates each changed field by the field registry that imports use too (geodata.editing.fields over
   geodata.base.layers.RULES: types, vocabulary codes, lengths, bounds, yes/no words, phone and ID numbers, non-negative
   counts, dates) and collects every problem before refusing (Rejected, Chinese and English);
3. compares the version the person read with the stored one: a stale save is refused with a `Conflict` that
   says who changed the record last and when ("已被 X 于 T 修改" / "changed by X at T") and carries both values
   of each field — nothing is silently overwritten. A save racing another one past that check is caught by the
   row's `version_id_col` (SQLAlchemy StaleDataError) and refused the same way;
4. writes the change with one event per record: who, when, what, old → new, why.

Fields with rules of their own go through the command that owns those rules, so a table edit cannot bypass them:
a building's or village's control state through `geodata.situation.control.set_control` (lift guard, reason required),
a case's kind through `geodata.situation.cases.reclassify_case` (situation, clusters, alerts). Counters in `unit_stats`
move with every counted field (households, population, party members, vulnerable, open checkpoints, people
under observation by kind).

Free text is stored exactly as typed — HTML, script, SQL fragments, emoji — and pages show it as text. Refused:
NUL characters and unpaired surrogates (no database can store them as text), other control characters (the rule
of every text field, `geodata.base.layers.control_character_problem`: notes keep their line breaks), and text longer
than its column.

Elsewhere: a checkpoint added or moved on the map goes through `geodata.checkpoints.commands` (the planner's
commands too); a unit's new polygon through `geodata.editing.shapes`. `Change`, `Conflict` and `BulkConflict` come
from `geodata.people.conflicts`, shared with those commands.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level
from geodata.editing.fields import FIELDS, parse_value
from geodata.people import authority, scope
from geodata.people.conflicts import BulkConflict, Change, Conflict, conflict_from_fresh_read, jsonable, stored
from geodata.situation.cases import reclassify_case
from geodata.situation.control import set_control
from geodata.situation.observations import SIGN_ROLES, earliest_end, end_problem
from geodata.store.hierarchy import path_upper_bound
from geodata.store.models import Building, Case, Checkpoint, Household, Observation, Person, Unit
from geodata.store.stats import apply_delta
from geodata.store.writes import WriteContext

# --- what can be edited (each kind's fields and their rules: geodata.editing.fields) ---------------------------

MODELS: dict[str, type] = {"building": Building, "checkpoint": Checkpoint, "unit": Unit, "household": Household,
                           "person": Person, "observation": Observation, "case": Case}


# --- results and refusals --------------------------------------------------------------------------------------


def _conflict(session: Session, entity: str, code: str, expected: int, wanted: Mapping[str, Any],
              read: Mapping[str, Any] | None = None) -> Conflict:
    """The Conflict of a stale hand edit, built from a fresh read (geodata.people.conflicts), with this registry's
    field labels. `read`: the values the person's form was filled with, to name what others changed since."""
    labels = {k: (f.zh, f.en) for k, f in FIELDS.get(entity, {}).items()}
    return conflict_from_fresh_read(session, MODELS[entity], entity, code, expected, wanted,
                                    read=_as_read(entity, read or {}), labels=labels)


def _as_read(entity: str, read: Mapping[str, Any]) -> dict[str, Any]:
    """The values a form was filled with, parsed like a save's (a form's 1 and True, "" and None, or a label and
    its code are one value); a value that does not parse is kept as given."""
    out = {}
    for name, seen in read.items():
        f = FIELDS.get(entity, {}).get(name)
        value, problem = parse_value(name, f, seen) if f is not None else (seen, None)
        out[name] = seen if problem is not None else value
    return out


# --- one record --------------------------------------------------------------------------------------------------


def _load(session: Session, entity: str, code: str, actor: Any = None) -> Any:
    """The record `code` of `entity`. With `actor`: a record outside a scoped actor's scope is refused exactly as a
    missing one (geodata.people.scope.unknown_code), after the role check, so an edit form tells no one which
    codes exist beyond their area (issue 18)."""
    if entity not in MODELS:
        raise Rejected([Problem(f"不能编辑此类记录: {entity}", f"records of kind {entity!r} cannot be edited here; "
                                f"one of {sorted(MODELS)}", field="entity")])
    model = MODELS[entity]
    row = session.execute(select(model).where(model.code == code)).scalar_one_or_none()
    if actor is not None and actor.scope_path is not None and (row is None or scope.hides(actor, row.path)):
        action = scope.edit_action(entity)
        if action is not None:
            authority.require(actor, action)  # a role that may not edit this kind hears so, whatever the code
        zh, en = scope.ENTITY_LABELS[entity]
        raise scope.unknown_code(actor, (f"{zh}编码", f"{en} code"), code)
    if row is None:
        zh, en = scope.ENTITY_LABELS[entity]
        raise Rejected([Problem(f"{zh}编码不存在: {code}", f"no {en} with code {code!r}", field="code")])
    return row


def _validate(session: Session, entity: str, row: Any, changes: Mapping[str, Any]) -> tuple[dict[str, Any],
                                                                                             list[Problem]]:
    fields = FIELDS[entity]
    parsed: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, value in changes.items():
        f = fields.get(name)
        if f is None:
            problems.append(Problem(f"字段不可编辑: {name}", f"field {name!r} cannot be edited; editable: "
                                    f"{', '.join(fields)}", field=name))
            continue
        v, p = parse_value(name, f, value)
        if p is not None:
            problems.append(p)
        else:
            parsed[name] = v
    if {"control_state", "control_reason", "control_basis"} & set(parsed):
        if entity == "unit" and row.level != int(Level.COMPOUND):
            problems.append(Problem("只有小区/自然村有管控状态", "only compounds and natural villages have a control state",
                                    field="control_state"))
        elif "control_state" not in parsed or parsed["control_state"] is None:
            # a sealing's basis (封锁 / 硬隔离) is chosen with its state: the state is sent with it
            along = "control_basis" if "control_basis" in parsed else "control_reason"
            problems.append(Problem("管控原因和封锁依据随管控状态一起修改",
                                    "the control reason and the sealing's basis are changed with the control state",
                                    field=along))
    if entity == "unit" and ({"households", "population"} & set(parsed)):
        has_buildings = session.execute(select(Building.id).where(
            Building.path >= row.path, Building.path < path_upper_bound(row.path)).limit(1)).first()
        if has_buildings:
            problems.append(Problem("有楼栋的单元，户数和人数由楼栋汇总，请修改楼栋",
                                    "households and population of a unit with buildings are the sums of its "
                                    "buildings: edit the buildings", field="households"))
    if entity == "observation":
        if row.released_on is not None and ({"kind", "planned_end"} & set(parsed)):
            problems.append(Problem(f"已于{row.released_on}解除的观察不能修改方式或日期",
                                    f"released on {row.released_on}: kind and dates cannot change", field="kind"))
        problems += _observation_end(session, row, parsed)
    return parsed, problems


def _observation_end(session: Session, row: Observation, parsed: dict[str, Any]) -> list[Problem]:
    """The 14 days cannot be shortened by hand (000 §1(四)3, issue 14 point 4): a planned end before the start
    (or the last exposure) plus the rule's days for the kind is refused with the reason; a change of kind alone
    (留观 → 居家) brings the planned end up to the new kind's, as the command does."""
    if row.released_on is not None or not ({"kind", "planned_end"} & set(parsed)):
        return []
    kind = parsed.get("kind") or row.kind
    if "planned_end" not in parsed:
        parsed["planned_end"] = max(row.planned_end, earliest_end(session, kind, row.start_date, row.exposed_on))
        return []
    end = parsed["planned_end"]
    problem = end_problem(session, kind, row.start_date, end, row.exposed_on) if end is not None else None
    return [problem] if problem is not None else []


#: an observation's named signers: changing a name already given is the street's act (issue 14 point 4)
SIGNER_FIELDS = {"cadre_name": "cadre", "medic_name": "medic"}


def _require_signer_change(ctx: WriteContext, entity: str, row: Any, parsed: Mapping[str, Any]) -> None:
    """Whoever is named 包保干部/包保医务人员 signs the release: renaming one already named needs "release.assign"
    (the street), so no one in scope names themselves to sign."""
    if entity != "observation":
        return
    for name, role in SIGNER_FIELDS.items():
        old = (getattr(row, name) or "").strip()
        if name in parsed and old and (parsed[name] or "").strip() != old:
            zh, en = SIGN_ROLES[role]
            authority.require(ctx.actor, "release.assign", row.path,
                              doing=(f"更换{zh}（签字解除人员）", f"change the {en} (who signs the release)"))


def _check(ctx: WriteContext, entity: str, code: str, changes: Mapping[str, Any],
           expected_version: int | None, read: Mapping[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """Load, permission, validation and version: everything before the first write."""
    row = _load(ctx.session, entity, code, ctx.actor)
    scope.require_edit(ctx.actor, entity, row.path)
    parsed, problems = _validate(ctx.session, entity, row, changes)
    _require_signer_change(ctx, entity, row, parsed)
    if expected_version is None:
        problems.append(Problem("缺少读取时的版本号", "the version read is missing: reload and try again",
                                field="version"))
    if problems:
        raise Rejected(problems)
    if row.version != int(expected_version):
        raise _conflict(ctx.session, entity, code, int(expected_version), parsed, read)
    return row, parsed


def _apply(ctx: WriteContext, entity: str, row: Any, parsed: dict[str, Any], reason: str | None,
           expected_version: int, read: Mapping[str, Any] | None = None) -> Change:
    diff = {k: v for k, v in parsed.items() if k != "control_reason" and stored(row, k) != v}
    if not diff:
        return Change(entity, row.code, row.version)
    old = {k: stored(row, k) for k in diff}
    rest = dict(diff)  # what this function writes itself (the rest goes through the owning command)
    try:
        if "control_state" in rest or "control_basis" in rest:  # lift guard, reason, its own control.change event
            rest.pop("control_basis", None)  # 封锁 → 硬隔离 of a sealed target is a change too (set_control)
            set_control(ctx, row.code, rest.pop("control_state", row.control_state),
                        parsed.get("control_reason") or reason or "", basis=parsed.get("control_basis"))
        if entity == "case" and "kind" in rest:  # situation, clusters and alerts follow the new kind
            reclassify_case(ctx, row.code, rest.pop("kind"), reason=reason)
        stats: dict[str, int] = {}
        for name, value in rest.items():
            f = FIELDS[entity][name]
            if f.stat:
                stats[f.stat] = stats.get(f.stat, 0) + int(value or 0) - int(old[name] or 0)
            setattr(row, name, value)
        if entity == "checkpoint" and "status" in rest:
            stats["checkpoints_open"] = int(rest["status"] == "open") - int(old["status"] == "open")
        for name, role in SIGNER_FIELDS.items():  # a renamed signer replaces the account the street assigned
            if entity == "observation" and name in rest:
                setattr(row, f"{role}_account", None)
        if entity == "observation" and "kind" in rest and row.released_on is None:
            stats[f"obs_{old['kind']}"] = -1
            stats[f"obs_{rest['kind']}"] = 1
        ctx.session.flush()
    except StaleDataError:
        raise _conflict(ctx.session, entity, row.code, expected_version, parsed, read) from None
    apply_delta(ctx.session, row.path, **stats)
    if rest:
        ctx.record(f"{entity}.update", entity, row.code, path=row.path,
                   old={k: jsonable(old[k]) for k in rest}, new={k: jsonable(v) for k, v in rest.items()},
                   reason=reason)
    return Change(entity, row.code, row.version, {k: jsonable(v) for k, v in old.items()},
                  {k: jsonable(v) for k, v in diff.items()})


def update_record(ctx: WriteContext, entity: str, code: str, changes: Mapping[str, Any], *,
                  expected_version: int, reason: str | None = None, read: Mapping[str, Any] | None = None) -> Change:
    """Change fields of one record (building, checkpoint, unit, household, person, observation, case) that the
    actor read at `expected_version`. Refused: outside scope or role (PermissionDenied), invalid values
    (Rejected, every problem listed), a stale version (Conflict: who/when, both values).

    `changes` should hold only the fields the person changed: a field sent unchanged is written as sent, which
    would undo another person's save of it once the version check has been passed (a retry on the current
    version). `read` — the values the person's form showed when it was filled — lets a Conflict name what
    others changed meanwhile (`Conflict.meanwhile`)."""
    row, parsed = _check(ctx, entity, code, changes, expected_version, read)
    return _apply(ctx, entity, row, parsed, reason, int(expected_version), read)


def update_records(ctx: WriteContext, entity: str, rows: Iterable[Mapping[str, Any]], *,
                   reason: str | None = None) -> list[Change]:
    """A bulk edit (a ledger saved from a table) as one transaction: every row is checked first (problems
    named by row, 1-based), stale rows are refused together (BulkConflict); nothing is written unless all
    rows pass. Each row: {"code": …, "version": …, field: value, …}."""
    checked, problems, conflicts = [], [], []
    for n, r in enumerate(rows, start=1):
        changes = {k: v for k, v in r.items() if k not in ("code", "version")}
        try:
            row, parsed = _check(ctx, entity, str(r.get("code")), changes, r.get("version"))
        except Rejected as rej:
            problems += [Problem(p.message_zh, p.message_en, row=n, column=p.column, field=p.field,
                                 severity=p.severity) for p in rej.problems]
            continue
        except Conflict as c:
            conflicts.append(c)
            continue
        checked.append((row, parsed, int(r["version"])))
    if problems:
        raise Rejected(problems)
    if conflicts:
        raise BulkConflict(conflicts)
    return [_apply(ctx, entity, row, parsed, reason, version) for row, parsed, version in checked]
