"""The access log: who read which patients' records, when, and through what.

Every service read of patient records calls :func:`record_access` (the CLI's show, needs and
explain, the TUI banner, REST reads and searches, worklists that list patients, exports and
returns). Each access is an ``access_event`` row — append-only in the database and audited, so
it sits in the same tamper-evident chain as the changes — indexed by patient in
``access_subject``. :meth:`AccessLogService.for_patient` answers "who looked at this person's
record" for a subject-access request or a complaint.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import insert
from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NoActingUser
from inclusion_practice.services.access import require
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import AccessEvent, AccessSubject

MAX_IDS_KEPT = 10_000
"""An export of a whole practice is one access of every patient; past this many ids the event
keeps the count and the index keeps them all."""


@dataclass(frozen=True)
class AccessRecord:
    """One access of patient records, as the log shows it."""

    id: int
    at: dt.datetime
    actor: str
    role: str
    purpose: str
    channel: str
    patient_count: int


def _record(r: AccessEvent) -> AccessRecord:
    return AccessRecord(r.id or 0, r.occurred_at, r.actor, r.actor_role, r.purpose, r.channel,
                        r.patient_count)


def record_access(
    db: Database, actor: Actor | None, purpose: str, patient_ids: Iterable[int]
) -> None:
    """Log that ``actor`` read the records of ``patient_ids`` (nothing read, nothing logged)."""
    if actor is None:
        raise NoActingUser()
    ids = sorted({int(i) for i in patient_ids})
    if not ids:
        return

    def work(uow: UnitOfWork) -> None:
        row = AccessEvent(
            occurred_at=uow.clock.now(), actor=actor.username, actor_role=actor.role,
            purpose=purpose[:80], channel=actor.channel[:20], patient_count=len(ids),
            patient_ids=json.dumps(ids[:MAX_IDS_KEPT]),
        )
        uow.session.add(row)
        uow.flush()
        assert row.id is not None
        uow.session.connection().execute(
            insert(AccessSubject), [{"access_event_id": row.id, "patient_id": i} for i in ids]
        )

    db.run_write(actor, f"read:{purpose}"[:80], work)


class _HasDatabase(Protocol):
    _db: Database


S = TypeVar("S", bound=_HasDatabase)
P = ParamSpec("P")
R = TypeVar("R")


class _ReadDecorator(Protocol):
    def __call__(
        self, fn: Callable[Concatenate[S, Actor | None, P], R]
    ) -> Callable[Concatenate[S, Actor | None, P], R]: ...


def logged_read(
    purpose: str, patients: Callable[[Any, tuple[Any, ...]], Iterable[int]]
) -> _ReadDecorator:
    """Log every call of a service read method: ``patients(result, args)`` names the patients
    it returned (``args`` are the positional arguments after the actor)."""

    def decorate(
        fn: Callable[Concatenate[S, Actor | None, P], R],
    ) -> Callable[Concatenate[S, Actor | None, P], R]:
        def read(self: S, actor: Actor | None, /, *args: P.args, **kwargs: P.kwargs) -> R:
            result = fn(self, actor, *args, **kwargs)
            record_access(self._db, actor, purpose, patients(result, tuple(args)))
            return result

        return functools.update_wrapper(read, fn)

    return decorate


def first_argument(_result: object, args: tuple[Any, ...]) -> list[int]:
    """The patient id passed first (``show(actor, patient_id)``)."""
    return [int(args[0])] if args else []


class AccessLogService:
    """Reading the access log (managers and admins: subject access requests, complaints)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def for_patient(
        self, actor: Actor | None, patient_id: int, *, since: dt.date | None = None
    ) -> list[AccessRecord]:
        """Every access of ``patient_id``'s record, oldest first."""
        require(actor, Permission.VIEW_ACCESS_LOG)
        if patient_id < 1:
            raise InvalidInput("patient", "must be a patient id")
        with self._db.read() as uow:
            stmt = (
                select(AccessEvent)
                .join(AccessSubject, col(AccessSubject.access_event_id) == col(AccessEvent.id))
                .where(AccessSubject.patient_id == patient_id)
            )
            if since is not None:
                stmt = stmt.where(AccessEvent.occurred_at >= dt.datetime.combine(since, dt.time.min))
            rows = uow.session.exec(stmt.order_by(col(AccessEvent.id))).all()
            return [_record(r) for r in rows]

    def by_user(
        self, actor: Actor | None, username: str, *, since: dt.date | None = None
    ) -> list[AccessRecord]:
        """Every access ``username`` made, oldest first."""
        require(actor, Permission.VIEW_ACCESS_LOG)
        with self._db.read() as uow:
            stmt = select(AccessEvent).where(AccessEvent.actor == username)
            if since is not None:
                stmt = stmt.where(AccessEvent.occurred_at >= dt.datetime.combine(since, dt.time.min))
            rows = uow.session.exec(stmt.order_by(col(AccessEvent.id))).all()
            return [_record(r) for r in rows]
