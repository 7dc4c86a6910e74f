"""The REST API for practice IT (``inclusion-practice serve``): FHIR R4 read and search,
Bundle import, ``$evaluate-measure`` and the shipped conformance resources.

Every request carries ``Authorization: Bearer <token>``; the token acts as one user with that
user's role, so the library's rules apply unchanged (restricted flags only for clinical roles,
imports only with ``IMPORT_DATA``). Every error is an OperationOutcome; every search is paged
(``_count``, ``_offset``, Bundle ``next`` links). The OpenAPI document is at ``/openapi.json``;
the FHIR CapabilityStatement at ``/metadata``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inclusion_practice.api import InclusionPractice
from inclusion_practice.errors import InclusionPracticeError, NoActingUser, SignInThrottled
from inclusion_practice.rest import appointments, conformance, flags, imports, mdt, patients, slots
from inclusion_practice.rest.errors import FHIR_JSON, STATUS_FOR, fhir_response, outcome
from inclusion_practice.rest.paging import PageLimits
from inclusion_practice.services.api_tokens import ApiTokenService

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
"""A request body larger than this is refused (413) before anything parses it."""


class BodyLimit:
    """Refuse bodies over ``limit`` bytes: by ``Content-Length`` at once, and by counting the
    streamed body otherwise, so a 50 MB upload is never handed to the JSON parser."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await self._refuse(send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        whole = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            outcome("too-costly", f"the request body is larger than {self.limit:,} bytes"),
            status_code=413, media_type=FHIR_JSON,
        )
        await response({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def create_app(
    ip: InclusionPractice,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    default_count: int = 50,
    max_count: int = 500,
) -> FastAPI:
    """The API over one opened practice (the CLI's ``serve`` and the tests build it alike)."""
    app = FastAPI(title="Inclusion Practice FHIR API", version="0.1.0", description=__doc__)
    app.state.ip = ip
    app.state.tokens = ApiTokenService(ip.db)
    app.state.page_limits = PageLimits(default_count=default_count, max_count=max_count)
    _install_error_handlers(app)
    for module in (conformance, patients, flags, appointments, slots, imports, mdt):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    return app


def _install_error_handlers(app: FastAPI) -> None:
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
        return fhir_response(body, status, headers)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        issues: list[dict[str, Any]] = [
            {"severity": "error", "code": "invalid", "diagnostics": str(e.get("msg"))[:300],
             "expression": [".".join(str(p) for p in e.get("loc", ()))[:200]]}
            for e in exc.errors()[:20]
        ]
        return fhir_response({"resourceType": "OperationOutcome", "issue": issues}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not-found" if exc.status_code == 404 else "processing"
        return fhir_response(outcome(code, str(exc.detail)), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return fhir_response(outcome("exception", f"unexpected error ({type(exc).__name__})"), 500)


def serve(
    ip: InclusionPractice,
    host: str,
    port: int,
    *,
    max_count: int = 500,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> None:
    """Run the API with uvicorn until interrupted."""
    import uvicorn  # only when serving: not needed to build the app in tests

    app = create_app(ip, max_count=max_count, max_body_bytes=max_body_bytes,
                     default_count=min(50, max_count))
    # No access log: request lines carry search parameters (names, NHS numbers, birth dates).
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
