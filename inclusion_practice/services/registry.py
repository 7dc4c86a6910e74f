"""Every service over one database, configuration and clock.

Built once by :class:`inclusion_practice.api.InclusionPractice`; the FHIR mapping layer and the
edges take this bundle (or one service from it) so that the services stay the only door to
storage.
"""

from __future__ import annotations

from dataclasses import dataclass

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.services.access_log import AccessLogService
from inclusion_practice.services.adjustments import AdjustmentService
from inclusion_practice.services.appointments import AppointmentService
from inclusion_practice.services.audit import AuditService
from inclusion_practice.services.dna import DnaService
from inclusion_practice.services.exports import ExportService
from inclusion_practice.services.flags import FlagService
from inclusion_practice.services.imports import ImportService
from inclusion_practice.services.indicators import IndicatorService
from inclusion_practice.services.interpreters import InterpreterService
from inclusion_practice.services.mdt import MdtService
from inclusion_practice.services.patients import PatientService
from inclusion_practice.services.portable_record import PortableRecordService
from inclusion_practice.services.referrals import ReferralService
from inclusion_practice.services.refusals import RefusalService
from inclusion_practice.services.reporting import ReportingService
from inclusion_practice.services.schedule import ScheduleService
from inclusion_practice.services.users import UserService
from inclusion_practice.storage.database import Database


@dataclass(frozen=True)
class PracticeServices:
    """The services of one practice, sharing a database, a configuration and a clock."""

    db: Database
    config: PracticeConfig
    clock: Clock
    users: UserService
    audit: AuditService
    patients: PatientService
    exports: ExportService
    flags: FlagService
    imports: ImportService
    adjustments: AdjustmentService
    refusals: RefusalService
    schedule: ScheduleService
    appointments: AppointmentService
    interpreters: InterpreterService
    dna: DnaService
    indicators: IndicatorService
    access_log: AccessLogService
    reporting: ReportingService
    portable: PortableRecordService
    referrals: ReferralService
    mdt: MdtService

    @classmethod
    def build(cls, db: Database, config: PracticeConfig, clock: Clock) -> PracticeServices:
        return cls(
            db=db,
            config=config,
            clock=clock,
            users=UserService(db, config.sign_in, clock),
            audit=AuditService(db),
            patients=PatientService(db, config, clock),
            exports=ExportService(db, config, clock),
            flags=FlagService(db, config, clock),
            imports=ImportService(db, config, clock),
            adjustments=AdjustmentService(db, config, clock),
            refusals=RefusalService(db, config, clock),
            schedule=ScheduleService(db, config, clock),
            appointments=AppointmentService(db, config, clock),
            interpreters=InterpreterService(db, config, clock),
            dna=DnaService(db, config, clock),
            indicators=IndicatorService(db, config, clock),
            access_log=AccessLogService(db, clock),
            reporting=ReportingService(db),
            portable=PortableRecordService(db, config, clock),
            referrals=ReferralService(db, config, clock),
            mdt=MdtService(db, config, clock),
        )
