"""Every answer that is not a resource is an OperationOutcome, with the status that fits."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from inclusion_practice.errors import (
    Conflict,
    InvalidInput,
    InvalidInputs,
    NoActingUser,
    NotFound,
    PermissionDenied,
    SignInThrottled,
)

Json = dict[str, Any]
FHIR_JSON = "application/fhir+json"

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


def fhir_response(body: Json, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON, headers=headers)
