"""Refusals: the controlled list, forbidden grounds refused with why, 14-day letters, summary."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.refusals import (
    ForbiddenGround,
    RefusalReason,
    check_refusal_reason,
    written_reason_due,
)
from inclusion_practice.errors import InvalidInput, PermissionDenied
from tests.patient_fixtures import actors, audit_rows, counts

__all__ = ["actors"]
D = dt.date


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("outside_boundary", RefusalReason.OUTSIDE_BOUNDARY),
        ("Outside boundary", RefusalReason.OUTSIDE_BOUNDARY),
        ("list-closed", RefusalReason.LIST_CLOSED),
        ("special_allocation_scheme", RefusalReason.SPECIAL_ALLOCATION_SCHEME),
    ],
)
def test_reasons_on_the_controlled_list_are_accepted(reason: str, expected: RefusalReason) -> None:
    assert check_refusal_reason(reason) is expected


@pytest.mark.parametrize(
    ("reason", "explains"),
    [
        ("no_id", "no ID is needed"),
        ("no passport", "no ID is needed"),
        ("no_proof_of_address", "ZZ99 3VZ"),
        ("no fixed abode", "ZZ99 3VZ"),
        ("homeless", "care-of"),
        ("immigration_status", "never a reason"),
        ("asylum seeker", "must not be asked"),
        ("race", "unlawful"),
        ("traveller", "unlawful"),
        ("gender", "unlawful"),
        ("social_class", "not allowed"),
        ("age", "not allowed"),
        ("religion", "unlawful"),
        ("sexual_orientation", "unlawful"),
        ("appearance", "not allowed"),
        ("disability", "unlawful"),
        ("medical_condition", "not allowed"),
        ("drug use", "not allowed"),
    ],
)
def test_forbidden_grounds_are_refused_with_an_explanation(reason: str, explains: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_refusal_reason(reason)
    assert err.value.field == "reason"
    assert "can never be a reason" in err.value.reason and explains in err.value.reason


def test_every_forbidden_ground_in_domain_md_is_covered() -> None:
    assert {g.value for g in ForbiddenGround} == {
        "no_id", "no_proof_of_address", "immigration_status", "race", "gender", "social_class",
        "age", "religion", "sexual_orientation", "appearance", "disability", "medical_condition",
    }


@pytest.mark.parametrize(
    ("detail", "ok"),
    [("practice premises closed by flood", True), ("he had no passport", False),
     ("could not show proof of address", False), ("asked about visa", False), (None, False)],
)
def test_an_other_reason_needs_a_detail_that_is_not_a_forbidden_ground(detail: str | None, ok: bool) -> None:
    if ok:
        assert check_refusal_reason("other_reasonable_ground", detail)
    else:
        with pytest.raises(InvalidInput) as err:
            check_refusal_reason("other_reasonable_ground", detail)
        assert err.value.field == "detail"


def test_the_written_reason_is_due_in_14_days() -> None:
    assert written_reason_due(D(2025, 10, 1)) == D(2025, 10, 15)


def test_recording_a_refusal_and_sending_the_letter_is_audited(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    r = ip.refusals.record(rec, "Jan", "Kowal", "outside_boundary", refused_on=D(2026, 11, 2))
    assert r.written_reason_due == D(2026, 11, 16) and r.written_reason_sent_on is None
    assert r.overdue_on(D(2026, 11, 23))
    sent = ip.refusals.mark_sent(rec, r.id, D(2026, 11, 20))
    assert sent.written_reason_sent_on == D(2026, 11, 20)
    with pytest.raises(InvalidInput, match="already sent"):
        ip.refusals.mark_sent(rec, r.id)
    assert audit_rows(ip) == [("record_refusal", "refusal", "reception1"),
                              ("refusal_letter_sent", "refusal", "reception1")]


def test_a_forbidden_refusal_writes_nothing(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    before = counts(ip)
    for reason in ("no_id", "no_proof_of_address", "immigration_status", "appearance"):
        with pytest.raises(InvalidInput) as err:
            ip.refusals.record(actors["receptionist"], "Jan", "Kowal", reason)
        assert err.value.field == "reason"
    with pytest.raises(InvalidInput) as err:
        ip.refusals.record(actors["receptionist"], "", "Kowal", "outside_boundary")
    assert err.value.field == "given_name"
    assert counts(ip) == before


def test_the_summary_by_reason_age_and_period_is_for_managers(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    ip.refusals.record(rec, "A", "One", "outside_boundary", refused_on=D(2025, 4, 1),
                       date_of_birth=D(2000, 1, 1))
    late = ip.refusals.record(rec, "B", "Two", "list_closed", refused_on=D(2025, 10, 1))
    ip.refusals.mark_sent(rec, late.id, D(2025, 10, 20))
    ip.refusals.record(rec, "C", "Three", "outside_boundary", refused_on=D(2026, 3, 31),
                       date_of_birth=D(1950, 6, 1))
    ip.refusals.record(rec, "D", "Four", "outside_boundary", refused_on=D(2026, 4, 1))
    with pytest.raises(PermissionDenied):
        ip.refusals.summary(rec, "2025/26")
    s = ip.refusals.summary(actors["manager"], "2025/26")
    assert s.total == 3
    assert s.by_reason["outside_boundary"] == 2 and s.by_reason["list_closed"] == 1
    assert s.by_age_band["25-34"] == 1 and s.by_age_band["65+"] == 1
    assert s.by_age_band["not known"] == 1
    assert (s.written_on_time, s.written_late, s.not_yet_written, s.overdue) == (0, 1, 2, 2)
    q3 = ip.refusals.summary(actors["manager"], "2025Q3")
    assert q3.total == 1 and q3.period.start == D(2025, 10, 1)
    assert [r.given_name for r in ip.refusals.list(rec, "2025/26", unsent_only=True)] == ["A", "C"]
