"""Attendance rules: transitions, lateness that counts as a DNA, late cancellation."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.domain.attendance import (
    AppointmentStatus,
    check_transition,
    counts_as_dna,
    is_late_cancellation,
    lateness_threshold_minutes,
    minutes_late,
)
from inclusion_practice.errors import InvalidInput

S = AppointmentStatus


@pytest.mark.parametrize(("current", "new", "ok"), [
    (S.BOOKED, S.ARRIVED, True), (S.BOOKED, S.DNA, True), (S.BOOKED, S.CANCELLED_PATIENT, True),
    (S.BOOKED, S.CANCELLED_PRACTICE, True), (S.ARRIVED, S.SEEN, True), (S.ARRIVED, S.LEFT, True),
    (S.WALK_IN, S.SEEN, True), (S.BOOKED, S.SEEN, False), (S.SEEN, S.DNA, False),
    (S.DNA, S.ARRIVED, False), (S.CANCELLED_PATIENT, S.ARRIVED, False), (S.LEFT, S.SEEN, False),
])
def test_status_transitions(current: AppointmentStatus, new: AppointmentStatus, ok: bool) -> None:
    if ok:
        check_transition(current.value, new)
    else:
        with pytest.raises(InvalidInput) as err:
            check_transition(current.value, new)
        assert err.value.field == "status"


@pytest.mark.parametrize(("booked", "fraction", "late", "dna"), [
    (10, 0.5, 5, False), (10, 0.5, 6, True), (20, 0.5, 10, False), (20, 0.5, 11, True),
    (15, 0.5, 7, False), (15, 0.5, 8, True), (10, 0.0, 1, True), (10, 0.0, 0, False),
])
def test_lateness_beyond_the_threshold_counts_as_a_dna(booked: int, fraction: float, late: int,
                                                      dna: bool) -> None:
    assert counts_as_dna(late, lateness_threshold_minutes(booked, fraction)) is dna


@pytest.mark.parametrize(("call", "field"), [
    (lambda: lateness_threshold_minutes(10, -0.1), "lateness_fraction_of_slot"),
    (lambda: counts_as_dna(3, -1), "late_threshold_minutes"),
    (lambda: counts_as_dna(-2, 5), "minutes_late"),
    (lambda: is_late_cancellation(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 1), -1),
     "late_cancel_hours"),
])
def test_negative_thresholds_are_refused_naming_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        call()  # type: ignore[operator]
    assert err.value.field == field


def test_early_arrival_is_not_late() -> None:
    start = dt.datetime(2026, 11, 23, 10, 0)
    assert minutes_late(start, start - dt.timedelta(minutes=7)) == 0
    assert minutes_late(start, start + dt.timedelta(minutes=7, seconds=59)) == 7


@pytest.mark.parametrize(("hours_before", "late"), [(48, False), (24, False), (23, True), (0, True),
                                                    (-1, True)])
def test_a_patient_cancelling_within_the_hours_is_late(hours_before: int, late: bool) -> None:
    start = dt.datetime(2026, 11, 25, 10, 0)
    assert is_late_cancellation(start, start - dt.timedelta(hours=hours_before), 24) is late
