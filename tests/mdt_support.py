"""Shared set-up for the MDT and referral tests: candidates of every kind, one user per role."""

from __future__ import annotations

import datetime as dt

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.mdt import HOSPITAL_DISCHARGE_CODE
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.storage.tables import ClinicalEvent
from tests.conftest import PASSWORD
from tests.scheduling_helpers import add_patient

SMOKING_STATUS = "77176002"
"""Any coded entry counts as contact (a smoker finding, SNOMED CT)."""


def make_users(ip: InclusionPractice) -> dict[str, Actor]:
    out: dict[str, Actor] = {}
    for username, role in [("reception1", "receptionist"), ("drokafor", "clinician"),
                           ("manager1", "manager"), ("admin1", "admin")]:
        ip.users.create(SYSTEM, username, username.title(), role, password=PASSWORD,
                        clinician_code="dr-okafor" if role == "clinician" else None)
        out[role] = ip.users.actor(username)
    return out


def coded(ip: InclusionPractice, patient: int, code: str, day: dt.date, system: str = "snomed") -> None:
    with ip.db.write(SYSTEM, "test_fixture") as uow:
        uow.session.add(ClinicalEvent(patient_id=patient, code=code, system=system, event_date=day,
                                      recorded_by="system"))
        uow.commit()


def seen_recently(ip: InclusionPractice, patient: int) -> None:
    coded(ip, patient, SMOKING_STATUS, ip.clock.today() - dt.timedelta(days=10))


def overlapping(ip: InclusionPractice) -> int:
    """Homeless and using drugs since 2020 (a restricted flag), seen last week."""
    p = add_patient(ip, flags=("homelessness", "substance_use"))
    seen_recently(ip, p)
    return p


def discharged(ip: InclusionPractice, days_ago: int = 5) -> int:
    p = add_patient(ip, flags=("homelessness",))
    seen_recently(ip, p)
    coded(ip, p, HOSPITAL_DISCHARGE_CODE, ip.clock.today() - dt.timedelta(days=days_ago), "local")
    return p


def not_a_candidate(ip: InclusionPractice) -> int:
    p = add_patient(ip, flags=("homelessness",))
    seen_recently(ip, p)
    return p
