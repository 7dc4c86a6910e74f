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
from zoneinfo import ZoneInfo

from inclusion_practice.domain.periods import Period
from inclusion_practice.services.indicators import IndicatorResult, SetResult
from inclusion_practice.services.reporting import PeriodCounts, RegisterFlow
from reports.suppression import Suppression

PRACTICE_TZ = ZoneInfo("Europe/London")
"""The practice's clock is UK local time (naive); an aware creation date is converted to it."""


def local_date(when: dt.datetime) -> dt.date:
    """The practice-local calendar date of ``when`` (naive: already local)."""
    return (when.astimezone(PRACTICE_TZ) if when.tzinfo else when).date()


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
class Category:
    """An inclusion-health category as the practice configures it (labels the register rows)."""

    code: str
    label: str
    restricted: bool = False


@dataclass(frozen=True)
class PeriodFigures:
    """Everything measured over one period (the return's period, or the year to date).

    Holds the services' own results: the aggregate counts from ``ip.reporting`` and the
    indicator results from ``ip.indicators``, not copies with renamed fields."""

    counts: PeriodCounts
    indicators: tuple[IndicatorResult, ...]
    categories: tuple[Category, ...] = ()
    """The configured categories, in configuration order (every one gets a register row)."""
    run: SetResult | None = None
    """The engine's run the indicators come from: its £ per point, list size and contractor
    population index (the payment basis)."""

    @property
    def period(self) -> Period:
        return self.counts.period

    @property
    def register(self) -> tuple[tuple[Category, RegisterFlow], ...]:
        """One row per configured category (zeros if nobody is on it), then any category
        still counted that is no longer configured."""
        found = {r.category: r for r in self.counts.register}
        rows = []
        for cat in self.categories:
            flow = found.pop(cat.code, None) or RegisterFlow(cat.code, 0, 0, 0, 0, 0)
            rows.append((cat, flow))
        for code, flow in sorted((str(k), v) for k, v in found.items()):
            rows.append((Category(code, code), flow))
        return tuple(rows)

    @property
    def register_total(self) -> RegisterFlow:
        """Distinct patients on any category (a patient with two flags counts once)."""
        return self.counts.register_total

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
    """An indicator's result (the engine's own) over the year to the end of one quarter."""

    quarter: str
    result: IndicatorResult

    @property
    def indicator_id(self) -> str:
        return self.result.indicator_id

    @property
    def numerator(self) -> int:
        return self.result.counts.numerator

    @property
    def eligible(self) -> int:
        """B − C: the achievement's denominator."""
        return self.result.counts.denominator - self.result.counts.exceptions

    @property
    def achievement(self) -> float | None:
        return self.result.achievement


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
    created_at: dt.datetime
    """When the return was made: ``--creation-date`` if given, else the practice clock. Every
    date the outputs print (produced on, the PDF's creation date, the FHIR timestamps) is this."""
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
    engine_results: tuple[SetResult, ...] = field(default=(), compare=False, repr=False)
    """The indicator engine's own results (``SetResult``, with strata) for the FHIR Bundle."""

    @property
    def title(self) -> str:
        return self.kind.heading

    @property
    def produced_on(self) -> dt.date:
        """The creation moment's date in the practice's time zone."""
        return local_date(self.created_at)

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
