"""Automatic, hash-chained audit of every write to patient data.

A ``before_flush`` hook refuses writes without an acting user and refuses deletes; an
``after_flush`` hook appends one audit row per inserted or changed row, in the same transaction,
so a change and its audit row commit (or roll back) together. Each row's hash covers the
previous row's hash, so editing or removing a row breaks the chain (``audit verify``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from typing import Any

from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import Session, UOWTransaction
from sqlmodel import col

from inclusion_practice.clock import SystemClock
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import AuditImmutable, DeletionRefused, NoActingUser
from inclusion_practice.storage.tables import AUDITED_TABLES, AuditEvent

GENESIS = "0" * 64
_REDACTED = {"password_hash"}
_PG_AUDIT_LOCK = 7_311_042
"""Advisory lock key that serialises audit appends on PostgreSQL so the chain never forks."""


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The chain hash of one audit row given the previous row's hash."""
    payload = json.dumps(
        {k: _plain(row[k]) for k in ("occurred_at", "actor", "actor_role", "action", "entity",
                                     "entity_id", "changes")},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _changes(obj: Any, is_new: bool) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        hist = state.attrs[key].history
        if is_new:
            value = getattr(obj, key)
            if value is not None:
                out[key] = "<redacted>" if key in _REDACTED else _plain(value)
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                out[key] = (
                    "<redacted>" if key in _REDACTED else [_plain(old), _plain(new)]
                )
    return out


def _audited(obj: Any) -> bool:
    return getattr(obj, "__tablename__", None) in AUDITED_TABLES


def _before_flush(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    for obj in session.deleted:
        if _audited(obj) or isinstance(obj, AuditEvent):
            raise DeletionRefused(obj.__tablename__)
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise AuditImmutable()
    touched = any(_audited(o) for o in (*session.new, *session.dirty))
    if touched and session.info.get("actor") is None:
        raise NoActingUser()
    if touched:
        # Capture before the flush: after it, history of new rows is reset.
        pending: list[tuple[Any, bool, dict[str, Any]]] = session.info.setdefault("_pending", [])
        for obj in session.new:
            if _audited(obj):
                pending.append((obj, True, {}))
        for obj in session.dirty:
            if _audited(obj) and session.is_modified(obj, include_collections=False):
                pending.append((obj, False, _changes(obj, is_new=False)))


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    pending: list[tuple[Any, bool, dict[str, Any]]] = session.info.pop("_pending", [])
    if not pending:
        return
    actor: Actor = session.info["actor"]
    action_label: str | None = session.info.get("action")
    now = session.info.get("now") or SystemClock().now()
    rows = []
    for obj, is_new, changes in pending:
        if is_new:
            changes = _changes(obj, is_new=True)
        if not changes:
            continue
        table = obj.__tablename__
        rows.append(
            {
                "occurred_at": now,
                "actor": actor.username,
                "actor_role": actor.role,
                "action": action_label or ("create" if is_new else "update"),
                "entity": table,
                "entity_id": str(obj.id),
                "changes": json.dumps(changes, sort_keys=True, ensure_ascii=False),
            }
        )
    append_audit_rows(session, rows)


def append_audit_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append rows to the chain (used by the flush hook and by bulk loaders)."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    last: str | None = conn.execute(
        select(col(AuditEvent.hash)).order_by(col(AuditEvent.id).desc()).limit(1)
    ).scalar()
    prev = last or GENESIS
    for row in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = row_hash(prev, row)
    conn.execute(insert(AuditEvent), rows)


def install(session_cls: type[Session]) -> None:
    """Attach the audit hooks to a session class (idempotent)."""
    if not event.contains(session_cls, "before_flush", _before_flush):
        event.listen(session_cls, "before_flush", _before_flush)
        event.listen(session_cls, "after_flush", _after_flush)


def verify_chain(rows: list[dict[str, Any]], prev: str = GENESIS) -> int | None:
    """Return the id of the first row whose hash does not follow ``prev`` (the hash of the row
    before the first one given), or None if the chain holds."""
    for row in rows:
        if row["prev_hash"] != prev or row_hash(prev, row) != row["hash"]:
            return int(row["id"])
        prev = row["hash"]
    return None
