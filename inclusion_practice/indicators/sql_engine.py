"""The SQL engine: compiles a whole indicator set into set-based SQL (SQLAlchemy Core).

A storage-side adapter, so Core statements live here. The plan, per run, on one connection:

1. ``ip_base``: patients registered on the period end, with their registration start, sex and
   age band (ages are compared as constant birthday cut-offs, never computed per row).
2. ``ip_cat``: inclusion-health categories active on the period end.
3. ``ip_feat``: ONE pass over ``clinical_event`` with conditional aggregates — one column per
   distinct (code list, window, value range) the set uses, plus "latest status" columns.
   Per-patient windows (registration start, another event) use day numbers, so SQLite and
   PostgreSQL do the same integer arithmetic.
4. ``ip_inv`` and ``ip_dna``: the same for invitations and missed appointments.
5. ``ip_rows``: one row per indicator per denominator patient (numerator 0/1, exception
   reason, event count), then two GROUP BYs give totals and strata.

Temporary tables vanish with the transaction, which is always rolled back: running indicators
never writes to the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
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
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.qof import AGE_BANDS, Counts, birthday_cutoff
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
from inclusion_practice.indicators.records import (
    DnaActionRow,
    DnaRow,
    EventRow,
    FlagRow,
    InvitationRow,
    PatientHistory,
    RegistrationRow,
)
from inclusion_practice.indicators.results import IndicatorTally, PatientOutcome
from inclusion_practice.storage import tables as t
from inclusion_practice.storage.active import active_on

_patient = t.Patient.__table__  # type: ignore[attr-defined]
_registration = t.Registration.__table__  # type: ignore[attr-defined]
_flag = t.Flag.__table__  # type: ignore[attr-defined]
_event = t.ClinicalEvent.__table__  # type: ignore[attr-defined]
_invitation = t.Invitation.__table__  # type: ignore[attr-defined]
_dna = t.DnaEvent.__table__  # type: ignore[attr-defined]
_dna_action = t.DnaAction.__table__  # type: ignore[attr-defined]

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


@dataclass(frozen=True)
class _Feature:
    column: str
    kind: str
    spec: Any


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


class SqlEngine:
    """Runs indicator sets in the database. ``conn`` is any SQLAlchemy connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self._md = MetaData()

    # ------------------------------------------------------------------ public API

    def run(self, ind_set: IndicatorSet, period: Period, indicator_ids: Iterable[str] | None = None) -> dict[str, IndicatorTally]:
        """Tallies (A, B, C, strata) for the set's indicators."""
        wanted = set(indicator_ids) if indicator_ids is not None else None
        inds = [i for i in ind_set.indicators if wanted is None or i.id in wanted]
        with self._session():
            rows = self._build(ind_set, inds, period)
            return self._tallies(rows, inds)

    def outcomes(self, ind_set: IndicatorSet, indicator_id: str, period: Period) -> list[PatientOutcome]:
        """Every denominator patient of one indicator, in patient id order."""
        ind = ind_set.get(indicator_id)
        if ind is None:
            raise KeyError(indicator_id)
        return self.all_outcomes(ind_set, period, [ind.id])[ind.id]

    def all_outcomes(
        self, ind_set: IndicatorSet, period: Period, indicator_ids: Iterable[str] | None = None
    ) -> dict[str, list[PatientOutcome]]:
        """Per-patient outcomes of several indicators from one compiled run."""
        wanted = set(indicator_ids) if indicator_ids is not None else None
        inds = [i for i in ind_set.indicators if wanted is None or i.id in wanted]
        with self._session():
            rows = self._build(ind_set, inds, period)
            cats: dict[int, list[str]] = {}
            cat_t = self._tables["ip_cat"]
            for pid, cat in self.conn.execute(
                select(cat_t.c.patient_id, cat_t.c.category).order_by(cat_t.c.patient_id, cat_t.c.category)
            ):
                cats.setdefault(pid, []).append(cat)
            out: dict[str, list[PatientOutcome]] = {i.id: [] for i in inds}
            for r in self.conn.execute(select(rows).order_by(rows.c.indicator_id, rows.c.patient_id)):
                out[r.indicator_id].append(
                    PatientOutcome(
                        patient_id=r.patient_id,
                        numerator=bool(r.num),
                        exception=r.reason,
                        events=int(r.events or 0),
                        sex=r.sex,
                        age_band=r.age_band,
                        categories=tuple(cats.get(r.patient_id, ())),
                    )
                )
            return out

    # ------------------------------------------------------------------ plumbing

    class _Session:
        def __init__(self, engine: SqlEngine) -> None:
            self.engine = engine
            self.trans: Any = None

        def __enter__(self) -> None:
            conn = self.engine.conn
            self.trans = conn.begin_nested() if conn.in_transaction() else conn.begin()
            self.engine._tables = {}

        def __exit__(self, *exc: object) -> None:
            # Rolling back drops the temporary tables too (DDL is transactional on both).
            self.trans.rollback()
            self.engine._md = MetaData()
            self.engine._tables = {}

    def _session(self) -> SqlEngine._Session:
        return SqlEngine._Session(self)

    _tables: dict[str, Table]

    def _temp(self, name: str, *cols: Column[Any]) -> Table:
        tbl = Table(name, self._md, *cols, prefixes=["TEMPORARY"])
        self.conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
        tbl.create(self.conn)
        self._tables[name] = tbl
        return tbl

    def _analyze(self, tbl: Table) -> None:
        """PostgreSQL never auto-analyzes temporary tables; without statistics it guesses badly."""
        if self.dialect == "postgresql":
            self.conn.execute(text(f"ANALYZE {tbl.name}"))

    # ------------------------------------------------------------------ compilation

    def _build(self, ind_set: IndicatorSet, inds: Sequence[Indicator], period: Period) -> Table:
        plan = _Plan(inds, dict(ind_set.codelists), period, self.dialect)
        d = self.dialect
        pend = period.end

        # Registered on the period end.
        active_reg = active_on(_registration, pend)
        reg = (
            select(_registration.c.patient_id, func.max(_registration.c.start_date).label("reg_start"))
            .where(active_reg)
            .group_by(_registration.c.patient_id)
            .subquery("reg")
        )
        # 1. active categories of registered patients (every register needs an active flag).
        cat = self._temp(
            "ip_cat",
            Column("patient_id", Integer, primary_key=True),
            Column("category", String(40), primary_key=True),
        )
        self.conn.execute(
            insert(cat).from_select(
                ["patient_id", "category"],
                select(_flag.c.patient_id, _flag.c.category)
                .where(
                    active_on(_flag, pend),
                    _flag.c.patient_id.in_(select(reg.c.patient_id)),
                )
                .distinct(),
            )
        )
        self._analyze(cat)

        band_whens = []
        for label, lo, _hi in AGE_BANDS[1:]:
            band_whens.append((_patient.c.date_of_birth <= birthday_cutoff(pend, lo), label))
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
        self.conn.execute(
            insert(base).from_select(
                [c.name for c in base.c],
                select(
                    _patient.c.id,
                    _patient.c.sex,
                    _patient.c.date_of_birth,
                    _patient.c.main_language,
                    _patient.c.interpreter_needed,
                    _patient.c.interpreter_mode,
                    _patient.c.keyworker_name,
                    reg.c.reg_start,
                    _daynum(reg.c.reg_start, d),
                    band,
                )
                .select_from(_patient.join(reg, reg.c.patient_id == _patient.c.id))
                .where(_patient.c.id.in_(select(cat.c.patient_id))),
            )
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
            self.conn.execute(
                insert(rows).from_select(
                    [c.name for c in rows.c],
                    self._indicator_select(ind, plan, base, cat, feat, inv, dna),
                )
            )
        return rows

    def _anchors(self, plan: _Plan, base: Table) -> Table | None:
        if not plan.anchors:
            return None
        cols = [Column("patient_id", Integer, primary_key=True)] + [
            Column(name, Integer) for name in plan.anchors.values()
        ]
        tbl = self._temp("ip_anchor", *cols)
        e = _event
        day = _daynum(e.c.event_date, plan.dialect)
        aggs = []
        for (kind, name), col in plan.anchors.items():
            expr = case((e.c.code.in_(plan.codes(name)), day))
            aggs.append((func.min(expr) if kind == "first" else func.max(expr)).label(col))
        all_codes = sorted({c for (_k, n) in plan.anchors for c in plan.codes(n)})
        self.conn.execute(
            insert(tbl).from_select(
                [c.name for c in tbl.c],
                select(e.c.patient_id, *aggs)
                .select_from(e.join(base, base.c.patient_id == e.c.patient_id))
                .where(e.c.event_date <= plan.period.end, e.c.code.in_(all_codes))
                .group_by(e.c.patient_id),
            )
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
        e = _event
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
        self.conn.execute(
            insert(tbl).from_select(
                [c.name for c in tbl.c],
                select(e.c.patient_id, *aggs)
                .select_from(frm)
                .where(e.c.event_date <= plan.period.end, e.c.code.in_(sorted(all_codes)))
                .group_by(e.c.patient_id),
            )
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
        v = _invitation
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
        self.conn.execute(
            insert(tbl).from_select(
                [c.name for c in tbl.c],
                select(v.c.patient_id, *aggs)
                .select_from(v.join(base, base.c.patient_id == v.c.patient_id))
                .where(v.c.sent_on <= plan.period.end, v.c.topic.in_(sorted({k[0] for k in plan.invites})))
                .group_by(v.c.patient_id),
            )
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
        d_t, a_t = _dna, _dna_action
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
        self.conn.execute(
            insert(tbl).from_select(
                [c.name for c in tbl.c],
                select(d_t.c.patient_id, *aggs)
                .select_from(frm)
                .where(d_t.c.voided_at.is_(None), d_day <= _days(plan.period.end))
                .group_by(d_t.c.patient_id),
            )
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
        m = _invitation.alias("m")
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

    def _tallies(self, rows: Table, inds: Sequence[Indicator]) -> dict[str, IndicatorTally]:
        exc_count = func.sum(case((rows.c.reason.is_not(None), 1), else_=0))
        aggs = (func.count(), func.sum(rows.c.num), exc_count, func.sum(rows.c.events))
        by_sex: dict[str, dict[str, Counts]] = {i.id: {} for i in inds}
        by_age: dict[str, dict[str, Counts]] = {i.id: {} for i in inds}
        by_cat: dict[str, dict[str, Counts]] = {i.id: {} for i in inds}
        totals: dict[str, Counts] = {i.id: Counts() for i in inds}
        for r in self.conn.execute(
            select(rows.c.indicator_id, rows.c.sex, rows.c.age_band, *aggs).group_by(
                rows.c.indicator_id, rows.c.sex, rows.c.age_band
            )
        ):
            c = Counts(int(r[4] or 0), int(r[3]), int(r[5] or 0), int(r[6] or 0))
            iid = r[0]
            totals[iid] = totals[iid] + c
            by_sex[iid][r[1]] = by_sex[iid].get(r[1], Counts()) + c
            by_age[iid][r[2]] = by_age[iid].get(r[2], Counts()) + c
        cat = self._tables["ip_cat"]
        for r in self.conn.execute(
            select(rows.c.indicator_id, cat.c.category, *aggs)
            .select_from(rows.join(cat, cat.c.patient_id == rows.c.patient_id))
            .group_by(rows.c.indicator_id, cat.c.category)
        ):
            by_cat[r[0]][r[1]] = Counts(int(r[3] or 0), int(r[2]), int(r[4] or 0), int(r[5] or 0))
        return {
            i.id: IndicatorTally(i.id, totals[i.id], by_sex[i.id], by_age[i.id], by_cat[i.id])
            for i in inds
        }


# ---------------------------------------------------------------------- loading records


def load_records(conn: Connection, patient_ids: Sequence[int] | None = None) -> list[PatientHistory]:
    """Patients with everything the indicators read, for the in-memory evaluator and explain."""
    ids = list(patient_ids) if patient_ids is not None else None

    def scoped(stmt: Any, col: Any) -> list[Any]:
        if ids is None:
            return list(conn.execute(stmt))
        out: list[Any] = []
        for i in range(0, len(ids), 500):
            out.extend(conn.execute(stmt.where(col.in_(ids[i : i + 500]))))
        return out

    regs: dict[int, list[RegistrationRow]] = {}
    for r in scoped(select(_registration.c.patient_id, _registration.c.start_date, _registration.c.end_date,
                           _registration.c.planned_end, _registration.c.kind), _registration.c.patient_id):
        regs.setdefault(r[0], []).append(RegistrationRow(r[1], r[2], r[3], r[4]))
    flags: dict[int, list[FlagRow]] = {}
    for r in scoped(select(_flag.c.patient_id, _flag.c.category, _flag.c.start_date, _flag.c.end_date,
                           _flag.c.subcategory), _flag.c.patient_id):
        flags.setdefault(r[0], []).append(FlagRow(r[1], r[2], r[3], r[4]))
    events: dict[int, list[EventRow]] = {}
    for r in scoped(select(_event.c.patient_id, _event.c.code, _event.c.event_date, _event.c.value),
                    _event.c.patient_id):
        events.setdefault(r[0], []).append(EventRow(r[1], r[2], r[3]))
    invites: dict[int, list[InvitationRow]] = {}
    for r in scoped(select(_invitation.c.patient_id, _invitation.c.topic, _invitation.c.sent_on),
                    _invitation.c.patient_id):
        invites.setdefault(r[0], []).append(InvitationRow(r[1], r[2]))
    actions: dict[int, list[DnaActionRow]] = {}
    for r in scoped(select(_dna_action.c.patient_id, _dna_action.c.dna_event_id, _dna_action.c.action,
                           _dna_action.c.status, _dna_action.c.done_at), _dna_action.c.patient_id):
        actions.setdefault(r[1], []).append(DnaActionRow(r[2], r[3], r[4]))
    dnas: dict[int, list[DnaRow]] = {}
    for r in scoped(select(_dna.c.patient_id, _dna.c.id, _dna.c.occurred_at, _dna.c.voided_at),
                    _dna.c.patient_id):
        dnas.setdefault(r[0], []).append(DnaRow(r[2], r[3], tuple(actions.get(r[1], ()))))
    out = []
    for r in scoped(
        select(_patient.c.id, _patient.c.date_of_birth, _patient.c.sex, _patient.c.main_language,
               _patient.c.interpreter_needed, _patient.c.interpreter_mode, _patient.c.keyworker_name),
        _patient.c.id,
    ):
        pid = r[0]
        out.append(
            PatientHistory(
                id=pid,
                date_of_birth=r[1],
                sex=r[2],
                main_language=r[3],
                interpreter_needed=bool(r[4]),
                interpreter_mode=r[5],
                keyworker_name=r[6],
                registrations=tuple(regs.get(pid, ())),
                flags=tuple(flags.get(pid, ())),
                events=tuple(events.get(pid, ())),
                invitations=tuple(invites.get(pid, ())),
                dnas=tuple(dnas.get(pid, ())),
            )
        )
    return sorted(out, key=lambda p: p.id)



def registered_count(conn: Connection, day: dt.date) -> int:
    """Patients registered on ``day`` (the list size for the QOF list-size index)."""
    r = _registration
    stmt = select(func.count(func.distinct(r.c.patient_id))).where(active_on(r, day))
    return int(conn.execute(stmt).scalar_one())


def patient_names(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """Display names for worklists."""
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        stmt = select(_patient.c.id, _patient.c.given_name, _patient.c.family_name).where(
            _patient.c.id.in_(list(ids[i : i + 500]))
        )
        for pid, given, family in conn.execute(stmt):
            out[pid] = f"{given} {family}"
    return out
