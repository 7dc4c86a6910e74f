"""The terminal app, built by a factory so the CLI and the tests build the same thing.

Shape: each section (Find, Register, Book, Today, Manager) is a Textual *mode* with its own
screen stack, so switching with F2–F6 keeps each section where the user left it. Signing in adds
the modes the role may use; signing out removes them, so nothing one user saw survives for the
next. Locking switches to a lock mode that covers everything until the same user's password is
typed again (or someone signs out).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import Clock
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission, Role, may
from inclusion_practice.services.users import session_origin
from tui.idle import DEFAULT_LOCK_AFTER_SECONDS, IdleTracker
from tui.screens.book import BookScreen
from tui.screens.find_patient import FindPatientScreen
from tui.screens.lock import LockScreen
from tui.screens.manager import ManagerScreen
from tui.screens.register import RegisterScreen
from tui.screens.sign_in import SignInScreen
from tui.screens.today import TodayScreen
from tui.themes import DEFAULT_THEME, HIGH_CONTRAST, HIGH_CONTRAST_THEME

LOCK_SECONDS_ENV = "INCLUSION_PRACTICE_LOCK_SECONDS"
"""Overrides the idle lock (seconds) for a terminal, e.g. a longer one in a private office."""

SIGN_IN_MODE = "sign_in"
LOCKED_MODE = "locked"


@dataclass(frozen=True)
class Section:
    """One part of the app, shown to roles that hold ``permissions`` (any of them)."""

    mode: str
    key: str
    label: str
    permissions: tuple[Permission, ...]
    factory: Callable[[], Screen[None]]

    def allowed(self, role: Role) -> bool:
        return any(may(role, p) for p in self.permissions)


SECTIONS: tuple[Section, ...] = (
    Section("find", "f2", "Find", (Permission.REGISTER_PATIENT, Permission.BOOK), FindPatientScreen),
    Section("register", "f3", "Register", (Permission.REGISTER_PATIENT,), RegisterScreen),
    Section("book", "f4", "Book", (Permission.BOOK,), BookScreen),
    Section("today", "f5", "Today", (Permission.RECORD_ATTENDANCE,), TodayScreen),
    Section(
        "manager", "f6", "Manager", (Permission.RUN_INDICATORS, Permission.PRODUCE_RETURNS), ManagerScreen
    ),
)
SECTION_BY_MODE = {s.mode: s for s in SECTIONS}

_ALWAYS_ALLOWED = frozenset({"quit", "toggle_contrast", "help_quit"})
"""Actions that work signed out and locked too (the rest need a signed-in, unlocked user)."""


class InclusionPracticeApp(App[None]):
    """Reception and practice-manager app over one :class:`InclusionPractice`."""

    CSS_PATH = "inclusion_practice.tcss"
    TITLE = "Inclusion Practice"
    BINDINGS = [
        *(
            # Shown in the nav bar rather than the footer, to leave the footer for the screen.
            Binding(s.key, f"section('{s.mode}')", s.label, priority=True, show=False,
                    tooltip=f"Go to {s.label}")
            for s in SECTIONS
        ),
        Binding("ctrl+l", "lock", "Lock", priority=True, tooltip="Lock the screen now"),
        Binding("ctrl+o", "sign_out", "Sign out", priority=True),
        Binding("ctrl+t", "toggle_contrast", "Contrast", priority=True,
                tooltip="Switch between the default and the high-contrast theme"),
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),
    ]

    def __init__(
        self,
        ip: InclusionPractice,
        *,
        clock: Clock | None = None,
        lock_after_seconds: float = DEFAULT_LOCK_AFTER_SECONDS,
        idle_clock: Callable[[], float] = time.monotonic,
        idle_check_seconds: float = 1.0,
        high_contrast: bool = False,
        returns_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.ip = ip
        self.clock: Clock = clock or ip.clock
        self.actor: Actor | None = None
        self.idle = IdleTracker(lock_after_seconds, idle_clock)
        self.idle_check_seconds = idle_check_seconds
        self.returns_dir = returns_dir or Path.cwd()
        self.locked = False
        self.selected_patient_id: int | None = None
        """The patient last shown in Find: Book and Register start from them."""
        self._mode_before_lock: str | None = None
        self.title = ip.config.practice.name
        self.register_theme(HIGH_CONTRAST)
        self.theme = HIGH_CONTRAST_THEME if high_contrast else DEFAULT_THEME

    # --- who is signed in ---------------------------------------------------------------

    @property
    def role(self) -> Role | None:
        return Role(self.actor.role) if self.actor else None

    def sections(self) -> list[Section]:
        """The sections the signed-in user's role may use."""
        role = self.role
        return [s for s in SECTIONS if role is not None and s.allowed(role)]

    def may(self, permission: Permission) -> bool:
        """Whether to offer an action; the library still checks when it is done."""
        role = self.role
        return role is not None and may(role, permission)

    def on_mount(self) -> None:
        self.add_mode(SIGN_IN_MODE, self._sign_in_screen)
        self.switch_mode(SIGN_IN_MODE)
        self.set_interval(self.idle_check_seconds, self.check_inactivity, name="idle-lock")

    @staticmethod
    def _sign_in_screen() -> Screen[None]:
        return SignInScreen()

    async def signed_in(self, actor: Actor) -> None:
        """Open the sections the role may use, starting on the first (Find)."""
        channel, _terminal = session_origin(self.ip.config.sign_in)
        self.actor = replace(actor, channel=channel.value)
        self.locked = False
        self.idle.touch()
        for section in self.sections():
            self.add_mode(section.mode, section.factory)
        first = self.sections()[0].mode if self.sections() else SIGN_IN_MODE
        await self.switch_mode(first)
        await self.remove_mode(SIGN_IN_MODE)

    async def action_sign_out(self) -> None:
        """Back to sign-in; every section's screens (and what they showed) are discarded."""
        if self.actor is None:
            return
        self.actor = None
        self.locked = False
        self.selected_patient_id = None
        self.add_mode(SIGN_IN_MODE, self._sign_in_screen)
        await self.switch_mode(SIGN_IN_MODE)
        for mode in [*SECTION_BY_MODE, LOCKED_MODE]:
            if mode in self._modes:
                await self.remove_mode(mode)

    # --- lock ---------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.idle.touch()
        await super().on_event(event)

    def check_inactivity(self) -> None:
        """Lock if signed in and idle too long (the app polls this; tests may call it)."""
        if self.actor is not None and not self.locked and self.idle.expired():
            self.run_worker(self.action_lock(), exclusive=True, group="lock")

    async def action_lock(self) -> None:
        if self.actor is None or self.locked:
            return
        actor = self.actor
        self.locked = True
        self._mode_before_lock = self.current_mode
        self.add_mode(LOCKED_MODE, lambda: LockScreen(actor))
        await self.switch_mode(LOCKED_MODE)

    async def unlocked(self) -> None:
        """The same user typed their password again: back to where they were."""
        self.locked = False
        self.idle.touch()
        back = self._mode_before_lock or (self.sections()[0].mode if self.sections() else None)
        if back is not None:
            await self.switch_mode(back)
        if LOCKED_MODE in self._modes:
            await self.remove_mode(LOCKED_MODE)

    # --- sections and themes ------------------------------------------------------------

    async def action_section(self, mode: str) -> None:
        if mode in self._modes and self.actor is not None and not self.locked:
            await self.switch_mode(mode)

    async def open_booking(self, patient_id: int) -> None:
        """Go to Book with this patient chosen (from Find or after registering)."""
        self.selected_patient_id = patient_id
        if "book" in self._modes:
            await self.switch_mode("book")
            if isinstance(self.screen, BookScreen):
                self.screen.choose_patient(patient_id)

    async def open_register(self, text: str = "") -> None:
        """Go to Register, carrying over what was typed in Find as the name."""
        if "register" in self._modes:
            await self.switch_mode("register")
            if isinstance(self.screen, RegisterScreen):
                self.screen.prefill_name(text)

    def action_toggle_contrast(self) -> None:
        self.theme = DEFAULT_THEME if self.theme == HIGH_CONTRAST_THEME else HIGH_CONTRAST_THEME

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide what the role may not use; while signed out or locked, offer almost nothing."""
        if action in _ALWAYS_ALLOWED:
            return True
        if action == "sign_out":
            return self.actor is not None
        if self.actor is None or self.locked:
            return False
        if action == "section":
            section = SECTION_BY_MODE.get(str(parameters[0])) if parameters else None
            return section is not None and section.mode in self._modes
        return True

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every binding the current screen offers, so the palette lists each action."""
        if self.actor is None or self.locked:
            yield SystemCommand("Quit", "Quit the app", self.action_quit)
            yield SystemCommand("Contrast", "Switch theme", self.action_toggle_contrast)
            return
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not active.enabled or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            node = active.node
            key = binding.key_display or self.get_key_display(binding)

            async def run(node: object = node, action: str = binding.action) -> None:
                await self.run_action(action, node)  # type: ignore[arg-type]

            yield SystemCommand(binding.description, f"key: {key}. {binding.tooltip}".strip(), run)
        yield SystemCommand("Keys", "Show every key for this screen", self.action_show_help_panel)


