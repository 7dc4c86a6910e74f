"""Register: the guided form, the no-fixed-abode path, the duplicate step, refusals."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import Checkbox, DataTable, Input, Select, SelectionList

from inclusion_practice.storage.tables import Refusal
from tests.tui.conftest import Seeded
from tests.tui.helpers import screen_text, settle, sign_in
from tui.app import InclusionPracticeApp
from tui.screens.register import NO_ID_REMINDER, RegisterScreen

pytestmark = pytest.mark.anyio


def _fill(app: InclusionPracticeApp, values: dict[str, object]) -> None:
    screen = app.screen
    for selector, value in values.items():
        widget = screen.query_one(selector)
        if isinstance(widget, Input):
            widget.value = str(value)
        elif isinstance(widget, (Select, Checkbox)):
            widget.value = value
        elif isinstance(widget, SelectionList):
            for item in value:  # type: ignore[attr-defined]
                widget.select(item)


async def _register_hostel_patient(app: InclusionPracticeApp, pilot: object) -> None:
    _fill(app, {"#given": "Selam", "#family": "Haile", "#sex": "female",
                "#birth-year": "1994"})
    assert NO_ID_REMINDER in screen_text(app)
    await pilot.press("f8")  # type: ignore[attr-defined]
    _fill(app, {"#nfa": True, "#letters": "partner", "#partner": "st-annes-hostel",
                "#contact-route": "keyworker", "#keyworker-name": "Duty worker",
                "#keyworker-partner": "st-annes-hostel"})
    assert NO_ID_REMINDER in screen_text(app)
    await pilot.press("f8")  # type: ignore[attr-defined]
    _fill(app, {"#language": "Tigrinya", "#interpreter": True, "#interp-mode": "telephone",
                "#adjustments": ["extended_appointment"]})
    assert NO_ID_REMINDER in screen_text(app)
    await pilot.press("f8")  # type: ignore[attr-defined]
    _fill(app, {"#flags": ["homelessness:hostel_or_shelter"]})
    assert NO_ID_REMINDER in screen_text(app)
    await pilot.press("f8")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert NO_ID_REMINDER in screen_text(app)


async def test_a_person_of_no_fixed_abode_at_a_hostel_with_a_tigrinya_interpreter_registers(
    app: InclusionPracticeApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f3")
        await _register_hostel_patient(app, pilot)
        assert "No possible duplicates" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Registered Selam Haile" in screen_text(app)
        found = app.ip.patients.find(app.actor, "Selam Haile")
        assert len(found) == 1
        view = app.ip.patients.show(app.actor, found[0].id)
        assert view.record.addresses.no_fixed_abode
        assert view.record.addresses.usual_postcode == "ZZ99 3VZ"
        assert view.record.addresses.correspondence_partner == "st-annes-hostel"
        assert view.record.communication.main_language == "ti"
        assert view.needs.double_appointment and view.needs.flexible_dna
        assert view.record.dob_estimated
        assert [f.category for f in view.flags] == ["homelessness"]


async def test_the_practice_address_needs_the_agreed_to_check_for_post_step(
    app: InclusionPracticeApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f3")
        _fill(app, {"#given": "Tom", "#family": "Reilly", "#sex": "male",
                    "#dob": "1980-03-04"})
        await pilot.press("f8")
        _fill(app, {"#nfa": True, "#letters": "practice"})
        await pilot.pause()
        assert app.screen.query_one("#post-check").display
        await pilot.press("f8", "f8", "f8")
        await settle(pilot)
        # Not agreed: the service refuses and the form returns to the address step.
        screen = app.screen
        assert isinstance(screen, RegisterScreen) and screen.step == "step-address"
        _fill(app, {"#post-check": True})
        await pilot.press("f8", "f8", "f8")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        found = app.ip.patients.find(app.actor, "Tom Reilly")
        view = app.ip.patients.show(app.actor, found[0].id)
        assert view.record.addresses.post_check_agreed_on == app.clock.today()


async def test_a_possible_duplicate_is_its_own_step_and_same_person_links_the_records(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f3")
        _fill(app, {"#given": "Zofia", "#family": "Kowalska Nowak", "#sex": "female",
                    "#dob": "1990-05-17"})
        await pilot.press("f8", "f8", "f8", "f8")
        await settle(pilot)
        text = screen_text(app)
        assert "may be this person" in text
        assert app.screen.query_one("#dup-table", DataTable).row_count == 1
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert f"Linked to record #{seeded.flagged_restricted}" in screen_text(app)


async def test_a_refusal_on_a_forbidden_ground_is_refused_with_the_reason(
    app: InclusionPracticeApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f3", "f9")
        await settle(pilot)
        _fill(app, {"#refusal-given": "Ana", "#refusal-family": "Pop",
                    "#refusal-reason": "other_reasonable_ground",
                    "#refusal-detail": "no passport"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "can never be a reason" in screen_text(app)
        with app.ip.db.read() as uow:
            assert len(uow.session.exec(select(Refusal)).all()) == 0
        _fill(app, {"#refusal-reason": "outside_boundary", "#refusal-detail": ""})
        await pilot.press("ctrl+s")
        await settle(pilot)
        with app.ip.db.read() as uow:
            rows = uow.session.exec(select(Refusal)).all()
        assert [r.reason for r in rows] == ["outside_boundary"]


async def test_a_receptionist_types_a_uk_date_of_birth_and_registers(
    app: InclusionPracticeApp,
) -> None:
    import datetime as dt

    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f3")
        _fill(app, {"#given": "Dawit", "#family": "Tesfaye", "#sex": "male", "#dob": "03/12/1990"})
        for _ in range(4):
            await pilot.press("f8")
            await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Registered Dawit Tesfaye" in screen_text(app)
        found = app.ip.patients.find(app.actor, "Dawit Tesfaye")
        assert [p.date_of_birth for p in found] == [dt.date(1990, 12, 3)]
        assert not found[0].dob_estimated
