"""Sealings recorded before 0015_seal_basis had no basis and read "封锁/硬隔离"; 0017_seal_basis_backfill gives each
the basis of what sealed it (issue 14 "Words"): a rule that seals by 硬隔离 (a cluster's buildings, a natural
village with a case) → 硬隔离, a person's sealing → 封锁, a person's reason that says 硬隔离 → 硬隔离."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from geodata.base.vocab import control_label
from geodata.situation.cases import record_case
from geodata.situation.control import set_control
from tests.factories import load_small_city
from tests.geodata.test_field_migrations import ON_TOP, migration_config
from tests.risk_helpers import GRID, HEAD, building, day, load_rural_county, run, unit


def _back_before_the_basis(store) -> None:
    """The database at the previous head, as 0015 left a city sealed before it: 0017 down (it sits on top of 0015),
    every basis NULL — what 0015's new columns held for the sealings already there. (Going below 0015 with the
    city in it would rebuild `units` under SQLite's batch mode, which its foreign keys refuse.)"""
    assert ON_TOP["0015_seal_basis"] == "0017_seal_basis_backfill"
    with store.engine.begin() as conn:
        command.downgrade(migration_config(conn), "0017_seal_basis_backfill@0015_seal_basis")
        conn.execute(text("UPDATE buildings SET control_basis = NULL"))
        conn.execute(text("UPDATE units SET control_basis = NULL"))
    with store.engine.connect() as conn:
        heads = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    assert "0015_seal_basis" in heads and "0017_seal_basis_backfill" not in heads


def test_sealings_from_before_the_basis_read_hard_isolation_or_lockdown_after_the_upgrade(store):
    load_small_city(store)
    run(store, HEAD, set_control, "G11K1B1", "sealed", "卫健委建议楼栋封锁", on=day(1))  # by hand
    run(store, GRID, set_control, "G11K2B1", "sealed", "同楼多人发热，先行硬隔离", on=day(1))  # by hand, says 硬隔离
    # two cases in one week in G12K1B1: the cluster rule seals it
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(2), building_code="G12K1B1", code="A1")
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(3), building_code="G12K1B1", code="A2")
    run(store, HEAD, set_control, "G21K1B1", "closed", "六个一", on=day(1))  # not sealed: no basis
    _back_before_the_basis(store)

    store.migrate()  # up to every head: 0017 fills the bases
    read = {c: building(store, c) for c in ("G11K1B1", "G11K2B1", "G12K1B1", "G21K1B1")}
    assert {c: control_label(b.control_state, b.control_basis) for c, b in read.items()} == {
        "G11K1B1": "封锁", "G11K2B1": "硬隔离", "G12K1B1": "硬隔离", "G21K1B1": "封闭管理"}
    assert read["G21K1B1"].control_basis is None
    with store.engine.connect() as conn:
        unread = conn.execute(text("SELECT count(*) FROM buildings WHERE control_state = 'sealed' "
                                   "AND control_basis IS NULL")).scalar()
    assert unread == 0


def test_a_natural_village_sealed_by_the_rule_reads_hard_isolation_after_the_upgrade(store):
    load_rural_county(store)
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(1), person_code="RP1", code="R1")
    run(store, GRID, set_control, "RN2", "sealed", "卫健委建议封锁", on=day(2))
    _back_before_the_basis(store)

    store.migrate()
    assert unit(store, "RN1").control_basis == "hard_isolation"
    assert unit(store, "RN2").control_basis == "lockdown"
    assert unit(store, "RN3").control_basis is None
