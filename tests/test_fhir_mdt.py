"""Referrals, MDT actions and meetings as FHIR: valid against the R4 JSON Schema and the R4B
models, and read through the REST API for practice IT."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.fhir.mdt import action_to_fhir, meeting_bundle, referral_to_fhir
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.api_tokens import ApiTokenService
from tests.fhir_schema import assert_valid
from tests.mdt_support import make_users, overlapping

MEETING = dt.date(2026, 11, 23)


@pytest.fixture
def users(ip: InclusionPractice) -> dict[str, Actor]:
    return make_users(ip)


def _meeting(ip: InclusionPractice, users: dict[str, Actor]) -> tuple[int, int, int]:
    p = overlapping(ip)
    m = ip.mdt.create_meeting(users["manager"], MEETING, partners=["city-drug-alcohol"], users=["drokafor"])
    item = ip.mdt.add_patient(users["manager"], m.id, p, "why", consent="summary")
    ip.mdt.record_discussion(users["clinician"], item.id, "Agreed plan", "Dr Amara Okafor")
    ip.mdt.add_action(users["clinician"], item.id, "Assess at hub", "partner:city-drug-alcohol")
    done = ip.mdt.add_action(users["clinician"], item.id, "Book review", "reception1")
    ip.mdt.complete_action(users["receptionist"], done.id, "Booked")
    r = ip.referrals.create(users["clinician"], p, "city-drug-alcohol", "drug-tx", "Wants help", "summary",
                            sent_on=dt.date(2026, 11, 1))
    ip.referrals.record_reply(users["receptionist"], r.id, "accepted", on=dt.date(2026, 11, 10))
    return p, m.id, r.id


def test_referrals_actions_and_meetings_are_valid_fhir(ip: InclusionPractice, users: dict[str, Actor]) -> None:
    p, meeting_id, referral_id = _meeting(ip, users)
    sr = referral_to_fhir(ip.referrals.get(users["clinician"], referral_id))
    assert_valid(sr)
    assert sr["status"] == "active" and sr["performer"][0]["identifier"]["value"] == "city-drug-alcohol"
    assert sr["reasonCode"][0]["coding"][0]["code"] == "ip:ref-drug-tx"
    assert "snomed" not in str(sr).lower()
    bundle = meeting_bundle(ip.mdt.agenda(users["clinician"], meeting_id))
    assert_valid(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Encounter", "Encounter", "Task", "Task"]
    meeting, item = bundle["entry"][0]["resource"], bundle["entry"][1]["resource"]
    assert meeting["status"] == "finished" and "subject" not in meeting
    assert item["partOf"]["reference"] == f"Encounter/mdt-meeting-{meeting_id}"
    assert item["subject"]["reference"] == f"Patient/{p}"
    tasks = [e["resource"] for e in bundle["entry"][2:]]
    assert [t["status"] for t in tasks] == ["requested", "completed"]
    assert tasks[0]["owner"]["type"] == "Organization" and tasks[1]["owner"]["type"] == "Practitioner"
    for action in ip.mdt.actions_for_patient(users["receptionist"], p):
        assert_valid(action_to_fhir(action))


def test_the_rest_api_reads_referrals_meetings_and_actions(
    ip: InclusionPractice, users: dict[str, Actor]
) -> None:
    from inclusion_practice.rest.app import create_app

    p, meeting_id, referral_id = _meeting(ip, users)
    token = ApiTokenService(ip.db).create(SYSTEM, "manager1", "practice IT")
    client = TestClient(create_app(ip))
    headers = {"Authorization": f"Bearer {token}"}
    r = client.get(f"/ServiceRequest/referral-{referral_id}", headers=headers)
    assert r.status_code == 200, r.text
    assert_valid(r.json())
    listing = client.get("/ServiceRequest", params={"patient": p}, headers=headers)
    assert listing.status_code == 200 and listing.json()["total"] == 1
    enc = client.get(f"/Encounter/mdt-meeting-{meeting_id}", headers=headers)
    assert enc.status_code == 200 and enc.json()["resourceType"] == "Encounter"
    assert_valid(enc.json())
    tasks = client.get("/Task", params={"patient": p}, headers=headers)
    assert tasks.status_code == 200 and tasks.json()["total"] == 2
    assert client.get("/ServiceRequest/referral-999", headers=headers).status_code == 404
    assert client.get("/ServiceRequest/referral-1").status_code == 401
