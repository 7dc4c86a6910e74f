"""A small synthetic practice for the FHIR import/export/API tests (no real data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.services.patients import NewPatient

VALID_NHS = "9434765919"
"""A synthetic NHS number with a correct check digit."""


def build_practice(ip: InclusionPractice, actors: dict[str, Actor]) -> dict[str, Any]:
    """Three patients (NHS number; no fixed abode care of a hostel; interpreter needed), flags
    of each sensitivity, a generated week of sessions and two appointments (one a double)."""
    rec, clin, man = actors["receptionist"], actors["clinician"], actors["manager"]
    a = ip.patients.register(rec, NewPatient(
        given_name="Amara", family_name="Testperson", sex="female",
        date_of_birth=dt.date(1980, 5, 17), nhs_number=VALID_NHS,
        usual_address=["1 Synthetic Street"], usual_postcode="LS1 1AA")).patient
    b = ip.patients.register(rec, NewPatient(
        given_name="Bogdan", family_name="Exampleton", sex="male",
        date_of_birth=dt.date(1975, 1, 1), dob_estimated=True, no_fixed_abode=True,
        correspondence="partner", care_of_partner="st-annes-hostel",
        nhs_number_unavailable_reason="not_known"), decision="new_person").patient
    c = ip.patients.register(rec, NewPatient(
        given_name="Ciara", family_name="Sampleova", sex="female",
        date_of_birth=dt.date(1990, 2, 3), main_language="pl", interpreter_needed=True,
        interpreter_mode="telephone"), kind="temporary",
        planned_end=ip.clock.today() + dt.timedelta(days=60), decision="new_person").patient
    f1 = ip.flags.add(rec, _id(a), "homelessness", subcategory="rough_sleeping",
                      start=dt.date(2026, 1, 5))
    f2 = ip.flags.add(clin, _id(b), "substance_use", start=dt.date(2025, 6, 1))
    f3 = ip.flags.add(rec, _id(c), "vulnerable_migrant", subcategory="asylum_seeker",
                      start=dt.date(2026, 3, 1))
    ip.schedule.generate(man, weeks=1)
    first = ip.schedule.sessions()[0]
    slots = ip.schedule.slots(first.id)
    b1 = ip.appointments.book(rec, _id(a), [slots[0].id], comment="needs a quiet room")
    b2 = ip.appointments.book(rec, _id(c), [slots[2].id, slots[3].id], channel="telephone",
                              patient_instruction="Please arrive 5 minutes early")
    return {"patients": [a, b, c], "flags": [f1, f2, f3],
            "appointments": [b1.appointment, b2.appointment], "session": first}


def _id(record: Any) -> int:
    assert record.id is not None
    return int(record.id)
