"""Checkpoint entry registration and household passes (issue 15 part 3) through the one write path: the fever
threshold at its edges, the 48 h pass window at its edge, a second household member, unknown and revoked passes,
scope at the current and the new place, the fever raising the control loop's symptom alert, counts per hour."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from geodata.base.problems import PermissionDenied, Rejected
from geodata.fieldwork import entries, passes
from geodata.situation.alerts import open_alerts
from geodata.situation.settings import set_setting
from geodata.store.field_models import GateEntry
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Event, Household
from geodata.store.writes import Actor, write
from tests.factories import load_small_city
from tests.risk_helpers import add_households, add_persons

SYSTEM = Actor.system("test")


@pytest.fixture
def city(store):
    load_small_city(store)
    add_households(store, [{"code": "H1", "building_code": "G11K1B1", "room": "101"},
                           {"code": "H2", "building_code": "G11K1B1", "room": "102"},
                           {"code": "H3", "building_code": "G21K1B1", "room": "201"}])
    add_persons(store, [{"code": "M1", "name": "陈一", "household_code": "H1"},
                        {"code": "M2", "name": "陈二", "household_code": "H1"}])
    with store.read() as s:
        paths = {c: unit_by_code(s, c).path for c in ("S1", "C1", "C2", "G11", "G21")}
    return {"grid": Actor("gridworker", "grid_leader", paths["G11"]),
            "head": Actor("head1", "community_head", paths["C1"]),
            "other": Actor("head2", "community_head", paths["C2"]),
            "street": Actor("streetboss", "supervisor", paths["S1"]), "paths": paths}


def _entry(store, actor, **kw):
    kw.setdefault("direction", "in")
    kw.setdefault("temperature", 36.5)
    return write(store, actor, lambda ctx: entries.register_entry(ctx, "E1", **kw))


def _issue(store, actor, code="G11K1B1"):
    return [p.number for p in write(store, actor, lambda ctx: passes.issue_passes(ctx, code))]


def _number(store, household_code):
    with store.read() as s:
        return s.execute(select(Household.pass_no).where(Household.code == household_code)).scalar_one()


def test_fever_threshold_edges_raise_the_symptom_alert_and_follow_the_setting(store, city):
    assert [_entry(store, city["grid"], temperature=t).fever for t in (37.2, 37.3, 37.5)] == [False, True, True]
    with store.read() as s:
        alerts = open_alerts(s, kinds=("symptom",))
        logged = s.execute(select(GateEntry.code).where(GateEntry.temperature == 37.3)).scalar_one()
    # the control loop's one symptom alert (not a second kind), for the checkpoint's community, naming the entry
    assert len(alerts) == 2 and set(alerts["unit_code"]) == {"C1"}
    row = alerts[alerts["subject_code"] == logged].iloc[0]
    assert row["details"]["temperature"] == 37.3 and "37.3" in row["title_zh"] and "住户" in row["title_zh"]
    with store.read() as s:  # the grid worker's today list: the gate's fevers to follow up
        tasks = entries.gate_tasks(s, city["grid"], entries.gate_now().date())
        assert entries.gate_tasks(s, city["other"], entries.gate_now().date()) == []
    assert [(t.code, t.page, dict(t.params)) for t in tasks] == [("E1", "gate", {"checkpoint": "E1"})]
    assert "发热 2 人" in tasks[0].title_zh
    write(store, Actor("cmd", "command"), lambda ctx: set_setting(ctx, "gate", {"fever_celsius": 37.5}))
    assert [_entry(store, city["grid"], temperature=t).fever for t in (37.4, 37.5)] == [False, True]


def test_refusals_at_the_gate_write_nothing(store, city):
    for bad in ({"temperature": None}, {"temperature": 45.0}, {"direction": "sideways"},
                {"at": entries.gate_now() + dt.timedelta(hours=1)}):
        with pytest.raises(Rejected) as exc:
            _entry(store, city["grid"], **bad)
        assert exc.value.problems[0].field in {"temperature", "direction", "at"}
    with pytest.raises(Rejected) as exc:  # a worker of another community: told as unknown, not "elsewhere"
        _entry(store, city["other"])
    assert "不存在或不在您的管辖范围内" in exc.value.problems[0].message_zh
    with pytest.raises(PermissionDenied):  # the street may read the gate's log, not register at it
        _entry(store, city["street"])
    with store.read() as s:
        assert s.execute(select(GateEntry)).first() is None
    assert _entry(store, city["grid"], subject="vehicle", temperature=None).fever is False  # 逢车必查: no reading


def test_pass_window_at_exactly_48_hours_and_for_a_second_member(store, city):
    _issue(store, city["head"])
    h1, h2 = _number(store, "H1"), _number(store, "H2")
    now = entries.gate_now()
    first = now - dt.timedelta(hours=47, minutes=59)
    _entry(store, city["grid"], direction="out", pass_no=h1, person_code="M1", at=first)
    _entry(store, city["grid"], direction="out", pass_no=h2, at=now - dt.timedelta(hours=48))
    _entry(store, city["grid"], direction="in", pass_no=h1, at=now - dt.timedelta(hours=40))  # back in: no limit
    with pytest.raises(Rejected) as exc:  # 47:59 after M1 went out, M2 of the same household
        _entry(store, city["grid"], direction="out", pass_no=h1, person_code="M2", at=now)
    problem = exc.value.problems[0]
    assert problem.field == "pass_no" and "陈一" in problem.message_zh  # the grid worker reads their grid's persons
    assert f"{first:%Y-%m-%d %H:%M}" in problem.message_zh
    assert f"下次可外出时间 {first + dt.timedelta(hours=48):%Y-%m-%d %H:%M}" in problem.message_zh
    assert "next exit allowed" in problem.message_en
    assert _entry(store, city["grid"], direction="out", pass_no=h2, at=now).entry.household_id is not None  # 48:00
    _issue(store, city["street"], "G21K1B1")
    with pytest.raises(Rejected) as exc:
        _entry(store, city["grid"], direction="out", pass_no=_number(store, "H3"))
    assert "不存在或不在您的管辖范围内" in exc.value.problems[0].message_zh  # another community's pass
    with store.read() as s:
        assert len(s.execute(select(GateEntry)).scalars().all()) == 4


def test_unknown_and_revoked_passes_are_refused_and_a_reissue_keeps_the_window(store, city):
    with pytest.raises(Rejected) as exc:
        _entry(store, city["grid"], direction="out", pass_no="NOPE")
    assert "不存在或不在您的管辖范围内" in exc.value.problems[0].message_zh
    _issue(store, city["head"])
    old = _number(store, "H1")
    _entry(store, city["grid"], direction="out", pass_no=old, at=entries.gate_now() - dt.timedelta(hours=1))
    with pytest.raises(Rejected):  # outside their scope: the number is told as unknown
        write(store, city["other"], lambda ctx: passes.reissue_pass(ctx, old, "遗失"))
    new = write(store, city["head"], lambda ctx: passes.reissue_pass(ctx, old, "遗失")).number
    assert new != old and _number(store, "H1") == new
    with pytest.raises(Rejected) as exc:
        _entry(store, city["grid"], direction="out", pass_no=old)
    assert "已作废" in exc.value.problems[0].message_zh and "遗失" in exc.value.problems[0].message_zh
    with pytest.raises(Rejected) as exc:  # the new number, but the household went out an hour ago
        _entry(store, city["grid"], direction="out", pass_no=new)
    assert "下次可外出时间" in exc.value.problems[0].message_zh
    with store.read() as s:
        actions = s.execute(select(Event.action).where(Event.entity_code == "H1")).scalars().all()
    assert {"pass.issue", "pass.revoke"} <= set(actions) and actions.count("pass.issue") == 2


def test_batch_issue_and_import_check_scope_at_the_current_and_the_new_place(store, city):
    first = _issue(store, city["head"])
    assert len(first) == 2 and len(set(first)) == 2
    assert _issue(store, city["head"]) == []  # a second batch leaves the passes in use alone
    with pytest.raises(Rejected):
        _issue(store, city["other"])  # G11K1B1 lies in community C1: told as unknown
    number = _number(store, "H1")
    frame = pd.DataFrame([{"number": number, "household_code": "H3"}])  # H1 (C1) → H3 (C2)
    with pytest.raises(Rejected) as exc:  # head of C2: may issue at H3 (new place), not at H1 (current place)
        write(store, city["other"], lambda ctx: passes.import_passes(ctx, frame))
    assert exc.value.problems[0].row == 2  # as the sheet counts rows: the headers are row 1
    with pytest.raises(Rejected):  # head of C1: the current place, not the new one
        write(store, city["head"], lambda ctx: passes.import_passes(ctx, frame))
    assert _number(store, "H1") == number and _number(store, "H3") is None
    assert write(store, city["street"], lambda ctx: passes.import_passes(ctx, frame))["moved"] == 1
    assert _number(store, "H3") == number and _number(store, "H1") is None
    bad = pd.DataFrame([{"number": "A-001", "household_code": "H1", "issued_on": "2026-12-01"},
                        {"number": "A-002", "household_code": "H404"}])
    with pytest.raises(Rejected) as exc:
        write(store, city["head"], lambda ctx: passes.import_passes(ctx, bad))
    assert [(p.row, p.field) for p in exc.value.problems] == [(3, "household_code")]
    assert _number(store, "H1") is None  # all or nothing
    write(store, city["head"], lambda ctx: passes.import_passes(ctx, bad.iloc[:1]))
    assert _number(store, "H1") == "A-001"


def test_counts_per_hour_and_per_checkpoint(store, city):
    day = entries.gate_now().date() - dt.timedelta(days=1)
    for hour, direction, temp in ((8, "in", 36.4), (8, "out", 36.6), (8, "in", 37.6), (17, "in", 36.5)):
        _entry(store, city["grid"], direction=direction, temperature=temp,
               at=dt.datetime.combine(day, dt.time(hour, 15)))
    with store.read() as s:
        hours = entries.hourly_counts(s, city["grid"], "E1", day)
        per = entries.checkpoint_counts(s, day, scope_path=city["paths"]["C1"])
        totals = entries.gate_totals(s, day)
        elsewhere = entries.checkpoint_counts(s, day, scope_path=city["paths"]["C2"])
    assert len(hours) == 24
    assert hours.loc[8, ["ins", "outs", "fevers"]].tolist() == [2, 1, 1]
    assert hours.loc[17, ["ins", "outs", "fevers"]].tolist() == [1, 0, 0]
    assert int(hours[["ins", "outs"]].to_numpy().sum()) == 4
    assert per.to_dict("records") == [{"code": "E1", "entries": 4, "ins": 3, "outs": 1, "fevers": 1}]
    assert totals == {"entries": 4, "fevers": 1} and elsewhere.empty
