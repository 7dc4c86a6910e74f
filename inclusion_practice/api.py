"""The typed entry point for practice IT, the CLI, the TUI and reports.

>>> ip = InclusionPractice.open("sqlite:///practice.db")        # doctest: +SKIP
>>> me = ip.users.actor("reception1")                           # doctest: +SKIP
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from inclusion_practice.clock import Clock, SystemClock
from inclusion_practice.config import PracticeConfig, load_config, resolve_database_url
from inclusion_practice.services.registry import PracticeServices
from inclusion_practice.storage.database import Database

if TYPE_CHECKING:
    from inclusion_practice.fhir.gateway import FhirGateway


class InclusionPractice:
    """All services over one database, one configuration and one clock."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock | None = None) -> None:
        self.db = db
        self.config = config
        self.clock: Clock = clock or db.clock
        self.services = PracticeServices.build(db, config, self.clock)
        s = self.services
        self.users = s.users
        self.audit = s.audit
        self.patients = s.patients
        self.flags = s.flags
        self.adjustments = s.adjustments
        self.refusals = s.refusals
        self.schedule = s.schedule
        self.appointments = s.appointments
        self.interpreters = s.interpreters
        self.dna = s.dna
        self.indicators = s.indicators
        self.access_log = s.access_log
        self.reporting = s.reporting
        self.portable = s.portable
        """The portable health record: consent, summary, prints (``reports.portable_card``)."""
        self.referrals = s.referrals
        self.mdt = s.mdt

    @cached_property
    def fhir(self) -> FhirGateway:
        """FHIR in and out through the services (patient bundles, import, export).

        Built on first use: the FHIR models take a second to import, and the reception app
        must start without them."""
        from inclusion_practice.fhir.gateway import FhirGateway

        return FhirGateway(self.services)

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        config: PracticeConfig | None = None,
        config_path: Path | None = None,
        clock: Clock | None = None,
    ) -> InclusionPractice:
        """Open a database (refusing an out-of-date schema) with a practice configuration."""
        from inclusion_practice.storage.audit_keys import AuditSetup

        cfg = config or load_config(config_path)
        clock = clock or SystemClock()
        resolved = resolve_database_url(url, cfg)
        db = Database(resolved, clock=clock,
                      audit_setup=AuditSetup.for_database(resolved, cfg.audit))
        return cls(db, cfg, clock)

    def close(self) -> None:
        self.db.dispose()
