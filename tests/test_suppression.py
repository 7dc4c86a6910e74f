"""Small-number suppression (the ehrQL rule) at its boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.suppression import (
    SUPPRESSED,
    WITHHELD,
    Suppression,
    present_count,
    present_rate,
    suppress_count,
)


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, 0),
        (1, SUPPRESSED),
        (2, SUPPRESSED),
        (7, SUPPRESSED),
        (8, 10),
        (12, 10),
        (13, 15),
        (15, 15),
        (17, 15),
        (18, 20),
        (102, 100),
        (103, 105),
        (12_347, 12_345),
    ],
)
def test_counts_of_1_to_7_are_suppressed_and_the_rest_rounded_to_5(count: int, shown: object) -> None:
    assert suppress_count(count) == shown


def test_a_negative_count_is_a_bug_not_a_number_to_show() -> None:
    with pytest.raises(ValueError):
        suppress_count(-1)


@pytest.mark.parametrize("count", [0, 1, 7, 8, 12, 13])
def test_the_private_return_shows_exact_counts(count: int) -> None:
    assert present_count(count, suppress=False) == count


@given(st.integers(min_value=8, max_value=10**7))
def test_a_rounded_count_is_a_multiple_of_5_within_2_of_the_truth(n: int) -> None:
    shown = suppress_count(n)
    assert isinstance(shown, int)
    assert shown % 5 == 0
    assert abs(shown - n) <= 2


@pytest.mark.parametrize(
    ("numerator", "denominator", "suppress", "shown"),
    [
        (5, 10, False, "50.0"),
        (0, 0, False, WITHHELD),
        (5, 10, True, WITHHELD),  # numerator suppressed: no rate
        (10, 7, True, WITHHELD),  # denominator suppressed
        (12, 23, True, "40.0"),  # 10 / 25 from the rounded counts, not 52.2
        (0, 20, True, "0.0"),
        (0, 0, True, WITHHELD),
    ],
)
def test_rates_come_from_rounded_counts_and_are_withheld_when_a_count_is_suppressed(
    numerator: int, denominator: int, suppress: bool, shown: str
) -> None:
    assert present_rate(numerator, denominator, suppress) == shown


def test_every_document_says_which_rule_applies() -> None:
    assert "≤7" in Suppression(True).statement
    assert "Exact counts" in Suppression(False).statement
    assert "turned off in practice.toml" in Suppression(False, publishable=True).statement
