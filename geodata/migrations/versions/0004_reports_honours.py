"""无疫小区 lifecycle: honour applications, their steps and evidence attachments

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25 15:00:00.000000

Written by hand in the style of 0002. It branches from 0002 (another feature adds 0003 in parallel);
Store.migrate() upgrades every head. Daily reports keep using `daily_reports` from 0001.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('honour_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('quarter', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('pass_mark', sa.Integer(), nullable=True),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=True),
    sa.Column('notice_from', sa.Date(), nullable=True),
    sa.Column('awarded_on', sa.Date(), nullable=True),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('compound_id', 'quarter')
    )
    with op.batch_alter_table('honour_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_honour_applications_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_honour_applications_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_honour_applications_quarter'), ['quarter'], unique=False)
        batch_op.create_index(batch_op.f('ix_honour_applications_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_honour_applications_awarded_on'), ['awarded_on'], unique=False)

    op.create_table('honour_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['honour_applications.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('honour_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_honour_steps_application_id'), ['application_id'], unique=False)

    op.create_table('honour_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['honour_applications.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('honour_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_honour_attachments_application_id'), ['application_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_honour_attachments_sha256'), ['sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('honour_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_honour_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_honour_attachments_application_id'))
    op.drop_table('honour_attachments')
    with op.batch_alter_table('honour_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_honour_steps_application_id'))
    op.drop_table('honour_steps')
    with op.batch_alter_table('honour_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_honour_applications_awarded_on'))
        batch_op.drop_index(batch_op.f('ix_honour_applications_state'))
        batch_op.drop_index(batch_op.f('ix_honour_applications_quarter'))
        batch_op.drop_index(batch_op.f('ix_honour_applications_path'))
        batch_op.drop_index(batch_op.f('ix_honour_applications_compound_id'))
    op.drop_table('honour_applications')
