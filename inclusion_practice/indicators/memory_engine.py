"""The deliberately simple in-memory evaluator: one patient at a time, plain Python.

It is the reference the SQL compiler is checked against (the ehrQL pattern): slow and obviously
correct. It also powers ``explain``, because every rule returns the evidence it used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from inclusion_practice.domain.calendar_months import age_on
from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.qof import age_band
from inclusion_practice.domain.registration import continuous_start, counts_as_registered
from inclusion_practice.indicators.definitions import (
    AttributeCriterion,
    CodeList,
    DnaCriterion,
    EventCriterion,
    Indicator,
    IndicatorSet,
    Invitations,
    LatestEventCriterion,
    RegisteredInCriterion,
    Window,
)
from inclusion_practice.indicators.records import PatientHistory, merge_linked
from inclusion_practice.indicators.results import IndicatorTally, PatientOutcome, tally

Criterion = EventCriterion | LatestEventCriterion | AttributeCriterion | DnaCriterion | RegisteredInCriterion


@dataclass(frozen=True)
class Step:
    """One rule applied to one patient, for ``explain``."""

    stage: str
    """register | denominator | numerator | exception."""
    rule: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Evaluation:
    in_denominator: bool
    outcome: PatientOutcome | None
    steps: tuple[Step, ...]
    last_done: dt.date | None = None
    """Latest qualifying numerator event on or before the period end, any time (for worklists)."""
    due: dt.date | None = None


class _Ctx:
    def __init__(
        self, p: PatientHistory, period: Period, lists: Mapping[str, CodeList], include_temporary: bool = False
    ) -> None:
        self.p = p
        self.period = period
        self.end = period.end
        self.lists = lists
        self.reg_start = registration_start(p, self.end, include_temporary)
        self.events = [e for e in p.events if e.event_date <= self.end]

    def codes(self, name: str) -> frozenset[str]:
        return self.lists[name].code_set

    def window(self, w: Window) -> tuple[dt.date, dt.date] | None:
        if w.constant:
            return w.period_bounds(self.period.start, self.end)
        if w.anchor == "registration_start":
            return None if self.reg_start is None else w.bounds(self.reg_start)
        kind, _, name = w.anchor.partition(":")
        dates = [e.event_date for e in self.events if e.code in self.codes(name)]
        if not dates:
            return None
        return w.bounds(min(dates) if kind == "first" else max(dates))


def registration_start(p: PatientHistory, day: dt.date, include_temporary: bool = False) -> dt.date | None:
    """First day of the continuous registration covering ``day`` (only the kinds counted)."""
    spans = [(r.start_date, r.last_day) for r in p.registrations if counts_as_registered(r.kind, include_temporary)]
    return continuous_start(spans, day)


def _blank(value: object) -> bool:
    """Not recorded: nothing, or a string of spaces only (as SQL ``trim(x) = ''``)."""
    return value is None or (isinstance(value, str) and value.strip(" ") == "")


def _fmt(d: dt.date | None) -> str:
    return d.isoformat() if d else "-"


def _event(ctx: _Ctx, c: EventCriterion) -> tuple[bool, frozenset[dt.date], str]:
    """Events count once per day: two entries on the same day are one event (a duplicate entry
    neither completes a course nor raises a per-event claim)."""
    bounds = ctx.window(c.window)
    title = c.label or ctx.lists[c.codelist].title
    if bounds is None:
        return False, frozenset(), f"{title}: no {c.window.anchor} date to measure from"
    lo, hi = bounds
    codes = ctx.codes(c.codelist)
    hits = [
        e
        for e in ctx.events
        if e.code in codes
        and lo <= e.event_date <= hi
        and (c.min_value is None or (e.value is not None and e.value >= c.min_value))
        and (c.max_value is None or (e.value is not None and e.value <= c.max_value))
    ]
    days = frozenset(e.event_date for e in hits)
    ok = len(days) >= c.min_count
    when = ", ".join(_fmt(d) for d in sorted(days)[:5])
    need = f" (needs {c.min_count}, one a day)" if c.min_count > 1 else ""
    detail = f"{title} between {_fmt(lo)} and {_fmt(hi)}: {len(days)} found{need}" + (
        f" on {when}" if days else ""
    )
    return ok, days, detail


def _latest(ctx: _Ctx, c: LatestEventCriterion) -> tuple[bool, str]:
    lo, hi = c.window.period_bounds(ctx.period.start, ctx.end)
    codes = ctx.codes(c.codelist)
    hits = [e for e in ctx.events if e.code in codes and lo <= e.event_date <= hi]
    title = c.label or f"latest {ctx.lists[c.codelist].title} is {ctx.lists[c.in_codelist].title}"
    if not hits:
        return False, f"{title}: nothing recorded between {_fmt(lo)} and {_fmt(hi)}"
    latest = max(e.event_date for e in hits)
    in_codes = ctx.codes(c.in_codelist)
    ok = any(e.code in in_codes for e in hits if e.event_date == latest)
    return ok, f"{title}: latest on {_fmt(latest)} {'matches' if ok else 'does not match'}"


def _attribute(ctx: _Ctx, c: AttributeCriterion) -> tuple[bool, str]:
    """A value of spaces only is not recorded; language tags compare case-insensitively (BCP 47)."""
    value = getattr(ctx.p, c.field)
    wanted: object = c.value
    if c.field == "main_language":
        value = value.lower() if isinstance(value, str) else value
        if isinstance(wanted, str):
            wanted = wanted.lower()
        elif isinstance(wanted, list):
            wanted = [w.lower() for w in wanted]
    if c.op == "present":
        ok = not _blank(value)
    elif c.op == "absent":
        ok = _blank(value)
    elif _blank(value):
        ok = False  # comparisons with an unrecorded value are false (as in SQL)
    elif c.op == "eq":
        ok = value == wanted
    elif c.op == "ne":
        ok = value != wanted
    elif c.op == "in":
        ok = value in (wanted if isinstance(wanted, list) else [])
    else:
        ok = value not in (wanted if isinstance(wanted, list) else [])
    label = c.label or c.field.replace("_", " ")
    shown = ("recorded" if not _blank(value) else "not recorded") if c.field == "keyworker_name" else repr(value)
    return ok, f"{label} ({c.op}{'' if c.value is None else ' ' + repr(c.value)}): {shown}"


def _dna(ctx: _Ctx, c: DnaCriterion) -> tuple[bool, str]:
    lo, hi = c.window.period_bounds(ctx.period.start, ctx.end)
    dnas = [d for d in ctx.p.dnas if d.voided_at is None and lo <= d.occurred_at.date() <= min(hi, ctx.end)]
    if c.followed_up_within_days is None:
        return bool(dnas), f"missed appointments between {_fmt(lo)} and {_fmt(hi)}: {len(dnas)}"
    within = c.followed_up_within_days
    missed = []
    for d in dnas:
        day = d.occurred_at.date()
        ok = any(
            a.action in c.actions
            and a.status == "done"
            and a.done_at is not None
            and 0 <= (a.done_at.date() - day).days <= within
            and a.done_at.date() <= ctx.end
            for a in d.actions
        )
        if not ok:
            missed.append(day)
    label = c.label or f"outreach within {within} days of each missed appointment"
    if missed:
        return False, f"{label}: not done after the DNA on {', '.join(_fmt(m) for m in missed)}"
    return True, f"{label}: done for all {len(dnas)}"


def _registered_in(ctx: _Ctx, c: RegisteredInCriterion) -> tuple[bool, str]:
    lo, hi = c.window.period_bounds(ctx.period.start, ctx.end)
    ok = ctx.reg_start is not None and lo <= ctx.reg_start <= hi
    return ok, f"registered between {_fmt(lo)} and {_fmt(hi)}: registration started {_fmt(ctx.reg_start)}"


def _criterion(ctx: _Ctx, c: Criterion) -> tuple[bool, frozenset[dt.date], str]:
    if isinstance(c, EventCriterion):
        return _event(ctx, c)
    if isinstance(c, LatestEventCriterion):
        ok, d = _latest(ctx, c)
    elif isinstance(c, AttributeCriterion):
        ok, d = _attribute(ctx, c)
    elif isinstance(c, DnaCriterion):
        ok, d = _dna(ctx, c)
    else:
        ok, d = _registered_in(ctx, c)
    return ok, frozenset(), d


def greedy_invitations(dates: Iterable[dt.date], min_gap_days: int) -> int:
    """The most invitations that can be picked at least ``min_gap_days`` apart."""
    count = 0
    last: dt.date | None = None
    for d in sorted(dates):
        if last is None or (d - last).days >= min_gap_days:
            count += 1
            last = d
    return count


def _invitations(ctx: _Ctx, inv: Invitations) -> tuple[bool, str]:
    lo, hi = inv.window.period_bounds(ctx.period.start, ctx.end)
    dates = [i.sent_on for i in ctx.p.invitations if i.topic == inv.topic and lo <= i.sent_on <= min(hi, ctx.end)]
    n = greedy_invitations(dates, inv.min_gap_days)
    return n >= inv.count, (
        f"{inv.topic} invitations at least {inv.min_gap_days} days apart between {_fmt(lo)} and "
        f"{_fmt(hi)}: {n} (needs {inv.count})"
    )


def evaluate_patient(
    ind: Indicator,
    p: PatientHistory,
    period: Period,
    lists: Mapping[str, CodeList],
    restricted: frozenset[str] = frozenset(),
) -> Evaluation:
    """Apply one indicator to one patient, recording every rule.

    ``restricted`` category codes are not named in the recorded steps (for non-clinical roles).
    """
    ctx = _Ctx(p, period, lists, ind.population.include_temporary)
    steps: list[Step] = []
    end = period.end

    def name_cats(cats: Iterable[str]) -> str:
        shown = sorted({"a restricted category" if c in restricted else c for c in cats})
        return ", ".join(shown) or "none"

    # Register.
    registered = ctx.reg_start is not None
    if ind.population.include_temporary:
        rule = "registered on the period end (temporary residents included)"
    else:
        rule = "on the registered list on the period end"
    if registered:
        detail = f"registered on {_fmt(end)}, continuously since {_fmt(ctx.reg_start)}"
    elif registration_start(p, end, include_temporary=True) is not None:
        detail = f"on {_fmt(end)} only a temporary resident or immediately necessary treatment (not on the list)"
    else:
        detail = f"registered on {_fmt(end)}: no"
    steps.append(Step("register", rule, registered, detail))
    active = sorted({f.category for f in p.flags if f.active_on(end)})
    wanted = ind.population.categories
    if wanted == "any":
        in_register = bool(active)
        rule = "any inclusion-health flag active on the period end"
    else:
        in_register = bool(set(active) & set(wanted))
        rule = f"flagged {name_cats(wanted)} on the period end"
    steps.append(Step("register", rule, in_register, f"active flags: {name_cats(active)}"))
    ok = registered and in_register
    if ok and ind.population.min_registration_days:
        assert ctx.reg_start is not None
        days = (end - ctx.reg_start).days
        passed = days >= ind.population.min_registration_days
        steps.append(Step("register", f"registered at least {ind.population.min_registration_days} days",
                          passed, f"registered {days} days"))
        ok = passed

    # Denominator.
    age = age_on(p.date_of_birth, end)
    if ok and ind.denominator.min_age is not None:
        passed = age >= ind.denominator.min_age
        steps.append(Step("denominator", f"aged {ind.denominator.min_age} or over", passed, f"age {age}"))
        ok = passed
    if ok and ind.denominator.max_age is not None:
        passed = age <= ind.denominator.max_age
        steps.append(Step("denominator", f"aged {ind.denominator.max_age} or under", passed, f"age {age}"))
        ok = passed
    for rule_c in ind.denominator.rules:
        if not ok:
            break
        passed, _, detail = _criterion(ctx, rule_c)
        steps.append(Step("denominator", rule_c.type, passed, detail))
        ok = passed
    if not ok:
        return Evaluation(False, None, tuple(steps))

    categories = tuple(active)
    # Numerator.
    event_days: set[dt.date] = set()
    if ind.kind == "register":
        numerator = True
    else:
        assert ind.numerator is not None
        results = []
        for c in ind.numerator.criteria:
            passed, hit_days, detail = _criterion(ctx, c)
            event_days |= hit_days
            results.append(passed)
            steps.append(Step("numerator", c.type, passed, detail))
        numerator = all(results) if ind.numerator.require == "all" else any(results)

    exception: str | None = None
    if not numerator:
        exc = ind.exceptions
        for c in exc.exclusions:
            passed, _, detail = _criterion(ctx, c)
            steps.append(Step("exception", "exclusion", passed, detail))
            if passed and exception is None:
                exception = "excluded"
        lo, hi = exc.window.period_bounds(period.start, end)
        for reason, names in (("unsuitable", exc.unsuitable), ("declined", exc.declined)):
            for name in names:
                codes = ctx.codes(name)
                hits = [e.event_date for e in ctx.events if e.code in codes and lo <= e.event_date <= hi]
                steps.append(Step("exception", reason, bool(hits),
                                  f"{lists[name].title} between {_fmt(lo)} and {_fmt(hi)}: "
                                  + (", ".join(_fmt(d) for d in sorted(hits)) or "none")))
                if hits and exception is None:
                    exception = reason
        if exc.invitations is not None:
            passed, detail = _invitations(ctx, exc.invitations)
            steps.append(Step("exception", "did not respond to invitations", passed, detail))
            if passed and exception is None:
                exception = "no_response"

    last_done, due = _due(ctx, ind)
    outcome = PatientOutcome(
        patient_id=p.id,
        numerator=numerator,
        exception=exception,
        events=len(event_days) if numerator else 0,
        sex=p.sex,
        age_band=age_band(age),
        categories=categories,
    )
    return Evaluation(True, outcome, tuple(steps), last_done, due)


def _due(ctx: _Ctx, ind: Indicator) -> tuple[dt.date | None, dt.date | None]:
    """When the missing care falls due, and when it was last done (for sorting worklists)."""
    last: dt.date | None = None
    due: dt.date | None = None
    for c in ind.numerator_criteria:
        if isinstance(c, EventCriterion):
            codes = ctx.codes(c.codelist)
            dates = [e.event_date for e in ctx.events if e.code in codes]
            if dates:
                last = max(dates) if last is None else max(last, max(dates))
            bounds = ctx.window(c.window)
            if bounds is not None:
                due = bounds[1] if due is None else min(due, bounds[1])
    return last, min(due, ctx.end) if due else ctx.end


def evaluate(
    ind: Indicator,
    records: Iterable[PatientHistory],
    period: Period,
    lists: Mapping[str, CodeList],
) -> list[PatientOutcome]:
    """Outcomes for every denominator patient, in patient id order (linked records count once,
    on the surviving record)."""
    out = []
    for p in merge_linked(records):
        ev = evaluate_patient(ind, p, period, lists)
        if ev.outcome is not None:
            out.append(ev.outcome)
    return out


def run_set(
    ind_set: IndicatorSet, records: Iterable[PatientHistory], period: Period
) -> dict[str, IndicatorTally]:
    """Tallies for every indicator in the set."""
    recs = list(records)
    return {
        ind.id: tally(ind.id, evaluate(ind, recs, period, ind_set.codelists)) for ind in ind_set.indicators
    }
