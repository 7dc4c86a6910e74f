"""Registering anyone who asks: validation, the duplicate check, registration periods, links.

Registration needs a name, a date of birth (estimated if unknown) and sex/gender as recorded —
nothing else. There is deliberately no field that could make ID, proof of address or
immigration status a condition of registering. Before a new record is saved the possible
duplicates are shown; the caller then says "new person" or "same person" (which links the two
records, keeping both histories). Registering creates the new-patient health check task; nothing
waits for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, or_, select

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.addresses import (
    Addresses,
    ContactDetails,
    check_addresses,
    check_contact,
)
from inclusion_practice.domain.adjustments import AdjustmentSpec, check_adjustment
from inclusion_practice.domain.communication import (
    Communication,
    check_communication,
)
from inclusion_practice.domain.duplicates import (
    DuplicateCandidate,
    DuplicateDecision,
    PersonFacts,
    find_candidates,
    search_window,
)
from inclusion_practice.domain.names import clean_name, name_key
from inclusion_practice.domain.nhs_number import (
    UnavailableReason,
    VerificationStatus,
    resolve_identity,
)
from inclusion_practice.domain.patient_record import (
    PatientRecord,
    Sex,
    parse_ethnicity,
    parse_sex,
)
from inclusion_practice.domain.registration import (
    DeregistrationReason,
    RegistrationKind,
    RegistrationPeriod,
    check_date_of_birth,
    check_deregistration,
    health_check_due,
    plan_period,
)
from inclusion_practice.domain.roles import Permission
from inclusion_practice.domain.span import covers
from inclusion_practice.errors import InclusionPracticeError, InvalidInput, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.adjustments import insert_adjustment
from inclusion_practice.services.patients.base import PatientServiceBase, reader_role
from inclusion_practice.services.patients.rows import (
    HEALTH_CHECK_TASK,
    apply_addresses,
    apply_communication,
    apply_contact,
    period_from_row,
    periods_of,
    record_from_row,
)
from inclusion_practice.storage.database import UnitOfWork
from inclusion_practice.storage.tables import Patient, Registration, Task


class PossibleDuplicates(InclusionPracticeError):
    """Records that may be this person exist: say "new person" or "same person" (``same_as``)."""

    def __init__(self, candidates: Sequence[DuplicateCandidate]) -> None:
        self.candidates = list(candidates)
        listed = "; ".join(
            f"#{c.patient_id} {c.given_name} {c.family_name} born {c.date_of_birth}"
            f"{' (estimated)' if c.dob_estimated else ''} ({', '.join(c.reasons)})"
            for c in self.candidates
        )
        super().__init__(
            f"possible duplicate records: {listed}. Say new person, or same person as one of them"
        )


@dataclass(frozen=True)
class NewPatient:
    """What reception types in. Only the names, date of birth (or estimated year) and sex are
    required; there is no field for ID or proof of address because none may be demanded."""

    given_name: str
    family_name: str
    sex: str
    date_of_birth: dt.date | None = None
    dob_estimated: bool = False
    estimated_birth_year: int | None = None
    title: str | None = None
    nhs_number: str | None = None
    nhs_number_status: str | None = None
    nhs_number_unavailable_reason: str | None = None
    usual_address: Sequence[str] = ()
    usual_postcode: str | None = None
    no_fixed_abode: bool = False
    correspondence: str | None = None
    """usual | practice | partner | care_of | temporary | none; inferred when left out."""
    care_of_partner: str | None = None
    correspondence_address: Sequence[str] = ()
    correspondence_postcode: str | None = None
    correspondence_from: dt.date | None = None
    correspondence_to: dt.date | None = None
    post_check_agreed_on: dt.date | None = None
    contact_route: str | None = None
    phone: str | None = None
    email: str | None = None
    keyworker_name: str | None = None
    keyworker_phone: str | None = None
    keyworker_partner: str | None = None
    main_language: str | None = None
    dialect: str | None = None
    interpreter_needed: bool | None = None
    interpreter_mode: str | None = None
    interpreter_gender: str | None = None
    no_family_interpreter: bool = False
    ethnicity_code: str | None = None
    adjustments: Sequence[str] = ()
    """Adjustment kinds, each ``kind`` or ``kind:detail`` (e.g. ``clinician_gender:female``)."""


@dataclass(frozen=True)
class RegistrationResult:
    patient: PatientRecord
    registration: RegistrationPeriod
    health_check_due: dt.date
    health_check_task_id: int
    linked_to_id: int | None = None
    candidates: tuple[DuplicateCandidate, ...] = field(default_factory=tuple)
    """The possible duplicates reception was shown."""


@dataclass(frozen=True)
class _Validated:
    given: str
    family: str
    title: str | None
    dob: dt.date
    estimated: bool
    sex: Sex
    nhs: str | None
    status: VerificationStatus | None
    unavailable: UnavailableReason | None
    addresses: Addresses
    contact: ContactDetails
    communication: Communication
    ethnicity: str | None
    adjustments: tuple[AdjustmentSpec, ...]



class RegistrationMixin(PatientServiceBase):
    """Register, re-register, deregister and link records."""

    # ----------------------------------------------------------------- validation

    def _validate(self, p: NewPatient) -> _Validated:
        today = self._clock.today()
        given = clean_name(p.given_name, "given_name")
        family = clean_name(p.family_name, "family_name")
        title = " ".join((p.title or "").split()) or None
        if title is not None and len(title) > 20:
            raise InvalidInput("title", "is longer than 20 characters")
        sex = parse_sex(p.sex)
        dob, estimated = check_date_of_birth(
            p.date_of_birth, estimated=p.dob_estimated, estimated_year=p.estimated_birth_year,
            today=today,
        )
        nhs, status, unavailable = resolve_identity(
            p.nhs_number, p.nhs_number_status, p.nhs_number_unavailable_reason
        )
        partners = {x.code for x in self._config.partners}
        addresses = check_addresses(
            usual_lines=p.usual_address, usual_postcode=p.usual_postcode,
            no_fixed_abode=p.no_fixed_abode, correspondence_kind=p.correspondence,
            partner=p.care_of_partner, correspondence_lines=p.correspondence_address,
            correspondence_postcode=p.correspondence_postcode,
            correspondence_from=p.correspondence_from, correspondence_to=p.correspondence_to,
            post_check_agreed_on=p.post_check_agreed_on, partners=partners, today=today,
        )
        contact = check_contact(
            p.contact_route, phone=p.phone, email=p.email, keyworker_name=p.keyworker_name,
            keyworker_phone=p.keyworker_phone, keyworker_partner=p.keyworker_partner,
            partners=partners,
        )
        communication = check_communication(
            p.main_language, dialect=p.dialect, interpreter_needed=p.interpreter_needed,
            interpreter_mode=p.interpreter_mode, interpreter_gender=p.interpreter_gender,
            no_family_interpreter=p.no_family_interpreter,
        )
        specs = tuple(check_adjustment(a, field="adjustments") for a in p.adjustments)
        kinds = [(s.kind, s.detail) for s in specs]
        if len(set(kinds)) != len(kinds):
            raise InvalidInput("adjustments", "an adjustment is listed twice")
        return _Validated(
            given, family, title, dob, estimated, sex, nhs, status, unavailable, addresses,
            contact, communication, parse_ethnicity(p.ethnicity_code), specs,
        )

    def _candidates(self, session: Session, v: _Validated) -> list[DuplicateCandidate]:
        lo, hi = search_window(v.dob)
        conditions: list[Any] = [col(Patient.date_of_birth).between(lo, hi)]
        if v.nhs:
            conditions.append(Patient.nhs_number == v.nhs)
        rows = session.exec(select(Patient).where(or_(*conditions))).all()
        facts = [
            PersonFacts(r.given_name, r.family_name, r.date_of_birth, r.dob_estimated, r.sex,
                        r.nhs_number, r.id)
            for r in rows
        ]
        new = PersonFacts(v.given, v.family, v.dob, v.estimated, v.sex.value, v.nhs)
        return find_candidates(new, facts)

    def check_duplicates(self, actor: Actor | None, person: NewPatient) -> list[DuplicateCandidate]:
        """Possible duplicates of ``person``, best first (validates ``person`` too)."""
        reader_role(actor)
        v = self._validate(person)
        with self._db.read() as uow:
            return self._candidates(uow.session, v)

    # ----------------------------------------------------------------- registration

    def register(
        self,
        actor: Actor | None,
        person: NewPatient,
        *,
        kind: str | RegistrationKind = RegistrationKind.PERMANENT,
        start: dt.date | None = None,
        planned_end: dt.date | None = None,
        decision: str | DuplicateDecision | None = None,
        same_as: int | None = None,
    ) -> RegistrationResult:
        """Register ``person`` as permanent, temporary resident or immediately necessary.

        If possible duplicates exist and no ``decision`` is given, raises
        :class:`PossibleDuplicates` and writes nothing. ``decision="new_person"`` saves a new
        record; ``decision="same_person", same_as=<id>`` saves it and links it to that record
        (both histories kept, audited as ``link_patients``).
        """
        require(actor, Permission.REGISTER_PATIENT)
        assert actor is not None
        v = self._validate(person)
        today = self._clock.today()
        period = plan_period(
            kind, start or today, planned_end, today=today,
            temporary_max_days=self._config.registration.temporary_max_days,
            immediately_necessary_cover_days=self._config.registration.immediately_necessary_cover_days,
        )
        if period.start < v.dob:
            raise InvalidInput("start", f"{period.start} is before the date of birth {v.dob}")
        dec: DuplicateDecision | None = None
        if decision is not None:
            try:
                dec = DuplicateDecision(decision)
            except ValueError:
                raise InvalidInput(
                    "decision", f"{decision!r} is not new_person or same_person"
                ) from None
        if dec is DuplicateDecision.SAME_PERSON and same_as is None:
            raise InvalidInput("same_as", "say which record this person is the same as")
        if same_as is not None and dec is not DuplicateDecision.SAME_PERSON:
            if dec is None:
                dec = DuplicateDecision.SAME_PERSON
            else:
                raise InvalidInput("same_as", "only used when the decision is same_person")
        window = self._config.registration.health_check_window_days

        def work(uow: UnitOfWork) -> RegistrationResult:
            s = uow.session
            candidates = self._candidates(s, v)
            if candidates and dec is None:
                raise PossibleDuplicates(candidates)
            link_to: int | None = None
            nhs = v.nhs
            status = v.status
            unavailable = v.unavailable
            if dec is DuplicateDecision.SAME_PERSON:
                assert same_as is not None
                target = s.get(Patient, same_as)
                if target is None:
                    raise NotFound("patient", same_as)
                link_to = target.linked_to_id or same_as
                if nhs is not None and target.nhs_number == nhs:
                    # The number lives on the record it was first given to; both are linked.
                    nhs, status, unavailable = None, None, UnavailableReason.NOT_KNOWN
            if nhs is not None:
                holder = s.exec(select(Patient).where(Patient.nhs_number == nhs)).first()
                if holder is not None:
                    raise InvalidInput(
                        "nhs_number",
                        f"{nhs} is already recorded for patient #{holder.id}: check the number, "
                        f"or register as the same person as #{holder.id}",
                    )
            now = uow.clock.now()
            row = Patient(
                title=v.title, given_name=v.given, family_name=v.family,
                name_key=name_key(v.given, v.family), date_of_birth=v.dob,
                dob_estimated=v.estimated, sex=v.sex.value, nhs_number=nhs,
                nhs_number_status=status.value if status else None,
                nhs_number_unavailable_reason=unavailable.value if unavailable else None,
                ethnicity_code=v.ethnicity, created_at=now, updated_at=now,
            )
            apply_addresses(row, v.addresses)
            apply_contact(row, v.contact)
            apply_communication(row, v.communication)
            s.add(row)
            uow.flush()
            assert row.id is not None
            reg = Registration(
                patient_id=row.id, kind=period.kind.value, start_date=period.start,
                planned_end=period.planned_end, created_at=now,
            )
            s.add(reg)
            for spec in v.adjustments:
                insert_adjustment(s, row.id, spec, period.start, actor.username)
            due = health_check_due(period.start, window)
            task = Task(patient_id=row.id, kind=HEALTH_CHECK_TASK, created_on=today, due_date=due)
            s.add(task)
            uow.flush()
            if link_to is not None:
                row.linked_to_id = link_to
                s.add(row)
                uow.session.info["action"] = "link_patients"
                uow.flush()
                uow.session.info["action"] = "register_patient"
            assert task.id is not None
            return RegistrationResult(
                patient=record_from_row(row, [reg]),
                registration=period_from_row(reg),
                health_check_due=due,
                health_check_task_id=task.id,
                linked_to_id=link_to,
                candidates=tuple(candidates),
            )

        return self._db.run_write(actor, "register_patient", work)

    def link(self, actor: Actor | None, patient_id: int, same_as: int) -> PatientRecord:
        """Confirm two existing records are the same person. Both stay, with their histories;
        ``patient_id`` points at ``same_as`` (or at the record ``same_as`` already points at)."""
        require(actor, Permission.EDIT_PATIENT)
        if patient_id == same_as:
            raise InvalidInput("same_as", "a record cannot be linked to itself")

        def work(uow: UnitOfWork) -> PatientRecord:
            row = uow.session.get(Patient, patient_id)
            target = uow.session.get(Patient, same_as)
            if row is None:
                raise NotFound("patient", patient_id)
            if target is None:
                raise NotFound("patient", same_as)
            root = target.linked_to_id or same_as
            if root == patient_id:
                raise InvalidInput("same_as", f"#{same_as} is already linked to #{patient_id}")
            row.linked_to_id = root
            row.updated_at = uow.clock.now()
            uow.session.add(row)
            # Records that pointed at this one now point at the root too (one level deep).
            for other in uow.session.exec(
                select(Patient).where(Patient.linked_to_id == patient_id)
            ).all():
                other.linked_to_id = root
                uow.session.add(other)
            return record_from_row(row, periods_of(uow.session, patient_id))

        return self._db.run_write(actor, "link_patients", work)

    def deregister(
        self,
        actor: Actor | None,
        patient_id: int,
        reason: str | DeregistrationReason,
        *,
        on: dt.date | None = None,
        detail: str | None = None,
    ) -> RegistrationPeriod:
        """End the current registration: ``on`` is the last day registered."""
        require(actor, Permission.DEREGISTER_PATIENT)
        on = on or self._clock.today()

        def work(uow: UnitOfWork) -> RegistrationPeriod:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            open_rows = [
                r for r in periods_of(uow.session, patient_id)
                if r.end_date is None and covers(r.start_date, None, on, r.planned_end)
            ]
            if not open_rows:
                raise InvalidInput("patient", f"patient #{patient_id} is not registered on {on}")
            reg = open_rows[-1]
            why, text = check_deregistration(period_from_row(reg), on, reason, detail)
            reg.end_date = on
            reg.end_reason = why.value
            reg.end_detail = text
            uow.session.add(reg)
            return period_from_row(reg)

        return self._db.run_write(actor, "deregister_patient", work)

    def reregister(
        self,
        actor: Actor | None,
        patient_id: int,
        *,
        kind: str | RegistrationKind = RegistrationKind.PERMANENT,
        start: dt.date | None = None,
        planned_end: dt.date | None = None,
    ) -> RegistrationResult:
        """Register a known patient again: a new period; earlier periods are kept."""
        require(actor, Permission.REGISTER_PATIENT)
        assert actor is not None
        today = self._clock.today()
        period = plan_period(
            kind, start or today, planned_end, today=today,
            temporary_max_days=self._config.registration.temporary_max_days,
            immediately_necessary_cover_days=self._config.registration.immediately_necessary_cover_days,
        )
        window = self._config.registration.health_check_window_days

        def work(uow: UnitOfWork) -> RegistrationResult:
            # Locked so two terminals re-registering one person cannot both see no overlap.
            row = uow.session.get(Patient, patient_id, with_for_update=True)
            if row is None:
                raise NotFound("patient", patient_id)
            existing = periods_of(uow.session, patient_id)
            for r in existing:
                p = period_from_row(r)
                if p.overlaps(period.start, period.last_day):
                    raise InvalidInput(
                        "start",
                        f"patient #{patient_id} is already registered ({p.kind.label}) from "
                        f"{p.start}{' to ' + str(p.last_day) if p.last_day else ''}; "
                        "deregister first or choose a later start",
                    )
            if period.start < row.date_of_birth:
                raise InvalidInput("start", f"{period.start} is before the date of birth")
            reg = Registration(
                patient_id=patient_id, kind=period.kind.value, start_date=period.start,
                planned_end=period.planned_end, created_at=uow.clock.now(),
            )
            uow.session.add(reg)
            due = health_check_due(period.start, window)
            task = Task(patient_id=patient_id, kind=HEALTH_CHECK_TASK, created_on=today, due_date=due)
            uow.session.add(task)
            uow.flush()
            assert task.id is not None
            return RegistrationResult(
                patient=record_from_row(row, [*existing, reg]),
                registration=period_from_row(reg),
                health_check_due=due,
                health_check_task_id=task.id,
            )

        return self._db.run_write(actor, "reregister_patient", work)

