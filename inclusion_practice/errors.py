"""Errors the library raises on purpose.

Each names what was wrong in words a receptionist or practice IT can act on. The CLI turns
:class:`InclusionPracticeError` into a one-line message and exit code 2; anything else is a bug
(exit code 1, traceback to the log file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class InclusionPracticeError(Exception):
    """Base class: an expected problem with what the caller asked for."""


class InvalidInput(InclusionPracticeError, ValueError):
    """A value was wrong (a ValueError too, so pydantic validators can raise it). ``field`` names it; ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class InvalidInputs(InclusionPracticeError):
    """Several values were wrong at once (forms and imports report them all)."""

    def __init__(self, problems: Sequence[InvalidInput]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class NotFound(InclusionPracticeError):
    """The thing asked for does not exist."""

    def __init__(self, what: str, key: Any) -> None:
        self.what = what
        self.key = key
        super().__init__(f"{what} {key!r} not found")


class PermissionDenied(InclusionPracticeError):
    """The acting user's role may not do this."""

    def __init__(self, role: str, action: str) -> None:
        self.role = role
        self.action = action
        super().__init__(f"a {role} may not {action}")


class NoActingUser(InclusionPracticeError):
    """A write was attempted without naming who is doing it."""

    def __init__(self) -> None:
        super().__init__("every change to patient data needs an acting user (use --as <username>)")


class DeletionRefused(InclusionPracticeError):
    """Records are ended, never erased: returns and audits may need them."""

    def __init__(self, entity: str) -> None:
        super().__init__(f"{entity} rows are never deleted; end them instead")


class AuditImmutable(InclusionPracticeError):
    """Audit rows are append-only."""

    def __init__(self) -> None:
        super().__init__("audit rows cannot be changed or deleted")


class SchemaOutOfDate(InclusionPracticeError):
    """The database was made by another version of the software."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        where = "has no schema yet" if current is None else f"is at schema revision {current}"
        super().__init__(
            f"the database {where}; this version needs {head}. "
            "Run `inclusion-practice db upgrade` (back it up first)."
        )


class ConfigError(InclusionPracticeError):
    """practice.toml is wrong. The message names the file, key and reason."""


class Conflict(InclusionPracticeError):
    """Someone else changed the same thing first (another terminal)."""


class SlotJustTaken(Conflict):
    """Another terminal booked the slot a moment ago. Carries the next free alternatives."""

    def __init__(self, slot_ids: Sequence[int], alternatives: Sequence[Any] = ()) -> None:
        self.slot_ids = tuple(slot_ids)
        self.alternatives = tuple(alternatives)
        """:class:`~inclusion_practice.domain.slot_finder.SlotOffer` items, earliest first."""
        ids = ", ".join(str(i) for i in self.slot_ids)
        nxt = ""
        if self.alternatives:
            first = self.alternatives[0]
            nxt = f"; next free: {first.start:%a %d %b %H:%M} with {first.clinician}"
        super().__init__(f"slot {ids} was just taken by another booking{nxt}")


class SignInRefused(InclusionPracticeError):
    """A sign-in was refused before its credential was checked (locked or throttled)."""


class AccountLocked(SignInRefused):
    """Too many failed sign-ins for this username. Says until when, never whether a password was
    right, and reads the same for an unknown username."""

    def __init__(self, until: Any) -> None:
        self.until = until
        super().__init__(
            f"this account is locked after too many failed sign-ins until {until:%Y-%m-%d %H:%M}; "
            "an admin can unlock it (`users unlock`)"
        )


class SignInThrottled(SignInRefused):
    """Too many failed sign-ins from this terminal: wait before trying again."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(
            f"too many failed sign-ins from this terminal: wait {seconds} s and try again"
        )


class CredentialRequired(InclusionPracticeError):
    """A command-line user must prove who they are (token or password)."""


class AuditKeyError(InclusionPracticeError):
    """The audit trail's key material is missing, unreadable or unsafe (it lives outside the
    database: a key file made by ``init`` or ``$INCLUSION_PRACTICE_AUDIT_KEY``)."""


class AuditChainBroken(InclusionPracticeError):
    """``audit verify`` found the trail altered; the message names every finding."""
