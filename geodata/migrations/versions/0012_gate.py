"""gate: checkpoint entry registration and household passes

Revision ID: 0012_gate
Revises: 0009_contacts
Create Date: 2026-12-05 21:30:00.000000

Issue 15 part 3. `gate_entries` is the entry log of a checkpoint (000 §1(二)2–4; 001 §十四 三): person or vehicle,
direction, temperature and its fever flag, resident or visitor, the pass shown; `household_passes` the 通行证/出入券
register (000 §1(五) 一户一卡). Written by hand in the style of 0009_contacts; a branch of its own off 0009_contacts
(`Store.migrate()` upgrades every head).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_gate'
down_revision = '0009_contacts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'household_passes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=64), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('issued_by', sa.String(length=64), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by', sa.String(length=64), nullable=True),
        sa.Column('revoke_reason', sa.String(length=200), nullable=True),
        sa.Column('replaces', sa.String(length=64), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
    )
    with op.batch_alter_table('household_passes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_passes_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_passes_path'), ['path'], unique=False)
    op.create_table(
        'gate_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('checkpoint_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('subject', sa.String(length=16), nullable=False),
        sa.Column('direction', sa.String(length=8), nullable=False),
        sa.Column('resident', sa.Boolean(), nullable=False),
        sa.Column('temperature', sa.Float(), nullable=True),
        sa.Column('fever', sa.Boolean(), nullable=False),
        sa.Column('pass_id', sa.Integer(), nullable=True),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=100), nullable=True),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoints.id']),
        sa.ForeignKeyConstraint(['pass_id'], ['household_passes.id']),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('gate_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gate_entries_checkpoint_id'), ['checkpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_entries_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_entries_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_entries_pass_id'), ['pass_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_entries_household_id'), ['household_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('gate_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gate_entries_household_id'))
        batch_op.drop_index(batch_op.f('ix_gate_entries_pass_id'))
        batch_op.drop_index(batch_op.f('ix_gate_entries_at'))
        batch_op.drop_index(batch_op.f('ix_gate_entries_path'))
        batch_op.drop_index(batch_op.f('ix_gate_entries_checkpoint_id'))
    op.drop_table('gate_entries')
    with op.batch_alter_table('household_passes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_passes_path'))
        batch_op.drop_index(batch_op.f('ix_household_passes_household_id'))
    op.drop_table('household_passes')
