"""care: the care list's visits and deliveries, community supplies, places and the 无主小区 ledger

Revision ID: 0013_care
Revises: 0009_contacts
Create Date: 2026-12-05 22:00:00.000000

Issue 15 part 4. `care_visits`: visits to and deliveries for the people on the care list (000 §1(四)5, §1(三)2; 004
民政: 代购、定点投放、不见面送达); `supply_movements`: receipts and issues of a community's masks, disinfectant and daily
goods (the stock is their sum); `places`: institutions and public places (养老机构, markets, supermarkets,
pharmacies, 000 §1(六)) with their state and staff on site; `unowned_compounds`: the 无主小区 ledger with its 四清
(002 item 1). Written by hand in the style of 0009_contacts; a branch of its own off 0009_contacts
(`Store.migrate()` upgrades every head).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_care'
down_revision = '0009_contacts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'care_visits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('visited_on', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=True),
        sa.Column('what', sa.String(length=300), nullable=True),
        sa.Column('visitor', sa.String(length=100), nullable=False),
        sa.Column('need', sa.Text(), nullable=True),
        sa.Column('event_code', sa.String(length=64), nullable=True),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('care_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_visits_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_visits_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_visits_visited_on'), ['visited_on'], unique=False)

    op.create_table(
        'supply_movements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('item', sa.String(length=32), nullable=False),
        sa.Column('on_date', sa.Date(), nullable=False),
        sa.Column('direction', sa.String(length=8), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=True),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['units.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('supply_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supply_movements_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supply_movements_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_supply_movements_on_date'), ['on_date'], unique=False)

    op.create_table(
        'places',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('staff_on_site', sa.Integer(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_places_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_path'), ['path'], unique=False)

    op.create_table(
        'unowned_compounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('compound_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('no_authority', sa.Boolean(), nullable=False),
        sa.Column('no_property', sa.Boolean(), nullable=False),
        sa.Column('no_security', sa.Boolean(), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=True),
        sa.Column('clear_basics', sa.Boolean(), nullable=False),
        sa.Column('clear_residents', sa.Boolean(), nullable=False),
        sa.Column('clear_gaps', sa.Boolean(), nullable=False),
        sa.Column('clear_risks', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['compound_id'], ['units.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('compound_id'),
    )
    with op.batch_alter_table('unowned_compounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unowned_compounds_path'), ['path'], unique=False)


def downgrade() -> None:
    for table, indexes in (('unowned_compounds', ('path',)), ('places', ('path', 'unit_id')),
                           ('supply_movements', ('on_date', 'path', 'community_id')),
                           ('care_visits', ('visited_on', 'path', 'person_id'))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
