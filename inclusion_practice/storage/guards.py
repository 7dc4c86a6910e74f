"""Values the database would refuse, caught before they reach it, with the field named.

PostgreSQL refuses text longer than a column's ``VARCHAR(n)``, text holding a NUL character and
integers beyond 32 bits; SQLite accepts the first two silently and fails on integers beyond 64
bits with a bare ``OverflowError``. Services validate what they know about; this ``before_flush``
hook is the net under all of them, so every ORM write behaves the same on both engines and a bad
value is an :class:`~inclusion_practice.errors.InvalidInput` naming the column — before anything
is written. :func:`as_invalid_input` turns what still reaches the driver (reads with an
out-of-range id, Core bulk statements) into the same kind of error.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, inspect
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, UOWTransaction

from inclusion_practice.errors import InvalidInput

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def problem(column: Any, value: Any) -> str | None:
    """Why ``value`` cannot be stored in ``column`` (None if it can)."""
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character"
        # SQLModel's AutoString is a TypeDecorator over String: both carry ``length``.
        length = getattr(column.type, "length", None)
        if isinstance(length, int) and len(value) > length:
            return f"is longer than {length} characters"
    elif isinstance(value, int) and not isinstance(value, bool):
        lo, hi = INT64 if isinstance(column.type, BigInteger) else INT32
        if isinstance(column.type, Integer) and not lo <= value <= hi:
            return f"{value} is out of range"
    return None


def check_values(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    """``before_flush``: refuse a new or changed row holding a value its column cannot."""
    for obj in (*session.new, *session.dirty):
        mapper = inspect(obj).mapper
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            why = problem(column, getattr(obj, attr.key, None))
            if why is not None:
                raise InvalidInput(attr.key, why)


def as_invalid_input(exc: BaseException) -> InvalidInput | None:
    """The error to raise instead of a driver's refusal of a value (None if not that)."""
    if isinstance(exc, DataError):
        return InvalidInput("value", "is out of range for the database (a number too large, "
                                     "text too long, or a NUL character)")
    if isinstance(exc, OverflowError):
        return InvalidInput("value", "is out of range (a number or date too large)")
    return None


def row_problems(table_name: str, row: dict[str, Any]) -> list[tuple[str, str]]:
    """``(column, why)`` for each value of a Core row dict its column cannot hold (imports
    check these per resource, so one bad value is reported, not a failed batch)."""
    from inclusion_practice.storage.bulk import table

    columns = table(table_name).c
    out = []
    for key, value in row.items():
        column = columns.get(key)
        why = problem(column, value) if column is not None else None
        if why is not None:
            out.append((key, why))
    return out
