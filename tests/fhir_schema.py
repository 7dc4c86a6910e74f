"""Validate emitted FHIR JSON against the official R4 JSON Schema (tests/data/fhir)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator

DATA = Path(__file__).resolve().parent / "data"
SCHEMA_PATH = DATA / "fhir" / "fhir.schema.json"


@functools.cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@functools.cache
def _validator(resource_type: str) -> Draft6Validator:
    schema = _schema()
    return Draft6Validator(
        {"$ref": f"#/definitions/{resource_type}", "definitions": schema["definitions"]}
    )


def schema_errors(resource: dict[str, Any]) -> list[str]:
    """Every schema error in ``resource`` as "path: message" (empty when valid)."""
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or rtype not in _schema()["definitions"]:
        return [f"resourceType: unknown {rtype!r}"]
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in _validator(rtype).iter_errors(resource)
    ]


def assert_valid(resource: dict[str, Any]) -> None:
    errors = schema_errors(resource)
    assert not errors, "\n".join(errors[:20])
