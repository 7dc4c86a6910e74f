"""Storage rows ↔ the public patient record: the one mapping every patient module uses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from inclusion_practice.domain.addresses import (
    Addresses,
    ContactDetails,
    ContactRoute,
    CorrespondenceKind,
)
from inclusion_practice.domain.communication import (
    Communication,
    InterpreterGender,
)
from inclusion_practice.domain.interpreters import InterpreterMode
from inclusion_practice.domain.nhs_number import (
    UnavailableReason,
    VerificationStatus,
)
from inclusion_practice.domain.patient_record import (
    PatientRecord,
    Sex,
)
from inclusion_practice.domain.registration import (
    DeregistrationReason,
    RegistrationKind,
    RegistrationPeriod,
)
from inclusion_practice.storage.tables import Patient, Registration

HEALTH_CHECK_TASK = "new_patient_health_check"
"""The task kind of the new-patient health check every registration creates."""


def _lines(text: str | None) -> tuple[str, ...]:
    return tuple(line for line in (text or "").split("\n") if line)


def _join(lines: Sequence[str]) -> str | None:
    return "\n".join(lines) if lines else None


def record_from_row(row: Patient, registrations: Sequence[Registration] = ()) -> PatientRecord:
    """Storage row → the public record type."""
    assert row.id is not None
    return PatientRecord(
        id=row.id,
        given_name=row.given_name,
        family_name=row.family_name,
        date_of_birth=row.date_of_birth,
        dob_estimated=row.dob_estimated,
        sex=Sex(row.sex),
        title=row.title,
        nhs_number=row.nhs_number,
        nhs_number_status=VerificationStatus(row.nhs_number_status) if row.nhs_number_status else None,
        nhs_number_unavailable_reason=(
            UnavailableReason(row.nhs_number_unavailable_reason)
            if row.nhs_number_unavailable_reason else None
        ),
        addresses=Addresses(
            usual_lines=_lines(row.usual_address),
            usual_postcode=row.usual_postcode,
            no_fixed_abode=row.no_fixed_abode,
            correspondence_kind=CorrespondenceKind(row.correspondence_kind),
            correspondence_partner=row.correspondence_partner,
            correspondence_lines=_lines(row.correspondence_address),
            correspondence_postcode=row.correspondence_postcode,
            correspondence_from=row.correspondence_from,
            correspondence_to=row.correspondence_to,
            post_check_agreed_on=row.post_check_agreed_on,
        ),
        contact=ContactDetails(
            route=ContactRoute(row.contact_route) if row.contact_route else None,
            phone=row.phone,
            email=row.email,
            keyworker_name=row.keyworker_name,
            keyworker_phone=row.keyworker_phone,
            keyworker_partner=row.keyworker_partner,
        ),
        communication=Communication(
            main_language=row.main_language,
            dialect=row.dialect,
            interpreter_needed=row.interpreter_needed,
            interpreter_mode=InterpreterMode(row.interpreter_mode) if row.interpreter_mode else None,
            interpreter_gender=(
                InterpreterGender(row.interpreter_gender) if row.interpreter_gender else None
            ),
            no_family_interpreter=row.no_family_interpreter,
        ),
        ethnicity_code=row.ethnicity_code,
        linked_to_id=row.linked_to_id,
        registrations=tuple(period_from_row(r) for r in registrations),
    )


def period_from_row(r: Registration) -> RegistrationPeriod:
    return RegistrationPeriod(
        kind=RegistrationKind(r.kind), start=r.start_date, planned_end=r.planned_end,
        end=r.end_date, end_reason=DeregistrationReason(r.end_reason) if r.end_reason else None,
        end_detail=r.end_detail, id=r.id,
    )


def apply_addresses(row: Patient, a: Addresses) -> None:
    row.usual_address = _join(a.usual_lines)
    row.usual_postcode = a.usual_postcode
    row.no_fixed_abode = a.no_fixed_abode
    row.correspondence_kind = a.correspondence_kind.value
    row.correspondence_partner = a.correspondence_partner
    row.correspondence_address = _join(a.correspondence_lines)
    row.correspondence_postcode = a.correspondence_postcode
    row.correspondence_from = a.correspondence_from
    row.correspondence_to = a.correspondence_to
    row.post_check_agreed_on = a.post_check_agreed_on


def apply_contact(row: Patient, c: ContactDetails) -> None:
    row.contact_route = c.route.value if c.route else None
    row.phone = c.phone
    row.email = c.email
    row.keyworker_name = c.keyworker_name
    row.keyworker_phone = c.keyworker_phone
    row.keyworker_partner = c.keyworker_partner


def apply_communication(row: Patient, c: Communication) -> None:
    row.main_language = c.main_language
    row.dialect = c.dialect
    row.interpreter_needed = c.interpreter_needed
    row.interpreter_mode = c.interpreter_mode.value if c.interpreter_mode else None
    row.interpreter_gender = c.interpreter_gender.value if c.interpreter_gender else None
    row.no_family_interpreter = c.no_family_interpreter


def periods_of(session: Session, patient_id: int) -> list[Registration]:
    return list(
        session.exec(
            select(Registration).where(Registration.patient_id == patient_id)
            .order_by(col(Registration.start_date), col(Registration.id))
        ).all()
    )

