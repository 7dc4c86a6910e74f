"""Refused registrations: recorded, written to within 14 days, summarised for commissioners.

Forbidden grounds (no ID, no proof of address, immigration status, protected characteristics)
are refused by :func:`inclusion_practice.domain.refusals.check_refusal_reason` before anything
is written, with the explanation of why they are never acceptable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.calendar_months import age_on
from inclusion_practice.domain.names import clean_name
from inclusion_practice.domain.periods import Period, parse_period
from inclusion_practice.domain.refusals import (
    RefusalReason,
    check_refusal_reason,
    written_reason_due,
)
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import Refusal

AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 15, "0-15"), (16, 24, "16-24"), (25, 34, "25-34"), (35, 49, "35-49"),
    (50, 64, "50-64"), (65, None, "65+"),
)


@dataclass(frozen=True)
class RefusalInfo:
    id: int
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    refused_on: dt.date
    reason: RefusalReason
    detail: str | None
    written_reason_due: dt.date
    written_reason_sent_on: dt.date | None
    recorded_by: str

    def overdue_on(self, day: dt.date) -> bool:
        return self.written_reason_sent_on is None and day > self.written_reason_due


@dataclass(frozen=True)
class RefusalSummary:
    """Refusals in a period by reason and age band, and whether people were written to."""

    period: Period
    total: int
    by_reason: dict[str, int]
    by_age_band: dict[str, int]
    written_on_time: int
    written_late: int
    not_yet_written: int
    overdue: int


def _info(row: Refusal) -> RefusalInfo:
    assert row.id is not None
    return RefusalInfo(
        id=row.id, given_name=row.given_name, family_name=row.family_name,
        date_of_birth=row.date_of_birth, refused_on=row.refused_on,
        reason=RefusalReason(row.reason), detail=row.detail,
        written_reason_due=row.written_reason_due,
        written_reason_sent_on=row.written_reason_sent_on, recorded_by=row.recorded_by,
    )


def age_band(dob: dt.date | None, on: dt.date) -> str:
    if dob is None:
        return "not known"
    age = age_on(dob, on)
    for lo, hi, label in AGE_BANDS:
        if age >= lo and (hi is None or age <= hi):
            return label
    return "not known"


class RefusalService:
    """Record refusals, mark the written reason sent, summarise by reason and period."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def record(
        self,
        actor: Actor | None,
        given_name: str,
        family_name: str,
        reason: str,
        *,
        detail: str | None = None,
        refused_on: dt.date | None = None,
        date_of_birth: dt.date | None = None,
    ) -> RefusalInfo:
        """Record a refusal. A forbidden reason raises ``InvalidInput("reason", why)``."""
        require(actor, Permission.RECORD_REFUSAL)
        assert actor is not None
        given = clean_name(given_name, "given_name")
        family = clean_name(family_name, "family_name")
        why = check_refusal_reason(reason, detail)
        text = " ".join((detail or "").split()) or None
        if text is not None and len(text) > 1000:
            raise InvalidInput("detail", "is longer than 1000 characters")
        today = self._clock.today()
        on = refused_on or today
        if on > today:
            raise InvalidInput("refused_on", f"{on} is in the future")
        if date_of_birth is not None and date_of_birth > today:
            raise InvalidInput("date_of_birth", f"{date_of_birth} is in the future")
        due = written_reason_due(on, self._config.registration.refusal_written_reason_days)

        def work(uow: UnitOfWork) -> RefusalInfo:
            row = Refusal(
                given_name=given, family_name=family, date_of_birth=date_of_birth,
                refused_on=on, reason=why.value, detail=text, written_reason_due=due,
                recorded_by=actor.username,
            )
            uow.session.add(row)
            uow.flush()
            return _info(row)

        return self._db.run_write(actor, "record_refusal", work)

    def mark_sent(
        self, actor: Actor | None, refusal_id: int, sent_on: dt.date | None = None
    ) -> RefusalInfo:
        """Record the day the written reason was sent."""
        require(actor, Permission.RECORD_REFUSAL)
        today = self._clock.today()
        sent = sent_on or today
        if sent > today:
            raise InvalidInput("sent_on", f"{sent} is in the future")

        def work(uow: UnitOfWork) -> RefusalInfo:
            row = uow.session.get(Refusal, refusal_id)
            if row is None:
                raise NotFound("refusal", refusal_id)
            if sent < row.refused_on:
                raise InvalidInput("sent_on", f"{sent} is before the refusal on {row.refused_on}")
            if row.written_reason_sent_on is not None:
                raise InvalidInput("sent_on", f"already sent on {row.written_reason_sent_on}")
            row.written_reason_sent_on = sent
            uow.session.add(row)
            return _info(row)

        return self._db.run_write(actor, "refusal_letter_sent", work)

    def list(
        self, actor: Actor | None, period: str | Period | None = None, *, unsent_only: bool = False
    ) -> list[RefusalInfo]:
        """Refusals (in ``period``, if given), oldest first."""
        require(actor, Permission.RECORD_REFUSAL)
        p = parse_period(period) if isinstance(period, str) else period
        with self._db.read() as uow:
            stmt = select(Refusal)
            if p is not None:
                stmt = stmt.where(Refusal.refused_on >= p.start, Refusal.refused_on <= p.end)
            if unsent_only:
                stmt = stmt.where(col(Refusal.written_reason_sent_on).is_(None))
            rows = uow.session.exec(stmt.order_by(col(Refusal.refused_on), col(Refusal.id))).all()
            return [_info(r) for r in rows]

    def summary(self, actor: Actor | None, period: str | Period) -> RefusalSummary:
        """By reason and age band for commissioners (counts only; no names)."""
        require(actor, Permission.VIEW_REFUSALS)
        p = parse_period(period) if isinstance(period, str) else period
        today = self._clock.today()
        with self._db.read() as uow:
            rows = [
                _info(r) for r in uow.session.exec(
                    select(Refusal).where(Refusal.refused_on >= p.start, Refusal.refused_on <= p.end)
                ).all()
            ]
        by_reason = {r.value: 0 for r in RefusalReason}
        by_age: dict[str, int] = {label: 0 for _, _, label in AGE_BANDS}
        by_age["not known"] = 0
        on_time = late = unsent = overdue = 0
        for r in rows:
            by_reason[r.reason.value] += 1
            by_age[age_band(r.date_of_birth, r.refused_on)] += 1
            if r.written_reason_sent_on is None:
                unsent += 1
                overdue += r.overdue_on(today)
            elif r.written_reason_sent_on <= r.written_reason_due:
                on_time += 1
            else:
                late += 1
        return RefusalSummary(p, len(rows), by_reason, by_age, on_time, late, unsent, overdue)
