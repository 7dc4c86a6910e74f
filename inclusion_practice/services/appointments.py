"""Booking, cancelling, moving and recording attendance.

A booking of one or N contiguous slots is one transaction: the appointment and one hold per
slot. Each live hold sets ``slot_hold.active_slot_id``, which is UNIQUE, so the database itself
refuses a second live hold on a slot — on SQLite (where writers queue behind ``BEGIN
IMMEDIATE`` and the service's check sees the first booking) and on PostgreSQL (where the racer
that loses gets a unique violation). Either way the loser gets :class:`SlotJustTaken` with the
next free alternatives. Overbooking is the one exception: a privileged, audited override whose
holds are not live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain import attendance as att
from inclusion_practice.domain import booking
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.attendance import AppointmentStatus
from inclusion_practice.domain.interpreters import InterpreterStatus, suggest_mode
from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.domain.roles import Permission
from inclusion_practice.domain.slot_finder import CHANNELS, SlotOffer, SlotQuery, find_slots
from inclusion_practice.errors import InvalidInput, NoActingUser, NotFound, SlotJustTaken
from inclusion_practice.services.access import require
from inclusion_practice.services.dna import DnaOutcome, record_dna_in
from inclusion_practice.services.queries import AppointmentQuery, Page, check_page
from inclusion_practice.services.schedule import (
    interpreters_after_cancel,
    load_book,
    release_holds,
)
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.patient_facts import is_registered, load_needs, patient_names
from inclusion_practice.storage.search_sql import date_bounds
from inclusion_practice.storage.tables import (
    Appointment,
    ClinicSession,
    InterpreterBooking,
    Patient,
    Slot,
    SlotHold,
)

MAX_TEXT = 2000
SEARCH_WINDOW_DAYS = 14


@dataclass(frozen=True)
class InterpreterInfo:
    id: int
    appointment_id: int
    language: str
    dialect: str | None
    mode: str
    interpreter_gender: str | None
    status: str
    agency_ref: str | None
    interpreter_name: str | None
    note: str | None


@dataclass(frozen=True)
class AppointmentInfo:
    id: int
    patient_id: int
    patient_name: str
    session_id: int
    clinician: str
    location: str
    partner: str | None
    start: dt.datetime
    end: dt.datetime
    slot_ids: tuple[int, ...]
    slot_count: int
    status: AppointmentStatus
    channel: str
    booked_at: dt.datetime
    booked_by: str
    double_override_reason: str | None = None
    overbooked: bool = False
    comment: str | None = None
    patient_instruction: str | None = None
    arrived_at: dt.datetime | None = None
    seen_at: dt.datetime | None = None
    minutes_late: int | None = None
    cancelled_at: dt.datetime | None = None
    cancel_reason: str | None = None
    late_cancellation: bool = False
    rescheduled_from_id: int | None = None
    interpreter: InterpreterInfo | None = None

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class BookingResult:
    appointment: AppointmentInfo
    proposal: booking.SlotCountProposal
    warnings: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttendanceResult:
    appointment: AppointmentInfo
    dna: DnaOutcome | None = None
    messages: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _Attempt:
    """What a booking unit was trying to hold, for the "just taken" message if the database
    refuses it at flush (after the unit has rolled back)."""

    slot_ids: tuple[int, ...] = ()
    clinician: str | None = None


class _Taken(Exception):
    """Internal: a slot was held when we looked (or the database refused the hold)."""

    def __init__(self, slot_ids: Sequence[int], n: int, clinician: str | None) -> None:
        super().__init__(slot_ids)
        self.slot_ids = tuple(slot_ids)
        self.n = n
        self.clinician = clinician


def _text(value: str | None, field_name: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise InvalidInput(field_name, f"at most {MAX_TEXT} characters")
    return value or None


def interpreter_info(r: InterpreterBooking) -> InterpreterInfo:
    return InterpreterInfo(r.id or 0, r.appointment_id, r.language, r.dialect, r.mode,
                           r.interpreter_gender, r.status, r.agency_ref, r.interpreter_name, r.note)


def appointment_info(uow: UnitOfWork, a: Appointment) -> AppointmentInfo:
    """The public view of an appointment row (with session, slots, patient name, interpreter)."""
    assert a.id is not None
    session = uow.session.get(ClinicSession, a.session_id)
    assert session is not None
    holds = uow.session.exec(
        select(SlotHold).where(SlotHold.appointment_id == a.id).order_by(col(SlotHold.slot_id))
    ).all()
    interp = uow.session.exec(
        select(InterpreterBooking)
        .where(InterpreterBooking.appointment_id == a.id)
        .order_by(col(InterpreterBooking.id).desc())
    ).first()
    name = patient_names(uow.session, {a.patient_id}).get(a.patient_id, "")
    return AppointmentInfo(
        id=a.id,
        patient_id=a.patient_id,
        patient_name=name,
        session_id=a.session_id,
        clinician=session.clinician_code,
        location=session.location,
        partner=session.partner,
        start=a.start,
        end=a.end,
        slot_ids=tuple(dict.fromkeys(h.slot_id for h in holds)),
        slot_count=a.slot_count,
        status=AppointmentStatus(a.status),
        channel=a.channel,
        booked_at=a.booked_at,
        booked_by=a.booked_by,
        double_override_reason=a.double_override_reason,
        overbooked=a.overbooked,
        comment=a.comment,
        patient_instruction=a.patient_instruction,
        arrived_at=a.arrived_at,
        seen_at=a.seen_at,
        minutes_late=a.minutes_late,
        cancelled_at=a.cancelled_at,
        cancel_reason=a.cancel_reason,
        late_cancellation=a.late_cancellation,
        rescheduled_from_id=a.rescheduled_from_id,
        interpreter=interpreter_info(interp) if interp is not None else None,
    )


def _is_hold_conflict(exc: IntegrityError) -> bool:
    return "active_slot_id" in str(exc.orig)


class AppointmentService:
    """Find, book, cancel, move; arrivals, DNAs, walk-ins."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    # --- finding -------------------------------------------------------------------------

    def find_slots(
        self,
        patient_id: int,
        *,
        clinician: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        double: bool = False,
        length: int | None = None,
        location: str | None = None,
        channel: str | None = None,
        slot_type: str | None = None,
        limit: int = 10,
        per_session: int = 1,
    ) -> list[SlotOffer]:
        """The next free times that fit this patient's needs, each with why it was offered."""
        self._check_clinician(clinician)
        today = self._clock.today()
        start = date_from or today
        end = date_to or max(start, today) + dt.timedelta(weeks=self._config.schedule_horizon_weeks)
        query = SlotQuery(
            now=self._clock.now(), date_from=date_from, date_to=date_to, clinician=clinician,
            double=double, length=length, location=location, channel=channel,
            slot_type=slot_type, limit=limit, per_session=per_session,
        )
        offers: list[SlotOffer] = []
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise InvalidInput("patient_id", f"no patient {patient_id}")
            needs = load_needs(uow.session, patient_id, today)
            # Look a fortnight at a time: "next free" is usually found in the first window, and
            # every offer of a window starts before any offer of the next, so order is kept.
            window_start = max(start, today)
            while window_start <= end and len(offers) < limit:
                window_end = min(end, window_start + dt.timedelta(days=SEARCH_WINDOW_DAYS - 1))
                sessions, slots = load_book(uow, self._config, window_start, window_end,
                                            clinician)
                offers.extend(find_slots(sessions, slots, needs, query)[: limit - len(offers)])
                window_start = window_end + dt.timedelta(days=1)
        return offers

    def needs(self, patient_id: int) -> AccessNeeds:
        """The patient's access needs today, as the front desk sees them (no clinical basis)."""
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise InvalidInput("patient_id", f"no patient {patient_id}")
            return load_needs(uow.session, patient_id, self._clock.today()).for_front_desk()

    def _check_clinician(self, clinician: str | None) -> None:
        if clinician is not None and self._config.clinician(clinician) is None:
            known = ", ".join(c.code for c in self._config.clinicians)
            raise InvalidInput("clinician", f"unknown clinician {clinician!r} (known: {known})")

    # --- booking -------------------------------------------------------------------------

    def book(
        self,
        actor: Actor | None,
        patient_id: int,
        slot_ids: Sequence[int],
        *,
        channel: str | None = None,
        comment: str | None = None,
        patient_instruction: str | None = None,
        double_override_reason: str | None = None,
        overbook_reason: str | None = None,
    ) -> BookingResult:
        """Book one or more contiguous slots of one session, in one transaction.

        When the patient's needs call for a double appointment and one slot is named, the next
        slot is added (the proposal) unless ``double_override_reason`` says why one is enough.
        ``overbook_reason`` books slots that are already taken: managers only, audited.
        """
        require(actor, Permission.BOOK)
        overbook = overbook_reason is not None
        if overbook:
            require(actor, Permission.OVERBOOK)
            if len(overbook_reason.strip()) < 5:  # type: ignore[union-attr]
                raise InvalidInput("overbook_reason", "say why the slot must be overbooked")
        ids = booking.check_slot_ids(slot_ids)
        comment = _text(comment, "comment")
        patient_instruction = _text(patient_instruction, "patient_instruction")
        if channel is not None and channel not in CHANNELS:
            raise InvalidInput("channel", f"{channel!r} is not one of {', '.join(CHANNELS)}")

        note = _Attempt()

        def work(uow: UnitOfWork) -> BookingResult:
            return self._book_in(
                uow, patient_id, ids, note, channel=channel, comment=comment,
                patient_instruction=patient_instruction,
                double_override_reason=double_override_reason,
                overbook_reason=overbook_reason.strip() if overbook_reason else None,
            )

        action = "overbook_appointment" if overbook else "book_appointment"
        return self._run_booking(actor, action, work, patient_id, note)

    def _run_booking(
        self,
        actor: Actor | None,
        action: str,
        work: Callable[[UnitOfWork], BookingResult],
        patient_id: int,
        note: _Attempt,
    ) -> BookingResult:
        """Run a booking unit; a slot taken first (seen by our check or refused by the UNIQUE
        constraint at flush) becomes :class:`SlotJustTaken` with alternatives."""
        try:
            try:
                return self._db.run_write(actor, action, work)
            except IntegrityError as exc:
                if not _is_hold_conflict(exc):
                    raise
                raise _Taken(note.slot_ids, max(1, len(note.slot_ids)), note.clinician) from exc
        except _Taken as taken:
            alternatives = self._alternatives(patient_id, taken)
            raise SlotJustTaken(taken.slot_ids, alternatives) from None

    def _alternatives(self, patient_id: int, taken: _Taken) -> list[SlotOffer]:
        offers: list[SlotOffer] = []
        try:
            if taken.clinician:
                offers = self.find_slots(patient_id, clinician=taken.clinician, length=taken.n,
                                         limit=3)
            rest = self.find_slots(patient_id, length=taken.n, limit=5)
        except InvalidInput:
            return offers
        seen = {o.slot_ids for o in offers}
        return offers + [o for o in rest if o.slot_ids not in seen][: 5 - len(offers)]

    def _book_in(
        self,
        uow: UnitOfWork,
        patient_id: int,
        ids: tuple[int, ...],
        note: _Attempt,
        *,
        channel: str | None,
        comment: str | None,
        patient_instruction: str | None,
        double_override_reason: str | None,
        overbook_reason: str | None,
        rescheduled_from: Appointment | None = None,
    ) -> BookingResult:
        actor = uow.actor
        assert actor is not None
        now = uow.clock.now()
        today = uow.clock.today()
        if uow.session.get(Patient, patient_id) is None:
            raise InvalidInput("patient_id", f"no patient {patient_id}")
        rows = uow.session.exec(select(Slot).where(col(Slot.id).in_(ids))).all()
        missing = sorted(set(ids) - {r.id for r in rows})
        if missing:
            raise InvalidInput("slot_ids", f"no slot {', '.join(map(str, missing))}")
        refs = booking.check_slots(
            [booking.SlotRef(r.id or 0, r.session_id, r.seq, r.start, r.end, r.blocked)
             for r in rows],
            now,
        )
        session = uow.session.get(ClinicSession, refs[0].session_id)
        assert session is not None
        if session.cancelled_at is not None:
            raise InvalidInput("slot_ids", f"session {session.id} has been cancelled")
        if not is_registered(uow.session, patient_id, refs[0].start.date()):
            raise InvalidInput(
                "patient_id",
                f"patient {patient_id} is not registered on {refs[0].start.date()}: "
                "register them (or as a temporary resident) first",
            )
        needs = load_needs(uow.session, patient_id, today)
        proposal = booking.propose_slot_count(needs, len(refs), double_override_reason)
        if proposal.count > len(refs):
            refs = refs + self._extend(uow, refs, proposal)
        channels = [c for c in session.channels.split(",") if c]
        chosen = channel or channels[0]
        if chosen not in channels:
            raise InvalidInput(
                "channel", f"this session offers {', '.join(channels)}, not {chosen}"
            )
        slot_ids = [r.id for r in refs]
        note.slot_ids = tuple(slot_ids)
        note.clinician = session.clinician_code
        held = set(
            uow.session.exec(
                select(SlotHold.active_slot_id).where(col(SlotHold.active_slot_id).in_(slot_ids))
            ).all()
        )
        warnings: list[str] = []
        if held and overbook_reason is None:
            raise _Taken(sorted(h for h in held if h is not None), len(refs),
                         session.clinician_code)
        if overbook_reason is not None:
            if not held:
                raise InvalidInput("overbook_reason", "the slots are free: book them normally")
            warnings.append(
                f"OVERBOOKED: slot(s) {', '.join(str(h) for h in sorted(h for h in held if h))} already "
                "booked; the clinician will run late"
            )
            comment = f"Overbooked: {overbook_reason}" + (f"\n{comment}" if comment else "")
        if proposal.overridden:
            warnings.append(
                f"single slot booked although a double is proposed ({'; '.join(proposal.reasons)})"
            )
        appt = Appointment(
            patient_id=patient_id,
            session_id=session.id or 0,
            start=refs[0].start,
            end=refs[-1].end,
            slot_count=len(refs),
            status=AppointmentStatus.BOOKED.value,
            channel=chosen,
            booked_at=now,
            booked_by=actor.username,
            double_override_reason=proposal.override_reason,
            overbooked=overbook_reason is not None,
            comment=comment,
            patient_instruction=patient_instruction,
            rescheduled_from_id=rescheduled_from.id if rescheduled_from else None,
        )
        uow.session.add(appt)
        uow.flush()
        assert appt.id is not None
        for r in refs:
            uow.session.add(
                SlotHold(
                    slot_id=r.id,
                    appointment_id=appt.id,
                    active_slot_id=None if overbook_reason is not None else r.id,
                    released_at=None,
                )
            )
        uow.flush()  # the UNIQUE active_slot_id is checked here
        if needs.interpreter_language:
            minutes = int((appt.end - appt.start).total_seconds() // 60)
            uow.session.add(
                InterpreterBooking(
                    appointment_id=appt.id,
                    language=needs.interpreter_language,
                    dialect=needs.interpreter_dialect,
                    mode=suggest_mode(needs.interpreter_language, minutes,
                                      needs.interpreter_mode).value,
                    interpreter_gender=needs.interpreter_gender,
                    status=InterpreterStatus.TO_BOOK.value,
                    updated_at=now,
                )
            )
            uow.flush()
            warnings.append(f"interpreter to book: {needs.interpreter_language}")
        return BookingResult(appointment_info(uow, appt), proposal, tuple(warnings),
                             tuple(needs.summary()))

    def _extend(
        self, uow: UnitOfWork, refs: tuple[booking.SlotRef, ...], proposal: booking.SlotCountProposal
    ) -> tuple[booking.SlotRef, ...]:
        """The slots after ``refs`` that make up the proposed double, if they are free."""
        need = proposal.count - len(refs)
        last = refs[-1]
        nxt = uow.session.exec(
            select(Slot)
            .where(Slot.session_id == last.session_id, col(Slot.seq) > last.seq,
                   col(Slot.seq) <= last.seq + need)
            .order_by(col(Slot.seq))
        ).all()
        extra = [booking.SlotRef(r.id or 0, r.session_id, r.seq, r.start, r.end, r.blocked)
                 for r in nxt]
        taken = set(
            uow.session.exec(
                select(SlotHold.active_slot_id).where(
                    col(SlotHold.active_slot_id).in_([e.id for e in extra])
                )
            ).all()
        ) if extra else set()
        if len(extra) < need or taken or any(e.blocked for e in extra):
            raise InvalidInput(
                "slot_ids",
                f"a double appointment is proposed ({'; '.join(proposal.reasons)}) but the next "
                "slot is not free: choose contiguous free slots (slots find) or give "
                "double_override_reason",
            )
        return tuple(extra)

    def reschedule(
        self,
        actor: Actor | None,
        appointment_id: int,
        new_slot_ids: Sequence[int],
        *,
        by: str = "patient",
        reason: str = "moved",
        channel: str | None = None,
        double_override_reason: str | None = None,
    ) -> BookingResult:
        """Move an appointment: cancel the old one and book the new slots in one transaction."""
        require(actor, Permission.BOOK)
        ids = booking.check_slot_ids(new_slot_ids)
        status = self._cancel_status(by)
        note = _Attempt()

        def work(uow: UnitOfWork) -> BookingResult:
            old = self._get_row(uow, appointment_id)
            att.check_transition(old.status, status)
            self._cancel_in(uow, old, status, f"moved: {reason}")
            interp = uow.session.exec(
                select(InterpreterBooking).where(InterpreterBooking.appointment_id == old.id)
            ).first()
            result = self._book_in(
                uow, old.patient_id, ids, note, channel=channel, comment=old.comment,
                patient_instruction=old.patient_instruction,
                double_override_reason=double_override_reason, overbook_reason=None,
                rescheduled_from=old,
            )
            if interp is not None and result.appointment.interpreter is None:
                uow.session.add(
                    InterpreterBooking(
                        appointment_id=result.appointment.id, language=interp.language,
                        dialect=interp.dialect, mode=interp.mode,
                        interpreter_gender=interp.interpreter_gender,
                        status=InterpreterStatus.TO_BOOK.value, note=interp.note,
                        updated_at=uow.clock.now(),
                    )
                )
                uow.flush()
                new = uow.session.get(Appointment, result.appointment.id)
                assert new is not None
                result = BookingResult(appointment_info(uow, new), result.proposal,
                                       result.warnings, result.needs)
            return result

        with self._db.read() as uow:
            pid = self._get_row(uow, appointment_id).patient_id
        return self._run_booking(actor, "reschedule_appointment", work, pid, note)

    # --- cancelling ----------------------------------------------------------------------

    @staticmethod
    def _cancel_status(by: str) -> AppointmentStatus:
        if by == "patient":
            return AppointmentStatus.CANCELLED_PATIENT
        if by == "practice":
            return AppointmentStatus.CANCELLED_PRACTICE
        raise InvalidInput("by", "must be 'patient' or 'practice'")

    def _cancel_in(
        self, uow: UnitOfWork, appt: Appointment, status: AppointmentStatus, reason: str
    ) -> None:
        now = uow.clock.now()
        appt.status = status.value
        appt.cancelled_at = now
        appt.cancel_reason = reason
        appt.late_cancellation = (
            status is AppointmentStatus.CANCELLED_PATIENT
            and att.is_late_cancellation(appt.start, now, self._config.dna.late_cancel_hours)
        )
        uow.session.add(appt)
        release_holds(uow, appt.id or 0, now)
        interpreters_after_cancel(uow, appt.id or 0, now)

    def cancel(
        self, actor: Actor | None, appointment_id: int, *, by: str, reason: str
    ) -> AppointmentInfo:
        """Cancel by the patient (late if within ``late_cancel_hours``) or by the practice.

        Frees the slots; a booked interpreter becomes "to cancel".
        """
        require(actor, Permission.BOOK)
        status = self._cancel_status(by)
        reason = reason.strip()
        if not reason:
            raise InvalidInput("reason", "say why the appointment is cancelled")

        def work(uow: UnitOfWork) -> AppointmentInfo:
            appt = self._get_row(uow, appointment_id)
            att.check_transition(appt.status, status)
            self._cancel_in(uow, appt, status, reason)
            uow.flush()
            return appointment_info(uow, appt)

        return self._db.run_write(actor, "cancel_appointment", work)

    # --- attendance ----------------------------------------------------------------------

    def arrive(
        self,
        actor: Actor | None,
        appointment_id: int,
        *,
        at: dt.datetime | None = None,
        late_threshold_minutes: int | None = None,
    ) -> AttendanceResult:
        """Record arrival. Later than the lateness threshold counts as a DNA (a "late" DNA)."""
        require(actor, Permission.RECORD_ATTENDANCE)
        if late_threshold_minutes is not None and late_threshold_minutes < 0:
            raise InvalidInput("late_threshold_minutes", "must not be below zero")

        def work(uow: UnitOfWork) -> AttendanceResult:
            appt = self._get_row(uow, appointment_id)
            arrived = at or uow.clock.now()
            late = att.minutes_late(appt.start, arrived)
            booked_minutes = int((appt.end - appt.start).total_seconds() // 60)
            threshold = (
                late_threshold_minutes
                if late_threshold_minutes is not None
                else att.lateness_threshold_minutes(
                    booked_minutes, self._config.dna.lateness_fraction_of_slot
                )
            )
            is_dna = att.counts_as_dna(late, threshold)
            att.check_transition(
                appt.status, AppointmentStatus.DNA if is_dna else AppointmentStatus.ARRIVED
            )
            appt.arrived_at = arrived
            appt.minutes_late = late
            outcome = None
            messages: list[str] = []
            if is_dna:
                appt.status = AppointmentStatus.DNA.value
                uow.session.add(appt)
                outcome = record_dna_in(uow, self._config, appt.patient_id, arrived,
                                        appointment_id=appt.id, reason="late")
                messages.append(
                    f"{late} minutes late (threshold {threshold}): recorded as a DNA; "
                    f"{', '.join(a.value for a in outcome.decision.actions) or 'no action'}"
                )
            else:
                appt.status = AppointmentStatus.ARRIVED.value
                uow.session.add(appt)
                if late:
                    messages.append(f"{late} minutes late (within the {threshold}-minute threshold)")
            uow.flush()
            return AttendanceResult(appointment_info(uow, appt), outcome, tuple(messages))

        return self._db.run_write(actor, "record_arrival", work)

    def seen(self, actor: Actor | None, appointment_id: int) -> AppointmentInfo:
        return self._simple(actor, appointment_id, AppointmentStatus.SEEN, "record_seen")

    def left(self, actor: Actor | None, appointment_id: int) -> AppointmentInfo:
        """Left without being seen."""
        return self._simple(actor, appointment_id, AppointmentStatus.LEFT, "record_left")

    def _simple(
        self, actor: Actor | None, appointment_id: int, status: AppointmentStatus, action: str
    ) -> AppointmentInfo:
        require(actor, Permission.RECORD_ATTENDANCE)

        def work(uow: UnitOfWork) -> AppointmentInfo:
            appt = self._get_row(uow, appointment_id)
            att.check_transition(appt.status, status)
            appt.status = status.value
            if status is AppointmentStatus.SEEN:
                appt.seen_at = uow.clock.now()
            uow.session.add(appt)
            uow.flush()
            return appointment_info(uow, appt)

        return self._db.run_write(actor, action, work)

    def dna(self, actor: Actor | None, appointment_id: int) -> AttendanceResult:
        """Did not attend: the slot stays used; the DNA policy decides the follow-up."""
        require(actor, Permission.RECORD_ATTENDANCE)

        def work(uow: UnitOfWork) -> AttendanceResult:
            appt = self._get_row(uow, appointment_id)
            att.check_transition(appt.status, AppointmentStatus.DNA)
            if appt.start > uow.clock.now():
                raise InvalidInput(
                    "appointment_id", f"starts at {appt.start:%Y-%m-%d %H:%M}: not missed yet"
                )
            appt.status = AppointmentStatus.DNA.value
            uow.session.add(appt)
            outcome = record_dna_in(uow, self._config, appt.patient_id, appt.start,
                                    appointment_id=appt.id, reason="no_show")
            uow.flush()
            actions = ", ".join(a.value for a in outcome.decision.actions) or "no action"
            return AttendanceResult(appointment_info(uow, appt), outcome,
                                    (f"{outcome.decision.policy.value} policy: {actions}",))

        return self._db.run_write(actor, "record_dna", work)

    def walk_in(
        self,
        actor: Actor | None,
        patient_id: int,
        session_id: int,
        *,
        comment: str | None = None,
    ) -> AppointmentInfo:
        """An unbooked attendance, recorded against today's session (holds no slot)."""
        require(actor, Permission.RECORD_ATTENDANCE)
        assert actor is not None
        comment = _text(comment, "comment")

        def work(uow: UnitOfWork) -> AppointmentInfo:
            if uow.session.get(Patient, patient_id) is None:
                raise InvalidInput("patient_id", f"no patient {patient_id}")
            session = uow.session.get(ClinicSession, session_id)
            if session is None:
                raise InvalidInput("session_id", f"no session {session_id}")
            if session.cancelled_at is not None:
                raise InvalidInput("session_id", f"session {session_id} has been cancelled")
            now = uow.clock.now()
            if session.session_date != now.date():
                raise InvalidInput("session_id", f"session {session_id} is not today")
            appt = Appointment(
                patient_id=patient_id, session_id=session_id, start=now, end=now, slot_count=0,
                status=AppointmentStatus.WALK_IN.value, channel="in_person", booked_at=now,
                booked_by=actor.username, arrived_at=now, comment=comment,
            )
            uow.session.add(appt)
            uow.flush()
            return appointment_info(uow, appt)

        return self._db.run_write(actor, "record_walk_in", work)

    # --- reading -------------------------------------------------------------------------

    def _get_row(self, uow: UnitOfWork, appointment_id: int, *, lock: bool = True) -> Appointment:
        # FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): a cancel
        # and a DNA racing on one appointment must not both pass the status check.
        row = uow.session.get(Appointment, appointment_id, with_for_update=lock)
        if row is None:
            raise NotFound("appointment", appointment_id)
        return row

    def get(self, appointment_id: int) -> AppointmentInfo:
        with self._db.read() as uow:
            return appointment_info(uow, self._get_row(uow, appointment_id, lock=False))

    def search(
        self, actor: Actor | None, query: AppointmentQuery, *, offset: int = 0, count: int = 50
    ) -> Page[AppointmentInfo]:
        """Appointments matching ``query``, in start order, paged."""
        if actor is None:
            raise NoActingUser()
        check_page(offset, count)
        conds: list[Any] = []
        if query.patient_id is not None:
            conds.append(col(Appointment.patient_id) == query.patient_id)
        if query.start:
            conds.append(date_bounds(Appointment.start, query.start))
        if query.statuses:
            conds.append(col(Appointment.status).in_(sorted(query.statuses)))
        with self._db.read() as uow:
            total = uow.session.exec(
                select(func.count()).select_from(Appointment).where(*conds)
            ).one()
            rows = uow.session.exec(
                select(Appointment).where(*conds)
                .order_by(col(Appointment.start), col(Appointment.id)).offset(offset).limit(count)
            ).all()
            items = tuple(appointment_info(uow, r) for r in rows)
        return Page(items, int(total), offset, count)

    def for_patient(self, patient_id: int) -> list[AppointmentInfo]:
        with self._db.read() as uow:
            rows = uow.session.exec(
                select(Appointment).where(Appointment.patient_id == patient_id)
                .order_by(col(Appointment.start))
            ).all()
            return [appointment_info(uow, r) for r in rows]

    def for_session(self, session_id: int) -> list[AppointmentInfo]:
        with self._db.read() as uow:
            if uow.session.get(ClinicSession, session_id) is None:
                raise NotFound("session", session_id)
            rows = uow.session.exec(
                select(Appointment).where(Appointment.session_id == session_id)
                .order_by(col(Appointment.start))
            ).all()
            return [appointment_info(uow, r) for r in rows]

    def for_day(self, day: dt.date, clinician: str | None = None) -> list[AppointmentInfo]:
        self._check_clinician(clinician)
        with self._db.read() as uow:
            stmt = (
                select(Appointment)
                .join(ClinicSession, col(ClinicSession.id) == col(Appointment.session_id))
                .where(ClinicSession.session_date == day)
            )
            if clinician:
                stmt = stmt.where(ClinicSession.clinician_code == clinician)
            rows = uow.session.exec(stmt.order_by(col(Appointment.start))).all()
            return [appointment_info(uow, r) for r in rows]
