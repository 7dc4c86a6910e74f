"""Dates typed on the command line: ``YYYY-MM-DD``, ``today`` or ``tomorrow``."""

from __future__ import annotations

import datetime as dt

from inclusion_practice.errors import InvalidInput


def parse_date(text: str | None, option: str) -> dt.date | None:
    """None when left out; a clear error naming the option when it is not a date.

    ``today`` is the system date, which is the CLI's clock (freezegun pins it in tests).
    """
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    if value == "today":
        return dt.date.today()
    if value == "tomorrow":
        return dt.date.today() + dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(option, f"{text!r} is not a date (YYYY-MM-DD, today or tomorrow)") from None
