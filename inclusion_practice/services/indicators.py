"""Run indicator sets, list the patients behind every number, explain one patient.

Who may: roles with ``RUN_INDICATORS`` (clinician, manager, admin). Restricted inclusion-health
categories (sex work, substance use, refuge, modern slavery) are never named per patient to a
non-clinical role: their worklist reasons and explanations say "a restricted category", and a
patient on a register only through a restricted category is left out of their lists and
explained as if that flag did not exist (the figures still count them).
Stratification by category is aggregate and is shown to every role that may run indicators.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Connection, or_
from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.disclosure import merge_hidden_strata
from inclusion_practice.domain.periods import Period, parse_period
from inclusion_practice.domain.qof import Counts, points
from inclusion_practice.domain.qof_payment import (
    PaymentRates,
    contractor_population_index,
    indicator_payment,
    prevalence_factor,
    rates_for,
)
from inclusion_practice.domain.roles import Permission, Role
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.indicators import memory_engine
from inclusion_practice.indicators.definitions import (
    DefinitionError,
    Indicator,
    IndicatorSet,
    load_set_file,
    load_shipped_set,
    shipped_set_names,
)
from inclusion_practice.indicators.duckdb_engine import duckdb_engine
from inclusion_practice.indicators.memory_engine import Step
from inclusion_practice.indicators.records import FlagRow, merge_linked
from inclusion_practice.indicators.results import EXCEPTION_REASONS, IndicatorTally, PatientOutcome
from inclusion_practice.indicators.sql_engine import SqlEngine
from inclusion_practice.indicators.sql_loaders import load_records, patient_names, registered_count
from inclusion_practice.services.access import require
from inclusion_practice.services.access_log import logged_read
from inclusion_practice.storage.active import active_on
from inclusion_practice.storage.database import Database
from inclusion_practice.storage.duckdb_source import duckdb_problem
from inclusion_practice.storage.tables import Flag, Patient
from inclusion_practice.storage.visibility import flag_category_visible

ENGINES = ("auto", "duckdb", "sql", "memory")
"""``auto``: DuckDB when it is installed and can read the database, else ``sql``."""


@dataclass(frozen=True)
class SetSummary:
    id: str
    title: str
    version: str
    indicators: tuple[tuple[str, str], ...]
    """(id, title) of each indicator."""
    source: str
    default: bool = False


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's numbers for a period."""

    indicator_id: str
    title: str
    kind: str
    version: str
    counts: Counts
    achievement: float | None
    points: float
    max_points: float
    payment: float
    lower: float | None
    upper: float | None
    placeholder: bool
    by_sex: dict[str, Counts] = field(default_factory=dict)
    by_age_band: dict[str, Counts] = field(default_factory=dict)
    by_category: dict[str, Counts] = field(default_factory=dict)
    prevalence_factor: float = 1.0
    """Practice prevalence ÷ reference prevalence (1 when the indicator is not weighted)."""
    points_pounds: float = 0.0
    """points × £ per point × CPI × prevalence factor, to the penny."""
    per_patient_pounds: float = 0.0
    per_event_pounds: float = 0.0


@dataclass(frozen=True)
class SetResult:
    set_id: str
    set_title: str
    set_version: str
    period: Period
    engine: str
    pounds_per_point: float
    list_size_factor: float
    """The contractor population index applied to points money (1 when switched off)."""
    results: tuple[IndicatorResult, ...]
    generated_at: dt.datetime
    list_size: int = 0
    """Registered patients on the period end (``practice.list_size`` when configured)."""
    rates: PaymentRates | None = None
    """The financial year's £ per point and national average list size, with their sources."""

    @property
    def total_points(self) -> float:
        return round(sum(r.points for r in self.results), 2)

    @property
    def total_payment(self) -> float:
        return round(sum(r.payment for r in self.results), 2)


@dataclass(frozen=True)
class ListedPatient:
    """A patient behind a number, with the reason they are listed."""

    patient_id: int
    name: str
    status: str
    """numerator | excepted | missing."""
    reason: str
    due: dt.date | None = None
    last_done: dt.date | None = None


@dataclass(frozen=True)
class PatientLists:
    indicator_id: str
    title: str
    period: Period
    numerator: tuple[ListedPatient, ...]
    excepted: tuple[ListedPatient, ...]
    missing: tuple[ListedPatient, ...]
    """Sorted by what is due first (then never done before done long ago)."""
    withheld: int = 0
    """Denominator patients held back from this role (on the register only through a category
    it may not see): counted, never listed, so the lists plus ``withheld`` add up to the run's
    denominator B."""

    @property
    def denominator(self) -> tuple[ListedPatient, ...]:
        return tuple(sorted((*self.numerator, *self.excepted, *self.missing), key=lambda p: p.patient_id))


