"""shared frames: read-model frames computed once per data version for every server process

Revision ID: 0018_shared_frames
Revises: 0001
Create Date: 2026-12-06 10:00:00.000000

Issue 18 (the 16:00 rush): with several Streamlit processes on one PostgreSQL, each process read the city's
levels again for every data version. `shared_frames` keeps each frame once per (key, version)
(geodata.store.shared_frames). It refers to nothing, so it branches from 0001; Store.migrate() upgrades every head.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_shared_frames'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'shared_frames',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('key', 'version'),
    )
    with op.batch_alter_table('shared_frames', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_frames_made_at'), ['made_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('shared_frames', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_frames_made_at'))
    op.drop_table('shared_frames')
