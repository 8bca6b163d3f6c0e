"""control: the follow-up record of a symptom alert

Revision ID: 0014_control
Revises: 0009_contacts
Create Date: 2026-12-05 21:30:00.000000

Issue 14 point 3. `symptom_followups` holds what the street or the district health role did about a symptom alert
(上门收治 / 转诊 / 排除, who, when, a note); one per alert, and recording it clears the alert. Written by hand in the
style of 0009_contacts; a branch of its own off 0009_contacts (`Store.migrate()` upgrades every head).
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_control'
down_revision = '0009_contacts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'symptom_followups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('subject_code', sa.String(length=64), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=False),
        sa.Column('done_by', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name='fk_symptom_followups_alert'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('alert_id'),
    )
    with op.batch_alter_table('symptom_followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_symptom_followups_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_symptom_followups_subject_code'), ['subject_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('symptom_followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_symptom_followups_subject_code'))
        batch_op.drop_index(batch_op.f('ix_symptom_followups_path'))
    op.drop_table('symptom_followups')
