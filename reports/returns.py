"""Build a return: the LES annual return, the PCTMS annual report, the quarterly activity return.

Counts come from the reporting service (``ip.reporting``, aggregates only) and indicator results
from the indicator engine (``ip.indicators``); nothing here recomputes an indicator or reads a
table.
Only managers and admins may produce returns (``Permission.PRODUCE_RETURNS``): a return counts
restricted categories in aggregate, which is why receptionists may not run one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from inclusion_practice.config import ContractType
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.periods import Period, financial_year_of, parse_period, quarter
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.fhir.measure import describe_populations
from inclusion_practice.indicators.definitions import Indicator, IndicatorSet
from inclusion_practice.indicators.verification import limitations
from inclusion_practice.services.access import require
from inclusion_practice.services.indicators import IndicatorResult, IndicatorService, SetResult
from inclusion_practice.services.reporting import ReportingService
from reports.figures import (
    Category,
    CodeListInfo,
    IndicatorSetInfo,
    MethodsEntry,
    PeriodFigures,
    PracticeInfo,
    ReturnFigures,
    ReturnKind,
    SignOff,
    TrendPoint,
    local_date,
)

if TYPE_CHECKING:
    from inclusion_practice.api import InclusionPractice

Progress = Callable[[str], None]
"""Called with a short description of each step as it starts."""

PCTMS_SET = "pctms-local"
"""The shipped PCTMS local measures set."""



def annual_period(text: str | Period) -> Period:
    """A financial year, or :class:`InvalidInput` naming ``period``."""
    period = parse_period(text) if isinstance(text, str) else text
    fy = financial_year_of(period.start)
    if (period.start, period.end) != (fy.start, fy.end):
        raise InvalidInput(
            "period", f"{period.label!r}: an annual return covers a financial year, e.g. 2025/26"
        )
    return fy


def quarter_period(text: str | Period) -> Period:
    """A financial quarter, or :class:`InvalidInput` naming ``period``."""
    period = parse_period(text) if isinstance(text, str) else text
    fy = financial_year_of(period.start)
    for n in (1, 2, 3, 4):
        qp = quarter(fy.start.year, n)
        if (qp.start, qp.end) == (period.start, period.end):
            return qp
    raise InvalidInput(
        "period", f"{period.label!r}: a quarterly return covers a quarter, e.g. 2025Q3"
    )


def last_complete_year(today: dt.date) -> Period:
    """The most recent financial year that has ended by ``today`` (the default period)."""
    current = financial_year_of(today)
    return financial_year_of(current.start - dt.timedelta(days=1))


def last_complete_quarter(today: dt.date) -> Period:
    fy = financial_year_of(today)
    quarters = [quarter(fy.start.year, n) for n in (1, 2, 3, 4)]
    done = [qp for qp in quarters if qp.end < today]
    if done:
        return done[-1]
    prev = financial_year_of(fy.start - dt.timedelta(days=1))
    return quarter(prev.start.year, 4)


def year_to_date(period: Period) -> Period:
    fy = financial_year_of(period.start)
    return Period(fy.start, period.end, f"{fy.label} to {period.end.isoformat()}")


def quarters_to(period: Period) -> list[Period]:
    """The financial-year quarters ending on or before ``period``'s end (for the trend)."""
    fy = financial_year_of(period.start)
    return [qp for qp in (quarter(fy.start.year, n) for n in (1, 2, 3, 4)) if qp.end <= period.end]


# --------------------------------------------------------------------------- indicator engine


def indicator_service(ip: InclusionPractice) -> IndicatorService:
    """``ip.indicators`` (or one made for it, so a bare ``InclusionPractice`` works too)."""
    service = getattr(ip, "indicators", None)
    if isinstance(service, IndicatorService):
        return service
    return IndicatorService(ip.db, ip.config, ip.clock)


