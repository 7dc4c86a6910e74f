"""Sign in with a local user and password: the role decides what is shown and allowed."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InclusionPracticeError, SignInRefused
from inclusion_practice.services.users import session_origin
from tui.screens.base import PracticeScreenMixin


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class SignInScreen(PracticeScreenMixin, Screen[None]):
    """Username and password; argon2 verification runs in a worker (it is slow on purpose).

    Every attempt goes through the library's lockout and throttle (terminal: ``[sign_in]
    terminal_name`` or hostname and tty; in a browser, ``web:`` and its address) and is
    recorded.
    """

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="sign-in"):
            yield Label(self.app.title, id="practice-name")
            yield Label("Sign in to continue", classes="muted")
            yield Input(placeholder="username", id="username")
            yield Input(placeholder="password", password=True, id="password")
            yield Button("Sign in", id="sign-in-button", variant="primary")
            yield Static("", id="sign-in-error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "username":
            self.query_one("#password", Input).focus()
        else:
            self._sign_in()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self._sign_in()

    def _sign_in(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self.query_one("#sign-in-error", Static).update("Type your username")
            self.query_one("#username", Input).focus()
            return
        self.query_one("#sign-in-error", Static).update("Checking…")
        self._authenticate(username, password)

    @work(thread=True, exclusive=True, group="sign-in")
    def _authenticate(self, username: str, password: str) -> None:
        channel, terminal = session_origin(self.ip.config.sign_in)
        try:
            actor = self.ip.users.authenticate(username, password, channel=channel,
                                               terminal=terminal)
        except SignInRefused as exc:  # locked or throttled: says so, not whether it was right
            self.app.call_from_thread(self._failed, _sentence(str(exc)))
            return
        except InclusionPracticeError:
            self.app.call_from_thread(self._failed)
            return
        self.app.call_from_thread(self._succeeded, actor)

    def _failed(self, message: str = "Unknown user or wrong password") -> None:
        self.query_one("#sign-in-error", Static).update(message)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()

    async def _succeeded(self, actor: Actor) -> None:
        await self.practice_app.signed_in(actor)
