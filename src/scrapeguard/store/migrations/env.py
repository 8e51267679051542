"""Alembic's environment for scrapeguard's store: run by `scrapeguard db upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from scrapeguard.store.models import Base

config = context.config


def run() -> None:
    """Run the migrations online, on the connection given or the URL configured."""
    given = config.attributes.get("connection")
    if given is not None:
        context.configure(connection=given, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()


run()
