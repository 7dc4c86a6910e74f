"""Schemathesis against the generated OpenAPI on loopback, on every engine: no operation, with
any parameters schemathesis can think of, answers with a server error.

The example budget is fixed and the generation derandomised, so CI runs the same cases every
time (and stays within seconds); failures print the case to reproduce.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.rest import create_app
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.api_tokens import ApiTokenService
from tests.fhir_practice import build_practice

EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def world(ip: InclusionPractice, actors: dict[str, Actor]) -> dict[str, Any]:
    built = build_practice(ip, actors)
    svc = ApiTokenService(ip.db)
    tokens = {role: svc.create(SYSTEM, a.username, f"{role} test") for role, a in actors.items()}
    return {"built": built, "tokens": tokens, "client": TestClient(create_app(ip))}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(ip: InclusionPractice, world: dict[str, Any]) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ip), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def test_no_operation_in_the_openapi_spec_fails_with_a_server_error(
    served: str, world: dict[str, Any]
) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_url(f"{served}/openapi.json")
    headers = {"Authorization": f"Bearer {world['tokens']['clinician']}"}
    failures: list[tuple[str, int, str]] = []
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        def make(label: str) -> Any:
            def check(case: Any) -> None:
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append((label, response.status_code, response.text[:200]))
            return check

        run = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                       database=None, suppress_health_check=list(HealthCheck))(
            given(case=operation.as_strategy())(make(operation.label)))
        run()
    assert len(labels) >= 12
    assert failures == []
