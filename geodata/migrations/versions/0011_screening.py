"""screening: door-to-door screening rounds, returnee lists and household visits

Revision ID: 0011_screening
Revises: 0009_contacts
Create Date: 2026-12-08 10:00:00.000000

Issue 15 (door-to-door screening rounds, 004 (一)1–2). `screening_rounds` is a round over a street, community or
grid (or a returnee list pushed down from the district), `screening_list_entries` the names of such a list and the
household each was matched to, `screening_visits` one knock on a household's door. Written by hand in the style of
0009; a branch of its own off 0009 (`Store.migrate()` upgrades every head).
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_screening'
down_revision = '0009_contacts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'screening_rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('purpose', sa.String(length=200), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('started_by', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('closed_by', sa.String(length=64), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_households', sa.Integer(), nullable=True),
        sa.Column('closed_visited', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('screening_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_rounds_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_rounds_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_rounds_status'), ['status'], unique=False)

    op.create_table(
        'screening_list_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('row_no', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('id_number', sa.String(length=32), nullable=True),
        sa.Column('phone', sa.String(length=40), nullable=True),
        sa.Column('address', sa.String(length=300), nullable=True),
        sa.Column('building_code', sa.String(length=64), nullable=True),
        sa.Column('room', sa.String(length=32), nullable=True),
        sa.Column('came_from', sa.String(length=200), nullable=True),
        sa.Column('arrived_on', sa.Date(), nullable=True),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('matched_by', sa.String(length=16), nullable=True),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id']),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('screening_list_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_list_entries_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_list_entries_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_list_entries_path'), ['path'], unique=False)

    op.create_table(
        'screening_visits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('visited_on', sa.Date(), nullable=False),
        sa.Column('visited_by', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('presence', sa.String(length=16), nullable=False),
        sa.Column('returned_from', sa.String(length=200), nullable=True),
        sa.Column('returned_on', sa.Date(), nullable=True),
        sa.Column('temperature', sa.Float(), nullable=True),
        sa.Column('symptoms', sa.String(length=200), nullable=True),
        sa.Column('needs', sa.Text(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('alert_id', sa.Integer(), nullable=True),
        sa.Column('event_code', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id']),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('screening_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_visits_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_visits_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_visits_path'), ['path'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('screening_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_visits_path'))
        batch_op.drop_index(batch_op.f('ix_screening_visits_household_id'))
        batch_op.drop_index(batch_op.f('ix_screening_visits_round_id'))
    op.drop_table('screening_visits')
    with op.batch_alter_table('screening_list_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_list_entries_path'))
        batch_op.drop_index(batch_op.f('ix_screening_list_entries_household_id'))
        batch_op.drop_index(batch_op.f('ix_screening_list_entries_round_id'))
    op.drop_table('screening_list_entries')
    with op.batch_alter_table('screening_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_rounds_status'))
        batch_op.drop_index(batch_op.f('ix_screening_rounds_path'))
        batch_op.drop_index(batch_op.f('ix_screening_rounds_unit_id'))
    op.drop_table('screening_rounds')
