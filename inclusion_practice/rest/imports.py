"""``POST /``: import a transaction (all or nothing) or collection Bundle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from inclusion_practice.errors import InvalidInput
from inclusion_practice.fhir.importer import FhirImporter
from inclusion_practice.rest.auth import Caller
from inclusion_practice.rest.errors import fhir_response
from inclusion_practice.rest.practice import Practice

router = APIRouter(tags=["import"])
MAX_BODY_ENTRIES = 100_000


@router.post("/", summary="Import a transaction or collection Bundle")
def post_bundle(who: Caller, ip: Practice, bundle: Annotated[dict[str, Any], Body()]) -> JSONResponse:
    entries = bundle.get("entry")
    if entries is not None and not isinstance(entries, list):
        raise InvalidInput("Bundle.entry", "must be a list of entries")
    if len(entries or []) > MAX_BODY_ENTRIES:
        raise InvalidInput("Bundle.entry", f"more than {MAX_BODY_ENTRIES} entries: split it")
    report = FhirImporter(ip.services).import_bundle(who, bundle)
    refused = report.kind == "transaction" and not report.committed
    return fhir_response(report.operation_outcome(), 422 if refused else 200)
