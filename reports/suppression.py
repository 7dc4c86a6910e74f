"""Small-number suppression for anything published: the OpenSAFELY ehrQL rule.

Counts from small registers identify people. For publishable outputs a count of 1 to 7 is shown
as "≤7" and every other count is rounded to the nearest 5 (0 stays 0: an empty cell discloses
nobody). Rates are recomputed from the rounded counts and withheld when either count is
suppressed, so a percentage can never be used to undo the rounding. The private return to the
commissioner carries exact counts. Pure functions, no I/O: every renderer (PDF, CSV, JSON) calls
the same :func:`present_count` so their numbers cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from inclusion_practice.domain.disclosure import ROUND_TO as ROUND_TO
from inclusion_practice.domain.disclosure import SUPPRESS_AT_OR_BELOW as SUPPRESS_AT_OR_BELOW
from inclusion_practice.domain.disclosure import round_to_nearest as round_to_nearest

SUPPRESSED = "≤7"
"""What a suppressed count shows instead of its value."""
WITHHELD = "—"
"""What a rate shows when it was computed from a suppressed count."""

Shown = int | str
"""A count as presented: an exact or rounded number, or :data:`SUPPRESSED`."""


@dataclass(frozen=True)
class Suppression:
    """Whether small-number suppression applies to a document, and how to say so."""

    enabled: bool
    publishable: bool | None = None
    """Whether the document is marked for publication (defaults to ``enabled``)."""

    @property
    def statement(self) -> str:
        """The sentence every output carries so a reader knows which numbers they hold."""
        publishable = self.enabled if self.publishable is None else self.publishable
        if publishable and not self.enabled:
            return (
                "Exact counts although this version is marked for publication: small-number "
                "suppression is turned off in practice.toml "
                "(reporting.suppress_small_numbers_when_publishing). Check before publishing."
            )
        if self.enabled:
            return (
                f"Small-number suppression applies: counts of 1 to {SUPPRESS_AT_OR_BELOW} are "
                f"shown as {SUPPRESSED} and other counts are rounded to the nearest {ROUND_TO}; "
                "percentages are computed from the rounded counts and withheld where a count is "
                f"suppressed ({WITHHELD})."
            )
        return (
            "Exact counts: small-number suppression is off because this return is sent privately "
            "to the commissioner. Do not publish it; produce a publishable version with "
            "--publishable."
        )

    def count(self, n: int) -> Shown:
        return present_count(n, self.enabled)

    def rate(self, numerator: int, denominator: int, digits: int = 1) -> str:
        return present_rate(numerator, denominator, self.enabled, digits)


def suppress_count(n: int) -> Shown:
    """The ehrQL rule: 0 → 0; 1–7 → "≤7"; otherwise rounded to the nearest 5."""
    if n < 0:
        raise ValueError("counts are never negative")
    if n == 0:
        return 0
    if n <= SUPPRESS_AT_OR_BELOW:
        return SUPPRESSED
    return round_to_nearest(n)


def present_count(n: int, suppress: bool) -> Shown:
    """A count as every output shows it."""
    return suppress_count(n) if suppress else n


def format_percent(value: float | None, digits: int = 1) -> str:
    """A percentage with fixed digits (no locale, so output is byte-stable)."""
    if value is None:
        return WITHHELD
    return f"{value:.{digits}f}"


def present_rate(numerator: int, denominator: int, suppress: bool, digits: int = 1) -> str:
    """``numerator / denominator`` as a percentage string, suppression-aware.

    An empty denominator gives :data:`WITHHELD` (there is no rate to show).
    """
    if not suppress:
        return format_percent(100 * numerator / denominator if denominator else None, digits)
    num, den = suppress_count(numerator), suppress_count(denominator)
    if isinstance(num, str) or isinstance(den, str) or not den:
        return WITHHELD
    return format_percent(100 * num / den, digits)
