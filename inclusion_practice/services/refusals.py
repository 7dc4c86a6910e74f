"""Refused registrations: recorded, written to within 14 days, summarised for commissioners.

Forbidden grounds (no ID, no proof of address, immigration status, protected characteristics)
are refused by :func:`inclusion_practice.domain.refusals.check_refusal_reason` before anything
is written, with the explanation of why they are never acceptable. Age and ethnic category are
optional (equality monitoring: the regulations require only a record of refusals and their
reasons); :meth:`RefusalService.breakdown` counts refusals by reason, age band and ethnic
category for the return.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.calendar_months import age_on
from inclusion_practice.domain.names import clean_name
from inclusion_practice.domain.patient_record import ETHNIC_CATEGORIES_ENGLAND, parse_ethnicity
from inclusion_practice.domain.periods import Period, parse_period
from inclusion_practice.domain.refusals import (
    LEGACY_REASONS,
    OFFERED_REASONS,
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
AGE_NOT_KNOWN = "not known"
ETHNICITY_NOT_RECORDED = "not recorded"
ETHNIC_CATEGORY_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"

Dimension = Literal["reason", "age", "ethnicity"]
DIMENSIONS: tuple[Dimension, ...] = ("reason", "age", "ethnicity")


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
    age_years: int | None = None
    age_band: str = AGE_NOT_KNOWN
    ethnic_category: str | None = None

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


@dataclass(frozen=True)
class RefusalBreakdownRow:
    """One cell of the refusals breakdown: a value per grouped dimension (None if not grouped)."""

    reason: str | None
    age_band: str | None
    ethnic_category: str | None
    count: int

    @property
    def reason_label(self) -> str | None:
        return None if self.reason is None else RefusalReason(self.reason).label

    @property
    def ethnic_label(self) -> str | None:
        if self.ethnic_category is None:
            return None
        return ETHNIC_CATEGORIES_ENGLAND.get(self.ethnic_category, self.ethnic_category)


def _info(row: Refusal) -> RefusalInfo:
    assert row.id is not None
    band = row.age_band or (
        age_band(row.date_of_birth, row.refused_on) if row.date_of_birth else
        age_band_of_years(row.age_years)
    )
    return RefusalInfo(
        id=row.id, given_name=row.given_name, family_name=row.family_name,
        date_of_birth=row.date_of_birth, refused_on=row.refused_on,
        reason=RefusalReason(row.reason), detail=row.detail,
        written_reason_due=row.written_reason_due,
        written_reason_sent_on=row.written_reason_sent_on, recorded_by=row.recorded_by,
        age_years=row.age_years, age_band=band, ethnic_category=row.ethnic_category,
    )


def age_band_of_years(age: int | None) -> str:
    """The band an age in whole years falls in ("not known" without one)."""
    if age is None:
        return AGE_NOT_KNOWN
    for lo, hi, label in AGE_BANDS:
        if age >= lo and (hi is None or age <= hi):
            return label
    return AGE_NOT_KNOWN


def age_band(dob: dt.date | None, on: dt.date) -> str:
    if dob is None:
        return AGE_NOT_KNOWN
    return age_band_of_years(age_on(dob, on))


def parse_age_band(text: str | None, field: str = "age_band") -> str | None:
    """One of the return's age bands, or None."""
    if text is None or not text.strip():
        return None
    key = text.strip().replace(" ", "")
    labels = [label for _, _, label in AGE_BANDS]
    if key not in labels:
        raise InvalidInput(field, f"{text!r} is not one of {', '.join(labels)}")
    return key


