"""Care of the vulnerable (issue 15 part 4): the care list, visits and deliveries through the write path, overdue
at the N-day edge, scope at the person's place."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from geodata.base.problems import PermissionDenied, Rejected
from geodata.fieldwork.care import care_list, is_overdue, overdue_by_grid, record_visit, visits_in
from geodata.store.field_models import CareVisit
from geodata.store.models import Building, Event, Unit
from geodata.store.writes import Actor, write
from tests.factories import TODAY, load_small_city


def _paths(store) -> dict[str, str]:
    with store.read() as s:
        return {u.code: u.path for u in s.execute(select(Unit)).scalars()}


@pytest.fixture
def city(store):
    load_small_city(store)
    paths = _paths(store)
    return store, Actor("grid11", "grid_leader", paths["G11"]), Actor("grid21", "grid_leader", paths["G21"]), paths


def test_overdue_turns_on_the_day_after_the_n_day_edge():
    last = dt.date(2026, 11, 18)
    assert not is_overdue(last, last + dt.timedelta(days=7), 7)  # exactly N days: due today, not overdue
    assert is_overdue(last, last + dt.timedelta(days=8), 7)
    assert is_overdue(None, last, 7)  # never visited


def test_a_visit_clears_overdue_until_n_days_have_passed(city):
    store, worker, _, _ = city
    before = care_list(store, worker, "G11", on=TODAY)
    assert before["code"].tolist() == ["P2"]  # 独居老人,低保; P1 (a party member only) is not on the list
    assert before.loc[0, "kinds"] == ["elderly_alone", "low_income"] and bool(before.loc[0, "overdue"])
    code = write(store, worker, lambda ctx: record_visit(ctx, "P2", on=TODAY - dt.timedelta(days=7), kind="delivery",
                                                        method="contactless", what="米面油", need="需要降压药",
                                                        today=TODAY))
    on_edge = care_list(store, worker, "G11", on=TODAY)
    assert (on_edge.loc[0, "days_since"], bool(on_edge.loc[0, "overdue"])) == (7, False)
    day_after = care_list(store, worker, "G11", on=TODAY + dt.timedelta(days=1))
    assert bool(day_after.loc[0, "overdue"])
    with store.read() as s:
        ev = s.execute(select(Event).where(Event.entity_code == code)).scalar_one()
        counts = overdue_by_grid(s, None, TODAY + dt.timedelta(days=1))
    assert (ev.action, ev.actor, ev.new["method"], ev.new["need"]) == ("care.delivery", "grid11", "contactless",
                                                                        "需要降压药")
    assert counts[["grid_code", "on_list", "overdue"]].values.tolist() == [["G11", 1, 1]]
    visits = visits_in(store, worker, "G11")
    assert visits[["code", "person_code", "what"]].values.tolist() == [[code, "P2", "米面油"]]


def test_a_sealed_buildings_people_are_due_every_day(city):
    store, worker, _, _ = city
    write(store, worker, lambda ctx: record_visit(ctx, "P2", on=TODAY - dt.timedelta(days=2), today=TODAY))
    assert not bool(care_list(store, worker, "G11K1B2", on=TODAY).loc[0, "overdue"])
    write(store, Actor.system("test"), lambda ctx: ctx.session.execute(
        update(Building).where(Building.code == "G11K1B2").values(control_state="sealed")))
    sealed = care_list(store, worker, "G11K1B2", on=TODAY)
    assert (bool(sealed.loc[0, "sealed"]), int(sealed.loc[0, "due_days"]), bool(sealed.loc[0, "overdue"])) == (
        True, 1, True)


def test_another_grids_worker_is_refused_and_nothing_is_written(city):
    store, _, other, _ = city
    with pytest.raises(PermissionDenied):
        write(store, other, lambda ctx: record_visit(ctx, "P2", on=TODAY, today=TODAY))
    with pytest.raises(PermissionDenied):
        care_list(store, other, "G11", on=TODAY)
    with store.read() as s:
        assert s.execute(select(CareVisit)).first() is None


def test_refusals_name_the_field(city):
    store, worker, _, _ = city
    with pytest.raises(Rejected) as exc:
        write(store, worker, lambda ctx: record_visit(ctx, "P1", on=TODAY, today=TODAY))
    assert [p.field for p in exc.value.errors] == ["person_code"]  # not on the care list
    with pytest.raises(Rejected) as exc:
        write(store, worker, lambda ctx: record_visit(ctx, "P2", on=TODAY + dt.timedelta(days=1), kind="delivery",
                                                      what="药\x07", today=TODAY))
    assert sorted(p.field for p in exc.value.errors) == ["method", "visited_on", "what"]


def test_a_need_becomes_an_event_and_a_due_visit_a_task(city):
    from geodata.fieldwork.care import care_tasks
    from geodata.store.field_models import FieldEvent

    store, worker, _, _ = city
    with store.read() as s:
        assert [t.kind for t in care_tasks(s, worker, TODAY)] == ["care"]  # P2 never visited
    code = write(store, worker, lambda ctx: record_visit(ctx, "P2", on=TODAY, need="水管漏水", as_event=True,
                                                        today=TODAY))
    with store.read() as s:
        visit = s.execute(select(CareVisit).where(CareVisit.code == code)).scalar_one()
        event = s.execute(select(FieldEvent).where(FieldEvent.code == visit.event_code)).scalar_one()
        assert care_tasks(s, worker, TODAY) == []
    assert (event.source, event.kind) == ("care", "livelihood")


def test_the_walls_counts_per_grid_agree_with_the_care_list_at_every_edge(store):
    """overdue_by_grid counts in the database (the city's wall reads 140k people); it must count exactly the
    people the care list shows, overdue exactly as the list says: tags that look alike (残疾人 / 失能老人),
    tags that do not put a person on the list (党员), visits N days ago and N+1, a sealed building's daily
    visits, a visit after the day shown."""
    import pandas as pd

    from geodata.fieldwork.care import _frame
    from geodata.exchange.bulk import upsert_layer

    load_small_city(store)
    people = [("P4", "G11K1B1", "残疾人"), ("P5", "G11K1B1", "失能老人,党员"), ("P6", "G11K1B2", "党员"),
              ("P7", "G21K1B1", "孕产妇"), ("P8", "G21K1B1", "慢性病"), ("P9", "G21K1B1", ""),
              ("P10", "G11K1B2", "婴幼儿")]
    write(store, Actor.system("test"), lambda ctx: upsert_layer(ctx, "persons", pd.DataFrame(
        [{"code": c, "name": f"人{c}", "building_code": b, "tags": t} for c, b, t in people])))
    write(store, Actor.system("test"), lambda ctx: ctx.session.execute(
        update(Building).where(Building.code == "G21K1B1").values(control_state="sealed")))
    visits = [("P2", 7), ("P4", 8), ("P5", 3), ("P7", 1), ("P8", 2), ("P10", -1)]  # days before TODAY
    for code, back in visits:
        write(store, Actor.system("test"), lambda ctx, c=code, b=back: record_visit(
            ctx, c, on=TODAY - dt.timedelta(days=b), today=TODAY + dt.timedelta(days=1)))
    with store.read() as s:
        counts = overdue_by_grid(s, None, TODAY)
        people_frame = _frame(s, "1 = 1", {}, TODAY)
    expected = people_frame.groupby("grid_id").agg(on_list=("id", "size"), overdue=("overdue", "sum"),
                                                   sealed=("sealed", "sum"))
    assert sorted(people_frame["code"]) == ["P10", "P2", "P4", "P5", "P7", "P8"]
    got = counts.set_index("grid_code")[["on_list", "overdue", "sealed"]].sort_index()
    # G11: P2 visited 7 days ago (due today), P4 8 days ago (overdue), P5 3 days ago, P10 only after TODAY
    # (overdue); G21 sealed: P7 visited yesterday (due today), P8 two days ago (overdue)
    assert got.to_dict("index") == {"G11": {"on_list": 4, "overdue": 2, "sealed": 0},
                                    "G21": {"on_list": 2, "overdue": 1, "sealed": 2}}
    assert sorted(got["overdue"].tolist()) == sorted(int(x) for x in expected["overdue"])
    assert sorted(got["on_list"].tolist()) == sorted(int(x) for x in expected["on_list"])
