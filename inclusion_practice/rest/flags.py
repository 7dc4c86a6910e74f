"""``/Flag``: inclusion-health flags, filtered by the one visibility policy (a restricted flag
is "not found" for a role that may not see it, never "forbidden")."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from inclusion_practice.errors import NotFound
from inclusion_practice.fhir.flag import flag_to_fhir
from inclusion_practice.rest.auth import Caller
from inclusion_practice.rest.errors import fhir_response
from inclusion_practice.rest.paging import PagingParams, searchset
from inclusion_practice.rest.params import reference_number, short
from inclusion_practice.rest.practice import Practice
from inclusion_practice.services.queries import FlagQuery

router = APIRouter(tags=["Flag"])
_FLAG_ID = re.compile(r"^flag-([0-9]{1,18})$", re.ASCII)


@router.get("/Flag/{rid}", summary="Read an inclusion-health Flag")
def read_flag(rid: str, who: Caller, ip: Practice) -> JSONResponse:
    m = _FLAG_ID.match(rid)
    if not m:
        raise NotFound("Flag", rid[:40])
    flag = ip.flags.get(who, int(m.group(1)))
    return fhir_response(flag_to_fhir(flag, today=ip.clock.today()))


@router.get("/Flag", summary="Search inclusion-health Flags")
def search_flags(
    request: Request,
    who: Caller,
    ip: Practice,
    page: PagingParams,
    patient: Annotated[str | None, Query(description="Patient/<id>")] = None,
    category: Annotated[str | None, Query(description="Category code or system|code")] = None,
) -> JSONResponse:
    query = FlagQuery(
        patient_id=reference_number("patient", patient, "Patient") if patient else None,
        category=short("category", category).rpartition("|")[2] if category else None,
    )
    found = ip.flags.search(who, query, offset=page.offset, count=page.count)
    today = ip.clock.today()
    return fhir_response(searchset(request, found, [flag_to_fhir(f, today=today) for f in found.items]))
