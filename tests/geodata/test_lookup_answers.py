"""Issue 18, the remaining lookups: a code a scoped person names — a checkpoint, an observation, a source case, a
record's history, a disinfection target, an event, a grid, a round, a pass, a place's unit, a community — answers
the same whether it names nothing or a record outside their scope (geodata.people.reach); a role that may not act
hears so whatever the code; and a ledger's ID numbers neither match nor duplicate a person of another area
(geodata.exchange.bulk._name_people). On the two-street city of tests/geodata/test_scope_city.py, both backends.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from geodata.base.layers import id_number_warning
from geodata.base.problems import PermissionDenied, Refusal, Rejected
from geodata.checkpoints import commands, rosters
from geodata.exchange.bulk import UNMATCHABLE_ID
from geodata.exchange.imports import import_frame
from geodata.fieldwork import care, entries, events, passes, patrols, places, screening, supplies
from geodata.people import audit, authority, persons
from geodata.situation import cases, control, disinfection, honours, observations
from geodata.store.models import Person
from geodata.store.writes import Actor, write
from tests.factories import TODAY, X0, Y0, H, W
from tests.geodata.test_import_scope import _snapshot
from tests.geodata.test_scope_city import actor, city  # noqa: F401 — `city` is a fixture

NOON = dt.datetime.combine(TODAY, dt.time(12, 0))


def _elsewhere(store) -> dict[str, str]:
    """Field-work records in street S2 (outside every S1 login): an event in G21, a pass of H2, a place in C2, a
    screening round of C2, a 无疫小区 application of G21K1 — and a pass of H1 and a round of C1 that the S1 logins reach. Their codes, by name."""
    system = Actor.system("test")

    def fill(ctx):
        ev = events.log_event(ctx, "G21", "楼道堆物", reported_at=NOON)
        [p] = passes.issue_passes(ctx, "G21K1B1", on=TODAY)
        [own] = passes.issue_passes(ctx, "G11K1B1", on=TODAY)
        places.save_place(ctx, "PL2", name="二社区超市", kind="supermarket", unit_code="C2",
                          lon=X0 + 3 * W / 4, lat=Y0 + H / 2)
        r2 = screening.start_round(ctx, "C2", "返乡人员排查", TODAY, TODAY + dt.timedelta(days=2))
        r1 = screening.start_round(ctx, "C1", "返乡人员排查", TODAY, TODAY + dt.timedelta(days=2))
        app = honours.start_application(ctx, "G21K1", on=TODAY)
        return {"event": ev.code, "pass": p.number, "pass1": own.number, "round2": r2.code, "round1": r1.code,
                "honour": app.code}

    return write(store, system, fill)


def _as(store, who: str, fn):
    """`fn(ctx)` in one write as `who`."""
    return lambda code: write(store, actor(store, who), lambda ctx: fn(ctx, code))


def _read_as(store, who: str, fn):
    def run(code):
        with store.read() as s:
            return fn(s, actor(store, who), code)
    return run


def _lookups(store, made: dict[str, str]) -> list[tuple]:
    """(name, how to ask with a code, an existing code outside the asker's scope, an unknown one)."""
    return [
        ("checkpoint status", _as(store, "head1", lambda ctx, c: commands.set_checkpoint_status(
            ctx, c, "closed", expected_version=1)), "E2", "E404"),
        ("checkpoint roster", _as(store, "sup1", lambda ctx, c: rosters.set_shift(ctx, c, TODAY, "day", 3)),
         "E2", "E404"),
        ("health check", _as(store, "head1", lambda ctx, c: observations.record_health_check(
            ctx, c, on=TODAY, temperature=36.5)), "O2", "O404"),
        ("health checks read", lambda c: persons.health_checks_of(store, actor(store, "head1"), c), "O2", "O404"),
        ("source case", _as(store, "head1", lambda ctx, c: observations.start_observation(
            ctx, "P2", "home", start=TODAY, source_case=c)), "K1", "K404"),
        ("reclassify case", _as(store, "head1", lambda ctx, c: cases.reclassify_case(ctx, c, "suspected")),
         "K1", "K404"),
        ("case household", _as(store, "head1", lambda ctx, c: cases.record_case(
            ctx, kind="close_contact", reported_on=TODAY, household_code=c)), "H2", "H404"),
        ("record history", _read_as(store, "head1", lambda s, a, c: audit.history(s, a, "person", c)),
         "P3", "P404"),
        ("checkpoint history", _read_as(store, "sup1", lambda s, a, c: audit.history(s, a, "checkpoint", c)),
         "E2", "E404"),
        ("disinfection target", _as(store, "head1", lambda ctx, c: disinfection.record_disinfection(
            ctx, c, "routine", on=TODAY)), "G21K1B1", "G11K1B404"),
        ("control state", _as(store, "head1", lambda ctx, c: control.set_control(ctx, c, "closed", "发现密接")),
         "G21K1B1", "G11K1B404"),
        ("?building= lift status", _read_as(store, "head1", lambda s, a, c: control.lift_status(s, a, c)),
         "G21K1", "G11K404"),
        ("event card", _read_as(store, "grid11", lambda s, a, c: events.event_card(s, a, c)), made["event"],
         "EV404"),
        ("event note", _as(store, "grid11", lambda ctx, c: events.add_note(ctx, c, "已处理")), made["event"],
         "EV404"),
        ("event grid", _as(store, "grid11", lambda ctx, c: events.log_event(ctx, c, "路灯坏了")), "G21", "G404"),
        ("patrol grid", _as(store, "grid11", lambda ctx, c: patrols.record_patrol(
            ctx, c, NOON, NOON + dt.timedelta(hours=1))), "G21", "G404"),
        ("patrol places", _read_as(store, "grid11", lambda s, a, c: patrols.places_of(s, a, c)), "G21", "G404"),
        ("screening round", _read_as(store, "grid11", lambda s, a, c: screening.coverage(s, a, c)),
         made["round2"], "R404"),
        ("screening household", _as(store, "grid11", lambda ctx, c: screening.record_visit(
            ctx, made["round1"], c, "present", on=TODAY)), "H2", "H404"),
        ("gate checkpoint", _as(store, "grid11", lambda ctx, c: entries.register_entry(
            ctx, c, direction="in", temperature=36.5)), "E2", "E404"),
        ("gate log typed in", _as(store, "grid11", lambda ctx, c: entries.insert_entries(ctx, pd.DataFrame([{
            "checkpoint_code": c, "at": dt.datetime.combine(TODAY, dt.time(0, 1)), "subject": "person",
            "direction": "in", "resident": True, "temperature": 36.5}]))), "E2", "E404"),
        ("pass number", _as(store, "head1", lambda ctx, c: passes.revoke_pass(ctx, c, "遗失")), made["pass"],
         "TX-404"),
        ("pass place", _as(store, "head1", lambda ctx, c: passes.issue_passes(ctx, c, on=TODAY)), "G21K1B1",
         "G11K1B404"),
        ("care person", _as(store, "grid11", lambda ctx, c: care.record_visit(ctx, c, on=TODAY)), "P3", "P404"),
        ("care ?code=", lambda c: care.care_list(store, actor(store, "grid11"), c, on=TODAY), "G21", "G404"),
        ("place unit", _as(store, "head1", lambda ctx, c: places.save_place(
            ctx, "PL9", name="新超市", kind="supermarket", unit_code=c, lon=X0 + W / 4, lat=Y0 + H / 2)),
         "C2", "C404"),
        ("places ?code=", _read_as(store, "head1", lambda s, a, c: places.places_in(s, a, c)), "C2", "C404"),
        ("supplies community", _as(store, "head1", lambda ctx, c: supplies.record_movement(
            ctx, c, "masks", "in", 10, on=TODAY)), "C2", "C404"),
        ("honour application", _as(store, "head1", lambda ctx, c: honours.submit_self_assessment(ctx, c, 80)),
         made["honour"], "HA404"),
        ("honour compound", _as(store, "head1", lambda ctx, c: honours.start_application(ctx, c, on=TODAY)),
         "G21K1", "G11K404"),
        ("supplies ?code=", _read_as(store, "head1", lambda s, a, c: supplies.community_stock(s, a, c, TODAY)),
         "C2", "C404"),
    ]


def _answer(fn, code: str) -> tuple:
    """What a person sees of a refusal, with the code they typed taken out."""
    with pytest.raises(Refusal) as err:
        fn(code)
    problems = tuple((p.file, p.row, p.column, p.field, p.message_zh.replace(code, "…"),
                      p.message_en.replace(code, "…")) for p in err.value.errors)
    return type(err.value), err.value.message_zh.replace(code, "…"), problems


def test_an_unknown_code_and_one_outside_the_scope_get_the_same_answer(city):
    made = _elsewhere(city)
    for name, ask, elsewhere, unknown in _lookups(city, made):
        before = _snapshot(city)
        outside, missing = _answer(ask, elsewhere), _answer(ask, unknown)
        assert outside == missing, name
        assert any("unknown or outside your scope" in p[5] and "不存在或不在您的管辖范围内" in p[4]
                   for p in outside[2]), name
        assert _snapshot(city) == before, name


def test_a_role_that_may_not_act_hears_so_for_any_code(city):
    """Health staff of C1 may not change checkpoints, register at gates or revoke passes: the same refusal for
    their own community's code, another street's and an unknown one (no answer tells which exist)."""
    made = _elsewhere(city)
    for ask, codes in (
            (_as(city, "health1", lambda ctx, c: commands.set_checkpoint_status(ctx, c, "closed",
                                                                              expected_version=1)),
             ("E1", "E2", "E404")),
            (_as(city, "health1", lambda ctx, c: entries.register_entry(ctx, c, direction="in", temperature=36.5)),
             ("E1", "E2", "E404")),
            (_as(city, "health1", lambda ctx, c: passes.revoke_pass(ctx, c, "遗失")),
             (made["pass1"], made["pass"], "TX-404"))):
        answers = {_answer(ask, code) for code in codes}
        assert len(answers) == 1
        [(kind, text, _)] = answers
        assert kind is PermissionDenied and "无权" in text


def test_a_control_state_asks_one_role_for_buildings_and_compounds():
    """set_control asks the role before it knows whether the code is a building or a compound: the two edit
    actions must admit the same roles for that to be the role either way."""
    assert authority.action("edit.building").roles == authority.action("edit.unit").roles


def test_whole_city_users_keep_the_plain_answer(city):
    with pytest.raises(Rejected) as err:
        write(city, Actor.system("test"), lambda ctx: commands.set_checkpoint_status(
            ctx, "E404", "closed", expected_version=1))
    [problem] = err.value.errors
    assert "卡点编码不存在" in problem.message_zh and "不在您的管辖范围" not in problem.message_zh
    # and the scoped lookups still find what is theirs
    assert write(city, actor(city, "head1"), lambda ctx: commands.set_checkpoint_status(
        ctx, "E1", "closed", expected_version=1)).new == {"status": "closed"}


# --- ID numbers in ledgers ------------------------------------------------------------------------------------

P3_ID = "420102198505051237"  # registered in G21 (street S2)


def _new_id() -> str:
    """A valid ID number no one in the city holds (its check digit computed, so no warning muddles the answer)."""
    for last in "0123456789X":
        number = "42010219900101123" + last
        if id_number_warning(number) is None:
            return number
    raise AssertionError("no check digit fits")


def _ledger(store, who: str, home: dict):
    def run(number: str):
        row = {"name": "返乡人员", "id_number": number, "kind": "home", "start_date": TODAY, **home}
        return import_frame(store, actor(store, who), "observations", pd.DataFrame([row]), source="ledger.xlsx")
    return run


def _persons_with(store, number: str) -> list[tuple[str, str]]:
    with store.read() as s:
        return s.execute(select(Person.code, Person.path).where(Person.id_number == number)).all()


def test_an_id_number_registered_elsewhere_neither_matches_nor_duplicates(city):
    new = _new_id()
    before = _snapshot(city)
    # registered in another street: refused by row with the neutral answer, nothing written, no name shown
    with pytest.raises(Rejected) as err:
        _ledger(city, "grid11", {"household_code": "H1"})(P3_ID)
    [problem] = [p for p in err.value.errors if p.severity == "error"]
    assert (problem.row, problem.field) == (1, "id_number")
    assert UNMATCHABLE_ID[0] in problem.message_zh and UNMATCHABLE_ID[1] in problem.message_en
    assert all("王五" not in p.message_zh for p in err.value.problems)
    assert _snapshot(city) == before and len(_persons_with(city, P3_ID)) == 1
    # unregistered, on a row that cannot register the person inside the importer's scope: the same answer
    for who, home in (("grid11", {"household_code": "H2"}),  # another street's household
                      ("grid11", {"household_code": "H404"}),  # no such household
                      ("sup1", {"building_code": "G11K1B1", "room": "808"})):  # a role that creates no persons
        ask = _ledger(city, who, home)
        assert _answer(ask, P3_ID) == _answer(ask, new), (who, home)
        assert _snapshot(city) == before
    # unregistered and placed inside the importer's own grid: registered there, once
    assert _ledger(city, "grid11", {"household_code": "H1"})(new).inserted == 1
    with city.read() as s:
        g11 = s.execute(select(Person.path).where(Person.code == "P1")).scalar_one()
    assert [path for _, path in _persons_with(city, new)] == [g11]
    # a number registered inside the scope still matches its person
    with city.read() as s:
        persons_before = s.execute(select(func.count()).select_from(Person)).scalar()
    result = _ledger(city, "grid11", {"household_code": "H1"})("110105199001011232")
    assert result.inserted == 1  # the observation; the person P1 is matched, not created
    with city.read() as s:
        assert s.execute(select(func.count()).select_from(Person)).scalar() == persons_before


def test_a_whole_city_importer_still_matches_by_id_number_anywhere(city):
    with city.read() as s:
        persons_before = s.execute(select(func.count()).select_from(Person)).scalar()
    system = Actor.system("import")
    row = {"name": "王五", "id_number": P3_ID, "kind": "home", "start_date": TODAY, "household_code": "H1"}
    assert import_frame(city, system, "observations", pd.DataFrame([row])).inserted == 1
    with city.read() as s:
        assert s.execute(select(func.count()).select_from(Person)).scalar() == persons_before
