"""Registering anyone who asks, and reading the record back by role.

Registration needs a name, a date of birth (estimated if unknown) and sex/gender as recorded —
nothing else. There is deliberately no parameter that could make ID, proof of address or
immigration status a condition of registering. Before a new record is saved the possible
duplicates are shown; the caller then says "new person" or "same person" (which links the two
records, keeping both histories). Registering creates the new-patient health check task; nothing
waits for it.

Every read (show, find, list, needs, FHIR export) goes through the one role filter in
:mod:`inclusion_practice.services.flags`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process
from sqlmodel import Session, col, or_, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.addresses import (
    Addresses,
    ContactDetails,
    ContactRoute,
    CorrespondenceKind,
    check_addresses,
    check_contact,
)
from inclusion_practice.domain.adjustments import AdjustmentSpec, check_adjustment
from inclusion_practice.domain.communication import (
    Communication,
    InterpreterGender,
    check_communication,
)
from inclusion_practice.domain.duplicates import (
    DuplicateCandidate,
    DuplicateDecision,
    PersonFacts,
    find_candidates,
    search_window,
)
from inclusion_practice.domain.interpreters import InterpreterMode
from inclusion_practice.domain.names import clean_name, fold, name_key
from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.domain.nhs_number import (
    UnavailableReason,
    VerificationStatus,
    normalise_nhs_number,
    resolve_identity,
)
from inclusion_practice.domain.patient_record import (
    PatientListItem,
    PatientRecord,
    PatientView,
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
from inclusion_practice.domain.roles import Permission, Role
from inclusion_practice.domain.span import covers
from inclusion_practice.errors import InclusionPracticeError, InvalidInput, NoActingUser, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.adjustments import active_adjustments, insert_adjustment
from inclusion_practice.services.flags import visible_flags
from inclusion_practice.storage.active import active_on
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.patient_facts import (
    NameKeyCache,
    load_needs,
    load_needs_many,
)
from inclusion_practice.storage.patient_facts import is_registered as _is_registered_row
from inclusion_practice.storage.tables import Patient, Registration, Task

HEALTH_CHECK_TASK = "new_patient_health_check"


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


def _periods(session: Session, patient_id: int) -> list[Registration]:
    return list(
        session.exec(
            select(Registration).where(Registration.patient_id == patient_id)
            .order_by(col(Registration.start_date), col(Registration.id))
        ).all()
    )


def _reader(actor: Actor | None) -> Role:
    if actor is None:
        raise NoActingUser()
    return Role(actor.role)


@dataclass(frozen=True)
class HealthCheckDue:
    """An open new-patient health check."""

    task_id: int
    patient_id: int
    display_name: str
    registered_on: dt.date
    due_date: dt.date
    overdue: bool


FUZZY_MIN_CHARS = 4
"""Below this many letters a fuzzy match means little (type-ahead's first keystrokes): only
substring matches are offered."""


class PatientService:
    """Registration, identity, addresses, contact, communication — and role-filtered reads."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._name_keys = NameKeyCache()
        self._db = db
        self._config = config
        self._clock = clock

    # ----------------------------------------------------------------- reads for other areas

    def needs(self, actor: Actor | None, patient_id: int, on: dt.date | None = None) -> AccessNeeds:
        """What this patient needs to be seen (role-safe: never a flag category)."""
        _reader(actor)
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            return load_needs(uow.session, patient_id, on or self._clock.today())

    def is_registered(self, patient_id: int, on: dt.date) -> bool:
        """Registered on ``on`` under any period (indicators: "registered on 31 March")."""
        with self._db.read() as uow:
            return _is_registered_row(uow.session, patient_id, on)

    def registrations(self, patient_id: int) -> list[RegistrationPeriod]:
        """Every registration period of the patient, oldest first (history is kept)."""
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            return [period_from_row(r) for r in _periods(uow.session, patient_id)]

    def registration_on(self, patient_id: int, on: dt.date) -> RegistrationPeriod | None:
        from inclusion_practice.domain.registration import period_on

        return period_on(self.registrations(patient_id), on)

    def registered_on(self, on: dt.date) -> list[int]:
        """Ids of every patient registered on ``on`` (as of any date)."""
        with self._db.read() as uow:
            ids = uow.session.exec(
                select(Registration.patient_id).where(active_on(Registration, on))
            ).all()
            return sorted(set(ids))

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
        _reader(actor)
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
            return record_from_row(row, _periods(uow.session, patient_id))

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
                r for r in _periods(uow.session, patient_id)
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
            existing = _periods(uow.session, patient_id)
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

    # ----------------------------------------------------------------- edits

    def _edit(self, actor: Actor | None, patient_id: int, action: str, fn: Any) -> PatientRecord:
        require(actor, Permission.EDIT_PATIENT)

        def work(uow: UnitOfWork) -> PatientRecord:
            row = uow.session.get(Patient, patient_id)
            if row is None:
                raise NotFound("patient", patient_id)
            fn(uow.session, row)
            row.updated_at = uow.clock.now()
            uow.session.add(row)
            uow.flush()
            return record_from_row(row, _periods(uow.session, patient_id))

        return self._db.run_write(actor, action, work)

    def update_communication(
        self,
        actor: Actor | None,
        patient_id: int,
        main_language: str | None = None,
        *,
        dialect: str | None = None,
        interpreter_needed: bool | None = None,
        interpreter_mode: str | None = None,
        interpreter_gender: str | None = None,
        no_family_interpreter: bool = False,
    ) -> PatientRecord:
        """Replace the communication needs (language, dialect, interpreter and preferences)."""
        comm = check_communication(
            main_language, dialect=dialect, interpreter_needed=interpreter_needed,
            interpreter_mode=interpreter_mode, interpreter_gender=interpreter_gender,
            no_family_interpreter=no_family_interpreter,
        )
        return self._edit(
            actor, patient_id, "edit_communication", lambda _s, row: apply_communication(row, comm)
        )

    def update_contact(
        self,
        actor: Actor | None,
        patient_id: int,
        route: str | None = None,
        *,
        phone: str | None = None,
        email: str | None = None,
        keyworker_name: str | None = None,
        keyworker_phone: str | None = None,
        keyworker_partner: str | None = None,
    ) -> PatientRecord:
        """Replace the contact route and the numbers it uses."""
        contact = check_contact(
            route, phone=phone, email=email, keyworker_name=keyworker_name,
            keyworker_phone=keyworker_phone, keyworker_partner=keyworker_partner,
            partners={p.code for p in self._config.partners},
        )
        return self._edit(actor, patient_id, "edit_contact", lambda _s, row: apply_contact(row, contact))

    def update_addresses(
        self,
        actor: Actor | None,
        patient_id: int,
        *,
        usual_address: Sequence[str] = (),
        usual_postcode: str | None = None,
        no_fixed_abode: bool = False,
        correspondence: str | None = None,
        care_of_partner: str | None = None,
        correspondence_address: Sequence[str] = (),
        correspondence_postcode: str | None = None,
        correspondence_from: dt.date | None = None,
        correspondence_to: dt.date | None = None,
        post_check_agreed_on: dt.date | None = None,
    ) -> PatientRecord:
        """Replace the usual residence and correspondence address (the old ones stay in the
        audit trail)."""
        addresses = check_addresses(
            usual_lines=usual_address, usual_postcode=usual_postcode,
            no_fixed_abode=no_fixed_abode, correspondence_kind=correspondence,
            partner=care_of_partner, correspondence_lines=correspondence_address,
            correspondence_postcode=correspondence_postcode,
            correspondence_from=correspondence_from, correspondence_to=correspondence_to,
            post_check_agreed_on=post_check_agreed_on,
            partners={p.code for p in self._config.partners}, today=self._clock.today(),
        )
        return self._edit(
            actor, patient_id, "edit_addresses", lambda _s, row: apply_addresses(row, addresses)
        )

    def update_identity(
        self,
        actor: Actor | None,
        patient_id: int,
        *,
        nhs_number: str | None = None,
        nhs_number_status: str | None = None,
        nhs_number_unavailable_reason: str | None = None,
    ) -> PatientRecord:
        """Record an NHS number found later, or the result of a trace (status 01–08)."""
        nhs, status, unavailable = resolve_identity(
            nhs_number, nhs_number_status, nhs_number_unavailable_reason
        )

        def apply(session: Session, row: Patient) -> None:
            if nhs is not None:
                holder = session.exec(select(Patient).where(Patient.nhs_number == nhs)).first()
                if holder is not None and holder.id != row.id:
                    raise InvalidInput("nhs_number", f"{nhs} is already recorded for patient #{holder.id}")
            row.nhs_number = nhs
            row.nhs_number_status = status.value if status else None
            row.nhs_number_unavailable_reason = unavailable.value if unavailable else None

        return self._edit(actor, patient_id, "edit_identity", apply)

    # ----------------------------------------------------------------- role-filtered reads

    def get(self, actor: Actor | None, patient_id: int) -> PatientRecord:
        """The stored record (identity, addresses, contact, communication, registrations)."""
        _reader(actor)
        with self._db.read() as uow:
            row = uow.session.get(Patient, patient_id)
            if row is None:
                raise NotFound("patient", patient_id)
            return record_from_row(row, _periods(uow.session, patient_id))

    def health_checks_due(
        self, actor: Actor | None, *, within_days: int = 7, on: dt.date | None = None
    ) -> list[HealthCheckDue]:
        """New-patient health checks not yet done and due within ``within_days`` (overdue
        first). Nothing waits for them; this is the list reception offers them from."""
        _reader(actor)
        if within_days < 0:
            raise InvalidInput("within_days", "must be zero or more")
        today = on or self._clock.today()
        horizon = today + dt.timedelta(days=within_days)
        with self._db.read() as uow:
            rows = uow.session.exec(
                select(Task, Patient)
                .join(Patient, col(Patient.id) == col(Task.patient_id))
                .where(Task.kind == HEALTH_CHECK_TASK, Task.status == "due",
                       Task.due_date <= horizon)
                .order_by(col(Task.due_date), col(Task.id))
            ).all()
            return [
                HealthCheckDue(
                    task_id=t.id or 0, patient_id=p.id or 0,
                    display_name=f"{p.given_name} {p.family_name}",
                    registered_on=t.created_on, due_date=t.due_date, overdue=t.due_date < today,
                )
                for t, p in rows
            ]

    def complete_health_check(
        self, actor: Actor | None, patient_id: int, *, outcome: str, on: dt.date | None = None
    ) -> HealthCheckDue:
        """Mark the patient's open new-patient health check done, with what happened."""
        require(actor, Permission.EDIT_PATIENT)
        outcome = " ".join((outcome or "").split())
        if not outcome:
            raise InvalidInput("outcome", "say what was done (e.g. 'health check completed')")
        if len(outcome) > 500:
            raise InvalidInput("outcome", "is longer than 500 characters")
        day = on or self._clock.today()

        def work(uow: UnitOfWork) -> HealthCheckDue:
            s = uow.session
            patient = s.get(Patient, patient_id)
            if patient is None:
                raise NotFound("patient", patient_id)
            task = s.exec(
                select(Task).where(Task.patient_id == patient_id, Task.kind == HEALTH_CHECK_TASK,
                                   Task.status == "due").order_by(col(Task.due_date))
            ).first()
            if task is None:
                raise InvalidInput("patient_id", f"patient {patient_id} has no health check due")
            if day < task.created_on:
                raise InvalidInput("on", "is before the registration that created the check")
            task.status = "done"
            task.completed_on = day
            task.outcome = outcome
            s.add(task)
            return HealthCheckDue(task.id or 0, patient_id,
                                  f"{patient.given_name} {patient.family_name}",
                                  task.created_on, task.due_date, task.due_date < day)

        return self._db.run_write(actor, "complete_health_check", work)

    def show(self, actor: Actor | None, patient_id: int) -> PatientView:
        """The record as the actor's role may see it: restricted flags only for clinical roles;
        the needs that follow from every flag for all."""
        role = _reader(actor)
        today = self._clock.today()
        with self._db.read() as uow:
            s = uow.session
            row = s.get(Patient, patient_id)
            if row is None:
                raise NotFound("patient", patient_id)
            record = record_from_row(row, _periods(s, patient_id))
            flags = visible_flags(s, self._config, role, [patient_id], on=today)[patient_id]
            adjustments = active_adjustments(s, [patient_id], today)[patient_id]
            needs = load_needs(s, patient_id, today)
            task = s.exec(
                select(Task).where(
                    Task.patient_id == patient_id, Task.kind == HEALTH_CHECK_TASK,
                    Task.status == "due",
                ).order_by(col(Task.due_date))
            ).first()
            linked = s.exec(
                select(Patient.id).where(
                    or_(Patient.linked_to_id == patient_id,
                        col(Patient.id) == (row.linked_to_id or -1),
                        Patient.linked_to_id == (row.linked_to_id or -1))
                )
            ).all()
            return PatientView(
                record=record,
                flags=tuple(flags),
                adjustments=tuple(adjustments),
                needs=needs,
                registered_today=record.registered_on(today),
                health_check_due=task.due_date if task else None,
                linked_records=tuple(sorted(i for i in linked if i is not None and i != patient_id)),
            )

    def _items(self, s: Session, role: Role, rows: Sequence[Patient]) -> list[PatientListItem]:
        today = self._clock.today()
        ids = [r.id for r in rows if r.id is not None]
        flags = visible_flags(s, self._config, role, ids, on=today)
        registered = set(
            s.exec(
                select(Registration.patient_id).where(
                    col(Registration.patient_id).in_(ids), active_on(Registration, today)
                )
            ).all()
        ) if ids else set()
        needs = load_needs_many(s, ids, today)
        out = []
        for r in rows:
            assert r.id is not None
            labels = tuple(
                dict.fromkeys(
                    f.label + (f" ({f.subcategory.replace('_', ' ')})" if f.subcategory else "")
                    for f in flags[r.id]
                )
            )
            out.append(
                PatientListItem(
                    id=r.id, display_name=f"{r.given_name} {r.family_name}",
                    date_of_birth=r.date_of_birth, dob_estimated=r.dob_estimated,
                    sex=Sex(r.sex), nhs_number=r.nhs_number,
                    registered_today=r.id in registered, flag_labels=labels,
                    needs=tuple(needs[r.id].summary()),
                    linked_to_id=r.linked_to_id,
                )
            )
        return out

    def find(self, actor: Actor | None, text: str, *, limit: int = 20) -> list[PatientListItem]:
        """Search by NHS number, ``#id``, date of birth (YYYY-MM-DD) or name (accent-, hyphen-
        and spacing-insensitive, fuzzy). Results carry only the flags the role may see."""
        role = _reader(actor)
        query = " ".join((text or "").split())
        if not query:
            raise InvalidInput("text", "is empty")
        with self._db.read() as uow:
            s = uow.session
            rows: list[Patient] = []
            digits = query.replace(" ", "").replace("-", "")
            if query.startswith("#") and query[1:].isdigit():
                row = s.get(Patient, int(query[1:]))
                rows = [row] if row else []
            elif digits.isdigit() and len(digits) == 10:
                number = normalise_nhs_number(digits, "text")
                rows = list(s.exec(select(Patient).where(Patient.nhs_number == number)).all())
            elif _is_date(query):
                rows = list(
                    s.exec(
                        select(Patient).where(Patient.date_of_birth == dt.date.fromisoformat(query))
                        .order_by(col(Patient.family_name))
                    ).all()
                )
            else:
                key = fold(query)
                stmt = select(Patient)
                for word in key.split():
                    stmt = stmt.where(col(Patient.name_key).contains(word))
                rows = list(s.exec(stmt.order_by(col(Patient.name_key)).limit(limit)).all())
                if len(rows) < limit and len(key.replace(" ", "")) >= FUZZY_MIN_CHARS:
                    seen = {r.id for r in rows}
                    choices = {
                        pid: k for pid, k in self._name_keys.current(s).items() if pid not in seen
                    }
                    matches = process.extract(
                        key, choices, scorer=fuzz.token_set_ratio, limit=limit - len(rows),
                        score_cutoff=80,
                    )
                    extra_ids = [m[2] for m in matches]
                    if extra_ids:
                        extra = {
                            r.id: r for r in s.exec(
                                select(Patient).where(col(Patient.id).in_(extra_ids))
                            ).all()
                        }
                        rows += [extra[i] for i in extra_ids if i in extra]
            return self._items(s, role, rows[:limit])

    def list(
        self, actor: Actor | None, *, registered_on: dt.date | None = None, limit: int = 200
    ) -> list[PatientListItem]:
        """Patients (registered on a day, if given), with role-filtered flags and needs."""
        role = _reader(actor)
        with self._db.read() as uow:
            s = uow.session
            stmt = select(Patient)
            if registered_on is not None:
                ids = self.registered_on(registered_on)
                stmt = stmt.where(col(Patient.id).in_(ids))
            rows = s.exec(stmt.order_by(col(Patient.family_name), col(Patient.id)).limit(limit)).all()
            return self._items(s, role, list(rows))


    def fhir_bundle(self, actor: Actor | None, patient_id: int) -> dict[str, Any]:
        """A FHIR collection Bundle: the Patient, the flags the actor's role may see, and the
        reasonable adjustments. Goes through the same role filter as ``show``."""
        from inclusion_practice.fhir.flag import adjustment_to_fhir, flag_to_fhir
        from inclusion_practice.fhir.patient import patient_to_fhir
        from inclusion_practice.fhir.urls import BASE

        role = _reader(actor)
        today = self._clock.today()
        with self._db.read() as uow:
            s = uow.session
            row = s.get(Patient, patient_id)
            if row is None:
                raise NotFound("patient", patient_id)
            record = record_from_row(row, _periods(s, patient_id))
            flags = visible_flags(s, self._config, role, [patient_id], on=today,
                                  include_ended=True)[patient_id]
            from inclusion_practice.services.adjustments import to_record as adj_record
            from inclusion_practice.storage.tables import Adjustment

            adjustments = [
                adj_record(a) for a in s.exec(
                    select(Adjustment).where(Adjustment.patient_id == patient_id)
                    .order_by(col(Adjustment.id))
                ).all()
            ]
        resources = [patient_to_fhir(record, self._config, today=today)]
        resources += [flag_to_fhir(f, today=today) for f in flags]
        resources += [adjustment_to_fhir(a, today=today) for a in adjustments]
        return {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": self._clock.now().replace(tzinfo=ZoneInfo("Europe/London")).isoformat(),
            "entry": [
                {"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r}
                for r in resources
            ],
        }

def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
