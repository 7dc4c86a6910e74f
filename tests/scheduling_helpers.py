"""Helpers for the appointment-book tests: synthetic patients inserted directly.

The registration service is written in parallel, so these insert Patient, Registration, Flag
and Adjustment rows through a write unit (audited like any other write).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.storage.tables import (
    Adjustment,
    Appointment,
    AuditEvent,
    ClinicSession,
    DnaAction,
    DnaEvent,
    Flag,
    InterpreterBooking,
    Patient,
    Registration,
    Slot,
    SlotHold,
)

_names = iter(
    [
        ("Ada", "Lovelace-Test"), ("Bilal", "Synth"), ("Cerys", "Example"), ("Dariusz", "Fake"),
        ("Efua", "Sample"), ("Farid", "Model"), ("Greta", "Mock"), ("Hamza", "Dummy"),
    ] * 500
)


def add_patient(
    ip: InclusionPractice,
    *,
    registered: bool = True,
    flags: tuple[str, ...] = (),
    adjustments: tuple[tuple[str, str | None], ...] = (),
    interpreter: str | None = None,
    interpreter_mode: str | None = None,
    start: dt.date = dt.date(2020, 1, 1),
    **patient: Any,
) -> int:
    """A synthetic patient (registered permanently from ``start`` unless ``registered=False``)."""
    given, family = next(_names)
    now = ip.clock.now()
    with ip.db.write(SYSTEM, "test_fixture") as uow:
        p = Patient(
            given_name=given, family_name=family, name_key=f"{given} {family}".lower(),
            date_of_birth=dt.date(1985, 5, 5), sex=patient.pop("sex", "female"),
            interpreter_needed=interpreter is not None, main_language=interpreter,
            interpreter_mode=interpreter_mode, created_at=now, updated_at=now, **patient,
        )
        uow.session.add(p)
        uow.flush()
        assert p.id is not None
        if registered:
            uow.session.add(Registration(patient_id=p.id, kind="permanent", start_date=start,
                                         created_at=now))
        for category in flags:
            uow.session.add(Flag(patient_id=p.id, category=category, start_date=start,
                                 source="clinician", recorded_by="system"))
        for kind, detail in adjustments:
            uow.session.add(Adjustment(patient_id=p.id, kind=kind, ra_category="008",
                                       detail=detail, start_date=start, recorded_by="system"))
        uow.commit()
        return p.id


TABLES = (Appointment, SlotHold, InterpreterBooking, DnaEvent, DnaAction, ClinicSession, Slot,
          AuditEvent)


def snapshot(ip: InclusionPractice) -> dict[str, Any]:
    """Row counts plus the live holds and appointment statuses: "nothing changed" means equal."""
    with ip.db.read() as uow:
        out: dict[str, Any] = {
            t.__tablename__: uow.session.exec(select(func.count()).select_from(t)).one()  # type: ignore[attr-defined]
            for t in TABLES
        }
        out["holds"] = sorted(
            (h.id, h.active_slot_id) for h in uow.session.exec(select(SlotHold)).all()
        )
        out["statuses"] = sorted(
            (a.id, a.status) for a in uow.session.exec(select(Appointment)).all()
        )
    return out


def open_cli_practice(
    tmp_path: Any, monkeypatch: Any, sqlite_template: Any, users: tuple[tuple[str, str], ...]
) -> InclusionPractice:
    """A migrated SQLite practice in ``tmp_path`` that the command line opens (``$INCLUSION_PRACTICE_DB``),
    with ``users`` as (username, role) and the CLI given their password. The caller closes it."""
    from inclusion_practice.config import example_config_text, parse_config
    from tests.conftest import PASSWORD, use_cli_password

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "practice.db"
    db.write_bytes(sqlite_template.read_bytes())
    monkeypatch.setenv("INCLUSION_PRACTICE_DB", f"sqlite:///{db}")
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    ip = InclusionPractice.open(f"sqlite:///{db}", config=parse_config(example_config_text()))
    for username, role in users:
        ip.users.create(SYSTEM, username, username.title(), role, password=PASSWORD)
    use_cli_password(monkeypatch)
    return ip
