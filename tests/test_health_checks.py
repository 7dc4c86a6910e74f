"""New-patient health checks: created on registration, listed when due, marked done."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InvalidInput, NotFound
from tests.patient_fixtures import actors, audit_rows, counts, zofia  # noqa: F401


def test_registering_creates_a_check_due_within_the_configured_window(
    ip: InclusionPractice, actors: dict[str, Actor]  # noqa: F811
) -> None:
    result = ip.patients.register(actors["receptionist"], zofia())
    assert result.health_check_due == ip.clock.today() + dt.timedelta(days=28)
    assert ip.patients.health_checks_due(actors["receptionist"], within_days=7) == []
    due = ip.patients.health_checks_due(actors["receptionist"], within_days=28)
    assert [(d.patient_id, d.due_date, d.overdue) for d in due] == [
        (result.patient.id, result.health_check_due, False)
    ]


def test_an_overdue_check_is_listed_first_and_marked_overdue(
    ip: InclusionPractice, actors: dict[str, Actor], clock: FixedClock  # noqa: F811
) -> None:
    first = ip.patients.register(actors["receptionist"], zofia())
    clock.advance(dt.timedelta(days=10))
    second = ip.patients.register(
        actors["receptionist"], zofia(given_name="Tesfaye", family_name="Gebremedhin",
                                      sex="male", main_language="ti"), decision="new_person",
    )
    clock.advance(dt.timedelta(days=25))
    due = ip.patients.health_checks_due(actors["receptionist"], within_days=7)
    assert [(d.patient_id, d.overdue) for d in due] == [
        (first.patient.id, True), (second.patient.id, False)
    ]


def test_completing_a_check_takes_it_off_the_list_and_is_audited(
    ip: InclusionPractice, actors: dict[str, Actor]  # noqa: F811
) -> None:
    pid = ip.patients.register(actors["receptionist"], zofia()).patient.id
    ip.patients.complete_health_check(actors["clinician"], pid, outcome="health check completed")
    assert ip.patients.health_checks_due(actors["receptionist"], within_days=60) == []
    assert ("complete_health_check", "task", "drokafor") in audit_rows(ip)


@pytest.mark.parametrize(
    ("patient", "outcome", "field"),
    [(None, "done", "patient"), ("known", "   ", "outcome"), ("known", "x" * 501, "outcome")],
)
def test_bad_completions_name_the_field_and_write_nothing(
    ip: InclusionPractice, actors: dict[str, Actor], patient: str | None, outcome: str,  # noqa: F811
    field: str,
) -> None:
    pid = ip.patients.register(actors["receptionist"], zofia()).patient.id
    before = counts(ip)
    target = pid if patient else 99_999
    with pytest.raises((InvalidInput, NotFound)) as err:
        ip.patients.complete_health_check(actors["receptionist"], target, outcome=outcome)
    assert field in str(err.value)
    assert counts(ip) == before


def test_a_check_cannot_be_completed_twice(ip: InclusionPractice, actors: dict[str, Actor]) -> None:  # noqa: F811
    pid = ip.patients.register(actors["receptionist"], zofia()).patient.id
    ip.patients.complete_health_check(actors["receptionist"], pid, outcome="done at the drop-in")
    with pytest.raises(InvalidInput, match="no health check due"):
        ip.patients.complete_health_check(actors["receptionist"], pid, outcome="again")
