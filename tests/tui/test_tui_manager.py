"""Manager: run indicators in a worker, drill into missing patients, produce a return."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from tests.tui.conftest import Seeded
from tests.tui.helpers import screen_text, settle, sign_in
from tui.app import InclusionPracticeApp

pytestmark = pytest.mark.anyio


async def test_running_indicators_shows_achievement_and_the_missing_patients(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "manager1")
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        results = app.screen.query_one("#results", DataTable)
        assert results.row_count > 5
        assert "IH001" in screen_text(app)
        assert "points" in screen_text(app)
        # IH015: named keyworker recorded — the hostel patient has one, the others do not.
        row = next(i for i, r in enumerate(app.screen.result.results)  # type: ignore[attr-defined]
                   if r.counts.denominator > r.counts.numerator)
        results.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        missing = app.screen.query_one("#missing", DataTable)
        assert missing.row_count >= 1
        assert "missing, due first" in screen_text(app)
        assert "withheld" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#results", DataTable).has_focus


async def test_a_manager_produces_the_annual_return_to_a_chosen_folder(
    app: InclusionPracticeApp, seeded: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "returns"
    out.mkdir()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "manager1")
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        app.screen.query_one("#prompt-input", Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # default period: the last complete year
        await settle(pilot)
        written = sorted(p.name for p in out.iterdir())
        assert any(name.endswith(".pdf") for name in written)
        assert any(name.endswith(".csv") for name in written)
        assert any(name.endswith(".fhir.json") for name in written)
        assert "Written to" in screen_text(app)


async def test_a_receptionist_has_no_manager_section(app: InclusionPracticeApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f6")
        await settle(pilot)
        assert app.current_mode == "find"
