"""The appointment book's shape: generating sessions from templates and cancelling them.

Generating is idempotent: a session whose (clinician, date, start) exists is left exactly as it
is, so regenerating never touches a booked slot. Cancelling a session cancels its bookings "by
the practice", frees their slots, marks interpreters for cancellation and returns the patients
to ring for rebooking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain import schedule as sched
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.attendance import AppointmentStatus
from inclusion_practice.domain.interpreters import after_appointment_cancelled
from inclusion_practice.domain.roles import Permission
from inclusion_practice.domain.slot_finder import SessionView, SlotView
from inclusion_practice.errors import InvalidInput, NoActingUser, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.queries import Page, SlotSearch, check_page
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.patient_facts import patient_summary
from inclusion_practice.storage.search_sql import date_bounds
from inclusion_practice.storage.tables import (
    Appointment,
    ClinicSession,
    InterpreterBooking,
    Slot,
    SlotHold,
)


@dataclass(frozen=True)
class SessionInfo:
    id: int
    clinician: str
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int
    slot_type: str
    location: str
    partner: str | None
    channels: tuple[str, ...]
    cancelled: bool
    slot_count: int = 0
    free_count: int = 0


@dataclass(frozen=True)
class SlotInfo:
    id: int
    session_id: int
    seq: int
    start: dt.datetime
    end: dt.datetime
    free: bool
    blocked: bool
    appointment_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class GenerateResult:
    first_date: dt.date
    last_date: dt.date
    sessions_created: int
    slots_created: int
    sessions_existing: int


@dataclass(frozen=True)
class AffectedBooking:
    """A patient whose appointment was cancelled with the session: ring them to rebook."""

    appointment_id: int
    patient_id: int
    patient_name: str
    start: dt.datetime
    phone: str | None
    keyworker: str | None
    interpreter_to_cancel: bool


@dataclass(frozen=True)
class CancelledSession:
    session: SessionInfo
    affected: tuple[AffectedBooking, ...]


def session_info(row: ClinicSession, slot_count: int = 0, free_count: int = 0) -> SessionInfo:
    assert row.id is not None
    return SessionInfo(
        id=row.id,
        clinician=row.clinician_code,
        date=row.session_date,
        start_time=row.start_time,
        end_time=row.end_time,
        slot_minutes=row.slot_minutes,
        slot_type=row.slot_type,
        location=row.location,
        partner=row.partner,
        channels=tuple(c for c in row.channels.split(",") if c),
        cancelled=row.cancelled_at is not None,
        slot_count=slot_count,
        free_count=free_count,
    )


def load_book(
    uow: UnitOfWork,
    config: PracticeConfig,
    date_from: dt.date,
    date_to: dt.date,
    clinician: str | None = None,
) -> tuple[list[SessionView], list[SlotView]]:
    """Sessions and slots (free or not) between two dates, as the slot finder takes them."""
    stmt = select(ClinicSession).where(
        ClinicSession.session_date >= date_from,
        ClinicSession.session_date <= date_to,
        col(ClinicSession.cancelled_at).is_(None),
    )
    if clinician is not None:
        stmt = stmt.where(ClinicSession.clinician_code == clinician)
    sessions = uow.session.exec(stmt).all()
    if not sessions:
        return [], []
    genders = {c.code: c.gender.value for c in config.clinicians}
    views = [
        SessionView(
            id=s.id or 0,
            clinician=s.clinician_code,
            clinician_gender=genders.get(s.clinician_code),
            date=s.session_date,
            slot_type=s.slot_type,
            location=s.location,
            partner=s.partner,
            channels=tuple(c for c in s.channels.split(",") if c),
        )
        for s in sessions
    ]
    ids = [s.id for s in sessions]
    # Plain columns, not ORM objects: a 3-month book for 10 clinicians is ~12,000 slots.
    rows = uow.session.execute(
        sa_select(col(Slot.id), col(Slot.session_id), col(Slot.seq), col(Slot.start),
                  col(Slot.end), col(Slot.blocked), col(SlotHold.id))
        .join(SlotHold, col(SlotHold.active_slot_id) == col(Slot.id), isouter=True)
        .where(col(Slot.session_id).in_(ids))
    ).all()
    slots = [
        SlotView(id=sid or 0, session_id=sess, seq=seq, start=start, end=end,
                 free=hold_id is None, blocked=blocked)
        for sid, sess, seq, start, end, blocked, hold_id in rows
    ]
    return views, slots


def release_holds(uow: UnitOfWork, appointment_id: int, now: dt.datetime) -> list[int]:
    """Free every slot the appointment holds; returns their ids."""
    holds = uow.session.exec(
        select(SlotHold).where(
            SlotHold.appointment_id == appointment_id, col(SlotHold.released_at).is_(None)
        )
    ).all()
    for h in holds:
        h.active_slot_id = None
        h.released_at = now
        uow.session.add(h)
    return [h.slot_id for h in holds]


def interpreters_after_cancel(uow: UnitOfWork, appointment_id: int, now: dt.datetime) -> bool:
    """Mark the appointment's interpreter bookings; True when one must be cancelled with the agency."""
    rows = uow.session.exec(
        select(InterpreterBooking).where(InterpreterBooking.appointment_id == appointment_id)
    ).all()
    to_cancel = False
    for r in rows:
        new = after_appointment_cancelled(r.status)
        if new.value != r.status:
            r.status = new.value
            r.updated_at = now
            uow.session.add(r)
        to_cancel = to_cancel or new.value == "to_cancel"
    return to_cancel