def parse_dimensions(by: str | Sequence[str]) -> tuple[Dimension, ...]:
    """``"reason"``, ``"age,ethnicity"`` or a sequence → the breakdown dimensions, in order."""
    items = [b.strip().lower() for b in (by.split(",") if isinstance(by, str) else by)]
    out: list[Dimension] = []
    for item in items:
        match = next((d for d in DIMENSIONS if d == item), None)
        if match is None:
            raise InvalidInput("by", f"{item!r} is not one of {', '.join(DIMENSIONS)}")
        if match not in out:
            out.append(match)
    if not out:
        raise InvalidInput("by", f"give at least one of {', '.join(DIMENSIONS)}")
    return tuple(out)


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
        age: int | None = None,
        age_band: str | None = None,
        ethnic_category: str | None = None,
    ) -> RefusalInfo:
        """Record a refusal. A forbidden reason raises ``InvalidInput("reason", why)``.

        Age is optional: the date of birth, else the age in years, else an age band as given.
        The ethnic category is a UK Core (England) code (A-S, Z not stated, 99 not known).
        """
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
        if age is not None and not 0 <= age <= 130:
            raise InvalidInput("age", f"{age} is not an age in years (0-130)")
        given_band = parse_age_band(age_band)
        ethnic = parse_ethnicity(ethnic_category, "ethnic_category")
        if date_of_birth is not None and age is not None and age != age_on(date_of_birth, on):
            raise InvalidInput("age", f"{age} does not match the date of birth {date_of_birth}")
        if date_of_birth is not None:
            band = _age_band_from_dob(date_of_birth, on)
        elif age is not None:
            band = age_band_of_years(age)
        else:
            band = given_band or AGE_NOT_KNOWN
        if given_band is not None and given_band != band:
            raise InvalidInput("age_band", f"{given_band} does not match the age ({band})")
        due = written_reason_due(on, self._config.registration.refusal_written_reason_days)

        def work(uow: UnitOfWork) -> RefusalInfo:
            row = Refusal(
                given_name=given, family_name=family, date_of_birth=date_of_birth,
                refused_on=on, reason=why.value, detail=text, written_reason_due=due,
                recorded_by=actor.username, age_years=age,
                age_band=None if band == AGE_NOT_KNOWN else band, ethnic_category=ethnic,
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

    def _in_period(self, p: Period) -> builtins.list[RefusalInfo]:
        with self._db.read() as uow:
            return [
                _info(r) for r in uow.session.exec(
                    select(Refusal).where(Refusal.refused_on >= p.start, Refusal.refused_on <= p.end)
                    .order_by(col(Refusal.refused_on), col(Refusal.id))
                ).all()
            ]

    def breakdown(
        self, actor: Actor | None, period: str | Period,
        by: str | Sequence[str] = DIMENSIONS,
    ) -> builtins.list[RefusalBreakdownRow]:
        """Refusals in ``period`` counted by reason, age band and/or ethnic category.

        Grouped by one dimension, every category appears (zeros included; a legacy reason only
        when used), so the table has the same rows every year; grouped by several, only the
        combinations that occur. Counts only, no names: for the commissioner's return.
        """
        require(actor, Permission.VIEW_REFUSALS)
        dims = parse_dimensions(by)
        p = parse_period(period) if isinstance(period, str) else period
        rows = self._in_period(p)
        tally: dict[tuple[str | None, str | None, str | None], int] = {}
        for r in rows:
            key = (
                r.reason.value if "reason" in dims else None,
                r.age_band if "age" in dims else None,
                (r.ethnic_category or ETHNICITY_NOT_RECORDED) if "ethnicity" in dims else None,
            )
            tally[key] = tally.get(key, 0) + 1
        if len(dims) == 1:
            for key in _all_categories(dims[0]):
                tally.setdefault(key, 0)
        order = _sort_key(dims)
        return [RefusalBreakdownRow(k[0], k[1], k[2], n) for k, n in sorted(tally.items(), key=order)]

    def summary(self, actor: Actor | None, period: str | Period) -> RefusalSummary:
        """By reason and age band for commissioners (counts only; no names)."""
        require(actor, Permission.VIEW_REFUSALS)
        p = parse_period(period) if isinstance(period, str) else period
        today = self._clock.today()
        rows = self._in_period(p)
        by_reason = {r.value: 0 for r in OFFERED_REASONS}
        for legacy in LEGACY_REASONS:
            if any(r.reason is legacy for r in rows):
                by_reason[legacy.value] = 0
        by_age: dict[str, int] = {label: 0 for _, _, label in AGE_BANDS}
        by_age[AGE_NOT_KNOWN] = 0
        on_time = late = unsent = overdue = 0
        for r in rows:
            by_reason[r.reason.value] += 1
            by_age[r.age_band] += 1
            if r.written_reason_sent_on is None:
                unsent += 1
                overdue += r.overdue_on(today)
            elif r.written_reason_sent_on <= r.written_reason_due:
                on_time += 1
            else:
                late += 1
        return RefusalSummary(p, len(rows), by_reason, by_age, on_time, late, unsent, overdue)


def _age_band_from_dob(dob: dt.date, on: dt.date) -> str:
    """:func:`age_band` under another name (``record`` has a parameter called ``age_band``)."""
    return age_band(dob, on)


_AGE_ORDER = [label for _, _, label in AGE_BANDS] + [AGE_NOT_KNOWN]
_ETHNIC_ORDER = [*ETHNIC_CATEGORIES_ENGLAND, ETHNICITY_NOT_RECORDED]
_REASON_ORDER = [r.value for r in (*OFFERED_REASONS, *LEGACY_REASONS)]


def _all_categories(dim: Dimension) -> list[tuple[str | None, str | None, str | None]]:
    if dim == "reason":
        return [(r.value, None, None) for r in OFFERED_REASONS]
    if dim == "age":
        return [(None, band, None) for band in _AGE_ORDER]
    return [(None, None, code) for code in _ETHNIC_ORDER]


def _sort_key(
    dims: tuple[Dimension, ...],
) -> Callable[[tuple[tuple[str | None, str | None, str | None], int]], tuple[int, ...]]:
    orders = {"reason": (0, _REASON_ORDER), "age": (1, _AGE_ORDER), "ethnicity": (2, _ETHNIC_ORDER)}

    def key(item: tuple[tuple[str | None, str | None, str | None], int]) -> tuple[int, ...]:
        out: list[int] = []
        for d in dims:
            pos, order = orders[d]
            value = item[0][pos]
            out.append(order.index(value) if value in order else len(order))
        return tuple(out)

    return key
