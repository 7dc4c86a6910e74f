"""Possible duplicates: NHS number, or fuzzy name + date of birth + sex."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inclusion_practice.domain.duplicates import (
    DuplicateIndex,
    PersonFacts,
    dates_agree,
    find_candidates,
    search_window,
)

D = dt.date


def person(given: str, family: str, dob: dt.date, est: bool = False, sex: str = "female",
           nhs: str | None = None, pid: int | None = None) -> PersonFacts:
    return PersonFacts(given, family, dob, est, sex, nhs, pid)


EXISTING = [
    person("Zofia", "Kowalska-Nowak", D(1990, 1, 1), est=True, pid=1),
    person("Anna", "Nowak", D(1990, 6, 1), pid=2),
    person("Ahmed", "Hassan", D(1985, 3, 4), sex="male", nhs="9434765919", pid=3),
    person("Olena", "Shevchenko", D(1979, 11, 30), pid=4),
]


@pytest.mark.parametrize(
    ("new", "expected_ids"),
    [
        # The scenario: spacing instead of hyphen, born a year apart, one estimated.
        (person("Zofia", "Kowalska Nowak", D(1991, 5, 2)), [1]),
        (person("Zofia", "Kowalska Nowak", D(1989, 12, 31)), [1]),
        (person("Zofia", "Kowalska Nowak", D(1993, 5, 2)), []),
        (person("Zofia", "Kowalska Nowak", D(1991, 5, 2), sex="male"), []),
        (person("Anna", "Nowak", D(1990, 6, 1)), [2]),
        (person("Anna", "Nowak", D(1990, 1, 6)), [2]),  # day and month swapped
        (person("Anna", "Nowak", D(1991, 6, 1)), []),  # neither estimated: exact only
        (person("Anna", "Nowak", D(1991, 6, 1), est=True), [2]),
        (person("Someone", "Else", D(2000, 1, 1), sex="male", nhs="9434765919"), [3]),
        (person("Achmed", "Hasan", D(1985, 3, 4), sex="male"), [3]),
        (person("Олена", "Шевченко", D(1979, 11, 30)), [4]),
        (person("Olena", "Shevchenko", D(1979, 11, 29)), []),
    ],
)
def test_candidates_follow_the_rule(new: PersonFacts, expected_ids: list[int]) -> None:
    assert [c.patient_id for c in find_candidates(new, EXISTING)] == expected_ids


def test_each_candidate_says_why() -> None:
    [c] = find_candidates(person("Zofia", "Kowalska Nowak", D(1991, 5, 2)), EXISTING)
    assert "year of birth within a year (estimated)" in c.reasons
    assert "same sex" in c.reasons


def test_the_storage_window_covers_every_date_the_rule_accepts() -> None:
    lo, hi = search_window(D(1991, 5, 2))
    assert lo <= D(1990, 1, 1) and hi >= D(1992, 12, 31)


@pytest.mark.parametrize(
    ("a", "a_est", "b", "b_est", "agrees"),
    [
        (D(1990, 1, 1), True, D(1991, 12, 31), False, True),
        (D(1990, 1, 1), False, D(1991, 12, 31), False, False),
        (D(1990, 3, 4), False, D(1990, 4, 3), False, True),
        (D(1990, 1, 1), True, D(1992, 1, 1), True, False),
    ],
)
def test_dates_of_birth_agree_by_the_rule(
    a: dt.date, a_est: bool, b: dt.date, b_est: bool, agrees: bool
) -> None:
    assert (dates_agree(a, a_est, b, b_est) is not None) is agrees


# ------------------------------------------------------------------ the index batch imports use

_GIVEN = ["Ana", "Anna", "Ána", "Mohammed", "Muhammad", "Zoë", "Zoe", "Jan", "Ján"]
_FAMILY = ["Lee", "Li", "Smith-Jones", "Smith Jones", "Öztürk", "Ozturk", "Nowak"]


@st.composite
def _person(draw: st.DrawFn, pid: int | None) -> PersonFacts:
    return PersonFacts(
        given_name=draw(st.sampled_from(_GIVEN)), family_name=draw(st.sampled_from(_FAMILY)),
        date_of_birth=draw(st.dates(dt.date(1988, 1, 1), dt.date(1992, 12, 31))),
        dob_estimated=draw(st.booleans()), sex=draw(st.sampled_from(["female", "male"])),
        nhs_number=draw(st.sampled_from([None, None, "9434765919", "9434765870"])),
        patient_id=pid,
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_index_finds_exactly_what_comparing_every_record_finds(data: st.DataObject) -> None:
    """The bucketed index must not lose a candidate the plain rule would show reception."""
    existing = [data.draw(_person(i)) for i in range(1, data.draw(st.integers(0, 25)) + 1)]
    new = data.draw(_person(None))
    assert DuplicateIndex(existing).candidates(new) == find_candidates(new, existing)


def test_the_index_only_holds_saved_records() -> None:
    with pytest.raises(ValueError, match="patient id"):
        DuplicateIndex([PersonFacts("Ana", "Lee", dt.date(1990, 1, 1), False, "female")])
