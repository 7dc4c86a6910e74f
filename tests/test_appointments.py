"""Booking, cancelling and attendance through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import col, select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.attendance import AppointmentStatus
from inclusion_practice.errors import InvalidInput, NotFound, PermissionDenied, SlotJustTaken
from inclusion_practice.storage.tables import AuditEvent, DnaEvent, SlotHold
from tests.scheduling_helpers import add_patient, snapshot

TOMORROW = dt.date(2026, 11, 24)


@pytest.fixture
def book(ip: InclusionPractice, actors: dict[str, Actor]) -> InclusionPractice:
    """Two weeks of sessions from the example practice."""
    ip.schedule.generate(actors["manager"], weeks=2)
    return ip


def _session(ip: InclusionPractice, clinician: str, day: dt.date) -> int:
    return next(s.id for s in ip.schedule.sessions(day, day, clinician))


def _slots(ip: InclusionPractice, session_id: int) -> list[int]:
    return [s.id for s in ip.schedule.slots(session_id)]


def test_booking_one_slot_holds_it_and_is_audited_with_the_acting_user(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    p = add_patient(book)
    slot = _slots(book, _session(book, "dr-nowak", TOMORROW))[0]
    r = book.appointments.book(actors["receptionist"], p, [slot], comment="knee pain")
    assert r.appointment.slot_ids == (slot,)
    assert r.appointment.status is AppointmentStatus.BOOKED
    assert not next(s for s in book.schedule.slots(r.appointment.session_id) if s.id == slot).free
    with book.db.read() as uow:
        audit = uow.session.exec(
            select(AuditEvent).where(AuditEvent.entity == "appointment")
        ).all()
    assert [(a.actor, a.action) for a in audit] == [("reception1", "book_appointment")]


def test_a_patient_needing_an_interpreter_is_booked_a_double_automatically(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    p = add_patient(book, interpreter="ar")
    slots = _slots(book, _session(book, "dr-nowak", TOMORROW))
    r = book.appointments.book(actors["receptionist"], p, [slots[0]])
    assert r.appointment.slot_ids == (slots[0], slots[1])
    assert r.proposal.count == 2 and r.proposal.reasons == ("interpreter needed",)
    assert r.appointment.interpreter is not None
    assert r.appointment.interpreter.status == "to_book"


def test_reception_may_book_a_single_instead_with_a_reason_that_is_audited(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    p = add_patient(book, adjustments=(("extended_appointment", None),))
    slots = _slots(book, _session(book, "dr-nowak", TOMORROW))
    r = book.appointments.book(actors["receptionist"], p, [slots[0]],
                               double_override_reason="blood test results only")
    assert r.appointment.slot_ids == (slots[0],)
    assert r.proposal.overridden and r.warnings
    with book.db.read() as uow:
        audit = uow.session.exec(select(AuditEvent).where(AuditEvent.entity == "appointment")).one()
    assert json.loads(audit.changes)["double_override_reason"] == "blood test results only"


def test_overbooking_is_for_managers_only_warns_and_is_audited(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    a, b = add_patient(book), add_patient(book)
    slot = _slots(book, _session(book, "dr-nowak", TOMORROW))[0]
    book.appointments.book(actors["receptionist"], a, [slot])
    before = snapshot(book)
    with pytest.raises(PermissionDenied):
        book.appointments.book(actors["receptionist"], b, [slot], overbook_reason="urgent, vomiting")
    assert snapshot(book) == before
    r = book.appointments.book(actors["manager"], b, [slot], overbook_reason="urgent, vomiting")
    assert r.appointment.overbooked
    assert any("OVERBOOKED" in w for w in r.warnings)
    with book.db.read() as uow:
        live = uow.session.exec(select(SlotHold).where(SlotHold.active_slot_id == slot)).all()
        audit = uow.session.exec(
            select(AuditEvent).where(AuditEvent.action == "overbook_appointment")
        ).all()
    assert len(live) == 1  # the overbooking's hold is not live: the slot still has one holder
    assert audit and audit[0].actor == "manager1"
    free = _slots(book, _session(book, "dr-nowak", TOMORROW))[5]
    with pytest.raises(InvalidInput) as err:
        book.appointments.book(actors["manager"], b, [free], overbook_reason="just because")
    assert err.value.field == "overbook_reason"


def test_a_taken_slot_says_just_taken_with_the_next_alternatives(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    a, b = add_patient(book), add_patient(book)
    session = _session(book, "dr-nowak", TOMORROW)
    slot = _slots(book, session)[0]
    book.appointments.book(actors["receptionist"], a, [slot])
    before = snapshot(book)
    with pytest.raises(SlotJustTaken) as err:
        book.appointments.book(actors["receptionist"], b, [slot])
    assert err.value.slot_ids == (slot,)
    assert err.value.alternatives
    assert slot not in {i for o in err.value.alternatives for i in o.slot_ids}
    assert err.value.alternatives[0].clinician == "dr-nowak"
    assert snapshot(book) == before


BadCall = Callable[[InclusionPractice, dict[str, Actor], dict[str, Any]], object]

BAD_INPUT: list[tuple[str, BadCall, str, str]] = [
    ("slots not contiguous",
     lambda ip, a, w: ip.appointments.book(a["receptionist"], w["p"], [w["s"][0], w["s"][2]]),
     "slot_ids", "not contiguous"),
    ("slots in two sessions",
     lambda ip, a, w: ip.appointments.book(a["receptionist"], w["p"], [w["s"][0], w["other"][0]]),
     "slot_ids", "an appointment is in one"),
    ("a past slot",
     lambda ip, a, w: ip.appointments.book(a["receptionist"], w["p"], [w["past"]]),
     "slot_ids", "in the past"),
    ("a slot that does not exist",
     lambda ip, a, w: ip.appointments.book(a["receptionist"], w["p"], [999999]),
     "slot_ids", "no slot 999999"),
    ("an unregistered patient",
     lambda ip, a, w: ip.appointments.book(a["receptionist"], w["unreg"], [w["s"][0]]),
     "patient_id", "not registered"),
    ("a patient who does not exist",
     lambda ip, a, w: ip.appointments.book(a["receptionist"], 424242, [w["s"][0]]),
     "patient_id", "no patient"),
    ("an unknown clinician",
     lambda ip, a, w: ip.appointments.find_slots(w["p"], clinician="dr-who"),
     "clinician", "unknown clinician 'dr-who'"),
    ("a channel the session does not offer",
     lambda ip, a, w: ip.appointments.book(a["receptionist"], w["p"], [w["s"][0]], channel="video"),
     "channel", "not video"),
    ("a lateness threshold below zero",
     lambda ip, a, w: ip.appointments.arrive(a["receptionist"], w["appt"], late_threshold_minutes=-1),
     "late_threshold_minutes", "below zero"),
    ("a DNA before the appointment has started",
     lambda ip, a, w: ip.appointments.dna(a["receptionist"], w["appt"]),
     "appointment_id", "not missed yet"),
    ("cancelling without a reason",
     lambda ip, a, w: ip.appointments.cancel(a["receptionist"], w["appt"], by="patient", reason=" "),
     "reason", "say why"),
    ("cancelling 'by' someone else",
     lambda ip, a, w: ip.appointments.cancel(a["receptionist"], w["appt"], by="dog", reason="x"),
     "by", "patient"),
    ("seen before arriving",
     lambda ip, a, w: ip.appointments.seen(a["receptionist"], w["appt"]),
     "status", "cannot become seen"),
    ("a walk-in to a session that is not today",
     lambda ip, a, w: ip.appointments.walk_in(a["receptionist"], w["p"], w["session"]),
     "session_id", "not today"),
    ("generating zero weeks",
     lambda ip, a, w: ip.schedule.generate(a["manager"], weeks=0),
     "weeks", "at least 1"),
]


def test_bad_input_names_the_field_and_changes_nothing(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    """Every row of BAD_INPUT against one world: since none may change anything, each row
    starts from the same database (asserted), so one set-up per engine serves them all."""
    session = _session(book, "dr-nowak", TOMORROW)
    today_session = _session(book, "dr-okafor", book.clock.today())
    book.clock.advance(dt.timedelta(minutes=30))  # type: ignore[attr-defined]  # 09:00 is past
    w: dict[str, Any] = {
        "p": add_patient(book),
        "unreg": add_patient(book, registered=False),
        "s": _slots(book, session),
        "other": _slots(book, _session(book, "dr-hussain", TOMORROW)),
        "past": _slots(book, today_session)[0],
        "session": session,
    }
    w["appt"] = book.appointments.book(actors["receptionist"], w["p"], [w["s"][4]]).appointment.id
    before = snapshot(book)
    for what, call, field, reason in BAD_INPUT:
        with pytest.raises(InvalidInput) as err:
            call(book, actors, w)
        assert (err.value.field, reason in err.value.reason) == (field, True), (what, err.value)
        assert snapshot(book) == before, what


def test_cancelling_frees_the_slots_for_someone_else_and_flags_a_late_cancellation(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    a, b = add_patient(book), add_patient(book)
    slots = _slots(book, _session(book, "dr-nowak", TOMORROW))
    appt = book.appointments.book(actors["receptionist"], a, slots[:2]).appointment
    cancelled = book.appointments.cancel(actors["receptionist"], appt.id, by="patient",
                                         reason="feeling better")
    assert cancelled.status is AppointmentStatus.CANCELLED_PATIENT
    assert not cancelled.late_cancellation  # tomorrow 09:00 is exactly 24 hours away
    again = book.appointments.book(actors["receptionist"], b, slots[:2]).appointment
    assert again.slot_ids == tuple(slots[:2])
    soon = book.appointments.book(actors["receptionist"], a, [slots[5]]).appointment
    book.clock.advance(dt.timedelta(hours=10))  # type: ignore[attr-defined]
    late = book.appointments.cancel(actors["receptionist"], soon.id, by="patient", reason="work")
    assert late.late_cancellation
    with pytest.raises(InvalidInput):
        book.appointments.cancel(actors["receptionist"], soon.id, by="patient", reason="again")


def test_arrival_on_time_then_seen_and_late_arrival_counts_as_a_dna(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    a, b = add_patient(book), add_patient(book)
    slots = _slots(book, _session(book, "dr-nowak", TOMORROW))   # 15-minute slots
    on_time = book.appointments.book(actors["receptionist"], a, [slots[0]]).appointment
    late = book.appointments.book(actors["receptionist"], b, [slots[1]]).appointment
    book.clock.advance(dt.timedelta(days=1, minutes=3))  # type: ignore[attr-defined]
    r = book.appointments.arrive(actors["receptionist"], on_time.id)
    assert r.appointment.status is AppointmentStatus.ARRIVED and r.appointment.minutes_late == 3
    assert book.appointments.seen(actors["clinician"], on_time.id).status is AppointmentStatus.SEEN
    r = book.appointments.arrive(actors["receptionist"], late.id,
                                 at=late.start + dt.timedelta(minutes=8))
    assert r.appointment.status is AppointmentStatus.DNA
    assert r.dna is not None and r.dna.event.reason == "late"
    with book.db.read() as uow:
        assert uow.session.exec(select(DnaEvent)).one().appointment_id == late.id


def test_a_walk_in_is_recorded_against_todays_session_and_a_leaver_is_recorded(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    p = add_patient(book)
    session = _session(book, "dr-okafor", book.clock.today())
    w = book.appointments.walk_in(actors["receptionist"], p, session, comment="came in wet")
    assert w.status is AppointmentStatus.WALK_IN and w.slot_ids == ()
    assert book.appointments.left(actors["receptionist"], w.id).status is AppointmentStatus.LEFT
    with pytest.raises(NotFound):
        book.appointments.get(99999)


def test_generating_again_is_idempotent_and_never_touches_booked_slots(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    p = add_patient(book)
    session = _session(book, "dr-nowak", TOMORROW)
    slot = _slots(book, session)[0]
    book.appointments.book(actors["receptionist"], p, [slot])
    before = book.schedule.slots(session)
    r = book.schedule.generate(actors["manager"], weeks=3)
    assert r.sessions_existing == 24 and r.sessions_created == 12
    assert book.schedule.slots(session) == before
    with pytest.raises(PermissionDenied):
        book.schedule.generate(actors["receptionist"], weeks=1)


def test_cancelling_a_session_lists_booked_patients_for_rebooking_and_frees_interpreters(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    a = add_patient(book, phone="07700 900001")
    b = add_patient(book, interpreter="so", keyworker_name="Sam Keyworker",
                    keyworker_phone="0113 496 0999")
    session = _session(book, "dr-nowak", TOMORROW)
    slots = _slots(book, session)
    book.appointments.book(actors["receptionist"], a, [slots[0]])
    appt_b = book.appointments.book(actors["receptionist"], b, [slots[2]]).appointment
    book.interpreters.set_note(actors["receptionist"], appt_b.id, status="booked",
                               agency_ref="AG-1")
    r = book.schedule.cancel_session(actors["manager"], session, "clinician unwell")
    assert [(x.patient_id, x.phone, x.interpreter_to_cancel) for x in r.affected] == [
        (a, "07700 900001", False), (b, None, True)
    ]
    assert r.affected[1].keyworker == "Sam Keyworker 0113 496 0999"
    assert all(s.free for s in book.schedule.slots(session))
    assert book.appointments.find_slots(a, clinician="dr-nowak", date_from=TOMORROW,
                                        date_to=TOMORROW) == []
    with pytest.raises(InvalidInput) as err:
        book.appointments.book(actors["receptionist"], a, [slots[4]])
    assert err.value.field == "slot_ids"


class BookingMachine(RuleBasedStateMachine):
    """Book and cancel at random in one session; after every step, no slot is held twice and
    every slot the model says is free can be found and booked."""

    ip: InclusionPractice
    actor: Actor
    patients: list[int]
    session: int

    def __init__(self) -> None:
        super().__init__()
        self.slots = _slots(self.ip, self.session)
        self.held: dict[int, int] = {}          # slot id -> appointment id
        self.booked: dict[int, tuple[int, ...]] = {}  # appointment id -> slot ids

    @rule(patient=st.integers(0, 2), start=st.integers(0, 11), n=st.integers(1, 3))
    def book(self, patient: int, start: int, n: int) -> None:
        ids = self.slots[start : start + n]
        if len(ids) < n:
            return
        try:
            r = self.ip.appointments.book(self.actor, self.patients[patient], ids)
        except SlotJustTaken:
            assert any(i in self.held for i in ids)
            return
        assert not any(i in self.held for i in ids)
        for i in ids:
            self.held[i] = r.appointment.id
        self.booked[r.appointment.id] = tuple(ids)

    @precondition(lambda self: bool(self.booked))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        appt = data.draw(st.sampled_from(sorted(self.booked)))
        self.ip.appointments.cancel(self.actor, appt, by="practice", reason="test")
        for i in self.booked.pop(appt):
            del self.held[i]

    @invariant()
    def no_slot_is_held_twice_and_free_slots_are_bookable(self) -> None:
        with self.ip.db.read() as uow:
            live = uow.session.exec(
                select(SlotHold.active_slot_id).where(col(SlotHold.active_slot_id).is_not(None))
            ).all()
        assert len(live) == len(set(live))
        assert set(live) == set(self.held)
        offered = {
            o.slot_ids[0]
            for o in self.ip.appointments.find_slots(self.patients[0], clinician="dr-nowak",
                                                     date_from=TOMORROW, date_to=TOMORROW,
                                                     per_session=20, limit=20)
        }
        assert offered == set(self.slots) - set(self.held)

    def teardown(self) -> None:
        for appt in list(self.booked):
            self.ip.appointments.cancel(self.actor, appt, by="practice", reason="teardown")


def test_random_booking_and_cancelling_never_holds_a_slot_twice(
    book: InclusionPractice, actors: dict[str, Actor]
) -> None:
    BookingMachine.ip = book
    BookingMachine.actor = actors["receptionist"]
    BookingMachine.patients = [add_patient(book) for _ in range(3)]
    BookingMachine.session = _session(book, "dr-nowak", TOMORROW)
    run_state_machine_as_test(
        BookingMachine,
        settings=settings(max_examples=8, stateful_step_count=12, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
