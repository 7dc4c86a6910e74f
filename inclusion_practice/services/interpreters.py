"""Interpreter notes on appointments and the admin team's day list.

Booking an appointment for a patient who needs an interpreter creates a "to book" note from
their record; reception or admin completes it (agency reference, interpreter's name, a note for
the clinician). The day list shows, for tomorrow and the next days, the interpreters still to
book and those to cancel because the appointment was cancelled or moved (the practice is
charged otherwise).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain import interpreters as rules
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.interpreters import InterpreterStatus
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.appointments import InterpreterInfo, interpreter_info
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.patient_facts import patient_names
from inclusion_practice.storage.tables import Appointment, ClinicSession, InterpreterBooking


@dataclass(frozen=True)
class InterpreterDue:
    """One line of the day list."""

    booking_id: int
    appointment_id: int
    status: str
    start: dt.datetime
    minutes: int
    clinician: str
    location: str
    patient_name: str
    language: str
    dialect: str | None
    mode: str
    interpreter_gender: str | None
    agency_ref: str | None


class InterpreterService:
    """Interpreter notes and the list of interpreters to book or cancel."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def set_note(
        self,
        actor: Actor | None,
        appointment_id: int,
        *,
        language: str | None = None,
        dialect: str | None = None,
        mode: str | None = None,
        interpreter_gender: str | None = None,
        status: str | None = None,
        agency_ref: str | None = None,
        interpreter_name: str | None = None,
        note: str | None = None,
    ) -> InterpreterInfo:
        """Create or update the interpreter note on an appointment (fields left None are kept)."""
        require(actor, Permission.BOOK)
        lang = rules.parse_language(language) if language is not None else None
        mode_v = rules.parse_mode(mode)
        gender = rules.parse_gender(interpreter_gender)
        new_status = None
        if status is not None:
            try:
                new_status = InterpreterStatus(status)
            except ValueError:
                raise InvalidInput(
                    "status", f"{status!r} is not one of {', '.join(s.value for s in InterpreterStatus)}"
                ) from None
        for name, value in (("agency_ref", agency_ref), ("interpreter_name", interpreter_name),
                            ("note", note), ("dialect", dialect)):
            if value is not None and len(value) > (2000 if name == "note" else 100):
                raise InvalidInput(name, "too long")

        def work(uow: UnitOfWork) -> InterpreterInfo:
            appt = uow.session.get(Appointment, appointment_id)
            if appt is None:
                raise NotFound("appointment", appointment_id)
            row = uow.session.exec(
                select(InterpreterBooking)
                .where(InterpreterBooking.appointment_id == appointment_id)
                .order_by(col(InterpreterBooking.id).desc())
            ).first()
            now = uow.clock.now()
            if row is None:
                if lang is None:
                    raise InvalidInput("language", "needed for a new interpreter note")
                minutes = int((appt.end - appt.start).total_seconds() // 60)
                row = InterpreterBooking(
                    appointment_id=appointment_id, language=lang,
                    mode=(mode_v or rules.suggest_mode(lang, minutes)).value,
                    status=InterpreterStatus.TO_BOOK.value, updated_at=now,
                )
            if new_status is not None:
                rules.check_transition(row.status, new_status)
                row.status = new_status.value
            if new_status is InterpreterStatus.BOOKED and not (agency_ref or row.agency_ref):
                raise InvalidInput("agency_ref", "give the agency's booking reference")
            if lang is not None:
                row.language = lang
            if mode_v is not None:
                row.mode = mode_v.value
            if gender is not None:
                row.interpreter_gender = gender
            if dialect is not None:
                row.dialect = dialect.strip() or None
            if agency_ref is not None:
                row.agency_ref = agency_ref.strip() or None
            if interpreter_name is not None:
                row.interpreter_name = interpreter_name.strip() or None
            if note is not None:
                row.note = note.strip() or None
            row.updated_at = now
            uow.session.add(row)
            uow.flush()
            return interpreter_info(row)

        return self._db.run_write(actor, "interpreter_note", work)

    def get(self, appointment_id: int) -> InterpreterInfo | None:
        with self._db.read() as uow:
            row = uow.session.exec(
                select(InterpreterBooking)
                .where(InterpreterBooking.appointment_id == appointment_id)
                .order_by(col(InterpreterBooking.id).desc())
            ).first()
            return interpreter_info(row) if row else None

    def due(self, days: int = 1, start: dt.date | None = None) -> list[InterpreterDue]:
        """Interpreters to book or to cancel, for tomorrow and the ``days - 1`` days after.

        ``to_cancel`` entries are listed whatever their date: cancelling late still saves money.
        """
        if days < 1 or days > 60:
            raise InvalidInput("days", "must be between 1 and 60")
        first = start or self._clock.today() + dt.timedelta(days=1)
        last = first + dt.timedelta(days=days - 1)
        with self._db.read() as uow:
            rows = uow.session.exec(
                select(InterpreterBooking, Appointment, ClinicSession)
                .join(Appointment, col(Appointment.id) == col(InterpreterBooking.appointment_id))
                .join(ClinicSession, col(ClinicSession.id) == col(Appointment.session_id))
                .where(
                    col(InterpreterBooking.status).in_(
                        [InterpreterStatus.TO_BOOK.value, InterpreterStatus.TO_CANCEL.value]
                    ),
                    ClinicSession.session_date <= last,
                    ClinicSession.session_date >= self._clock.today(),
                )
            ).all()
            names = patient_names(uow.session, {a.patient_id for _, a, _ in rows})
        out = [
            InterpreterDue(
                booking_id=b.id or 0, appointment_id=a.id or 0, status=b.status, start=a.start,
                minutes=int((a.end - a.start).total_seconds() // 60), clinician=s.clinician_code,
                location=s.location, patient_name=names.get(a.patient_id, ""),
                language=b.language, dialect=b.dialect, mode=b.mode,
                interpreter_gender=b.interpreter_gender, agency_ref=b.agency_ref,
            )
            for b, a, s in rows
            if b.status == InterpreterStatus.TO_CANCEL.value or s.session_date >= first
        ]
        out.sort(key=lambda d: (d.status != InterpreterStatus.TO_CANCEL.value, d.start))
        return out
