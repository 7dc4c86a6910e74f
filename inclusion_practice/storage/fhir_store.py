"""Storage side of FHIR import and export: batched upserts by source identifier, and lookups.

The importer validates and maps; this module writes. Rows are upserted by ``source_id`` (the
identifier the resource had in its source system) or, for patients, by NHS number, so importing
the same file twice changes nothing. Writes are SQLAlchemy Core statements in the caller's
transaction, one statement per batch, and are audited like every other write: one audit row per
inserted batch (table, id range, count) and one per changed row (the fields that changed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlmodel import Session

from inclusion_practice.domain.actor import Actor
from inclusion_practice.storage.audit import append_audit_rows
from inclusion_practice.storage.bulk import table

CHUNK = 500
"""Keys per ``IN (...)`` lookup: well under SQLite's and PostgreSQL's parameter limits."""


@dataclass
class UpsertCounts:
    """What an upsert did, per table."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def add(self, other: UpsertCounts) -> None:
        for mine, theirs in ((self.created, other.created), (self.updated, other.updated),
                             (self.unchanged, other.unchanged)):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v

    @property
    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(
            self.unchanged.values()
        )


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def existing_by(
    conn: Connection, table_name: str, column: str, keys: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Rows of ``table_name`` whose ``column`` is one of ``keys``, keyed by that value."""
    t = table(table_name)
    wanted = sorted({k for k in keys if k})
    out: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(wanted):
        for row in conn.execute(select(t).where(t.c[column].in_(chunk))).mappings():
            out[str(row[column])] = dict(row)
    return out


def patient_ids_by_keys(
    conn: Connection, *, nhs_numbers: Iterable[str] = (), source_ids: Iterable[str] = (),
    ids: Iterable[int] = (),
) -> tuple[dict[str, int], dict[str, int], set[int]]:
    """Resolve patient keys: (NHS number → id, source_id → id, ids that exist)."""
    t = table("patient")
    by_nhs: dict[str, int] = {}
    by_source: dict[str, int] = {}
    found: set[int] = set()
    for chunk in _chunks(sorted(set(nhs_numbers))):
        for pid, nhs in conn.execute(select(t.c.id, t.c.nhs_number).where(t.c.nhs_number.in_(chunk))):
            by_nhs[str(nhs)] = int(pid)
    for chunk in _chunks(sorted(set(source_ids))):
        for pid, src in conn.execute(select(t.c.id, t.c.source_id).where(t.c.source_id.in_(chunk))):
            by_source[str(src)] = int(pid)
    for chunk in _chunks(sorted(set(ids))):
        found |= {int(r[0]) for r in conn.execute(select(t.c.id).where(t.c.id.in_(chunk)))}
    return by_nhs, by_source, found


def upsert(
    conn: Connection,
    actor: Actor,
    action: str,
    table_name: str,
    rows: Sequence[dict[str, Any]],
    now: dt.datetime,
    *,
    key: str = "source_id",
    alt_key: str | None = None,
    keep: frozenset[str] = frozenset(),
) -> tuple[UpsertCounts, list[int]]:
    """Insert or update ``rows`` matched by ``key`` (or, failing that, ``alt_key``).

    ``keep`` names columns an update never overwrites (e.g. ``created_at``). Returns the counts
    and the id of each row, in input order. Runs in the caller's transaction.
    """
    t = table(table_name)
    counts = UpsertCounts()
    if not rows:
        return counts, []
    existing = existing_by(conn, table_name, key, (str(r[key]) for r in rows if r.get(key)))
    alt_existing: dict[str, dict[str, Any]] = {}
    if alt_key:
        alt_existing = existing_by(conn, table_name, alt_key,
                                   (str(r[alt_key]) for r in rows if r.get(alt_key)))
    ids: list[int | None] = []
    to_insert: list[tuple[int, dict[str, Any]]] = []
    audit_rows: list[dict[str, Any]] = []
    queued: dict[tuple[str, str], int] = {}
    """Identity → position in ``to_insert``: the same resource twice in one batch is one row
    (the later wins), not a duplicate-key failure of the whole batch."""
    repeats: list[tuple[int, int]] = []
    for i, row in enumerate(rows):
        old = existing.get(str(row.get(key))) if row.get(key) else None
        if old is None and alt_key and row.get(alt_key):
            old = alt_existing.get(str(row[alt_key]))
        if old is None:
            ids.append(None)
            idents = [(c, str(row[c])) for c in (key, alt_key) if c and row.get(c)]
            seen = next((queued[x] for x in idents if x in queued), None)
            if seen is not None:
                to_insert[seen] = (to_insert[seen][0], row)
                repeats.append((i, seen))
            else:
                queued.update({x: len(to_insert) for x in idents})
                to_insert.append((i, row))
            continue
        ids.append(int(old["id"]))
        changes = {
            c: [_plain(old.get(c)), _plain(v)]
            for c, v in row.items()
            if c not in keep and c != "id" and old.get(c) != v
        }
        if not changes:
            counts.unchanged[table_name] = counts.unchanged.get(table_name, 0) + 1
            continue
        conn.execute(
            update(t).where(t.c.id == old["id"]).values({c: row[c] for c in changes})
        )
        counts.updated[table_name] = counts.updated.get(table_name, 0) + 1
        audit_rows.append(_audit(actor, action, now, table_name, str(old["id"]), changes))
    if to_insert:
        result = conn.execute(
            insert(t).returning(t.c.id, sort_by_parameter_order=True),
            [r for _, r in to_insert],
        )
        new_ids = [int(x) for x in result.scalars().all()]
        for (i, _), new_id in zip(to_insert, new_ids, strict=True):
            ids[i] = new_id
        for i, seen in repeats:
            ids[i] = new_ids[seen]
        counts.created[table_name] = len(new_ids)
        audit_rows.append(
            _audit(actor, action, now, table_name, f"{min(new_ids)}-{max(new_ids)}",
                   {"rows": len(new_ids)})
        )
    if audit_rows:
        with Session(bind=conn) as session:
            append_audit_rows(session, audit_rows)
    return counts, [int(x) for x in ids if x is not None]


def _audit(
    actor: Actor, action: str, now: dt.datetime, entity: str, entity_id: str,
    changes: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "occurred_at": now,
        "actor": actor.username,
        "actor_role": actor.role,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "changes": json.dumps(changes, sort_keys=True, ensure_ascii=False, default=str),
    }


def sessions_covering(
    conn: Connection, clinician: str, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """Uncancelled sessions of ``clinician`` on ``start``'s day covering ``start``..``end``."""
    t = table("clinic_session")
    rows = conn.execute(
        select(t).where(
            t.c.clinician_code == clinician,
            t.c.session_date == start.date(),
            t.c.start_time <= start.time(),
            t.c.end_time >= end.time(),
            t.c.cancelled_at.is_(None),
        )
    ).mappings()
    return [dict(r) for r in rows]


def slots_between(
    conn: Connection, session_id: int, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    t = table("slot")
    rows = conn.execute(
        select(t)
        .where(t.c.session_id == session_id, t.c.start >= start, t.c.end <= end)
        .order_by(t.c.seq)
    ).mappings()
    return [dict(r) for r in rows]


def live_holds(conn: Connection, slot_ids: Sequence[int]) -> dict[int, int]:
    """slot id → appointment id holding it now."""
    t = table("slot_hold")
    if not slot_ids:
        return {}
    rows = conn.execute(
        select(t.c.active_slot_id, t.c.appointment_id).where(
            t.c.active_slot_id.in_(list(slot_ids))
        )
    )
    return {int(s): int(a) for s, a in rows}


def add_holds(
    conn: Connection, actor: Actor, action: str, now: dt.datetime, appointment_id: int,
    slot_ids: Sequence[int], *, live: bool,
) -> None:
    rows = [
        {"slot_id": s, "appointment_id": appointment_id,
         "active_slot_id": s if live else None, "released_at": None if live else now}
        for s in slot_ids
    ]
    upsert_plain_insert(conn, actor, action, "slot_hold", rows, now)


def upsert_plain_insert(
    conn: Connection, actor: Actor, action: str, table_name: str,
    rows: Sequence[dict[str, Any]], now: dt.datetime,
) -> list[int]:
    """Insert rows (no key) and audit them as one batch."""
    if not rows:
        return []
    t = table(table_name)
    ids = [int(x) for x in conn.execute(
        insert(t).returning(t.c.id, sort_by_parameter_order=True), list(rows)
    ).scalars().all()]
    with Session(bind=conn) as session:
        append_audit_rows(
            session,
            [_audit(actor, action, now, table_name, f"{min(ids)}-{max(ids)}", {"rows": len(ids)})],
        )
    return ids
