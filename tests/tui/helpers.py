"""Helpers for driving the app in tests: sign in, wait for workers, read the screen."""

from __future__ import annotations

import contextlib
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from tests.tui.conftest import PASSWORD
from tui.app import InclusionPracticeApp


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every worker has finished and the screen has caught up.

    A worker can end cancelled rather than complete: sign-in's worker is still handing over
    the actor when the sign-in screen, its node, is removed, which cancels it. Waiting on it at
    that moment (a loaded machine makes it likely) raises; for the test it has simply finished.
    """
    for _ in range(8):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            break
    await pilot.pause()


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type into the focused input at once (the pilot's per-key round trip is slow; one test
    per screen still presses real keys)."""
    from textual.widgets import Input

    focused = pilot.app.screen.focused
    assert isinstance(focused, Input), f"focus is on {focused!r}, not an input"
    focused.insert_text_at_cursor(text)
    await pilot.pause()


async def sign_in(
    pilot: Pilot[Any], username: str, password: str = PASSWORD, *, keys: bool = False
) -> None:
    """Sign in; ``keys=True`` presses every key, otherwise the text is typed in one go."""
    if keys:
        await pilot.press(*username, "enter")
        await pilot.press(*password, "enter")
    else:
        await type_text(pilot, username)
        await pilot.press("enter")
        await type_text(pilot, password)
        await pilot.press("enter")
    await settle(pilot)


def screen_text(app: InclusionPracticeApp) -> str:
    """Everything visible on the current screen (modal dialogs included), as plain text."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def notifications(app: InclusionPracticeApp) -> list[str]:
    """The messages of the notifications shown so far (toasts are drawn on their own layer)."""
    return [n.message for n in app._notifications]
