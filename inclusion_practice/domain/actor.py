"""Who is acting: every write names one, every read is checked against one.

It lives in the domain (not storage) so the TUI, reports and REST can name the acting user
without importing the storage layer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """A signed-in user and their role (a :class:`~inclusion_practice.domain.roles.Role` value)."""

    username: str
    role: str
    channel: str = "library"
    """Where they act from: cli | tui | rest | web | library (the access log records it)."""
