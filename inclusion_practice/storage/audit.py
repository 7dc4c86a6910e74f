"""Automatic, keyed audit of every write to patient data.

A ``before_flush`` hook refuses writes without an acting user and refuses deletes; an
``after_flush`` hook appends one audit row per inserted or changed row, in the same transaction,
so a change and its audit row commit (or roll back) together. Each row carries its own
HMAC-SHA256 under a key kept outside the database (:mod:`.audit_keys`); no writer reads another
row, so unrelated writes never wait for each other. After commit the sequencer
(:mod:`.audit_chain`) links committed rows into the chain.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import secrets
import weakref
from typing import Any

from sqlalchemy import Connection, event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from inclusion_practice.clock import SystemClock
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import AuditImmutable, AuditKeyError, DeletionRefused, NoActingUser
from inclusion_practice.storage.audit_keys import AuditSetup, Keyring
from inclusion_practice.storage.tables import AUDITED_TABLES, AuditEvent

GENESIS = "0" * 64
_REDACTED = {"password_hash"}
ROW_DOMAIN = b"inclusion-practice audit row v1"
_FIELDS = ("occurred_at", "actor", "actor_role", "action", "entity", "entity_id", "changes")
_SETUPS: weakref.WeakKeyDictionary[Any, AuditSetup] = weakref.WeakKeyDictionary()
"""Each database's key material, by its engine (an engine made from it with other execution
options is looked up through the engine it wraps)."""


def register(engine: Any, setup: AuditSetup) -> None:
    """Say where the audit keys of the database behind ``engine`` are."""
    _SETUPS[engine] = setup


def setup_for(conn: Connection) -> AuditSetup:
    return setup_of(conn.engine)


def setup_of(engine: Any) -> AuditSetup:
    setup = _SETUPS.get(getattr(engine, "_proxied", engine))
    if setup is None:
        raise AuditKeyError("this connection's database was not opened through Database: "
                            "no audit key is known for it")
    return setup


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _payload(row: dict[str, Any], extra: dict[str, Any] | None = None) -> bytes:
    body = {k: _plain(row[k]) for k in _FIELDS}
    if extra:
        body.update(extra)
    return json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The unkeyed hash of the chain before schema 0007 (kept to verify those rows; anyone can
    compute it, which is why new rows carry :func:`row_mac` instead)."""
    return hashlib.sha256(prev_hash.encode("utf-8") + _payload(row)).hexdigest()


def row_mac(keyring: Keyring, row: dict[str, Any]) -> str | None:
    """The keyed MAC of one audit row: its content, its key id and its nonce (None when the
    keyring lacks the row's key)."""
    kid = str(row["key_id"])
    return keyring.mac(kid, ROW_DOMAIN, _payload(row, {"key_id": kid, "nonce": row["nonce"]}))


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
    """Append rows, each with its own MAC (used by the flush hook and by bulk loaders).

    Nothing here reads an earlier row or takes a lock: the sequencer chains the rows after
    commit, so concurrent writers do not serialise on the audit trail."""
    if not rows:
        return
    conn = session.connection()
    keyring = setup_for(conn).keyring()
    for row in rows:
        row["key_id"] = keyring.current
        row["nonce"] = secrets.token_hex(16)
        row["prev_hash"] = ""
        row["hash"] = row_mac(keyring, row)
    conn.execute(insert(AuditEvent), rows)
    session.info["audit_written"] = True


def install(session_cls: type[Session]) -> None:
    """Attach the audit hooks to a session class (idempotent)."""
    if not event.contains(session_cls, "before_flush", _before_flush):
        event.listen(session_cls, "before_flush", _before_flush)
        event.listen(session_cls, "after_flush", _after_flush)
