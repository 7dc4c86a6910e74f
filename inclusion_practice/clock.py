"""Where "today" comes from.

Every rule that depends on the date takes it as a parameter; services get it from a
:class:`Clock` so that tests (with freezegun) and batch jobs (with a fixed date) can pin it.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Something that can tell the time."""

    def now(self) -> dt.datetime:
        """The current local time, naive (the practice works in one time zone)."""
        ...

    def today(self) -> dt.date:
        """The current date."""
        ...


class SystemClock:
    """The real clock. Honours freezegun because it calls ``datetime.now`` each time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now().replace(microsecond=0)

    def today(self) -> dt.date:
        return dt.date.today()


class FixedClock:
    """A clock stopped at one moment: for reports "as at" a date and for tests."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = at

    def now(self) -> dt.datetime:
        return self._at

    def today(self) -> dt.date:
        return self._at.date()

    def advance(self, delta: dt.timedelta) -> None:
        """Move the stopped clock on (tests that cross a window)."""
        self._at = self._at + delta
