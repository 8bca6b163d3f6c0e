"""seal basis backfill: sealings recorded before 0015 get their basis, 封锁 or 硬隔离, from what sealed them

Revision ID: 0017_seal_basis_backfill
Revises: 0015_seal_basis
Create Date: 2026-12-06 01:00:00.000000

Issue 14 "Words": 封锁 (000 §3(一)4) and 硬隔离 (000 §1(三), §3(二)) are two states to whoever reads them, so a sealed
building or natural village must not read "封锁/硬隔离" because it was sealed before 0015_seal_basis recorded the
basis. Each sealed row with no basis takes it from what sealed it, as `geodata.situation.control` would have:
the latest `control.change` event of the target names a rule that seals by 硬隔离 (RULE_BASIS:
`village_case_sealed`, `cluster_hard_isolation`), or its control reason says 硬隔离 → `hard_isolation`; anything
else was a person's sealing → `lockdown` (MANUAL_BASIS). Written out here, not imported: a migration keeps what the
rule was when it ran. Plain SQL (LIKE on the event's JSON as text, a correlated MAX(id)) that SQLite and PostgreSQL
both run. On top of 0015_seal_basis, the branch that owns `control_basis`: it needs nothing else.

Downgrade leaves the bases: they are true, and 0015's own downgrade drops the columns.
"""
from alembic import op

revision = '0017_seal_basis_backfill'
down_revision = '0015_seal_basis'
branch_labels = None
depends_on = None

#: the rules whose sealing is 硬隔离 (geodata.situation.control.RULE_BASIS when this was written)
HARD_ISOLATION_RULES = ("village_case_sealed", "cluster_hard_isolation")
#: control.change events name a building `building` and a compound / natural village `compound`
TARGETS = {"buildings": "building", "units": "compound"}


def _backfill(table: str, entity: str) -> str:
    """One UPDATE: every sealed row of `table` without a basis, by its latest control.change event and reason."""
    by_rule = " OR ".join(f"CAST(e.new AS TEXT) LIKE '%\"{rule}\"%'" for rule in HARD_ISOLATION_RULES)
    return (
        f"UPDATE {table} SET control_basis = CASE WHEN control_reason LIKE '%硬隔离%' OR EXISTS ("
        f"SELECT 1 FROM events e WHERE e.id = (SELECT MAX(l.id) FROM events l WHERE l.action = 'control.change' "
        f"AND l.entity = '{entity}' AND l.entity_code = {table}.code) AND ({by_rule})) "
        f"THEN 'hard_isolation' ELSE 'lockdown' END "
        f"WHERE control_state = 'sealed' AND control_basis IS NULL")


def upgrade() -> None:
    for table, entity in TARGETS.items():
        op.execute(_backfill(table, entity))


def downgrade() -> None:
    pass
