"""``/Patient``: read and search, through the patient service (same matching as ``find``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from inclusion_practice.fhir import urls
from inclusion_practice.fhir.patient import patient_to_fhir
from inclusion_practice.rest.auth import Caller
from inclusion_practice.rest.errors import fhir_response
from inclusion_practice.rest.paging import PagingParams, searchset
from inclusion_practice.rest.params import date_bounds, resource_id, short
from inclusion_practice.rest.practice import Practice
from inclusion_practice.services.queries import PatientQuery

router = APIRouter(tags=["Patient"])


@router.get("/Patient/{rid}", summary="Read a Patient")
def read_patient(rid: str, who: Caller, ip: Practice) -> JSONResponse:
    record = ip.patients.get(who, resource_id("Patient", rid))
    return fhir_response(patient_to_fhir(record, ip.config, today=ip.clock.today()))


@router.get("/Patient/{rid}/$summary", summary="International Patient Summary of a Patient")
def patient_summary(rid: str, who: Caller, ip: Practice) -> JSONResponse:
    """The IPS ``$summary`` operation: a FHIR R4 document Bundle (Composition first) from the
    practice's own data, for clinical tokens; never a flag or a restricted concept. Each read
    is written to the access log."""
    return fhir_response(ip.fhir.patient_summary(who, resource_id("Patient", rid)))


@router.get("/Patient", summary="Search Patients")
def search_patients(
    request: Request,
    who: Caller,
    ip: Practice,
    page: PagingParams,
    identifier: Annotated[str | None, Query(description="NHS number, or system|value")] = None,
    name: Annotated[str | None, Query(description="Words of a name (accents ignored)")] = None,
    birthdate: Annotated[list[str] | None, Query(description="YYYY-MM-DD with prefix")] = None,
) -> JSONResponse:
    query = _identifier(identifier, PatientQuery(name=name,
                                                  birthdate=date_bounds("birthdate", birthdate)))
    found = ip.patients.search(who, query, offset=page.offset, count=page.count)
    today = ip.clock.today()
    resources = [patient_to_fhir(r, ip.config, today=today) for r in found.items]
    return fhir_response(searchset(request, found, resources))


def _identifier(identifier: str | None, query: PatientQuery) -> PatientQuery:
    """``identifier``: an NHS number (or a feeding system's id), or our own patient id."""
    if identifier is None:
        return query
    system, _, value = short("identifier", identifier).rpartition("|")
    if system in ("", urls.NHS_NUMBER_SYSTEM):
        return replace(query, nhs_number=value, source_id=identifier)
    if system == f"{urls.OUR_ID}/patient":
        ours = value.isascii() and value.isdigit() and len(value) < 19
        return replace(query, patient_id=int(value) if ours else -1)
    return replace(query, source_id=identifier)
