"""The practice's own database as DuckDB sees it: attached read-only, as an :class:`IndicatorSource`.

The DuckDB indicator engine (:mod:`inclusion_practice.indicators.duckdb_engine`) runs the
compiled plan in an in-memory DuckDB that attaches the practice database READ_ONLY — SQLite
through DuckDB's ``sqlite_scanner`` extension, PostgreSQL through ``postgres_scanner``. DuckDB
would download those extensions; a practice has no internet, so they come as Python packages
(``duckdb-extension-*``) and are loaded from the installed package's folder, with DuckDB's own
auto-install and auto-load switched off.

Storage decides where the rows come from: each table the indicators read (:data:`READS`) is
copied once per session into DuckDB's memory, only the columns read, so a plan that reads a
table twice scans SQLite or PostgreSQL once, and every later pass runs on DuckDB's columns.
The copies live in schema :data:`SCHEMA`; :func:`indicator_source` gives the matching view.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url

from inclusion_practice.storage.indicator_source import READS, IndicatorSource, indicator_source

if TYPE_CHECKING:  # duckdb takes half a second to import: only a run that uses it pays
    import duckdb

SCHEMA = "ip_src"
"""The DuckDB schema holding the copies of the practice's tables."""
ALIAS = "practice"
"""The catalog name of the attached practice database."""

_EXTENSIONS = {"sqlite": "sqlite_scanner", "postgresql": "postgres_scanner"}


class DuckDbUnavailable(RuntimeError):
    """DuckDB, or the scanner extension for this database, is not installed (or mismatched)."""


@dataclass(frozen=True)
class DuckDbSession:
    """An in-memory DuckDB with the practice attached and its indicator tables copied in."""

    conn: duckdb.DuckDBPyConnection
    source: IndicatorSource
    copied: Mapping[str, int]
    """Rows copied per table (what this session read from the practice database)."""
    event_codes: frozenset[str] | None
    """The only codes whose clinical events were copied (None: every event)."""


def _duckdb_version() -> str | None:
    """The installed duckdb's version, read without importing it (that takes half a second)."""
    try:
        return importlib.metadata.version("duckdb")
    except importlib.metadata.PackageNotFoundError:
        return None


def _extension_file(dialect: str) -> Path:
    """The ``.duckdb_extension`` file the package for ``dialect``'s scanner ships, for this duckdb."""
    version = _duckdb_version()
    if version is None:
        raise DuckDbUnavailable("duckdb is not installed (pip install duckdb)")
    name = _EXTENSIONS.get(dialect)
    if name is None:
        raise DuckDbUnavailable(f"DuckDB cannot attach a {dialect} database")
    package = f"duckdb_extension_{name}"
    wanted = f"duckdb-extension-{name.replace('_', '-')}=={version}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DuckDbUnavailable(f"DuckDB's {name} extension is not installed (pip install {wanted})")
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
    if not path.is_file():
        shipped = sorted(p.name for p in (root / "extensions").glob("v*"))
        raise DuckDbUnavailable(
            f"{package} has extensions for {', '.join(shipped) or 'no version'}, "
            f"not duckdb {version} (pip install {wanted})"
        )
    return path


def duckdb_problem(url: str) -> str | None:
    """Why DuckDB cannot read the database at ``url`` here, or None when it can."""
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    try:
        _extension_file(dialect)
    except DuckDbUnavailable as exc:
        return str(exc)
    if dialect == "sqlite":
        return _sqlite_problem(parsed.database)
    return None


