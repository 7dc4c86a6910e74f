"""Registration types, periods and the "registered on a date" rule.

A registration is a period: permanent (no planned end), temporary resident (24 hours to
3 months, with a planned end) or immediately necessary treatment (given to anyone, covered for a
further 14 days). Re-registering adds a period; history is never overwritten, so indicators can
ask "was this person registered on 31 March 2026?" for any date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from inclusion_practice.domain.span import Span
from inclusion_practice.errors import InvalidInput

OLDEST_AGE_YEARS = 130
"""A date of birth further back than this is a typing mistake, not a person."""


class RegistrationKind(StrEnum):
    """How a person is registered."""

    PERMANENT = "permanent"
    TEMPORARY = "temporary"
    IMMEDIATELY_NECESSARY = "immediately_necessary"

    @property
    def label(self) -> str:
        return {
            "permanent": "permanent",
            "temporary": "temporary resident",
            "immediately_necessary": "immediately necessary treatment",
        }[self.value]


class DeregistrationReason(StrEnum):
    """Why a registration ended. ``removed`` and ``other`` need a written detail."""

    MOVED = "moved"
    REGISTERED_ELSEWHERE = "registered_elsewhere"
    DIED = "died"
    REMOVED = "removed"
    LEFT_UK = "left_uk"
    TEMPORARY_ENDED = "temporary_ended"
    LINKED_DUPLICATE = "linked_duplicate"
    OTHER = "other"


REASONS_NEEDING_DETAIL: frozenset[DeregistrationReason] = frozenset(
    {DeregistrationReason.REMOVED, DeregistrationReason.OTHER}
)


@dataclass(frozen=True)
class RegistrationPeriod:
    """One period of registration, as stored."""

    kind: RegistrationKind
    start: dt.date
    planned_end: dt.date | None = None
    """Temporary residents and immediately necessary treatment lapse after this day."""
    end: dt.date | None = None
    """Last day registered, set on deregistration."""
    end_reason: DeregistrationReason | None = None
    end_detail: str | None = None
    id: int | None = None

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.planned_end)

    @property
    def last_day(self) -> dt.date | None:
        """The last day covered: the earlier of the deregistration and the planned end."""
        return self.span.last_day

    def covers(self, day: dt.date) -> bool:
        """Whether the person is registered on ``day`` under this period."""
        return self.span.covers(day)

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        """Whether this period shares any day with ``start``..``end`` (``None``: open)."""
        return self.span.overlaps(start, end)


def is_registered_on(periods: Iterable[RegistrationPeriod], day: dt.date) -> bool:
    """Registered on ``day`` under any period (e.g. "registered on 31 March" for indicators)."""
    return any(p.covers(day) for p in periods)


def period_on(periods: Iterable[RegistrationPeriod], day: dt.date) -> RegistrationPeriod | None:
    """The period covering ``day``, if any (the latest-starting one if several)."""
    covering = [p for p in periods if p.covers(day)]
    return max(covering, key=lambda p: p.start) if covering else None


REGISTERED_LIST_KINDS: frozenset[RegistrationKind] = frozenset({RegistrationKind.PERMANENT})
"""Kinds on the practice's registered list. A temporary resident or an immediately-necessary-
treatment patient stays registered with their home practice (NHS England Primary Medical Care
Policy and Guidance Manual; the paragraph is to be confirmed), so by default they are in no
register, denominator, list size or per-patient payment (issue 12)."""


def counts_as_registered(kind: str, include_temporary: bool = False) -> bool:
    """Whether a period of ``kind`` puts the person on the list counted (``include_temporary``:
    every kind, for the indicators that opt in)."""
    return include_temporary or kind in {k.value for k in REGISTERED_LIST_KINDS}


def continuous_start(
    spans: Iterable[tuple[dt.date, dt.date | None]], day: dt.date
) -> dt.date | None:
    """The first day of the continuous registration covering ``day``, or ``None`` if none does.

    ``spans`` are (first day, last day or ``None`` for open) of the periods to consider, from
    every record of the person. Periods that overlap or follow on the next day are one
    registration: "registered for at least N days" counts from its first day, and a second,
    overlapping registration is not a new one. A period after a gap of a day or more starts a
    new registration. Periods starting after ``day`` and empty ones (last day before first) are
    ignored. The SQL engine computes the same islands with window functions.
    """
    usable = sorted(
        {(s, e) for s, e in spans if s <= day and (e is None or e >= s)},
        key=lambda se: (se[0], se[1] or dt.date.max),
    )
    island_start: dt.date | None = None
    island_last: dt.date | None = None
    open_ended = False
    for s, e in usable:
        if island_start is None or (not open_ended and island_last is not None
                                    and s > island_last + dt.timedelta(days=1)):
            island_start, island_last, open_ended = s, e, e is None
            continue
        if e is None:
            open_ended = True
        elif island_last is None or e > island_last:
            island_last = e
    if island_start is None:
        return None
    return island_start if open_ended or (island_last is not None and island_last >= day) else None


def registered_days_between(
    periods: Iterable[RegistrationPeriod], start: dt.date, end: dt.date
) -> int:
    """Days in ``start``..``end`` (inclusive) on which the person was registered."""
    days: set[dt.date] = set()
    for p in periods:
        lo = max(p.start, start)
        last = p.last_day
        hi = min(last, end) if last is not None else end
        d = lo
        while d <= hi:
            days.add(d)
            d += dt.timedelta(days=1)
    return len(days)


def plan_period(
    kind: RegistrationKind | str,
    start: dt.date,
    planned_end: dt.date | None,
    *,
    today: dt.date,
    temporary_max_days: int = 92,
    immediately_necessary_cover_days: int = 14,
) -> RegistrationPeriod:
    """Validate a new period and fill in its planned end.

    Temporary residence lasts 24 hours to 3 months (``temporary_max_days``); immediately
    necessary treatment is covered for ``immediately_necessary_cover_days`` after the day it is
    given; a permanent registration has no planned end.
    """
    try:
        kind = RegistrationKind(kind)
    except ValueError:
        raise InvalidInput(
            "kind", f"{kind!r} is not one of {', '.join(k.value for k in RegistrationKind)}"
        ) from None
    if start > today + dt.timedelta(days=31):
        raise InvalidInput("start", f"{start} is more than a month ahead; register nearer the time")
    if kind is RegistrationKind.PERMANENT:
        if planned_end is not None:
            raise InvalidInput("planned_end", "a permanent registration has no planned end")
        return RegistrationPeriod(kind, start)
    if kind is RegistrationKind.IMMEDIATELY_NECESSARY:
        cover_end = start + dt.timedelta(days=immediately_necessary_cover_days)
        if planned_end is not None and planned_end != cover_end:
            raise InvalidInput(
                "planned_end",
                f"immediately necessary treatment is covered for {immediately_necessary_cover_days}"
                f" days, to {cover_end}; leave the end out",
            )
        return RegistrationPeriod(kind, start, cover_end)
    if planned_end is None:
        raise InvalidInput(
            "planned_end", "a temporary resident needs an end date (24 hours to 3 months ahead)"
        )
    if planned_end < start:
        raise InvalidInput("planned_end", f"{planned_end} is before the start {start}")
    if planned_end == start:
        raise InvalidInput("planned_end", "temporary residence is at least 24 hours")
    longest = start + dt.timedelta(days=temporary_max_days)
    if planned_end > longest:
        raise InvalidInput(
            "planned_end",
            f"temporary residence is at most 3 months (to {longest}); register as permanent instead",
        )
    return RegistrationPeriod(kind, start, planned_end)


def check_deregistration(
    period: RegistrationPeriod, on: dt.date, reason: DeregistrationReason | str, detail: str | None
) -> tuple[DeregistrationReason, str | None]:
    """Validate ending ``period`` on ``on`` (the last day registered)."""
    try:
        reason = DeregistrationReason(reason)
    except ValueError:
        raise InvalidInput(
            "reason",
            f"{reason!r} is not one of {', '.join(r.value for r in DeregistrationReason)}",
        ) from None
    if on < period.start:
        raise InvalidInput("on", f"{on} is before the registration started on {period.start}")
    detail = (detail or "").strip() or None
    if reason in REASONS_NEEDING_DETAIL and detail is None:
        raise InvalidInput("detail", f"say why ({reason.value} needs a written reason)")
    return reason, detail


def estimated_date_of_birth(year: int) -> dt.date:
    """An unknown date of birth is recorded as 1 January of the estimated year (PCSE)."""
    return dt.date(year, 1, 1)


def check_date_of_birth(
    dob: dt.date | None, *, estimated: bool, estimated_year: int | None, today: dt.date
) -> tuple[dt.date, bool]:
    """Resolve the date of birth to record and whether it is estimated.

    Either a date (optionally marked estimated) or an estimated year is needed; a date in the
    future or more than 130 years ago is refused.
    """
    if dob is None and estimated_year is None:
        raise InvalidInput(
            "date_of_birth", "is required; if unknown, give an estimated year of birth"
        )
    if dob is not None and estimated_year is not None and dob.year != estimated_year:
        raise InvalidInput("date_of_birth", "give a date of birth or an estimated year, not both")
    if dob is None:
        assert estimated_year is not None
        if not 1 <= estimated_year <= 9999:
            raise InvalidInput("date_of_birth", f"{estimated_year} is not a year")
        dob = estimated_date_of_birth(estimated_year)
        estimated = True
    if dob > today:
        raise InvalidInput("date_of_birth", f"{dob} is in the future")
    if today.year - dob.year > OLDEST_AGE_YEARS:
        raise InvalidInput("date_of_birth", f"{dob} is more than {OLDEST_AGE_YEARS} years ago")
    if estimated and (dob.month, dob.day) != (1, 1):
        dob = estimated_date_of_birth(dob.year)
    return dob, estimated


def health_check_due(registered_on: dt.date, window_days: int) -> dt.date:
    """The new-patient health check is due within ``window_days`` of registering."""
    return registered_on + dt.timedelta(days=window_days)
