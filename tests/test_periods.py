"""Reporting periods: financial years, quarters (Q1 = April–June) and custom ranges."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.domain.periods import Period, financial_year_of, parse_period
from inclusion_practice.errors import InvalidInput

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2025/26", D(2025, 4, 1), D(2026, 3, 31), "2025/26"),
        ("2025/2026", D(2025, 4, 1), D(2026, 3, 31), "2025/26"),
        ("1999/00", D(1999, 4, 1), D(2000, 3, 31), "1999/00"),
        ("2025Q1", D(2025, 4, 1), D(2025, 6, 30), "2025Q1"),
        ("2025Q2", D(2025, 7, 1), D(2025, 9, 30), "2025Q2"),
        ("2025Q3", D(2025, 10, 1), D(2025, 12, 31), "2025Q3"),
        ("2025q4", D(2026, 1, 1), D(2026, 3, 31), "2025Q4"),
        ("2025-04-01..2026-03-31", D(2025, 4, 1), D(2026, 3, 31), "2025-04-01..2026-03-31"),
        ("2026-02-01..2026-02-01", D(2026, 2, 1), D(2026, 2, 1), "2026-02-01..2026-02-01"),
    ],
)
def test_periods_parse_to_closed_date_ranges(text: str, start: dt.date, end: dt.date, label: str) -> None:
    assert parse_period(text) == Period(start, end, label)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025/27", "written 2025/26"),
        ("2025Q5", "is not a period"),
        ("2026-03-31..2025-04-01", "before the start"),
        ("2025-02-30..2025-03-01", "day is out of range"),
        ("last year", "is not a period"),
    ],
)
def test_bad_periods_are_refused_saying_what_is_accepted(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_period(text, "--year")
    assert err.value.field == "--year"
    assert reason in err.value.reason


@pytest.mark.parametrize(
    ("day", "label"),
    [(D(2026, 3, 31), "2025/26"), (D(2026, 4, 1), "2026/27"), (D(2026, 1, 1), "2025/26")],
)
def test_the_financial_year_of_a_day(day: dt.date, label: str) -> None:
    assert financial_year_of(day).label == label


def test_a_period_contains_its_ends() -> None:
    p = parse_period("2025/26")
    assert D(2025, 4, 1) in p and D(2026, 3, 31) in p and D(2026, 4, 1) not in p
    assert p.days == 365
