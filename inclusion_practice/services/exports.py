"""The read side of bulk exports: the only way FHIR export reaches storage.

An export reads the whole practice, so it reads in keyset pages (``id > last``, one short
transaction per page) rather than one long one, and it sees exactly what the reader's role may
see: flags through the one visibility policy (:func:`services.flags.visible_flags`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.patient_record import FlagRecord, PatientRecord
from inclusion_practice.domain.roles import Permission, Role
from inclusion_practice.services.access import require
from inclusion_practice.services.access_log import record_access
from inclusion_practice.services.appointments import AppointmentInfo, appointment_info
from inclusion_practice.services.flags import visible_flags
from inclusion_practice.services.patients import record_from_row
from inclusion_practice.services.schedule import SessionInfo, SlotInfo, session_info
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import (
    Appointment,
    ClinicSession,
    Patient,
    Registration,
    Slot,
    SlotHold,
)

PAGE = 1000
"""Rows per read transaction."""


@dataclass(frozen=True)
class ExportScope:
    """Which rows: some patients only, and changes or bookings since a day."""

    patient_ids: tuple[int, ...] | None = None
    since: dt.date | None = None


class ExportService:
    """Opens readers for exports (``EXPORT_DATA`` unless the caller names another permission)."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def reader(self, actor: Actor | None,
               permission: Permission = Permission.EXPORT_DATA) -> ExportReader:
        """A reader for ``actor``, refused here if the role lacks ``permission``."""
        role = require(actor, permission)
        assert actor is not None
        return ExportReader(self._db, self._config, actor, role)


class ExportReader:
    """Paged reads of everything an export writes, for one role. Each page of patient records
    read is written to the access log ("fhir.export"), so an export shows up when someone asks
    who has seen a person's record."""

    def __init__(self, db: Database, config: PracticeConfig, actor: Actor, role: Role) -> None:
        self._db = db
        self._config = config
        self._actor = actor
        self.role = role

    def _log(self, patient_ids: Iterable[int]) -> None:
        record_access(self._db, self._actor, "fhir.export", patient_ids)

    def _patient_rows(self, scope: ExportScope) -> Iterator[tuple[UnitOfWork, list[Patient]]]:
        last = 0
        while True:
            with self._db.read() as uow:
                stmt = select(Patient).where(col(Patient.id) > last)
                if scope.patient_ids is not None:
                    stmt = stmt.where(col(Patient.id).in_(scope.patient_ids))
                if scope.since is not None:
                    stmt = stmt.where(
                        Patient.updated_at >= dt.datetime.combine(scope.since, dt.time.min))
                rows = list(uow.session.exec(stmt.order_by(col(Patient.id)).limit(PAGE)).all())
                if not rows:
                    return
                yield uow, rows
                last = int(rows[-1].id or 0)

    def patient_pages(self, scope: ExportScope) -> Iterator[list[PatientRecord]]:
        """Patients (changed since ``scope.since``) with their registration periods."""
        for uow, rows in self._patient_rows(scope):
            ids = [int(r.id or 0) for r in rows]
            regs: dict[int, list[Registration]] = {}
            for reg in uow.session.exec(
                select(Registration).where(col(Registration.patient_id).in_(ids))
                .order_by(col(Registration.start_date), col(Registration.id))
            ).all():
                regs.setdefault(reg.patient_id, []).append(reg)
            page = [record_from_row(row, regs.get(int(row.id or 0), [])) for row in rows]
            self._log(ids)
            yield page

    def flag_pages(self, patient_ids: Sequence[int] | None) -> Iterator[dict[int, list[FlagRecord]]]:
        """The flags this role may see, ended ones included, a page of patients at a time."""
        for uow, rows in self._patient_rows(ExportScope(
                tuple(patient_ids) if patient_ids is not None else None)):
            flags = visible_flags(uow.session, self._config, self.role,
                                  [int(r.id or 0) for r in rows], include_ended=True)
            self._log(pid for pid, found in flags.items() if found)
            yield flags

    def _sessions(self, uow: UnitOfWork, since: dt.date | None) -> list[ClinicSession]:
        stmt = select(ClinicSession)
        if since is not None:
            stmt = stmt.where(ClinicSession.session_date >= since)
        return list(uow.session.exec(stmt.order_by(col(ClinicSession.id))).all())

    def _patient_slot_ids(self, uow: UnitOfWork, scope: ExportScope) -> set[int] | None:
        if scope.patient_ids is None:
            return None
        stmt = (select(SlotHold.slot_id)
                .join(Appointment, col(Appointment.id) == col(SlotHold.appointment_id))
                .where(col(Appointment.patient_id).in_(scope.patient_ids)))
        return {int(s) for s in uow.session.exec(stmt).all()}

    def clinician_spans(self, scope: ExportScope) -> dict[str, tuple[dt.date, dt.date]]:
        """First and last session day per clinician (the patients' slots only, if named)."""
        with self._db.read() as uow:
            wanted = self._patient_slot_ids(uow, scope)
            spans: dict[str, tuple[dt.date, dt.date]] = {}
            for s in self._sessions(uow, scope.since):
                if wanted is not None:
                    ids = set(uow.session.exec(select(Slot.id).where(Slot.session_id == s.id)))
                    if not ids & wanted:
                        continue
                lo, hi = spans.get(s.clinician_code, (s.session_date, s.session_date))
                spans[s.clinician_code] = (min(lo, s.session_date), max(hi, s.session_date))
        return spans

    def slots(self, scope: ExportScope) -> Iterator[tuple[SlotInfo, SessionInfo]]:
        """Every slot of the sessions in scope, free or held now, session by session."""
        with self._db.read() as uow:
            sessions = self._sessions(uow, scope.since)
            wanted = self._patient_slot_ids(uow, scope)
        for s in sessions:
            with self._db.read() as uow:
                rows = list(uow.session.exec(
                    select(Slot).where(Slot.session_id == s.id).order_by(col(Slot.seq))).all())
                ids = [int(r.id or 0) for r in rows]
                active = {int(a) for a in uow.session.exec(
                    select(SlotHold.active_slot_id).where(col(SlotHold.active_slot_id).in_(ids))
                ).all() if a is not None}
            info = session_info(s)
            for r in rows:
                if wanted is not None and r.id not in wanted:
                    continue
                yield SlotInfo(id=int(r.id or 0), session_id=r.session_id, seq=r.seq,
                               start=r.start, end=r.end, free=r.id not in active,
                               blocked=r.blocked), info

    def appointment_pages(self, scope: ExportScope) -> Iterator[list[AppointmentInfo]]:
        """Appointments starting on or after ``scope.since``, in id order."""
        last = 0
        while True:
            with self._db.read() as uow:
                stmt = select(Appointment).where(col(Appointment.id) > last)
                if scope.patient_ids is not None:
                    stmt = stmt.where(col(Appointment.patient_id).in_(scope.patient_ids))
                if scope.since is not None:
                    stmt = stmt.where(
                        Appointment.start >= dt.datetime.combine(scope.since, dt.time.min))
                rows = list(uow.session.exec(stmt.order_by(col(Appointment.id)).limit(PAGE)))
                if not rows:
                    return
                infos = [appointment_info(uow, r) for r in rows]
            self._log(a.patient_id for a in infos)
            yield infos
            last = int(rows[-1].id or 0)
