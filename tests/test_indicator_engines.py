"""Indicator spec tests as tables: the same cases on the in-memory evaluator, the SQL engine on
SQLite and on PostgreSQL, and DuckDB over each of them (the ehrQL pattern). Each row: a patient's data and where the indicator puts
them — ``num`` (numerator), ``exc:<reason>``, ``missing`` or ``out`` (not in the denominator).
Reference period: financial year 2025/26, so the period end (PPED) is 2026-03-31.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine

from inclusion_practice.domain.periods import Period, parse_period
from inclusion_practice.indicators import memory_engine
from inclusion_practice.indicators.definitions import IndicatorSet, parse_set
from inclusion_practice.indicators.records import (
    DnaActionRow,
    DnaRow,
    EventRow,
    FlagRow,
    InvitationRow,
    PatientHistory,
    RegistrationRow,
)
from inclusion_practice.storage.database import normalise_url
from tests.indicator_support import SQL_RUNNERS, insert_records, sql_runner

D = dt.date
PERIOD = parse_period("2025/26")
HOMELESS = (FlagRow("homelessness", D(2024, 1, 1)),)
REG = (RegistrationRow(D(2024, 1, 1)),)

FLU = "822851000000102"
HEPB = "1014211000000100"
HEPC = "104375008"
HIV = "31676001"
AUDITC = "763256006"
SMOKER = "77176002"
EX_SMOKER = "8517006"
NPHC = "ip:new-pt-check"
MH_REVIEW = "166121000000101"
MH_DECLINED = "717051000000101"
MH_UNSUITABLE = "716301000000102"
FLU_CI = "294647003"
HEPB_VACC = "170370000"  # First hepatitis B vaccination (hepb_vaccination)

SET_HEAD = 'id = "spec"\ntitle = "Spec set"\n'


def one(indicator_toml: str) -> IndicatorSet:
    return parse_set(SET_HEAD + indicator_toml, "spec.toml")


def patient(pid: int, **kw: object) -> PatientHistory:
    base: dict[str, object] = {
        "id": pid,
        "date_of_birth": D(1980, 6, 15),
        "sex": "female",
        "registrations": REG,
        "flags": HOMELESS,
    }
    base.update(kw)
    return PatientHistory(**base)  # type: ignore[arg-type]


def ev(code: str, day: dt.date, value: float | None = None) -> EventRow:
    return EventRow(code, day, value)


@dataclass
class Case:
    name: str
    indicator: str
    rows: list[tuple[PatientHistory, str]] = field(default_factory=list)
    period: Period = PERIOD


ANNUAL = """
[[indicator]]
id = "T1"
title = "Mental-health review"
[indicator.register]
categories = ["homelessness"]
[[indicator.numerator.criteria]]
type = "event"
codelist = "mental_health_review"
[indicator.exceptions]
declined = ["mh_declined"]
unsuitable = ["mh_unsuitable"]
invitations = { topic = "mental_health", count = 2, min_gap_days = 7 }
"""

CASES: list[Case] = [
    Case("annual review: windows, registration and exceptions", ANNUAL, [
        (patient(1, events=(ev(MH_REVIEW, D(2025, 4, 1)),)), "num"),  # first day of the window
        (patient(2, events=(ev(MH_REVIEW, D(2025, 3, 31)),)), "missing"),  # a day too early
        (patient(3, events=(ev(MH_REVIEW, D(2026, 3, 31)),)), "num"),  # the PPED itself
        (patient(4, events=(ev(MH_REVIEW, D(2026, 4, 1)),)), "missing"),  # after the PPED
        (patient(5, flags=()), "out"),  # not flagged
        (patient(6, flags=(FlagRow("homelessness", D(2024, 1, 1), D(2026, 3, 30)),)), "out"),  # flag ended
        (patient(7, flags=(FlagRow("homelessness", D(2026, 3, 31)),)), "missing"),  # flagged on PPED
        (patient(8, registrations=(RegistrationRow(D(2020, 1, 1), D(2026, 3, 1)),)), "out"),  # left
        (patient(9, registrations=(RegistrationRow(D(2026, 1, 1), planned_end=D(2026, 3, 30)),)), "out"),
        (patient(10, registrations=(RegistrationRow(D(2026, 1, 1), planned_end=D(2026, 3, 31)),)), "missing"),
        (patient(11, events=(ev(MH_DECLINED, D(2025, 6, 1)),)), "exc:declined"),
        (patient(12, events=(ev(MH_UNSUITABLE, D(2025, 6, 1)), ev(MH_DECLINED, D(2025, 6, 1)))), "exc:unsuitable"),
        (patient(13, events=(ev(MH_DECLINED, D(2025, 6, 1)), ev(MH_REVIEW, D(2025, 7, 1)))), "num"),  # numerator wins
        (patient(14, invitations=(InvitationRow("mental_health", D(2025, 5, 1)),
                                  InvitationRow("mental_health", D(2025, 5, 8)))), "exc:no_response"),
        (patient(15, invitations=(InvitationRow("mental_health", D(2025, 5, 1)),
                                  InvitationRow("mental_health", D(2025, 5, 7)))), "missing"),  # 6 days apart
        (patient(16, invitations=(InvitationRow("flu", D(2025, 5, 1)),
                                  InvitationRow("flu", D(2025, 9, 1)))), "missing"),  # wrong topic
        (patient(17, invitations=(InvitationRow("mental_health", D(2025, 3, 1)),
                                  InvitationRow("mental_health", D(2025, 5, 1)))), "missing"),  # one too early
    ]),
    Case("a quarter measures 12 months to its own end", ANNUAL, [
        (patient(1, events=(ev(MH_REVIEW, D(2025, 1, 1)),)), "num"),
        (patient(2, events=(ev(MH_REVIEW, D(2024, 12, 31)),)), "missing"),
    ], parse_period("2025Q3")),
    Case("three invitations at least 14 days apart", """
