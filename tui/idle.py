"""Lock after inactivity: a tiny, clock-injectable tracker the app polls.

A reception terminal is left unattended between patients; after ``lock_after_seconds`` without
a key press or click the app locks so the next person at the desk sees nothing. The time source
is injectable so tests advance a fake clock instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_LOCK_AFTER_SECONDS = 300.0
"""Five minutes: long enough for a phone call, short enough for a busy front desk."""


class IdleTracker:
    """Remembers when the user last did something and says when that is too long ago."""

    def __init__(
        self, lock_after_seconds: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        if lock_after_seconds <= 0:
            raise ValueError("lock_after_seconds must be positive")
        self.lock_after_seconds = lock_after_seconds
        self._now = now
        self._last = now()

    def touch(self) -> None:
        """The user pressed a key or clicked."""
        self._last = self._now()

    @property
    def idle_seconds(self) -> float:
        return self._now() - self._last

    def expired(self) -> bool:
        """Whether the terminal has been idle for long enough to lock."""
        return self.idle_seconds >= self.lock_after_seconds
