"""Plain in-memory patient records: what the in-memory evaluator and ``explain`` read.

Frozen dataclasses only, no I/O: the SQL engine module loads them from the database, tests build
them by hand (spec tables) and hypothesis generates them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from inclusion_practice.domain.span import covers


@dataclass(frozen=True)
class RegistrationRow:
    start_date: dt.date
    end_date: dt.date | None = None
    planned_end: dt.date | None = None
    kind: str = "permanent"

    def active_on(self, day: dt.date) -> bool:
        """Registered on ``day``: started, not ended, not past a planned end."""
        return covers(self.start_date, self.end_date, day, self.planned_end)


@dataclass(frozen=True)
class FlagRow:
    category: str
    start_date: dt.date
    end_date: dt.date | None = None
    subcategory: str | None = None

    def active_on(self, day: dt.date) -> bool:
        return covers(self.start_date, self.end_date, day)


@dataclass(frozen=True)
class EventRow:
    code: str
    event_date: dt.date
    value: float | None = None


@dataclass(frozen=True)
class InvitationRow:
    topic: str
    sent_on: dt.date


@dataclass(frozen=True)
class DnaActionRow:
    action: str
    status: str
    done_at: dt.datetime | None = None


@dataclass(frozen=True)
class DnaRow:
    occurred_at: dt.datetime
    voided_at: dt.datetime | None = None
    actions: tuple[DnaActionRow, ...] = ()


@dataclass(frozen=True)
class PatientHistory:
    """Everything the indicators look at for one patient, over time: registrations, flags,
    coded events, invitations and DNAs. (The patient's identity and contact record is
    :class:`inclusion_practice.domain.patient_record.PatientRecord`; this is not a second copy
    of it but the evidence an indicator counts.)"""

    id: int
    date_of_birth: dt.date
    sex: str = "unknown"
    main_language: str | None = None
    interpreter_needed: bool = False
    interpreter_mode: str | None = None
    keyworker_name: str | None = None
    registrations: tuple[RegistrationRow, ...] = ()
    flags: tuple[FlagRow, ...] = ()
    events: tuple[EventRow, ...] = ()
    invitations: tuple[InvitationRow, ...] = ()
    dnas: tuple[DnaRow, ...] = field(default=())
