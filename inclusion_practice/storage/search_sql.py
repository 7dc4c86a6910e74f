"""SQL for search criteria: date bounds and name words, shared by every service's search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, false, true


class DateBoundLike(Protocol):
    """A comparison against the instants ``first``..``last`` (services.queries.DateBound)."""

    @property
    def op(self) -> str: ...

    @property
    def first(self) -> dt.datetime: ...

    @property
    def last(self) -> dt.datetime: ...


def date_bounds(column: Any, bounds: Sequence[DateBoundLike], *, dates: bool = False) -> ColumnElement[bool]:
    """``column`` satisfies every bound (``dates``: the column holds dates, not date-times)."""
    conds: list[ColumnElement[bool]] = []
    for b in bounds:
        lo: Any = b.first.date() if dates else b.first
        hi: Any = b.last.date() if dates else b.last
        conds.append({
            "eq": and_(column >= lo, column <= hi),
            "ge": column >= lo,
            "gt": column > hi,
            "le": column <= hi,
            "lt": column < lo,
        }[b.op])
    return and_(true(), *conds)


def name_words(column: Any, folded: str) -> ColumnElement[bool]:
    """Every word of a folded name appears in ``column`` (a folded name key). Wildcards in the
    words (``%``, ``_``) match themselves, never everyone; a query with no words left after
    folding (``_``, ``--``) matches no one."""
    words = folded.split()
    if not words:
        return false()
    return and_(true(), *(column.contains(word, autoescape=True) for word in words))
