"""checkpoint planner: saved plans and their items

Revision ID: 0003_checkpoint_plans
Revises: 0002
Create Date: 2026-11-25 15:00:00.000000

Written by hand in the style of 0001/0002 (batch index operations, so SQLite's render_as_batch works too). A
branch of its own off 0002: `Store.migrate()` upgrades every head, so other 0003 branches can land beside it.
"""
import sqlalchemy as sa
from alembic import op

import geodata.base.types

revision = '0003_checkpoint_plans'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkpoint_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('radius_m', sa.Float(), nullable=False),
    sa.Column('zone_geom', geodata.base.types.GeometryType('POLYGON'), nullable=True),
    sa.Column('zone_rank', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('applied_by', sa.String(length=64), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('checkpoint_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkpoint_plans_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkpoint_plans_unit_id'), ['unit_id'], unique=False)

    op.create_table('checkpoint_plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('checkpoint_code', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('staff_day', sa.Integer(), nullable=True),
    sa.Column('staff_night', sa.Integer(), nullable=True),
    sa.Column('is_24h', sa.Boolean(), nullable=True),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['checkpoint_plans.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('checkpoint_plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkpoint_plan_items_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checkpoint_plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkpoint_plan_items_plan_id'))
    op.drop_table('checkpoint_plan_items')
    with op.batch_alter_table('checkpoint_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkpoint_plans_unit_id'))
        batch_op.drop_index(batch_op.f('ix_checkpoint_plans_path'))
    op.drop_table('checkpoint_plans')
