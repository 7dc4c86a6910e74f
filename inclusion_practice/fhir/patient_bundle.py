"""One patient as a FHIR collection Bundle: the Patient, the flags the reader's role may see
(ended ones too) and the reasonable adjustments.

Read through the services, so the one visibility policy applies exactly as on ``patient show``.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from inclusion_practice.domain.actor import Actor
from inclusion_practice.fhir.flag import adjustment_to_fhir, flag_to_fhir
from inclusion_practice.fhir.patient import patient_to_fhir
from inclusion_practice.fhir.urls import BASE
from inclusion_practice.services.registry import PracticeServices

Json = dict[str, Any]


def patient_bundle(services: PracticeServices, actor: Actor | None, patient_id: int) -> Json:
    """The patient's record as FHIR, filtered by ``actor``'s role."""
    today = services.clock.today()
    record = services.patients.get(actor, patient_id)
    flags = services.flags.list(actor, patient_id, include_ended=True)
    adjustments = services.adjustments.list(actor, patient_id, include_ended=True)
    resources = [patient_to_fhir(record, services.config, today=today)]
    resources += [flag_to_fhir(f, today=today) for f in flags]
    resources += [adjustment_to_fhir(a, today=today) for a in adjustments]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": services.clock.now().replace(tzinfo=ZoneInfo("Europe/London")).isoformat(),
        "entry": [
            {"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }
