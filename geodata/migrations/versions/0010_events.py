"""events and patrols: requests/events routed to done, their steps, patrols, patrol teams (issue 15)

Revision ID: 0010_events
Revises: 0009_contacts (depends on 0006, whose grid_issues it replaces)
Create Date: 2026-12-05 21:30:00.000000

`field_events` replaces `grid_issues` (0006): the rows of 0006 are copied over (tier general → handled by the grid,
community → by the community, street → by the street, category → kind; their due time is the time they were
logged, since 0006 had none) and `grid_issues` is dropped. Written by hand in the style of 0009; a branch of its
own off 0009_contacts (`Store.migrate()` upgrades every head).
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_events'
down_revision = '0009_contacts'
branch_labels = None
depends_on = '0006'


def upgrade() -> None:
    op.create_table(
        'patrol_teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('patrol_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_teams_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_teams_path'), ['path'], unique=False)
    op.create_table(
        'patrol_team_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=True),
        sa.Column('is_leader', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['patrol_teams.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('patrol_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_team_members_team_id'), ['team_id'], unique=False)
    op.create_table(
        'patrols',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('patrol_date', sa.Date(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('places', sa.JSON(), nullable=True),
        sa.Column('route', sa.JSON(), nullable=True),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('findings', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['grid_id'], ['units.id']),
        sa.ForeignKeyConstraint(['team_id'], ['patrol_teams.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrols_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrols_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrols_patrol_date'), ['patrol_date'], unique=False)
    op.create_table(
        'field_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('building_id', sa.Integer(), nullable=True),
        sa.Column('compound_id', sa.Integer(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('tier', sa.String(length=16), nullable=False),
        sa.Column('urgency', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('reporter_name', sa.String(length=100), nullable=True),
        sa.Column('reporter_phone', sa.String(length=40), nullable=True),
        sa.Column('handler_level', sa.String(length=16), nullable=False),
        sa.Column('handler_id', sa.Integer(), nullable=False),
        sa.Column('handler_path', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('tracker', sa.String(length=64), nullable=False),
        sa.Column('reported_by', sa.String(length=64), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('closed_by', sa.String(length=64), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('resolution', sa.Text(), nullable=True),
        sa.Column('feedback', sa.Text(), nullable=True),
        sa.Column('reopened', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('patrol_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['grid_id'], ['units.id']),
        sa.ForeignKeyConstraint(['building_id'], ['buildings.id']),
        sa.ForeignKeyConstraint(['compound_id'], ['units.id']),
        sa.ForeignKeyConstraint(['handler_id'], ['units.id']),
        sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('field_events', schema=None) as batch_op:
        for col in ('grid_id', 'path', 'handler_level', 'handler_id', 'handler_path', 'status', 'due_at',
                    'closed_at', 'patrol_id'):
            batch_op.create_index(batch_op.f(f'ix_field_events_{col}'), [col], unique=False)
    op.create_table(
        'field_event_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('step', sa.String(length=16), nullable=False),
        sa.Column('from_level', sa.String(length=16), nullable=True),
        sa.Column('to_level', sa.String(length=16), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['field_events.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('field_event_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_event_steps_event_id'), ['event_id'], unique=False)

    # the requests of 0006, handled where they were: the grid itself, its community (the grid's parent) or its
    # street (the community's parent)
    handler = ("CASE gi.tier WHEN 'general' THEN g.{c} WHEN 'community' THEN c.{c} ELSE s.{c} END")
    op.execute(
        "INSERT INTO field_events (code, grid_id, path, kind, tier, urgency, text, reporter_name, reporter_phone, "
        "handler_level, handler_id, handler_path, status, tracker, reported_by, reported_at, due_at, closed_by, "
        "closed_at, resolution, reopened, source, version) "
        "SELECT gi.code, gi.grid_id, gi.path, COALESCE(gi.category, 'request'), "
        "CASE gi.tier WHEN 'general' THEN 'general' WHEN 'community' THEN 'coordinate' ELSE 'urgent' END, "
        "'normal', gi.description, gi.resident_name, gi.resident_phone, "
        "CASE gi.tier WHEN 'general' THEN 'grid' WHEN 'community' THEN 'community' ELSE 'street' END, "
        f"{handler.format(c='id')}, {handler.format(c='path')}, "
        "CASE gi.status WHEN 'closed' THEN 'closed' ELSE 'open' END, gi.tracker, gi.reported_by, gi.reported_at, "
        "gi.reported_at, gi.closed_by, gi.closed_at, gi.resolution, 0, 'migrated', 1 "
        "FROM grid_issues gi JOIN units g ON g.id = gi.grid_id JOIN units c ON c.id = g.parent_id "
        "JOIN units s ON s.id = c.parent_id"
    )
    with op.batch_alter_table('grid_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_issues_path'))
        batch_op.drop_index(batch_op.f('ix_grid_issues_grid_id'))
    op.drop_table('grid_issues')


def downgrade() -> None:
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
    # what 0006 can hold goes back (grid/community/street handling); district approvals have no place there
    op.execute(
        "INSERT INTO grid_issues (code, grid_id, path, category, description, resident_name, resident_phone, tier, "
        "handler_level, status, tracker, reported_by, reported_at, closed_by, closed_at, resolution, version) "
        "SELECT code, grid_id, path, kind, text, reporter_name, reporter_phone, "
        "CASE handler_level WHEN 'grid' THEN 'general' WHEN 'community' THEN 'community' ELSE 'street' END, "
        "CASE handler_level WHEN 'grid' THEN 'grid' WHEN 'community' THEN 'community' ELSE 'street' END, "
        "CASE status WHEN 'closed' THEN 'closed' WHEN 'open' THEN CASE handler_level WHEN 'grid' THEN 'open' "
        "WHEN 'community' THEN 'open' ELSE 'routed' END END, tracker, reported_by, reported_at, closed_by, "
        "closed_at, resolution, 1 FROM field_events WHERE handler_level IN ('grid', 'community', 'street')"
    )
    with op.batch_alter_table('field_event_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_event_steps_event_id'))
    op.drop_table('field_event_steps')
    with op.batch_alter_table('field_events', schema=None) as batch_op:
        for col in ('grid_id', 'path', 'handler_level', 'handler_id', 'handler_path', 'status', 'due_at',
                    'closed_at', 'patrol_id'):
            batch_op.drop_index(batch_op.f(f'ix_field_events_{col}'))
    op.drop_table('field_events')
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrols_patrol_date'))
        batch_op.drop_index(batch_op.f('ix_patrols_path'))
        batch_op.drop_index(batch_op.f('ix_patrols_grid_id'))
    op.drop_table('patrols')
    with op.batch_alter_table('patrol_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_team_members_team_id'))
    op.drop_table('patrol_team_members')
    with op.batch_alter_table('patrol_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_teams_path'))
        batch_op.drop_index(batch_op.f('ix_patrol_teams_community_id'))
    op.drop_table('patrol_teams')
