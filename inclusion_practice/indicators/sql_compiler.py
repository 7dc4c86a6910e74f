"""The SQL compiler: turns an indicator set and a period into set-based SQL (SQLAlchemy Core).

It only builds statements, against the tables of an :class:`IndicatorSource` (storage's view of
what the indicators read); :class:`~inclusion_practice.indicators.sql_engine.SqlEngine` runs them.
The plan, per run:

0. ``ip_link``: records linked as the same person (``linked_to_id``). Every row read below is
   keyed by the person (the surviving record), so linked records count once, with all their
   history; only surviving records (not themselves linked) are counted.
1. ``ip_reg``: per person, the first day (day number) of the continuous registration covering
   the period end — consecutive and overlapping periods are one registration ("islands", with
   window functions) — once over registered-list (permanent) periods, once over every kind
   (for indicators with ``include_temporary``). ``ip_base``: those patients with sex, language,
   keyworker and age band (ages are compared as constant birthday cut-offs, never per row).
2. ``ip_cat``: inclusion-health categories active on the period end.
3. ``ip_feat``: ONE pass over ``clinical_event`` with conditional aggregates — one column per
   distinct (code list, window, value range) the set uses, counting days with such an event
   (two entries on one day are one event), plus "latest status" columns and, per indicator,
   the days with any numerator event (its per-event count). Per-patient windows (registration
   start, another event) use day numbers, so SQLite and PostgreSQL do the same arithmetic.
4. ``ip_inv`` and ``ip_dna``: the same for invitations and missed appointments.
5. ``ip_rows``: one row per indicator per denominator patient (numerator 0/1, exception
   reason, event count); the engine's two GROUP BYs over it give totals and strata.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Insert,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.qof import AGE_BANDS, birthday_cutoff
from inclusion_practice.domain.registration import REGISTERED_LIST_KINDS
from inclusion_practice.indicators.definitions import (
    AttributeCriterion,
    DnaCriterion,
    EventCriterion,
    Indicator,
    IndicatorSet,
    Invitations,
    LatestEventCriterion,
    RegisteredInCriterion,
    Window,
)
from inclusion_practice.storage.active import active_on
from inclusion_practice.storage.indicator_source import READS, IndicatorSource

_EPOCH = dt.date(2000, 1, 1)
_EPOCH_JULIAN = 2451544  # int(julianday('2000-01-01'))
_OPEN_DAY = 10_000_000
"""The day number standing for "no last day" (an open registration) in the island query."""


def _daynum(col: Any, dialect: str, *, is_datetime: bool = False) -> ColumnElement[Any]:
    """Whole days since 2000-01-01 of a date (or the date part of a datetime)."""
    if dialect == "sqlite":
        inner = func.date(col) if is_datetime else col
        return cast(func.julianday(inner), Integer) - _EPOCH_JULIAN
    inner = cast(col, Date) if is_datetime else col
    return inner - literal(_EPOCH, Date)


def _days(day: dt.date) -> int:
    return (day - _EPOCH).days


def _truth(cond: ColumnElement[Any]) -> ColumnElement[bool]:
    """NULL-safe: unknown counts as false, as in the in-memory evaluator."""
    return case((cond, 1), else_=0) == 1


class _Plan:
    """The features a list of indicators needs, named once each."""

    def __init__(self, indicators: Sequence[Indicator], lists: dict[str, Any], period: Period, dialect: str) -> None:
        self.indicators = list(indicators)
        self.lists = lists
        self.period = period
        self.dialect = dialect
        self.events: dict[tuple[Any, ...], str] = {}
        self.latest: dict[tuple[Any, ...], str] = {}
        self.anchors: dict[tuple[str, str], str] = {}
        self.invites: dict[tuple[Any, ...], str] = {}
        self.dnas: dict[tuple[Any, ...], str] = {}
        self.event_days: dict[tuple[Any, ...], str] = {}
        """Per distinct set of numerator event columns: the days with any of them."""
        for ind in self.indicators:
            temp = ind.population.include_temporary
            for c in ind.all_criteria():
                self._collect(c, temp)
            exc = ind.exceptions
            for name in (*exc.declined, *exc.unsuitable):
                self._event_key(name, exc.window, None, None)
            if exc.invitations is not None:
                self._inv_key(exc.invitations)
            dkey = self.days_key(ind)
            if dkey and dkey not in self.event_days:
                self.event_days[dkey] = f"n{len(self.event_days)}"

    @staticmethod
    def _wkey(w: Window, temp: bool = False) -> tuple[str, str, str, bool]:
        """A window's identity; a registration-start window also depends on whether temporary
        registrations count (``temp``)."""
        return (w.anchor, w.start, w.end, temp and w.anchor == "registration_start")

    def event_col(self, c: EventCriterion, temp: bool) -> str:
        return self.events[(c.codelist, self._wkey(c.window, temp), c.min_value, c.max_value)]

    def days_key(self, ind: Indicator) -> tuple[Any, ...]:
        temp = ind.population.include_temporary
        return tuple(sorted({
            (c.codelist, self._wkey(c.window, temp), c.min_value, c.max_value)
            for c in ind.numerator_criteria
            if isinstance(c, EventCriterion)
        }, key=repr))

    def _event_key(self, name: str, w: Window, lo: float | None, hi: float | None, temp: bool = False) -> str:
        key = (name, self._wkey(w, temp), lo, hi)
        if key not in self.events:
            self.events[key] = f"f{len(self.events)}"
        if w.anchor_codelist:
            kind = w.anchor.partition(":")[0]
            akey = (kind, w.anchor_codelist)
            if akey not in self.anchors:
                self.anchors[akey] = f"a{len(self.anchors)}"
        return self.events[key]

    def _inv_key(self, inv: Invitations) -> str:
        key = (inv.topic, self._wkey(inv.window))
        if key not in self.invites:
            self.invites[key] = f"i{len(self.invites)}"
        return self.invites[key]

    def _collect(self, c: Any, temp: bool) -> None:
        if isinstance(c, EventCriterion):
            self._event_key(c.codelist, c.window, c.min_value, c.max_value, temp)
        elif isinstance(c, LatestEventCriterion):
            lkey = (c.codelist, c.in_codelist, self._wkey(c.window))
            if lkey not in self.latest:
                self.latest[lkey] = f"l{len(self.latest)}"
        elif isinstance(c, DnaCriterion):
            dkey = (self._wkey(c.window), c.followed_up_within_days, tuple(c.actions))
            if dkey not in self.dnas:
                self.dnas[dkey] = f"d{len(self.dnas)}"

    def bounds(self, w: Window) -> tuple[dt.date, dt.date]:
        lo, hi = w.period_bounds(self.period.start, self.period.end)
        return lo, min(hi, self.period.end)

    def codes(self, name: str) -> list[str]:
        return sorted(self.lists[name].code_set)


@dataclass(frozen=True)
class TempTable:
    """One temporary table of a run: created, filled by ``fill`` in order, then maybe analyzed."""

    table: Table
    fill: tuple[Insert, ...]
    analyze: bool
    """PostgreSQL statistics wanted before later statements read it."""


@dataclass(frozen=True)
class CompiledRun:
    """A run's temporary tables in the order they must be built, and the two read afterwards."""

    steps: tuple[TempTable, ...]
    categories: Table
    """``ip_cat``: (patient_id, category) of every registered patient's active categories."""
    rows: Table
    """``ip_rows``: one row per indicator per denominator patient."""


