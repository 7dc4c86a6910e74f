"""Finding the next free time that fits the person.

Pure: the caller passes the sessions and slots (with whether each is free) and the patient's
:class:`~inclusion_practice.domain.needs.AccessNeeds`; the finder returns offers, each with the
reasons it was offered, so reception can say *why* this time ("two slots together: interpreter
needed; female clinician as preferred").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.errors import InvalidInput

LOCATION_LABELS: dict[str, str] = {
    "surgery": "at the surgery",
    "hostel_in_reach": "at a hostel in-reach clinic",
    "day_centre_drop_in": "at a day-centre drop-in",
    "outreach": "with the outreach team",
}
CHANNELS: tuple[str, ...] = ("in_person", "telephone", "video")


@dataclass(frozen=True)
class SessionView:
    """A session as the finder needs it."""

    id: int
    clinician: str
    clinician_gender: str | None
    date: dt.date
    slot_type: str
    location: str
    partner: str | None
    channels: tuple[str, ...]
    cancelled: bool = False


@dataclass(frozen=True)
class SlotView:
    """A slot and whether anyone holds it."""

    id: int
    session_id: int
    seq: int
    start: dt.datetime
    end: dt.datetime
    free: bool
    blocked: bool = False


@dataclass(frozen=True)
class SlotQuery:
    """What reception asked for. ``length`` overrides the number of slots the needs propose."""

    now: dt.datetime
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    clinician: str | None = None
    double: bool = False
    length: int | None = None
    location: str | None = None
    channel: str | None = None
    slot_type: str | None = None
    limit: int = 10
    per_session: int = 1

    def __post_init__(self) -> None:
        if self.length is not None and not 1 <= self.length <= 8:
            raise InvalidInput("length", "must be between 1 and 8 slots")
        if self.limit < 1:
            raise InvalidInput("limit", "must be at least 1")
        if self.per_session < 1:
            raise InvalidInput("per_session", "must be at least 1")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidInput("date_to", f"{self.date_to} is before date_from {self.date_from}")
        if self.channel is not None and self.channel not in CHANNELS:
            raise InvalidInput("channel", f"{self.channel!r} is not one of {', '.join(CHANNELS)}")
        if self.location is not None and self.location not in LOCATION_LABELS:
            raise InvalidInput(
                "location", f"{self.location!r} is not one of {', '.join(LOCATION_LABELS)}"
            )


@dataclass(frozen=True)
class SlotOffer:
    """One or more contiguous free slots of one session, and why they were offered."""

    session_id: int
    slot_ids: tuple[int, ...]
    clinician: str
    start: dt.datetime
    end: dt.datetime
    location: str
    partner: str | None
    slot_type: str
    channels: tuple[str, ...]
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def slots_needed(needs: AccessNeeds, query: SlotQuery) -> tuple[int, list[str]]:
    """How many contiguous slots to look for, and why."""
    if query.length is not None:
        return query.length, [f"{query.length} slot(s) together as asked"]
    if needs.double_appointment:
        return 2, [f"double appointment: {'; '.join(needs.double_reasons)}"]
    if query.double:
        return 2, ["double appointment as asked"]
    return 1, []


def find_slots(
    sessions: Iterable[SessionView],
    slots: Iterable[SlotView],
    needs: AccessNeeds,
    query: SlotQuery,
) -> list[SlotOffer]:
    """The earliest offers that honour ``needs`` and ``query``, earliest first."""
    n, count_reasons = slots_needed(needs, query)
    by_session: dict[int, list[SlotView]] = {}
    for s in slots:
        by_session.setdefault(s.session_id, []).append(s)
    offers: list[SlotOffer] = []
    for session in sessions:
        reasons = _session_reasons(session, needs, query)
        if reasons is None:
            continue
        ordered = sorted(by_session.get(session.id, []), key=lambda s: s.seq)
        if not ordered:
            continue
        found = 0
        for run in _runs(ordered, n, query.now):
            position = _position(run, ordered)
            if needs.first_or_last == "first" and position != "first":
                continue
            if needs.first_or_last == "last" and position != "last":
                continue
            extra: list[str] = []
            if needs.first_or_last:
                extra.append(f"{needs.first_or_last} appointment of the session, as needed")
            offers.append(
                SlotOffer(
                    session_id=session.id,
                    slot_ids=tuple(s.id for s in run),
                    clinician=session.clinician,
                    start=run[0].start,
                    end=run[-1].end,
                    location=session.location,
                    partner=session.partner,
                    slot_type=session.slot_type,
                    channels=session.channels,
                    reasons=tuple(count_reasons + reasons + extra),
                )
            )
            found += 1
            if found >= query.per_session:
                break
    offers.sort(key=lambda o: (o.start, o.clinician, o.slot_ids))
    return offers[: query.limit]


def _session_reasons(
    session: SessionView, needs: AccessNeeds, query: SlotQuery
) -> list[str] | None:
    """Why this session fits, or None when it does not."""
    if session.cancelled:
        return None
    if query.date_from and session.date < query.date_from:
        return None
    if query.date_to and session.date > query.date_to:
        return None
    if session.date < query.now.date():
        return None
    reasons: list[str] = []
    if query.clinician is not None:
        if session.clinician != query.clinician:
            return None
        reasons.append(f"with {session.clinician} as asked")
    else:
        reasons.append("next free with any clinician")
    if needs.clinician_gender:
        if session.clinician_gender != needs.clinician_gender:
            return None
        reasons.append(f"{needs.clinician_gender} clinician as preferred")
    if query.location is not None:
        if session.location != query.location:
            return None
        reasons.append(LOCATION_LABELS.get(session.location, session.location) + " as asked")
    if query.channel is not None:
        if query.channel not in session.channels:
            return None
        reasons.append(f"offers {query.channel.replace('_', ' ')}")
    if query.slot_type is not None:
        if session.slot_type != query.slot_type:
            return None
        reasons.append(f"{query.slot_type.replace('_', ' ')} session as asked")
    elif needs.prefers_drop_in and session.slot_type == "drop_in":
        reasons.append("drop-in session, which suits this patient")
    if query.date_from or query.date_to:
        reasons.append(
            f"within {query.date_from or 'today'} to {query.date_to or 'the end of the book'}"
        )
    return reasons


def _runs(
    ordered: Sequence[SlotView], n: int, now: dt.datetime
) -> Iterable[tuple[SlotView, ...]]:
    """Every run of ``n`` free, unblocked, future slots with consecutive seq."""
    for i in range(len(ordered) - n + 1):
        run = tuple(ordered[i : i + n])
        if any(not s.free or s.blocked or s.start < now for s in run):
            continue
        if any(run[k + 1].seq != run[k].seq + 1 for k in range(n - 1)):
            continue
        yield run


def _position(run: Sequence[SlotView], ordered: Sequence[SlotView]) -> str:
    if run[0].seq == ordered[0].seq:
        return "first"
    if run[-1].seq == ordered[-1].seq:
        return "last"
    return "middle"
