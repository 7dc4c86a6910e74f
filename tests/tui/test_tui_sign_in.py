"""Signing in, the role-aware shell, signing out and locking after inactivity."""

from __future__ import annotations

import time
from typing import Any

import pytest
from textual.widgets import Input, Static

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InvalidInput
from inclusion_practice.services.access import SYSTEM
from tests.tui.conftest import PASSWORD, FakeIdleClock
from tests.tui.helpers import screen_text, settle, sign_in, type_text
from tui.app import InclusionPracticeApp
from tui.screens.find_patient import FindPatientScreen
from tui.screens.lock import LockScreen
from tui.screens.sign_in import SignInScreen

pytestmark = pytest.mark.anyio


async def test_a_receptionist_signs_in_and_sees_only_the_sections_of_their_role(
    app: InclusionPracticeApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, SignInScreen)
        await sign_in(pilot, "reception1", keys=True)
        assert isinstance(app.screen, FindPatientScreen)
        text = screen_text(app)
        assert "F2 Find" in text and "F5 Today" in text
        assert "Manager" not in text
        assert "reception1 · receptionist" in text


async def test_a_manager_sees_the_manager_section(app: InclusionPracticeApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "manager1")
        assert "F6 Manager" in screen_text(app)


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    app: InclusionPracticeApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1", "wrong password")
        assert isinstance(app.screen, SignInScreen)
        assert app.actor is None
        assert "Unknown user or wrong password" in str(
            app.screen.query_one("#sign-in-error", Static).render()
        )


async def test_signing_out_discards_every_section_and_returns_to_sign_in(
    app: InclusionPracticeApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await type_text(pilot, "Zofia")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.actor is None
        assert "find" not in app._modes
        await sign_in(pilot, "drokafor")
        # A fresh Find screen: nothing the previous user typed or saw survives.
        assert app.screen.query_one("#search", Input).value == ""


async def test_the_app_locks_after_the_configured_idle_time_and_unlocks_with_the_password(
    app: InclusionPracticeApp, idle_clock: FakeIdleClock
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await type_text(pilot, "Zofia")
        await settle(pilot)
        idle_clock.advance(59)
        app.check_inactivity()
        await settle(pilot)
        assert not app.locked
        idle_clock.advance(2)
        app.check_inactivity()
        await settle(pilot)
        assert app.locked and isinstance(app.screen, LockScreen)
        assert "Zofia" not in screen_text(app)
        # Section keys do nothing while locked.
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await type_text(pilot, "nope")
        await pilot.press("enter")
        await settle(pilot)
        assert app.locked
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert not app.locked
        assert isinstance(app.screen, FindPatientScreen)
        assert app.screen.query_one("#search", Input).value == "Zofia"


async def test_a_key_press_counts_as_activity(
    app: InclusionPracticeApp, idle_clock: FakeIdleClock
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        idle_clock.advance(50)
        await pilot.press("a")
        idle_clock.advance(50)
        app.check_inactivity()
        await settle(pilot)
        assert not app.locked


async def test_ctrl_l_locks_at_once_and_sign_out_from_the_lock_screen_works(
    app: InclusionPracticeApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.actor is None and not app.locked


async def test_the_high_contrast_theme_can_be_switched_on_from_the_keyboard(
    app: InclusionPracticeApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+t")
        assert app.theme == "high-contrast"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_a_locked_user_sees_until_when_even_with_the_right_password(
    app: InclusionPracticeApp, tui_ip: InclusionPractice
) -> None:
    for _ in range(5):
        with pytest.raises(InvalidInput):
            tui_ip.users.authenticate("reception1", "wrong password", channel="tui",
                                      terminal="another desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        assert isinstance(app.screen, SignInScreen) and app.actor is None
        message = str(app.screen.query_one("#sign-in-error", Static).render())
        assert "locked" in message and "until 2026-11-23 09:15" in message
        assert "wrong password" not in message.lower()


async def test_the_lock_screen_goes_through_the_same_lockout(
    app: InclusionPracticeApp, tui_ip: InclusionPractice
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("ctrl+l")
        await settle(pilot)
        for _ in range(5):
            await type_text(pilot, "nope")
            await pilot.press("enter")
            await settle(pilot)
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert app.locked
        assert "locked" in str(app.screen.query_one("#unlock-error", Static).render())
    assert [r.outcome for r in tui_ip.users.sign_ins(SYSTEM, username="reception1")] == [
        "locked", *["bad_password"] * 5, "success"]


async def test_signing_in_settles_when_the_check_outlasts_the_first_wait(
    app: InclusionPracticeApp, tui_ip: InclusionPractice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sign-in screen, and with it its still-running worker, is removed as the worker hands
    over the actor; a test waiting on that worker then sees it cancelled, not failed. A slow
    check makes the test wait at exactly that moment (on a loaded machine it happened by chance)."""
    real = tui_ip.users.authenticate

    def slow_authenticate(*args: Any, **kwargs: Any) -> Actor:
        time.sleep(0.3)  # holds the worker so that settle() is already waiting on it
        return real(*args, **kwargs)

    monkeypatch.setattr(tui_ip.users, "authenticate", slow_authenticate)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "reception1")
        assert isinstance(app.screen, FindPatientScreen)
