"""screening care marks: the household members a screening visit put on the care list

Revision ID: 0016_screening_care
Revises: 0011_screening
Create Date: 2026-12-10 10:00:00.000000

Issue 15 (findings feed the care list). `screening_care_marks` keeps, per visit, the persons it marked as needing
care, the kinds chosen and the kinds it added to their tags. Written by hand in the style of 0009. It refers to
`screening_visits` and `screening_rounds`, so it follows 0011_screening (not 0009_contacts directly).
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_screening_care'
down_revision = '0011_screening'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'screening_care_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('kinds', sa.String(length=200), nullable=False),
        sa.Column('added', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['visit_id'], ['screening_visits.id']),
        sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id']),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('screening_care_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_care_marks_visit_id'), ['visit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_care_marks_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_care_marks_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_care_marks_path'), ['path'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('screening_care_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_care_marks_path'))
        batch_op.drop_index(batch_op.f('ix_screening_care_marks_person_id'))
        batch_op.drop_index(batch_op.f('ix_screening_care_marks_round_id'))
        batch_op.drop_index(batch_op.f('ix_screening_care_marks_visit_id'))
    op.drop_table('screening_care_marks')
