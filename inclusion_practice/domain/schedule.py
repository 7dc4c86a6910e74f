"""Expanding weekly session templates into dated sessions and slots.

Pure: the caller says which dates to cover, so "regenerate" is the same call again and the
service only inserts sessions whose key (clinician, date, start) does not exist yet — which is
what makes generation idempotent and keeps booked slots untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from inclusion_practice.domain.session_template import SessionTemplate
from inclusion_practice.errors import InvalidInput


@dataclass(frozen=True)
class PlannedSlot:
    """One slot of a planned session; ``seq`` counts from 0 so contiguity is ``seq + 1``."""

    seq: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class PlannedSession:
    """A session on a date, with its slots, ready to insert."""

    clinician: str
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int
    slot_type: str
    location: str
    partner: str | None
    channels: tuple[str, ...]
    template_key: str
    slots: tuple[PlannedSlot, ...]

    @property
    def key(self) -> tuple[str, dt.date, dt.time]:
        """The natural key the database holds unique (``uq_session_start``)."""
        return (self.clinician, self.date, self.start_time)


def template_key(template: SessionTemplate) -> str:
    """A readable key naming the template a session came from."""
    return f"{template.clinician}:{template.weekday.value}:{template.start}-{template.end}"


def slot_times(
    date: dt.date, start: dt.time, end: dt.time, minutes: int
) -> tuple[PlannedSlot, ...]:
    """Cut ``start``–``end`` on ``date`` into slots of ``minutes``."""
    if minutes <= 0:
        raise InvalidInput("slot_minutes", "must be more than zero")
    out: list[PlannedSlot] = []
    at = dt.datetime.combine(date, start)
    stop = dt.datetime.combine(date, end)
    step = dt.timedelta(minutes=minutes)
    seq = 0
    while at + step <= stop:
        out.append(PlannedSlot(seq, at, at + step))
        at += step
        seq += 1
    return tuple(out)


def horizon(start: dt.date, weeks: int) -> tuple[dt.date, dt.date]:
    """First and last date covered by ``weeks`` weeks from ``start`` (inclusive)."""
    if weeks < 1:
        raise InvalidInput("weeks", "must be at least 1")
    if weeks > 104:
        raise InvalidInput("weeks", "must be at most 104 (two years)")
    return start, start + dt.timedelta(days=7 * weeks - 1)


def expand_templates(
    templates: Iterable[SessionTemplate], start: dt.date, weeks: int
) -> list[PlannedSession]:
    """Every session the templates give from ``start`` for ``weeks`` weeks, in date order."""
    first, last = horizon(start, weeks)
    templates = list(templates)
    out: list[PlannedSession] = []
    day = first
    while day <= last:
        for t in templates:
            if t.weekday.number != day.weekday():
                continue
            out.append(
                PlannedSession(
                    clinician=t.clinician,
                    date=day,
                    start_time=t.start_time,
                    end_time=t.end_time,
                    slot_minutes=t.slot_minutes,
                    slot_type=t.slot_type.value,
                    location=t.location.value,
                    partner=t.partner,
                    channels=tuple(c.value for c in t.channels),
                    template_key=template_key(t),
                    slots=slot_times(day, t.start_time, t.end_time, t.slot_minutes),
                )
            )
        day += dt.timedelta(days=1)
    out.sort(key=lambda s: (s.date, s.start_time, s.clinician))
    return out
