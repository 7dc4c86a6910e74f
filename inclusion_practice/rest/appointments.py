"""``/Appointment``: read and search the appointment book."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from inclusion_practice.fhir import scheduling
from inclusion_practice.rest.auth import Caller
from inclusion_practice.rest.errors import fhir_response
from inclusion_practice.rest.paging import PagingParams, searchset
from inclusion_practice.rest.params import date_bounds, reference_number, resource_id, token_list
from inclusion_practice.rest.practice import Practice
from inclusion_practice.services.queries import AppointmentQuery

router = APIRouter(tags=["Appointment"])
FHIR_STATUSES = frozenset(scheduling.STATUS.values())


@router.get("/Appointment/{rid}", summary="Read an Appointment")
def read_appointment(rid: str, who: Caller, ip: Practice) -> JSONResponse:
    info = ip.appointments.get(resource_id("Appointment", rid))
    return fhir_response(scheduling.appointment_resource(info, ip.config.clinician(info.clinician)))


@router.get("/Appointment", summary="Search Appointments")
def search_appointments(
    request: Request,
    who: Caller,
    ip: Practice,
    page: PagingParams,
    patient: Annotated[str | None, Query(description="Patient/<id>")] = None,
    date: Annotated[list[str] | None, Query(description="Start, with prefixes")] = None,
    status: Annotated[str | None, Query(description="booked, arrived, fulfilled, "
                                                    "cancelled, noshow")] = None,
) -> JSONResponse:
    wanted = token_list("status", status, FHIR_STATUSES)
    query = AppointmentQuery(
        patient_id=reference_number("patient", patient, "Patient") if patient else None,
        start=date_bounds("date", date),
        statuses=frozenset(k.value for k, v in scheduling.STATUS.items() if v in wanted),
    )
    found = ip.appointments.search(who, query, offset=page.offset, count=page.count)
    resources = [scheduling.appointment_resource(i, ip.config.clinician(i.clinician))
                 for i in found.items]
    return fhir_response(searchset(request, found, resources))
