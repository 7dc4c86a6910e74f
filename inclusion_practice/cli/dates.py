"""Dates typed on the command line: the one domain parser (``03/12/1990``, ``2025-12-03``,
``today``, ``tomorrow``, ``+14d``), with today from the system clock (freezegun pins it in tests).
"""

from __future__ import annotations

import datetime as dt

from inclusion_practice.clock import Clock, SystemClock
from inclusion_practice.domain.dates import parse_day


def parse_date(text: str | None, option: str, clock: Clock | None = None) -> dt.date | None:
    """None when left out; a clear error naming the option when it is not a date."""
    return parse_day(text, option, today=(clock or SystemClock()).today())
