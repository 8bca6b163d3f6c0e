"""One control state `sealed`, two bases on screen (issue 14 point 5): 封锁 of a building/dormitory set by hand on the
health commission's advice (000 §3(一)4), 硬隔离 set by the rules — a natural village with a confirmed case
(000 §1(三)) and a cluster's buildings (000 §3(二)). The basis is stored with the sealing and in its event."""
from __future__ import annotations


import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from geodata.base.problems import Rejected
from geodata.base.vocab import control_label
from geodata.editing import changes
from geodata.reporting.figures import buildings_in
from geodata.situation.cases import record_case
from geodata.situation.control import lift_check, set_control
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Base, Event
from tests.factories import load_small_city
from tests.geodata.test_field_migrations import migration_config
from tests.risk_helpers import GRID, HEAD, building, day, load_rural_county, run, unit


def _events(store, code):
    with store.read() as s:
        return s.execute(select(Event).where(Event.action == "control.change", Event.entity_code == code)
                         .order_by(Event.id)).scalars().all()


def test_a_sealing_by_hand_is_lockdown_and_the_rules_seal_by_hard_isolation(store):
    load_small_city(store)
    run(store, HEAD, set_control, "G11K1B1", "sealed", "卫健委建议：楼栋封锁", on=day(1))
    b = building(store, "G11K1B1")
    assert (b.control_state, b.control_basis) == ("sealed", "lockdown")
    ev = _events(store, "G11K1B1")[-1]
    assert ev.new["basis"] == "lockdown"
    assert "封锁依据：（空） → 封锁" in changes.describe("building", ev.old, ev.new)  # the audit says it in words
    # the word chosen names the basis: "硬隔离" by hand is hard isolation
    run(store, GRID, set_control, "G11K2B1", "硬隔离", "邻楼聚集性疫情", on=day(1))
    assert building(store, "G11K2B1").control_basis == "hard_isolation"
    # a basis belongs to a sealing only
    with pytest.raises(Rejected) as err:
        run(store, HEAD, set_control, "G12K1B1", "closed", "六个一", on=day(1), basis="lockdown")
    assert [p.field for p in err.value.errors] == ["basis"]
    assert building(store, "G12K1B1").control_state == "normal"  # nothing written

    # two cases in one week in G12K1's buildings: a cluster, its buildings hard-isolated by the rule
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(2), building_code="G12K1B1", code="A1")
    assert building(store, "G12K1B1").control_basis is None  # a 疫点 has no sealing basis
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(3), building_code="G12K1B1", code="A2")
    b = building(store, "G12K1B1")
    assert (b.control_state, b.control_basis) == ("sealed", "hard_isolation")
    last = _events(store, "G12K1B1")[-1]
    assert (last.new["rule"], last.new["basis"], last.old["basis"]) == ("cluster_hard_isolation", "hard_isolation",
                                                                         None)

    # every place that names the state reads the basis: the building table/card/tooltip frame and the lift checklist
    with store.read() as s:
        frame = buildings_in(s, unit_by_code(s, "G11K1"), day(3)).set_index("code")
        check = lift_check(s, "G12K1B1", day(3))
    labels = [control_label(st, b) for st, b in zip(frame["control_state"], frame["control_basis"])]
    assert dict(zip(frame.index, labels))["G11K1B1"] == "封锁"
    assert control_label(check.state, check.basis) == "硬隔离"
    assert control_label(check.state, check.basis, "en") == "Hard isolation"
    assert control_label("sealed", None) == "封锁/硬隔离"  # sealed before the basis was recorded
    assert control_label("epidemic_spot", None) == "疫点"


def test_a_case_in_a_natural_village_seals_it_by_hard_isolation(store):
    load_rural_county(store)
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(1), person_code="RP1", code="R1")
    village = unit(store, "RN1")
    assert (village.control_state, village.control_basis) == ("sealed", "hard_isolation")
    run(store, GRID, set_control, "RN2", "sealed", "卫健委建议封锁", on=day(2))
    assert unit(store, "RN2").control_basis == "lockdown"


def test_the_seal_basis_migration_goes_down_alone_and_up_again(store):
    def columns(table):
        with store.engine.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns(table)}

    def basis_diffs():
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        return [d for d in diff if "control_basis" in repr(d)]

    assert "control_basis" in columns("buildings") and "control_basis" in columns("units")
    assert basis_diffs() == []  # the migrated columns are what the models say (type, nullability)
    with store.engine.begin() as conn:
        # to the branch's base: 0017_seal_basis_backfill on top of it goes down too (ON_TOP)
        command.downgrade(migration_config(conn), "0015_seal_basis@0009_contacts")
    assert "control_basis" not in columns("buildings") | columns("units")
    assert len(basis_diffs()) == 2  # the comparison can fail: both missing columns are reported
    assert "symptom_followups" in inspect(store.engine).get_table_names()  # other branches stay up
    store.migrate()
    assert "control_basis" in columns("buildings") and "control_basis" in columns("units")
