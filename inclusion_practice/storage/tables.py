"""The database tables.

Tables are storage, not the domain: services translate between these rows and the domain types.
Enumerated values are stored as short strings (the domain's ``StrEnum`` values) so that adding a
value never needs a schema change. Patient data is never deleted: rows carry end dates or
statuses instead, and every change is audited (see :mod:`inclusion_practice.storage.audit`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel


class AppUser(SQLModel, table=True):
    """A person who signs in: receptionist, clinician, manager or admin."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    password_hash: str | None = Field(default=None, max_length=200)
    clinician_code: str | None = Field(default=None, max_length=64)
    """Links a clinician user to the clinician in practice.toml."""
    created_at: dt.datetime = Field(sa_type=DateTime)
    ended_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    """Users are ended, never deleted: audit rows name them."""
    sign_in_unlocked_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    """When an admin last cleared a sign-in lockout (``users unlock``; audited as a change)."""


class AuditEvent(SQLModel, table=True):
    """One change to patient data: who, when, what. Append-only; each row carries its own
    keyed MAC and is linked into the chain after commit (:class:`AuditLink`)."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: dt.datetime = Field(sa_type=DateTime, index=True)
    actor: str = Field(max_length=64)
    actor_role: str = Field(max_length=20)
    action: str = Field(max_length=80)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=40)
    changes: str = Field(sa_column=Column(Text, nullable=False))
    """JSON: for a new row, its values; for a change, ``{field: [old, new]}``."""
    prev_hash: str = Field(max_length=64)
    """Rows from before schema 0007 only: the previous row's hash in the old unkeyed chain
    (empty for keyed rows)."""
    hash: str = Field(max_length=64)
    """The row's HMAC-SHA256 under key ``key_id`` (before 0007: the unkeyed chain hash)."""
    key_id: str | None = Field(default=None, max_length=16)
    """Which key of the keyring made ``hash``; None for rows written before schema 0007."""
    nonce: str | None = Field(default=None, max_length=32)
    """Random, under the MAC: a copied row is told apart from the row it copies."""


class AuditLink(SQLModel, table=True):
    """The chain: audit rows in the order the sequencer sealed them. Each link's MAC covers
    the previous link's, its position and its row's MAC, so a removed, reordered or altered
    row breaks every later link for anyone without the key. Append-only."""

    __tablename__ = "audit_link"
    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    audit_event_id: int = Field(unique=True)
    key_id: str = Field(max_length=16)
    link_mac: str = Field(max_length=64)
    sealed_at: dt.datetime = Field(sa_type=DateTime)


class AuditPending(SQLModel, table=True):
    """Audit rows committed but not yet sealed into the chain (filled by a trigger on insert,
    emptied by the sequencer), so writers never wait for each other to chain their rows."""

    __tablename__ = "audit_pending"
    audit_event_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))


