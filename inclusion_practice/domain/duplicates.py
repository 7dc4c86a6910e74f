"""Finding records that may be the same person before a new registration is saved.

A candidate is a record with the same NHS number, or a record whose name matches fuzzily
(accents, hyphens, spacing, common transliterations) with the same sex and a date of birth that
agrees: exactly, with day and month swapped, or within a year when either date is estimated.
The rule only proposes; reception decides "new person" or "same person".
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from inclusion_practice.domain.names import name_similarity

NAME_THRESHOLD = 88.0
"""rapidfuzz score (0–100) at or above which two names are treated as alike."""
ESTIMATED_YEARS_TOLERANCE = 1
"""When either date of birth is estimated, birth years at most this far apart agree (an
estimated date is only a year: 1 January of it)."""


class DuplicateDecision(StrEnum):
    """What reception says after seeing the candidates."""

    NEW_PERSON = "new_person"
    SAME_PERSON = "same_person"


@dataclass(frozen=True)
class PersonFacts:
    """What the rule compares."""

    given_name: str
    family_name: str
    date_of_birth: dt.date
    dob_estimated: bool
    sex: str
    nhs_number: str | None = None
    patient_id: int | None = None


@dataclass(frozen=True)
class DuplicateCandidate:
    """A record that may be the same person, with the reasons."""

    patient_id: int
    given_name: str
    family_name: str
    date_of_birth: dt.date
    dob_estimated: bool
    sex: str
    score: float
    reasons: tuple[str, ...]


def dates_agree(a: dt.date, a_estimated: bool, b: dt.date, b_estimated: bool) -> str | None:
    """Why two dates of birth agree, or ``None``."""
    if a == b:
        return "same date of birth"
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return "date of birth with day and month swapped"
    if (a_estimated or b_estimated) and abs(a.year - b.year) <= ESTIMATED_YEARS_TOLERANCE:
        return "year of birth within a year (estimated)"
    return None


def match(new: PersonFacts, old: PersonFacts) -> DuplicateCandidate | None:
    """Whether ``old`` may be the same person as ``new``."""
    assert old.patient_id is not None
    reasons: list[str] = []
    if new.nhs_number and old.nhs_number and new.nhs_number == old.nhs_number:
        reasons.append("same NHS number")
    score = name_similarity(
        f"{new.given_name} {new.family_name}", f"{old.given_name} {old.family_name}"
    )
    if not reasons:
        if score < NAME_THRESHOLD or new.sex != old.sex:
            return None
        dob_reason = dates_agree(
            new.date_of_birth, new.dob_estimated, old.date_of_birth, old.dob_estimated
        )
        if dob_reason is None:
            return None
        reasons += [f"name alike ({score:.0f}%)", dob_reason, "same sex"]
    return DuplicateCandidate(
        patient_id=old.patient_id,
        given_name=old.given_name,
        family_name=old.family_name,
        date_of_birth=old.date_of_birth,
        dob_estimated=old.dob_estimated,
        sex=old.sex,
        score=100.0 if "same NHS number" in reasons else score,
        reasons=tuple(reasons),
    )


def find_candidates(new: PersonFacts, existing: Iterable[PersonFacts]) -> list[DuplicateCandidate]:
    """Every possible duplicate of ``new`` in ``existing``, best first."""
    found = [c for old in existing if (c := match(new, old)) is not None]
    return sorted(found, key=lambda c: (-c.score, c.patient_id))


def search_window(dob: dt.date) -> tuple[dt.date, dt.date]:
    """Dates of birth a storage query must load to give :func:`find_candidates` every match."""
    return (
        dt.date(dob.year - ESTIMATED_YEARS_TOLERANCE, 1, 1),
        dt.date(dob.year + ESTIMATED_YEARS_TOLERANCE, 12, 31),
    )


class DuplicateIndex:
    """:func:`find_candidates` over many records without comparing every pair.

    A batch import checks thousands of new records against the whole list. A match needs the
    same NHS number, or a date of birth that agrees (same date, day and month swapped, or within
    :data:`ESTIMATED_YEARS_TOLERANCE` years when either date is estimated), so records are
    bucketed by date and by birth year and only a bucket's records are scored. The answer is the
    same as :func:`find_candidates` over every record (a property test holds it to that).
    """

    def __init__(self, existing: Iterable[PersonFacts] = ()) -> None:
        self._by_nhs: dict[str, list[PersonFacts]] = {}
        self._by_date: dict[dt.date, list[PersonFacts]] = {}
        self._by_year: dict[int, list[PersonFacts]] = {}
        self._estimated_by_year: dict[int, list[PersonFacts]] = {}
        for facts in existing:
            self.add(facts)

    def add(self, facts: PersonFacts) -> None:
        """Index a saved record (it needs its ``patient_id``)."""
        if facts.patient_id is None:
            raise ValueError("only saved records (with a patient id) can be indexed")
        if facts.nhs_number:
            self._by_nhs.setdefault(facts.nhs_number, []).append(facts)
        self._by_date.setdefault(facts.date_of_birth, []).append(facts)
        self._by_year.setdefault(facts.date_of_birth.year, []).append(facts)
        if facts.dob_estimated:
            self._estimated_by_year.setdefault(facts.date_of_birth.year, []).append(facts)

    def candidates(self, new: PersonFacts) -> list[DuplicateCandidate]:
        """Every possible duplicate of ``new`` among the indexed records, best first."""
        d = new.date_of_birth
        pool: dict[int, PersonFacts] = {}

        def take(items: Iterable[PersonFacts]) -> None:
            for f in items:
                assert f.patient_id is not None
                pool[f.patient_id] = f

        if new.nhs_number:
            take(self._by_nhs.get(new.nhs_number, ()))
        take(self._by_date.get(d, ()))
        if d.day <= 12 and d.day != d.month:
            with contextlib.suppress(ValueError):  # e.g. 30 February does not exist
                take(self._by_date.get(dt.date(d.year, d.day, d.month), ()))
        years = range(d.year - ESTIMATED_YEARS_TOLERANCE, d.year + ESTIMATED_YEARS_TOLERANCE + 1)
        for year in years:
            take((self._by_year if new.dob_estimated else self._estimated_by_year).get(year, ()))
        if new.patient_id is not None:
            pool.pop(new.patient_id, None)
        return find_candidates(new, pool.values())
