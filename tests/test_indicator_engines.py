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
    events: dict[int, int] = field(default_factory=dict)
    """Expected per-event counts (patient id → events) where the case checks them."""


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


TEMP = "temporary"
INT = "immediately_necessary"
REGISTER_ANY = """
[[indicator]]
id = "R1"
title = "Register"
kind = "register"
[indicator.register]
categories = "any"
"""
REGISTER_91 = """
[[indicator]]
id = "R2"
title = "Register, registered at least 91 days"
kind = "register"
[indicator.register]
categories = "any"
min_registration_days = 91
"""
NEW_REG = """
[[indicator]]
id = "R3"
title = "New registrations: check within 28 days"
[[indicator.denominator.rules]]
type = "registered_in"
window = { anchor = "period", start = "0d", end = "-28d" }
[[indicator.numerator.criteria]]
type = "event"
codelist = "new_patient_check"
window = { anchor = "registration_start", start = "0d", end = "28d" }
"""
FLU_SEASON = """
[[indicator]]
id = "F1"
title = "Flu this season"
[[indicator.numerator.criteria]]
type = "event"
codelist = "flu_vaccination"
window = { anchor = "season:09-01..03-31" }
"""
PER_EVENT = """
[[indicator]]
id = "E1"
title = "Alcohol screen or drug review"
[indicator.numerator]
require = "any"
[[indicator.numerator.criteria]]
type = "event"
codelist = "audit_c"
[[indicator.numerator.criteria]]
type = "event"
codelist = "drug_review"
[indicator.scoring]
per_event = 25.0
"""
DRUG_REVIEW = "1048091000000104"


def _dna(day: dt.date, action: str, after_days: int = 2) -> DnaRow:
    done = dt.datetime.combine(day, dt.time(10)) + dt.timedelta(days=after_days)
    return DnaRow(dt.datetime.combine(day, dt.time(10)), None, (DnaActionRow(action, "done", done),))


