"""The one "active on a day" rule.

Registrations, flags, adjustments and care-of addresses all run from a first day to an optional
last day; registrations may also lapse at a planned end (temporary residents, immediately
necessary treatment). Every engine, service and report asks the same question — is it in force
on this day? — so the answer lives here once, and the SQL form in
:func:`inclusion_practice.storage.active.active_on` mirrors it (a spec test checks they agree).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def last_day(end: dt.date | None, planned_end: dt.date | None = None) -> dt.date | None:
    """The last day covered: the earlier of an end and a planned end (``None``: open)."""
    if end is None:
        return planned_end
    if planned_end is None:
        return end
    return min(end, planned_end)


def covers(
    start: dt.date, end: dt.date | None, day: dt.date, planned_end: dt.date | None = None
) -> bool:
    """Whether a span from ``start`` to ``end`` (both inclusive; ``None`` open) covers ``day``."""
    last = last_day(end, planned_end)
    return start <= day and (last is None or day <= last)


def overlaps(
    start: dt.date,
    end: dt.date | None,
    first: dt.date,
    last: dt.date | None,
    planned_end: dt.date | None = None,
) -> bool:
    """Whether the span shares any day with ``first``..``last`` (``None``: open)."""
    own_last = last_day(end, planned_end)
    return (own_last is None or first <= own_last) and (last is None or start <= last)


@dataclass(frozen=True)
class Span:
    """A run of days: ``start`` to ``end`` inclusive, lapsing after ``planned_end`` if set."""

    start: dt.date
    end: dt.date | None = None
    planned_end: dt.date | None = None

    @property
    def last_day(self) -> dt.date | None:
        return last_day(self.end, self.planned_end)

    def covers(self, day: dt.date) -> bool:
        return covers(self.start, self.end, day, self.planned_end)

    def overlaps(self, first: dt.date, last: dt.date | None) -> bool:
        return overlaps(self.start, self.end, first, last, self.planned_end)
