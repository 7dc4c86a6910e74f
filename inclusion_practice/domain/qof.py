"""QOF-style result maths: achievement, points, age bands and birthday cut-offs.

Pure functions on plain numbers, shared by every indicator engine so they cannot disagree.

Achievement D = A / (B − C) × 100 (A numerator, B denominator, C personalised care adjustments
and exclusions). Points = 0 if D ≤ lower threshold E; the maximum G if D ≥ upper threshold F;
otherwise (D − E) / (F − E) × G. Payment (the contractor population index, prevalence and the
£ per point of each financial year) is :mod:`inclusion_practice.domain.qof_payment`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-15", 0, 15),
    ("16-24", 16, 24),
    ("25-34", 25, 34),
    ("35-49", 35, 49),
    ("50-64", 50, 64),
    ("65+", 65, None),
)
"""Stratification bands (inclusive ages)."""


def birthday_cutoff(on: dt.date, years: int) -> dt.date:
    """The latest date of birth of someone at least ``years`` old on ``on``.

    ``age_on(dob, on) >= years`` exactly when ``dob <= birthday_cutoff(on, years)``; the SQL engine
    compares dates of birth with these constants instead of doing date arithmetic per row.
    """
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February in a non-leap target year
        return dt.date(on.year - years, 2, 28)


def age_band(age: int) -> str:
    for label, lo, hi in AGE_BANDS:
        if age >= lo and (hi is None or age <= hi):
            return label
    return AGE_BANDS[0][0]


@dataclass(frozen=True)
class Counts:
    """A, B, C and the number of numerator events for one indicator (or one stratum)."""

    numerator: int = 0
    denominator: int = 0
    exceptions: int = 0
    events: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.numerator + other.numerator,
            self.denominator + other.denominator,
            self.exceptions + other.exceptions,
            self.events + other.events,
        )

    @property
    def eligible(self) -> int:
        """B − C: the population achievement is measured against."""
        return self.denominator - self.exceptions

    @property
    def achievement(self) -> float | None:
        """A / (B − C) × 100, or None when nobody is eligible."""
        return achievement(self.numerator, self.denominator, self.exceptions)


def achievement(numerator: int, denominator: int, exceptions: int) -> float | None:
    """A / (B − C) × 100; None when B − C is 0 (nothing to measure)."""
    if not 0 <= exceptions <= denominator or not 0 <= numerator <= denominator - exceptions:
        raise ValueError(f"inconsistent counts A={numerator} B={denominator} C={exceptions}")
    eligible = denominator - exceptions
    return None if eligible == 0 else numerator / eligible * 100


def points(
    achieved: float | None, lower: float | None, upper: float | None, max_points: float
) -> float:
    """QOF points for an achievement percentage (0 when there is nothing to score)."""
    if achieved is None or lower is None or upper is None or max_points == 0:
        return 0.0
    if upper <= lower:
        raise ValueError("upper threshold must be above the lower threshold")
    if achieved <= lower:
        return 0.0
    if achieved >= upper:
        return float(max_points)
    return (achieved - lower) / (upper - lower) * max_points