def _sqlite_problem(path: str | None) -> str | None:
    if not path or path == ":memory:" or path.startswith("file:"):
        return "DuckDB can only attach a SQLite database file"
    return None


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _libpq_dsn(url: URL) -> str:
    """A libpq connection string for the URL SQLAlchemy connects with (options included)."""
    parts = {
        "host": url.host,
        "port": str(url.port) if url.port else None,
        "dbname": url.database,
        "user": url.username,
        "password": url.password if isinstance(url.password, str) else None,
    }
    for key, value in url.query.items():
        parts[key] = value if isinstance(value, str) else value[-1]

    def kv(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{k}={kv(v)}" for k, v in parts.items() if v)


def _attach(duck: duckdb.DuckDBPyConnection, conn: Connection) -> str:
    """Attach the database ``conn`` is connected to, read-only; returns the schema to read."""
    dialect = conn.dialect.name
    duck.load_extension(str(_extension_file(dialect)))
    url = conn.engine.url
    if dialect == "sqlite":
        problem = _sqlite_problem(url.database)
        if problem or not url.database:
            raise DuckDbUnavailable(problem or "no database file")
        duck.execute(f"ATTACH {_quote(str(Path(url.database).resolve()))} AS {ALIAS} (TYPE sqlite, READ_ONLY)")
        return "main"
    schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
    dsn = _libpq_dsn(url)
    try:
        duck.execute(f"ATTACH {_quote(dsn)} AS {ALIAS} (TYPE postgres, READ_ONLY, SCHEMA {_quote(schema)})")
    except Exception as exc:  # DuckDB's message may quote the connection string, password and all
        message = str(exc)
        if isinstance(url.password, str) and url.password:
            message = message.replace(url.password, "***")
        raise DuckDbUnavailable(f"DuckDB could not attach the PostgreSQL database: {message}") from None
    return schema


@contextmanager
def duckdb_attached(conn: Connection, *, threads: int | None = None) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """An in-memory DuckDB with the database ``conn`` reads attached READ_ONLY as :data:`ALIAS`.

    Yields the connection and the qualified schema of the practice's tables in it (e.g.
    ``practice."main"``). ``conn`` only tells which database (and, on PostgreSQL, which schema):
    DuckDB opens its own read-only connection and sees what is committed. ``threads``: DuckDB's
    worker threads (default: one per core).
    """
    _extension_file(conn.dialect.name)  # fail before opening anything
    import duckdb

    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        # Nothing read here depends on row order (the outcome queries sort): let inserts run
        # in parallel without keeping it.
        "preserve_insertion_order": False,
    }
    if threads:
        config["threads"] = threads
    duck = duckdb.connect(":memory:", config=config)
    try:
        schema = _attach(duck, conn)
        yield duck, f"{ALIAS}.{_ident(schema)}"
    finally:
        duck.close()


@contextmanager
def duckdb_session(
    conn: Connection, *, event_codes: Collection[str] | None = None, threads: int | None = None
) -> Iterator[DuckDbSession]:
    """DuckDB over the database ``conn`` reads, with the indicator tables copied into memory.

    ``event_codes``: copy only clinical events with these codes (the indicators read events
    only through their sets' code lists, and most events are coded for something else).
    See :func:`duckdb_attached` for ``conn`` and ``threads``.
    """
    with duckdb_attached(conn, threads=threads) as (duck, practice):
        duck.execute(f"CREATE SCHEMA {SCHEMA}")
        copied: dict[str, int] = {}
        for table, columns in READS.items():
            cols = ", ".join(_ident(c) for c in sorted(columns))
            where = ""
            if table == "clinical_event" and event_codes is not None:
                # Inlined: DuckDB's client converts a parameter slowly (see the engine).
                where = f" WHERE code IN ({', '.join(_quote(c) for c in sorted(event_codes)) or 'NULL'})"
            duck.execute(f"CREATE TABLE {SCHEMA}.{table} AS SELECT {cols} FROM {practice}.{table}{where}")
            row = duck.execute(f"SELECT count(*) FROM {SCHEMA}.{table}").fetchone()
            copied[table] = int(row[0]) if row else 0
        duck.execute(f"DETACH {ALIAS}")
        codes = frozenset(event_codes) if event_codes is not None else None
        yield DuckDbSession(duck, indicator_source(schema=SCHEMA), copied, codes)
