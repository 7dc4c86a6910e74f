"""Reporting periods: financial years, quarters and custom ranges.

The NHS financial (and QOF) year runs 1 April to 31 March: "2025/26" is 1 April 2025 to
31 March 2026. Quarters are of the financial year that starts in the named calendar year:
2025Q1 = April–June 2025, Q2 = July–September, Q3 = October–December 2025, Q4 = January–March
2026. A custom range is written ``2025-04-01..2026-03-31`` (both days included).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from inclusion_practice.errors import InvalidInput

_FY = re.compile(r"^(?:FY\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})$", re.IGNORECASE)
_FY_START = re.compile(r"^FY\s*(\d{4})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_QUARTER_OF_YEAR = re.compile(r"^Q([1-4])\s+(\d{4})\s*[/-]\s*(\d{2}|\d{4})$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    """A closed range of days with the label it was asked for by."""

    start: dt.date
    end: dt.date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def financial_year(start_year: int) -> Period:
    """The financial year starting 1 April ``start_year``."""
    return Period(
        dt.date(start_year, 4, 1),
        dt.date(start_year + 1, 3, 31),
        f"{start_year}/{(start_year + 1) % 100:02d}",
    )


def financial_year_of(day: dt.date) -> Period:
    """The financial year containing ``day``."""
    return financial_year(day.year if day.month >= 4 else day.year - 1)


def quarter(start_year: int, q: int) -> Period:
    """Quarter ``q`` (1–4) of the financial year starting in ``start_year``."""
    if q not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1-4")
    month = 4 + 3 * (q - 1)
    year = start_year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    start = dt.date(year, month, 1)
    nxt_month = month + 3
    nxt = dt.date(year + (nxt_month - 1) // 12, (nxt_month - 1) % 12 + 1, 1)
    return Period(start, nxt - dt.timedelta(days=1), f"{start_year}Q{q}")


def _year_pair(text: str, field: str, first: str, second: str) -> int:
    start_year = int(first)
    expected = start_year + 1 if len(second) == 4 else (start_year + 1) % 100
    if int(second) != expected:
        raise InvalidInput(
            field, f"{text!r}: a financial year is written {start_year}/{(start_year + 1) % 100:02d}"
        )
    return start_year


def parse_period(text: str, field: str = "period") -> Period:
    """Parse a financial year (``2025/26``, ``2025-26``, ``2025/2026``, ``FY2025``), a quarter
    (``2025Q3``, ``Q3 2025/26``) or a range (``2025-04-01..2026-03-31``).

    ``FY2025`` is the year that starts in April 2025, like ``2025/26``. Raises
    :class:`InvalidInput` naming ``field`` with the accepted forms.
    """
    raw = " ".join((text or "").split())
    m = _FY.match(raw)
    if m:
        return financial_year(_year_pair(text, field, m.group(1), m.group(2)))
    m = _FY_START.match(raw)
    if m:
        return financial_year(int(m.group(1)))
    m = _QUARTER.match(raw)
    if m:
        return quarter(int(m.group(1)), int(m.group(2)))
    m = _QUARTER_OF_YEAR.match(raw)
    if m:
        return quarter(_year_pair(text, field, m.group(2), m.group(3)), int(m.group(1)))
    m = _RANGE.match(raw)
    if m:
        try:
            start = dt.date.fromisoformat(m.group(1))
            end = dt.date.fromisoformat(m.group(2))
        except ValueError as exc:
            raise InvalidInput(field, f"{text!r}: {exc}") from None
        if end < start:
            raise InvalidInput(field, f"{text!r}: the end {end} is before the start {start}")
        return Period(start, end, f"{start}..{end}")
    raise InvalidInput(
        field,
        f"{text!r} is not a period: use a financial year (2025/26, 2025-26, FY2025), a quarter "
        "(2025Q3, Q3 2025/26) or a range (2025-04-01..2026-03-31)",
    )
