"""Plain in-memory patient records: what the in-memory evaluator and ``explain`` read.

Frozen dataclasses only, no I/O: the SQL engine module loads them from the database, tests build
them by hand (spec tables) and hypothesis generates them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from inclusion_practice.domain.span import covers, last_day


@dataclass(frozen=True)
class RegistrationRow:
    start_date: dt.date
    end_date: dt.date | None = None
    planned_end: dt.date | None = None
    kind: str = "permanent"

    def active_on(self, day: dt.date) -> bool:
        """Registered on ``day``: started, not ended, not past a planned end."""
        return covers(self.start_date, self.end_date, day, self.planned_end)

    @property
    def last_day(self) -> dt.date | None:
        return last_day(self.end_date, self.planned_end)


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
    linked_to_id: int | None = None
    """Set when this record is linked as the same person as another (the surviving record)."""


def merge_linked(records: Iterable[PatientHistory]) -> list[PatientHistory]:
    """One history per person: records linked as the same person count once, on the surviving
    record (the one the others' ``linked_to_id`` names, itself not linked).

    The surviving record keeps its own attributes (date of birth, sex, language …) and gains
    every linked record's registrations, flags, events, invitations and DNAs. A record linked to
    one that is itself linked, or to one not given here, is dropped: the registration service
    keeps links one level deep, and the SQL engine applies the same rule.
    """
    recs = list(records)
    by_id = {r.id: r for r in recs}
    groups: dict[int, list[PatientHistory]] = {}
    for r in recs:
        groups.setdefault(r.linked_to_id if r.linked_to_id is not None else r.id, []).append(r)
    out: list[PatientHistory] = []
    for key, members in groups.items():
        root = by_id.get(key)
        if root is None or root.linked_to_id is not None:
            continue
        if len(members) == 1:
            out.append(root)
            continue
        ordered = sorted(members, key=lambda m: m.id)
        out.append(
            replace(
                root,
                registrations=tuple(x for m in ordered for x in m.registrations),
                flags=tuple(x for m in ordered for x in m.flags),
                events=tuple(x for m in ordered for x in m.events),
                invitations=tuple(x for m in ordered for x in m.invitations),
                dnas=tuple(x for m in ordered for x in m.dnas),
            )
        )
    return sorted(out, key=lambda r: r.id)
