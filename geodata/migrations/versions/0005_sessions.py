"""sign-in sessions and user grants

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25 15:30:00.000000

Written by hand in the style of 0002. It branches from 0002 (other features add 0003/0004 in parallel);
Store.migrate() upgrades every head. Tables: geodata/auth_models.py.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auth_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_sessions_username'), ['username'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_sessions_expires_at'), ['expires_at'], unique=False)

    op.create_table('user_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('granted_by', sa.String(length=64), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'kind')
    )
    with op.batch_alter_table('user_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_grants_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('user_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_grants_user_id'))
    op.drop_table('user_grants')
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_sessions_expires_at'))
        batch_op.drop_index(batch_op.f('ix_auth_sessions_username'))
        batch_op.drop_index(batch_op.f('ix_auth_sessions_user_id'))
    op.drop_table('auth_sessions')
