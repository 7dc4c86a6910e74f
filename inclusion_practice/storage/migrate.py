"""Schema creation and upgrades, through Alembic only.

The migration scripts ship inside the package (``storage/migrations``) so an installed wheel can
upgrade a practice's database without the source tree.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from inclusion_practice.errors import SchemaOutOfDate


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    location = resources.files("inclusion_practice") / "storage" / "migrations"
    cfg.set_main_option("script_location", str(location))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not this version's head."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        raise SchemaOutOfDate(current, head)


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Create or upgrade the schema. Returns (revision before, revision after)."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), revision)
    after = current_revision(engine)
    assert after is not None
    return before, after


def schema_differences(engine: Engine) -> list[Any]:
    """What autogenerate would change: empty when the migrated schema matches the models."""
    from alembic.autogenerate import compare_metadata
    from sqlmodel import SQLModel

    import inclusion_practice.storage.tables  # noqa: F401  (registers the tables)

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, SQLModel.metadata))
