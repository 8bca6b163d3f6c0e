"""seal basis: whether a sealed building or natural village is 封锁 or 硬隔离

Revision ID: 0015_seal_basis
Revises: 0009_contacts
Create Date: 2026-12-06 10:00:00.000000

Issue 14 point 5. The control state `sealed` stays one state; `control_basis` on `buildings` and `units` records
why it was sealed: `lockdown` (封锁 of 宿舍(公寓)、楼栋 on the health commission's advice, 000 §3(一)4, set by hand) or
`hard_isolation` (硬隔离: a natural village with a confirmed case, 000 §1(三); a cluster's 楼宇、院落, 000 §3(二); set
by the rules). Rows sealed before this revision keep NULL and read "封锁/硬隔离". Written by hand in the style of
0009_contacts; a branch of its own off 0009_contacts (`Store.migrate()` upgrades every head).
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_seal_basis'
down_revision = '0009_contacts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('control_basis', sa.String(length=16), nullable=True))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('control_basis', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('control_basis')
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_column('control_basis')
