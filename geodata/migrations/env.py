"""Alembic environment: always run with a connection handed in by geodata.store.db.Store.migrate."""
from alembic import context

from geodata.store.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
