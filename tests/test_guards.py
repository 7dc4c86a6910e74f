"""Values a column cannot hold are refused naming the field, the same way on both engines.

Found by ``tests/test_fuzz.py``: PostgreSQL refused over-long text, NUL characters and ids
beyond 32 bits with a raw driver error (a traceback, exit code 1), while SQLite silently stored
the first two and overflowed on ids beyond 64 bits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.fhir.importer import FhirImporter
from inclusion_practice.services.patients import NewPatient
from inclusion_practice.storage.guards import problem
from inclusion_practice.storage.tables import Patient


def _counts(ip: InclusionPractice) -> dict[str, int]:
    with ip.db.connection() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in SQLModel.metadata.sorted_tables}


@pytest.mark.parametrize(
    ("extra", "field", "reason"),
    [
        ({"keyworker_name": "K" * 201, "contact_route": "keyworker",
          "keyworker_phone": "0113 496 0001"}, "keyworker_name", "longer than 200 characters"),
        ({"given_name": "Nul\x00l"}, "given_name", "NUL character"),
        ({"usual_address": ["1 Street\x00"], "usual_postcode": "LS1 1AA"}, "usual_address",
         "NUL character"),
        ({"title": "Dr\x00"}, "title", "NUL character"),
    ],
)
def test_a_value_its_column_cannot_hold_is_refused_naming_the_field_and_nothing_is_written(
    ip: InclusionPractice, actors: dict[str, Actor], extra: dict[str, Any], field: str,
    reason: str
) -> None:
    person = {"given_name": "Guard", "family_name": "Test", "sex": "female",
              "date_of_birth": dt.date(1990, 1, 1), **extra}
    before = _counts(ip)
    with pytest.raises(InvalidInput) as refused:
        ip.patients.register(actors["receptionist"], NewPatient(**person), decision="new_person")
    assert refused.value.field == field and reason in refused.value.reason
    assert _counts(ip) == before


@pytest.mark.parametrize("patient_id", [2**31, 2**40, 2**70, -(2**63) - 1])
def test_an_id_beyond_any_column_is_not_found_or_refused_never_a_crash(
    ip: InclusionPractice, actors: dict[str, Actor], patient_id: int
) -> None:
    with pytest.raises((NotFound, InvalidInput)):
        ip.patients.show(actors["receptionist"], patient_id)
    with pytest.raises((NotFound, InvalidInput)):
        ip.appointments.cancel(actors["receptionist"], patient_id, by="patient", reason="x")


def test_an_imported_value_its_column_cannot_hold_is_that_entrys_problem(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    patient = {"resourceType": "Patient", "id": "g1", "gender": "female",
               "birthDate": "1985-04-04", "name": [{"family": "Longphone", "given": ["Gita"]}],
               "telecom": [{"system": "phone", "value": "0" * 300}]}
    importer = FhirImporter(ip.services)
    before = _counts(ip)
    report = importer.import_bundle(actors["admin"], {
        "resourceType": "Bundle", "type": "transaction", "entry": [{"resource": patient}]})
    assert not report.committed and _counts(ip) == before
    assert [str(p) for p in report.problems] == [
        "entry[0].resource: phone: is longer than 40 characters"]


def test_the_guard_knows_each_column_type() -> None:
    columns = Patient.__table__.c  # type: ignore[attr-defined]
    assert problem(columns.phone, "0" * 41) == "is longer than 40 characters"
    assert problem(columns.phone, "0" * 40) is None
    assert problem(columns.usual_address, "x" * 10_000) is None  # TEXT: no limit
    assert problem(columns.id, 2**31) == f"{2**31} is out of range"
    assert problem(columns.interpreter_needed, True) is None
