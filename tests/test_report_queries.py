"""Aggregate counts behind the returns, on SQLite and PostgreSQL, at the period edges."""

from __future__ import annotations

import datetime as dt

from inclusion_practice.api import InclusionPractice
from inclusion_practice.storage import report_queries as q
from tests import returns_support as data

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
