"""The FHIR REST API: one router per resource over the services (``create_app``, ``serve``)."""

from __future__ import annotations

from inclusion_practice.rest.app import create_app, serve

__all__ = ["create_app", "serve"]
