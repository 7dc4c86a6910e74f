"""The SQL engine: runs compiled indicator plans in the database and reads the answers.

:mod:`.sql_compiler` turns a set and a period into temporary tables and the statements that fill
them; this module creates and fills them on one connection, then reads tallies (two GROUP BYs)
or per-patient outcomes. Temporary tables vanish with the transaction, which is always rolled
back: running indicators never writes to the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Select, Table, case, func, select, text

from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.qof import Counts
from inclusion_practice.indicators.definitions import Indicator, IndicatorSet
from inclusion_practice.indicators.results import IndicatorTally, PatientOutcome
from inclusion_practice.indicators.sql_compiler import CompiledRun, compile_run
from inclusion_practice.storage.indicator_source import IndicatorSource, indicator_source


class SqlEngine:
    """Runs indicator sets in the database. ``conn`` is any SQLAlchemy connection.

    ``source`` is the view of the tables to read (storage's own unless given).
    """

    def __init__(self, conn: Connection, source: IndicatorSource | None = None) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.source = source if source is not None else indicator_source()

    # ------------------------------------------------------------------ public API

    def run(self, ind_set: IndicatorSet, period: Period, indicator_ids: Iterable[str] | None = None) -> dict[str, IndicatorTally]:
        """Tallies (A, B, C, strata) for the set's indicators."""
        wanted = set(indicator_ids) if indicator_ids is not None else None
        inds = [i for i in ind_set.indicators if wanted is None or i.id in wanted]
        with self._session():
            return self._tallies(self._build(ind_set, inds, period), inds)

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
            compiled = self._build(ind_set, inds, period)
            cat_q, rows_q = outcome_queries(compiled)
            return fold_outcomes(inds, self.conn.execute(cat_q).all(), self.conn.execute(rows_q))

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _session(self) -> Iterator[None]:
        conn = self.conn
        trans = conn.begin_nested() if conn.in_transaction() else conn.begin()
        try:
            yield
        finally:
            # Rolling back drops the temporary tables too (DDL is transactional on both).
            trans.rollback()

    def _build(self, ind_set: IndicatorSet, inds: Sequence[Indicator], period: Period) -> CompiledRun:
        """Compile the run, then create and fill its temporary tables in order."""
        compiled = compile_run(self.source, self.dialect, ind_set, inds, period)
        for step in compiled.steps:
            tbl = step.table
            self.conn.execute(text(f"DROP TABLE IF EXISTS {tbl.name}"))
            tbl.create(self.conn)
            for stmt in step.fill:
                self.conn.execute(stmt)
            if step.analyze:
                self._analyze(tbl)
        return compiled

    def _analyze(self, tbl: Table) -> None:
        """PostgreSQL never auto-analyzes temporary tables; without statistics it guesses badly."""
        if self.dialect == "postgresql":
            self.conn.execute(text(f"ANALYZE {tbl.name}"))

    def _tallies(self, compiled: CompiledRun, inds: Sequence[Indicator]) -> dict[str, IndicatorTally]:
        strata_q, cat_q = tally_queries(compiled)
        return fold_tallies(inds, self.conn.execute(strata_q).all(), self.conn.execute(cat_q))


# ---------------------------------------------------------------------- shared with other runners
# The DuckDB engine runs the same compiled plan elsewhere; it reads the answers with these.


def tally_queries(compiled: CompiledRun) -> tuple[Select[Any], Select[Any]]:
    """The two GROUP BYs over ``ip_rows``: by (indicator, sex, age band) and by (indicator, category).

    Each row: the group keys, then count, numerator sum, exception count, events sum.
    """
    rows, cat = compiled.rows, compiled.categories
    exc_count = func.sum(case((rows.c.reason.is_not(None), 1), else_=0))
    aggs = (func.count(), func.sum(rows.c.num), exc_count, func.sum(rows.c.events))
    strata = select(rows.c.indicator_id, rows.c.sex, rows.c.age_band, *aggs).group_by(
        rows.c.indicator_id, rows.c.sex, rows.c.age_band
    )
    by_cat = (
        select(rows.c.indicator_id, cat.c.category, *aggs)
        .select_from(rows.join(cat, cat.c.patient_id == rows.c.patient_id))
        .group_by(rows.c.indicator_id, cat.c.category)
    )
    return strata, by_cat


def fold_tallies(
    inds: Sequence[Indicator], strata: Iterable[Sequence[Any]], by_category: Iterable[Sequence[Any]]
) -> dict[str, IndicatorTally]:
    """Tallies from the rows of :func:`tally_queries` (totals are the sum of the strata)."""
    by_sex: dict[str, dict[str, Counts]] = {i.id: {} for i in inds}
    by_age: dict[str, dict[str, Counts]] = {i.id: {} for i in inds}
    by_cat: dict[str, dict[str, Counts]] = {i.id: {} for i in inds}
    totals: dict[str, Counts] = {i.id: Counts() for i in inds}
    for r in strata:
        c = Counts(int(r[4] or 0), int(r[3]), int(r[5] or 0), int(r[6] or 0))
        iid = r[0]
        totals[iid] = totals[iid] + c
        by_sex[iid][r[1]] = by_sex[iid].get(r[1], Counts()) + c
        by_age[iid][r[2]] = by_age[iid].get(r[2], Counts()) + c
    for r in by_category:
        by_cat[r[0]][r[1]] = Counts(int(r[3] or 0), int(r[2]), int(r[4] or 0), int(r[5] or 0))
    return {
        i.id: IndicatorTally(i.id, totals[i.id], by_sex[i.id], by_age[i.id], by_cat[i.id])
        for i in inds
    }


def outcome_queries(compiled: CompiledRun) -> tuple[Select[Any], Select[Any]]:
    """Every registered patient's active categories, and every ``ip_rows`` row, both in order."""
    rows, cat_t = compiled.rows, compiled.categories
    cats = select(cat_t.c.patient_id, cat_t.c.category).order_by(cat_t.c.patient_id, cat_t.c.category)
    return cats, select(rows).order_by(rows.c.indicator_id, rows.c.patient_id)


def fold_outcomes(
    inds: Sequence[Indicator], categories: Iterable[Sequence[Any]], rows: Iterable[Sequence[Any]]
) -> dict[str, list[PatientOutcome]]:
    """Per-patient outcomes from the rows of :func:`outcome_queries`."""
    cats: dict[int, list[str]] = {}
    for pid, cat in categories:
        cats.setdefault(pid, []).append(cat)
    out: dict[str, list[PatientOutcome]] = {i.id: [] for i in inds}
    # ip_rows columns: indicator_id, patient_id, num, reason, events, sex, age_band
    for iid, pid, num, reason, events, sex, age_band in rows:
        out[iid].append(
            PatientOutcome(
                patient_id=pid,
                numerator=bool(num),
                exception=reason,
                events=int(events or 0),
                sex=sex,
                age_band=age_band,
                categories=tuple(cats.get(pid, ())),
            )
        )
    return out
