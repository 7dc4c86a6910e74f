"""New-patient health checks: every registration creates one; reception offers them from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.access_log import logged_read
from inclusion_practice.services.patients.base import PatientServiceBase, reader_role
from inclusion_practice.services.patients.rows import (
    HEALTH_CHECK_TASK,
)
from inclusion_practice.storage.database import UnitOfWork
from inclusion_practice.storage.tables import Patient, Task


@dataclass(frozen=True)
class HealthCheckDue:
    """An open new-patient health check."""

    task_id: int
    patient_id: int
    display_name: str
    registered_on: dt.date
    due_date: dt.date
    overdue: bool




class HealthChecksMixin(PatientServiceBase):
    """The health checks due and recording one done."""

    @logged_read("patient.health_checks", lambda due, _a: [d.patient_id for d in due])
    def health_checks_due(
        self, actor: Actor | None, *, within_days: int = 7, on: dt.date | None = None
    ) -> list[HealthCheckDue]:
        """New-patient health checks not yet done and due within ``within_days`` (overdue
        first). Nothing waits for them; this is the list reception offers them from."""
        reader_role(actor)
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

