"""Screening findings feed the care list (issue 15): a visit marks household members as needing care, their care
kinds are added to the person's tags through the one write path, in the visit's transaction, scoped and audited."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from geodata.base.problems import Refusal
from geodata.fieldwork.care import care_list
from geodata.fieldwork.screening import close_round, round_report
from geodata.store.field_models import ScreeningCareMark, ScreeningVisit
from geodata.store.models import Event, Person
from geodata.store.writes import write
from tests.geodata.test_screening import _start, _visit, city  # noqa: F401 — the fixture of the screening tests


def _tags(store, code):
    with store.read() as s:
        return list(s.execute(select(Person.tags).where(Person.code == code)).scalar_one())


def _count(store, model):
    with store.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_visit_puts_a_member_on_the_care_list_audited_and_counted_in_the_report(store, city):
    _start(store, city["head"])
    assert "P9" not in care_list(store, city["grid"], "G11")["code"].tolist()
    result = _visit(store, city["grid"], "H2", care={"P9": ["elderly_alone", "慢性病"]})
    assert result.cared == ("P9",)
    assert _tags(store, "P9") == ["elderly_alone", "chronic"]
    listed = care_list(store, city["grid"], "G11").set_index("code")
    assert listed.loc["P9", "kinds"] == ["elderly_alone", "chronic"]
    with store.read() as s:
        mark = s.execute(select(ScreeningCareMark)).scalar_one()
        audit = s.execute(select(Event).where(Event.action == "person.update", Event.entity_code == "P9")).scalar_one()
        report = round_report(s, city["street"], "R1")
    assert (mark.kinds, mark.added) == ("elderly_alone,chronic", "elderly_alone,chronic")
    assert audit.actor == "grid11" and audit.old == {"tags": []}
    assert audit.new == {"tags": ["elderly_alone", "chronic"]}
    assert (report.visited, report.cared) == (1, 1)
    _visit(store, city["grid"], "H1")  # a visit without care marks does not count
    closed = write(store, city["head"], lambda ctx: close_round(ctx, "R1"))
    assert (closed.visited, closed.cared) == (2, 1)


def test_marking_again_adds_only_the_new_kind_and_never_duplicates(store, city):
    _start(store, city["head"])
    _visit(store, city["grid"], "H2", care={"P9": ["elderly_alone"]})
    again = _visit(store, city["grid"], "H2", care={"P9": ["elderly_alone", "elderly_alone"]})
    assert again.cared == ()
    assert _tags(store, "P9") == ["elderly_alone"]
    _visit(store, city["grid"], "H2", care={"P9": ["elderly_alone", "disabled"]})
    assert _tags(store, "P9") == ["elderly_alone", "disabled"]
    with store.read() as s:
        updates = s.execute(select(func.count()).select_from(Event).where(Event.action == "person.update")).scalar_one()
        marks = s.execute(select(ScreeningCareMark.added).order_by(ScreeningCareMark.id)).scalars().all()
        report = round_report(s, city["head"], "R1")
    assert updates == 2 and marks == ["elderly_alone", None, "disabled"]
    assert report.cared == 1  # one household, however many visits


@pytest.mark.parametrize("care", [{"P10": ["disabled"]},  # another grid's person: outside the worker's scope
                                  {"P9": ["party_member"]}])  # a tag that is not a care kind
def test_a_refused_mark_writes_neither_the_visit_nor_a_tag(store, city, care):
    _start(store, city["head"])
    visits, tags = _count(store, ScreeningVisit), (_tags(store, "P9"), _tags(store, "P10"))
    with pytest.raises(Refusal):
        _visit(store, city["grid"], "H2", temperature=38.5, needs="买药", care=care)
    assert _count(store, ScreeningVisit) == visits
    assert _count(store, ScreeningCareMark) == 0
    assert (_tags(store, "P9"), _tags(store, "P10")) == tags


def test_a_member_of_another_household_is_refused_even_in_the_worker_grid(store, city):
    _start(store, city["head"])
    with pytest.raises(Refusal) as err:
        _visit(store, city["head"], "H1", care={"P9": ["elderly_alone"]})  # P9 lives in H2
    assert err.value.problems[0].field == "care" and "H1" in err.value.problems[0].message_zh
    assert _tags(store, "P9") == [] and _count(store, ScreeningVisit) == 0
