"""The one "active on a day" rule as SQL, for every table shaped like a span.

Mirrors :func:`inclusion_practice.domain.span.covers`: a row with ``start_date`` and an optional
``end_date`` (and, for registrations, ``planned_end``) is active on a day it covers. Services,
report queries, the indicator compiler and the synthetic generator all call these, with the
table or an alias of it, so the rule cannot drift between paths.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, or_


def _columns(table: Any) -> Any:
    """The column collection of a Table, an alias, an SQLModel class or a column collection."""
    inner = getattr(table, "__table__", table)
    return inner.c if hasattr(inner, "c") else inner


def active_on(table: Any, day: Any) -> ColumnElement[bool]:
    """Rows of ``table`` in force on ``day`` (a date or an SQL date expression)."""
    c = _columns(table)
    conds: list[ColumnElement[bool]] = [c.start_date <= day, or_(c.end_date.is_(None), c.end_date >= day)]
    if "planned_end" in c:
        conds.append(or_(c.planned_end.is_(None), c.planned_end >= day))
    return and_(*conds)


def active_between(table: Any, first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """Rows of ``table`` in force on at least one day of ``first``..``last``."""
    c = _columns(table)
    conds: list[ColumnElement[bool]] = [c.start_date <= last, or_(c.end_date.is_(None), c.end_date >= first)]
    if "planned_end" in c:
        conds.append(or_(c.planned_end.is_(None), c.planned_end >= first))
    return and_(*conds)
