"""Book: the day's book, the find-slot dialog (doubles, interpreter note, "just taken"),
cancelling with the interpreter prompt, and moving an appointment."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input

from inclusion_practice.services.access import SYSTEM
from tests.conftest import NOW
from tests.tui.conftest import Seeded
from tests.tui.helpers import screen_text, settle, sign_in, type_text
from tui.app import InclusionPracticeApp
from tui.dialogs.find_slot import FindSlotDialog

pytestmark = pytest.mark.anyio

TOMORROW = (NOW + dt.timedelta(days=1)).date()


async def _open_find_slot(app: InclusionPracticeApp, pilot: object, name: str) -> None:
    await sign_in(pilot, "reception1")  # type: ignore[arg-type]
    await type_text(pilot, name)  # type: ignore[arg-type]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("ctrl+b")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("ctrl+f")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    dialog = app.screen
    assert isinstance(dialog, FindSlotDialog)
    dialog.query_one("#slot-from", Input).value = TOMORROW.isoformat()
    dialog.action_search()
    await settle(pilot)  # type: ignore[arg-type]


async def test_booking_a_patient_who_needs_an_interpreter_proposes_a_double_with_a_note(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_find_slot(app, pilot, "Tesfay")
        text = screen_text(app)
        assert "Double appointment proposed (interpreter needed)" in text
        app.screen.query_one("#slot-interpreter-note", Input).value = "Eritrean dialect"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [appt] = app.ip.appointments.for_patient(seeded.interpreter)
        assert appt.slot_count == 2 and appt.start.date() == TOMORROW
        assert appt.interpreter is not None
        assert appt.interpreter.language == "ti" and appt.interpreter.note == "Eritrean dialect"
        assert "Amanuel Tesfay" in screen_text(app)  # the book now shows the day booked


async def test_a_single_slot_instead_of_a_double_needs_a_reason(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_find_slot(app, pilot, "Tesfay")
        app.screen.query_one("#slot-single").value = True  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Say why one slot is enough" in screen_text(app)
        assert app.ip.appointments.for_patient(seeded.interpreter) == []
        app.screen.query_one("#slot-override", Input).value = "telephone consultation only"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [appt] = app.ip.appointments.for_patient(seeded.interpreter)
        assert appt.slot_count == 1
        assert appt.double_override_reason == "telephone consultation only"


async def test_a_slot_just_taken_by_another_terminal_shows_the_next_options(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_find_slot(app, pilot, "Oduya")
        dialog = app.screen
        assert isinstance(dialog, FindSlotDialog)
        first = dialog.offers[0]
        # Another terminal books the same time first.
        other = app.ip.users.actor("manager1")
        app.ip.appointments.book(other, seeded.interpreter, first.slot_ids,
                                 double_override_reason="test: other terminal")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "just taken" in screen_text(app)
        assert first.slot_ids not in [o.slot_ids for o in dialog.offers]
        assert app.ip.appointments.for_patient(seeded.plain) == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(app.ip.appointments.for_patient(seeded.plain)) == 1


async def test_cancelling_an_appointment_with_a_booked_interpreter_prompts_to_cancel_them(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    ip = app.ip
    reception = ip.users.actor("reception1")
    offer = ip.appointments.find_slots(seeded.interpreter, date_from=TOMORROW)[0]
    booked = ip.appointments.book(reception, seeded.interpreter, offer.slot_ids)
    ip.interpreters.set_note(reception, booked.appointment.id, status="booked",
                             agency_ref="LL-1234")
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f4")
        await settle(pilot)
        app.screen.query_one("#book-day", Input).value = offer.start.date().isoformat()
        app.screen.query_one("#book-day", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#book-table", DataTable)
        screen = app.screen
        row = next(i for i, r in enumerate(screen.rows)  # type: ignore[attr-defined]
                   if r.appointment is not None)
        table.move_cursor(row=row)
        table.focus()
        await pilot.press("ctrl+x")
        await settle(pilot)
        app.screen.query_one("#cancel-reason", Input).value = "feeling better"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Cancel the interpreter too" in screen_text(app)
        assert "LL-1234" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        appt = ip.appointments.get(booked.appointment.id)
        assert appt.status.value == "cancelled_patient"
        assert appt.interpreter is not None and appt.interpreter.status == "cancelled"


async def test_moving_an_appointment_books_the_new_time_and_cancels_the_old(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    ip = app.ip
    offer = ip.appointments.find_slots(seeded.plain, date_from=TOMORROW)[0]
    booked = ip.appointments.book(SYSTEM, seeded.plain, offer.slot_ids)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("f8")  # next day
        await settle(pilot)
        screen = app.screen
        row = next(i for i, r in enumerate(screen.rows)  # type: ignore[attr-defined]
                   if r.appointment is not None)
        table = screen.query_one("#book-table", DataTable)
        table.move_cursor(row=row)
        table.focus()
        await pilot.press("ctrl+r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FindSlotDialog)
        dialog.query_one("#slot-offers", DataTable).move_cursor(row=1)
        await pilot.press("ctrl+s")
        await settle(pilot)
        statuses = sorted(a.status.value for a in ip.appointments.for_patient(seeded.plain))
        assert statuses == ["booked", "cancelled_patient"]
        assert ip.appointments.get(booked.appointment.id).status.value == "cancelled_patient"
