"""Interpreter rules and the admin team's day list."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.interpreters import (
    InterpreterMode,
    InterpreterStatus,
    after_appointment_cancelled,
    check_transition,
    parse_language,
    suggest_mode,
)
from inclusion_practice.errors import InvalidInput
from tests.scheduling_helpers import add_patient, snapshot


@pytest.mark.parametrize(("status", "after"), [
    ("to_book", InterpreterStatus.CANCELLED), ("booked", InterpreterStatus.TO_CANCEL),
    ("to_cancel", InterpreterStatus.TO_CANCEL), ("cancelled", InterpreterStatus.CANCELLED),
])
def test_cancelling_an_appointment_marks_a_booked_interpreter_to_cancel(status: str,
                                                                       after: InterpreterStatus) -> None:
    assert after_appointment_cancelled(status) is after


@pytest.mark.parametrize(("language", "minutes", "preferred", "mode"), [
    ("pl", 20, None, InterpreterMode.TELEPHONE), ("pl", 60, None, InterpreterMode.FACE_TO_FACE),
    ("bfi", 20, None, InterpreterMode.BSL_IN_PERSON), ("ti", 20, "video", InterpreterMode.VIDEO),
])
def test_suggested_mode(language: str, minutes: int, preferred: str | None,
                        mode: InterpreterMode) -> None:
    assert suggest_mode(language, minutes, preferred) is mode


def test_bad_values_name_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_language("Polish!")
    assert err.value.field == "language"
    with pytest.raises(InvalidInput) as err:
        check_transition("to_cancel", InterpreterStatus.BOOKED)
    assert err.value.field == "status"


def _book_tomorrow(ip: InclusionPractice, actors: dict[str, Actor], patient: int) -> int:
    ip.schedule.generate(actors["manager"], weeks=1)
    tomorrow = ip.clock.today() + dt.timedelta(days=1)
    offer = ip.appointments.find_slots(patient, date_from=tomorrow, date_to=tomorrow)[0]
    return ip.appointments.book(actors["receptionist"], patient, offer.slot_ids).appointment.id


def test_the_day_list_shows_interpreters_to_book_then_to_cancel_after_a_move(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    p = add_patient(ip, interpreter="ti", dialect="Asmara", interpreter_gender="female")
    appt = _book_tomorrow(ip, actors, p)
    due = ip.interpreters.due(days=1)
    assert [(d.appointment_id, d.status, d.language, d.dialect, d.interpreter_gender) for d in due] == [
        (appt, "to_book", "ti", "Asmara", "female")
    ]
    ip.interpreters.set_note(actors["receptionist"], appt, status="booked", agency_ref="LANG-991",
                             interpreter_name="Synthetic Interpreter", note="Prefers Tigrinya only")
    assert ip.interpreters.due(days=1) == []
    info = ip.appointments.get(appt)
    assert info.interpreter is not None and info.interpreter.agency_ref == "LANG-991"

    new = ip.appointments.find_slots(p, date_from=info.start.date() + dt.timedelta(days=1))[0]
    moved = ip.appointments.reschedule(actors["receptionist"], appt, new.slot_ids, reason="clash")
    statuses = {(d.appointment_id, d.status) for d in ip.interpreters.due(days=7)}
    assert (appt, "to_cancel") in statuses
    assert (moved.appointment.id, "to_book") in statuses


def test_booking_an_interpreter_needs_the_agency_reference_and_changes_nothing_without_it(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    p = add_patient(ip, interpreter="pl")
    appt = _book_tomorrow(ip, actors, p)
    before = snapshot(ip)
    with pytest.raises(InvalidInput) as err:
        ip.interpreters.set_note(actors["receptionist"], appt, status="booked")
    assert err.value.field == "agency_ref"
    with pytest.raises(InvalidInput) as err:
        ip.interpreters.set_note(actors["receptionist"], appt, mode="carrier pigeon")
    assert err.value.field == "mode"
    assert snapshot(ip) == before
