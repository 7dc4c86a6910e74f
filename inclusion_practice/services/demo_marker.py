"""Whether a database is the synthetic demo practice (command-line writes need no credential).

The marker is a ``database_marker`` row of kind ``demo``. Only the ``demo`` command writes it,
and only into a database that held no users and no patients before it built the synthetic
practice, in the same run. Nothing in the library or the command line can add it to a database
that already holds a practice, or remove it (the table is append-only by trigger and audited), so
claiming it for a live practice needs direct write access to the database, which already
bypasses every control the software has.
"""

from __future__ import annotations

from sqlmodel import select

from inclusion_practice.errors import InvalidInput
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import AppUser, DatabaseMarker, Patient

DEMO = "demo"


def is_demo_database(db: Database) -> bool:
    with db.read() as uow:
        return uow.session.exec(
            select(DatabaseMarker).where(DatabaseMarker.kind == DEMO)
        ).first() is not None


def holds_a_practice(db: Database) -> bool:
    """Any user or patient at all: too late to mark this database as the demo."""
    with db.read() as uow:
        return (uow.session.exec(select(AppUser.id).limit(1)).first() is not None
                or uow.session.exec(select(Patient.id).limit(1)).first() is not None)


def mark_demo_database(db: Database, detail: str) -> None:
    """Mark a database the ``demo`` command is about to fill. Refused once it holds anything."""
    if holds_a_practice(db):
        raise InvalidInput("--db", "already holds users or patients: the demo only builds into "
                                   "an empty database")

    def work(uow: UnitOfWork) -> None:
        uow.session.add(DatabaseMarker(kind=DEMO, created_at=uow.clock.now(), detail=detail[:200]))

    db.run_write(SYSTEM, "mark_demo_database", work)
