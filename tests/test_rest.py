"""The REST API: tokens and roles, FHIR read and search, Bundle import, $evaluate-measure,
OperationOutcome errors, and schemathesis against the generated OpenAPI on loopback."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.fhir import urls
from inclusion_practice.rest import create_app
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.api_tokens import ApiTokenService
from tests.fhir_practice import VALID_NHS, build_practice
from tests.fhir_schema import assert_valid

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def world(ip: InclusionPractice, actors: dict[str, Actor]) -> dict[str, Any]:
    built = build_practice(ip, actors)
    svc = ApiTokenService(ip.db)
    tokens = {role: svc.create(SYSTEM, a.username, f"{role} test") for role, a in actors.items()}
    return {"built": built, "tokens": tokens, "client": TestClient(create_app(ip))}


def get(world: dict[str, Any], role: str, path: str, **params: Any) -> Any:
    return world["client"].get(path, params=params,
                               headers={"Authorization": f"Bearer {world['tokens'][role]}"})


def entries(resp: Any) -> list[dict[str, Any]]:
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["resourceType"] == "Bundle" and body["type"] == "searchset"
    assert_valid(body)
    return [e["resource"] for e in body.get("entry", [])]


def test_requests_without_a_valid_token_get_401_or_403_as_operation_outcome(
    world: dict[str, Any]
) -> None:
    c = world["client"]
    missing = c.get("/Patient")
    assert missing.status_code == 401 and missing.json()["resourceType"] == "OperationOutcome"
    wrong = c.get("/Patient", headers={"Authorization": "Bearer ipt_nonsense"})
    assert wrong.status_code == 403
    assert_valid(wrong.json())


def test_a_revoked_token_stops_working(ip: InclusionPractice, world: dict[str, Any]) -> None:
    svc = ApiTokenService(ip.db)
    token_id = svc.list()[0].id
    svc.revoke(SYSTEM, token_id)
    revoked_user = svc.list()[0].username
    role = next(r for r, a in (("admin", "admin1"), ("clinician", "drokafor"),
                               ("manager", "manager1"), ("receptionist", "reception1"))
                if a == revoked_user)
    assert get(world, role, "/Patient").status_code == 403


def test_patients_are_found_by_nhs_number_name_and_birth_date(world: dict[str, Any]) -> None:
    assert len(entries(get(world, "receptionist", "/Patient", identifier=VALID_NHS))) == 1
    assert len(entries(get(world, "receptionist", "/Patient",
                           identifier=f"{urls.NHS_NUMBER_SYSTEM}|{VALID_NHS}"))) == 1
    found = entries(get(world, "receptionist", "/Patient", name="sampleova"))
    assert [p["name"][0]["family"] for p in found] == ["Sampleova"]
    assert len(entries(get(world, "receptionist", "/Patient", birthdate="ge1980-01-01"))) == 2
    assert entries(get(world, "receptionist", "/Patient", birthdate="1975-01-01"))[0][
        "name"][0]["family"] == "Exampleton"
    pid = world["built"]["patients"][0].id
    one = get(world, "receptionist", f"/Patient/{pid}")
    assert one.status_code == 200 and one.json()["id"] == str(pid)
    assert get(world, "receptionist", "/Patient/99999").status_code == 404


def test_restricted_flags_are_returned_to_clinical_tokens_only(world: dict[str, Any]) -> None:
    cats: dict[str, set[str]] = {"clinician": set(), "receptionist": set(), "admin": set()}
    for role in cats:
        for f in entries(get(world, role, "/Flag")):
            cats[role] |= {c["code"] for cc in f["category"] for c in cc["coding"]
                           if c["system"] == urls.CS_INCLUSION_HEALTH_CATEGORY}
    assert "substance_use" in cats["clinician"]
    assert "substance_use" not in cats["receptionist"] | cats["admin"]
    restricted_id = f"flag-{world['built']['flags'][1].id}"
    assert get(world, "clinician", f"/Flag/{restricted_id}").status_code == 200
    assert get(world, "receptionist", f"/Flag/{restricted_id}").status_code == 404
    b = world["built"]["patients"][1].id
    assert entries(get(world, "receptionist", "/Flag", patient=f"Patient/{b}")) == []
    assert len(entries(get(world, "clinician", "/Flag", category="substance_use"))) == 1


def test_appointments_and_slots_are_searchable(ip: InclusionPractice,
                                               world: dict[str, Any]) -> None:
    a = world["built"]["patients"][0].id
    appts = entries(get(world, "receptionist", "/Appointment", patient=f"Patient/{a}"))
    assert len(appts) == 1 and appts[0]["status"] == "booked"
    today = ip.clock.today().isoformat()
    assert len(entries(get(world, "receptionist", "/Appointment", date=today))) == 2
    assert entries(get(world, "receptionist", "/Appointment", status="noshow")) == []
    clinician = world["built"]["session"].clinician
    slots = entries(get(world, "receptionist", "/Slot", schedule=f"Schedule/{clinician}",
                        status="busy", start=f"ge{today}"))
    assert len(slots) == 3
    for s in slots:
        assert_valid(s)
    bad = get(world, "receptionist", "/Slot", start="tomorrow")
    assert bad.status_code == 400
    assert bad.json()["issue"][0]["expression"] == ["start"]


def test_posting_a_bundle_imports_it_and_a_bad_transaction_is_refused_with_422(
    world: dict[str, Any]
) -> None:
    c, token = world["client"], world["tokens"]["admin"]
    obs = {"resourceType": "Observation", "id": "o1", "status": "final",
           "code": {"coding": [{"system": urls.SNOMED, "code": "1108171000000102"}]},
           "subject": {"identifier": {"system": urls.NHS_NUMBER_SYSTEM, "value": VALID_NHS}},
           "effectiveDateTime": "2026-11-01"}
    ok = c.post("/", json={"resourceType": "Bundle", "type": "transaction",
                           "entry": [{"resource": obs}]},
                headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200, ok.text
    assert "1 created" in ok.json()["issue"][-1]["diagnostics"]
    bad = dict(obs, id="o2", subject={"reference": "Patient/ghost"})
    refused = c.post("/", json={"resourceType": "Bundle", "type": "transaction",
                                "entry": [{"resource": dict(obs, id="o3")}, {"resource": bad}]},
                     headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 422
    assert refused.json()["issue"][0]["expression"] == ["entry[1].resource.subject"]
    receptionist = c.post("/", json={"resourceType": "Bundle", "type": "collection", "entry": []},
                          headers={"Authorization": f"Bearer {world['tokens']['receptionist']}"})
    assert receptionist.status_code == 403


def test_metadata_and_the_shipped_artefacts_are_served(world: dict[str, Any]) -> None:
    cap = world["client"].get("/metadata").json()
    assert cap["resourceType"] == "CapabilityStatement"
    vs = get(world, "receptionist", "/ValueSet/inclusion-health-flag-code-homelessness")
    assert vs.status_code == 200 and vs.json()["url"].endswith("homelessness")
    assert get(world, "receptionist", "/CodeSystem/nope").status_code == 404


def test_evaluate_measure_returns_a_valid_measure_report_for_a_period(
    world: dict[str, Any]
) -> None:
    resp = get(world, "manager", "/Measure/IH001/$evaluate-measure",
               periodStart="2025-04-01", periodEnd="2026-03-31")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert_valid(report)
    assert report["measure"] == f"{urls.OUR_MEASURE}/IH001"
    assert report["period"] == {"start": "2025-04-01", "end": "2026-03-31"}
    from inclusion_practice.fhir import artefacts

    for ext in report.get("extension", []):
        assert ext["url"] in artefacts.by_url(), f"{ext['url']} emitted but not shipped"
    assert get(world, "receptionist", "/Measure/IH001/$evaluate-measure",
               periodStart="2025-04-01", periodEnd="2026-03-31").status_code == 403
    assert get(world, "manager", "/Measure/IH001/$evaluate-measure",
               periodStart="2026-04-01", periodEnd="2025-03-31").status_code == 400