[[indicator]]
id = "T2"
title = "TB"
[[indicator.numerator.criteria]]
type = "event"
codelist = "tb_screen"
[indicator.exceptions]
invitations = { topic = "tb", count = 3, min_gap_days = 14 }
""", [
        (patient(1, invitations=tuple(InvitationRow("tb", D(2025, 5, d)) for d in (1, 15, 29))), "exc:no_response"),
        (patient(2, invitations=tuple(InvitationRow("tb", D(2025, 5, d)) for d in (1, 10, 29))), "missing"),
        (patient(3, invitations=tuple(InvitationRow("tb", D(2025, m, 1)) for m in (5, 6, 7, 8))), "exc:no_response"),
        (patient(4, invitations=tuple(InvitationRow("tb", D(2025, 5, d)) for d in (1, 2, 3, 20, 21))), "missing"),
    ]),
    Case("all three BBV tests, ages 16+", """
[[indicator]]
id = "T3"
title = "BBV"
[indicator.denominator]
min_age = 16
max_age = 64
[indicator.numerator]
require = "all"
[[indicator.numerator.criteria]]
type = "event"
codelist = "hepb_test"
[[indicator.numerator.criteria]]
type = "event"
codelist = "hepc_test"
[[indicator.numerator.criteria]]
type = "event"
codelist = "hiv_test"
""", [
        (patient(1, events=(ev(HEPB, D(2025, 5, 1)), ev(HEPC, D(2025, 5, 1)), ev(HIV, D(2025, 6, 1)))), "num"),
        (patient(2, events=(ev(HEPB, D(2025, 5, 1)), ev(HEPC, D(2025, 5, 1)))), "missing"),
        (patient(3, date_of_birth=D(2010, 3, 31)), "missing"),  # 16 on the PPED
        (patient(4, date_of_birth=D(2010, 4, 1)), "out"),  # 16 the day after
        (patient(5, date_of_birth=D(1961, 4, 1)), "missing"),  # 64 on the PPED
        (patient(6, date_of_birth=D(1961, 3, 31)), "out"),  # 65 on the PPED
    ]),
    Case("any-of numerator and value ranges", """
[[indicator]]
id = "T4"
title = "Alcohol"
[indicator.numerator]
require = "any"
[[indicator.numerator.criteria]]
type = "event"
codelist = "audit_c"
min_value = 5
max_value = 12
[[indicator.numerator.criteria]]
type = "event"
codelist = "drug_review"
""", [
        (patient(1, events=(ev(AUDITC, D(2025, 5, 1), 7.0),)), "num"),
        (patient(2, events=(ev(AUDITC, D(2025, 5, 1), 4.0),)), "missing"),
        (patient(3, events=(ev(AUDITC, D(2025, 5, 1), None),)), "missing"),  # no value recorded
        (patient(4, events=(ev("1048091000000104", D(2025, 5, 1)),)), "num"),
    ]),
    Case("new registrations: check within 28 days of registering", """
