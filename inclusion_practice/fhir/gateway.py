"""FHIR in and out for one practice: the mapping layer's entry point (``ip.fhir``).

Everything here reads and writes through the services (:class:`PracticeServices`), never the
tables, so FHIR obeys the same permissions, validators and visibility policy as the CLI and TUI.
"""

from __future__ import annotations

from typing import Any

from inclusion_practice.domain.actor import Actor
from inclusion_practice.fhir.patient_bundle import patient_bundle
from inclusion_practice.services.registry import PracticeServices

Json = dict[str, Any]


class FhirGateway:
    """FHIR views of the practice's data, filtered by the reader's role."""

    def __init__(self, services: PracticeServices) -> None:
        self._services = services

    def patient_bundle(self, actor: Actor | None, patient_id: int) -> Json:
        """The patient, the flags the role may see and the adjustments, as a collection Bundle."""
        return patient_bundle(self._services, actor, patient_id)
