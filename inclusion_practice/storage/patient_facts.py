"""Reading the facts booking and the DNA policy need about a patient.

A small storage-side reader so appointments do not wait on the registration service: it reads
Patient, Registration, Flag, Adjustment and ClinicalEvent rows and hands them to the one pure
rule, :func:`inclusion_practice.domain.needs.derive_needs`, so the needs are the same whichever
path reads them. Only role-safe needs leave this module, never flag categories.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from inclusion_practice.domain.needs import (
    AccessNeeds,
    AdjustmentFact,
    CommunicationFact,
    FlagFact,
    derive_needs,
)
from inclusion_practice.storage.tables import (
    Adjustment,
    ClinicalEvent,
    Flag,
    Patient,
    Registration,
)

MENTAL_HEALTH_REGISTER_CODES: frozenset[str] = frozenset({"391193001"})
"""SNOMED "On severe mental illness register" (QOF MH register; to confirm against the practice's
MH cluster). A coded entry puts the patient on the mental-health register for the DNA policy."""
LEARNING_DISABILITY_REGISTER_CODES: frozenset[str] = frozenset({"416075005"})
"""SNOMED "On learning disability register" (codes.csv)."""


@dataclass(frozen=True)
class PatientSummary:
    """What the appointment book shows about a patient (no flags)."""

    id: int
    display_name: str
    phone: str | None
    keyworker_name: str | None
    keyworker_phone: str | None
    sex: str


def patient_summary(session: Session, patient_id: int) -> PatientSummary | None:
    row = session.get(Patient, patient_id)
    if row is None:
        return None
    return PatientSummary(
        id=patient_id,
        display_name=f"{row.given_name} {row.family_name}",
        phone=row.phone,
        keyworker_name=row.keyworker_name,
        keyworker_phone=row.keyworker_phone,
        sex=row.sex,
    )


def patient_names(session: Session, patient_ids: set[int]) -> dict[int, str]:
    if not patient_ids:
        return {}
    rows = session.exec(select(Patient).where(col(Patient.id).in_(patient_ids))).all()
    return {int(r.id): f"{r.given_name} {r.family_name}" for r in rows if r.id is not None}


def is_registered(session: Session, patient_id: int, on: dt.date) -> bool:
    """Registered on ``on``: a registration started by then and not ended or expired before."""
    stmt = select(Registration.id).where(
        Registration.patient_id == patient_id,
        Registration.start_date <= on,
        or_(col(Registration.end_date).is_(None), col(Registration.end_date) >= on),
        or_(col(Registration.planned_end).is_(None), col(Registration.planned_end) >= on),
    )
    return session.exec(stmt).first() is not None


def registers(session: Session, patient_id: int, on: dt.date) -> set[str]:
    """Which of the learning-disability and mental-health registers the patient is on."""
    codes = set(
        session.exec(
            select(ClinicalEvent.code).where(
                ClinicalEvent.patient_id == patient_id,
                col(ClinicalEvent.code).in_(
                    MENTAL_HEALTH_REGISTER_CODES | LEARNING_DISABILITY_REGISTER_CODES
                ),
                ClinicalEvent.event_date <= on,
            )
        ).all()
    )
    out: set[str] = set()
    if codes & MENTAL_HEALTH_REGISTER_CODES:
        out.add("mental_health")
    if codes & LEARNING_DISABILITY_REGISTER_CODES:
        out.add("learning_disability")
    return out


def load_needs(session: Session, patient_id: int, on: dt.date) -> AccessNeeds:
    """The patient's needs on ``on`` (flags and adjustments active that day)."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        return AccessNeeds()
    flags = session.exec(
        select(Flag).where(
            Flag.patient_id == patient_id,
            Flag.start_date <= on,
            or_(col(Flag.end_date).is_(None), col(Flag.end_date) >= on),
        )
    ).all()
    adjustments = session.exec(
        select(Adjustment).where(
            Adjustment.patient_id == patient_id,
            Adjustment.start_date <= on,
            or_(col(Adjustment.end_date).is_(None), col(Adjustment.end_date) >= on),
        )
    ).all()
    regs = registers(session, patient_id, on)
    if any(f.category == "learning_disability" for f in flags):
        regs.add("learning_disability")
    return derive_needs(
        [FlagFact(f.category, f.subcategory) for f in flags],
        [AdjustmentFact(a.kind, a.detail) for a in adjustments],
        CommunicationFact(
            main_language=patient.main_language,
            dialect=patient.dialect,
            interpreter_needed=patient.interpreter_needed,
            interpreter_mode=patient.interpreter_mode,
            interpreter_gender=patient.interpreter_gender,
            no_family_interpreter=patient.no_family_interpreter,
        ),
        contact_route=patient.contact_route,
        registers=regs,
    )
