"""Reading and verifying the audit trail. There is deliberately no way to change it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission
from inclusion_practice.services.access import require
from inclusion_practice.storage.audit import GENESIS, verify_chain
from inclusion_practice.storage.database import Database
from inclusion_practice.storage.tables import AuditEvent


@dataclass(frozen=True)
class AuditEntry:
    id: int
    occurred_at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class ChainCheck:
    rows: int
    first_bad_id: int | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


class AuditService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def for_entity(self, actor: Actor | None, entity: str, entity_id: int | str) -> list[AuditEntry]:
        """The history of one row, oldest first (admins only: it may hold restricted flags)."""
        require(actor, Permission.MANAGE_USERS)
        with self._db.read() as uow:
            rows = uow.session.exec(
                select(AuditEvent)
                .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
                .order_by(col(AuditEvent.id))
            ).all()
            return [
                AuditEntry(r.id or 0, r.occurred_at.isoformat(), r.actor, r.action, r.entity,
                           r.entity_id, json.loads(r.changes))
                for r in rows
            ]

    def count(self) -> int:
        with self._db.read() as uow:
            return len(uow.session.exec(select(AuditEvent.id)).all())

    def verify(self, batch: int = 10_000) -> ChainCheck:
        """Walk the chain in id order, a batch at a time; report the first row that breaks it."""
        total = 0
        prev = GENESIS
        last_id = 0
        with self._db.read() as uow:
            while True:
                rows = uow.session.exec(
                    select(AuditEvent).where(col(AuditEvent.id) > last_id)
                    .order_by(col(AuditEvent.id)).limit(batch)
                ).all()
                if not rows:
                    return ChainCheck(total, None)
                bad = verify_chain([r.model_dump() for r in rows], prev)
                if bad is not None:
                    return ChainCheck(total, bad)
                total += len(rows)
                last_id = rows[-1].id or 0
                prev = rows[-1].hash
