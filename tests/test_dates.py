"""Dates as people at an English practice type them: day first, never a guessed month-first."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.domain.dates import parse_day, show_day
from inclusion_practice.domain.periods import parse_period
from inclusion_practice.errors import InvalidInput

TODAY = dt.date(2026, 12, 3)  # a Thursday
D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/12/1990", D(1990, 12, 3)),
        ("3/12/1990", D(1990, 12, 3)),
        ("3/2/90", D(1990, 2, 3)),
        ("03/12/25", D(2025, 12, 3)),
        ("03/12/36", D(2036, 12, 3)),  # within ten years ahead
        ("03/12/37", D(1937, 12, 3)),
        ("03-12-1990", D(1990, 12, 3)),
        ("03.12.1990", D(1990, 12, 3)),
        ("1990-12-03", D(1990, 12, 3)),
        ("3 Dec 1990", D(1990, 12, 3)),
        ("3rd December 1990", D(1990, 12, 3)),
        ("29/02/2024", D(2024, 2, 29)),
        ("today", TODAY),
        ("  Tomorrow ", D(2026, 12, 4)),
        ("yesterday", D(2026, 12, 2)),
        ("+14d", D(2026, 12, 17)),
        ("-2w", D(2026, 11, 19)),
        ("+3m", D(2027, 3, 3)),
        ("+1y", D(2027, 12, 3)),
        ("", None),
        (None, None),
    ],
)
def test_a_date_is_read_day_first_or_relative_to_today(text: str | None, expected: dt.date | None) -> None:
    assert parse_day(text, "dob", today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12/31/1990", "no month 31"),  # month first: never guessed
        ("31/02/2020", "no day 31"),
        ("29/02/2023", "no day 29"),
        ("00/01/2020", "no day 0"),
        ("13/13/2020", "no month 13"),
        ("1990/12/03", "not a date"),
        ("next tuesday", "not a date"),
        ("3 Smarch 1990", "not a date"),
        ("+99999d", "not a date"),
    ],
)
def test_a_bad_date_names_the_field_and_says_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_day(text, "dob", today=TODAY)
    assert err.value.field == "dob" and reason in err.value.reason


def test_dates_are_shown_day_first_with_the_month_in_words() -> None:
    assert show_day(D(1990, 12, 3)) == "03 Dec 1990"
    assert show_day(None) == ""


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025/26", D(2025, 4, 1), D(2026, 3, 31)),
        ("2025-26", D(2025, 4, 1), D(2026, 3, 31)),
        ("2025/2026", D(2025, 4, 1), D(2026, 3, 31)),
        ("FY2025", D(2025, 4, 1), D(2026, 3, 31)),
        ("fy 2025/26", D(2025, 4, 1), D(2026, 3, 31)),
        ("2025Q3", D(2025, 10, 1), D(2025, 12, 31)),
        ("Q3 2025/26", D(2025, 10, 1), D(2025, 12, 31)),
        ("q4 2025-26", D(2026, 1, 1), D(2026, 3, 31)),
        ("2025-04-01..2026-03-31", D(2025, 4, 1), D(2026, 3, 31)),
    ],
)
def test_periods_are_read_in_every_way_managers_write_them(text: str, start: dt.date, end: dt.date) -> None:
    p = parse_period(text)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize("text", ["2025/27", "Q5 2025/26", "Q3 2025/27", "FY25", "2025", "last year"])
def test_a_bad_period_names_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_period(text)
    assert err.value.field == "period"
