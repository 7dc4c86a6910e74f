"""What the engines return: per-patient outcomes and per-indicator tallies (A, B, C, strata).

Both engines produce these types, so tests compare them directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from inclusion_practice.domain.qof import Counts

EXCEPTION_REASONS: dict[str, str] = {
    "excluded": "excluded by a business rule",
    "unsuitable": "care unsuitable (personalised care adjustment)",
    "declined": "declined (informed dissent)",
    "no_response": "did not respond to invitations",
}
"""Exception reason codes, in the precedence order the engines apply them."""


@dataclass(frozen=True)
class PatientOutcome:
    """One denominator patient: in the numerator, excepted (and why), or missing."""

    patient_id: int
    numerator: bool
    exception: str | None
    events: int = 0
    sex: str = "unknown"
    age_band: str = ""
    categories: tuple[str, ...] = ()

    @property
    def missing(self) -> bool:
        return not self.numerator and self.exception is None


@dataclass(frozen=True)
class IndicatorTally:
    indicator_id: str
    total: Counts
    by_sex: dict[str, Counts] = field(default_factory=dict)
    by_age_band: dict[str, Counts] = field(default_factory=dict)
    by_category: dict[str, Counts] = field(default_factory=dict)


def outcome_counts(o: PatientOutcome) -> Counts:
    return Counts(
        numerator=int(o.numerator),
        denominator=1,
        exceptions=int(o.exception is not None),
        events=o.events if o.numerator else 0,
    )


def tally(indicator_id: str, outcomes: Iterable[PatientOutcome]) -> IndicatorTally:
    """Sum outcomes into totals and strata (a patient counts once per category they hold)."""
    total = Counts()
    by_sex: dict[str, Counts] = {}
    by_age: dict[str, Counts] = {}
    by_cat: dict[str, Counts] = {}
    for o in outcomes:
        c = outcome_counts(o)
        total = total + c
        by_sex[o.sex] = by_sex.get(o.sex, Counts()) + c
        by_age[o.age_band] = by_age.get(o.age_band, Counts()) + c
        for cat in o.categories:
            by_cat[cat] = by_cat.get(cat, Counts()) + c
    return IndicatorTally(indicator_id, total, by_sex, by_age, by_cat)