@dataclass(frozen=True)
class Explanation:
    indicator_id: str
    title: str
    patient_id: int
    period: Period
    population: str
    """not in denominator | numerator | excepted: <reason> | missing."""
    steps: tuple[Step, ...]


class IndicatorService:
    """Indicator sets as a use case: list, run, worklists, explain, validate."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    # ----------------------------------------------------------------- sets

    def list_sets(self) -> list[SetSummary]:
        default = self._config.reporting.indicator_set
        out = []
        for name in shipped_set_names():
            s = self._load(name)
            out.append(
                SetSummary(
                    s.id, s.title, s.version, tuple((i.id, i.title) for i in s.indicators), s.source, s.id == default
                )
            )
        return out

    def load_set(self, set_ref: str | None = None) -> IndicatorSet:
        """A shipped set by id, or a set file by path; default: the practice's configured set."""
        return self._load(set_ref or self._config.reporting.indicator_set)

    def validate(self, path: Path) -> IndicatorSet:
        """Load and check a set file; raises :class:`DefinitionError` naming file, indicator, key."""
        return load_set_file(path, self._config.flag_categories())

    def _load(self, ref: str) -> IndicatorSet:
        cats = self._config.flag_categories()
        if ref.endswith(".toml") or "/" in ref:
            return load_set_file(Path(ref), cats)
        try:
            return load_shipped_set(ref, cats)
        except DefinitionError:
            if Path(ref).exists():
                return load_set_file(Path(ref), cats)
            raise

    def _find(self, indicator_id: str, set_ref: str | None) -> tuple[IndicatorSet, Indicator]:
        refs = [set_ref] if set_ref else [self._config.reporting.indicator_set, *shipped_set_names()]
        for ref in dict.fromkeys(refs):
            s = self._load(ref)
            ind = s.get(indicator_id)
            if ind is not None:
                return s, ind
        raise NotFound("indicator", indicator_id)

    @staticmethod
    def _period(period: Period | str) -> Period:
        return period if isinstance(period, Period) else parse_period(period)

    # ----------------------------------------------------------------- run

    def run(
        self,
        actor: Actor | None,
        period: Period | str,
        set_ref: str | None = None,
        engine: str | None = None,
    ) -> SetResult:
        """Run a set; ``engine`` as in :data:`ENGINES` (default: the practice's configured one)."""
        role = require(actor, Permission.RUN_INDICATORS)
        per = self._period(period)
        engine = self.engine(engine)
        ind_set = self.load_set(set_ref)
        with self._db.connection() as conn:
            if engine == "duckdb":
                with duckdb_engine(conn, ind_set) as duck:
                    tallies = duck.run(ind_set, per)
            elif engine == "sql":
                tallies = SqlEngine(conn).run(ind_set, per)
            else:
                tallies = memory_engine.run_set(ind_set, load_records(conn), per)
            list_size = self._config.practice.list_size or registered_count(conn, per.end)
        rates = self.payment_rates(ind_set, per)
        cpi = contractor_population_index(list_size, rates.national_average_list_size, rates.apply_cpi)
        results = tuple(self._result(ind, tallies, rates, cpi, list_size) for ind in ind_set.indicators)
        policy = self._config.flag_visibility(role)
        if not policy.sees_everything:
            # Restricted strata are merged and suppressed for this role: counts of 1-7 a day
            # apart would say when someone's restricted flag started.
            results = tuple(
                replace(r, by_category=merge_hidden_strata(r.by_category, policy.allows))
                for r in results
            )
        return SetResult(
            ind_set.id, ind_set.title, ind_set.version, per, engine, rates.pounds_per_point, cpi, results,
            self._clock.now(), list_size, rates,
        )

    def payment_rates(self, ind_set: IndicatorSet, period: Period) -> PaymentRates:
        """£ per point (the set's, else ``practice.toml``'s, else the financial year's) and the
        national average list size (``practice.toml``'s, else the year's), with sources."""
        rep = self._config.reporting
        ppp: float | None
        if ind_set.pounds_per_point is not None:
            ppp, source = ind_set.pounds_per_point, f"indicator set {ind_set.id} ({ind_set.source})"
        else:
            ppp, source = rep.pounds_per_point, "practice.toml reporting.pounds_per_point"
        return rates_for(
            period.end,
            pounds_per_point=ppp,
            pounds_per_point_source=source,
            national_average_list_size=rep.national_average_list_size,
            apply_cpi=rep.apply_list_size_index,
        )

    def engine(self, requested: str | None = None) -> str:
        """The engine a run uses: ``requested`` or the configured one, with ``auto`` resolved."""
        name = requested or self._config.reporting.indicator_engine
        if name not in ENGINES:
            raise InvalidInput("engine", f"{name!r}: use one of {', '.join(ENGINES)}")
        if name in ("auto", "duckdb"):
            problem = duckdb_problem(self._db.url)
            if problem is None:
                return "duckdb"
            if name == "duckdb":
                raise InvalidInput("engine", f"duckdb cannot run here: {problem}")
            return "sql"
        return name

    def _outcomes(self, conn: Connection, ind_set: IndicatorSet, indicator_id: str, per: Period) -> list[PatientOutcome]:
        """One indicator's per-patient outcomes, from DuckDB when the practice's engine is it."""
        if self.engine() == "duckdb":
            with duckdb_engine(conn, ind_set) as duck:
                return duck.outcomes(ind_set, indicator_id, per)
        return SqlEngine(conn).outcomes(ind_set, indicator_id, per)

    @staticmethod
    def _result(
        ind: Indicator, tallies: dict[str, IndicatorTally], rates: PaymentRates, cpi: float, list_size: int
    ) -> IndicatorResult:
        sc = ind.scoring
        tal = tallies[ind.id]
        counts = tal.total
        ach = counts.achievement
        pts = round(points(ach, sc.lower, sc.upper, sc.max_points), 2) if ind.kind == "proportion" else 0.0
        weight = 1.0
        if sc.prevalence is not None:
            register = tallies[sc.prevalence.register_id].total.numerator
            weight = prevalence_factor(register, list_size, sc.prevalence.reference_percent)
        pay = indicator_payment(
            pts, rates.pounds_per_point, cpi, weight,
            per_patient=sc.per_patient, patients=counts.numerator, per_event=sc.per_event, events=counts.events,
        )
        return IndicatorResult(
            ind.id, ind.title, ind.kind, ind.version, counts, ach, pts, sc.max_points, pay.total,
            sc.lower, sc.upper, sc.placeholder, tal.by_sex, tal.by_age_band, tal.by_category,
            weight, pay.points_pounds, pay.per_patient_pounds, pay.per_event_pounds,
        )

    # ----------------------------------------------------------------- patients

    @logged_read("indicators.worklist", lambda lists, _a: [p.patient_id for p in lists.denominator])
    def patients(
        self,
        actor: Actor | None,
        indicator_id: str,
        period: Period | str,
        set_ref: str | None = None,
    ) -> PatientLists:
        """Numerator, excepted and missing patients; missing sorted by what is due first."""
        role = require(actor, Permission.RUN_INDICATORS)
        per = self._period(period)
        ind_set, ind = self._find(indicator_id, set_ref)
        restricted = self._hidden(role)
        with self._db.connection() as conn:
            everyone = self._outcomes(conn, ind_set, ind.id, per)
            outcomes = self._visible(role, ind, everyone, per.end)
            names = patient_names(conn, [o.patient_id for o in outcomes])
            missing_ids = [o.patient_id for o in outcomes if o.missing]
            records = {r.id: r for r in merge_linked(load_records(conn, missing_ids))} if missing_ids else {}
        numerator, excepted, missing = [], [], []
        for o in outcomes:
            name = names.get(o.patient_id, "")
            if o.numerator:
                numerator.append(ListedPatient(o.patient_id, name, "numerator", "achieved"))
            elif o.exception is not None:
                excepted.append(ListedPatient(o.patient_id, name, "excepted", EXCEPTION_REASONS[o.exception]))
            else:
                ev = memory_engine.evaluate_patient(ind, records[o.patient_id], per, ind_set.codelists, restricted)
                reason = "; ".join(s.detail for s in ev.steps if s.stage == "numerator" and not s.passed)
                missing.append(
                    ListedPatient(o.patient_id, name, "missing", reason or "not achieved", ev.due, ev.last_done)
                )
        missing.sort(key=lambda p: (p.due or per.end, p.last_done or dt.date.min, p.patient_id))
        return PatientLists(ind.id, ind.title, per, tuple(numerator), tuple(excepted), tuple(missing),
                            withheld=len(everyone) - len(outcomes))

    def missing(
        self, actor: Actor | None, indicator_id: str, period: Period | str, set_ref: str | None = None
    ) -> tuple[ListedPatient, ...]:
        """The worklist: denominator patients neither achieved nor excepted, due first."""
        return self.patients(actor, indicator_id, period, set_ref).missing

    def outcomes(
        self, actor: Actor | None, indicator_id: str, period: Period | str, set_ref: str | None = None
    ) -> list[PatientOutcome]:
        """Raw per-patient outcomes (for FHIR subject lists)."""
        role = require(actor, Permission.RUN_INDICATORS)
        ind_set, ind = self._find(indicator_id, set_ref)
        per = self._period(period)
        with self._db.connection() as conn:
            return self._visible(role, ind, self._outcomes(conn, ind_set, ind.id, per), per.end)

    @logged_read("indicators.explain", lambda explanation, _a: [explanation.patient_id])
    def explain(
        self,
        actor: Actor | None,
        indicator_id: str,
        patient_id: int,
        period: Period | str,
        set_ref: str | None = None,
    ) -> Explanation:
        """Which rule put this patient where, step by step."""
        role = require(actor, Permission.RUN_INDICATORS)
        per = self._period(period)
        ind_set, ind = self._find(indicator_id, set_ref)
        with self._db.connection() as conn:
            raw = load_records(conn, [patient_id])
        asked = next((r for r in raw if r.id == patient_id), None)
        if asked is None:
            raise NotFound("patient", patient_id)
        # Linked records are one person, counted on the surviving record: explain that one.
        person = asked.linked_to_id if asked.linked_to_id is not None else patient_id
        recs = [r for r in merge_linked(raw) if r.id == person]
        linked_step: tuple[Step, ...] = ()
        if person != patient_id:
            linked_step = (Step("register", "counted on the surviving record", bool(recs),
                                f"record #{patient_id} is linked as the same person as #{person}: "
                                f"its history counts on #{person}"),)
        if not recs:
            return Explanation(ind.id, ind.title, patient_id, per, "not in denominator", linked_step)
        hidden = self._hidden(role, recs[0].flags)
        # As for the lists: a non-clinical role sees the patient as if restricted flags did not
        # exist, so "on the register" can never give a restricted category away.
        record = replace(recs[0], flags=tuple(f for f in recs[0].flags if f.category not in hidden))
        ev = memory_engine.evaluate_patient(ind, record, per, ind_set.codelists, hidden)
        if ev.outcome is None:
            population = "not in denominator"
        elif ev.outcome.numerator:
            population = "numerator"
        elif ev.outcome.exception:
            population = f"excepted: {EXCEPTION_REASONS[ev.outcome.exception]}"
        else:
            population = "missing"
        return Explanation(ind.id, ind.title, patient_id, per, population, linked_step + ev.steps)

    def _visible(
        self, role: Role, ind: Indicator, outcomes: list[PatientOutcome], on: dt.date
    ) -> list[PatientOutcome]:
        """The per-patient results a role may see. A non-clinical role sees only patients on
        the register through a category it may see: listing the others would say which
        restricted category they have. The aggregate figures still count everyone."""
        policy = self._config.flag_visibility(role)
        cats = ind.population.categories
        if policy.sees_everything or not outcomes:
            return outcomes
        if cats != "any" and all(policy.allows(c) for c in cats):
            return outcomes
        ids = [o.patient_id for o in outcomes]
        shown: set[int] = set()
        with self._db.read() as uow:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                # The person's flags may sit on a record linked to the surviving one.
                stmt = (
                    select(Flag.patient_id, Patient.linked_to_id)
                    .join(Patient, col(Patient.id) == Flag.patient_id)
                    .where(
                        or_(col(Flag.patient_id).in_(chunk), col(Patient.linked_to_id).in_(chunk)),
                        flag_category_visible(Flag.category, policy),
                        active_on(Flag, on),
                    )
                )
                if cats != "any":
                    stmt = stmt.where(col(Flag.category).in_(cats))
                for pid, linked in uow.session.exec(stmt).all():
                    shown.add(linked if linked is not None else pid)
        return [o for o in outcomes if o.patient_id in shown]

    def _hidden(self, role: Role, flags: Iterable[FlagRow] = ()) -> frozenset[str]:
        """Categories ``role`` may not see among the configured ones and ``flags`` (the policy
        is an allow-list, so a category the configuration does not know is hidden too)."""
        policy = self._config.flag_visibility(role)
        known = {*self._config.flag_categories(), *(f.category for f in flags)}
        return policy.hidden_among(known)
