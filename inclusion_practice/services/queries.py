"""Search criteria and pages of results: how the edges (REST, exports) ask the services for lists.

Criteria are plain frozen types validated when built (a bad value names its field), so a search
that reaches the database is always well formed. Every search returns a :class:`Page` with the
total, so callers can page without loading everything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from inclusion_practice.errors import InvalidInput

T = TypeVar("T")
Comparison = Literal["eq", "ge", "gt", "le", "lt"]

MAX_NAME_LENGTH = 100
"""A longer name query is not a name: refused rather than searched."""
MAX_PAGE = 1000
"""The most rows one page may hold, whatever the caller asks."""


@dataclass(frozen=True)
class DateBound:
    """One date condition: ``op`` against the instant range ``first``..``last`` of the value
    given (a whole day for a date, one instant for a date-time)."""

    op: Comparison
    first: dt.datetime
    last: dt.datetime

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidInput("date", f"{self.last} is before {self.first}")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the size of the whole result."""

    items: tuple[T, ...]
    total: int
    offset: int
    count: int

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, or None on the last page."""
        following = self.offset + len(self.items)
        return following if following < self.total else None


def check_page(offset: int, count: int, max_count: int = MAX_PAGE) -> None:
    """Refuse a page the database should not be asked for."""
    if offset < 0:
        raise InvalidInput("offset", "must be zero or more")
    if offset > 10_000_000:
        raise InvalidInput("offset", "is beyond any result")
    if count < 1:
        raise InvalidInput("count", "must be at least 1")
    if count > max_count:
        raise InvalidInput("count", f"must be at most {max_count}")


def _name(text: str | None, field_name: str = "name") -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(field_name, "is empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(field_name, f"is longer than {MAX_NAME_LENGTH} characters")
    return cleaned


@dataclass(frozen=True)
class PatientQuery:
    """Patients matching every criterion given (none: every patient)."""

    name: str | None = None
    """Words of a name, matched like ``patient find`` (accents, hyphens and case ignored)."""
    nhs_number: str | None = None
    source_id: str | None = None
    """An identifier a feeding system gave the patient (``system|value``)."""
    patient_id: int | None = None
    birthdate: Sequence[DateBound] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _name(self.name))
        if self.nhs_number is not None and not self.nhs_number.replace(" ", "").isascii():
            raise InvalidInput("nhs_number", "must be ten digits")
        if self.source_id is not None and len(self.source_id) > 300:
            raise InvalidInput("identifier", "is longer than 300 characters")


@dataclass(frozen=True)
class FlagQuery:
    """Flags (ended ones too) of one patient or of all, of one category or of all."""

    patient_id: int | None = None
    category: str | None = None


@dataclass(frozen=True)
class AppointmentQuery:
    """Appointments by patient, start time and status."""

    patient_id: int | None = None
    start: Sequence[DateBound] = ()
    statuses: frozenset[str] = field(default_factory=frozenset)
    """Internal appointment statuses (``AppointmentStatus`` values); empty: any."""


SlotState = Literal["free", "held", "blocked"]


@dataclass(frozen=True)
class SlotSearch:
    """Slots by clinician, start time and state."""

    clinician: str | None = None
    start: Sequence[DateBound] = ()
    states: frozenset[SlotState] = field(default_factory=frozenset)
    """free (bookable), held (booked), blocked; empty: any."""
