"""Synthetic problems, allergies, medicines and measurements: what a portable record shows.

Pure: a :class:`random.Random`, the synthetic patient and "today" in; rows out. Drawn from a
generator of their own (seeded per patient), so adding them left every other row of a seed as
it was, and none of these codes is in an indicator code list or a register, so no indicator
figure moves.

Every code is a verified SNOMED CT concept, with its source:

- Problems: SNOMED International's IPS free set, problems value set (HL7/fhir-ips,
  ``ProblemsSnomedCtIpsFreeSet.fsh``).
- Allergies: the IPS free set allergy value set (HL7/fhir-ips,
  ``AllergyIntoleranceSnomedCtIpsFreeSet.fsh``); 716186003 "No known allergy" from the IPS
  example ``allergyIntolerance-39-07-1``.
- Medicines (dm+d virtual medicinal products, SNOMED CT UK drug extension): 39113611000001102
  and 39720311000001101 in NHS Digital's Electronic Prescription Service API examples
  (39113611000001102 also in OpenCodelists' dm+d import tests); 39732311000001104 in the
  UK Core MedicationStatement example (NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN).
- Measurements: 60621009 Body mass index and 27113001 Body weight, with their UCUM units, in the
  UK Core vital-signs Observation examples.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from inclusion_practice.synthetic.people import SyntheticPatient


@dataclass(frozen=True)
class SummaryEvent:
    """One coded entry with the FHIR resource it belongs to, its term, status and unit."""

    resource_type: str
    code: str
    display: str
    day: dt.date
    value: float | None = None
    unit: str | None = None
    status: str | None = None


CONDITIONS: tuple[tuple[str, str, float, int], ...] = (
    # code, term, share of patients, minimum age
    ("195967001", "Asthma", 0.12, 0),
    ("35489007", "Depressive disorder", 0.14, 16),
    ("197480006", "Anxiety disorder", 0.10, 16),
    ("44054006", "Type 2 diabetes mellitus", 0.06, 30),
    ("59621000", "Essential hypertension", 0.08, 35),
    ("84757009", "Epilepsy", 0.02, 0),
    ("13645005", "Chronic obstructive lung disease", 0.04, 40),
    ("278860009", "Chronic low back pain", 0.08, 18),
    ("43116000", "Eczema", 0.05, 0),
    ("80967001", "Dental caries", 0.10, 0),
)
RESOLVES = {"80967001": 0.5, "35489007": 0.2, "197480006": 0.25, "43116000": 0.3}
"""Share of each problem recorded as resolved (kept in the record, left off the card)."""

NO_KNOWN_ALLERGY = ("716186003", "No known allergy")
ALLERGIES: tuple[tuple[str, str, float], ...] = (
    ("91936005", "Allergy to penicillin", 0.10),
    ("91935009", "Allergy to peanut", 0.03),
)
SALBUTAMOL = ("39113611000001102", "Salbutamol 100micrograms/dose inhaler CFC free")
PARACETAMOL = ("39720311000001101", "Paracetamol 500mg soluble tablets")
AMOXICILLIN = ("39732311000001104", "Amoxicillin 250mg capsules")
BMI = ("60621009", "Body mass index", "kg/m2")
WEIGHT = ("27113001", "Body weight", "kg")


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def summary_history(rng: random.Random, p: SyntheticPatient, today: dt.date) -> list[SummaryEvent]:
    """The patient's problems, allergies, medicines and measurements (deterministic for a
    given ``rng`` state), dated while they were registered."""
    first = p.registered_on
    last = min(today, p.deregistered_on) if p.deregistered_on else today
    if last < first:
        return []
    age = p.age_on(today)
    out: list[SummaryEvent] = []
    problems: set[str] = set()
    for code, term, share, min_age in CONDITIONS:
        if age < min_age or rng.random() >= share:
            continue
        problems.add(code)
        status = "resolved" if rng.random() < RESOLVES.get(code, 0.0) else "active"
        out.append(SummaryEvent("Condition", code, term, _day(rng, first, last), status=status))
    allergic = False
    for code, term, share in ALLERGIES:
        if rng.random() < share:
            allergic = True
            out.append(SummaryEvent("AllergyIntolerance", code, term, _day(rng, first, last),
                                    status="active"))
    if not allergic and rng.random() < 0.35:
        out.append(SummaryEvent("AllergyIntolerance", *NO_KNOWN_ALLERGY, _day(rng, first, last),
                                status="active"))
    if "195967001" in problems:
        out.append(SummaryEvent("MedicationStatement", *SALBUTAMOL, _day(rng, first, last),
                                status="active"))
    if "278860009" in problems and rng.random() < 0.6:
        out.append(SummaryEvent("MedicationStatement", *PARACETAMOL, _day(rng, first, last),
                                status="active"))
    if rng.random() < 0.2 and "91936005" not in {e.code for e in out}:
        out.append(SummaryEvent("MedicationStatement", *AMOXICILLIN, _day(rng, first, last),
                                status="completed"))
    if age >= 16 and rng.random() < 0.5:
        day = _day(rng, first, last)
        height_m = rng.uniform(1.5, 1.9)
        bmi = round(rng.uniform(17.0, 34.0), 1)
        out.append(SummaryEvent("Observation", BMI[0], BMI[1], day, bmi, BMI[2]))
        out.append(SummaryEvent("Observation", WEIGHT[0], WEIGHT[1], day,
                                round(bmi * height_m * height_m, 1), WEIGHT[2]))
    out.sort(key=lambda e: (e.day, e.resource_type, e.code))
    return out
