"""Batched inserts for loaders (synthetic practice, imports): Core statements, explicit ids.

Row-by-row ORM inserts would take hours at a million patients; these take a batch of dicts per
table. Each batch appends one audit row per table naming the acting user, the id range and the
count, so bulk loads are audited like any other write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, text
from sqlmodel import Session, SQLModel

from inclusion_practice.domain.actor import Actor
from inclusion_practice.storage.audit import append_audit_rows
from inclusion_practice.storage.tables import AUDITED_TABLES


def table(name: str) -> Any:
    return SQLModel.metadata.tables[name]


def next_id(conn: Connection, name: str) -> int:
    """The first free id in ``name`` (loaders assign ids themselves to link rows)."""
    t = table(name)
    return int(conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()) + 1


def insert_batch(
    conn: Connection,
    actor: Actor,
    action: str,
    rows_by_table: Mapping[str, Sequence[dict[str, Any]]],
    now: Any,
) -> int:
    """Insert rows table by table (in the mapping's order, parents first) and audit them.

    Runs inside the caller's transaction. Returns the number of rows written.
    """
    written = 0
    audit_rows = []
    for name, rows in rows_by_table.items():
        if not rows:
            continue
        conn.execute(insert(table(name)), list(rows))
        written += len(rows)
        if name in AUDITED_TABLES:
            ids = [r["id"] for r in rows if "id" in r]
            audit_rows.append(
                {
                    "occurred_at": now,
                    "actor": actor.username,
                    "actor_role": actor.role,
                    "action": action,
                    "entity": name,
                    "entity_id": f"{min(ids)}-{max(ids)}" if ids else "-",
                    "changes": json.dumps({"rows": len(rows)}),
                }
            )
    if audit_rows:
        with Session(bind=conn) as session:
            append_audit_rows(session, audit_rows)
    return written


def reset_sequences(conn: Connection, names: Sequence[str]) -> None:
    """After explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for name in names:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            )
        )


def count_rows(conn: Connection, name: str) -> int:
    return int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())


def sessions_by_template(conn: Connection, template_key: str) -> dict[tuple[str, Any], int]:
    """Sessions made under ``template_key``, as (clinician code, day) → id (loaders reuse them)."""
    t = table("clinic_session")
    rows = conn.execute(
        select(t.c.clinician_code, t.c.session_date, t.c.id).where(t.c.template_key == template_key)
    ).all()
    return {(str(c), d): int(i) for c, d, i in rows}
