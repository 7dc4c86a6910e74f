"""Reading and verifying the audit trail, its checkpoints and keys. There is deliberately no way
to change a row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import AuditKeyError
from inclusion_practice.services.access import require
from inclusion_practice.storage import audit_chain
from inclusion_practice.storage.audit_keys import rotate_keyring
from inclusion_practice.storage.checkpoints import rotate_signing_key
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
    """The outcome of ``audit verify``: every problem found (each names what it found), and
    notes that do not fail the check (rows not yet sealed, checkpoints superseded by a
    restore, checks that could not be made without a key)."""

    rows: int
    first_bad_id: int | None
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    sealed: int = 0
    unsealed: int = 0
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


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

    def verify(
        self,
        batch: int = 10_000,
        *,
        public_keys: Sequence[Path] | None = None,
        checkpoint_dir: Path | None = None,
        use_key: bool = True,
    ) -> ChainCheck:
        """Check every row, every link and every signed checkpoint, in one snapshot.

        ``public_keys`` and ``checkpoint_dir`` default to this database's audit folder; with
        ``use_key=False`` (or no key available) the row MACs are not checked, but the
        checkpoints still are, so a verifier holding only the public key catches removed,
        emptied or replaced chains."""
        setup = self._db.audit
        keyring = None
        notes: list[str] = []
        if use_key:
            try:
                keyring = setup.keyring()
            except AuditKeyError as exc:
                notes.append(f"MAC key not available ({exc})")
        checkpoints, unreadable = audit_chain.checkpoints_for(setup, public_keys, checkpoint_dir)
        engine = self._db.engine
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        with engine.connect() as conn:
            report = audit_chain.verify(conn, keyring, checkpoints, batch=batch)
        return ChainCheck(
            rows=report.sealed + report.unsealed,
            first_bad_id=report.first_bad_id,
            problems=(*unreadable, *report.problems),
            notes=(*notes, *report.notes),
            sealed=report.sealed,
            unsealed=report.unsealed,
            checkpoints=report.checkpoints,
        )

    def seal(self) -> int:
        """Link every committed, unsealed row into the chain now (waits for a running seal)."""
        return audit_chain.seal(self._db.engine, self._db.now())[0]

    def checkpoint(self, reason: str, *, required: bool = False) -> Path | None:
        """Seal, then write a signed checkpoint of the chain's head outside the database.

        Returns None when this machine has no signing key (the checkpoint is then another
        machine's job), unless ``required``: then that is an :class:`AuditKeyError`."""
        paths = self._db.audit.paths
        if not paths.signing_key_file.exists():
            if required:
                raise AuditKeyError(
                    f"no signing key at {paths.signing_key_file}: run `inclusion-practice init`"
                    " here, or set [audit] signing_key_file")
            return None
        return audit_chain.write_checkpoint(self._db.engine, self._db.now(), reason=reason)

    def restored(self, source: str) -> Path | None:
        """After ``db restore``: record, signed, that the chain now legitimately ends at the
        backup's head, so checkpoints taken after the backup are not read as tampering."""
        if not self._db.audit.paths.signing_key_file.exists():
            return None
        return audit_chain.write_checkpoint(self._db.engine, self._db.now(),
                                            reason=f"restored from {source}", kind="restore")

    def provision(self) -> list[str]:
        """Create whatever key material is missing (MAC keyring, signing key pair), owner-only.
        Returns a line for each file made."""
        return audit_chain.provision(self._db.audit, self._db.now())

    def rotate_key(self) -> tuple[str, str]:
        """A new MAC key in the keyring file, made current; old rows keep verifying with the
        old key, which stays in the keyring. Returns (old id, new id)."""
        setup = self._db.audit
        if setup.env_key:
            raise AuditKeyError(
                "the audit key comes from $INCLUSION_PRACTICE_AUDIT_KEY: put the new key first "
                "in it (comma-separated, old keys after) instead")
        old, new = rotate_keyring(setup.paths.key_file, self._db.now())
        setup.reload()
        return old, new

    def rotate_signing_key(self) -> tuple[str, str]:
        """A new checkpoint signing key; the old public key is kept beside the new one."""
        paths = self._db.audit.paths
        return rotate_signing_key(paths.signing_key_file, paths.public_key_file)
