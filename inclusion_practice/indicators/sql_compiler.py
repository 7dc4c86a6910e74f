"""The SQL compiler: turns an indicator set and a period into set-based SQL (SQLAlchemy Core).

It only builds statements, against the tables of an :class:`IndicatorSource` (storage's view of
what the indicators read); :class:`~inclusion_practice.indicators.sql_engine.SqlEngine` runs them.
The plan, per run:

1. ``ip_base``: patients registered on the period end, with their registration start, sex and
   age band (ages are compared as constant birthday cut-offs, never computed per row).
2. ``ip_cat``: inclusion-health categories active on the period end.
3. ``ip_feat``: ONE pass over ``clinical_event`` with conditional aggregates — one column per
   distinct (code list, window, value range) the set uses, plus "latest status" columns.
   Per-patient windows (registration start, another event) use day numbers, so SQLite and
   PostgreSQL do the same integer arithmetic.
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

from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.qof import AGE_BANDS, birthday_cutoff
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
from inclusion_practice.storage.indicator_source import IndicatorSource

_EPOCH = dt.date(2000, 1, 1)
_EPOCH_JULIAN = 2451544  # int(julianday('2000-01-01'))


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
        for ind in self.indicators:
            for c in ind.all_criteria():
                self._collect(c)
            exc = ind.exceptions
            for name in (*exc.declined, *exc.unsuitable):
                self._event_key(name, exc.window, None, None)
            if exc.invitations is not None:
                self._inv_key(exc.invitations)

    @staticmethod
    def _wkey(w: Window) -> tuple[str, str, str]:
        return (w.anchor, w.start, w.end)

    def _event_key(self, name: str, w: Window, lo: float | None, hi: float | None) -> str:
        key = (name, self._wkey(w), lo, hi)
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

    def _collect(self, c: Any) -> None:
        if isinstance(c, EventCriterion):
            self._event_key(c.codelist, c.window, c.min_value, c.max_value)
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

    def _temp(self, name: str, *cols: Column[Any]) -> Table:
        tbl = Table(name, self._md, *cols, prefixes=["TEMPORARY"])
        self._order.append(tbl)
        self._fills[name] = []
        return tbl

    def _fill(self, tbl: Table, stmt: Insert) -> None:
        self._fills[tbl.name].append(stmt)

    def _analyze(self, tbl: Table) -> None:
        self._analyzed.add(tbl.name)

    def compile(self, ind_set: IndicatorSet, inds: Sequence[Indicator], period: Period) -> CompiledRun:
        plan = _Plan(inds, dict(ind_set.codelists), period, self.dialect)
        d = self.dialect
        pend = period.end
        src = self.source

        # Registered on the period end.
        active_reg = active_on(src.registration, pend)
        reg = (
            select(src.registration.c.patient_id, func.max(src.registration.c.start_date).label("reg_start"))
            .where(active_reg)
            .group_by(src.registration.c.patient_id)
            .subquery("reg")
        )
        # 1. active categories of registered patients (every register needs an active flag).
        cat = self._temp(
            "ip_cat",
            Column("patient_id", Integer, primary_key=True),
            Column("category", String(40), primary_key=True),
        )
        self._fill(
            cat,
            insert(cat).from_select(
                ["patient_id", "category"],
                select(src.flag.c.patient_id, src.flag.c.category)
                .where(
                    active_on(src.flag, pend),
                    src.flag.c.patient_id.in_(select(reg.c.patient_id)),
                )
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
            Column("reg_start", Date),
            Column("reg_day", Integer),
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
                    reg.c.reg_start,
                    _daynum(reg.c.reg_start, d),
                    band,
                )
                .select_from(src.patient.join(reg, reg.c.patient_id == src.patient.c.id))
                .where(src.patient.c.id.in_(select(cat.c.patient_id))),
            ),
        )
        self._analyze(base)

        anchor = self._anchors(plan, base)
        feat = self._features(plan, base, anchor)
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

    def _anchors(self, plan: _Plan, base: Table) -> Table | None:
        if not plan.anchors:
            return None
        cols = [Column("patient_id", Integer, primary_key=True)] + [
            Column(name, Integer) for name in plan.anchors.values()
        ]
        tbl = self._temp("ip_anchor", *cols)
        e = self.source.clinical_event
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

    def _window_cond(
        self, plan: _Plan, w: Window, date_col: Any, base: Table, anchor: Table | None
    ) -> ColumnElement[bool]:
        if w.constant:
            lo, hi = plan.bounds(w)
            return and_(date_col >= lo, date_col <= hi)
        day = _daynum(date_col, plan.dialect)
        a_days, b_days = w.start_offset.days, w.end_offset.days
        if w.anchor == "registration_start":
            ref: Any = base.c.reg_day
        else:
            assert anchor is not None and w.anchor_codelist is not None
            kind = w.anchor.partition(":")[0]
            ref = anchor.c[plan.anchors[(kind, w.anchor_codelist)]]
        return and_(ref.is_not(None), day - ref >= a_days, day - ref <= b_days)

    def _features(self, plan: _Plan, base: Table, anchor: Table | None) -> Table | None:
        if not plan.events and not plan.latest:
            return None
        cols: list[Column[Any]] = [Column("patient_id", Integer, primary_key=True)]
        cols += [Column(name, Integer) for name in plan.events.values()]
        cols += [Column(name, Integer) for name in plan.latest.values()]
        tbl = self._temp("ip_feat", *cols)
        e = self.source.clinical_event
        aggs: list[Any] = []
        all_codes: set[str] = set()
        for (name, wkey, lo_v, hi_v), col in plan.events.items():
            w = Window(anchor=wkey[0], start=wkey[1], end=wkey[2])
            codes = plan.codes(name)
            all_codes.update(codes)
            conds = [e.c.code.in_(codes), self._window_cond(plan, w, e.c.event_date, base, anchor)]
            if lo_v is not None:
                conds.append(and_(e.c.value.is_not(None), e.c.value >= lo_v))
            if hi_v is not None:
                conds.append(and_(e.c.value.is_not(None), e.c.value <= hi_v))
            aggs.append(func.sum(case((and_(*conds), 1), else_=0)).label(col))
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
        v = self.source.invitation
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
        d_t, a_t = self.source.dna_event, self.source.dna_action
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
            d2 = d_t.alias(f"{col}_dna")
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

    def _criterion(
        self,
        c: Any,
        plan: _Plan,
        base: Table,
        feat: Table | None,
        dna: Table | None,
    ) -> ColumnElement[bool]:
        if isinstance(c, EventCriterion):
            assert feat is not None
            col = feat.c[plan.events[(c.codelist, plan._wkey(c.window), c.min_value, c.max_value)]]
            return _truth(func.coalesce(col, 0) >= c.min_count)
        if isinstance(c, LatestEventCriterion):
            assert feat is not None
            col = feat.c[plan.latest[(c.codelist, c.in_codelist, plan._wkey(c.window))]]
            return _truth(and_(col.is_not(None), col % 2 == 1))
        if isinstance(c, AttributeCriterion):
            fcol = base.c[c.field]
            if c.op == "present":
                cond = and_(fcol.is_not(None), fcol != "") if c.field != "interpreter_needed" else fcol.is_not(None)
            elif c.op == "absent":
                cond = or_(fcol.is_(None), fcol == "")
            elif c.op == "eq":
                cond = and_(fcol != "", fcol == c.value) if isinstance(c.value, str) else fcol == c.value
            elif c.op == "ne":
                cond = and_(fcol != "", fcol != c.value) if isinstance(c.value, str) else fcol != c.value
            elif c.op == "in":
                cond = and_(fcol != "", fcol.in_(c.value if isinstance(c.value, list) else []))
            else:
                cond = and_(fcol != "", fcol.not_in(c.value if isinstance(c.value, list) else []))
            return _truth(cond)
        if isinstance(c, DnaCriterion):
            assert dna is not None
            dcol = plan.dnas[(plan._wkey(c.window), c.followed_up_within_days, tuple(c.actions))]
            if c.followed_up_within_days is None:
                return _truth(func.coalesce(dna.c[f"{dcol}_n"], 0) > 0)
            return _truth(func.coalesce(dna.c[f"{dcol}_miss"], 0) == 0)
        if isinstance(c, RegisteredInCriterion):
            lo, hi = plan.bounds(c.window)
            return _truth(and_(base.c.reg_start >= lo, base.c.reg_start <= hi))
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
        m = self.source.invitation.alias("m")
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
        where: list[ColumnElement[bool]] = []
        cats = ind.population.categories
        cat_cond = cat.c.patient_id == base.c.patient_id
        if cats != "any":
            cat_cond = and_(cat_cond, cat.c.category.in_(list(cats)))
        where.append(exists(select(literal(1)).where(cat_cond)))
        if ind.population.min_registration_days:
            where.append(base.c.reg_start <= pend - dt.timedelta(days=ind.population.min_registration_days))
        if ind.denominator.min_age is not None:
            where.append(base.c.date_of_birth <= birthday_cutoff(pend, ind.denominator.min_age))
        if ind.denominator.max_age is not None:
            where.append(base.c.date_of_birth > birthday_cutoff(pend, ind.denominator.max_age + 1))
        for r in ind.denominator.rules:
            where.append(self._criterion(r, plan, base, feat, dna))

        events_expr: ColumnElement[Any] = literal(0)
        if ind.kind == "register":
            num: ColumnElement[bool] = literal(True)
            num_int: ColumnElement[Any] = literal(1)
        else:
            assert ind.numerator is not None
            parts = [self._criterion(c, plan, base, feat, dna) for c in ind.numerator.criteria]
            num = and_(*parts) if ind.numerator.require == "all" else or_(*parts)
            num_int = case((num, 1), else_=0)
            counted: list[ColumnElement[Any]] = [
                func.coalesce(feat.c[plan.events[(c.codelist, plan._wkey(c.window), c.min_value, c.max_value)]], 0)
                for c in ind.numerator.criteria
                if isinstance(c, EventCriterion) and feat is not None
            ]
            if counted:
                total = counted[0]
                for extra in counted[1:]:
                    total = total + extra
                events_expr = case((num, total), else_=0)

        whens: list[tuple[ColumnElement[bool], str]] = []
        exc = ind.exceptions
        if exc.exclusions:
            whens.append((or_(*[self._criterion(c, plan, base, feat, dna) for c in exc.exclusions]), "excluded"))
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
