"""Dates as people at an English practice type and read them.

Day first, always: ``03/12/1990`` is 3 December 1990. Accepted: ``DD/MM/YYYY``, ``D/M/YY``
(also with ``-`` or ``.``), ISO ``YYYY-MM-DD``, ``3 Dec 1990``, and words relative to today:
``today``, ``tomorrow``, ``yesterday``, ``+14d``, ``-2w``, ``+3m``. A month-first reading is
never guessed: ``12/31/1990`` is refused, naming the field. Shown as ``03 Dec 1990``.

The one parser for the CLI, the TUI and the REST API; "today" is always a parameter.
"""

from __future__ import annotations

import datetime as dt
import re

from inclusion_practice.domain.calendar_months import add_months
from inclusion_practice.errors import InvalidInput

_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_RELATIVE = re.compile(r"^([+-])\s*(\d{1,4})\s*([dwmy])$")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{2}|\d{4})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}
FORMS = "DD/MM/YYYY, YYYY-MM-DD, today, tomorrow or +14d"


def _year(text: str, today: dt.date) -> int:
    """Four digits as written; two digits are the nearest year not more than 10 years ahead
    (``03/12/90`` → 1990, ``03/12/25`` → 2025 in 2026)."""
    if len(text) == 4:
        return int(text)
    short = int(text)
    century = today.year - today.year % 100
    year = century + short
    return year - 100 if year > today.year + 10 else year


def _make(year: int, month: int, day: int, text: str, field: str) -> dt.date:
    if not 1 <= month <= 12:
        hint = " (dates are day first: DD/MM/YYYY)" if 1 <= day <= 12 else ""
        raise InvalidInput(field, f"{text!r}: there is no month {month}{hint}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidInput(field, f"{text!r}: there is no day {day} in that month") from None


def parse_day(text: str | None, field: str, *, today: dt.date) -> dt.date | None:
    """The date ``text`` means, or None when it is empty; a clear error naming ``field``."""
    if text is None or not text.strip():
        return None
    raw = " ".join(text.strip().lower().split())
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + dt.timedelta(days=1)
    if raw == "yesterday":
        return today - dt.timedelta(days=1)
    m = _RELATIVE.match(raw)
    if m:
        n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        unit = m.group(3)
        try:
            if unit == "d":
                return today + dt.timedelta(days=n)
            if unit == "w":
                return today + dt.timedelta(weeks=n)
            return add_months(today, n if unit == "m" else 12 * n)
        except (OverflowError, ValueError):
            raise InvalidInput(field, f"{text!r} is too far away") from None
    m = _ISO.match(raw)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), text, field)
    m = _NUMERIC.match(raw)
    if m:
        return _make(_year(m.group(3), today), int(m.group(2)), int(m.group(1)), text, field)
    m = _WORDS.match(raw)
    if m and m.group(2) in _MONTHS:
        return _make(_year(m.group(3), today), _MONTHS[m.group(2)], int(m.group(1)), text, field)
    raise InvalidInput(field, f"{text!r} is not a date ({FORMS})")


def show_day(day: dt.date | None) -> str:
    """``03 Dec 1990`` (empty for no date)."""
    return day.strftime("%d %b %Y") if day else ""
