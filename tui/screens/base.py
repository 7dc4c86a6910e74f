"""What every section screen shares: the nav bar, the footer and service calls in workers.

Service calls block (database, argon2), so they run in thread workers; results and expected
errors (:class:`InclusionPracticeError`) come back to the UI thread through ``call_from_thread``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InclusionPracticeError
from tui.protocol import PracticeApp
from tui.widgets.nav_bar import NavBar

T = TypeVar("T")
log = logging.getLogger("inclusion_practice.tui")


class PracticeScreenMixin:
    """Typed access to the app, the practice and the signed-in user."""

    app: Any

    @property
    def practice_app(self) -> PracticeApp:
        app = self.app
        assert isinstance(app, PracticeApp)
        return app

    @property
    def ip(self) -> InclusionPractice:
        return self.practice_app.ip

    @property
    def actor(self) -> Actor:
        actor = self.practice_app.actor
        assert actor is not None, "screens are only shown to a signed-in user"
        return actor


class SectionScreen(PracticeScreenMixin, Screen[None]):
    """A section of the app: nav bar on top, its body, the footer of keys at the bottom."""

    SECTION: ClassVar[str] = ""

    def compose(self) -> ComposeResult:
        yield NavBar(self.SECTION)
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def show_error(self, exc: InclusionPracticeError) -> None:
        """Expected problems (bad input, not allowed, just taken) as a notification."""
        self.notify(str(exc), title="Not done", severity="error", timeout=8)

    def notify_and(self, message: str, refresh: Callable[[], object]) -> Callable[[object], None]:
        """A ``then`` for :meth:`call_service`: say what was done, then reload the view."""

        def then(_result: object) -> None:
            self.notify(message)
            refresh()

        return then

    def call_service(
        self,
        fn: Callable[[], T],
        then: Callable[[T], object],
        on_error: Callable[[InclusionPracticeError], object] | None = None,
    ) -> None:
        """Run ``fn`` in a thread worker; hand its result to ``then`` on the UI thread."""
        self._service_worker(fn, then, on_error or self.show_error)

    @work(thread=True, group="service", exit_on_error=True)
    def _service_worker(
        self,
        fn: Callable[[], Any],
        then: Callable[[Any], object],
        on_error: Callable[[InclusionPracticeError], object],
    ) -> None:
        try:
            result = fn()
        except InclusionPracticeError as exc:
            self.app.call_from_thread(on_error, exc)
            return
        except Exception as exc:  # a bug: keep the desk working, log it for practice IT
            log.exception("unexpected error in %s", getattr(fn, "__qualname__", fn))
            self.app.call_from_thread(
                self.notify,
                f"Unexpected error ({type(exc).__name__}); details are in the log file. "
                "Please tell practice IT.",
                title="Something went wrong",
                severity="error",
                timeout=15,
            )
            return
        self.app.call_from_thread(then, result)
