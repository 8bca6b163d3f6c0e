"""grid issues: residents' requests logged in the grid and routed by tier (scenario 21)

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-25 14:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'grid_issues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('category', sa.String(length=64), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('resident_name', sa.String(length=100), nullable=True),
        sa.Column('resident_phone', sa.String(length=40), nullable=True),
        sa.Column('tier', sa.String(length=16), nullable=False),
        sa.Column('handler_level', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('tracker', sa.String(length=64), nullable=False),
        sa.Column('reported_by', sa.String(length=64), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.Column('closed_by', sa.String(length=64), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('resolution', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['grid_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('grid_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_issues_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_issues_path'), ['path'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('grid_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_issues_path'))
        batch_op.drop_index(batch_op.f('ix_grid_issues_grid_id'))
    op.drop_table('grid_issues')
