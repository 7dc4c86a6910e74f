"""Opening a database and the unit of work that every service uses.

SQLite (one terminal, the default) runs in WAL mode with foreign keys on and a busy timeout;
write transactions start with ``BEGIN IMMEDIATE`` so two terminals queue instead of failing
mid-transaction. PostgreSQL (several terminals) is reached through a ``postgresql+psycopg://``
URL. Either way, a database whose schema is not at this version's Alembic head is refused with
a message saying to run ``db upgrade``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from inclusion_practice.clock import Clock, SystemClock
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import Conflict, InvalidInput
from inclusion_practice.storage import audit, audit_chain, guards
from inclusion_practice.storage.audit_keys import AuditSetup

SQLITE_BUSY_TIMEOUT_MS = 15_000
T = TypeVar("T")


class AuditedSession(Session):
    """A session whose flushes are audited (see :mod:`inclusion_practice.storage.audit`)."""


audit.install(AuditedSession)
event.listen(AuditedSession, "before_flush", guards.check_values)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and pin the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        parsed = make_url(url)
    except Exception:
        raise InvalidInput("db", f"{url!r} is not a database URL") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InvalidInput("db", f"{parsed.get_backend_name()} is not supported: use sqlite or postgresql")
    return url


def create_db_engine(url: str) -> Engine:
    """An engine configured for terminals working at once.

    ``hide_parameters`` keeps patient data out of error messages and so out of log files.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            hide_parameters=True,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's own BEGIN is deferred and too late).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("ip_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


class UnitOfWork:
    """One transaction. Commit explicitly; leaving the block without committing rolls back.

    A write unit names its :class:`Actor`; the audit hook refuses patient-data writes without
    one. ``action`` labels the audit rows (e.g. ``register_patient``).
    """

    def __init__(
        self, engine: Engine, clock: Clock, actor: Actor | None, action: str | None, write: bool
    ) -> None:
        bind = engine.execution_options(ip_write=True) if write else engine
        self.session = AuditedSession(bind=bind, expire_on_commit=False, autoflush=True)
        self.session.info["actor"] = actor
        self.session.info["action"] = action
        self.session.info["now"] = clock.now()
        self.actor = actor
        self.clock = clock
        self._engine = engine
        self._write = write
        self._committed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # A read unit just closes, so rows it loaded stay readable after the block.
        if self._write and not self._committed:
            self.session.rollback()
        self.session.close()
        replacement = guards.as_invalid_input(exc) if exc is not None else None
        if replacement is not None:  # e.g. an id beyond the column's range: bad input, not a bug
            raise replacement from exc

    def commit(self) -> None:
        """Commit, sealing the audit rows into the chain first when this write may (always on
        SQLite; on PostgreSQL if it wins a try-lock nobody waits for: :mod:`.audit_chain`)."""
        self.session.flush()
        info = self.session.info
        wrote = bool(info.get("audit_written"))
        now = info.get("now") or self.clock.now()
        sealed: tuple[int, int] | None = None
        if wrote:
            keyring = audit.setup_of(self._engine).keyring()
            sealed = audit_chain.seal_in_write(self.session.connection(), keyring, now)
        self.session.commit()
        self._committed = True
        if wrote:
            info["audit_written"] = False
            audit_chain.after_write(self._engine, now, sealed)

    def flush(self) -> None:
        self.session.flush()


class Database:
    """A database the library can use: engine plus the schema check.

    ``Database.open`` refuses an out-of-date schema; ``check_schema=False`` is only for the
    migration commands themselves.
    """

    def __init__(self, url: str, *, clock: Clock | None = None, check_schema: bool = True,
                 audit_setup: AuditSetup | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url)
        self.audit = audit_setup or AuditSetup.for_database(self.url)
        """Where this database's audit key and checkpoints are (outside the database)."""
        audit.register(self.engine, self.audit)
        self.clock: Clock = clock or SystemClock()
        self.retries = 0
        """Lock or serialisation failures retried by :meth:`run_write` (stress figures)."""
        if check_schema:
            from inclusion_practice.storage.migrate import ensure_current

            ensure_current(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read(self) -> UnitOfWork:
        """A read-only unit: no actor needed, no write lock taken."""
        return UnitOfWork(self.engine, self.clock, None, None, write=False)

    def write(self, actor: Actor | None, action: str) -> UnitOfWork:
        """A write unit for ``actor`` doing ``action`` (labels the audit rows)."""
        return UnitOfWork(self.engine, self.clock, actor, action, write=True)

    def run_write(
        self, actor: Actor | None, action: str, fn: Callable[[UnitOfWork], T], *, retries: int = 3
    ) -> T:
        """Run ``fn`` in a write unit and commit, retrying lock and serialisation failures.

        After ``retries`` attempts the failure is reported as a :class:`Conflict`.
        """
        for attempt in range(retries + 1):
            try:
                with self.write(actor, action) as uow:
                    result = fn(uow)
                    uow.commit()
                    return result
            except OperationalError as exc:
                if not _is_transient(exc) or attempt == retries:
                    if _is_transient(exc):
                        raise Conflict(
                            f"the database stayed busy after {retries + 1} attempts; try again"
                        ) from exc
                    raise
                self.retries += 1
                time.sleep(0.05 * (2**attempt))
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) in ("40001", "40P01") and attempt < retries:
                    self.retries += 1
                    time.sleep(0.05 * (2**attempt))
                    continue
                raise
        raise AssertionError("unreachable")

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A raw connection for storage-layer bulk work (loaders, indicator engine)."""
        with self.engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()

    def now(self) -> dt.datetime:
        return self.clock.now()


def _is_transient(exc: OperationalError) -> bool:
    # psycopg raises PostgreSQL serialisation failures and deadlocks as OperationalError too.
    if getattr(exc.orig, "sqlstate", None) in ("40001", "40P01"):
        return True
    msg = str(exc.orig).lower()
    return "locked" in msg or "busy" in msg