class ScheduleService:
    """Sessions and slots: generate from templates, list, cancel."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def generate(
        self, actor: Actor | None, weeks: int | None = None, start: dt.date | None = None
    ) -> GenerateResult:
        """Create the sessions the templates give for ``weeks`` from ``start`` (default today)."""
        require(actor, Permission.MANAGE_SCHEDULE)
        weeks = self._config.schedule_horizon_weeks if weeks is None else weeks
        start = start or self._clock.today()
        if start < self._clock.today():
            raise InvalidInput("start", "sessions cannot be generated in the past")
        planned = sched.expand_templates(self._config.sessions, start, weeks)
        first, last = sched.horizon(start, weeks)

        def work(uow: UnitOfWork) -> GenerateResult:
            existing = {
                (s.clinician_code, s.session_date, s.start_time)
                for s in uow.session.exec(
                    select(ClinicSession).where(
                        ClinicSession.session_date >= first, ClinicSession.session_date <= last
                    )
                ).all()
            }
            todo = [p for p in planned if p.key not in existing]
            rows = [
                ClinicSession(
                    clinician_code=p.clinician,
                    session_date=p.date,
                    start_time=p.start_time,
                    end_time=p.end_time,
                    slot_minutes=p.slot_minutes,
                    slot_type=p.slot_type,
                    location=p.location,
                    partner=p.partner,
                    channels=",".join(p.channels),
                    template_key=p.template_key,
                )
                for p in todo
            ]
            uow.session.add_all(rows)
            uow.flush()  # one flush: ids for every new session, one batch of audit rows
            slot_rows = [
                Slot(session_id=row.id or 0, seq=s.seq, start=s.start, end=s.end)
                for p, row in zip(todo, rows, strict=True)
                for s in p.slots
            ]
            uow.session.add_all(slot_rows)
            uow.flush()
            made, slots = len(rows), len(slot_rows)
            return GenerateResult(first, last, made, slots, len(planned) - made)

        return self._db.run_write(actor, "generate_schedule", work)

    def sessions(
        self,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        clinician: str | None = None,
        *,
        include_cancelled: bool = False,
    ) -> list[SessionInfo]:
        """Sessions in a date range with their slot and free counts."""
        date_from = date_from or self._clock.today()
        date_to = date_to or date_from + dt.timedelta(days=6)
        if clinician is not None and self._config.clinician(clinician) is None:
            raise InvalidInput("clinician", f"unknown clinician {clinician!r}")
        with self._db.read() as uow:
            stmt = select(ClinicSession).where(
                ClinicSession.session_date >= date_from, ClinicSession.session_date <= date_to
            )
            if clinician:
                stmt = stmt.where(ClinicSession.clinician_code == clinician)
            if not include_cancelled:
                stmt = stmt.where(col(ClinicSession.cancelled_at).is_(None))
            rows = uow.session.exec(
                stmt.order_by(col(ClinicSession.session_date), col(ClinicSession.start_time))
            ).all()
            out = []
            for r in rows:
                slots = self._slots(uow, r.id or 0)
                out.append(session_info(r, len(slots), sum(1 for s in slots if s.free)))
            return out

    def slots(self, session_id: int) -> list[SlotInfo]:
        with self._db.read() as uow:
            if uow.session.get(ClinicSession, session_id) is None:
                raise NotFound("session", session_id)
            return self._slots(uow, session_id)

    def _slots(self, uow: UnitOfWork, session_id: int) -> list[SlotInfo]:
        rows = uow.session.exec(
            select(Slot).where(Slot.session_id == session_id).order_by(col(Slot.seq))
        ).all()
        ids = [r.id for r in rows]
        held: dict[int, list[int]] = {}
        if ids:
            for h in uow.session.exec(
                select(SlotHold).where(
                    col(SlotHold.slot_id).in_(ids), col(SlotHold.released_at).is_(None)
                )
            ).all():
                held.setdefault(h.slot_id, []).append(h.appointment_id)
        active = set()
        if ids:
            active = set(
                uow.session.exec(
                    select(SlotHold.active_slot_id).where(col(SlotHold.active_slot_id).in_(ids))
                ).all()
            )
        return [
            SlotInfo(
                id=r.id or 0,
                session_id=r.session_id,
                seq=r.seq,
                start=r.start,
                end=r.end,
                free=r.id not in active,
                blocked=r.blocked,
                appointment_ids=tuple(held.get(r.id or 0, ())),
            )
            for r in rows
        ]

    def search_slots(
        self, actor: Actor | None, query: SlotSearch, *, offset: int = 0, count: int = 50
    ) -> Page[tuple[SlotInfo, SessionInfo]]:
        """Slots matching ``query`` with their sessions, in start order, paged. A slot is
        ``held`` while an appointment holds it, ``blocked`` when closed, else ``free``."""
        if actor is None:
            raise NoActingUser()
        check_page(offset, count)
        if query.clinician is not None and self._config.clinician(query.clinician) is None:
            raise NotFound("Schedule", query.clinician)
        held = exists(select(SlotHold.id).where(col(SlotHold.active_slot_id) == col(Slot.id)))
        conds: list[Any] = []
        if query.clinician is not None:
            conds.append(col(ClinicSession.clinician_code) == query.clinician)
        if query.start:
            conds.append(date_bounds(Slot.start, query.start))
        if query.states:
            state_conds = []
            if "free" in query.states:
                state_conds.append(and_(col(Slot.blocked).is_(False), ~held))
            if "held" in query.states:
                state_conds.append(held)
            if "blocked" in query.states:
                state_conds.append(and_(col(Slot.blocked).is_(True), ~held))
            conds.append(or_(*state_conds))
        base = select(Slot).join(ClinicSession, col(ClinicSession.id) == col(Slot.session_id))
        with self._db.read() as uow:
            total = uow.session.exec(
                select(func.count()).select_from(Slot)
                .join(ClinicSession, col(ClinicSession.id) == col(Slot.session_id)).where(*conds)
            ).one()
            rows = list(uow.session.exec(
                base.where(*conds).order_by(col(Slot.start), col(Slot.id)).offset(offset).limit(count)
            ).all())
            items = self._with_sessions(uow, rows)
        return Page(tuple(items), int(total), offset, count)

    def slot(self, actor: Actor | None, slot_id: int) -> tuple[SlotInfo, SessionInfo]:
        """One slot with its session."""
        if actor is None:
            raise NoActingUser()
        with self._db.read() as uow:
            row = uow.session.get(Slot, slot_id)
            if row is None:
                raise NotFound("Slot", slot_id)
            return self._with_sessions(uow, [row])[0]

    def session_dates(self, clinician: str) -> tuple[dt.date, dt.date] | None:
        """The first and last day the clinician has sessions (their Schedule's horizon)."""
        if self._config.clinician(clinician) is None:
            raise NotFound("Schedule", clinician)
        with self._db.read() as uow:
            first, last = uow.session.exec(
                select(func.min(ClinicSession.session_date), func.max(ClinicSession.session_date))
                .where(ClinicSession.clinician_code == clinician)
            ).one()
        return (first, last) if first is not None and last is not None else None

    def _with_sessions(
        self, uow: UnitOfWork, rows: Sequence[Slot]
    ) -> list[tuple[SlotInfo, SessionInfo]]:
        ids = [r.id for r in rows]
        active = set(uow.session.exec(
            select(SlotHold.active_slot_id).where(col(SlotHold.active_slot_id).in_(ids))
        ).all()) if ids else set()
        sessions = {
            s.id: session_info(s) for s in uow.session.exec(
                select(ClinicSession).where(col(ClinicSession.id).in_({r.session_id for r in rows}))
            ).all()
        } if rows else {}
        return [
            (SlotInfo(id=r.id or 0, session_id=r.session_id, seq=r.seq, start=r.start, end=r.end,
                      free=r.id not in active, blocked=r.blocked), sessions[r.session_id])
            for r in rows
        ]

    def cancel_session(
        self, actor: Actor | None, session_id: int, reason: str
    ) -> CancelledSession:
        """Cancel a session: its bookings are cancelled by the practice, listed for rebooking."""
        require(actor, Permission.MANAGE_SCHEDULE)
        reason = reason.strip()
        if not reason:
            raise InvalidInput("reason", "say why the session is cancelled")

        def work(uow: UnitOfWork) -> CancelledSession:
            row = uow.session.get(ClinicSession, session_id)
            if row is None:
                raise NotFound("session", session_id)
            if row.cancelled_at is not None:
                raise InvalidInput("session_id", f"session {session_id} is already cancelled")
            now = uow.clock.now()
            row.cancelled_at = now
            row.cancel_reason = reason
            uow.session.add(row)
            appts = uow.session.exec(
                select(Appointment)
                .where(
                    Appointment.session_id == session_id,
                    col(Appointment.status).in_(
                        [AppointmentStatus.BOOKED.value, AppointmentStatus.ARRIVED.value]
                    ),
                )
                .order_by(col(Appointment.start))
            ).all()
            affected: list[AffectedBooking] = []
            for a in appts:
                assert a.id is not None
                a.status = AppointmentStatus.CANCELLED_PRACTICE.value
                a.cancelled_at = now
                a.cancel_reason = f"session cancelled: {reason}"
                uow.session.add(a)
                release_holds(uow, a.id, now)
                interp = interpreters_after_cancel(uow, a.id, now)
                p = patient_summary(uow.session, a.patient_id)
                affected.append(
                    AffectedBooking(
                        appointment_id=a.id,
                        patient_id=a.patient_id,
                        patient_name=p.display_name if p else f"patient {a.patient_id}",
                        start=a.start,
                        phone=p.phone if p else None,
                        keyworker=(
                            f"{p.keyworker_name} {p.keyworker_phone or ''}".strip()
                            if p and p.keyworker_name
                            else None
                        ),
                        interpreter_to_cancel=interp,
                    )
                )
            return CancelledSession(session_info(row), tuple(affected))

        return self._db.run_write(actor, "cancel_session", work)

    def clinicians(self) -> Sequence[str]:
        return [c.code for c in self._config.clinicians]
