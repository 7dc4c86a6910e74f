"""Snapshots of the main screens at 80x24 and 120x40 (reviewed before being accepted).

Update with ``pytest tests/tui/test_tui_snapshots.py --snapshot-update`` and look at the SVGs in
``tests/tui/__snapshots__/`` before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import Seeded
from tests.tui.helpers import settle, sign_in, type_text
from tui.app import InclusionPracticeApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
Steps = Callable[[Pilot[Any]], Awaitable[None]]


async def _sign_in_screen(pilot: Pilot[Any]) -> None:
    await pilot.pause()


async def _find(pilot: Pilot[Any]) -> None:
    await sign_in(pilot, "reception1")
    await type_text(pilot, "Tesfay")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _register(pilot: Pilot[Any]) -> None:
    await sign_in(pilot, "reception1")
    await pilot.press("f3", "f8")
    await settle(pilot)


async def _book(pilot: Pilot[Any]) -> None:
    await _find(pilot)
    await pilot.press("ctrl+b")
    await settle(pilot)
    await pilot.press("f8")
    await settle(pilot)


async def _today(pilot: Pilot[Any]) -> None:
    await sign_in(pilot, "reception1")
    await pilot.press("f5")
    await settle(pilot)


async def _manager(pilot: Pilot[Any]) -> None:
    await sign_in(pilot, "manager1")
    await pilot.press("f6")
    await settle(pilot)
    await pilot.press("ctrl+r")
    await settle(pilot)


SCREENS = {
    "sign_in": _sign_in_screen,
    "find": _find,
    "register": _register,
    "book": _book,
    "today": _today,
    "manager": _manager,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_matches_its_reviewed_snapshot(
    snap_compare: Any, app: InclusionPracticeApp, seeded: Seeded, screen: str,
    size: tuple[int, int],
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])


def test_the_high_contrast_theme_matches_its_reviewed_snapshot(
    snap_compare: Any, app: InclusionPracticeApp, seeded: Seeded
) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+t")
        await _find(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=steps)
