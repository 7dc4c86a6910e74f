"""The typed entry point for practice IT, the CLI, the TUI and reports.

>>> ip = InclusionPractice.open("sqlite:///practice.db")        # doctest: +SKIP
>>> me = ip.users.actor("reception1")                           # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from inclusion_practice.clock import Clock, SystemClock
from inclusion_practice.config import PracticeConfig, load_config, resolve_database_url
from inclusion_practice.services.adjustments import AdjustmentService
from inclusion_practice.services.appointments import AppointmentService
from inclusion_practice.services.audit import AuditService
from inclusion_practice.services.dna import DnaService
from inclusion_practice.services.flags import FlagService
from inclusion_practice.services.indicators import IndicatorService
from inclusion_practice.services.interpreters import InterpreterService
from inclusion_practice.services.patients import PatientService
from inclusion_practice.services.refusals import RefusalService
from inclusion_practice.services.schedule import ScheduleService
from inclusion_practice.services.users import UserService
from inclusion_practice.storage.database import Database


class InclusionPractice:
    """All services over one database, one configuration and one clock."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock | None = None) -> None:
        self.db = db
        self.config = config
        self.clock: Clock = clock or db.clock
        self.users = UserService(db, config.sign_in, self.clock)
        self.audit = AuditService(db)
        self.patients = PatientService(db, config, self.clock)
        self.flags = FlagService(db, config, self.clock)
        self.adjustments = AdjustmentService(db, config, self.clock)
        self.refusals = RefusalService(db, config, self.clock)
        self.schedule = ScheduleService(db, config, self.clock)
        self.appointments = AppointmentService(db, config, self.clock)
        self.interpreters = InterpreterService(db, config, self.clock)
        self.dna = DnaService(db, config, self.clock)
        self.indicators = IndicatorService(db, config, self.clock)

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
        cfg = config or load_config(config_path)
        clock = clock or SystemClock()
        db = Database(resolve_database_url(url, cfg), clock=clock)
        return cls(db, cfg, clock)

    def close(self) -> None:
        self.db.dispose()
