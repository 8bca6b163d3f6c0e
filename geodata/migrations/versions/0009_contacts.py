"""contacts: close contacts linked to their source case, the last exposure, the assigned release signers

Revision ID: 0009_contacts
Revises: 0002
Create Date: 2026-12-05 19:30:00.000000

Issue 14 points 4–6. `cases.source_case_id` and `observations.source_case_id` link a close contact (密接, 密接的密接,
000 §3(一)2) to the case it was exposed to, so the lift guard of a 疫点 counts the contacts of its cases wherever
they live; `observations.exposed_on` is the last exposure (a re-exposure restarts the 14 days);
`observations.cadre_account` / `medic_account` name the accounts the street assigns to sign the release. Written by
hand in the style of 0006–0008; a branch of its own off 0002 (`Store.migrate()` upgrades every head).
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_contacts'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_source_case_id'), ['source_case_id'], unique=False)
        batch_op.create_foreign_key('fk_cases_source_case', 'cases', ['source_case_id'], ['id'])
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cadre_account', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('medic_account', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('source_case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('exposed_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_observations_source_case_id'), ['source_case_id'], unique=False)
        batch_op.create_foreign_key('fk_observations_source_case', 'cases', ['source_case_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_observations_source_case', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_observations_source_case_id'))
        batch_op.drop_column('exposed_on')
        batch_op.drop_column('source_case_id')
        batch_op.drop_column('medic_account')
        batch_op.drop_column('cadre_account')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cases_source_case', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cases_source_case_id'))
        batch_op.drop_column('source_case_id')
