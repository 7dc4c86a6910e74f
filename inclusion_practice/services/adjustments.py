"""Reasonable adjustments: recording and ending them (NHS RA flag categories, SNOMED codes).

Adjustments are not sensitive in themselves — they are what reception acts on — so every role
sees them. Registration records its adjustments through :func:`insert_adjustment` in the same
transaction as the patient.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.adjustments import AdjustmentSpec, check_adjustment
from inclusion_practice.domain.patient_record import AdjustmentRecord
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NoActingUser, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.storage.active import active_on
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import Adjustment, Patient


def to_record(row: Adjustment) -> AdjustmentRecord:
    assert row.id is not None
    return AdjustmentRecord(
        id=row.id, patient_id=row.patient_id, kind=row.kind, ra_category=row.ra_category,
        snomed_code=row.snomed_code, detail=row.detail, start=row.start_date, end=row.end_date,
        recorded_by=row.recorded_by,
    )


def insert_adjustment(
    session: Session, patient_id: int, spec: AdjustmentSpec, start: dt.date, recorded_by: str
) -> Adjustment:
    """Add one adjustment row (the caller's unit of work commits it)."""
    row = Adjustment(
        patient_id=patient_id, kind=spec.kind.value, ra_category=spec.ra_category,
        snomed_code=spec.snomed_code, detail=spec.detail, start_date=start,
        recorded_by=recorded_by,
    )
    session.add(row)
    return row


def active_adjustments(
    session: Session, patient_ids: list[int], on: dt.date
) -> dict[int, list[AdjustmentRecord]]:
    out: dict[int, list[AdjustmentRecord]] = {pid: [] for pid in patient_ids}
    if not patient_ids:
        return out
    rows = session.exec(
        select(Adjustment)
        .where(
            col(Adjustment.patient_id).in_(patient_ids),
            active_on(Adjustment, on),
        )
        .order_by(col(Adjustment.id))
    ).all()
    for r in rows:
        out[r.patient_id].append(to_record(r))
    return out


class AdjustmentService:
    """Add, end and list reasonable adjustments."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def add(
        self,
        actor: Actor | None,
        patient_id: int,
        kind: str,
        detail: str | None = None,
        *,
        start: dt.date | None = None,
    ) -> AdjustmentRecord:
        """Record an adjustment (``kind`` or ``kind:detail``, e.g. ``clinician_gender:female``)."""
        require(actor, Permission.EDIT_PATIENT)
        assert actor is not None
        spec = check_adjustment(kind, detail)
        today = self._clock.today()
        start = start or today
        if start > today:
            raise InvalidInput("start", f"{start} is in the future")

        def work(uow: UnitOfWork) -> AdjustmentRecord:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            current = active_adjustments(uow.session, [patient_id], today)[patient_id]
            if any(a.kind == spec.kind.value and a.detail == spec.detail for a in current):
                raise InvalidInput("adjustment", f"{spec.kind.value} is already recorded")
            row = insert_adjustment(uow.session, patient_id, spec, start, actor.username)
            uow.flush()
            return to_record(row)

        return self._db.run_write(actor, "add_adjustment", work)

    def end(
        self, actor: Actor | None, adjustment_id: int, *, on: dt.date | None = None
    ) -> AdjustmentRecord:
        """End an adjustment on ``on`` (its last day)."""
        require(actor, Permission.EDIT_PATIENT)
        on = on or self._clock.today()

        def work(uow: UnitOfWork) -> AdjustmentRecord:
            row = uow.session.get(Adjustment, adjustment_id)
            if row is None:
                raise NotFound("adjustment", adjustment_id)
            if row.end_date is not None:
                raise InvalidInput("adjustment", f"already ended on {row.end_date}")
            if on < row.start_date:
                raise InvalidInput("on", f"{on} is before the adjustment started on {row.start_date}")
            row.end_date = on
            uow.session.add(row)
            return to_record(row)

        return self._db.run_write(actor, "end_adjustment", work)

    def list(
        self, actor: Actor | None, patient_id: int, *, include_ended: bool = False
    ) -> list[AdjustmentRecord]:
        if actor is None:
            raise NoActingUser()
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            if include_ended:
                rows = uow.session.exec(
                    select(Adjustment).where(Adjustment.patient_id == patient_id)
                    .order_by(col(Adjustment.id))
                ).all()
                return [to_record(r) for r in rows]
            return active_adjustments(uow.session, [patient_id], self._clock.today())[patient_id]
