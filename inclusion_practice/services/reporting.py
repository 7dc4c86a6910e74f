"""``ReportingService``: the aggregate counts behind the commissioner returns.

The returns (``reports/``) reach the database only through this service, so they never import
storage and the permission check is here, once: only roles with ``PRODUCE_RETURNS`` (managers
and admins) may count, because the counts include restricted inclusion-health categories in
aggregate. The SQL lives in :mod:`inclusion_practice.storage.report_queries`; this service
calls it and hands back its typed, count-only results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.roles import Permission
from inclusion_practice.services.access import require
from inclusion_practice.storage import report_queries as q
from inclusion_practice.storage.database import Database
from inclusion_practice.storage.report_queries import (
    AppointmentCounts,
    DataQualityCounts,
    DnaActionCounts,
    DnaCounts,
    DnaTotals,
    ListSizes,
    RefusalCounts,
    RegisterFlow,
    RegistrationCounts,
)

__all__ = [
    "AppointmentCounts",
    "DataQualityCounts",
    "DnaActionCounts",
    "DnaCounts",
    "DnaTotals",
    "InterpreterCounts",
    "ListSizes",
    "PeriodCounts",
    "RefusalCounts",
    "RegisterFlow",
    "RegistrationCounts",
    "ReportingService",
]


@dataclass(frozen=True)
class InterpreterCounts:
    """Appointments with a standing interpreter booking, for one language and mode."""

    language: str
    mode: str
    appointments: int


@dataclass(frozen=True)
class PeriodCounts:
    """Every aggregate a return shows for one period, read in one connection."""

    period: Period
    register: tuple[RegisterFlow, ...]
    """Per category, sorted by category code."""
    register_total: RegisterFlow
    """Any category, each patient once."""
    registrations: tuple[RegistrationCounts, ...]
    deregistrations: dict[str, int]
    refusals: tuple[RefusalCounts, ...]
    appointments: AppointmentCounts
    interpreters: tuple[InterpreterCounts, ...]
    dna_rates: tuple[DnaCounts, ...]
    dna_totals: DnaTotals
    dna_actions: tuple[DnaActionCounts, ...]
    data_quality: DataQualityCounts
    list_sizes: ListSizes
    """On the period's last day: the registered list, and the people there only temporarily."""


class ReportingService:
    """Aggregate counts for returns; never a row about a person."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def register_flow(self, actor: Actor | None, first: dt.date, last: dt.date) -> list[RegisterFlow]:
        """The register flow per category, then the total (``category=None``)."""
        require(actor, Permission.PRODUCE_RETURNS)
        with self._db.connection() as conn:
            return q.register_flow(conn, first, last)

    def period_counts(self, actor: Actor | None, period: Period) -> PeriodCounts:
        """All of a period's counts (register flow, registrations, refusals, access, DNAs)."""
        require(actor, Permission.PRODUCE_RETURNS)
        first, last = period.start, period.end
        with self._db.connection() as conn:
            flow = q.register_flow(conn, first, last)
            return PeriodCounts(
                period=period,
                register=tuple(flow[:-1]),
                register_total=flow[-1],
                registrations=tuple(q.registrations_by_kind(conn, first, last)),
                deregistrations=q.deregistrations_by_reason(conn, first, last),
                refusals=tuple(q.refusals_by_reason(conn, first, last)),
                appointments=q.appointment_counts(conn, first, last),
                interpreters=tuple(
                    InterpreterCounts(lang, mode, n)
                    for lang, mode, n in q.interpreter_appointments(conn, first, last)
                ),
                dna_rates=tuple(q.dna_rates(conn, first, last)),
                dna_totals=q.dna_totals(conn, first, last),
                dna_actions=tuple(q.dna_actions(conn, first, last)),
                data_quality=q.data_quality(conn, last),
                list_sizes=q.list_sizes(conn, last),
            )
