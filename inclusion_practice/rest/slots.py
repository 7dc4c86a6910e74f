"""``/Slot`` and ``/Schedule``: the appointment book's free and busy times, by clinician."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from inclusion_practice.errors import NotFound
from inclusion_practice.fhir import scheduling
from inclusion_practice.rest.auth import Caller
from inclusion_practice.rest.errors import fhir_response
from inclusion_practice.rest.paging import PagingParams, searchset
from inclusion_practice.rest.params import date_bounds, reference_id, resource_id, short, token_list
from inclusion_practice.rest.practice import Practice
from inclusion_practice.services.queries import SlotSearch, SlotState

router = APIRouter(tags=["Slot"])
STATE_FOR_STATUS: dict[str, SlotState] = {"free": "free", "busy": "held", "busy-unavailable": "blocked"}


@router.get("/Slot/{rid}", summary="Read a Slot")
def read_slot(rid: str, who: Caller, ip: Practice) -> JSONResponse:
    info, session = ip.schedule.slot(who, resource_id("Slot", rid))
    return fhir_response(scheduling.slot_resource(info, session))


@router.get("/Slot", summary="Search Slots")
def search_slots(
    request: Request,
    who: Caller,
    ip: Practice,
    page: PagingParams,
    schedule: Annotated[str | None, Query(description="Schedule/<clinician code>")] = None,
    start: Annotated[list[str] | None, Query(description="Start, with prefixes")] = None,
    status: Annotated[str | None, Query(description="free, busy, busy-unavailable")] = None,
) -> JSONResponse:
    statuses = token_list("status", status, frozenset(STATE_FOR_STATUS))
    query = SlotSearch(
        clinician=reference_id("schedule", schedule, "Schedule") if schedule else None,
        start=date_bounds("start", start),
        states=frozenset(STATE_FOR_STATUS[s] for s in statuses),
    )
    found = ip.schedule.search_slots(who, query, offset=page.offset, count=page.count)
    resources = [scheduling.slot_resource(info, session) for info, session in found.items]
    return fhir_response(searchset(request, found, resources))


@router.get("/Schedule/{rid}", summary="Read a clinician's Schedule")
def read_schedule(rid: str, who: Caller, ip: Practice) -> JSONResponse:
    clinician = ip.config.clinician(short("id", rid, 64))
    if clinician is None:
        raise NotFound("Schedule", rid[:40])
    today = ip.clock.today()
    first, last = ip.schedule.session_dates(rid) or (today, today)
    return fhir_response(scheduling.schedule_resource(clinician, first, last))
