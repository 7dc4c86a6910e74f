"""The REST API for practice IT (``inclusion-practice serve``): FHIR R4 read and search,
Bundle import, ``$evaluate-measure`` and the shipped conformance resources.

Every request carries ``Authorization: Bearer <token>``; the token acts as one user with that
user's role, so the library's rules apply unchanged (restricted flags only for clinical roles,
imports only with ``IMPORT_DATA``). Every error is an OperationOutcome. The OpenAPI document is
at ``/openapi.json``; the FHIR CapabilityStatement at ``/metadata``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlmodel import col, or_, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.names import fold
from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.roles import Permission, Role
from inclusion_practice.errors import (
    Conflict,
    InclusionPracticeError,
    InvalidInput,
    InvalidInputs,
    NoActingUser,
    NotFound,
    PermissionDenied,
    SignInThrottled,
)
from inclusion_practice.fhir import artefacts, scheduling, urls
from inclusion_practice.fhir.exporter import measure_reports
from inclusion_practice.fhir.flag import flag_to_fhir
from inclusion_practice.fhir.importer import FhirImporter
from inclusion_practice.fhir.patient import patient_to_fhir
from inclusion_practice.services.access import require
from inclusion_practice.services.api_tokens import ApiTokenService
from inclusion_practice.services.appointments import appointment_info
from inclusion_practice.services.flags import visible_flags
from inclusion_practice.services.patients import record_from_row
from inclusion_practice.services.schedule import SlotInfo, session_info
from inclusion_practice.storage.tables import (
    Appointment,
    ClinicSession,
    Patient,
    Registration,
    Slot,
    SlotHold,
)

Json = dict[str, Any]
FHIR_JSON = "application/fhir+json"
MAX_COUNT = 500
MAX_BODY_ENTRIES = 100_000

STATUS_FOR: dict[type[Exception], tuple[int, str]] = {
    NotFound: (404, "not-found"),
    PermissionDenied: (403, "forbidden"),
    NoActingUser: (401, "login"),
    SignInThrottled: (429, "throttled"),
    InvalidInput: (400, "invalid"),
    InvalidInputs: (400, "invalid"),
    Conflict: (409, "conflict"),
}


def outcome(code: str, diagnostics: str, *, severity: str = "error",
            expression: str | None = None) -> Json:
    issue: Json = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def _fhir(body: Json, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def _searchset(resources: list[Json]) -> Json:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"fullUrl": f"{urls.BASE}/{r['resourceType']}/{r['id']}", "resource": r,
                   "search": {"mode": "match"}} for r in resources],
    }


_DATE_PARAM = re.compile(r"^(eq|ne|ge|le|gt|lt|sa|eb)?(\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)$")


def parse_date_param(name: str, value: str) -> tuple[str, dt.datetime, dt.datetime]:
    """``ge2026-11-01`` → (op, start of the value, end of the value) as naive local times."""
    m = _DATE_PARAM.match(value)
    if not m:
        raise InvalidInput(name, f"{value!r} is not a date such as 2026-11-23 or ge2026-11-01")
    op = m.group(1) or "eq"
    text = m.group(2)
    if op in ("ne", "sa", "eb"):
        raise InvalidInput(name, f"prefix {op!r} is not supported (use eq, ge, le, gt, lt)")
    try:
        if "T" in text:
            at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if at.tzinfo is not None:
                at = at.astimezone(scheduling.LONDON).replace(tzinfo=None)
            return op, at, at
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not a valid date") from None
    start = dt.datetime.combine(day, dt.time.min)
    return op, start, start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)


def _date_clause(column: Any, name: str, values: list[str], *, dates: bool = False) -> list[Any]:
    """SQL conditions for FHIR date parameters (``dates``: the column holds dates, not times)."""
    clauses = []
    for v in values:
        op, lo_t, hi_t = parse_date_param(name, v)
        lo: Any = lo_t.date() if dates else lo_t
        hi: Any = hi_t.date() if dates else hi_t
        clauses.append({
            "eq": (column >= lo) & (column <= hi),
            "ge": column >= lo,
            "gt": column > hi,
            "le": column <= hi,
            "lt": column < lo,
        }[op])
    return clauses


def _ref_id(name: str, value: str, rtype: str) -> str:
    text = value.removeprefix(urls.BASE + "/")
    if text.startswith(f"{rtype}/"):
        text = text[len(rtype) + 1:]
    if not text or "/" in text:
        raise InvalidInput(name, f"{value!r} is not a {rtype} reference ({rtype}/<id>)")
    return text


def _int_id(rtype: str, rid: str) -> int:
    if not rid.isdigit():
        raise NotFound(rtype, rid)
    return int(rid)


def caller(request: Request) -> Actor:
    """The acting user of a request: ``Authorization: Bearer <token>``.

    Every presented token is a sign-in attempt: recorded (channel ``rest``, the client address as
    the terminal) and throttled per address after repeated bad tokens (429 with Retry-After).
    """
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise NoActingUser()
    ip: InclusionPractice = request.app.state.ip
    client = request.client.host if request.client else "unknown"
    actor: Actor = ip.users.check_token(header[7:].strip(), channel="rest",
                                        terminal=f"rest:{client}")
    return actor


Caller = Annotated[Actor, Depends(caller)]


def create_app(ip: InclusionPractice) -> FastAPI:
    """The API over one opened practice (the CLI's ``serve`` and the tests build it alike)."""
    app = FastAPI(
        title="Inclusion Practice FHIR API",
        version="0.1.0",
        description=__doc__,
    )
    app.state.tokens = ApiTokenService(ip.db)
    app.state.ip = ip

    @app.exception_handler(InclusionPracticeError)
    async def _library_error(request: Request, exc: InclusionPracticeError) -> JSONResponse:
        status, code = next((v for k, v in STATUS_FOR.items() if isinstance(exc, k)),
                            (400, "processing"))
        if isinstance(exc, NoActingUser):
            body = outcome("login", "send Authorization: Bearer <token> (inclusion-practice fhir "
                                    "token create)")
        else:
            body = outcome(code, str(exc), expression=getattr(exc, "field", None))
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, SignInThrottled):
            headers = {"Retry-After": str(exc.seconds)}
        return JSONResponse(body, status_code=status, media_type=FHIR_JSON, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        issues = [
            {"severity": "error", "code": "invalid", "diagnostics": str(e.get("msg")),
             "expression": [".".join(str(p) for p in e.get("loc", ()))]}
            for e in exc.errors()
        ]
        return _fhir({"resourceType": "OperationOutcome", "issue": issues}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not-found" if exc.status_code == 404 else "processing"
        return _fhir(outcome(code, str(exc.detail)), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _fhir(outcome("exception", f"unexpected error ({type(exc).__name__})"), 500)

    # ------------------------------------------------------------------- conformance

    @app.get("/metadata", tags=["conformance"], summary="The CapabilityStatement")
    def metadata() -> JSONResponse:
        return _fhir(artefacts.capability_statement())

    for rtype in ("StructureDefinition", "CodeSystem", "ValueSet"):
        def read_artefact(rid: str, _who: Caller, rtype: str = rtype) -> JSONResponse:
            return _fhir(artefacts.get(rtype, rid))

        app.get(f"/{rtype}/{{rid}}", tags=["conformance"],
                summary=f"Read a shipped {rtype}")(read_artefact)

    # ----------------------------------------------------------------------- patients

    def _patients(actor: Actor, stmt: Any) -> list[Json]:
        today = ip.clock.today()
        with ip.db.read() as uow:
            rows = list(uow.session.exec(stmt.order_by(col(Patient.id)).limit(MAX_COUNT)))
            ids = [r.id for r in rows]
            regs: dict[int, list[Registration]] = {}
            for reg in uow.session.exec(select(Registration).where(
                    col(Registration.patient_id).in_(ids)).order_by(col(Registration.start_date))):
                regs.setdefault(reg.patient_id, []).append(reg)
            return [patient_to_fhir(record_from_row(r, regs.get(int(r.id or 0), [])), ip.config,
                                    today=today) for r in rows]

    @app.get("/Patient/{rid}", tags=["Patient"], summary="Read a Patient")
    def read_patient(rid: str, who: Caller) -> JSONResponse:
        found = _patients(who, select(Patient).where(Patient.id == _int_id("Patient", rid)))
        if not found:
            raise NotFound("Patient", rid)
        return _fhir(found[0])

    @app.get("/Patient", tags=["Patient"], summary="Search Patients")
    def search_patients(
        who: Caller,
        identifier: Annotated[str | None, Query(description="NHS number, or system|value")] = None,
        name: Annotated[str | None, Query(description="Part of a name")] = None,
        birthdate: Annotated[list[str] | None, Query(description="YYYY-MM-DD with prefix")] = None,
    ) -> JSONResponse:
        stmt = select(Patient)
        if identifier:
            system, _, value = identifier.rpartition("|")
            if system in ("", urls.NHS_NUMBER_SYSTEM):
                stmt = stmt.where(or_(col(Patient.nhs_number) == value.replace(" ", ""),
                                      col(Patient.source_id) == identifier))
            elif system == f"{urls.OUR_ID}/patient" and value.isdigit():
                stmt = stmt.where(Patient.id == int(value))
            else:
                stmt = stmt.where(col(Patient.source_id) == identifier)
        if name:
            for word in fold(name).split():
                stmt = stmt.where(col(Patient.name_key).contains(word))
        for clause in _date_clause(col(Patient.date_of_birth), "birthdate", birthdate or [],
                                   dates=True):
            stmt = stmt.where(clause)
        return _fhir(_searchset(_patients(who, stmt)))

    # -------------------------------------------------------------------------- flags

    def _flags(actor: Actor, patient_ids: list[int] | None) -> Iterator[Json]:
        role = Role(actor.role)
        today = ip.clock.today()
        with ip.db.read() as uow:
            if patient_ids is None:
                patient_ids = [int(x or 0) for x in uow.session.exec(select(Patient.id)).all()]
            by_patient = visible_flags(uow.session, ip.config, role, patient_ids,
                                       include_ended=True)
        for pid in sorted(by_patient):
            for flag in by_patient[pid]:
                yield flag_to_fhir(flag, today=today)

    @app.get("/Flag/{rid}", tags=["Flag"], summary="Read an inclusion-health Flag")
    def read_flag(rid: str, who: Caller) -> JSONResponse:
        m = re.match(r"^flag-(\d+)$", rid)
        if not m:
            raise NotFound("Flag", rid)
        from inclusion_practice.storage.tables import Flag as FlagRow

        with ip.db.read() as uow:
            row = uow.session.get(FlagRow, int(m.group(1)))
        if row is None:
            raise NotFound("Flag", rid)
        found = [f for f in _flags(who, [row.patient_id]) if f["id"] == rid]
        if not found:  # restricted and the caller may not see it: not found, not forbidden
            raise NotFound("Flag", rid)
        return _fhir(found[0])

    @app.get("/Flag", tags=["Flag"], summary="Search inclusion-health Flags")
    def search_flags(
        who: Caller,
        patient: Annotated[str | None, Query(description="Patient/<id>")] = None,
        category: Annotated[str | None, Query(description="Category code or system|code")] = None,
    ) -> JSONResponse:
        ids = None
        if patient:
            ids = [_int_id("Patient", _ref_id("patient", patient, "Patient"))]
        out = []
        want = category.rpartition("|")[2] if category else None
        for f in _flags(who, ids):
            cats = {c["code"] for cc in f["category"] for c in cc["coding"]}
            if want is None or want in cats:
                out.append(f)
            if len(out) >= MAX_COUNT:
                break
        return _fhir(_searchset(out))

    # ------------------------------------------------------------------- appointments

    def _appointments(stmt: Any) -> list[Json]:
        with ip.db.read() as uow:
            rows = list(uow.session.exec(stmt.order_by(col(Appointment.id)).limit(MAX_COUNT)))
            infos = [appointment_info(uow, r) for r in rows]
        return [scheduling.appointment_resource(i, ip.config.clinician(i.clinician))
                for i in infos]

    @app.get("/Appointment/{rid}", tags=["Appointment"], summary="Read an Appointment")
    def read_appointment(rid: str, who: Caller) -> JSONResponse:
        found = _appointments(select(Appointment).where(
            Appointment.id == _int_id("Appointment", rid)))
        if not found:
            raise NotFound("Appointment", rid)
        return _fhir(found[0])

    @app.get("/Appointment", tags=["Appointment"], summary="Search Appointments")
    def search_appointments(
        who: Caller,
        patient: Annotated[str | None, Query(description="Patient/<id>")] = None,
        date: Annotated[list[str] | None, Query(description="Start, with prefixes")] = None,
        status: Annotated[str | None, Query(description="booked, arrived, fulfilled, "
                                                        "cancelled, noshow")] = None,
    ) -> JSONResponse:
        stmt = select(Appointment)
        if patient:
            stmt = stmt.where(Appointment.patient_id == _int_id(
                "Patient", _ref_id("patient", patient, "Patient")))
        for clause in _date_clause(col(Appointment.start), "date", date or []):
            stmt = stmt.where(clause)
        found = _appointments(stmt)
        if status:
            wanted = set(status.split(","))
            found = [a for a in found if a["status"] in wanted]
        return _fhir(_searchset(found))

    # ------------------------------------------------------------------ slots, schedules

    def _slots(stmt: Any, status: str | None = None) -> list[Json]:
        out: list[Json] = []
        with ip.db.read() as uow:
            rows = list(uow.session.exec(stmt.order_by(col(Slot.start), col(Slot.id))
                                         .limit(MAX_COUNT * 4)))
            ids = [r.id for r in rows]
            active = {a for a in uow.session.exec(select(SlotHold.active_slot_id).where(
                col(SlotHold.active_slot_id).in_(ids)))}
            sessions = {s.id: session_info(s) for s in uow.session.exec(
                select(ClinicSession).where(col(ClinicSession.id).in_(
                    {r.session_id for r in rows})))}
        for r in rows:
            info = SlotInfo(id=int(r.id or 0), session_id=r.session_id, seq=r.seq, start=r.start,
                            end=r.end, free=r.id not in active, blocked=r.blocked)
            res = scheduling.slot_resource(info, sessions[r.session_id])
            if status is None or res["status"] in status.split(","):
                out.append(res)
            if len(out) >= MAX_COUNT:
                break
        return out

    @app.get("/Slot/{rid}", tags=["Slot"], summary="Read a Slot")
    def read_slot(rid: str, who: Caller) -> JSONResponse:
        found = _slots(select(Slot).where(Slot.id == _int_id("Slot", rid)))
        if not found:
            raise NotFound("Slot", rid)
        return _fhir(found[0])

    @app.get("/Slot", tags=["Slot"], summary="Search Slots")
    def search_slots(
        who: Caller,
        schedule: Annotated[str | None, Query(description="Schedule/<clinician code>")] = None,
        start: Annotated[list[str] | None, Query(description="Start, with prefixes")] = None,
        status: Annotated[str | None, Query(description="free, busy, busy-unavailable")] = None,
    ) -> JSONResponse:
        stmt = select(Slot).join(ClinicSession, col(ClinicSession.id) == col(Slot.session_id))
        if schedule:
            stmt = stmt.where(ClinicSession.clinician_code == _ref_id("schedule", schedule,
                                                                      "Schedule"))
        for clause in _date_clause(col(Slot.start), "start", start or []):
            stmt = stmt.where(clause)
        return _fhir(_searchset(_slots(stmt, status)))

    @app.get("/Schedule/{rid}", tags=["Slot"], summary="Read a clinician's Schedule")
    def read_schedule(rid: str, who: Caller) -> JSONResponse:
        clinician = ip.config.clinician(rid)
        if clinician is None:
            raise NotFound("Schedule", rid)
        with ip.db.read() as uow:
            dates = [s.session_date for s in uow.session.exec(
                select(ClinicSession).where(ClinicSession.clinician_code == rid))]
        today = ip.clock.today()
        return _fhir(scheduling.schedule_resource(clinician, min(dates, default=today),
                                                  max(dates, default=today)))

    # ------------------------------------------------------------------ import, measures

    @app.post("/", tags=["import"], summary="Import a transaction or collection Bundle")
    def post_bundle(who: Caller, bundle: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        entries = bundle.get("entry")
        if entries is not None and not isinstance(entries, list):
            raise InvalidInput("Bundle.entry", "must be a list of entries")
        if len(entries or []) > MAX_BODY_ENTRIES:
            raise InvalidInput("Bundle.entry", f"more than {MAX_BODY_ENTRIES} entries: split it")
        report = FhirImporter(ip.db, ip.config, ip.clock).import_bundle(who, bundle)
        refused = report.kind == "transaction" and not report.committed
        return _fhir(report.operation_outcome(), 422 if refused else 200)

    @app.get("/Measure/{rid}", tags=["measures"], summary="Read a shipped Measure")
    def read_measure(rid: str, who: Caller) -> JSONResponse:
        return _fhir(artefacts.get("Measure", rid))

    @app.get("/Measure/{rid}/$evaluate-measure", tags=["measures"],
             summary="Evaluate an indicator for a period: a summary MeasureReport")
    def evaluate_measure(
        rid: str, who: Caller,
        periodStart: Annotated[dt.date, Query(description="First day, YYYY-MM-DD")],
        periodEnd: Annotated[dt.date, Query(description="Last day, YYYY-MM-DD")],
    ) -> JSONResponse:
        require(who, Permission.RUN_INDICATORS)
        if periodEnd < periodStart:
            raise InvalidInput("periodEnd", f"{periodEnd} is before periodStart {periodStart}")
        artefacts.get("Measure", rid)
        period = Period(periodStart, periodEnd, f"{periodStart}..{periodEnd}")
        found = list(measure_reports(ip.db, ip.config, ip.clock, who, period, [rid]))
        if not found:
            raise NotFound("Measure", f"{rid} (not in the practice's indicator set)")
        return _fhir(found[0])

    return app


def serve(ip: InclusionPractice, host: str, port: int) -> None:
    """Run the API with uvicorn until interrupted."""
    import uvicorn

    # No access log: request lines carry search parameters (names, NHS numbers, birth dates).
    uvicorn.run(create_app(ip), host=host, port=port, log_level="info", access_log=False)
