"""What happened to an appointment: statuses, the moves between them, lateness and late
cancellation.

Lateness beyond a fraction of the booked time counts as a DNA, and a patient cancelling within
a number of hours is a "late" cancellation: both are settings (``[dna]`` in practice.toml), so
these rules take them as parameters.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum

from inclusion_practice.errors import InvalidInput


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    SEEN = "seen"
    DNA = "dna"
    CANCELLED_PATIENT = "cancelled_patient"
    CANCELLED_PRACTICE = "cancelled_practice"
    LEFT = "left"
    """Left without being seen."""
    WALK_IN = "walk_in"
    """Unbooked: arrived and recorded against the session."""


CANCELLED: frozenset[AppointmentStatus] = frozenset(
    {AppointmentStatus.CANCELLED_PATIENT, AppointmentStatus.CANCELLED_PRACTICE}
)
HOLDS_SLOTS: frozenset[AppointmentStatus] = frozenset(
    {
        AppointmentStatus.BOOKED,
        AppointmentStatus.ARRIVED,
        AppointmentStatus.SEEN,
        AppointmentStatus.DNA,
        AppointmentStatus.LEFT,
    }
)
"""Statuses whose slots stay held: only cancelling frees a slot (a DNA's time has gone)."""

TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.BOOKED: frozenset(
        {
            AppointmentStatus.ARRIVED,
            AppointmentStatus.DNA,
            AppointmentStatus.CANCELLED_PATIENT,
            AppointmentStatus.CANCELLED_PRACTICE,
        }
    ),
    AppointmentStatus.ARRIVED: frozenset({AppointmentStatus.SEEN, AppointmentStatus.LEFT}),
    AppointmentStatus.WALK_IN: frozenset({AppointmentStatus.SEEN, AppointmentStatus.LEFT}),
    AppointmentStatus.SEEN: frozenset(),
    AppointmentStatus.DNA: frozenset(),
    AppointmentStatus.LEFT: frozenset(),
    AppointmentStatus.CANCELLED_PATIENT: frozenset(),
    AppointmentStatus.CANCELLED_PRACTICE: frozenset(),
}


def check_transition(current: str, new: AppointmentStatus) -> None:
    """Raise unless ``current`` may become ``new`` (e.g. a seen appointment cannot be a DNA)."""
    cur = AppointmentStatus(current)
    if new not in TRANSITIONS[cur]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[cur])) or "nothing (final)"
        raise InvalidInput(
            "status", f"an appointment that is {cur.value} cannot become {new.value} (allowed: {allowed})"
        )


def lateness_threshold_minutes(booked_minutes: int, fraction: float) -> int:
    """Minutes late beyond which arrival counts as a DNA (e.g. half of a 10-minute slot: 5)."""
    if fraction < 0:
        raise InvalidInput("lateness_fraction_of_slot", "must not be below zero")
    if booked_minutes < 0:
        raise InvalidInput("booked_minutes", "must not be below zero")
    return math.floor(booked_minutes * fraction)


def counts_as_dna(minutes_late: int, threshold_minutes: int) -> bool:
    """Arriving *more* than ``threshold_minutes`` late counts as a DNA."""
    if threshold_minutes < 0:
        raise InvalidInput("late_threshold_minutes", "must not be below zero")
    if minutes_late < 0:
        raise InvalidInput("minutes_late", "must not be below zero (early is 0)")
    return minutes_late > threshold_minutes


def minutes_late(start: dt.datetime, arrived_at: dt.datetime) -> int:
    """Whole minutes after ``start``; early arrival is 0."""
    return max(0, int((arrived_at - start).total_seconds() // 60))


def is_late_cancellation(start: dt.datetime, cancelled_at: dt.datetime, hours: int) -> bool:
    """A patient cancellation within ``hours`` of the start is late (after the start too)."""
    if hours < 0:
        raise InvalidInput("late_cancel_hours", "must not be below zero")
    return start - cancelled_at < dt.timedelta(hours=hours)
