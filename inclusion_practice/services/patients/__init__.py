"""The patient service: registration, edits, search and health checks over one database.

The parts live in their own modules (``registration``, ``edits``, ``search``,
``health_checks``, with the row mapping in ``rows``); :class:`PatientService` puts them together
as ``InclusionPractice.patients``.
"""

from __future__ import annotations

from inclusion_practice.services.patients.edits import EditsMixin, PatientUpdate
from inclusion_practice.services.patients.health_checks import HealthCheckDue, HealthChecksMixin
from inclusion_practice.services.patients.registration import (
    NewPatient,
    PossibleDuplicates,
    RegistrationMixin,
    RegistrationResult,
)
from inclusion_practice.services.patients.rows import (
    HEALTH_CHECK_TASK,
    period_from_row,
    record_from_row,
)
from inclusion_practice.services.patients.search import FUZZY_MIN_CHARS, SearchMixin

__all__ = [
    "FUZZY_MIN_CHARS",
    "HEALTH_CHECK_TASK",
    "HealthCheckDue",
    "NewPatient",
    "PatientService",
    "PatientUpdate",
    "PossibleDuplicates",
    "RegistrationResult",
    "period_from_row",
    "record_from_row",
]


class PatientService(RegistrationMixin, EditsMixin, SearchMixin, HealthChecksMixin):
    """Registration, identity, addresses, contact, communication — and role-filtered reads."""
