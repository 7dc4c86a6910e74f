"""Aggregate counts behind the returns, on SQLite and PostgreSQL, at the period edges."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.span import covers
from inclusion_practice.errors import NoActingUser, PermissionDenied
from inclusion_practice.storage import report_queries as q
from inclusion_practice.storage.database import Database
from tests import returns_support as data
from tests.conftest import NOW

FIRST, LAST = dt.date(2025, 4, 1), dt.date(2026, 3, 31)


def test_the_register_counts_new_ended_and_current_patients_at_the_year_edges(
    ip: InclusionPractice,
) -> None:
    with ip.db.engine.begin() as conn:
        # On the register all year.
        data.patient(conn, 1, flags=(("homelessness", dt.date(2024, 1, 1), None),))
        # Flagged on 1 April: new this year.
        data.patient(conn, 2, flags=(("homelessness", FIRST, None),))
        # Flag ends on 31 March (its last day): still on the register at the year end,
        # comes off next year.
        data.patient(conn, 3, flags=(("homelessness", dt.date(2024, 1, 1), LAST),))
        # Flag ended on 31 March last year: came off on 1 April, this year.
        data.patient(conn, 4, flags=(("homelessness", dt.date(2024, 1, 1), FIRST - dt.timedelta(1)),))
        # Flagged on 1 April next year: not in this year at all.
        data.patient(conn, 5, flags=(("homelessness", LAST + dt.timedelta(1), None),))
        # Deregistered in the year: flagged but not on the register at the end.
        data.patient(conn, 6, reg_end=dt.date(2025, 9, 1), reg_end_reason="moved",
                     flags=(("sex_work", dt.date(2024, 1, 1), None),))
        # Two categories: counted in each, once in the total.
        data.patient(conn, 7, flags=(("homelessness", dt.date(2025, 6, 1), None),
                                     ("substance_use", dt.date(2025, 6, 1), None)))
    with ip.db.connection() as conn:
        counts = {r.category: r for r in q.register_flow(conn, FIRST, LAST)}
    home = counts["homelessness"]
    # at start 1, 3, 4; joined 2, 7; left 4; at end 1, 2, 3, 7
    assert (home.at_start, home.joined, home.left, home.at_end) == (3, 2, 1, 4)
    # on at the start, left with the practice in September
    sex_work = counts["sex_work"]
    assert (sex_work.at_start, sex_work.joined, sex_work.left, sex_work.at_end) == (1, 0, 1, 0)
    assert counts["substance_use"].at_end == 1
    total = counts[None]
    assert (total.at_start, total.joined, total.left, total.at_end) == (4, 2, 2, 4)
    assert all(r.balances for r in counts.values())


def test_registrations_deregistrations_and_refusals_are_counted_by_kind_and_reason(
    ip: InclusionPractice,
) -> None:
    with ip.db.engine.begin() as conn:
        data.patient(conn, 1, registered=FIRST, correspondence_kind="practice", no_fixed_abode=True)
        data.patient(conn, 2, registered=LAST, kind="temporary", correspondence_kind="partner")
        data.patient(conn, 3, registered=FIRST - dt.timedelta(1))  # last year
        data.patient(conn, 4, registered=dt.date(2025, 5, 1), reg_end=LAST, reg_end_reason="died")
        data.refusal(conn, "outside_boundary", dt.date(2025, 5, 1), dt.date(2025, 5, 10))
        data.refusal(conn, "outside_boundary", dt.date(2025, 6, 1), dt.date(2025, 6, 30))
        data.refusal(conn, "list_closed", LAST, None)
        data.refusal(conn, "list_closed", LAST + dt.timedelta(1), None)  # next year
    with ip.db.connection() as conn:
        regs = {r.kind: r for r in q.registrations_by_kind(conn, FIRST, LAST)}
        dereg = q.deregistrations_by_reason(conn, FIRST, LAST)
        refusals = {r.reason: r for r in q.refusals_by_reason(conn, FIRST, LAST)}
    assert (regs["permanent"].new, regs["permanent"].proxy_address, regs["permanent"].no_fixed_abode) == (2, 1, 1)
    assert (regs["temporary"].new, regs["temporary"].proxy_address) == (1, 1)
    assert dereg == {"died": 1}
    ob = refusals["outside_boundary"]
    assert (ob.refused, ob.written_in_time, ob.written_late, ob.not_yet_written) == (2, 1, 1, 0)
    assert (refusals["list_closed"].refused, refusals["list_closed"].not_yet_written) == (1, 1)


def test_access_figures_count_doubles_interpreters_dna_rates_and_outreach(
    ip: InclusionPractice,
) -> None:
    at = dt.datetime(2025, 10, 6, 9, 0)
    with ip.db.engine.begin() as conn:
        data.patient(conn, 1, flags=(("homelessness", dt.date(2024, 1, 1), None),))
        data.patient(conn, 2)
        data.appointment(conn, 1, at, "seen", slots=2, interpreter=("pl", "telephone", "booked"))
        data.appointment(conn, 1, at + dt.timedelta(days=1), "dna", slots=2,
                         dna_actions=(("flexible", "contact_via_keyworker", "done"),
                                      ("flexible", "clinician_review", "due"),
                                      ("flexible", "offer_drop_in", "withdrawn")))
        data.appointment(conn, 1, at + dt.timedelta(days=2), "cancelled_patient",
                         interpreter=("pl", "telephone", "to_cancel"))
        data.appointment(conn, 2, at, "seen", interpreter=("ti", "face_to_face", "to_book"))
        data.appointment(conn, 2, at + dt.timedelta(days=1), "seen")
        data.appointment(conn, 2, at + dt.timedelta(days=2), "dna",
                         dna_actions=(("standard", "sms_reminder", "done"),))
        # Midnight after the year end: next year.
        data.appointment(conn, 2, dt.datetime(2026, 4, 1, 0, 0), "dna")
    with ip.db.connection() as conn:
        appts = q.appointment_counts(conn, FIRST, LAST)
        interp = q.interpreter_appointments(conn, FIRST, LAST)
        rates = {r.flagged: r for r in q.dna_rates(conn, FIRST, LAST)}
        actions = {(a.policy, a.action): a for a in q.dna_actions(conn, FIRST, LAST)}
    assert (appts.appointments, appts.double) == (5, 2)
    assert interp == [("pl", "telephone", 1), ("ti", "face_to_face", 1)]
    assert (rates[True].appointments, rates[True].missed) == (2, 1)
    assert (rates[False].appointments, rates[False].missed) == (3, 1)
    assert actions[("flexible", "contact_via_keyworker")].done == 1
    assert actions[("flexible", "clinician_review")].decided == 1
    assert ("flexible", "offer_drop_in") not in actions  # withdrawn
    assert actions[("standard", "sms_reminder")].done == 1


def test_data_quality_finds_flagged_patients_without_a_route_and_interpreters_without_a_mode(
    ip: InclusionPractice,
) -> None:
    with ip.db.engine.begin() as conn:
        data.patient(conn, 1, contact_route=None, flags=(("homelessness", dt.date(2024, 1, 1), None),))
        data.patient(conn, 2, contact_route=None)  # not flagged: not this check
        data.patient(conn, 3, contact_route=None, reg_end=dt.date(2025, 1, 1), reg_end_reason="moved",
                     flags=(("homelessness", dt.date(2024, 1, 1), None),))  # left
        data.patient(conn, 4, interpreter_needed=True, interpreter_mode=None, main_language="pl")
        data.patient(conn, 5, interpreter_needed=True, interpreter_mode="video", main_language="pl")
    with ip.db.connection() as conn:
        quality = q.data_quality(conn, LAST)
    assert quality == q.DataQualityCounts(flagged_without_contact_route=1, interpreter_without_mode=1)


# --------------------------------------------------------------------------- the register flow

ADMIN = Actor("admin1", "admin")
BEFORE = FIRST - dt.timedelta(days=1)
D = dt.date
Span = tuple[D, D | None]

FLOW_CASES: list[tuple[str, list[tuple[D, D | None, D | None]], list[Span], tuple[int, ...]]] = [
    # (case, registrations (start, end, planned end), homelessness flags (start, end),
    #  expected (at start, joined, left, at end, in and out))
    ("on all year", [(D(2020, 1, 1), None, None)], [(D(2024, 1, 1), None)], (1, 0, 0, 1, 0)),
    ("flag starts on the first day", [(D(2020, 1, 1), None, None)], [(FIRST, None)], (0, 1, 0, 1, 0)),
    ("flag ends on the day before the period", [(D(2020, 1, 1), None, None)],
     [(D(2024, 1, 1), BEFORE)], (1, 0, 1, 0, 0)),
    ("flag ends on the period's last day", [(D(2020, 1, 1), None, None)],
     [(D(2024, 1, 1), LAST)], (1, 0, 0, 1, 0)),
    ("flag starts the day after the period", [(D(2020, 1, 1), None, None)],
     [(LAST + dt.timedelta(days=1), None)], (0, 0, 0, 0, 0)),
    ("left the practice while flagged", [(D(2020, 1, 1), D(2025, 9, 1), None)],
     [(D(2024, 1, 1), None)], (1, 0, 1, 0, 0)),
    ("registration ends on the day before the period", [(D(2020, 1, 1), BEFORE, None)],
     [(D(2024, 1, 1), None)], (1, 0, 1, 0, 0)),
    ("registration ends on the period's last day", [(D(2020, 1, 1), LAST, None)],
     [(D(2024, 1, 1), None)], (1, 0, 0, 1, 0)),
    ("joined the practice while flagged", [(D(2025, 10, 1), None, None)],
     [(D(2024, 1, 1), None)], (0, 1, 0, 1, 0)),
    ("registered on the period's last day while flagged", [(LAST, None, None)],
     [(D(2024, 1, 1), None)], (0, 1, 0, 1, 0)),
    ("flag starts the day registration ends", [(D(2020, 1, 1), D(2025, 9, 1), None)],
     [(D(2025, 9, 1), None)], (0, 0, 0, 0, 1)),
    ("flag starts the day after registration ends", [(D(2020, 1, 1), D(2025, 9, 1), None)],
     [(D(2025, 9, 2), None)], (0, 0, 0, 0, 0)),
    ("re-registration after a gap, flagged throughout",
     [(D(2020, 1, 1), D(2025, 6, 30), None), (D(2025, 10, 1), None, None)],
     [(D(2024, 1, 1), None)], (1, 0, 0, 1, 0)),
    ("re-registration only after the period",
     [(D(2020, 1, 1), D(2025, 6, 30), None), (D(2026, 4, 2), None, None)],
     [(D(2024, 1, 1), None)], (1, 0, 1, 0, 0)),
    ("overlapping registrations count once",
     [(D(2020, 1, 1), None, None), (D(2025, 5, 1), None, None)],
     [(D(2024, 1, 1), None)], (1, 0, 0, 1, 0)),
    ("temporary registration lapses at its planned end", [(D(2025, 1, 1), None, D(2025, 8, 1))],
     [(D(2024, 1, 1), None)], (1, 0, 1, 0, 0)),
    ("temporary registration lapsing on the last day", [(D(2025, 1, 1), None, LAST)],
     [(D(2024, 1, 1), None)], (1, 0, 0, 1, 0)),
    ("two flags back to back", [(D(2020, 1, 1), None, None)],
     [(D(2024, 1, 1), D(2025, 6, 30)), (D(2025, 7, 1), None)], (1, 0, 0, 1, 0)),
    ("flagged for a spell inside the period", [(D(2020, 1, 1), None, None)],
     [(D(2025, 5, 1), D(2025, 7, 1))], (0, 0, 0, 0, 1)),
    ("flagged but never registered", [], [(D(2024, 1, 1), None)], (0, 0, 0, 0, 0)),
]


@pytest.mark.parametrize(("case", "registrations", "flags", "expected"), FLOW_CASES,
                         ids=[c[0] for c in FLOW_CASES])
def test_the_register_flow_classifies_each_edge_case(
    ip: InclusionPractice, case: str, registrations: list[tuple[D, D | None, D | None]],
    flags: list[Span], expected: tuple[int, ...],
) -> None:
    with ip.db.engine.begin() as conn:
        data.bare_patient(conn, 1)
        for start, end, planned in registrations:
            data.registration(conn, 1, start, end, planned)
        for start, end in flags:
            data.flag(conn, 1, "homelessness", start, end)
    flows = {r.category: r for r in ip.reporting.register_flow(ADMIN, FIRST, LAST)}
    zero = (0, 0, 0, 0, 0)
    for key in ("homelessness", None):
        r = flows.get(key)
        got = (r.at_start, r.joined, r.left, r.at_end, r.in_and_out) if r else zero
        assert got == expected, (case, key)
        assert r is None or r.balances


def _link(conn: object, pid: int, to: int) -> None:
    from sqlalchemy import update

    from inclusion_practice.storage import tables as t

    patient_t = t.Patient.__table__  # type: ignore[attr-defined]
    conn.execute(update(patient_t).where(patient_t.c.id == pid).values(linked_to_id=to))  # type: ignore[attr-defined]


def test_temporary_residents_are_counted_beside_the_register_and_linked_records_once(
    ip: InclusionPractice,
) -> None:
    home = (("homelessness", dt.date(2024, 1, 1), None),)
    with ip.db.engine.begin() as conn:
        data.patient(conn, 1, flags=home)
        # A temporary resident, flagged: beside the register, not on it.
        data.patient(conn, 2, registered=dt.date(2026, 3, 1), kind="temporary", flags=home)
        # Immediately necessary treatment covering the year end: the same.
        data.patient(conn, 3, registered=dt.date(2026, 3, 25), kind="immediately_necessary", flags=home)
        # Registered on record 4; the flag is on record 5, linked to 4 as the same person.
        data.patient(conn, 4)
        data.bare_patient(conn, 5)
        data.flag(conn, 5, "homelessness", dt.date(2024, 1, 1))
        # Two records of one person, both registered and flagged: counted once.
        data.patient(conn, 6, flags=home)
        data.patient(conn, 7, flags=home)
        # Registered permanently and, on top, a temporary registration: on the register.
        data.patient(conn, 8, flags=home)
        data.registration(conn, 8, dt.date(2026, 3, 1), planned_end=dt.date(2026, 4, 30), kind="temporary")
        _link(conn, 5, 4)
        _link(conn, 7, 6)
    with ip.db.connection() as conn:
        flows = {r.category: r for r in q.register_flow(conn, FIRST, LAST)}
        sizes = q.list_sizes(conn, LAST)
    for key in ("homelessness", None):
        r = flows[key]
        assert (r.at_start, r.joined, r.left, r.at_end) == (4, 0, 0, 4), key  # 1, 4, 6, 8
        assert r.temporary_at_end == 2, key  # 2 and 3
        assert r.balances
    # List size: 1, 4 (with 5), 6 (with 7), 8; temporary only: 2, 3.
    assert sizes == q.ListSizes(registered=4, temporary=2)


def test_only_roles_that_produce_returns_may_count(ip: InclusionPractice) -> None:
    for role in ("receptionist", "clinician"):
        with pytest.raises(PermissionDenied):
            ip.reporting.register_flow(Actor("someone", role), FIRST, LAST)
    with pytest.raises(NoActingUser):
        ip.reporting.register_flow(None, FIRST, LAST)


# --------------------------------------------------------------------------- the identity, at random

CATEGORIES = ("homelessness", "sex_work", "substance_use")
KINDS = ("permanent", "permanent", "temporary")
Reg = tuple[D, D | None, D | None, str]
EDGES = (BEFORE - dt.timedelta(days=1), BEFORE, FIRST, FIRST + dt.timedelta(days=1),
         dt.date(2025, 9, 30), LAST - dt.timedelta(days=1), LAST, LAST + dt.timedelta(days=1))
days = st.one_of(st.sampled_from(EDGES), st.dates(dt.date(2024, 12, 1), dt.date(2026, 6, 30)))


@st.composite
def spans(draw: st.DrawFn) -> tuple[D, D | None]:
    start = draw(days)
    end = draw(st.none() | days.filter(lambda d: d >= start))
    return start, end


@st.composite
def practices(draw: st.DrawFn) -> list[tuple[list[Reg], list[tuple[str, D, D | None]]]]:
    out = []
    for _ in range(draw(st.integers(1, 6))):
        regs = []
        for start, end in draw(st.lists(spans(), max_size=3)):
            planned = draw(st.none() | days.filter(lambda d, s=start: d >= s))
            regs.append((start, end, planned, draw(st.sampled_from(KINDS))))
        flags = [(draw(st.sampled_from(CATEGORIES)), s, e) for s, e in draw(st.lists(spans(), max_size=3))]
        out.append((regs, flags))
    return out


def _model(people: list[tuple[list[Reg], list[tuple[str, D, D | None]]]],
           category: str | None) -> tuple[int, int, int, int, int]:
    """The definition, written out day by day with the domain's ``covers`` (only registered-
    list registrations count)."""
    def on(regs: list[Reg], flags: list[tuple[str, D, D | None]], d: D) -> bool:
        return (any(covers(s, e, d, p) for s, e, p, k in regs if k == "permanent")
                and any(covers(s, e, d) for c, s, e in flags if category in (None, c)))

    start = joined = left = end = in_out = 0
    period = [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    for regs, flags in people:
        a, b = on(regs, flags, BEFORE), on(regs, flags, LAST)
        start += a
        end += b
        joined += (not a) and b
        left += a and not b
        in_out += (not a) and (not b) and any(on(regs, flags, d) for d in period)
    return start, joined, left, end, in_out


@settings(max_examples=60, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people=practices())
def test_at_start_plus_joined_minus_left_is_at_end_for_every_category_at_random(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, config: PracticeConfig,
    people: list[tuple[list[Reg], list[tuple[str, D, D | None]]]],
) -> None:
    path = tmp_path_factory.mktemp("flow") / "flow.db"
    shutil.copy(sqlite_template, path)
    clock = FixedClock(NOW)
    ip = InclusionPractice(Database(f"sqlite:///{path}", clock=clock), config, clock)
    try:
        with ip.db.engine.begin() as conn:
            for pid, (regs, flags) in enumerate(people, start=1):
                data.bare_patient(conn, pid)
                for s, e, p, k in regs:
                    data.registration(conn, pid, s, e, p, kind=k)
                for c, s, e in flags:
                    data.flag(conn, pid, c, s, e)
        flows = {r.category: r for r in ip.reporting.register_flow(ADMIN, FIRST, LAST)}
    finally:
        ip.close()
    for category in (*CATEGORIES, None):
        r = flows.get(category)
        got = (r.at_start, r.joined, r.left, r.at_end, r.in_and_out) if r else (0, 0, 0, 0, 0)
        assert got == _model(people, category), category
        assert got[0] + got[1] - got[2] == got[3], category
