"""The DuckDB engine: the SQL engine's compiled plan, run by DuckDB, a columnar engine.

The statements are :mod:`.sql_compiler`'s, for dialect ``"duckdb"`` (day numbers are date
differences, as on PostgreSQL), over the tables of a :class:`DuckDbSession` — storage's copy of
the practice database in DuckDB's memory. They are rendered with SQLAlchemy's PostgreSQL
compiler (DuckDB speaks its SQL) with the values inlined; the temporary tables are created
without keys (DuckDB would build an index per key it never needs). Answers are read with the
SQL engine's own tally and outcome queries, so both engines fold the same rows the same way.

Each run is one DuckDB transaction, rolled back: its temporary tables vanish with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    Select,
    Table,
    insert,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from inclusion_practice.domain.periods import Period
from inclusion_practice.indicators.definitions import Indicator, IndicatorSet
from inclusion_practice.indicators.results import IndicatorTally, PatientOutcome
from inclusion_practice.indicators.sql_compiler import CompiledRun, compile_run
from inclusion_practice.indicators.sql_engine import (
    fold_outcomes,
    fold_tallies,
    outcome_queries,
    tally_queries,
)
from inclusion_practice.storage.duckdb_source import DuckDbSession, duckdb_session

DIALECT = "duckdb"
"""The dialect name the compiler is given (anything but ``sqlite`` takes PostgreSQL's arithmetic)."""


@cache
def _dialect() -> Dialect:
    """PostgreSQL's dialect with every value inlined as a typed DuckDB literal.

    Inlined, not bound: DuckDB's Python client looks for pandas on every parameter it converts
    (a failed import per value, thousands per run), and inlined constants are what its
    optimizer prunes and pushes down best. Built on first use: most processes never need it.
    """
    from sqlalchemy.dialects.postgresql.base import PGCompiler, PGDialect

    class DuckCompiler(PGCompiler):
        def render_literal_value(self, value: Any, type_: Any) -> str:
            if value is None:
                return "NULL"
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            if isinstance(value, int | float):
                return repr(value)
            if isinstance(value, dt.datetime):
                return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
            if isinstance(value, dt.date):
                return f"DATE '{value.isoformat()}'"
            if isinstance(value, str):
                return "'" + value.replace("'", "''") + "'"  # DuckDB strings have no backslash escapes
            raise TypeError(f"no DuckDB literal for {type(value).__name__}")

    class DuckDialect(PGDialect):
        statement_compiler = DuckCompiler

    # qmark: with no parameters left, nothing is escaped (pyformat would write ``%`` as ``%%``).
    dialect: Dialect = DuckDialect(paramstyle="qmark")  # type: ignore[no-untyped-call]
    return dialect


def to_duckdb(stmt: ClauseElement) -> str:
    """``stmt`` as DuckDB SQL, its values inlined (IN lists expanded)."""
    return str(stmt.compile(dialect=_dialect(), compile_kwargs={"literal_binds": True}))


def _column_type(col: Any) -> str:
    t = col.type
    if isinstance(t, Boolean):
        return "BOOLEAN"
    if isinstance(t, Integer):
        return "BIGINT"
    if isinstance(t, DateTime):
        return "TIMESTAMP"
    if isinstance(t, Date):
        return "DATE"
    if isinstance(t, Float):
        return "DOUBLE"
    return "VARCHAR"


def create_temp_table(tbl: Table) -> str:
    """``CREATE TEMPORARY TABLE`` for one of the plan's tables, its columns only (no keys)."""
    cols = ", ".join(f'"{c.name}" {_column_type(c)}' for c in tbl.columns)
    return f"CREATE TEMPORARY TABLE {tbl.name} ({cols})"


def event_codes(ind_set: IndicatorSet) -> frozenset[str]:
    """Every code of the set's code lists: the only clinical events its indicators read."""
    return frozenset(c for cl in ind_set.codelists.values() for c in cl.code_set)


@contextmanager
def duckdb_engine(
    conn: Connection, ind_set: IndicatorSet | None = None, *, threads: int | None = None
) -> Iterator[DuckDbEngine]:
    """A :class:`DuckDbEngine` over the database ``conn`` reads (see :func:`duckdb_session`).

    Given ``ind_set``, only the clinical events its code lists name are copied; the engine then
    refuses a set that reads others.
    """
    codes = event_codes(ind_set) if ind_set is not None else None
    with duckdb_session(conn, event_codes=codes, threads=threads) as session:
        yield DuckDbEngine(session)


class DuckDbEngine:
    """Runs indicator sets in DuckDB over a :class:`DuckDbSession`; same answers as :class:`SqlEngine`."""

    def __init__(self, session: DuckDbSession) -> None:
        self.session = session
        self.conn = session.conn
        self.source = session.source

    def _check(self, ind_set: IndicatorSet) -> None:
        copied = self.session.event_codes
        if copied is not None and not event_codes(ind_set) <= copied:
            raise ValueError(f"set {ind_set.id} reads clinical events this DuckDB session did not copy")

    # ------------------------------------------------------------------ public API

    def run(
        self, ind_set: IndicatorSet, period: Period, indicator_ids: Iterable[str] | None = None
    ) -> dict[str, IndicatorTally]:
        """Tallies (A, B, C, strata) for the set's indicators."""
        self._check(ind_set)
        inds = _chosen(ind_set, indicator_ids)
        with self._transaction():
            strata_q, cat_q = tally_queries(self._build(ind_set, inds, period))
            return fold_tallies(inds, self._fetch(strata_q), self._fetch(cat_q))

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
        self._check(ind_set)
        inds = _chosen(ind_set, indicator_ids)
        with self._transaction():
            cat_q, rows_q = outcome_queries(self._build(ind_set, inds, period))
            return fold_outcomes(inds, self._fetch(cat_q), self._fetch(rows_q))

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN TRANSACTION")
        try:
            yield
        finally:
            self.conn.execute("ROLLBACK")

    def _execute(self, stmt: ClauseElement) -> None:
        self.conn.execute(to_duckdb(stmt))

    def _fetch(self, stmt: ClauseElement) -> list[tuple[Any, ...]]:
        return self.conn.execute(to_duckdb(stmt)).fetchall()

    def _build(self, ind_set: IndicatorSet, inds: Sequence[Indicator], period: Period) -> CompiledRun:
        """Create and fill the plan's temporary tables in order.

        A table filled by several statements (``ip_rows``, one per indicator) is filled by one
        ``INSERT … UNION ALL …``: DuckDB plans and runs the branches together.
        """
        compiled = compile_run(self.source, DIALECT, ind_set, inds, period)
        for step in compiled.steps:
            self.conn.execute(create_temp_table(step.table))
            if len(step.fill) == 1:
                self._execute(step.fill[0])
            elif step.fill:
                names = [c.name for c in step.table.columns]
                selects: list[Select[Any]] = [f.select for f in step.fill]  # type: ignore[misc]
                self._execute(insert(step.table).from_select(names, union_all(*selects)))
        return compiled


def _chosen(ind_set: IndicatorSet, indicator_ids: Iterable[str] | None) -> list[Indicator]:
    wanted = set(indicator_ids) if indicator_ids is not None else None
    return [i for i in ind_set.indicators if wanted is None or i.id in wanted]
