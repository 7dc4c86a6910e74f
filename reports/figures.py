"""What a return says, as plain frozen dataclasses: no database, no rendering.

A return is built once (:mod:`reports.returns`) and then rendered to PDF, CSV, JSON and FHIR.
Every count here is exact; small-number suppression is applied when the figures are presented
(:mod:`reports.tables`), by one function shared by every output, so the PDF, the CSV and the
JSON can never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from inclusion_practice.domain.periods import Period
from reports.suppression import Suppression


class ReturnKind(StrEnum):
    """Which return this is."""

    LES_ANNUAL = "les"
    PCTMS_ANNUAL = "pctms"
    QUARTERLY = "quarterly"

    @property
    def heading(self) -> str:
        """The return's title as printed (``title`` is taken by ``str``)."""
        return {
            "les": "Inclusion health enhanced service: annual return",
            "pctms": "PCTMS local measures: annual report",
            "quarterly": "Inclusion health: quarterly activity return",
        }[self.value]


@dataclass(frozen=True)
class PracticeInfo:
    """Who is making the return (from ``practice.toml``)."""

    name: str
    ods_code: str
    contract_type: str
    address_lines: tuple[str, ...] = ()
    postcode: str = ""


@dataclass(frozen=True)
class RegisterRow:
    """One inclusion-health category: patients new on it, ended, and on it at the period end."""

    category: str
    label: str
    new: int
    ended: int
    at_end: int
    restricted: bool = False


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator's result, as the indicator engine computed it (A, B, C …)."""

    indicator_id: str
    title: str
    version: str
    kind: str
    numerator: int
    """A."""
    denominator: int
    """B: the eligible population."""
    exceptions: int
    """C: personalised care adjustments and exclusions."""
    achievement: float | None
    """D = A / (B − C) × 100, or None when B − C is 0."""
    lower_threshold: float | None
    upper_threshold: float | None
    max_points: float
    points: float
    payment: float
    placeholder_scoring: bool = False


@dataclass(frozen=True)
class RegistrationRow:
    """New registrations in the period of one kind, and how many used a proxy address."""

    kind: str
    label: str
    new: int
    proxy_address: int
    """Correspondence to the practice, a partner organisation or a care-of address."""
    no_fixed_abode: int


@dataclass(frozen=True)
class CountRow:
    """A labelled count (deregistrations by reason, DNA actions …)."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class RefusalRow:
    """Refusals for one reason, and whether the person was written to in time."""

    reason: str
    label: str
    refused: int
    written_in_time: int
    written_late: int
    not_yet_written: int


@dataclass(frozen=True)
class InterpreterRow:
    language: str
    language_label: str
    mode: str
    appointments: int


@dataclass(frozen=True)
class DnaRateRow:
    """Appointments that reached an outcome, and how many were missed, for one group."""

    group: str
    label: str
    appointments: int
    missed: int


@dataclass(frozen=True)
class DnaActionRow:
    action: str
    label: str
    kind: str
    """outreach | reminder | sanction."""
    decided: int
    done: int


@dataclass(frozen=True)
class AccessFigures:
    appointments: int
    """Appointments in the period that were not cancelled."""
    double_appointments: int
    """Of those, booked as two or more contiguous slots."""
    interpreter: tuple[InterpreterRow, ...] = ()
    dna: tuple[DnaRateRow, ...] = ()
    dna_actions: tuple[DnaActionRow, ...] = ()


@dataclass(frozen=True)
class DataQualityRow:
    check: str
    label: str
    count: int
    action: str
    """What the practice should do about it."""


@dataclass(frozen=True)
class PeriodFigures:
    """Everything measured over one period (the return's period, or the year to date)."""

    period: Period
    register: tuple[RegisterRow, ...]
    register_total: RegisterRow
    """Distinct patients on any category (a patient with two flags counts once)."""
    indicators: tuple[IndicatorRow, ...]
    registrations: tuple[RegistrationRow, ...]
    deregistrations: tuple[CountRow, ...]
    refusals: tuple[RefusalRow, ...]
    access: AccessFigures
    data_quality: tuple[DataQualityRow, ...]

    @property
    def total_points(self) -> float:
        return round(sum(r.points for r in self.indicators), 2)

    @property
    def total_payment(self) -> float:
        return round(sum(r.payment for r in self.indicators), 2)


@dataclass(frozen=True)
class CodeListInfo:
    id: str
    title: str
    source: str
    url: str
    codes: tuple[tuple[str, str], ...]
    """(code, term) pairs."""


@dataclass(frozen=True)
class MethodsEntry:
    """How one indicator is defined: for the methods appendix."""

    indicator_id: str
    title: str
    version: str
    description: str
    codelists: tuple[str, ...]


@dataclass(frozen=True)
class TrendPoint:
    """An indicator's result over the year to the end of one quarter."""

    quarter: str
    indicator_id: str
    numerator: int
    eligible: int
    """B − C: the achievement's denominator."""
    achievement: float | None


@dataclass(frozen=True)
class IndicatorSetInfo:
    id: str
    title: str
    version: str
    publisher: str = ""
    pounds_per_point: float = 0.0


@dataclass(frozen=True)
class SignOff:
    prepared_by: str
    prepared_role: str


@dataclass(frozen=True)
class ReturnFigures:
    """A complete return, ready to render."""

    kind: ReturnKind
    practice: PracticeInfo
    current: PeriodFigures
    year_to_date: PeriodFigures | None
    """Quarterly returns only: the financial year to the end of the quarter."""
    produced_on: dt.date
    indicator_set: IndicatorSetInfo
    publishable: bool
    """Marked for publication."""
    suppressed: bool
    """Small-number suppression applies (on by default for publishable returns)."""
    sign_off: SignOff
    methods: tuple[MethodsEntry, ...] = ()
    codelists: tuple[CodeListInfo, ...] = ()
    trend: tuple[TrendPoint, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats the reader must see (provisional period, placeholder scoring …)."""
    engine_results: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    """The indicator engine's own results (``SetResult``, with strata) for the FHIR Bundle."""

    @property
    def title(self) -> str:
        return self.kind.heading

    @property
    def suppression(self) -> Suppression:
        return Suppression(self.suppressed, self.publishable)

    @property
    def period(self) -> Period:
        return self.current.period

    @property
    def provisional(self) -> bool:
        """Produced before the period ended: the figures can still change."""
        return self.produced_on <= self.period.end

    @property
    def file_stem(self) -> str:
        label = self.period.label.replace("/", "-").replace("..", "_to_")
        return f"{self.kind.value}-{self.practice.ods_code}-{label}"
