"""Backups round-trip: SQLite through the online backup API, PostgreSQL through pg_dump."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InvalidInput
from inclusion_practice.storage.backup import backup, restore
from inclusion_practice.storage.tables import Patient


def _add(ip: InclusionPractice, given: str) -> None:
    now = ip.clock.now()
    with ip.db.write(Actor("reception1", "receptionist"), "register_patient") as uow:
        uow.session.add(Patient(given_name=given, family_name="Test", name_key=f"{given} test",
                                date_of_birth=dt.date(1980, 1, 1), sex="female",
                                created_at=now, updated_at=now))
        uow.commit()


def _names(ip: InclusionPractice) -> list[str]:
    with ip.db.read() as uow:
        return sorted(p.given_name for p in uow.session.exec(select(Patient)).all())


def test_a_backup_restores_the_data_and_the_audit_chain(ip: InclusionPractice, tmp_path: Path) -> None:
    _add(ip, "Áine")
    file = tmp_path / "backup.bin"
    assert backup(ip.db.url, file) > 0
    _add(ip, "Bogdan")
    assert _names(ip) == ["Bogdan", "Áine"]
    ip.db.dispose()
    restore(ip.db.url, file)
    assert _names(ip) == ["Áine"]
    check = ip.audit.verify()
    assert check.ok and check.rows == 1


def test_a_backup_never_overwrites_a_file(ip: InclusionPractice, tmp_path: Path) -> None:
    file = tmp_path / "exists.bin"
    file.write_text("precious")
    with pytest.raises(InvalidInput, match=r"file: .* already exists"):
        backup(ip.db.url, file)
    assert file.read_text() == "precious"


def test_restoring_something_that_is_not_a_backup_is_refused(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    target = tmp_path / "live.db"
    shutil.copy(sqlite_template, target)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(InvalidInput, match="not an Inclusion Practice SQLite backup"):
        restore(f"sqlite:///{target}", junk)
