"""Find a patient: type-ahead, the banner with needs, role-filtered flags."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tests.tui.conftest import Seeded
from tests.tui.helpers import screen_text, settle, sign_in, type_text
from tui.app import InclusionPracticeApp
from tui.widgets.patient_banner import PatientBanner

pytestmark = pytest.mark.anyio


async def test_typing_part_of_a_name_without_accents_or_hyphen_finds_the_patient(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press(*"kowalska nowak")
        await settle(pilot)
        table = app.screen.query_one("#results", DataTable)
        assert table.row_count == 1
        assert "Zofia Kowalska-Nowak" in screen_text(app)


async def test_a_date_of_birth_or_an_nhs_number_finds_the_patient(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await type_text(pilot, "1958-02-03")
        await settle(pilot)
        assert "Margaret Oduya" in screen_text(app)


async def test_the_banner_shows_age_registration_how_to_reach_them_and_needs(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "reception1")
        await type_text(pilot, "Tesfay")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        banner = app.screen.query_one("#banner", PatientBanner)
        assert banner.view is not None
        text = screen_text(app)
        assert "Amanuel Tesfay" in text
        assert "(estimated" in text
        assert "permanent" in text
        assert "SMS 07700 900123" in text
        assert "Tigrinya interpreter (telephone)" in text
        assert "double appointment" in text


async def test_a_receptionist_sees_the_needs_but_not_the_restricted_flag(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "reception1")
        await type_text(pilot, "Zofia")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Homelessness" in text
        assert "flexible DNA handling" in text
        assert "letters c/o St Anne's Hostel" in text
        assert "Sex work" not in text


async def test_a_clinician_sees_the_restricted_flag(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "drokafor")
        await type_text(pilot, "Zofia")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Sex work" in screen_text(app)


async def test_adding_a_flag_from_the_banner_saves_it(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "reception1")
        await type_text(pilot, "Oduya")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        text = screen_text(app)
        assert "Add an inclusion-health flag" in text
        from textual.widgets import Select

        app.screen.query_one("#flag-category", Select).value = "prison_leaver"
        await pilot.press("ctrl+s")
        await settle(pilot)
        flags = app.ip.flags.list(app.actor, seeded.plain)
        assert [f.category for f in flags] == ["prison_leaver"]
        assert "Recently released from prison" in screen_text(app)
