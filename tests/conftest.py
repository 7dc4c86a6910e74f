"""Shared fixtures: one test body, both engines.

``db_url`` is parametrised over SQLite and PostgreSQL. SQLite tests copy a database migrated once
per run; PostgreSQL tests share a schema made for this run (``ip_test_<random>``, dropped at
the end) and truncate it before each test, so parallel CI runs never collide. When no server is
reachable the PostgreSQL cases are skipped with the reason, and the header says so.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase
from sqlalchemy import text

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import PracticeConfig, example_config_text, parse_config
from inclusion_practice.domain.actor import Actor
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.storage.database import Database, create_db_engine
from inclusion_practice.storage.migrate import upgrade

TEST_DATA = Path(__file__).resolve().parent / "data"
"""Files the tests need (FHIR schema, UK Core sources): in the repository, see its README."""
PG_SERVER_URL = os.environ.get(
    "INCLUSION_PRACTICE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Hypothesis keeps every failing example it finds (replayed first on the next run, also in CI)
# and prints a blob that reproduces it with ``@reproduce_failure``.
settings.register_profile(
    "inclusion-practice",
    database=DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[1] / ".hypothesis" / "examples"),
    print_blob=True,
)
settings.load_profile("inclusion-practice")

NOW = dt.datetime(2026, 11, 23, 9, 0)
"""Tests run on a Monday morning unless they say otherwise."""

TEST_AUDIT_KEY = "5e" * 32
"""The audit MAC key of every test database (a practice keeps its key in a file made by
``init``; tests use the environment, which the terminal processes of the race tests inherit).
Tests of the key file itself remove it with ``monkeypatch.delenv``."""
os.environ["INCLUSION_PRACTICE_AUDIT_KEY"] = TEST_AUDIT_KEY


def _pg_problem() -> str | None:
    try:
        engine = create_db_engine(PG_SERVER_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "not reachable" for the skip message
        return f"PostgreSQL not reachable at {PG_SERVER_URL}: {type(exc).__name__}: {exc}"[:300]


_PG_PROBLEM = _pg_problem()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Argon2 at production cost takes ~50 ms a hash; tests make thousands of users."""
    from argon2 import PasswordHasher

    import inclusion_practice.services.users as users

    real = users._HASHER
    users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users._HASHER = real


def pytest_report_header(config: pytest.Config) -> str:
    if _PG_PROBLEM:
        return f"!!! PostgreSQL tests will be SKIPPED: {_PG_PROBLEM}"
    return f"PostgreSQL tests run against {PG_SERVER_URL} (own schema per run)"


def pg_url_for_schema(schema: str) -> str:
    sep = "&" if "?" in PG_SERVER_URL else "?"
    return f"{PG_SERVER_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    if _PG_PROBLEM:
        pytest.skip(_PG_PROBLEM)
    schema = f"ip_test_{uuid.uuid4().hex[:10]}"
    admin = create_db_engine(PG_SERVER_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_db_engine(pg_url_for_schema(schema))
    upgrade(engine)
    engine.dispose()
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def truncate_pg(url: str) -> None:
    """Empty every table of the schema ``url`` searches (tests that need a fresh database per example)."""
    engine = create_db_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "select tablename from pg_tables where schemaname = current_schema() "
                "and tablename <> 'alembic_version'"
            )
        ).scalars().all()
        if tables:
            # The append-only triggers refuse TRUNCATE (as they must for anyone else); the
            # test harness, as the database owner, switches them off for this transaction.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database on each engine."""
    if request.param == "sqlite":
        target = tmp_path / "practice.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    schema = request.getfixturevalue("pg_schema")
    url = pg_url_for_schema(schema)
    truncate_pg(url)
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def config() -> PracticeConfig:
    return parse_config(example_config_text())


@pytest.fixture
def ip(db_url: str, config: PracticeConfig, clock: FixedClock) -> Iterator[InclusionPractice]:
    practice = InclusionPractice(Database(db_url, clock=clock), config, clock)
    yield practice
    practice.close()


PASSWORD = "correct horse"
"""The password of every user the fixtures make."""


def use_cli_password(monkeypatch: pytest.MonkeyPatch, password: str = PASSWORD) -> None:
    """Command-line writes authenticate the ``--as`` user: give the CLI that user's password the
    way a batch job would (``$INCLUSION_PRACTICE_PASSWORD``), and no stray token."""
    monkeypatch.setenv("INCLUSION_PRACTICE_PASSWORD", password)
    monkeypatch.delenv("INCLUSION_PRACTICE_TOKEN", raising=False)


@pytest.fixture
def actors(ip: InclusionPractice) -> dict[str, Actor]:
    """One user per role: receptionist, clinician, manager, admin."""
    out: dict[str, Actor] = {}
    for username, role in [
        ("reception1", "receptionist"),
        ("drokafor", "clinician"),
        ("manager1", "manager"),
        ("admin1", "admin"),
    ]:
        ip.users.create(SYSTEM, username, username.title(), role, password=PASSWORD,
                        clinician_code="dr-okafor" if role == "clinician" else None)
        out[role] = ip.users.actor(username)
    return out