def run_indicators(
    ip: InclusionPractice, actor: Actor, set_id: str, period: Period
) -> SetResult:
    """Run the set through the indicator engine: the return shows its results as they are."""
    return indicator_service(ip).run(actor, period, set_id)


def describe_indicator(ind: Indicator, ind_set: IndicatorSet) -> str:
    """A paragraph for the methods appendix, in the indicator engineer's own wording (the same
    text as the FHIR ``Measure`` population descriptions)."""
    pops = describe_populations(ind, dict(ind_set.codelists))
    parts = [f"Denominator (B): {pops['denominator']}."]
    if "numerator" in pops:
        parts.append(f"Numerator (A): {pops['numerator']}.")
    if "denominator-exception" in pops:
        parts.append(f"Exceptions (C): {pops['denominator-exception']}.")
    if ind.kind == "register":
        parts.append("Register indicator: A is the register, paid per patient.")
    if ind.rationale:
        parts.append(ind.rationale)
    limits = limitations(ind, dict(ind_set.codelists))
    if limits:
        parts.append("Limitations: " + " ".join(limits))
    return " ".join(parts)


def _methods(
    indicator_set: IndicatorSet,
) -> tuple[tuple[MethodsEntry, ...], tuple[CodeListInfo, ...]]:
    from inclusion_practice.indicators.definitions import _codelists_used

    entries = tuple(
        MethodsEntry(
            indicator_id=ind.id,
            title=ind.title,
            version=ind.version,
            description=describe_indicator(ind, indicator_set),
            codelists=tuple(sorted(_codelists_used(ind))),
        )
        for ind in indicator_set.indicators
    )
    lists = tuple(
        CodeListInfo(
            id=cl.id,
            title=cl.title,
            source=cl.source,
            url=cl.url,
            codes=tuple((c.code, c.term) for c in cl.codes),
        )
        for _, cl in sorted(indicator_set.codelists.items())
    )
    return entries, lists


# --------------------------------------------------------------------------- counts


def reporting_service(ip: InclusionPractice) -> ReportingService:
    """``ip.reporting`` (or one made for it, so a bare ``InclusionPractice`` works too)."""
    service = getattr(ip, "reporting", None)
    if isinstance(service, ReportingService):
        return service
    return ReportingService(ip.db)


def period_figures(
    ip: InclusionPractice, actor: Actor, period: Period, result: SetResult
) -> PeriodFigures:
    """The period's counts (``ip.reporting``) with the engine's results for it."""
    categories = tuple(
        Category(code, cat.label, cat.restricted) for code, cat in ip.config.flag_categories().items()
    )
    counts = reporting_service(ip).period_counts(actor, period)
    return PeriodFigures(counts=counts, indicators=result.results, categories=categories, run=result)


# --------------------------------------------------------------------------- the returns


