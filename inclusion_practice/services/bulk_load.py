"""Bulk loading for generators (the synthetic practice): the loaders' door to storage.

A loader assigns ids itself so it can link rows before writing, then writes a batch of rows
per table in one transaction. Every batch is audited (one row per table: who, the id range and
the count), and PostgreSQL's id sequences are moved past the explicit ids inside the same
transaction, so a load killed half-way leaves a database that takes ordinary writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission
from inclusion_practice.services.access import require
from inclusion_practice.storage import bulk
from inclusion_practice.storage.database import Database


class BulkLoadService:
    """Explicit-id batch inserts. Needs an actor with ``IMPORT_DATA`` (set-up jobs: SYSTEM)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def next_ids(self, tables: Sequence[str]) -> dict[str, int]:
        """The first free id of each table."""
        with self._db.engine.connect() as conn:
            return {name: bulk.next_id(conn, name) for name in tables}

    def sessions_by_template(self, template_key: str) -> dict[tuple[str, Any], int]:
        """Sessions an earlier load made under ``template_key``: (clinician, day) → id."""
        with self._db.engine.connect() as conn:
            return bulk.sessions_by_template(conn, template_key)

    def count(self, table_name: str) -> int:
        """Rows in a table (a loader refuses to add a second practice on top of one)."""
        with self._db.engine.connect() as conn:
            return bulk.count_rows(conn, table_name)

    def load(self, actor: Actor, action: str, rows_by_table: Mapping[str, Sequence[dict[str, Any]]],
             now: Any) -> int:
        """Write one batch (parents first, in the mapping's order) in one transaction."""
        require(actor, Permission.IMPORT_DATA)
        with self._db.engine.execution_options(ip_write=True).begin() as conn:
            written = bulk.insert_batch(conn, actor, action, rows_by_table, now)
            bulk.reset_sequences(conn, list(rows_by_table))
        return written

    def settle_sequences(self, tables: Sequence[str]) -> None:
        """Move PostgreSQL's id sequences past every explicit id (SQLite needs nothing)."""
        with self._db.engine.begin() as conn:
            bulk.reset_sequences(conn, tables)
