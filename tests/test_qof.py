"""QOF result maths: achievement, points, age bands (spec tables). Payment: test_qof_payment."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inclusion_practice.domain.calendar_months import add_months, age_on
from inclusion_practice.domain.qof import (
    Counts,
    achievement,
    age_band,
    birthday_cutoff,
    points,
)


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [(50, 100, 0, 50.0), (50, 100, 50, 100.0), (0, 10, 0, 0.0), (0, 5, 5, None), (0, 0, 0, None), (3, 8, 2, 50.0)],
)
def test_achievement_is_a_over_b_minus_c(a: int, b: int, c: int, expected: float | None) -> None:
    assert achievement(a, b, c) == expected


def test_inconsistent_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        achievement(6, 10, 5)


@pytest.mark.parametrize(
    ("d", "lower", "upper", "max_points", "expected"),
    [
        (30.0, 40, 80, 10, 0.0),
        (40.0, 40, 80, 10, 0.0),  # at the lower threshold: nothing
        (60.0, 40, 80, 10, 5.0),
        (80.0, 40, 80, 10, 10.0),
        (95.0, 40, 80, 10, 10.0),
        (None, 40, 80, 10, 0.0),
        (60.0, None, None, 0, 0.0),
    ],
)
def test_points_follow_the_qof_formula(
    d: float | None, lower: float | None, upper: float | None, max_points: float, expected: float
) -> None:
    assert points(d, lower, upper, max_points) == pytest.approx(expected)


def test_counts_add_up() -> None:
    assert Counts(1, 2, 0, 3) + Counts(1, 3, 1, 0) == Counts(2, 5, 1, 3)
    assert Counts(2, 5, 1).achievement == 50.0


@pytest.mark.parametrize(("age", "band"), [(0, "0-15"), (15, "0-15"), (16, "16-24"), (49, "35-49"), (64, "50-64"), (65, "65+")])
def test_age_bands(age: int, band: str) -> None:
    assert age_band(age) == band


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 1, 1)),
       st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 1, 1)), st.integers(0, 100))
def test_birthday_cutoffs_agree_with_ages(dob: dt.date, on: dt.date, years: int) -> None:
    """The SQL engine compares dates of birth with cut-offs; the evaluator computes ages."""
    assert (age_on(dob, on) >= years) == (dob <= birthday_cutoff(on, years))


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 3, 31), -12) == dt.date(2025, 3, 31)
