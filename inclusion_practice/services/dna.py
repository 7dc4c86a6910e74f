"""Missed appointments: record each as an event, run the policy, keep a worklist of actions.

Every DNA is a row (never a counter). Recording one runs :func:`domain.dna_policy.decide` with
the patient's needs *on that day*, and puts the decided actions on the worklist with the
explanation stored beside them. For a patient the flexible policy covers, any sanction still on
the worklist (from before they were flagged) is withdrawn and never shown: a removal is never
proposed for them, on any path.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.dna_ladder import SANCTIONS
from inclusion_practice.domain.dna_ladder import DnaAction as ActionKind
from inclusion_practice.domain.dna_policy import (
    ACTION_LABELS,
    DnaDecision,
    DnaRecord,
    FlexibleBasis,
    decide,
    priority_label,
)
from inclusion_practice.domain.needs import AGREED_FLEXIBLE
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.access_log import first_argument, logged_read
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.patient_facts import load_needs, patient_names
from inclusion_practice.storage.tables import Appointment, DnaEvent, Patient
from inclusion_practice.storage.tables import DnaAction as DnaActionRow

DNA_REASONS = ("no_show", "late")


@dataclass(frozen=True)
class DnaEventInfo:
    id: int
    patient_id: int
    appointment_id: int | None
    occurred_at: dt.datetime
    reason: str
    voided: bool


@dataclass(frozen=True)
class DnaActionInfo:
    id: int
    patient_id: int
    patient_name: str
    action: ActionKind
    label: str
    policy: str
    priority: int
    priority_label: str
    due_date: dt.date
    status: str
    rule: str
    counted: tuple[dt.date, ...]
    flexible_reasons: tuple[str, ...]
    outcome: str | None
    done_at: dt.datetime | None


@dataclass(frozen=True)
class DnaOutcome:
    """What recording a DNA did: the event, the decision, and the worklist actions."""

    event: DnaEventInfo
    decision: DnaDecision
    action_ids: tuple[int, ...]
    withdrawn_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class DnaExplanation:
    patient_id: int
    patient_name: str
    decision: DnaDecision
    events: tuple[DnaEventInfo, ...]
    actions: tuple[DnaActionInfo, ...]

    def lines(self) -> list[str]:
        out = [f"{self.patient_name} (patient {self.patient_id}), as at {self.decision.today}"]
        out.extend(self.decision.lines())
        if self.actions:
            out.append("Action history:")
            for a in self.actions:
                done = f" — {a.outcome}" if a.outcome else ""
                out.append(f"  #{a.id} {a.due_date} {a.label} [{a.policy}] {a.status}{done}")
        return out


def _event_info(r: DnaEvent) -> DnaEventInfo:
    return DnaEventInfo(r.id or 0, r.patient_id, r.appointment_id, r.occurred_at, r.reason,
                        r.voided_at is not None)


def _action_info(r: DnaActionRow, name: str) -> DnaActionInfo:
    expl: dict[str, Any] = json.loads(r.explanation or "{}")
    kind = ActionKind(r.action)
    return DnaActionInfo(
        id=r.id or 0,
        patient_id=r.patient_id,
        patient_name=name,
        action=kind,
        label=ACTION_LABELS[kind],
        policy=r.policy,
        priority=r.priority,
        priority_label=priority_label(r.priority) if r.policy == "flexible" else "standard",
        due_date=r.due_date,
        status=r.status,
        rule=str(expl.get("rule", "")),
        counted=tuple(dt.date.fromisoformat(c["on"]) for c in expl.get("counted", [])),
        # Whatever an older version stored, every role is told the one role-safe reason.
        flexible_reasons=(AGREED_FLEXIBLE,) if expl.get("flexible_reasons") else (),
        outcome=r.outcome,
        done_at=r.done_at,
    )


def _decision_now(
    uow: UnitOfWork, config: PracticeConfig, patient_id: int, today: dt.date
) -> DnaDecision:
    events = uow.session.exec(
        select(DnaEvent).where(DnaEvent.patient_id == patient_id, col(DnaEvent.voided_at).is_(None))
    ).all()
    warnings = [
        r.done_at.date()
        for r in uow.session.exec(
            select(DnaActionRow).where(
                DnaActionRow.patient_id == patient_id,
                DnaActionRow.action == ActionKind.WARNING_LETTER.value,
                DnaActionRow.status == "done",
            )
        ).all()
        if r.done_at is not None
    ]
    needs = load_needs(uow.session, patient_id, today)
    return decide(
        [DnaRecord(e.occurred_at.date(), e.id, e.reason) for e in events],
        warnings,
        today,
        config.dna,
        FlexibleBasis(needs.flexible_dna, needs.flexible_dna_reasons),
    )


def record_dna_in(
    uow: UnitOfWork,
    config: PracticeConfig,
    patient_id: int,
    occurred_at: dt.datetime,
    *,
    appointment_id: int | None = None,
    reason: str = "no_show",
) -> DnaOutcome:
    """Record a DNA inside the caller's transaction and put the decided actions on the worklist.

    Used by attendance (``appointment dna``, a late arrival) and by :meth:`DnaService.record`.
    """
    actor = uow.actor
    assert actor is not None
    event = DnaEvent(
        patient_id=patient_id,
        appointment_id=appointment_id,
        occurred_at=occurred_at,
        reason=reason,
        recorded_by=actor.username,
    )
    uow.session.add(event)
    uow.flush()
    today = uow.clock.today()
    decision = _decision_now(uow, config, patient_id, max(today, occurred_at.date()))
    due = uow.session.exec(
        select(DnaActionRow).where(DnaActionRow.patient_id == patient_id, DnaActionRow.status == "due")
    ).all()
    withdrawn: list[int] = []
    if decision.policy.value == "flexible":
        for r in due:
            if ActionKind(r.action) in SANCTIONS:
                r.status = "withdrawn"
                r.outcome = "withdrawn: the flexible DNA policy now applies"
                r.done_at = uow.clock.now()
                r.done_by = actor.username
                uow.session.add(r)
                withdrawn.append(r.id or 0)
    still_due = {r.action: r for r in due if r.status == "due"}
    explanation = json.dumps(decision.to_json(), sort_keys=True)
    ids: list[int] = []
    for action in decision.actions:
        existing = still_due.get(action.value)
        if existing is not None:
            # Repeated DNA: raise the priority of outreach already on the list, don't duplicate.
            existing.priority = max(existing.priority, decision.priority)
            existing.explanation = explanation
            existing.dna_event_id = event.id or 0
            uow.session.add(existing)
            ids.append(existing.id or 0)
            continue
        row = DnaActionRow(
            patient_id=patient_id,
            dna_event_id=event.id or 0,
            policy=decision.policy.value,
            action=action.value,
            priority=decision.priority,
            due_date=today + dt.timedelta(days=config.dna.action_due_days),
            explanation=explanation,
        )
        uow.session.add(row)
        uow.flush()
        ids.append(row.id or 0)
    return DnaOutcome(_event_info(event), decision, tuple(ids), tuple(withdrawn))


class DnaService:
    """DNA events, the policy's worklist and explanations."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def record(
        self,
        actor: Actor | None,
        patient_id: int,
        occurred_at: dt.datetime | None = None,
        *,
        appointment_id: int | None = None,
        reason: str = "no_show",
    ) -> DnaOutcome:
        """Record a DNA that did not come through attendance (e.g. a missed home visit)."""
        require(actor, Permission.RECORD_ATTENDANCE)
        if reason not in DNA_REASONS:
            raise InvalidInput("reason", f"{reason!r} is not one of {', '.join(DNA_REASONS)}")
        at = occurred_at or self._clock.now()
        if at > self._clock.now():
            raise InvalidInput("occurred_at", "a DNA cannot be in the future")

        def work(uow: UnitOfWork) -> DnaOutcome:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            if appointment_id is not None:
                appt = uow.session.get(Appointment, appointment_id)
                if appt is None or appt.patient_id != patient_id:
                    raise InvalidInput("appointment_id", "not an appointment of this patient")
            return record_dna_in(uow, self._config, patient_id, at,
                                 appointment_id=appointment_id, reason=reason)

        return self._db.run_write(actor, "record_dna", work)

    def void(self, actor: Actor | None, event_id: int, reason: str) -> DnaEventInfo:
        """Mark a DNA recorded in error (the row stays; the policy stops counting it)."""
        require(actor, Permission.RECORD_DNA_OUTCOME)
        if not reason.strip():
            raise InvalidInput("reason", "say why the DNA was recorded in error")

        def work(uow: UnitOfWork) -> DnaEventInfo:
            row = uow.session.get(DnaEvent, event_id)
            if row is None:
                raise NotFound("DNA event", event_id)
            if row.voided_at is None:
                row.voided_at = uow.clock.now()
                uow.session.add(row)
            return _event_info(row)

        return self._db.run_write(actor, "void_dna", work)

    @logged_read("dna.worklist", lambda items, _a: [i.patient_id for i in items])
    def worklist(
        self, actor: Actor | None, on: dt.date | None = None, *, include_later: bool = False
    ) -> list[DnaActionInfo]:
        """Actions due by ``on`` (today), highest outreach priority first.

        Sanctions for a patient the flexible policy now covers are never listed.
        """
        on = on or self._clock.today()
        with self._db.read() as uow:
            stmt = select(DnaActionRow).where(DnaActionRow.status == "due")
            if not include_later:
                stmt = stmt.where(DnaActionRow.due_date <= on)
            rows = uow.session.exec(stmt).all()
            names = patient_names(uow.session, {r.patient_id for r in rows})
            flexible: dict[int, bool] = {}
            out = []
            for r in rows:
                if ActionKind(r.action) in SANCTIONS:
                    if r.patient_id not in flexible:
                        flexible[r.patient_id] = load_needs(uow.session, r.patient_id, on).flexible_dna
                    if flexible[r.patient_id]:
                        continue
                out.append(_action_info(r, names.get(r.patient_id, f"patient {r.patient_id}")))
        out.sort(key=lambda a: (-a.priority, a.due_date, a.id))
        return out

    def done(self, actor: Actor | None, action_id: int, outcome: str) -> DnaActionInfo:
        """Record an action as done with what happened (e.g. "keyworker found him; rebooked")."""
        require(actor, Permission.RECORD_DNA_OUTCOME)
        assert actor is not None
        outcome = outcome.strip()
        if not outcome:
            raise InvalidInput("outcome", "say what happened")

        def work(uow: UnitOfWork) -> DnaActionInfo:
            row = uow.session.get(DnaActionRow, action_id)
            if row is None:
                raise NotFound("DNA action", action_id)
            if row.status != "due":
                raise InvalidInput("action_id", f"action {action_id} is already {row.status}")
            if ActionKind(row.action) in SANCTIONS and load_needs(
                uow.session, row.patient_id, uow.clock.today()
            ).flexible_dna:
                raise InvalidInput(
                    "action_id", "the flexible DNA policy applies to this patient: no sanctions"
                )
            row.status = "done"
            row.outcome = outcome
            row.done_at = uow.clock.now()
            row.done_by = actor.username
            uow.session.add(row)
            names = patient_names(uow.session, {row.patient_id})
            return _action_info(row, names.get(row.patient_id, ""))

        return self._db.run_write(actor, "dna_action_done", work)

    @logged_read("dna.explain", first_argument)
    def explain(
        self, actor: Actor | None, patient_id: int, on: dt.date | None = None
    ) -> DnaExplanation:
        """How the policy stands for a patient today, with their DNAs and action history."""
        on = on or self._clock.today()
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            decision = _decision_now(uow, self._config, patient_id, on)
            events = uow.session.exec(
                select(DnaEvent).where(DnaEvent.patient_id == patient_id)
                .order_by(col(DnaEvent.occurred_at))
            ).all()
            actions = uow.session.exec(
                select(DnaActionRow).where(DnaActionRow.patient_id == patient_id)
                .order_by(col(DnaActionRow.id))
            ).all()
            name = patient_names(uow.session, {patient_id}).get(patient_id, "")
            shown = [
                a for a in actions
                if not (decision.policy.value == "flexible" and a.status == "due"
                        and ActionKind(a.action) in SANCTIONS)
            ]
            return DnaExplanation(
                patient_id, name, decision,
                tuple(_event_info(e) for e in events),
                tuple(_action_info(a, name) for a in shown),
            )
