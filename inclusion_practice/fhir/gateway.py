"""FHIR in and out for one practice: the mapping layer's entry point (``ip.fhir``).

Everything here reads and writes through the services (:class:`PracticeServices`), never the
tables, so FHIR obeys the same permissions, validators and visibility policy as the CLI and TUI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inclusion_practice.domain.actor import Actor
from inclusion_practice.fhir.patient_bundle import patient_bundle
from inclusion_practice.services.registry import PracticeServices

if TYPE_CHECKING:
    from inclusion_practice.fhir.exporter import FhirExporter
    from inclusion_practice.fhir.importer import FhirImporter

Json = dict[str, Any]


class FhirGateway:
    """FHIR views of the practice's data, filtered by the reader's role."""

    def __init__(self, services: PracticeServices) -> None:
        self._services = services

    def patient_bundle(self, actor: Actor | None, patient_id: int) -> Json:
        """The patient, the flags the role may see and the adjustments, as a collection Bundle."""
        return patient_bundle(self._services, actor, patient_id)

    def patient_summary(self, actor: Actor | None, patient_id: int) -> Json:
        """The International Patient Summary document (``$summary``) for a clinical role."""
        from inclusion_practice.fhir.ips import ips_document, validated

        return validated(ips_document(self._services.portable.ips_summary(actor, patient_id)))

    def importer(self) -> FhirImporter:
        """Import of Bundles and NDJSON through the import service."""
        from inclusion_practice.fhir.importer import FhirImporter

        return FhirImporter(self._services)

    def exporter(self) -> FhirExporter:
        """Export of Bundles and NDJSON through the export service."""
        from inclusion_practice.fhir.exporter import FhirExporter

        return FhirExporter(self._services)