class Patient(SQLModel, table=True):
    """A person known to the practice (registered now, before, or being registered)."""

    __tablename__ = "patient"
    id: int | None = Field(default=None, primary_key=True)
    title: str | None = Field(default=None, max_length=20)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    name_key: str = Field(max_length=220, index=True)
    """Accent-, hyphen- and space-folded "given family" for search and duplicate checks."""
    date_of_birth: dt.date = Field(index=True)
    dob_estimated: bool = False
    """When the date of birth is unknown: 1 January of the estimated year, marked estimated."""
    sex: str = Field(max_length=10)
    """Sex/gender as recorded (FHIR administrative gender)."""
    nhs_number: str | None = Field(default=None, max_length=10, unique=True)
    nhs_number_status: str | None = Field(default=None, max_length=2)
    """UK Core NHS number verification status (England), 01–08."""
    nhs_number_unavailable_reason: str | None = Field(default=None, max_length=20)
    usual_address: str | None = Field(default=None, sa_column=Column(Text))
    """Newline-separated lines of the usual residence, if any."""
    usual_postcode: str | None = Field(default=None, max_length=8)
    no_fixed_abode: bool = False
    correspondence_kind: str = Field(default="usual", max_length=20)
    """usual | practice | partner | care_of | temporary | none (collect at reception)."""
    correspondence_partner: str | None = Field(default=None, max_length=64)
    correspondence_address: str | None = Field(default=None, sa_column=Column(Text))
    correspondence_postcode: str | None = Field(default=None, max_length=8)
    correspondence_from: dt.date | None = None
    correspondence_to: dt.date | None = None
    post_check_agreed_on: dt.date | None = None
    """When the practice address is used: the day the patient agreed to check in for post."""
    contact_route: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    keyworker_name: str | None = Field(default=None, max_length=200)
    keyworker_phone: str | None = Field(default=None, max_length=40)
    keyworker_partner: str | None = Field(default=None, max_length=64)
    main_language: str | None = Field(default=None, max_length=20)
    """BCP-47 tag, e.g. ``pl``, ``ti``, ``bfi`` (BSL)."""
    dialect: str | None = Field(default=None, max_length=100)
    interpreter_needed: bool = False
    interpreter_mode: str | None = Field(default=None, max_length=20)
    interpreter_gender: str | None = Field(default=None, max_length=10)
    no_family_interpreter: bool = False
    ethnicity_code: str | None = Field(default=None, max_length=20)
    linked_to_id: int | None = Field(default=None, foreign_key="patient.id")
    """Set when reception confirms two records are the same person; both histories stay."""
    source_id: str | None = Field(default=None, max_length=200, unique=True)
    """Identifier in a source system (FHIR import upserts by it)."""
    created_at: dt.datetime = Field(sa_type=DateTime)
    updated_at: dt.datetime = Field(sa_type=DateTime)


