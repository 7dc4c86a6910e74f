"""The shipped conformance resources and measures: CapabilityStatement, profiles, code systems,
value sets, Measures and ``$evaluate-measure``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.fhir import artefacts
from inclusion_practice.fhir.exporter import measure_reports
from inclusion_practice.rest.auth import Caller
from inclusion_practice.rest.errors import fhir_response
from inclusion_practice.rest.params import short
from inclusion_practice.rest.practice import Practice
from inclusion_practice.services.access import require

router = APIRouter()


@router.get("/metadata", tags=["conformance"], summary="The CapabilityStatement")
def metadata() -> JSONResponse:
    return fhir_response(artefacts.capability_statement())


def _artefact_reader(rtype: str) -> None:
    def read_artefact(rid: str, _who: Caller) -> JSONResponse:
        return fhir_response(artefacts.get(rtype, short("id", rid, 128)))

    router.get(f"/{rtype}/{{rid}}", tags=["conformance"], summary=f"Read a shipped {rtype}",
               name=f"read_{rtype}")(read_artefact)


for _rtype in ("StructureDefinition", "CodeSystem", "ValueSet"):
    _artefact_reader(_rtype)


@router.get("/Measure/{rid}", tags=["measures"], summary="Read a shipped Measure")
def read_measure(rid: str, who: Caller) -> JSONResponse:
    return fhir_response(artefacts.get("Measure", short("id", rid, 64)))


@router.get("/Measure/{rid}/$evaluate-measure", tags=["measures"],
            summary="Evaluate an indicator for a period: a summary MeasureReport")
def evaluate_measure(
    rid: str, who: Caller, ip: Practice,
    periodStart: Annotated[dt.date, Query(description="First day, YYYY-MM-DD")],
    periodEnd: Annotated[dt.date, Query(description="Last day, YYYY-MM-DD")],
) -> JSONResponse:
    require(who, Permission.RUN_INDICATORS)
    if periodEnd < periodStart:
        raise InvalidInput("periodEnd", f"{periodEnd} is before periodStart {periodStart}")
    if (periodEnd - periodStart).days > 3 * 366:
        raise InvalidInput("periodEnd", "a period is at most three years")
    artefacts.get("Measure", short("id", rid, 64))
    period = Period(periodStart, periodEnd, f"{periodStart}..{periodEnd}")
    found = list(measure_reports(ip.indicators, ip.config, ip.clock, who, period, [rid]))
    if not found:
        raise NotFound("Measure", f"{rid} (not in the practice's indicator set)")
    return fhir_response(found[0])