CASES += [
    Case("temporary residents are not on the registered list", REGISTER_ANY, [
        (patient(1), "num"),
        (patient(2, registrations=(RegistrationRow(D(2026, 3, 1), planned_end=D(2026, 5, 1), kind=TEMP),)), "out"),
        (patient(3, registrations=(RegistrationRow(D(2026, 3, 25), planned_end=D(2026, 4, 8), kind=INT),)), "out"),
        # temporary, then registered permanently: on the list
        (patient(4, registrations=(RegistrationRow(D(2025, 6, 1), planned_end=D(2025, 8, 31), kind=TEMP),
                                   RegistrationRow(D(2025, 9, 1)))), "num"),
        # registered, and a temporary registration on top: on the list once
        (patient(5, registrations=(RegistrationRow(D(2020, 1, 1)),
                                   RegistrationRow(D(2026, 3, 1), planned_end=D(2026, 4, 30), kind=TEMP))), "num"),
        # was registered, now only a temporary resident
        (patient(6, registrations=(RegistrationRow(D(2020, 1, 1), D(2025, 12, 31)),
                                   RegistrationRow(D(2026, 3, 1), planned_end=D(2026, 4, 30), kind=TEMP))), "out"),
    ]),
    Case("an indicator may opt in to temporary residents", REGISTER_ANY.replace(
        'categories = "any"', 'categories = "any"\ninclude_temporary = true'), [
        (patient(1), "num"),
        (patient(2, registrations=(RegistrationRow(D(2026, 3, 1), planned_end=D(2026, 5, 1), kind=TEMP),)), "num"),
        (patient(3, registrations=(RegistrationRow(D(2026, 3, 25), planned_end=D(2026, 4, 8), kind=INT),)), "num"),
        (patient(4, registrations=(RegistrationRow(D(2026, 1, 1), planned_end=D(2026, 3, 30), kind=TEMP),)), "out"),
    ]),
    Case("linked records count once, on the surviving record", ANNUAL, [
        (patient(1), "num"),  # with the review recorded on the record linked to it
        (patient(2, linked_to_id=1, events=(ev(MH_REVIEW, D(2025, 6, 1)),)), "out"),
        (patient(3, flags=()), "num"),  # its flag and review are on 4
        (patient(4, linked_to_id=3, flags=HOMELESS, events=(ev(MH_REVIEW, D(2025, 7, 1)),)), "out"),
        (patient(5, registrations=()), "missing"),  # registered only on the record linked to it
        (patient(6, linked_to_id=5, flags=()), "out"),
        (patient(7, linked_to_id=6), "out"),  # linked to a linked record: a chain, not counted
        (patient(8, linked_to_id=8), "out"),  # linked to itself: not a surviving record
    ]),
    Case("registered at least 91 days: continuous registration", REGISTER_91, [
        # consecutive periods are one registration
        (patient(1, registrations=(RegistrationRow(D(2025, 1, 1), D(2025, 12, 31)), RegistrationRow(D(2026, 1, 1)))), "num"),
        # a day's gap: registered again on 1 January, 90 days
        (patient(2, registrations=(RegistrationRow(D(2025, 1, 1), D(2025, 12, 30)), RegistrationRow(D(2026, 1, 1)))), "out"),
        # overlapping periods are one registration
        (patient(3, registrations=(RegistrationRow(D(2024, 1, 1)), RegistrationRow(D(2026, 2, 1)))), "num"),
        # an earlier record of the same person carries on into this one
        (patient(4, registrations=(RegistrationRow(D(2026, 1, 1)),)), "num"),
        (patient(5, linked_to_id=4, flags=(), registrations=(RegistrationRow(D(2025, 1, 1), D(2025, 12, 31)),)), "out"),
        # time as a temporary resident is not time on the list
        (patient(6, registrations=(RegistrationRow(D(2025, 10, 1), planned_end=D(2025, 12, 31), kind=TEMP),
                                   RegistrationRow(D(2026, 1, 1)))), "out"),
        # a planned end that lapsed, then registered again the next day
        (patient(7, registrations=(RegistrationRow(D(2025, 6, 1), D(2025, 11, 30), D(2025, 9, 30)),
                                   RegistrationRow(D(2025, 10, 1)))), "num"),
    ]),
    Case("a second, overlapping registration is not a new registration", NEW_REG, [
        (patient(1, registrations=(RegistrationRow(D(2020, 1, 1)), RegistrationRow(D(2025, 6, 1))),
                 events=(ev(NPHC, D(2025, 6, 10)),)), "out"),
        (patient(2, registrations=(RegistrationRow(D(2020, 1, 1), D(2025, 5, 31)), RegistrationRow(D(2025, 6, 1)))), "out"),
        (patient(3, registrations=(RegistrationRow(D(2020, 1, 1), D(2025, 4, 30)), RegistrationRow(D(2025, 6, 1))),
                 events=(ev(NPHC, D(2025, 6, 10)),)), "num"),
        (patient(4, registrations=(RegistrationRow(D(2025, 6, 1)),)), "missing"),
        # a new registration on a record linked to an older one of the same person is not new
        (patient(5, registrations=(RegistrationRow(D(2025, 6, 1)),)), "out"),
        (patient(6, linked_to_id=5, flags=(), registrations=(RegistrationRow(D(2019, 1, 1), D(2025, 5, 31)),)), "out"),
    ]),
    Case("one event per day: a duplicate entry counts once", """
[[indicator]]
id = "E2"
title = "Hep B course"
[[indicator.numerator.criteria]]
type = "event"
codelist = "hepb_vaccination"
min_count = 3
window = { anchor = "period_end", start = "-5y", end = "0d" }
""", [
        (patient(1, events=tuple(ev(HEPB_VACC, d) for d in (D(2025, 1, 1), D(2025, 2, 1), D(2025, 7, 1)))), "num"),
        (patient(2, events=tuple(ev(HEPB_VACC, d) for d in (D(2025, 1, 1), D(2025, 1, 1), D(2025, 7, 1)))), "missing"),
    ], events={1: 3}),
    Case("per-event payments count a patient's days with an event", PER_EVENT, [
        (patient(1, events=(ev(AUDITC, D(2025, 5, 1), 3.0), ev(AUDITC, D(2025, 5, 1), 3.0))), "num"),
        (patient(2, events=(ev(AUDITC, D(2025, 5, 1), 3.0), ev(DRUG_REVIEW, D(2025, 5, 1)))), "num"),
        (patient(3, events=(ev(AUDITC, D(2025, 5, 1), 3.0), ev(DRUG_REVIEW, D(2025, 6, 1)),
                            ev(DRUG_REVIEW, D(2025, 6, 1)))), "num"),
        (patient(4), "missing"),
    ], events={1: 1, 2: 1, 3: 2, 4: 0}),
    Case("flu season: a year", FLU_SEASON, [
        (patient(1, events=(ev(FLU, D(2025, 9, 1)),)), "num"),
        (patient(2, events=(ev(FLU, D(2025, 8, 31)),)), "missing"),
        (patient(3, events=(ev(FLU, D(2026, 3, 31)),)), "num"),
    ]),
    Case("flu season: a quarter inside the season", FLU_SEASON, [
        (patient(1, events=(ev(FLU, D(2025, 9, 1)),)), "num"),  # before the quarter, in the season
        (patient(2, events=(ev(FLU, D(2025, 8, 31)),)), "missing"),
        (patient(3, events=(ev(FLU, D(2026, 1, 5)),)), "missing"),  # after the period end
    ], parse_period("2025Q3")),
    Case("flu season: a quarter after the season measures the last season", FLU_SEASON, [
        (patient(1, events=(ev(FLU, D(2024, 10, 1)),)), "num"),
        (patient(2, events=(ev(FLU, D(2025, 4, 15)),)), "missing"),  # out of season
        (patient(3, events=(ev(FLU, D(2024, 8, 31)),)), "missing"),
    ], parse_period("2025Q1")),
    Case("outreach after a missed appointment: reminders do not count", """
[[indicator]]
id = "T12"
title = "DNA outreach"
[[indicator.denominator.rules]]
type = "dna"
window = { anchor = "period_end", start = "-12m+1d", end = "-14d" }
[[indicator.numerator.criteria]]
type = "dna"
window = { anchor = "period_end", start = "-12m+1d", end = "-14d" }
followed_up_within_days = 14
""", [
        (patient(1, dnas=(_dna(D(2025, 6, 1), "contact_via_keyworker"),)), "num"),
        (patient(2, dnas=(_dna(D(2025, 6, 1), "clinician_review"),)), "num"),
        (patient(3, dnas=(_dna(D(2025, 6, 1), "sms_reminder"),)), "missing"),
        (patient(4, dnas=(_dna(D(2025, 6, 1), "letter"),)), "missing"),
        (patient(5, dnas=(_dna(D(2025, 6, 1), "gentle_letter"),)), "missing"),
    ]),
    Case("language tags compare case-insensitively", """
[[indicator]]
id = "T13"
title = "Interpreter recorded"
[[indicator.denominator.rules]]
type = "attribute"
field = "main_language"
op = "not_in"
value = ["en", "en-GB"]
[[indicator.numerator.criteria]]
type = "attribute"
field = "main_language"
op = "eq"
value = "pl"
""", [
        (patient(1, main_language="EN"), "out"),
        (patient(2, main_language="en-gb"), "out"),
        (patient(3, main_language="PL"), "num"),
        (patient(4, main_language="Ti"), "missing"),
        (patient(5, main_language="   "), "out"),  # spaces only: not recorded
    ]),
    Case("a keyworker of only spaces is not recorded", """
[[indicator]]
id = "T14"
title = "Keyworker"
[[indicator.numerator.criteria]]
type = "attribute"
field = "keyworker_name"
op = "present"
""", [
        (patient(1, keyworker_name="Sam Okafor"), "num"),
        (patient(2, keyworker_name="   "), "missing"),
        (patient(3, keyworker_name=""), "missing"),
        (patient(4), "missing"),
        (patient(5, keyworker_name=" Sam "), "num"),
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
    outcomes = memory_engine.evaluate(ind, [p for p, _ in case.rows], case.period, s.codelists)
    assert {o.patient_id: _label(o) for o in outcomes} == _expected(case)
    if case.events:
        assert {o.patient_id: o.events for o in outcomes if o.patient_id in case.events} == case.events


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
    if case.events:
        assert {o.patient_id: o.events for o in outcomes if o.patient_id in case.events} == case.events
    total = tallies[s.indicators[0].id].total
    assert total.denominator == len(_expected(case))
    assert total.numerator == sum(1 for v in _expected(case).values() if v == "num")