class Registration(SQLModel, table=True):
    """A period of registration. Re-registering adds a row; history is kept."""

    __tablename__ = "registration"
    __table_args__ = (Index("ix_registration_patient_dates", "patient_id", "start_date"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    kind: str = Field(max_length=30)
    """permanent | temporary | immediately_necessary."""
    start_date: dt.date
    planned_end: dt.date | None = None
    """Temporary residents and immediately necessary treatment end on this date."""
    end_date: dt.date | None = None
    """Last day registered, set on deregistration."""
    end_reason: str | None = Field(default=None, max_length=20)
    end_detail: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(sa_type=DateTime)


class Refusal(SQLModel, table=True):
    """A refused registration: recorded, and the person written to."""

    __tablename__ = "refusal"
    id: int | None = Field(default=None, primary_key=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    date_of_birth: dt.date | None = None
    refused_on: dt.date = Field(index=True)
    reason: str = Field(max_length=40)
    detail: str | None = Field(default=None, max_length=1000)
    written_reason_due: dt.date
    written_reason_sent_on: dt.date | None = None
    recorded_by: str = Field(max_length=64)
    age_years: int | None = None
    """Age on the refusal day if said (date of birth not known); migration 0005."""
    age_band: str | None = Field(default=None, max_length=10)
    """Age band on the refusal day, from the date of birth, the age or as given."""
    ethnic_category: str | None = Field(default=None, max_length=2)
    """UK Core ethnic category (England) code, optional, for equality monitoring."""


class Flag(SQLModel, table=True):
    """An inclusion-health flag with its period. Restricted categories are filtered by role."""

    __tablename__ = "flag"
    __table_args__ = (Index("ix_flag_patient_category", "patient_id", "category"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    category: str = Field(max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    snomed_code: str | None = Field(default=None, max_length=20)
    start_date: dt.date
    end_date: dt.date | None = None
    review_date: dt.date | None = None
    source: str = Field(max_length=20)
    """self_declared | outreach_team | clinician | imported."""
    recorded_by: str = Field(max_length=64)
    end_reason: str | None = Field(default=None, max_length=200)
    source_id: str | None = Field(default=None, max_length=200, unique=True)


class Adjustment(SQLModel, table=True):
    """A reasonable adjustment (NHS RA flag category 001–011, SNOMED code where one exists)."""

    __tablename__ = "adjustment"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    kind: str = Field(max_length=40)
    ra_category: str = Field(max_length=3)
    snomed_code: str | None = Field(default=None, max_length=20)
    detail: str | None = Field(default=None, max_length=500)
    start_date: dt.date
    end_date: dt.date | None = None
    recorded_by: str = Field(max_length=64)


class Task(SQLModel, table=True):
    """Work due for a patient, e.g. the new-patient health check."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_due", "status", "due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    kind: str = Field(max_length=40)
    created_on: dt.date
    due_date: dt.date
    status: str = Field(default="due", max_length=20)
    completed_on: dt.date | None = None
    outcome: str | None = Field(default=None, max_length=500)


class ClinicalEvent(SQLModel, table=True):
    """A coded entry in the record (SNOMED): what indicators count."""

    __tablename__ = "clinical_event"
    __table_args__ = (
        Index("ix_clinical_event_patient_code_date", "patient_id", "code", "event_date"),
        Index("ix_clinical_event_code_date", "code", "event_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    code: str = Field(max_length=20)
    system: str = Field(default="snomed", max_length=20)
    event_date: dt.date
    value: float | None = None
    resource_type: str | None = Field(default=None, max_length=30)
    """FHIR resource it came from or goes to (Observation, Procedure, Immunization, …)."""
    recorded_by: str = Field(max_length=64)
    source_id: str | None = Field(default=None, max_length=200, unique=True)
    display: str | None = Field(default=None, max_length=255)
    """The term as the source recorded it (the portable record prints it); migration 0008."""
    unit: str | None = Field(default=None, max_length=30)
    """The value's UCUM unit as recorded (``kg``, ``kg/m2``); migration 0008."""
    status: str | None = Field(default=None, max_length=20)
    """Clinical status as the source recorded it (Condition and AllergyIntolerance
    clinicalStatus, MedicationStatement status); NULL when it said none. Migration 0008."""


class Invitation(SQLModel, table=True):
    """An invitation sent for an indicator's care (for the "did not respond" adjustment)."""

    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_patient_topic", "patient_id", "topic", "sent_on"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    topic: str = Field(max_length=60)
    sent_on: dt.date
    method: str = Field(max_length=20)
    recorded_by: str = Field(max_length=64)


class ClinicSession(SQLModel, table=True):
    """One clinician's session on one day, generated from a weekly template."""

    __tablename__ = "clinic_session"
    __table_args__ = (
        UniqueConstraint("clinician_code", "session_date", "start_time", name="uq_session_start"),
        Index("ix_session_date", "session_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    clinician_code: str = Field(max_length=64)
    session_date: dt.date
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int
    slot_type: str = Field(max_length=20)
    location: str = Field(max_length=30)
    partner: str | None = Field(default=None, max_length=64)
    channels: str = Field(max_length=60)
    """Comma-separated delivery channels offered (in_person, telephone, video)."""
    template_key: str | None = Field(default=None, max_length=120)
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    cancel_reason: str | None = Field(default=None, max_length=500)


class Slot(SQLModel, table=True):
    """A bookable time in a session. Free unless an active hold references it."""

    __tablename__ = "slot"
    __table_args__ = (
        UniqueConstraint("session_id", "seq", name="uq_slot_session_seq"),
        Index("ix_slot_start", "start"),
    )
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="clinic_session.id")
    seq: int
    """Position in the session, from 0: contiguous slots have consecutive seq."""
    start: dt.datetime = Field(sa_type=DateTime)
    end: dt.datetime = Field(sa_type=DateTime)
    blocked: bool = False


class Appointment(SQLModel, table=True):
    """A booking of one or more contiguous slots of one session (or a walk-in)."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_patient_start", "patient_id", "start"),
        Index("ix_appointment_session", "session_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    session_id: int = Field(foreign_key="clinic_session.id")
    start: dt.datetime = Field(sa_type=DateTime)
    end: dt.datetime = Field(sa_type=DateTime)
    slot_count: int
    status: str = Field(max_length=20)
    """booked | arrived | seen | dna | cancelled_patient | cancelled_practice | left | walk_in."""
    channel: str = Field(max_length=20)
    booked_at: dt.datetime = Field(sa_type=DateTime)
    booked_by: str = Field(max_length=64)
    double_override_reason: str | None = Field(default=None, max_length=500)
    overbooked: bool = False
    comment: str | None = Field(default=None, max_length=2000)
    """For staff and the clinician."""
    patient_instruction: str | None = Field(default=None, max_length=2000)
    arrived_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    seen_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    minutes_late: int | None = None
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    cancel_reason: str | None = Field(default=None, max_length=500)
    late_cancellation: bool = False
    rescheduled_from_id: int | None = Field(default=None, foreign_key="appointment.id")
    source_id: str | None = Field(default=None, max_length=200, unique=True)


class SlotHold(SQLModel, table=True):
    """Which appointment holds which slot.

    ``active_slot_id`` equals ``slot_id`` while the hold is live and exclusive and is NULL once
    released (or for an explicit overbooking). Its UNIQUE constraint is what makes a double
    booking impossible in the database itself, on SQLite and PostgreSQL alike.
    """

    __tablename__ = "slot_hold"
    id: int | None = Field(default=None, primary_key=True)
    slot_id: int = Field(foreign_key="slot.id", index=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    active_slot_id: int | None = Field(default=None, foreign_key="slot.id", unique=True)
    released_at: dt.datetime | None = Field(default=None, sa_type=DateTime)


class InterpreterBooking(SQLModel, table=True):
    """The interpreter for an appointment: the practice books (and cancels) it."""

    __tablename__ = "interpreter_booking"
    __table_args__ = (Index("ix_interpreter_status", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    language: str = Field(max_length=20)
    dialect: str | None = Field(default=None, max_length=100)
    mode: str = Field(max_length=20)
    interpreter_gender: str | None = Field(default=None, max_length=10)
    status: str = Field(max_length=20)
    """to_book | booked | to_cancel | cancelled."""
    agency_ref: str | None = Field(default=None, max_length=100)
    interpreter_name: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    updated_at: dt.datetime = Field(sa_type=DateTime)


class DnaEvent(SQLModel, table=True):
    """A missed appointment. Every DNA is an event, never a counter."""

    __tablename__ = "dna_event"
    __table_args__ = (Index("ix_dna_patient_date", "patient_id", "occurred_at"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    occurred_at: dt.datetime = Field(sa_type=DateTime)
    reason: str = Field(default="no_show", max_length=20)
    """no_show | late (arrived beyond the lateness threshold)."""
    recorded_by: str = Field(max_length=64)
    voided_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    """Set if the DNA was recorded in error (the row stays)."""


class DnaAction(SQLModel, table=True):
    """An action the DNA policy decided, on the worklist until done."""

    __tablename__ = "dna_action"
    __table_args__ = (Index("ix_dna_action_status_due", "status", "due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    dna_event_id: int = Field(foreign_key="dna_event.id")
    policy: str = Field(max_length=20)
    """standard | flexible."""
    action: str = Field(max_length=40)
    priority: int = 0
    due_date: dt.date
    explanation: str = Field(sa_column=Column(Text, nullable=False))
    """JSON: the rule that fired, the DNAs counted, and why this policy applied."""
    status: str = Field(default="due", max_length=20)
    done_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    done_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=1000)


class Referral(SQLModel, table=True):
    """A referral to a partner service: who, why, consent to share, status and its dates.

    Never deleted: a referral that goes nowhere is ``declined`` or ``lost_to_follow_up``."""

    __tablename__ = "referral"
    __table_args__ = (Index("ix_referral_status_due", "status", "reply_due"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    partner_code: str = Field(max_length=64)
    service: str = Field(max_length=30)
    reason_code: str = Field(max_length=30)
    reason_text: str = Field(sa_column=Column(Text, nullable=False))
    consent: str = Field(max_length=20)
    """none | identity | summary (domain/mdt.ShareConsent)."""
    status: str = Field(max_length=20)
    referred_by: str = Field(max_length=64)
    sent_on: dt.date
    reply_due: dt.date
    status_changed_on: dt.date
    accepted_on: dt.date | None = None
    seen_on: dt.date | None = None
    closed_on: dt.date | None = None
    """When declined or lost to follow-up."""
    note: str | None = Field(default=None, max_length=2000)
    mdt_action_id: int | None = Field(default=None)
    """The MDT action this referral answers, if any."""


class MdtMeeting(SQLModel, table=True):
    """A multidisciplinary team meeting on a date. Cancelled, never deleted."""

    __tablename__ = "mdt_meeting"
    id: int | None = Field(default=None, primary_key=True)
    meeting_date: dt.date = Field(index=True)
    title: str = Field(max_length=200)
    status: str = Field(default="planned", max_length=20)
    created_by: str = Field(max_length=64)
    created_at: dt.datetime = Field(sa_type=DateTime)
    note: str | None = Field(default=None, max_length=1000)


class MdtAttendee(SQLModel, table=True):
    """Who attends: a practice user or a partner organisation (partners do not log in)."""

    __tablename__ = "mdt_attendee"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="mdt_meeting.id", index=True)
    kind: str = Field(max_length=10)
    """user | partner."""
    key: str = Field(max_length=64)
    """Username or partner code."""
    person: str | None = Field(default=None, max_length=200)
    """Who came for the partner (name or role), if given."""
    ended_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    """Taken off the list (sent apologies): ended, not erased."""


class MdtItem(SQLModel, table=True):
    """One patient on a meeting's agenda, and what was said and decided about them."""

    __tablename__ = "mdt_item"
    __table_args__ = (UniqueConstraint("meeting_id", "patient_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="mdt_meeting.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    position: int
    source: str = Field(max_length=10)
    """rules | hand."""
    rules: str = Field(default="", max_length=200)
    """The candidate rules that put the patient there (comma-separated MdtRule values)."""
    candidate_since: dt.date | None = None
    reason: str | None = Field(default=None, max_length=1000)
    """Why a patient was added by hand."""
    consent: str = Field(default="none", max_length=20)
    added_by: str = Field(max_length=64)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    lead_professional: str | None = Field(default=None, max_length=200)
    discussed_on: dt.date | None = None
    recorded_by: str | None = Field(default=None, max_length=64)
    withdrawn_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    withdrawn_reason: str | None = Field(default=None, max_length=500)


class MdtAction(SQLModel, table=True):
    """An action agreed at the MDT: owner (user or partner), due date, outcome."""

    __tablename__ = "mdt_action"
    __table_args__ = (Index("ix_mdt_action_status_due", "status", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="mdt_item.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    description: str = Field(max_length=1000)
    owner_kind: str = Field(max_length=10)
    owner: str = Field(max_length=64)
    due_on: dt.date
    status: str = Field(default="open", max_length=20)
    outcome: str | None = Field(default=None, max_length=2000)
    completed_on: dt.date | None = None
    created_by: str = Field(max_length=64)
    updated_by: str | None = Field(default=None, max_length=64)


class ApiToken(SQLModel, table=True):
    """A REST API token: only its SHA-256 hash is stored; it acts as one user, with their role."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    username: str = Field(max_length=64)
    label: str = Field(max_length=200)
    created_at: dt.datetime = Field(sa_type=DateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=DateTime)


class AccessEvent(SQLModel, table=True):
    """One read of patient records: who looked, when, through what, at how many patients.

    Append-only (migration 0006 triggers), and audited like a write, so each access row has
    its link in the tamper-evident audit chain (``audit verify`` covers the access log too).
    """

    __tablename__ = "access_event"
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: dt.datetime = Field(sa_type=DateTime, index=True)
    actor: str = Field(max_length=64, index=True)
    actor_role: str = Field(max_length=20)
    purpose: str = Field(max_length=80)
    """What was read, e.g. ``patient.show``, ``patient.find``, ``fhir.export``."""
    channel: str = Field(max_length=20)
    """cli | tui | rest | web | library."""
    patient_count: int
    patient_ids: str = Field(sa_column=Column(Text, nullable=False))
    """The patients read, as a JSON list (the audit row copies it into the chain)."""


class AccessSubject(SQLModel, table=True):
    """Index: which access events read which patient (answers "who looked at this person")."""

    __tablename__ = "access_subject"
    id: int | None = Field(default=None, primary_key=True)
    access_event_id: int = Field(foreign_key="access_event.id", index=True)
    patient_id: int = Field(index=True)


class SignInAttempt(SQLModel, table=True):
    """Every sign-in attempt, successful or not, on every channel. Append-only (migration 0004).

    ``username`` is the name as typed (normalised), so attempts on unknown names are counted and
    locked like any other; ``user_id`` is set only when that name is an account.
    """

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_username_at", "username", "at"),
        Index("ix_sign_in_attempt_terminal_at", "terminal", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_type=DateTime)
    username: str | None = Field(default=None, max_length=64)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    terminal: str = Field(max_length=200)
    channel: str = Field(max_length=10)
    outcome: str = Field(max_length=20)


class PortableConsent(SQLModel, table=True):
    """The patient's consent to a portable record (or its withdrawal), with the sections chosen.

    A coded, dated fact: a change of mind adds a row (the latest row is in force), so the history
    of what the patient agreed to carry is kept. Append-only (migration 0008) and audited."""

    __tablename__ = "portable_consent"
    __table_args__ = (Index("ix_portable_consent_patient", "patient_id", "recorded_at"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    code: str = Field(max_length=60)
    """``ip:portable-record-consent`` or ``ip:portable-record-consent-withdrawn`` (local codes)."""
    given: bool
    sections: str = Field(max_length=300)
    """The sections chosen, comma-separated (empty for a withdrawal)."""
    recorded_on: dt.date
    recorded_at: dt.datetime = Field(sa_type=DateTime)
    recorded_by: str = Field(max_length=64)


class PortablePrint(SQLModel, table=True):
    """One portable record handed over: printed card and summary, or the FHIR file.

    ``content`` is the summary exactly as printed (JSON), so a reprint shows what the clinician
    checked, and "last printed" is known. Append-only (migration 0008) and audited."""

    __tablename__ = "portable_print"
    __table_args__ = (Index("ix_portable_print_patient", "patient_id", "printed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    consent_id: int = Field(foreign_key="portable_consent.id")
    printed_at: dt.datetime = Field(sa_type=DateTime)
    printed_by: str = Field(max_length=64)
    channel: str = Field(max_length=20)
    output: str = Field(max_length=20)
    """``card`` (PDF summary and wallet card) or ``fhir`` (the document as a file)."""
    layout: str = Field(max_length=20)
    reprint_of_id: int | None = Field(default=None, foreign_key="portable_print.id")
    qr_kind: str | None = Field(default=None, max_length=20)
    qr_bytes: int | None = None
    content: str = Field(sa_column=Column(Text, nullable=False))
    content_sha256: str = Field(max_length=64)


class DatabaseMarker(SQLModel, table=True):
    """Facts about the database itself; ``kind = 'demo'`` is written only by ``demo`` when it
    builds a synthetic practice into an empty database (command-line writes then need no
    credential). Audited, and nothing in the library changes or removes a marker."""

    __tablename__ = "database_marker"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, unique=True)
    created_at: dt.datetime = Field(sa_type=DateTime)
    detail: str = Field(max_length=200)


AUDITED_TABLES: frozenset[str] = frozenset(
    {
        "access_event",
        "patient",
        "registration",
        "refusal",
        "flag",
        "adjustment",
        "task",
        "clinical_event",
        "invitation",
        "appointment",
        "slot_hold",
        "interpreter_booking",
        "dna_event",
        "dna_action",
        "clinic_session",
        "app_user",
        "api_token",
        "database_marker",
        "portable_consent",
        "portable_print",
        "referral",
        "mdt_meeting",
        "mdt_attendee",
        "mdt_item",
        "mdt_action",
    }
)
"""Tables whose every insert and update appends an audit row (in the same transaction)."""
