"""Small-number disclosure control for what non-clinical roles see of restricted categories.

The numbers are the OpenSAFELY ehrQL rule (``reports/suppression.py`` applies the same rule to
published returns): a count of 1–7 discloses people, so it is shown as 0; others are rounded to
the nearest 5. Restricted categories (sex work, substance use, refuge, modern slavery) are not
shown one by one to a role that may not see them: they are merged into one stratum and
suppressed, so two runs a day apart cannot reveal when someone's restricted flag started.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from inclusion_practice.domain.qof import Counts

SUPPRESS_AT_OR_BELOW = 7
"""Counts from 1 to this are suppressed."""
ROUND_TO = 5
"""Other counts are rounded to the nearest multiple of this."""
RESTRICTED_STRATUM = "restricted (not shown)"


def round_to_nearest(n: int, multiple: int = ROUND_TO) -> int:
    """Round a non-negative count to the nearest ``multiple`` (halves cannot occur for 5)."""
    return ((n + multiple // 2) // multiple) * multiple


def suppressed(n: int) -> int:
    """0 stays 0; 1–7 becomes 0; anything else is rounded to the nearest 5."""
    if n <= SUPPRESS_AT_OR_BELOW:
        return 0
    return round_to_nearest(n)


def suppressed_counts(c: Counts) -> Counts:
    """Each count suppressed; the numerator never above the denominator after rounding."""
    denominator = suppressed(c.denominator)
    return Counts(
        min(suppressed(c.numerator), denominator), denominator,
        min(suppressed(c.exceptions), denominator), suppressed(c.events),
    )


def merge_hidden_strata(
    by_category: Mapping[str, Counts], shown: Callable[[str], bool]
) -> dict[str, Counts]:
    """Categories ``shown`` allows stay as they are; the others become one suppressed
    :data:`RESTRICTED_STRATUM`, which is always present (even at zero): its appearing would
    itself say that someone now holds a restricted flag."""
    out = {k: v for k, v in by_category.items() if shown(k)}
    total = Counts()
    for k, v in by_category.items():
        if not shown(k):
            total = total + v
    out[RESTRICTED_STRATUM] = suppressed_counts(total)
    return out
