"""Weekly session templates (``[[sessions]]`` in practice.toml): who works when, in what slots.

The types the schedule rule expands (:mod:`inclusion_practice.domain.schedule`); the
configuration validates them on load.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from inclusion_practice.domain.strict import Strict


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """Monday is 0, as in ``date.weekday()``."""
        return list(Weekday).index(self)


class LocationKind(StrEnum):
    SURGERY = "surgery"
    HOSTEL_IN_REACH = "hostel_in_reach"
    DAY_CENTRE_DROP_IN = "day_centre_drop_in"
    OUTREACH = "outreach"


class SlotType(StrEnum):
    ROUTINE = "routine"
    SAME_DAY = "same_day"
    DROP_IN = "drop_in"
    OUTREACH = "outreach"


class Channel(StrEnum):
    IN_PERSON = "in_person"
    TELEPHONE = "telephone"
    VIDEO = "video"


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SessionTemplate(Strict):
    """A weekly session: this clinician, this weekday, these hours, in slots of this length."""

    clinician: str
    weekday: Weekday
    start: str
    end: str
    slot_minutes: Annotated[int, Field(ge=5, le=60)] = 10
    slot_type: SlotType = SlotType.ROUTINE
    location: LocationKind = LocationKind.SURGERY
    partner: str | None = None
    """For in-reach and drop-in sessions: the partner organisation that hosts it."""
    channels: Annotated[list[Channel], Field(min_length=1)] = [Channel.IN_PERSON]

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError("must be a 24-hour time HH:MM, e.g. 09:30")
        return v

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.end_time <= self.start_time:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        minutes = (
            dt.datetime.combine(dt.date.min, self.end_time)
            - dt.datetime.combine(dt.date.min, self.start_time)
        ).seconds // 60
        if minutes % self.slot_minutes:
            raise ValueError(
                f"session of {minutes} minutes does not divide into {self.slot_minutes}-minute slots"
            )
        return self

    @property
    def start_time(self) -> dt.time:
        return dt.time.fromisoformat(self.start)

    @property
    def end_time(self) -> dt.time:
        return dt.time.fromisoformat(self.end)