def build_return(
    ip: InclusionPractice,
    actor: Actor | None,
    kind: ReturnKind,
    period: str | Period | None = None,
    *,
    publishable: bool = False,
    indicator_set: str | None = None,
    with_trend: bool = True,
    progress: Progress | None = None,
    creation_date: dt.datetime | None = None,
) -> ReturnFigures:
    """Everything a return shows, for ``period`` (default: the last complete year or quarter).

    ``creation_date`` (``--creation-date``) is the moment the return is made: it sets
    "produced on", the default period and every timestamp of every output, so the same data and
    creation date give the same bytes on any day. Without it the practice clock is read once.
    Raises :class:`PermissionDenied` unless the actor may produce returns, and
    :class:`InvalidInput` naming ``period`` for a period of the wrong shape.
    """
    require(actor, Permission.PRODUCE_RETURNS)
    assert actor is not None
    step = progress or (lambda _msg: None)
    created_at = creation_date if creation_date is not None else ip.clock.now()
    today = local_date(created_at)
    if kind is ReturnKind.QUARTERLY:
        chosen = quarter_period(period) if period is not None else last_complete_quarter(today)
    else:
        chosen = annual_period(period) if period is not None else last_complete_year(today)
    set_id = indicator_set or (
        PCTMS_SET if kind is ReturnKind.PCTMS_ANNUAL else ip.config.reporting.indicator_set
    )
    step(f"loading indicator set {set_id}")
    service = indicator_service(ip)
    ind_set = service.load_set(set_id)

    step(f"running indicators for {chosen.label}")
    result = run_indicators(ip, actor, set_id, chosen)
    results: list[SetResult] = [result]
    step(f"counting {chosen.label}")
    current = period_figures(ip, actor, chosen, result)
    ytd: PeriodFigures | None = None
    if kind is ReturnKind.QUARTERLY:
        ytd_period = year_to_date(chosen)
        step(f"running indicators for the year to date ({ytd_period.start} to {ytd_period.end})")
        ytd_result = run_indicators(ip, actor, set_id, ytd_period)
        results.append(ytd_result)
        step("counting the year to date")
        ytd = period_figures(ip, actor, ytd_period, ytd_result)

    trend: list[TrendPoint] = []
    if with_trend:
        for qp in quarters_to(chosen):
            ytd_q = year_to_date(qp)
            done = next((pf for pf in (current, ytd) if pf is not None
                         and (pf.period.start, pf.period.end) == (ytd_q.start, ytd_q.end)), None)
            if done is not None:
                q_rows: Sequence[IndicatorResult] = done.indicators
            else:
                step(f"trend: running indicators for the year to the end of {qp.label}")
                q_rows = run_indicators(ip, actor, set_id, ytd_q).results
            trend.extend(TrendPoint(qp.label, r) for r in q_rows)

    methods, codelists = _methods(ind_set)
    cfg = ip.config.practice
    notes: list[str] = []
    produced_on = today
    if produced_on <= chosen.end:
        notes.append(
            f"Provisional: produced on {produced_on.isoformat()}, before the period ended on "
            f"{chosen.end.isoformat()}. Figures can still change."
        )
    if any(r.placeholder for r in current.indicators):
        notes.append(
            "Thresholds, points and payments marked as placeholders in the indicator set have "
            "not been agreed with the commissioner."
        )
    if result.rates is not None:
        notes.extend(result.rates.notes)
    if kind is ReturnKind.PCTMS_ANNUAL and cfg.contract_type is not ContractType.PCTMS:
        notes.append(
            f"The practice's contract type is {cfg.contract_type.value}; this PCTMS local "
            "measures report was produced on request."
        )
    user = _display_name(ip, actor)
    # Every return leaves a signed checkpoint of the audit chain outside the database.
    ip.audit.checkpoint(f"{kind.value} return {chosen.label}")
    step("done")
    return ReturnFigures(
        kind=kind,
        practice=PracticeInfo(
            name=cfg.name,
            ods_code=cfg.ods_code,
            contract_type=cfg.contract_type.value,
            address_lines=tuple(cfg.address.lines),
            postcode=cfg.address.postcode,
        ),
        current=current,
        year_to_date=ytd,
        created_at=created_at,
        indicator_set=IndicatorSetInfo(
            id=ind_set.id,
            title=ind_set.title,
            version=ind_set.version,
            publisher=ind_set.publisher,
            pounds_per_point=result.pounds_per_point,
        ),
        publishable=publishable,
        suppressed=publishable and ip.config.reporting.suppress_small_numbers_when_publishing,
        sign_off=SignOff(prepared_by=user, prepared_role=actor.role),
        methods=methods,
        codelists=codelists,
        trend=tuple(trend),
        notes=tuple(notes),
        engine_results=tuple(results),
    )


def _display_name(ip: InclusionPractice, actor: Actor) -> str:
    try:
        return ip.users.get(actor.username).display_name
    except NotFound:  # e.g. the built-in system actor: the sign-off names the username
        return actor.username
