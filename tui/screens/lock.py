"""The lock screen: covers every section until the same user types their password again.

Anyone else at the desk can only sign the locked user out (Ctrl+O), which discards what every
section was showing, and sign in as themselves.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InclusionPracticeError, SignInRefused
from inclusion_practice.services.users import session_origin
from tui.screens.base import PracticeScreenMixin


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class LockScreen(PracticeScreenMixin, Screen[None]):
    """Shows only who locked it; the password unlocks."""

    BINDINGS = [Binding("ctrl+o", "app.sign_out", "Sign out")]

    def __init__(self, locked_for: Actor) -> None:
        super().__init__()
        self.locked_for = locked_for

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="lock"):
            yield Label("Screen locked", id="lock-title")
            yield Label(f"Locked for {self.locked_for.username}. Type your password to unlock,")
            yield Label("or press Ctrl+O to sign out so someone else can sign in.")
            yield Input(placeholder="password", password=True, id="unlock-password")
            yield Static("", id="unlock-error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#unlock-password", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._unlock(event.value)

    @work(thread=True, exclusive=True, group="unlock")
    def _unlock(self, password: str) -> None:
        channel, terminal = session_origin(self.ip.config.sign_in)
        try:
            self.ip.users.authenticate(self.locked_for.username, password, channel=channel,
                                       terminal=terminal)
        except SignInRefused as exc:
            self.app.call_from_thread(self._failed, _sentence(str(exc)))
            return
        except InclusionPracticeError:
            self.app.call_from_thread(self._failed)
            return
        self.app.call_from_thread(self._succeeded)

    def _failed(self, message: str = "Wrong password") -> None:
        self.query_one("#unlock-error", Static).update(message)
        self.query_one("#unlock-password", Input).value = ""

    async def _succeeded(self) -> None:
        await self.practice_app.unlocked()
