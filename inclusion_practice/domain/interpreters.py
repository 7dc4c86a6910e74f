"""Interpreter bookings: modes, statuses and what cancelling an appointment does to them.

The practice books the interpreter and is charged if it forgets to cancel one, so cancelling or
moving an appointment turns a *booked* interpreter into *to cancel* (the admin team rings the
agency), while one not yet booked is simply cancelled. See DOMAIN.md, "Interpreters".
"""

from __future__ import annotations

import re
from enum import StrEnum

from inclusion_practice.errors import InvalidInput


class InterpreterMode(StrEnum):
    FACE_TO_FACE = "face_to_face"
    TELEPHONE = "telephone"
    VIDEO = "video"
    BSL_IN_PERSON = "bsl_in_person"
    BSL_VIDEO_RELAY = "bsl_video_relay"


class InterpreterStatus(StrEnum):
    TO_BOOK = "to_book"
    BOOKED = "booked"
    TO_CANCEL = "to_cancel"
    """The appointment was cancelled or moved: ring the agency."""
    CANCELLED = "cancelled"


TRANSITIONS: dict[InterpreterStatus, frozenset[InterpreterStatus]] = {
    InterpreterStatus.TO_BOOK: frozenset({InterpreterStatus.BOOKED, InterpreterStatus.CANCELLED}),
    InterpreterStatus.BOOKED: frozenset(
        {InterpreterStatus.TO_CANCEL, InterpreterStatus.CANCELLED, InterpreterStatus.TO_BOOK}
    ),
    InterpreterStatus.TO_CANCEL: frozenset({InterpreterStatus.CANCELLED}),
    InterpreterStatus.CANCELLED: frozenset({InterpreterStatus.TO_BOOK}),
}

LONG_APPOINTMENT_MINUTES = 45
"""A common local rule (to confirm locally): telephone interpreting up to 45 minutes."""

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def check_transition(current: str, new: InterpreterStatus) -> None:
    cur = InterpreterStatus(current)
    if new is cur:
        return
    if new not in TRANSITIONS[cur]:
        raise InvalidInput(
            "status", f"an interpreter booking that is {cur.value} cannot become {new.value}"
        )


def after_appointment_cancelled(current: str) -> InterpreterStatus:
    """Booked → to cancel (ring the agency); not yet booked → cancelled; others unchanged."""
    cur = InterpreterStatus(current)
    if cur is InterpreterStatus.BOOKED:
        return InterpreterStatus.TO_CANCEL
    if cur is InterpreterStatus.TO_BOOK:
        return InterpreterStatus.CANCELLED
    return cur


def parse_mode(value: str | None, field: str = "mode") -> InterpreterMode | None:
    if value is None or value == "":
        return None
    try:
        return InterpreterMode(value)
    except ValueError:
        raise InvalidInput(
            field, f"{value!r} is not one of {', '.join(m.value for m in InterpreterMode)}"
        ) from None


def parse_language(value: str, field: str = "language") -> str:
    """A BCP-47 tag such as ``pl``, ``ti`` or ``bfi`` (BSL)."""
    value = value.strip()
    if not _LANGUAGE.match(value):
        raise InvalidInput(field, f"{value!r} is not a BCP-47 language tag such as 'pl' or 'bfi'")
    return value


def parse_gender(value: str | None, field: str = "interpreter_gender") -> str | None:
    if value is None or value == "":
        return None
    if value not in ("female", "male"):
        raise InvalidInput(field, "must be 'female' or 'male' (or left out)")
    return value


def suggest_mode(
    language: str, minutes: int, preferred: str | None = None
) -> InterpreterMode:
    """The patient's preference if recorded; else BSL in person for BSL, telephone for short
    appointments and face to face for long ones."""
    chosen = parse_mode(preferred)
    if chosen is not None:
        return chosen
    if language == "bfi":
        return InterpreterMode.BSL_IN_PERSON
    if minutes > LONG_APPOINTMENT_MINUTES:
        return InterpreterMode.FACE_TO_FACE
    return InterpreterMode.TELEPHONE
