"""What every part of the patient service shares: the database, the configuration, the clock."""

from __future__ import annotations

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Role
from inclusion_practice.errors import NoActingUser
from inclusion_practice.storage.database import Database
from inclusion_practice.storage.patient_facts import NameKeyCache


def reader_role(actor: Actor | None) -> Role:
    """Any signed-in user may read patient records; the role decides which flags they see."""
    if actor is None:
        raise NoActingUser()
    return Role(actor.role)


class PatientServiceBase:
    """The state the registration, edit, search and health-check parts share."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._name_keys = NameKeyCache()
        self._db = db
        self._config = config
        self._clock = clock
