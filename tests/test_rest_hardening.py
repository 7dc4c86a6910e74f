"""Attacks on the REST API from outside: each one used to answer 500, parse a huge body or match
everyone. Every one must now get a 4xx OperationOutcome, and every search must page."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.rest import create_app
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.api_tokens import ApiTokenService
from inclusion_practice.services.patients import NewPatient
from tests.fhir_schema import assert_valid

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def api(ip: InclusionPractice, actors: dict[str, Actor]) -> dict[str, Any]:
    import datetime as dt

    for i in range(23):
        ip.patients.register(actors["receptionist"], NewPatient(
            given_name=f"Given{i:02d}", family_name="Smith" if i % 2 else "Ó Briain",
            sex="female" if i % 3 else "male", date_of_birth=dt.date(1970 + i, 1 + i % 12, 3)),
            decision="new_person")
    token = ApiTokenService(ip.db).create(SYSTEM, actors["clinician"].username, "attack tests")
    client = TestClient(create_app(ip, max_body_bytes=64 * 1024, default_count=10, max_count=20))
    return {"client": client, "headers": {"Authorization": f"Bearer {token}"}}


def _get(api: dict[str, Any], path: str, **params: Any) -> Any:
    return api["client"].get(path, params=params, headers=api["headers"])


def _outcome(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text[:300]
    body = resp.json()
    assert body["resourceType"] == "OperationOutcome"
    assert_valid(body)
    return body


@pytest.mark.parametrize(
    ("path", "params", "status", "names"),
    [
        # httpx caps a URL at 64 KiB; a 60,000-character name is as absurd as 100,000.
        ("/Patient", {"name": "x" * 60_000}, 400, "name"),
        ("/Appointment", {"date": "ge9999-12-31"}, 200, None),  # the last day is a valid date
        ("/Appointment", {"date": "ge10000-01-01"}, 400, "date"),
        ("/Appointment", {"date": "2026-02-30"}, 400, "date"),
        ("/Patient/¹", {}, 404, None),
        ("/Patient/-1", {}, 404, None),
        ("/Patient/" + "9" * 40, {}, 404, None),
        ("/Flag/flag-¹", {}, 404, None),
        ("/Patient", {"_count": "0"}, 400, "_count"),
        ("/Patient", {"_count": "21"}, 400, "_count"),
        ("/Patient", {"_count": "ten"}, 400, "_count"),
        ("/Patient", {"_offset": "-5"}, 400, "_offset"),
        ("/Patient", {"birthdate": "yesterday"}, 400, "birthdate"),
        ("/Appointment", {"status": "teleported"}, 400, "status"),
        ("/Slot", {"status": "free,bogus"}, 400, "status"),
        ("/Slot", {"schedule": "Schedule/nobody"}, 404, None),
        ("/Flag", {"patient": "Patient/abc"}, 400, "patient"),
        ("/Patient", {"identifier": "z" * 5000}, 400, "identifier"),
    ],
)
def test_a_bad_parameter_gets_a_4xx_operation_outcome_naming_it_never_a_500(
    api: dict[str, Any], path: str, params: dict[str, str], status: int, names: str | None
) -> None:
    resp = _get(api, path, **params)
    if status == 200:
        assert resp.status_code == 200, resp.text[:300]
        return
    body = _outcome(resp, status)
    if names is not None:
        assert body["issue"][0].get("expression") == [names]


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_parsed(api: dict[str, Any]) -> None:
    big = b'{"resourceType": "Bundle", "type": "collection", "entry": [' + b" " * (200 * 1024) + b"]}"
    resp = api["client"].post("/", content=big, headers={**api["headers"],
                                                          "Content-Type": "application/fhir+json"})
    _outcome(resp, 413)

    def chunks() -> Any:  # no Content-Length: the streamed body is counted
        for _ in range(100):
            yield b" " * 4096

    resp = api["client"].post("/", content=chunks(), headers={**api["headers"],
                                                               "Content-Type": "application/json"})
    _outcome(resp, 413)


@pytest.mark.parametrize("wildcard", ["%", "_", "%%", "a%"])
def test_wildcards_in_a_name_match_themselves_not_everyone(
    api: dict[str, Any], wildcard: str
) -> None:
    resp = _get(api, "/Patient", name=wildcard)
    assert resp.status_code == 200
    assert resp.json()["total"] == 0


def test_an_unfiltered_search_is_paged_and_next_links_walk_every_patient_once(
    api: dict[str, Any]
) -> None:
    first = _get(api, "/Patient")
    assert first.status_code == 200
    body = first.json()
    assert_valid(body)
    assert body["total"] == 23 and len(body["entry"]) == 10
    seen: list[str] = []
    while True:
        seen += [e["resource"]["id"] for e in body["entry"]]
        nxt = [link["url"] for link in body["link"] if link["relation"] == "next"]
        if not nxt:
            break
        body = api["client"].get(nxt[0], headers=api["headers"]).json()
    assert len(seen) == len(set(seen)) == 23


def test_a_name_search_matches_like_patient_find_accents_and_case_ignored(
    api: dict[str, Any], ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rest = _get(api, "/Patient", name="o briain", _count="20").json()
    found = {p.id for p in ip.patients.find(actors["clinician"], "o briain", limit=50)}
    assert rest["total"] == 12
    assert {int(e["resource"]["id"]) for e in rest["entry"]} == found


@pytest.mark.parametrize("path", ["/Flag", "/Appointment", "/Slot"])
def test_every_search_is_a_paged_searchset(api: dict[str, Any], path: str) -> None:
    resp = _get(api, path, _count="5")
    assert resp.status_code == 200
    body = resp.json()
    assert_valid(body)
    assert body["type"] == "searchset" and len(body.get("entry", [])) <= 5
    assert any(link["relation"] == "self" for link in body["link"])


@pytest.mark.parametrize("text", ["_", "%", "--", "a%"])
def test_reception_find_with_wildcards_or_no_letters_lists_no_one(
    api: dict[str, Any], ip: InclusionPractice, actors: dict[str, Actor], text: str
) -> None:
    assert ip.patients.find(actors["receptionist"], text) == []
