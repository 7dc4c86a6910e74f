"""Helpers shared by the registration, flag, refusal and FHIR-patient tests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.services.patients import NewPatient
from inclusion_practice.storage.tables import (
    Adjustment,
    AuditEvent,
    Flag,
    Patient,
    Refusal,
    Registration,
    Task,
)

TABLES = (Patient, Registration, Adjustment, Task, Flag, Refusal, AuditEvent)


@pytest.fixture
def actors() -> dict[str, Actor]:
    """Acting users without creating accounts: services need only who and which role, and
    hashing four passwords per test made these modules slow."""
    return {
        "receptionist": Actor("reception1", "receptionist"),
        "clinician": Actor("drokafor", "clinician"),
        "manager": Actor("manager1", "manager"),
        "admin": Actor("admin1", "admin"),
    }


def counts(ip: InclusionPractice) -> dict[str, int]:
    """Rows per table: "nothing was written" means these are unchanged."""
    with ip.db.read() as uow:
        return {
            t.__tablename__: uow.session.exec(select(func.count()).select_from(t)).one()  # type: ignore[arg-type]
            for t in TABLES
        }


def audit_rows(ip: InclusionPractice) -> list[tuple[str, str, str]]:
    """Audit rows of changes (reads are logged too, as ``access_event``: left out here)."""
    with ip.db.read() as uow:
        rows = uow.session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
        return [(r.action, r.entity, r.actor) for r in rows
                if r.entity not in ("app_user", "access_event")]


def zofia(**kw: Any) -> NewPatient:
    """The issue's example person: no fixed abode, care of a hostel, Polish by telephone."""
    base: dict[str, Any] = dict(
        given_name="Zofia", family_name="Kowalska-Nowak", sex="female", estimated_birth_year=1990,
        no_fixed_abode=True, care_of_partner="st-annes-hostel", main_language="pl",
        interpreter_mode="telephone", adjustments=["extended_appointment"],
    )
    base.update(kw)
    return NewPatient(**base)
