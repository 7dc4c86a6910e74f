"""Reading the facts booking and the DNA policy need about a patient.

A small storage-side reader so appointments do not wait on the registration service: it reads
Patient, Registration, Flag, Adjustment and ClinicalEvent rows and hands them to the one pure
rule, :func:`inclusion_practice.domain.needs.derive_needs`, so the needs are the same whichever
path reads them. Only role-safe needs leave this module, never flag categories.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from inclusion_practice.domain.needs import (
    AccessNeeds,
    AdjustmentFact,
    CommunicationFact,
    FlagFact,
    derive_needs,
)
from inclusion_practice.domain.registers import (
    ALL_REGISTER_CODES,
    LD_CODES,
    MH_CODES,
    MH_REMISSION_CODES,
    registers_on,
)
from inclusion_practice.storage.active import active_on
from inclusion_practice.storage.tables import (
    Adjustment,
    ClinicalEvent,
    Flag,
    Patient,
    Registration,
)

MENTAL_HEALTH_REGISTER_CODES: frozenset[str] = MH_CODES.code_set
"""QOF MH_COD-shaped diagnosis and register codes (:mod:`inclusion_practice.domain.registers`)."""
MENTAL_HEALTH_REMISSION_CODES: frozenset[str] = MH_REMISSION_CODES.code_set
""""In remission" codes that resolve an earlier SMI diagnosis (MHREM_COD-shaped)."""
LEARNING_DISABILITY_REGISTER_CODES: frozenset[str] = LD_CODES.code_set
"""QOF LD_COD-shaped register and diagnosis codes."""


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
    """Registered on ``on``."""
    stmt = select(Registration.id).where(
        Registration.patient_id == patient_id, active_on(Registration, on)
    )
    return session.exec(stmt).first() is not None


def registers(session: Session, patient_id: int, on: dt.date) -> set[str]:
    """Which of the learning-disability and mental-health registers the patient is on.

    The rule (diagnosis and register codes, later remission codes resolving SMI) is
    :func:`inclusion_practice.domain.registers.registers_on`.
    """
    events = session.exec(
        select(col(ClinicalEvent.code), col(ClinicalEvent.event_date)).where(
            ClinicalEvent.patient_id == patient_id,
            col(ClinicalEvent.code).in_(ALL_REGISTER_CODES),
            ClinicalEvent.event_date <= on,
        )
    ).all()
    return set(registers_on(events, on))


def load_needs(session: Session, patient_id: int, on: dt.date) -> AccessNeeds:
    """The patient's needs on ``on`` (flags and adjustments active that day)."""
    return load_needs_many(session, [patient_id], on).get(patient_id, AccessNeeds())


def load_needs_many(session: Session, patient_ids: list[int], on: dt.date) -> dict[int, AccessNeeds]:
    """Needs for many patients in four queries (search results and lists need this fast)."""
    ids = sorted(set(patient_ids))
    if not ids:
        return {}
    patients = {
        p.id: p for p in session.exec(select(Patient).where(col(Patient.id).in_(ids))).all()
    }
    flags: dict[int, list[Flag]] = {i: [] for i in ids}
    for f in session.exec(
        select(Flag).where(
            col(Flag.patient_id).in_(ids),
            active_on(Flag, on),
        )
    ).all():
        flags[f.patient_id].append(f)
    adjustments: dict[int, list[Adjustment]] = {i: [] for i in ids}
    for a in session.exec(
        select(Adjustment).where(
            col(Adjustment.patient_id).in_(ids),
            active_on(Adjustment, on),
        )
    ).all():
        adjustments[a.patient_id].append(a)
    events: dict[int, list[tuple[str, dt.date]]] = {i: [] for i in ids}
    for event_pid, code, day in session.exec(
        select(col(ClinicalEvent.patient_id), col(ClinicalEvent.code), col(ClinicalEvent.event_date)).where(
            col(ClinicalEvent.patient_id).in_(ids),
            col(ClinicalEvent.code).in_(ALL_REGISTER_CODES),
            ClinicalEvent.event_date <= on,
        )
    ).all():
        events[event_pid].append((code, day))
    out: dict[int, AccessNeeds] = {}
    for maybe_pid, patient in patients.items():
        assert maybe_pid is not None
        pid = maybe_pid
        regs = set(registers_on(events[pid], on))
        if any(f.category == "learning_disability" for f in flags[pid]):
            regs.add("learning_disability")
        out[pid] = derive_needs(
            [FlagFact(f.category, f.subcategory) for f in flags[pid]],
            [AdjustmentFact(a.kind, a.detail) for a in adjustments[pid]],
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
    return out


class NameKeyCache:
    """Every patient's folded name key, kept between searches.

    Fuzzy matching compares the query with every name; reading 100,000 keys on each keystroke
    took about half a second. The cache is reloaded only when the patient table has changed
    (another terminal registered or renamed someone): a count, max id and max update time.
    """

    def __init__(self) -> None:
        self._signature: tuple[object, ...] | None = None
        self._keys: dict[int, str] = {}
        self._lock = threading.Lock()

    def current(self, session: Session) -> dict[int, str]:
        signature = tuple(
            session.exec(
                select(func.count(), func.max(Patient.id), func.max(Patient.updated_at))
            ).one()
        )
        with self._lock:
            if signature != self._signature:
                rows = session.exec(select(Patient.id, Patient.name_key)).all()
                self._keys = {pid: key for pid, key in rows if pid is not None}
                self._signature = signature
            return self._keys
