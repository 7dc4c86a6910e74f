"""Backups: SQLite through its online backup API, PostgreSQL through pg_dump/pg_restore.

The SQLite backup is taken while terminals keep working (the API copies a consistent snapshot
page by page). A restore checks the file is one of ours, at a schema this version knows,
before it replaces anything.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from inclusion_practice.errors import InvalidInput


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidInput("db", "an in-memory database cannot be backed up")
    return Path(database)


def _pg_args(url: str) -> tuple[list[str], str | None]:
    """libpq connection options for pg_dump/pg_restore, and the schema named in ``options``."""
    u = make_url(url)
    args = ["--host", u.host or "localhost", "--port", str(u.port or 5432),
            "--username", u.username or "postgres", "--dbname", u.database or "postgres"]
    schema = None
    options = u.query.get("options")
    if isinstance(options, str):
        for part in options.split():
            if part.startswith("-csearch_path="):
                schema = part.split("=", 1)[1]
    return args, schema


def backup(url: str, target: Path) -> int:
    """Write a backup of the database at ``url`` to ``target``; returns its size in bytes."""
    if target.exists():
        raise InvalidInput("file", f"{target} already exists: choose a new name")
    if not target.parent.is_dir():
        raise InvalidInput("file", f"{target.parent} is not a folder")
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
    else:
        if shutil.which("pg_dump") is None:
            raise InvalidInput("db", "pg_dump is not installed (install the PostgreSQL client tools)")
        args, schema = _pg_args(url)
        cmd = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args]
        if schema:
            cmd += ["--schema", schema]
        _run(cmd)
    return target.stat().st_size


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup in ``source``."""
    if not source.exists():
        raise InvalidInput("file", f"{source} not found")
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        _check_sqlite_backup(source)
        src = sqlite3.connect(source)
        dest = sqlite3.connect(_sqlite_path(url))
        try:
            with dest:
                src.backup(dest)
        finally:
            dest.close()
            src.close()
    else:
        if shutil.which("pg_restore") is None:
            raise InvalidInput("db", "pg_restore is not installed (install the PostgreSQL client tools)")
        args, _schema = _pg_args(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              *args, str(source)])


def _check_sqlite_backup(path: Path) -> None:
    from inclusion_practice.storage.migrate import head_revision

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("select version_num from alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise InvalidInput("file", f"{path} is not an Inclusion Practice SQLite backup") from None
    if row is None or row[0] != head_revision():
        raise InvalidInput(
            "file", f"{path} is at schema {row[0] if row else 'none'}; this version needs "
            f"{head_revision()}: restore it with the version that made it, then upgrade"
        )


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InvalidInput("db", f"{cmd[0]} failed: {result.stderr.strip()[:300]}")


__all__ = ["backup", "restore"]
