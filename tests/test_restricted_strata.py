"""Restricted categories in indicator strata: merged and suppressed for non-clinical roles.

The attack: run a register for period ends a day apart and read the sex-work stratum go from 0
to 1 — that says when someone's restricted flag started. Managers and admins now see one
"restricted (not shown)" stratum with small numbers suppressed; clinicians see every category.
"""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.disclosure import (
    RESTRICTED_STRATUM,
    merge_hidden_strata,
    suppressed,
    suppressed_counts,
)
from inclusion_practice.domain.qof import Counts
from inclusion_practice.services.patients import NewPatient

RESTRICTED = {"sex_work", "substance_use", "domestic_abuse_refuge", "modern_slavery"}


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, 0), (7, 0), (8, 10), (12, 10), (13, 15), (100, 100)])
def test_small_numbers_are_suppressed_and_others_rounded_to_five(n: int, shown: int) -> None:
    assert suppressed(n) == shown


def test_hidden_strata_merge_into_one_suppressed_group() -> None:
    merged = merge_hidden_strata(
        {"homelessness": Counts(3, 5), "sex_work": Counts(1, 2), "substance_use": Counts(9, 9)},
        lambda c: c not in RESTRICTED,
    )
    assert merged == {"homelessness": Counts(3, 5), RESTRICTED_STRATUM: Counts(10, 10)}
    assert suppressed_counts(Counts(9, 8)).numerator <= suppressed_counts(Counts(9, 8)).denominator


def test_a_day_apart_a_manager_cannot_see_a_restricted_flag_start(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec, clin = actors["receptionist"], actors["clinician"]
    for i in range(3):
        pid = ip.patients.register(rec, NewPatient(
            given_name=f"Test{i}", family_name="Stratum", sex="female",
            date_of_birth=dt.date(1980 + i, 5, 5)), decision="new_person",
            start=dt.date(2026, 4, 1)).patient.id
        assert pid is not None
        ip.flags.add(rec, pid, "homelessness", start=dt.date(2026, 4, 2))
        if i == 0:
            ip.flags.add(clin, pid, "sex_work", start=dt.date(2026, 11, 21))
    before, after = "2026-04-01..2026-11-20", "2026-04-01..2026-11-21"
    for role in ("manager", "admin"):
        a = ip.indicators.run(actors[role], before)
        b = ip.indicators.run(actors[role], after)
        for ra, rb in zip(a.results, b.results, strict=True):
            assert not RESTRICTED & set(rb.by_category), rb.indicator_id
            assert ra.by_category.get(RESTRICTED_STRATUM) == rb.by_category.get(RESTRICTED_STRATUM)
    seen = ip.indicators.run(clin, after)
    assert any("sex_work" in r.by_category for r in seen.results)
