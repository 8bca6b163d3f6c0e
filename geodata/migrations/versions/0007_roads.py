"""roads: the walking network of the checkpoint planner

Revision ID: 0007_roads
Revises: 0002
Create Date: 2026-11-26 10:00:00.000000

Written by hand in the style of 0003/0006. A branch of its own off 0002 (it needs only `units`): `Store.migrate()`
upgrades every head. On PostGIS the geometry gets a GiST index like units and building footprints; everywhere the
bounding-box columns carry the window query.
"""
import sqlalchemy as sa
from alembic import op

import geodata.base.types

revision = '0007_roads'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('geom', geodata.base.types.GeometryType('GEOMETRY'), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('roads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roads_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_roads_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_roads_bbox', ['minx', 'miny', 'maxx', 'maxy'], unique=False)
    if geodata.base.types.has_postgis(op.get_bind().dialect):
        op.execute('CREATE INDEX ix_roads_geom ON roads USING gist (geom)')


def downgrade() -> None:
    if geodata.base.types.has_postgis(op.get_bind().dialect):
        op.execute('DROP INDEX IF EXISTS ix_roads_geom')
    with op.batch_alter_table('roads', schema=None) as batch_op:
        batch_op.drop_index('ix_roads_bbox')
        batch_op.drop_index(batch_op.f('ix_roads_unit_id'))
        batch_op.drop_index(batch_op.f('ix_roads_path'))
    op.drop_table('roads')
