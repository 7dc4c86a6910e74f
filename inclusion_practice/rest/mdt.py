"""``/ServiceRequest``, ``/Task``, ``/Encounter``: referrals, MDT actions and meetings for
practice IT (read only). Every read goes through the services, so permissions and the access
log apply as on any other channel."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from inclusion_practice.errors import NotFound
from inclusion_practice.fhir.mdt import (
    action_to_fhir,
    item_to_fhir,
    meeting_to_fhir,
    referral_to_fhir,
)
from inclusion_practice.rest.auth import Caller
from inclusion_practice.rest.errors import fhir_response
from inclusion_practice.rest.paging import PagingParams, searchset
from inclusion_practice.rest.params import reference_number, short
from inclusion_practice.rest.practice import Practice
from inclusion_practice.services.queries import Page

router = APIRouter(tags=["MDT"])
_REFERRAL = re.compile(r"^referral-([0-9]{1,18})$", re.ASCII)
_ACTION = re.compile(r"^mdt-action-([0-9]{1,18})$", re.ASCII)
_MEETING = re.compile(r"^mdt-meeting-([0-9]{1,18})$", re.ASCII)
_ITEM = re.compile(r"^mdt-item-([0-9]{1,18})$", re.ASCII)


def _page(items: list[Any], offset: int, count: int) -> Page[Any]:
    return Page(tuple(items[offset:offset + count]), len(items), offset, count)


@router.get("/ServiceRequest/{rid}", summary="Read a referral to a partner service")
def read_referral(rid: str, who: Caller, ip: Practice) -> JSONResponse:
    m = _REFERRAL.match(rid)
    if not m:
        raise NotFound("ServiceRequest", rid[:40])
    return fhir_response(referral_to_fhir(ip.referrals.get(who, int(m.group(1)))))


@router.get("/ServiceRequest", summary="Search referrals (by patient or status)")
def search_referrals(
    request: Request, who: Caller, ip: Practice, page: PagingParams,
    patient: Annotated[str | None, Query(description="Patient/<id>")] = None,
    status: Annotated[str | None, Query(description="sent | accepted | seen | declined | lost_to_follow_up")] = None,
) -> JSONResponse:
    if patient:
        found = ip.referrals.for_patient(who, reference_number("patient", patient, "Patient"))
        if status:
            found = [r for r in found if r.status.value == short("status", status)]
    else:
        found = ip.referrals.find(who, status=short("status", status) if status else None)
    p = _page(found, page.offset, page.count)
    return fhir_response(searchset(request, p, [referral_to_fhir(r) for r in p.items]))


@router.get("/Task/{rid}", summary="Read an MDT action")
def read_action(rid: str, who: Caller, ip: Practice) -> JSONResponse:
    m = _ACTION.match(rid)
    if not m:
        raise NotFound("Task", rid[:40])
    return fhir_response(action_to_fhir(ip.mdt.action(who, int(m.group(1)))))


@router.get("/Task", summary="Search MDT actions (a patient's, or those due)")
def search_actions(
    request: Request, who: Caller, ip: Practice, page: PagingParams,
    patient: Annotated[str | None, Query(description="Patient/<id>")] = None,
) -> JSONResponse:
    if patient:
        found = ip.mdt.actions_for_patient(who, reference_number("patient", patient, "Patient"))
    else:
        found = ip.mdt.actions_due(who)
    p = _page(found, page.offset, page.count)
    return fhir_response(searchset(request, p, [action_to_fhir(a) for a in p.items]))


@router.get("/Encounter/{rid}", summary="Read an MDT meeting, or one patient's MDT discussion")
def read_encounter(rid: str, who: Caller, ip: Practice) -> JSONResponse:
    m = _MEETING.match(rid)
    if m:
        return fhir_response(meeting_to_fhir(ip.mdt.agenda(who, int(m.group(1)))))
    m = _ITEM.match(rid)
    if not m:
        raise NotFound("Encounter", rid[:40])
    item = ip.mdt.item(who, int(m.group(1)))
    return fhir_response(item_to_fhir(item))