def lock_seconds_from_env(default: float = DEFAULT_LOCK_AFTER_SECONDS) -> float:
    """``$INCLUSION_PRACTICE_LOCK_SECONDS`` if set to a positive number, else ``default``."""
    raw = os.environ.get(LOCK_SECONDS_ENV, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def make_app(
    ip: InclusionPractice,
    *,
    clock: Clock | None = None,
    lock_after_seconds: float | None = None,
    idle_clock: Callable[[], float] = time.monotonic,
    idle_check_seconds: float = 1.0,
    high_contrast: bool = False,
    returns_dir: Path | None = None,
) -> InclusionPracticeApp:
    """Build the app around a practice (tests pass one on a temporary database).

    Args:
        ip: The practice: services, configuration and clock.
        clock: "Today" for the screens (defaults to the practice's clock).
        lock_after_seconds: Idle time before the screen locks (default: environment or 5 min).
        idle_clock: Monotonic seconds, injectable so tests can advance time.
        idle_check_seconds: How often idleness is checked.
        high_contrast: Start in the high-contrast theme.
        returns_dir: Default folder offered for returns.
    """
    return InclusionPracticeApp(
        ip,
        clock=clock,
        lock_after_seconds=lock_after_seconds or lock_seconds_from_env(),
        idle_clock=idle_clock,
        idle_check_seconds=idle_check_seconds,
        high_contrast=high_contrast,
        returns_dir=returns_dir,
    )
