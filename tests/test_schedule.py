"""Expanding weekly templates into dated sessions and slots."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.schedule import expand_templates, horizon, slot_times
from inclusion_practice.domain.session_template import SessionTemplate
from inclusion_practice.errors import InvalidInput

MONDAY = dt.date(2026, 11, 23)


def test_two_weeks_of_the_example_practice(config: PracticeConfig) -> None:
    planned = expand_templates(config.sessions, MONDAY, 2)
    assert len(planned) == 2 * len(config.sessions)
    assert planned[0].date == MONDAY and planned[-1].date <= MONDAY + dt.timedelta(days=13)
    assert [p.date for p in planned] == sorted(p.date for p in planned)
    hostel = next(p for p in planned if p.location == "hostel_in_reach")
    assert (hostel.partner, hostel.slot_type, hostel.date.weekday()) == ("st-annes-hostel", "outreach", 3)


def test_slots_are_numbered_from_zero_and_fill_the_session_exactly() -> None:
    t = SessionTemplate(clinician="dr-x", weekday="monday", start="09:00", end="10:00",
                        slot_minutes=15)
    [s] = expand_templates([t], MONDAY, 1)
    assert [x.seq for x in s.slots] == [0, 1, 2, 3]
    assert (s.slots[0].start.time(), s.slots[-1].end.time()) == (dt.time(9), dt.time(10))
    assert s.template_key == "dr-x:monday:09:00-10:00"


def test_a_start_midweek_only_covers_the_days_asked() -> None:
    t = SessionTemplate(clinician="dr-x", weekday="monday", start="09:00", end="10:00")
    planned = expand_templates([t], MONDAY + dt.timedelta(days=2), 1)
    assert [p.date for p in planned] == [MONDAY + dt.timedelta(days=7)]


@pytest.mark.parametrize(("weeks", "field"), [(0, "weeks"), (105, "weeks")])
def test_a_bad_horizon_names_the_field(weeks: int, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        horizon(MONDAY, weeks)
    assert err.value.field == field


def test_a_zero_slot_length_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        slot_times(MONDAY, dt.time(9), dt.time(10), 0)
    assert err.value.field == "slot_minutes"
