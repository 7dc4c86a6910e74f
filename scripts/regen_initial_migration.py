"""Regenerate migration 0001 from the tables (allowed only before the first release).

Moves the later hand-written migrations aside, autogenerates 0001 against an empty database,
and puts them back. After the first release, add a new revision instead.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from alembic import command

from inclusion_practice.storage.database import create_db_engine
from inclusion_practice.storage.migrate import alembic_config

VERSIONS = Path(__file__).resolve().parents[1] / "inclusion_practice/storage/migrations/versions"


def main() -> None:
    aside = Path(tempfile.mkdtemp())
    later = [p for p in VERSIONS.glob("*.py") if not p.name.startswith("0001_")]
    for p in later:
        shutil.move(p, aside / p.name)
    try:
        for p in VERSIONS.glob("0001_*.py"):
            p.unlink()
        engine = create_db_engine(f"sqlite:///{aside / 'empty.db'}")
        command.revision(alembic_config(engine), message="initial schema", autogenerate=True,
                         rev_id="0001")
    finally:
        for p in later:
            shutil.move(aside / p.name, VERSIONS / p.name)


if __name__ == "__main__":
    main()
