"""Spec table for slot finding: which time is offered first for which needs, and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.domain.slot_finder import SessionView, SlotQuery, SlotView, find_slots
from inclusion_practice.errors import InvalidInput

MON, TUE = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 23, 9, 5)

SESSIONS = [
    # id, clinician, gender, date, slot type, location, channels
    SessionView(1, "dr-f", "female", MON, "routine", "surgery", None, ("in_person", "telephone")),
    SessionView(2, "dr-m", "male", MON, "outreach", "hostel_in_reach", "st-annes-hostel",
                ("in_person",)),
    SessionView(3, "dr-f", "female", TUE, "drop_in", "day_centre_drop_in", "crossroads",
                ("in_person", "video")),
    SessionView(4, "dr-m", "male", TUE, "routine", "surgery", None, ("in_person",),
                cancelled=True),
]


def _slots(session: int, base: int, day: dt.date, hour: int, n: int, booked: set[int]) -> list[SlotView]:
    start = dt.datetime.combine(day, dt.time(hour))
    return [
        SlotView(base + i, session, i, start + dt.timedelta(minutes=10 * i),
                 start + dt.timedelta(minutes=10 * (i + 1)), free=(base + i) not in booked)
        for i in range(n)
    ]


SLOTS = (
    _slots(1, 101, MON, 9, 6, booked={103})      # 101 is in the past at 09:05
    + _slots(2, 201, MON, 14, 4, booked={201})
    + _slots(3, 301, TUE, 9, 4, booked=set())
    + _slots(4, 401, TUE, 9, 4, booked=set())    # cancelled session
)

INTERPRETER = AccessNeeds(double_appointment=True, double_reasons=("interpreter needed",),
                          interpreter_language="pl")
EXTENDED = AccessNeeds(double_appointment=True, double_reasons=("extended appointment adjustment",))

SPEC: list[tuple[str, AccessNeeds, dict[str, Any], tuple[int, ...] | None, str]] = [
    # what, needs, query, first offer's slots (None: nothing fits), a reason it must give
    ("no needs: the next free slot after now, any clinician",
     AccessNeeds(), {}, (102,), "next free with any clinician"),
    ("interpreter: two contiguous slots, skipping the pair broken by a booking",
     INTERPRETER, {}, (104, 105), "double appointment: interpreter needed"),
    ("extended appointment: two contiguous slots",
     EXTENDED, {}, (104, 105), "extended appointment adjustment"),
    ("reception asks for a double",
     AccessNeeds(), {"double": True}, (104, 105), "double appointment as asked"),
    ("reception asks for three slots together",
     AccessNeeds(), {"length": 3}, (104, 105, 106), "3 slot(s) together"),
    ("male clinician preferred",
     AccessNeeds(clinician_gender="male"), {}, (202,), "male clinician as preferred"),
    ("female clinician preferred",
     AccessNeeds(clinician_gender="female"), {}, (102,), "female clinician as preferred"),
    ("first of a session: today's firsts are past or booked, so Tuesday",
     AccessNeeds(first_or_last="first"), {}, (301,), "first appointment of the session"),
    ("last of a session",
     AccessNeeds(first_or_last="last"), {}, (106,), "last appointment of the session"),
    ("last of a session and a double",
     AccessNeeds(first_or_last="last", double_appointment=True, double_reasons=("interpreter needed",)),
     {}, (105, 106), "last appointment"),
    ("a named clinician",
     AccessNeeds(), {"clinician": "dr-m"}, (202,), "with dr-m as asked"),
    ("a hostel in-reach clinic",
     AccessNeeds(), {"location": "hostel_in_reach"}, (202,), "hostel in-reach clinic"),
    ("video only",
     AccessNeeds(), {"channel": "video"}, (301,), "offers video"),
    ("from Tuesday",
     AccessNeeds(), {"date_from": TUE}, (301,), "within 2026-11-24"),
    ("drop-in sessions suit a rough sleeper",
     AccessNeeds(prefers_drop_in=True), {"slot_type": "drop_in"}, (301,), "drop in session as asked"),
    ("Monday only and first of session: nothing fits",
     AccessNeeds(first_or_last="first"), {"date_to": MON}, None, ""),
    ("a cancelled session is never offered",
     AccessNeeds(), {"clinician": "dr-m", "date_from": TUE}, None, ""),
    ("female clinician at the hostel: nothing fits",
     AccessNeeds(clinician_gender="female"), {"location": "hostel_in_reach"}, None, ""),
]


@pytest.mark.parametrize(("what", "needs", "query", "first", "reason"), SPEC,
                         ids=[row[0] for row in SPEC])
def test_slot_finding(what: str, needs: AccessNeeds, query: dict[str, Any],
                      first: tuple[int, ...] | None, reason: str) -> None:
    offers = find_slots(SESSIONS, SLOTS, needs, SlotQuery(now=NOW, **query))
    if first is None:
        assert offers == []
        return
    assert offers, what
    assert offers[0].slot_ids == first
    assert any(reason in r for r in offers[0].reasons), offers[0].reasons


def test_offers_are_earliest_first_and_one_per_session_by_default() -> None:
    offers = find_slots(SESSIONS, SLOTS, AccessNeeds(), SlotQuery(now=NOW))
    assert [o.slot_ids for o in offers] == [(102,), (202,), (301,)]
    assert [o.start for o in offers] == sorted(o.start for o in offers)


def test_per_session_gives_several_times_in_a_session() -> None:
    offers = find_slots(SESSIONS, SLOTS, AccessNeeds(), SlotQuery(now=NOW, per_session=3, limit=3))
    assert [o.slot_ids for o in offers] == [(102,), (104,), (105,)]


def test_no_offer_ever_contains_a_taken_past_or_non_contiguous_slot() -> None:
    taken = {s.id for s in SLOTS if not s.free or s.start < NOW}
    by_id = {s.id: s for s in SLOTS}
    for n in (1, 2, 3):
        for o in find_slots(SESSIONS, SLOTS, AccessNeeds(), SlotQuery(now=NOW, length=n, limit=50,
                                                                         per_session=10)):
            assert not taken.intersection(o.slot_ids)
            seqs = [by_id[i].seq for i in o.slot_ids]
            assert seqs == list(range(seqs[0], seqs[0] + n))


@pytest.mark.parametrize(("query", "field"), [
    ({"channel": "fax"}, "channel"),
    ({"location": "moon"}, "location"),
    ({"length": 0}, "length"),
    ({"limit": 0}, "limit"),
    ({"date_from": TUE, "date_to": MON}, "date_to"),
])
def test_a_bad_query_names_the_field(query: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        SlotQuery(now=NOW, **query)
    assert err.value.field == field
