"""FHIR Schedule, Slot and Appointment: valid against the R4 schema and invariants app-2/3/4."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fhirpathpy import evaluate

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.fhir.scheduling import (
    appointment_resource,
    schedule_resource,
    slot_resource,
)
from inclusion_practice.fhir.urls import EXT_DELIVERY_CHANNEL
from tests.fhir_schema import assert_valid
from tests.scheduling_helpers import add_patient

# The invariants as published in the R4 Appointment StructureDefinition. app-4 says 'no-show',
# not the status code 'noshow': so cancelationReason may only appear on a cancelled appointment.
INVARIANTS = {
    "app-2": "start.exists() = end.exists()",
    "app-3": "(start.exists() and end.exists()) or (status in ('proposed' | 'cancelled' | 'waitlist'))",
    "app-4": "Appointment.cancelationReason.exists() implies "
             "(Appointment.status='no-show' or Appointment.status='cancelled')",
    "app-1": "participant.all(type.exists() or actor.exists())",
}


def assert_invariants(resource: dict[str, Any]) -> None:
    for key, expr in INVARIANTS.items():
        assert evaluate(resource, expr) == [True], f"{key} fails: {expr}"


def _world(ip: InclusionPractice, actors: dict[str, Actor]) -> dict[str, Any]:
    ip.schedule.generate(actors["manager"], weeks=1)
    p = add_patient(ip, interpreter="ti", dialect="Asmara")
    q = add_patient(ip)
    day = dt.date(2026, 11, 24)
    double = ip.appointments.book(
        actors["receptionist"], p, ip.appointments.find_slots(p, date_from=day)[0].slot_ids,
        comment="Check wound dressing", patient_instruction="Please bring your medicines.",
        channel="in_person",
    ).appointment
    ip.interpreters.set_note(actors["receptionist"], double.id, status="booked",
                             agency_ref="AG-77", interpreter_name="Synthetic Interpreter",
                             note="Female interpreter requested")
    single = ip.appointments.book(
        actors["receptionist"], q, ip.appointments.find_slots(q, date_from=day)[0].slot_ids
    ).appointment
    cancelled = ip.appointments.cancel(actors["receptionist"], single.id, by="practice",
                                       reason="clinician unwell")
    missed = ip.appointments.book(
        actors["receptionist"], q, ip.appointments.find_slots(q, date_from=day)[1].slot_ids
    ).appointment
    ip.clock.advance(dt.timedelta(days=2))  # type: ignore[attr-defined]
    noshow = ip.appointments.dna(actors["receptionist"], missed.id).appointment
    return {"double": ip.appointments.get(double.id), "cancelled": cancelled, "noshow": noshow}


def test_appointments_schedules_and_slots_validate_and_satisfy_the_invariants(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    w = _world(ip, actors)
    double = appointment_resource(w["double"], ip.config.clinician(w["double"].clinician))
    cancelled = appointment_resource(w["cancelled"])
    noshow = appointment_resource(w["noshow"])
    for res in (double, cancelled, noshow):
        assert_valid(res)
        assert_invariants(res)

    assert [s["reference"] for s in double["slot"]] == [f"Slot/{i}" for i in w["double"].slot_ids]
    assert len(double["slot"]) == 2 and double["minutesDuration"] == 30
    [translator] = [pa for pa in double["participant"] if "type" in pa]
    assert translator["type"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
        "code": "TRANSL", "display": "Translator",
    }
    assert translator["status"] == "accepted"
    assert "Check wound dressing" in double["comment"] and "AG-77" in double["comment"]
    assert double["patientInstruction"] == "Please bring your medicines."
    [channel] = [e for e in double["extension"] if e["url"] == EXT_DELIVERY_CHANNEL]
    assert channel["valueCodeableConcept"]["coding"][0]["code"] == "In-person"

    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelationReason"]["text"] == "clinician unwell"
    assert cancelled["cancelationReason"]["coding"][0]["code"] == "prov"
    assert noshow["status"] == "noshow" and "cancelationReason" not in noshow

    # The same book as a clinician's Schedule and its free and busy Slots.
    appt = w["double"]
    clinician = ip.config.clinician(appt.clinician)
    assert clinician is not None
    schedule = schedule_resource(clinician, dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert_valid(schedule)
    [session] = [s for s in ip.schedule.sessions(appt.start.date(), appt.start.date(), appt.clinician)]
    slots = {s.id: slot_resource(s, session) for s in ip.schedule.slots(session.id)}
    for res in slots.values():
        assert_valid(res)
        assert res["schedule"]["reference"] == f"Schedule/{appt.clinician}"
    assert {slots[i]["status"] for i in appt.slot_ids} == {"busy"}
    assert "free" in {r["status"] for r in slots.values()}


@pytest.mark.parametrize("bad", [
    {"status": "noshow", "cancelationReason": {"text": "x"}},
    {"status": "booked", "end": None},
])
def test_the_invariant_checker_catches_a_broken_appointment(bad: dict[str, Any]) -> None:
    res: dict[str, Any] = {"resourceType": "Appointment", "status": "booked",
                           "start": "2026-11-24T09:00:00Z", "end": "2026-11-24T09:20:00Z",
                           "participant": [{"actor": {"reference": "Patient/1"},
                                            "status": "accepted"}]}
    res.update(bad)
    res = {k: v for k, v in res.items() if v is not None}
    with pytest.raises(AssertionError):
        assert_invariants(res)
