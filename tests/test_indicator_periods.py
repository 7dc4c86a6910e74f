"""Period strings the indicator commands accept (financial years, quarters, custom ranges)."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.domain.periods import parse_period
from inclusion_practice.errors import InvalidInput

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025/26", D(2025, 4, 1), D(2026, 3, 31)),
        ("2023/24", D(2023, 4, 1), D(2024, 3, 31)),  # leap February inside
        ("1999/00", D(1999, 4, 1), D(2000, 3, 31)),  # century rollover
        ("2025Q1", D(2025, 4, 1), D(2025, 6, 30)),
        ("2025Q3", D(2025, 10, 1), D(2025, 12, 31)),
        ("2025Q4", D(2026, 1, 1), D(2026, 3, 31)),
        ("2025-04-01..2026-03-31", D(2025, 4, 1), D(2026, 3, 31)),
        ("2026-02-28..2026-02-28", D(2026, 2, 28), D(2026, 2, 28)),
    ],
)
def test_periods_parse(text: str, start: dt.date, end: dt.date) -> None:
    p = parse_period(text)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize("text", ["2025", "2025Q5", "2025Q0", "26/27", "2026-03-31..2025-04-01", "2025-02-30..2025-03-01", "", "last year"])
def test_bad_periods_name_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_period(text)
    assert err.value.field == "period"
