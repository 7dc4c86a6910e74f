"""Storage contract: one test body, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text
from sqlmodel import select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import DeletionRefused, NoActingUser, SchemaOutOfDate
from inclusion_practice.storage.database import Database, create_db_engine
from inclusion_practice.storage.migrate import current_revision, head_revision, schema_differences
from inclusion_practice.storage.tables import AuditEvent, Patient


def _patient(now: dt.datetime) -> Patient:
    return Patient(
        given_name="Zofia", family_name="Kowalska-Nowak", name_key="zofia kowalska nowak",
        date_of_birth=dt.date(1990, 1, 1), dob_estimated=True, sex="female",
        created_at=now, updated_at=now,
    )


def test_the_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = create_db_engine(db_url)
    assert schema_differences(engine) == []
    assert current_revision(engine) == head_revision()


def test_a_write_without_an_acting_user_is_refused_and_writes_nothing(ip: InclusionPractice) -> None:
    with pytest.raises(NoActingUser), ip.db.write(None, "test") as uow:
        uow.session.add(_patient(ip.clock.now()))
        uow.commit()
    with ip.db.read() as uow:
        assert uow.session.exec(select(Patient)).all() == []


def test_every_insert_and_update_appends_an_audit_row_naming_who_and_what(
    ip: InclusionPractice,
) -> None:
    actor = Actor("reception1", "receptionist")
    with ip.db.write(actor, "register_patient") as uow:
        p = _patient(ip.clock.now())
        uow.session.add(p)
        uow.commit()
    with ip.db.write(actor, "edit_patient") as uow:
        row = uow.session.get(Patient, p.id)
        assert row is not None
        row.phone = "07700 900123"
        uow.session.add(row)
        uow.commit()
    with ip.db.read() as uow:
        rows = uow.session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
    assert [(r.action, r.entity, r.entity_id, r.actor) for r in rows] == [
        ("register_patient", "patient", str(p.id), "reception1"),
        ("edit_patient", "patient", str(p.id), "reception1"),
    ]
    assert json.loads(rows[1].changes) == {"phone": [None, "07700 900123"]}
    assert json.loads(rows[0].changes)["family_name"] == "Kowalska-Nowak"
    assert ip.audit.verify().ok


def test_patient_rows_are_never_deleted(ip: InclusionPractice) -> None:
    actor = Actor("reception1", "receptionist")
    with ip.db.write(actor, "register_patient") as uow:
        p = _patient(ip.clock.now())
        uow.session.add(p)
        uow.commit()
    with pytest.raises(DeletionRefused), ip.db.write(actor, "delete") as uow:
        row = uow.session.get(Patient, p.id)
        uow.session.delete(row)
        uow.commit()
    with ip.db.read() as uow:
        assert uow.session.get(Patient, p.id) is not None


def test_tampering_with_an_audit_row_breaks_the_chain(ip: InclusionPractice) -> None:
    actor = Actor("reception1", "receptionist")
    for _ in range(3):
        with ip.db.write(actor, "register_patient") as uow:
            uow.session.add(_patient(ip.clock.now()))
            uow.commit()
    assert ip.audit.verify().rows == 3
    with ip.db.engine.begin() as conn:
        # Someone with the database owner's rights disables the guard first.
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("UPDATE audit_event SET actor = 'someone' WHERE id = 2"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    check = ip.audit.verify()
    assert not check.ok and check.first_bad_id == 2


def test_an_unmigrated_database_is_refused_with_a_message_to_upgrade(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaOutOfDate, match="db upgrade"):
        Database(f"sqlite:///{tmp_path / 'empty.db'}")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path, sqlite_template) -> None:  # type: ignore[no-untyped-def]
    import shutil

    target = tmp_path / "p.db"
    shutil.copy(sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    db.dispose()


def test_audit_rows_cannot_be_changed_or_deleted_through_the_library(ip: InclusionPractice) -> None:
    from inclusion_practice.errors import AuditImmutable

    actor = Actor("reception1", "receptionist")
    with ip.db.write(actor, "register_patient") as uow:
        uow.session.add(_patient(ip.clock.now()))
        uow.commit()
    with pytest.raises(AuditImmutable), ip.db.write(actor, "tamper") as uow:
        row = uow.session.exec(select(AuditEvent)).one()
        row.actor = "someone else"
        uow.session.add(row)
        uow.commit()
    with pytest.raises(DeletionRefused), ip.db.write(actor, "tamper") as uow:
        uow.session.delete(uow.session.exec(select(AuditEvent)).one())
        uow.commit()
    assert ip.audit.verify().ok


def test_database_errors_do_not_carry_the_statement_parameters(ip: InclusionPractice) -> None:
    from sqlalchemy.exc import IntegrityError

    actor = Actor("reception1", "receptionist")
    for _ in range(2):
        with ip.db.write(actor, "register_patient") as uow:
            p = _patient(ip.clock.now())
            p.nhs_number = "9434765919"
            uow.session.add(p)
            try:
                uow.commit()
            except IntegrityError as exc:
                assert "parameters hidden" in str(exc)
                assert "Kowalska" not in str(exc)
                return
    raise AssertionError("the duplicate NHS number was not refused")


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"])
def test_the_database_itself_refuses_to_change_or_delete_audit_rows(
    ip: InclusionPractice, statement: str
) -> None:
    from sqlalchemy.exc import DBAPIError

    actor = Actor("reception1", "receptionist")
    with ip.db.write(actor, "register_patient") as uow:
        uow.session.add(_patient(ip.clock.now()))
        uow.commit()
    with pytest.raises(DBAPIError, match="append-only"), ip.db.engine.begin() as conn:
        conn.execute(text(statement))
    assert ip.audit.verify().rows == 1


def test_the_chain_is_verified_across_batches(ip: InclusionPractice) -> None:
    actor = Actor("reception1", "receptionist")
    for _ in range(5):
        with ip.db.write(actor, "register_patient") as uow:
            uow.session.add(_patient(ip.clock.now()))
            uow.commit()
    assert ip.audit.verify(batch=2) == ip.audit.verify(batch=100)
    assert ip.audit.verify(batch=2).rows == 5 and ip.audit.verify(batch=2).ok