[[indicator]]
id = "T5"
title = "NPHC"
[[indicator.denominator.rules]]
type = "registered_in"
window = { anchor = "period", start = "0d", end = "-28d" }
[[indicator.numerator.criteria]]
type = "event"
codelist = "new_patient_check"
window = { anchor = "registration_start", start = "0d", end = "28d" }
""", [
        (patient(1, registrations=(RegistrationRow(D(2025, 6, 1)),), events=(ev(NPHC, D(2025, 6, 29)),)), "num"),
        (patient(2, registrations=(RegistrationRow(D(2025, 6, 1)),), events=(ev(NPHC, D(2025, 6, 30)),)), "missing"),
        (patient(3, registrations=(RegistrationRow(D(2025, 6, 1)),), events=(ev(NPHC, D(2025, 5, 31)),)), "missing"),
        (patient(4, registrations=(RegistrationRow(D(2025, 3, 31)),)), "out"),  # registered before the period
        (patient(5, registrations=(RegistrationRow(D(2026, 3, 10)),)), "out"),  # too late to be due
        (patient(6, registrations=(RegistrationRow(D(2023, 1, 1), D(2024, 1, 1)), RegistrationRow(D(2025, 9, 1))),
                 events=(ev(NPHC, D(2025, 9, 2)),)), "num"),  # re-registered: the current registration counts
    ]),
    Case("latest smoking status is smoker", """
[[indicator]]
id = "T6"
title = "Smokers offered support"
[[indicator.denominator.rules]]
type = "latest_event"
codelist = "smoking_status"
in_codelist = "smoking_current"
window = { anchor = "period_end", start = "-24m+1d", end = "0d" }
[[indicator.numerator.criteria]]
type = "event"
codelist = "smoking_support"
""", [
        (patient(1, events=(ev(SMOKER, D(2025, 1, 1)),)), "missing"),
        (patient(2, events=(ev(SMOKER, D(2025, 1, 1)), ev(EX_SMOKER, D(2025, 2, 1)))), "out"),
        (patient(3, events=(ev(EX_SMOKER, D(2025, 1, 1)), ev(SMOKER, D(2025, 2, 1)), ev("710081004", D(2025, 5, 1)))), "num"),
        (patient(4, events=(ev(EX_SMOKER, D(2025, 1, 1)), ev(SMOKER, D(2025, 1, 1)))), "missing"),  # same-day tie
        (patient(5, events=(ev(SMOKER, D(2024, 3, 31)),)), "out"),  # older than 24 months
    ]),
    Case("hepatitis B course: three doses, and windows after another event", """
[[indicator]]
id = "T7"
title = "Hep B course"
[[indicator.numerator.criteria]]
type = "event"
codelist = "hepb_vaccination"
min_count = 3
window = { anchor = "first:hepb_vaccination", start = "0d", end = "365d" }
""", [
        (patient(1, events=tuple(ev(HEPB_VACC, d) for d in (D(2024, 1, 1), D(2024, 2, 1), D(2024, 7, 1)))), "num"),
        (patient(2, events=tuple(ev(HEPB_VACC, d) for d in (D(2024, 1, 1), D(2024, 2, 1), D(2025, 7, 1)))), "missing"),
        (patient(3, events=tuple(ev(HEPB_VACC, d) for d in (D(2024, 1, 1), D(2024, 2, 1)))), "missing"),
        (patient(4), "missing"),
    ]),
    Case("patient attributes: interpreter and keyworker", """
[[indicator]]
id = "T8"
title = "Interpreter recorded"
[[indicator.denominator.rules]]
type = "attribute"
field = "main_language"
op = "not_in"
value = ["en"]
[[indicator.numerator.criteria]]
type = "attribute"
field = "interpreter_mode"
op = "present"
""", [
        (patient(1, main_language="pl", interpreter_mode="telephone"), "num"),
        (patient(2, main_language="pl"), "missing"),
        (patient(3, main_language="pl", interpreter_mode=""), "missing"),
        (patient(4, main_language="en"), "out"),
        (patient(5, main_language=None), "out"),  # language unknown: not in the denominator
    ]),
    Case("flu: season window and a contraindication exclusion", """
[[indicator]]
id = "T9"
title = "Flu"
[[indicator.numerator.criteria]]
type = "event"
codelist = "flu_vaccination"
window = { anchor = "period_end", start = "-7m+1d", end = "0d" }
[[indicator.exceptions.exclusions]]
type = "event"
codelist = "flu_contraindicated"
window = { anchor = "period_end", start = "-100y", end = "0d" }
""", [
        (patient(1, events=(ev(FLU, D(2025, 9, 1)),)), "num"),
        (patient(2, events=(ev(FLU, D(2025, 8, 31)),)), "missing"),
        (patient(3, events=(ev(FLU_CI, D(2015, 1, 1)),)), "exc:excluded"),
    ]),
    Case("outreach within 14 days of every missed appointment", """
