"""Alembic environment: the engine comes from workbook.storage.migrate, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

from workbook.storage.schema import Base

engine = context.config.attributes["engine"]
assert isinstance(engine, Engine)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
