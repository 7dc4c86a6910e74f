"""The one "active on a day" rule: the domain predicate and its SQL form agree on every case."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Date, Integer, MetaData, Table, create_engine, insert, select

from inclusion_practice.domain.span import Span, covers, last_day, overlaps
from inclusion_practice.storage.active import active_between, active_on

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "planned_end", "day", "expected"),
    [
        (D(2025, 4, 1), None, None, D(2025, 4, 1), True),  # the first day counts
        (D(2025, 4, 1), None, None, D(2025, 3, 31), False),  # not before it
        (D(2025, 4, 1), D(2025, 6, 30), None, D(2025, 6, 30), True),  # the last day counts
        (D(2025, 4, 1), D(2025, 6, 30), None, D(2025, 7, 1), False),
        (D(2025, 4, 1), None, D(2025, 4, 14), D(2025, 4, 14), True),  # planned end: last day
        (D(2025, 4, 1), None, D(2025, 4, 14), D(2025, 4, 15), False),  # lapsed
        (D(2025, 4, 1), D(2025, 4, 10), D(2025, 4, 14), D(2025, 4, 12), False),  # ended first
        (D(2025, 4, 1), D(2025, 4, 20), D(2025, 4, 14), D(2025, 4, 16), False),  # lapsed first
    ],
)
def test_a_span_covers_the_days_from_its_start_to_the_earlier_of_its_ends(
    start: dt.date, end: dt.date | None, planned_end: dt.date | None, day: dt.date, expected: bool
) -> None:
    assert covers(start, end, day, planned_end) is expected
    assert Span(start, end, planned_end).covers(day) is expected


def test_the_last_day_is_the_earlier_of_an_end_and_a_planned_end() -> None:
    assert last_day(None, None) is None
    assert last_day(D(2025, 5, 1), None) == D(2025, 5, 1)
    assert last_day(None, D(2025, 5, 1)) == D(2025, 5, 1)
    assert last_day(D(2025, 5, 3), D(2025, 5, 1)) == D(2025, 5, 1)


_META = MetaData()
_SPAN = Table(
    "span_rows", _META,
    Column("id", Integer, primary_key=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("planned_end", Date),
)
_days = st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 12, 31))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(_days, st.none() | _days, st.none() | _days), min_size=1, max_size=12),
    day=_days,
    width=st.integers(min_value=0, max_value=90),
)
def test_the_sql_rule_selects_exactly_the_rows_the_domain_rule_says_are_active(
    rows: list[tuple[dt.date, dt.date | None, dt.date | None]], day: dt.date, width: int
) -> None:
    engine = create_engine("sqlite://")
    _META.create_all(engine)
    last = day + dt.timedelta(days=width)
    with engine.begin() as conn:
        conn.execute(insert(_SPAN), [
            {"id": i, "start_date": s, "end_date": e, "planned_end": p}
            for i, (s, e, p) in enumerate(rows)
        ])
        on_day = set(conn.execute(select(_SPAN.c.id).where(active_on(_SPAN, day))).scalars())
        in_range = set(
            conn.execute(select(_SPAN.c.id).where(active_between(_SPAN, day, last))).scalars()
        )
    assert on_day == {i for i, (s, e, p) in enumerate(rows) if covers(s, e, day, p)}
    assert in_range == {i for i, (s, e, p) in enumerate(rows) if overlaps(s, e, day, last, p)}
