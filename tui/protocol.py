"""What screens, dialogs and widgets may ask of the app: a typed protocol.

Screens reach the running app through :class:`PracticeApp` instead of importing
``tui.app`` (which imports the screens), so there is no import cycle to hide; the app satisfies
this protocol and a test checks that it does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import Clock
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission


class SectionLabel(Protocol):
    """A section as the nav bar shows it."""

    @property
    def mode(self) -> str: ...

    @property
    def key(self) -> str: ...

    @property
    def label(self) -> str: ...


@runtime_checkable
class PracticeApp(Protocol):
    """The running reception app, as its screens see it."""

    ip: InclusionPractice
    clock: Clock
    actor: Actor | None
    returns_dir: Path
    selected_patient_id: int | None

    def may(self, permission: Permission) -> bool: ...

    def sections(self) -> Sequence[SectionLabel]: ...

    async def open_booking(self, patient_id: int) -> None: ...

    async def open_register(self, text: str = "") -> None: ...

    async def signed_in(self, actor: Actor) -> None: ...

    async def unlocked(self) -> None: ...