[[indicator]]
id = "T10"
title = "DNA outreach"
[[indicator.denominator.rules]]
type = "dna"
window = { anchor = "period_end", start = "-12m+1d", end = "-14d" }
[[indicator.numerator.criteria]]
type = "dna"
window = { anchor = "period_end", start = "-12m+1d", end = "-14d" }
followed_up_within_days = 14
""", [
        (patient(1, dnas=(DnaRow(dt.datetime(2025, 6, 1, 10), None,
                                 (DnaActionRow("contact_via_keyworker", "done", dt.datetime(2025, 6, 15, 9)),)),)), "num"),
        (patient(2, dnas=(DnaRow(dt.datetime(2025, 6, 1, 10), None,
                                 (DnaActionRow("contact_via_keyworker", "done", dt.datetime(2025, 6, 16, 9)),)),)), "missing"),
        (patient(3, dnas=(DnaRow(dt.datetime(2025, 6, 1, 10), None,
                                 (DnaActionRow("contact_via_keyworker", "due", None),)),)), "missing"),
        (patient(4, dnas=(DnaRow(dt.datetime(2025, 6, 1, 10), None,
                                 (DnaActionRow("warning_letter", "done", dt.datetime(2025, 6, 2)),)),)), "missing"),
        (patient(5, dnas=(DnaRow(dt.datetime(2025, 6, 1, 10), dt.datetime(2025, 6, 2)),)), "out"),  # voided
        (patient(6, dnas=(DnaRow(dt.datetime(2026, 3, 25, 10)),)), "out"),  # too recent to judge
        (patient(7), "out"),
        (patient(8, dnas=(
            DnaRow(dt.datetime(2025, 6, 1, 10), None, (DnaActionRow("offer_drop_in", "done", dt.datetime(2025, 6, 1, 16)),)),
            DnaRow(dt.datetime(2025, 9, 1, 10)),
        )), "missing"),  # one of two not followed up
    ]),
    Case("register: counts everyone on it, min registration length", """
[[indicator]]
id = "T11"
title = "Register"
kind = "register"
[indicator.register]
categories = "any"
min_registration_days = 91
""", [
        (patient(1), "num"),
        (patient(2, registrations=(RegistrationRow(D(2025, 12, 30)),)), "num"),  # exactly 91 days
        (patient(3, registrations=(RegistrationRow(D(2025, 12, 31)),)), "out"),  # 90 days
        (patient(4, flags=(FlagRow("sex_work", D(2025, 1, 1)),)), "num"),
    ]),
]


def _label(o: object) -> str:
    from inclusion_practice.indicators.results import PatientOutcome

    assert isinstance(o, PatientOutcome)
    if o.numerator:
        return "num"
    if o.exception:
        return f"exc:{o.exception}"
    return "missing"


def _expected(case: Case) -> dict[int, str]:
    return {p.id: want for p, want in case.rows if want != "out"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_spec_on_the_in_memory_evaluator(case: Case) -> None:
    s = one(case.indicator)
    ind = s.indicators[0]
    got = {o.patient_id: _label(o) for o in memory_engine.evaluate(ind, [p for p, _ in case.rows], case.period, s.codelists)}
    assert got == _expected(case)


@pytest.mark.parametrize("runner", SQL_RUNNERS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_spec_on_sql(case: Case, db_url: str, runner: str) -> None:
    """``sql``: compiled SQL in the database; ``duckdb``: the same plan in DuckDB over it."""
    s = one(case.indicator)
    engine = create_engine(normalise_url(db_url))
    try:
        with engine.begin() as conn:
            insert_records(conn, [p for p, _ in case.rows])
        with engine.connect() as conn, sql_runner(runner, conn, s) as run:
            outcomes = run.outcomes(s, s.indicators[0].id, case.period)
            tallies = run.run(s, case.period)
    finally:
        engine.dispose()
    assert {o.patient_id: _label(o) for o in outcomes} == _expected(case)
    total = tallies[s.indicators[0].id].total
    assert total.denominator == len(_expected(case))
    assert total.numerator == sum(1 for v in _expected(case).values() if v == "num")

