"""risk engine: disinfection records, expert assessments, lift decisions, alerts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:00:00.000000

Written by hand in the style of 0001 (batch index operations, so SQLite's render_as_batch works too).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# the target columns shared by the three record tables: a building or a compound/natural village
def _target_columns() -> list[sa.Column]:
    return [
        sa.Column('target_kind', sa.String(length=16), nullable=False),
        sa.Column('target_code', sa.String(length=64), nullable=False),
        sa.Column('building_id', sa.Integer(), nullable=True),
        sa.Column('compound_id', sa.Integer(), nullable=True),
        sa.Column('path', sa.String(length=200), nullable=False),
    ]


def _target_indexes(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{table}_target_code'), ['target_code'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_path'), ['path'], unique=False)


def _drop_target_indexes(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f'ix_{table}_path'))
        batch_op.drop_index(batch_op.f(f'ix_{table}_compound_id'))
        batch_op.drop_index(batch_op.f(f'ix_{table}_building_id'))
        batch_op.drop_index(batch_op.f(f'ix_{table}_target_code'))


def upgrade() -> None:
    op.create_table('disinfections',
    sa.Column('id', sa.Integer(), nullable=False),
    *_target_columns(),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ),
    sa.ForeignKeyConstraint(['compound_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _target_indexes('disinfections')
    with op.batch_alter_table('disinfections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disinfections_done_on'), ['done_on'], unique=False)

    op.create_table('expert_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    *_target_columns(),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('experts', sa.String(length=300), nullable=False),
    sa.Column('conclusion', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ),
    sa.ForeignKeyConstraint(['compound_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _target_indexes('expert_assessments')

    op.create_table('lift_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    *_target_columns(),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('previous_state', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['expert_assessments.id'], ),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ),
    sa.ForeignKeyConstraint(['compound_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _target_indexes('lift_decisions')

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('subject_code', sa.String(length=64), nullable=True),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('raised_by', sa.String(length=64), nullable=False),
    sa.Column('title_zh', sa.Text(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_raised_on'), ['raised_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_unit_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_raised_on'))
        batch_op.drop_index(batch_op.f('ix_alerts_path'))
        batch_op.drop_index(batch_op.f('ix_alerts_kind'))

    op.drop_table('alerts')
    _drop_target_indexes('lift_decisions')
    op.drop_table('lift_decisions')
    _drop_target_indexes('expert_assessments')
    op.drop_table('expert_assessments')
    with op.batch_alter_table('disinfections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disinfections_done_on'))
    _drop_target_indexes('disinfections')
    op.drop_table('disinfections')