def compile_run(
    source: IndicatorSource, dialect: str, ind_set: IndicatorSet, inds: Sequence[Indicator], period: Period
) -> CompiledRun:
    """The temporary tables that evaluate ``inds`` (of ``ind_set``) for ``period`` on ``dialect``."""
    return _Compiler(source, dialect).compile(ind_set, inds, period)


class _Compiler:
    """Builds one run's statements (use once); its temporary tables get a MetaData of their own."""

    def __init__(self, source: IndicatorSource, dialect: str) -> None:
        self.source = source
        self.dialect = dialect
        self._md = MetaData()
        self._order: list[Table] = []
        self._fills: dict[str, list[Insert]] = {}
        self._analyzed: set[str] = set()
        self._link: Table | None = None

    def _temp(self, name: str, *cols: Column[Any]) -> Table:
        tbl = Table(name, self._md, *cols, prefixes=["TEMPORARY"])
        self._order.append(tbl)
        self._fills[name] = []
        return tbl

    def _fill(self, tbl: Table, stmt: Insert) -> None:
        self._fills[tbl.name].append(stmt)

    def _analyze(self, tbl: Table) -> None:
        self._analyzed.add(tbl.name)

    def _person(self, table: Table, name: str) -> Subquery:
        """``table`` with ``patient_id`` replaced by the person's surviving record (``ip_link``)."""
        assert self._link is not None
        link = self._link.alias(f"{name}_link")
        cols: list[Any] = [func.coalesce(link.c.person_id, table.c.patient_id).label("patient_id")]
        # Only the columns of the read contract: a view over another engine has no others.
        wanted = READS.get(table.name, frozenset(c.name for c in table.c))
        cols += [c for c in table.c if c.name != "patient_id" and c.name in wanted]
        return (
            select(*cols)
            .select_from(table.outerjoin(link, link.c.patient_id == table.c.patient_id))
            .subquery(name)
        )

    def _islands(self, reg: Subquery, plan: _Plan, include_temporary: bool) -> Subquery:
        """Per person, the first day number of the continuous registration covering the period
        end (as :func:`inclusion_practice.domain.registration.continuous_start`)."""
        d = plan.dialect
        pend = plan.period.end
        c = reg.c
        last = case(
            (c.end_date.is_(None), c.planned_end),
            (c.planned_end.is_(None), c.end_date),
            (c.end_date <= c.planned_end, c.end_date),
            else_=c.planned_end,
        )
        s_day = _daynum(c.start_date, d)
        e_day = func.coalesce(_daynum(last, d), _OPEN_DAY)
        conds: list[ColumnElement[bool]] = [c.start_date <= pend, e_day >= s_day]
        if not include_temporary:
            conds.append(c.kind.in_(sorted(k.value for k in REGISTERED_LIST_KINDS)))
        suffix = "all" if include_temporary else "list"
        spans = (
            select(c.patient_id.label("pid"), s_day.label("s"), e_day.label("e"))
            .where(*conds)
            .distinct()
            .subquery(f"spans_{suffix}")
        )
        order = (spans.c.s, spans.c.e)
        prev = func.max(spans.c.e).over(partition_by=spans.c.pid, order_by=order, rows=(None, -1))
        w1 = select(spans.c.pid, spans.c.s, spans.c.e, prev.label("prev")).subquery(f"prev_{suffix}")
        brk = case((or_(w1.c.prev.is_(None), w1.c.s > w1.c.prev + 1), 1), else_=0)
        island = func.sum(brk).over(partition_by=w1.c.pid, order_by=(w1.c.s, w1.c.e), rows=(None, 0))
        w2 = select(w1.c.pid, w1.c.s, w1.c.e, island.label("isl")).subquery(f"isl_{suffix}")
        return (
            select(w2.c.pid, func.min(w2.c.s).label("start_day"))
            .group_by(w2.c.pid, w2.c.isl)
            .having(func.max(w2.c.e) >= _days(pend))
            .subquery(f"reg_{suffix}")
        )

    def compile(self, ind_set: IndicatorSet, inds: Sequence[Indicator], period: Period) -> CompiledRun:
        plan = _Plan(inds, dict(ind_set.codelists), period, self.dialect)
        pend = period.end
        src = self.source

        # 0. Records linked as the same person: their rows count on the surviving record.
        link = self._temp(
            "ip_link",
            Column("patient_id", Integer, primary_key=True),
            Column("person_id", Integer),
        )
        self._fill(
            link,
            insert(link).from_select(
                ["patient_id", "person_id"],
                select(src.patient.c.id, src.patient.c.linked_to_id).where(src.patient.c.linked_to_id.is_not(None)),
            ),
        )
        self._link = link
        self._analyze(link)

        # 1. Continuous registration covering the period end: the registered list, and every kind.
        regs = self._temp(
            "ip_reg",
            Column("patient_id", Integer, primary_key=True),
            Column("reg_day", Integer),
            Column("reg_day_all", Integer),
        )
        reg_view = self._person(src.registration, "reg_rows")
        every = self._islands(reg_view, plan, include_temporary=True)
        listed = self._islands(self._person(src.registration, "reg_rows_list"), plan, include_temporary=False)
        self._fill(
            regs,
            insert(regs).from_select(
                ["patient_id", "reg_day", "reg_day_all"],
                select(every.c.pid, listed.c.start_day, every.c.start_day).select_from(
                    every.outerjoin(listed, listed.c.pid == every.c.pid)
                ),
            ),
        )
        self._analyze(regs)

        # 2. Active categories of registered people (every register needs an active flag).
        flags = self._person(src.flag, "flag_rows")
        cat = self._temp(
            "ip_cat",
            Column("patient_id", Integer, primary_key=True),
            Column("category", String(40), primary_key=True),
        )
        self._fill(
            cat,
            insert(cat).from_select(
                ["patient_id", "category"],
                select(flags.c.patient_id, flags.c.category)
                .where(active_on(flags, pend), flags.c.patient_id.in_(select(regs.c.patient_id)))
                .distinct(),
            ),
        )
        self._analyze(cat)

        band_whens = []
        for label, lo, _hi in AGE_BANDS[1:]:
            band_whens.append((src.patient.c.date_of_birth <= birthday_cutoff(pend, lo), label))
        band = case(*reversed(band_whens), else_=AGE_BANDS[0][0])
        base = self._temp(
            "ip_base",
            Column("patient_id", Integer, primary_key=True),
            Column("sex", String(10)),
            Column("date_of_birth", Date),
            Column("main_language", String(20)),
            Column("interpreter_needed", Boolean),
            Column("interpreter_mode", String(20)),
            Column("keyworker_name", String(200)),
            Column("reg_day", Integer),
            Column("reg_day_all", Integer),
            Column("age_band", String(8)),
        )
        self._fill(
            base,
            insert(base).from_select(
                [c.name for c in base.c],
                select(
                    src.patient.c.id,
                    src.patient.c.sex,
                    src.patient.c.date_of_birth,
                    src.patient.c.main_language,
                    src.patient.c.interpreter_needed,
                    src.patient.c.interpreter_mode,
                    src.patient.c.keyworker_name,
                    regs.c.reg_day,
                    regs.c.reg_day_all,
                    band,
                )
                .select_from(src.patient.join(regs, regs.c.patient_id == src.patient.c.id))
                .where(src.patient.c.linked_to_id.is_(None), src.patient.c.id.in_(select(cat.c.patient_id))),
            ),
        )
        self._analyze(base)

        events = self._person(src.clinical_event, "event_rows") if (plan.events or plan.latest or plan.anchors) else None
        anchor = self._anchors(plan, base, events)
        feat = self._features(plan, base, anchor, events)
        inv = self._invitations(plan, base)
        dna = self._dnas(plan, base)

        rows = self._temp(
            "ip_rows",
            Column("indicator_id", String(40), primary_key=True),
            Column("patient_id", Integer, primary_key=True),
            Column("num", Integer),
            Column("reason", String(20)),
            Column("events", Integer),
            Column("sex", String(10)),
            Column("age_band", String(8)),
        )
        for ind in inds:
            self._fill(
                rows,
                insert(rows).from_select(
                    [c.name for c in rows.c],
                    self._indicator_select(ind, plan, base, cat, feat, inv, dna),
                ),
            )
        return CompiledRun(
            steps=tuple(
                TempTable(tbl, tuple(self._fills[tbl.name]), tbl.name in self._analyzed)
                for tbl in self._order
            ),
            categories=cat,
            rows=rows,
        )

    def _anchors(self, plan: _Plan, base: Table, e: Subquery | None) -> Table | None:
        if not plan.anchors:
            return None
        assert e is not None
        cols = [Column("patient_id", Integer, primary_key=True)] + [
            Column(name, Integer) for name in plan.anchors.values()
        ]
        tbl = self._temp("ip_anchor", *cols)
        day = _daynum(e.c.event_date, plan.dialect)
        aggs = []
        for (kind, name), col in plan.anchors.items():
            expr = case((e.c.code.in_(plan.codes(name)), day))
            aggs.append((func.min(expr) if kind == "first" else func.max(expr)).label(col))
        all_codes = sorted({c for (_k, n) in plan.anchors for c in plan.codes(n)})
        self._fill(
            tbl,
            insert(tbl).from_select(
                [c.name for c in tbl.c],
                select(e.c.patient_id, *aggs)
                .select_from(e.join(base, base.c.patient_id == e.c.patient_id))
                .where(e.c.event_date <= plan.period.end, e.c.code.in_(all_codes))
                .group_by(e.c.patient_id),
            ),
        )
        self._analyze(tbl)
        return tbl

    @staticmethod
    def _reg_col(base: Table, temp: bool) -> Any:
        """The registration-start day number an indicator uses."""
        return base.c.reg_day_all if temp else base.c.reg_day

    def _window_cond(
        self, plan: _Plan, wkey: tuple[str, str, str, bool], date_col: Any, base: Table, anchor: Table | None
    ) -> ColumnElement[bool]:
        w = Window(anchor=wkey[0], start=wkey[1], end=wkey[2])
        if w.constant:
            lo, hi = plan.bounds(w)
            return and_(date_col >= lo, date_col <= hi)
        day = _daynum(date_col, plan.dialect)
        a_days, b_days = w.start_offset.days, w.end_offset.days
        if w.anchor == "registration_start":
            ref: Any = self._reg_col(base, wkey[3])
        else:
            assert anchor is not None and w.anchor_codelist is not None
            kind = w.anchor.partition(":")[0]
            ref = anchor.c[plan.anchors[(kind, w.anchor_codelist)]]
        return and_(ref.is_not(None), day - ref >= a_days, day - ref <= b_days)

    def _features(self, plan: _Plan, base: Table, anchor: Table | None, e: Subquery | None) -> Table | None:
        if not plan.events and not plan.latest:
            return None
        assert e is not None
        cols: list[Column[Any]] = [Column("patient_id", Integer, primary_key=True)]
        cols += [Column(name, Integer) for name in plan.events.values()]
        cols += [Column(name, Integer) for name in plan.latest.values()]
        cols += [Column(name, Integer) for name in plan.event_days.values()]
        tbl = self._temp("ip_feat", *cols)
        aggs: list[Any] = []
        all_codes: set[str] = set()
        matches: dict[tuple[Any, ...], ColumnElement[bool]] = {}
        for key, col in plan.events.items():
            name, wkey, lo_v, hi_v = key
            codes = plan.codes(name)
            all_codes.update(codes)
            conds = [e.c.code.in_(codes), self._window_cond(plan, wkey, e.c.event_date, base, anchor)]
            if lo_v is not None:
                conds.append(and_(e.c.value.is_not(None), e.c.value >= lo_v))
            if hi_v is not None:
                conds.append(and_(e.c.value.is_not(None), e.c.value <= hi_v))
            matches[key] = and_(*conds)
            # Days with such an event: two entries on one day are one event.
            aggs.append(func.count(func.distinct(case((matches[key], e.c.event_date)))).label(col))
        for (name, in_name, wkey), col in plan.latest.items():
            w = Window(anchor=wkey[0], start=wkey[1], end=wkey[2])
            codes = plan.codes(name)
            all_codes.update(codes)
            lo, hi = plan.bounds(w)
            score = _daynum(e.c.event_date, plan.dialect) * 2 + case(
                (e.c.code.in_(plan.codes(in_name)), 1), else_=0
            )
            aggs.append(
                func.max(
                    case((and_(e.c.code.in_(codes), e.c.event_date >= lo, e.c.event_date <= hi), score))
                ).label(col)
            )
        for dkey, col in plan.event_days.items():
            any_match = or_(*[matches[k] for k in dkey])
            aggs.append(func.count(func.distinct(case((any_match, e.c.event_date)))).label(col))
        frm: Any = e.join(base, base.c.patient_id == e.c.patient_id)
        if anchor is not None:
            frm = frm.outerjoin(anchor, anchor.c.patient_id == e.c.patient_id)
        self._fill(
            tbl,
            insert(tbl).from_select(
                [c.name for c in tbl.c],
                select(e.c.patient_id, *aggs)
                .select_from(frm)
                .where(e.c.event_date <= plan.period.end, e.c.code.in_(sorted(all_codes)))
                .group_by(e.c.patient_id),
            ),
        )
        self._analyze(tbl)
        return tbl

    def _invitations(self, plan: _Plan, base: Table) -> Table | None:
        if not plan.invites:
            return None
        cols: list[Column[Any]] = [Column("patient_id", Integer, primary_key=True)]
        for col in plan.invites.values():
            cols += [Column(f"{col}_n", Integer), Column(f"{col}_lo", Integer), Column(f"{col}_hi", Integer)]
        tbl = self._temp("ip_inv", *cols)
        v = self._person(self.source.invitation, "invitation_rows")
        day = _daynum(v.c.sent_on, plan.dialect)
        aggs: list[Any] = []
        for (topic, wkey), col in plan.invites.items():
            lo, hi = plan.bounds(Window(anchor=wkey[0], start=wkey[1], end=wkey[2]))
            cond = and_(v.c.topic == topic, v.c.sent_on >= lo, v.c.sent_on <= hi)
            aggs += [
                func.sum(case((cond, 1), else_=0)).label(f"{col}_n"),
                func.min(case((cond, day))).label(f"{col}_lo"),
                func.max(case((cond, day))).label(f"{col}_hi"),
            ]
        self._fill(
            tbl,
            insert(tbl).from_select(
                [c.name for c in tbl.c],
                select(v.c.patient_id, *aggs)
                .select_from(v.join(base, base.c.patient_id == v.c.patient_id))
                .where(v.c.sent_on <= plan.period.end, v.c.topic.in_(sorted({k[0] for k in plan.invites})))
                .group_by(v.c.patient_id),
            ),
        )
        self._analyze(tbl)
        return tbl

    def _dnas(self, plan: _Plan, base: Table) -> Table | None:
        if not plan.dnas:
            return None
        cols: list[Column[Any]] = [Column("patient_id", Integer, primary_key=True)]
        for col in plan.dnas.values():
            cols += [Column(f"{col}_n", Integer), Column(f"{col}_miss", Integer)]
        tbl = self._temp("ip_dna", *cols)
        d_t, a_t = self._person(self.source.dna_event, "dna_rows"), self.source.dna_action
        dialect = plan.dialect
        d_day = _daynum(d_t.c.occurred_at, dialect, is_datetime=True)
        aggs: list[Any] = []
        frm: Any = d_t.join(base, base.c.patient_id == d_t.c.patient_id)
        for (wkey, within, actions), col in plan.dnas.items():
            lo, hi = plan.bounds(Window(anchor=wkey[0], start=wkey[1], end=wkey[2]))
            in_window = and_(d_day >= _days(lo), d_day <= _days(hi))
            aggs.append(func.sum(case((in_window, 1), else_=0)).label(f"{col}_n"))
            if within is None:
                aggs.append(literal(0).label(f"{col}_miss"))
                continue
            # DNAs with a timely outreach action: a join, not a correlated subquery, so it stays
            # linear without an index on dna_action.dna_event_id.
            d2 = self.source.dna_event.alias(f"{col}_dna")
            a_day = _daynum(a_t.c.done_at, dialect, is_datetime=True)
            d2_day = _daynum(d2.c.occurred_at, dialect, is_datetime=True)
            followed = (
                select(a_t.c.dna_event_id.label("dna_id"))
                .select_from(a_t.join(d2, d2.c.id == a_t.c.dna_event_id))
                .where(
                    a_t.c.status == "done",
                    a_t.c.action.in_(list(actions)),
                    a_t.c.done_at.is_not(None),
                    a_day - d2_day >= 0,
                    a_day - d2_day <= within,
                    a_day <= _days(plan.period.end),
                )
                .distinct()
                .subquery(f"{col}_fu")
            )
            frm = frm.outerjoin(followed, followed.c.dna_id == d_t.c.id)
            aggs.append(
                func.sum(case((and_(in_window, followed.c.dna_id.is_(None)), 1), else_=0)).label(f"{col}_miss")
            )
        self._fill(
            tbl,
            insert(tbl).from_select(
                [c.name for c in tbl.c],
                select(d_t.c.patient_id, *aggs)
                .select_from(frm)
                .where(d_t.c.voided_at.is_(None), d_day <= _days(plan.period.end))
                .group_by(d_t.c.patient_id),
            ),
        )
        self._analyze(tbl)
        return tbl

    @staticmethod
    def _attribute(c: AttributeCriterion, base: Table) -> ColumnElement[bool]:
        """As the in-memory evaluator: a value of spaces only is not recorded, and language tags
        compare case-insensitively (BCP 47)."""
        fcol: Any = base.c[c.field]
        if c.field == "interpreter_needed":
            if c.op == "present":
                return _truth(fcol.is_not(None))
            return _truth(fcol == c.value if c.op == "eq" else fcol != c.value)
        recorded = and_(fcol.is_not(None), func.trim(fcol) != "")
        value: Any = c.value
        if c.field == "main_language":
            fcol = func.lower(fcol)
            value = [v.lower() for v in value] if isinstance(value, list) else (
                value.lower() if isinstance(value, str) else value)
        if c.op == "present":
            cond: ColumnElement[bool] = recorded
        elif c.op == "absent":
            cond = or_(fcol.is_(None), func.trim(base.c[c.field]) == "")
        elif c.op == "eq":
            cond = and_(recorded, fcol == value)
        elif c.op == "ne":
            cond = and_(recorded, fcol != value)
        elif c.op == "in":
            cond = and_(recorded, fcol.in_(value if isinstance(value, list) else []))
        else:
            cond = and_(recorded, fcol.not_in(value if isinstance(value, list) else []))
        return _truth(cond)

    def _criterion(
        self,
        c: Any,
        plan: _Plan,
        base: Table,
        feat: Table | None,
        dna: Table | None,
        temp: bool,
    ) -> ColumnElement[bool]:
        if isinstance(c, EventCriterion):
            assert feat is not None
            col = feat.c[plan.event_col(c, temp)]
            return _truth(func.coalesce(col, 0) >= c.min_count)
        if isinstance(c, LatestEventCriterion):
            assert feat is not None
            col = feat.c[plan.latest[(c.codelist, c.in_codelist, plan._wkey(c.window))]]
            return _truth(and_(col.is_not(None), col % 2 == 1))
        if isinstance(c, AttributeCriterion):
            return self._attribute(c, base)
        if isinstance(c, DnaCriterion):
            assert dna is not None
            dcol = plan.dnas[(plan._wkey(c.window), c.followed_up_within_days, tuple(c.actions))]
            if c.followed_up_within_days is None:
                return _truth(func.coalesce(dna.c[f"{dcol}_n"], 0) > 0)
            return _truth(func.coalesce(dna.c[f"{dcol}_miss"], 0) == 0)
        if isinstance(c, RegisteredInCriterion):
            lo, hi = plan.bounds(c.window)
            reg = self._reg_col(base, temp)
            return _truth(and_(reg >= _days(lo), reg <= _days(hi)))
        raise TypeError(type(c))

    def _invitation_cond(self, inv: Invitations, plan: _Plan, base: Table, tbl: Table) -> ColumnElement[bool]:
        col = plan.invites[(inv.topic, plan._wkey(inv.window))]
        n, lo_c, hi_c = tbl.c[f"{col}_n"], tbl.c[f"{col}_lo"], tbl.c[f"{col}_hi"]
        if inv.count == 1:
            return _truth(func.coalesce(n, 0) >= 1)
        if inv.count == 2:
            return _truth(and_(lo_c.is_not(None), hi_c - lo_c >= inv.min_gap_days))
        # Three at least g apart exist exactly when some middle one is g after the first and g
        # before the last.
        m = self._person(self.source.invitation, "m")
        lo, hi = plan.bounds(inv.window)
        m_day = _daynum(m.c.sent_on, plan.dialect)
        return _truth(
            and_(
                lo_c.is_not(None),
                exists(
                    select(literal(1)).where(
                        m.c.patient_id == base.c.patient_id,
                        m.c.topic == inv.topic,
                        m.c.sent_on >= lo,
                        m.c.sent_on <= hi,
                        m_day - lo_c >= inv.min_gap_days,
                        hi_c - m_day >= inv.min_gap_days,
                    )
                ),
            )
        )

    def _indicator_select(
        self,
        ind: Indicator,
        plan: _Plan,
        base: Table,
        cat: Table,
        feat: Table | None,
        inv: Table | None,
        dna: Table | None,
    ) -> Any:
        pend = plan.period.end
        temp = ind.population.include_temporary
        reg = self._reg_col(base, temp)
        where: list[ColumnElement[bool]] = [reg.is_not(None)]
        cats = ind.population.categories
        cat_cond = cat.c.patient_id == base.c.patient_id
        if cats != "any":
            cat_cond = and_(cat_cond, cat.c.category.in_(list(cats)))
        where.append(exists(select(literal(1)).where(cat_cond)))
        if ind.population.min_registration_days:
            where.append(reg <= _days(pend) - ind.population.min_registration_days)
        if ind.denominator.min_age is not None:
            where.append(base.c.date_of_birth <= birthday_cutoff(pend, ind.denominator.min_age))
        if ind.denominator.max_age is not None:
            where.append(base.c.date_of_birth > birthday_cutoff(pend, ind.denominator.max_age + 1))
        for r in ind.denominator.rules:
            where.append(self._criterion(r, plan, base, feat, dna, temp))

        events_expr: ColumnElement[Any] = literal(0)
        if ind.kind == "register":
            num: ColumnElement[bool] = literal(True)
            num_int: ColumnElement[Any] = literal(1)
        else:
            assert ind.numerator is not None
            parts = [self._criterion(c, plan, base, feat, dna, temp) for c in ind.numerator.criteria]
            num = and_(*parts) if ind.numerator.require == "all" else or_(*parts)
            num_int = case((num, 1), else_=0)
            dkey = plan.days_key(ind)
            if dkey and feat is not None:
                events_expr = case((num, func.coalesce(feat.c[plan.event_days[dkey]], 0)), else_=0)

        whens: list[tuple[ColumnElement[bool], str]] = []
        exc = ind.exceptions
        if exc.exclusions:
            whens.append((
                or_(*[self._criterion(c, plan, base, feat, dna, temp) for c in exc.exclusions]), "excluded"
            ))
        for why, names in (("unsuitable", exc.unsuitable), ("declined", exc.declined)):
            if names and feat is not None:
                conds = [
                    func.coalesce(feat.c[plan.events[(n, plan._wkey(exc.window), None, None)]], 0) > 0
                    for n in names
                ]
                whens.append((_truth(or_(*conds)), why))
        if exc.invitations is not None and inv is not None:
            whens.append((self._invitation_cond(exc.invitations, plan, base, inv), "no_response"))
        reason: ColumnElement[Any]
        if whens and ind.kind != "register":
            reason = case((num, None), *whens, else_=None)
        else:
            reason = literal(None, String)

        frm: Any = base
        for tbl in (feat, inv, dna):
            if tbl is not None:
                frm = frm.outerjoin(tbl, tbl.c.patient_id == base.c.patient_id)
        return (
            select(
                literal(ind.id, String),
                base.c.patient_id,
                num_int,
                reason,
                events_expr,
                base.c.sex,
                base.c.age_band,
            )
            .select_from(frm)
            .where(*where)
        )
