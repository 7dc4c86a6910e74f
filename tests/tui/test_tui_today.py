"""Today: arrivals (arrived, seen, DNA, left, walk-in), interpreters to book, DNA worklist."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input

from inclusion_practice.clock import FixedClock
from inclusion_practice.services.access import SYSTEM
from tests.conftest import NOW
from tests.tui.conftest import Seeded
from tests.tui.helpers import notifications, screen_text, settle, sign_in, type_text
from tui.app import InclusionPracticeApp

pytestmark = pytest.mark.anyio


def _book_today(app: InclusionPracticeApp, patient_id: int, hour: int) -> int:
    ip = app.ip
    at = NOW.replace(hour=hour)
    offer = next(o for o in ip.appointments.find_slots(patient_id, date_from=at.date(), limit=40,
                                                       length=1, per_session=40)
                 if o.start >= at)
    return ip.appointments.book(SYSTEM, patient_id, offer.slot_ids).appointment.id


async def _highlight(app: InclusionPracticeApp, pilot: object, name: str) -> None:
    table = app.screen.query_one("#arrivals", DataTable)
    row = next(i for i, a in enumerate(app.screen.appointments)  # type: ignore[attr-defined]
               if a.patient_name == name)
    table.move_cursor(row=row)
    await pilot.pause()  # type: ignore[attr-defined]


async def test_a_dna_for_a_flagged_patient_puts_outreach_on_the_worklist_never_a_letter(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    _book_today(app, seeded.flagged_restricted, 10)
    clock = app.ip.clock
    assert isinstance(clock, FixedClock)
    clock.advance(dt.timedelta(hours=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f5")
        await settle(pilot)
        assert "Zofia Kowalska-Nowak" in screen_text(app)
        await _highlight(app, pilot, "Zofia Kowalska-Nowak")
        await pilot.press("d")
        await settle(pilot)
        assert any("On the DNA worklist: contact via keyworker" in n
                   for n in notifications(app))
        await pilot.press("3")
        await settle(pilot)
        text = screen_text(app)
        assert "keyworker" in text.lower()
        assert "warning letter" not in text.lower()
        actions = app.ip.dna.worklist(SYSTEM, include_later=True)
        assert actions and all(a.policy == "flexible" for a in actions)
        assert "Policy: flexible" in text
        await pilot.press("o")
        await settle(pilot)
        await type_text(pilot, "keyworker found her; rebooked")
        await pilot.press("enter")
        await settle(pilot)
        done = [a for a in app.ip.dna.worklist(SYSTEM, include_later=True)
                if a.id == actions[0].id]
        assert done == []


async def test_arrived_then_seen_is_recorded(app: InclusionPracticeApp, seeded: Seeded) -> None:
    appt_id = _book_today(app, seeded.plain, 9)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f5")
        await settle(pilot)
        await _highlight(app, pilot, "Margaret Oduya")
        await pilot.press("a")
        await settle(pilot)
        assert app.ip.appointments.get(appt_id).status.value == "arrived"
        await pilot.press("s")
        await settle(pilot)
        assert app.ip.appointments.get(appt_id).status.value == "seen"
        assert "seen" in screen_text(app)


async def test_a_walk_in_is_recorded_against_a_session_for_the_patient_found(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await type_text(pilot, "Oduya")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert "Walk-in: which session?" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        [appt] = app.ip.appointments.for_patient(seeded.plain)
        assert appt.status.value == "walk_in"


async def test_interpreters_to_book_are_listed_and_marked_booked_with_the_agency_ref(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    ip = app.ip
    tomorrow = (NOW + dt.timedelta(days=1)).date()
    offer = ip.appointments.find_slots(seeded.interpreter, date_from=tomorrow)[0]
    booked = ip.appointments.book(SYSTEM, seeded.interpreter, offer.slot_ids)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        text = screen_text(app)
        assert "Amanuel Tesfay" in text and "ti" in text and "book" in text
        await pilot.press("b")
        await settle(pilot)
        app.screen.query_one("#prompt-input", Input).value = "LL-777"
        await pilot.press("enter")
        await settle(pilot)
        interp = ip.appointments.get(booked.appointment.id).interpreter
        assert interp is not None and interp.status == "booked" and interp.agency_ref == "LL-777"


async def test_health_checks_due_are_listed_and_can_be_recorded_as_done(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    clock = app.ip.clock
    assert isinstance(clock, FixedClock)
    clock.advance(dt.timedelta(days=25))  # the seeded patients' checks fall due in 28 days
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        assert "Margaret Oduya" in text and "Amanuel Tesfay" in text
        table = app.screen.query_one("#health", DataTable)
        row = next(i for i, d in enumerate(app.screen.health_checks)  # type: ignore[attr-defined]
                   if d.patient_id == seeded.plain)
        table.move_cursor(row=row)
        await pilot.pause()
        await pilot.press("h")
        await settle(pilot)
        await type_text(pilot, "completed with the practice nurse")
        await pilot.press("enter")
        await settle(pilot)
        reception = app.ip.users.actor("reception1")
        still_due = {d.patient_id for d in app.ip.patients.health_checks_due(reception)}
        assert seeded.plain not in still_due and seeded.interpreter in still_due
