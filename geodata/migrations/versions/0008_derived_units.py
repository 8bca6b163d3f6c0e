"""derived units: ancestors an import makes from its rows' codes, flagged until named

Revision ID: 0008_derived_units
Revises: 0002
Create Date: 2026-11-28 10:00:00.000000

Written by hand, a branch of its own off 0002 like 0003-0007 (it needs only `units`; `Store.migrate()` upgrades
every head). A streets (or communities) layer imported into an empty database creates its missing city and
district from the code prefix (geodata.exchange.parents): `derived` says the polygon is the union of the
children's, `unnamed` that the name is still the placeholder ("420111 区（待命名）").
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_derived_units'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('derived', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('unnamed', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('unnamed')
        batch_op.drop_column('derived')
