"""Alembic environment: the target is ``SQLModel.metadata``; the engine comes from the caller."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import inclusion_practice.storage.tables  # noqa: F401  (registers the tables)
from inclusion_practice.storage.database import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url")
        assert url, "pass an engine or set sqlalchemy.url"
        engine = create_db_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
