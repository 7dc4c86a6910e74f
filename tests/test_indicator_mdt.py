"""Spec tables for the shipped MDT and referral indicators (IH016, IH017), on the in-memory
evaluator and on SQL (SQLite and PostgreSQL): the engines must agree. Period 2025/26.

IH016: met an MDT rule (``ip:mdt-candidate``) between 1 Apr 2025 and 3 Feb 2026 (8 weeks before
the PPED), and discussed (``ip:mdt-discussed``, value = days waited) within 56 days.
IH017: referred (``ip:referral-sent``) between 1 Apr 2025 and 3 Mar 2026, and accepted
(``ip:referral-accepted``, value = days to accept) within 28 days.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine

from inclusion_practice.domain.mdt import (
    MDT_CANDIDATE_CODE,
    MDT_DISCUSSED_CODE,
    REFERRAL_ACCEPTED_CODE,
    REFERRAL_SENT_CODE,
)
from inclusion_practice.indicators import memory_engine
from inclusion_practice.indicators.definitions import load_shipped_set
from inclusion_practice.indicators.sql_engine import SqlEngine
from inclusion_practice.storage.database import normalise_url
from tests.indicator_support import insert_records
from tests.test_indicator_engines import PERIOD, Case, _expected, _label, ev, patient

D = dt.date
C, M = MDT_CANDIDATE_CODE, MDT_DISCUSSED_CODE
S, A = REFERRAL_SENT_CODE, REFERRAL_ACCEPTED_CODE

CASES = [
    Case("IH016", "", [
        (patient(1, events=(ev(C, D(2025, 6, 1)), ev(M, D(2025, 7, 1), 30.0))), "num"),
        (patient(2, events=(ev(C, D(2025, 6, 1)), ev(M, D(2025, 7, 27), 56.0))), "num"),  # 8 weeks exactly
        (patient(3, events=(ev(C, D(2025, 6, 1)), ev(M, D(2025, 7, 28), 57.0))), "missing"),
        (patient(4, events=(ev(C, D(2025, 6, 1)),)), "missing"),  # never discussed
        (patient(5, events=(ev(C, D(2026, 2, 3)),)), "missing"),  # last day with 8 weeks left
        (patient(6, events=(ev(C, D(2026, 2, 4)),)), "out"),  # fewer than 8 weeks left
        (patient(7, events=(ev(C, D(2025, 3, 31)), ev(M, D(2025, 4, 10), 10.0))), "out"),  # last year's
        (patient(8, events=(ev(M, D(2025, 7, 1)),)), "out"),  # discussed, never met a rule (by hand)
        (patient(9, flags=(), events=(ev(C, D(2025, 6, 1)), ev(M, D(2025, 7, 1), 30.0))), "out"),  # not flagged
        (patient(10, events=(ev(C, D(2025, 6, 1)), ev(M, D(2025, 7, 1)))), "missing"),  # no days recorded
    ]),
    Case("IH017", "", [
        (patient(1, events=(ev(S, D(2025, 5, 1)), ev(A, D(2025, 5, 15), 14.0))), "num"),
        (patient(2, events=(ev(S, D(2025, 5, 1)), ev(A, D(2025, 5, 29), 28.0))), "num"),  # 4 weeks exactly
        (patient(3, events=(ev(S, D(2025, 5, 1)), ev(A, D(2025, 5, 30), 29.0))), "missing"),
        (patient(4, events=(ev(S, D(2025, 5, 1)),)), "missing"),  # never accepted
        (patient(5, events=(ev(S, D(2026, 3, 3)),)), "missing"),  # last day with 4 weeks left
        (patient(6, events=(ev(S, D(2026, 3, 4)),)), "out"),
        (patient(7, events=(ev(S, D(2026, 3, 20)), ev(A, D(2026, 3, 25), 5.0))), "out"),  # too late to count
        (patient(8, events=(ev(S, D(2025, 5, 1)), ev(A, D(2026, 4, 2), 3.0))), "missing"),  # after PPED
    ]),
]


def _shipped(indicator_id: str):  # type: ignore[no-untyped-def]
    s = load_shipped_set("inclusion-health-les")
    ind = s.get(indicator_id)
    assert ind is not None
    return s, ind


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_shipped_mdt_indicators_on_the_in_memory_evaluator(case: Case) -> None:
    s, ind = _shipped(case.name)
    got = {o.patient_id: _label(o) for o in memory_engine.evaluate(ind, [p for p, _ in case.rows], PERIOD, s.codelists)}
    assert got == _expected(case)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_shipped_mdt_indicators_on_sql(case: Case, db_url: str) -> None:
    s, ind = _shipped(case.name)
    engine = create_engine(normalise_url(db_url))
    try:
        with engine.begin() as conn:
            insert_records(conn, [p for p, _ in case.rows])
        with engine.connect() as conn:
            outcomes = SqlEngine(conn).outcomes(s, ind.id, PERIOD)
    finally:
        engine.dispose()
    assert {o.patient_id: _label(o) for o in outcomes} == _expected(case)
