"""MDT meetings through the service, on SQLite and PostgreSQL: candidates, agenda, discussion,
actions and their worklist, consent, privacy of the partner agenda and the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.mdt import (
    MDT_CANDIDATE_CODE,
    MDT_DISCUSSED_CODE,
    ActionStatus,
    MdtRule,
    ShareConsent,
)
from inclusion_practice.errors import InvalidInput, NotFound, PermissionDenied
from inclusion_practice.storage.tables import (
    AccessEvent,
    AuditEvent,
    ClinicalEvent,
    MdtAction,
    MdtItem,
    MdtMeeting,
)
from tests.mdt_support import discharged, make_users, not_a_candidate, overlapping

MEETING = dt.date(2026, 11, 26)


@pytest.fixture
def users(ip: InclusionPractice) -> dict[str, Actor]:
    return make_users(ip)


def _counts(ip: InclusionPractice) -> dict[str, int]:
    with ip.db.read() as uow:
        return {t.__tablename__: uow.session.exec(select(func.count()).select_from(t)).one()  # type: ignore[attr-defined]
                for t in (MdtMeeting, MdtItem, MdtAction, ClinicalEvent, AuditEvent)}


def _events(ip: InclusionPractice, code: str) -> list[tuple[int, dt.date, float | None]]:
    with ip.db.read() as uow:
        rows = uow.session.exec(select(ClinicalEvent).where(ClinicalEvent.code == code)).all()
        return sorted((r.patient_id, r.event_date, r.value) for r in rows)


def test_candidates_carry_the_rule_that_put_them_there_and_hide_restricted_needs_by_role(
    ip: InclusionPractice, users: dict[str, Actor]
) -> None:
    a = overlapping(ip)
    b = discharged(ip)
    not_a_candidate(ip)
    by_clinician = {c.patient_id: c for c in ip.mdt.candidates(users["clinician"])}
    assert set(by_clinician) == {a, b}
    assert by_clinician[a].rules == (MdtRule.OVERLAPPING_NEEDS,)
    assert by_clinician[b].rules == (MdtRule.HOSPITAL_DISCHARGE,)
    assert "substance use" in by_clinician[a].why[0]
    by_manager = {c.patient_id: c for c in ip.mdt.candidates(users["manager"])}
    assert "substance" not in by_manager[a].why[0] and "not shown to your role" in by_manager[a].why[0]


def test_a_manager_builds_the_agenda_a_clinician_records_outcomes_and_reception_sees_actions_due(
    ip: InclusionPractice, users: dict[str, Actor]
) -> None:
    a, b = overlapping(ip), discharged(ip)
    c = not_a_candidate(ip)
    m = ip.mdt.create_meeting(users["manager"], MEETING, partners=["city-drug-alcohol", "street-outreach"],
                              users=["drokafor"])
    agenda = ip.mdt.build_agenda(users["manager"], m.id)
    assert [i.patient_id for i in agenda.items] == [a, b]  # longest waiting first
    hand = ip.mdt.add_patient(users["manager"], m.id, c, "keyworker worried about weight loss",
                              consent="summary")
    assert hand.source == "hand" and hand.rules == ()
    assert [x.label for x in ip.mdt.agenda(users["manager"], m.id).partner_attendees] == [
        "City Drug and Alcohol Service (synthetic)", "City Street Outreach Team (synthetic)"]
    # Candidates were coded once, dated the day they met the rule.
    assert _events(ip, MDT_CANDIDATE_CODE) == [
        (a, dt.date(2020, 1, 1), None), (b, dt.date(2026, 11, 18), None)]
    ip.mdt.build_agenda(users["manager"], m.id)  # again: no duplicates
    assert len(ip.mdt.agenda(users["manager"], m.id).items) == 3

    with pytest.raises(InvalidInput, match="record the discussion on or after the day"):
        ip.mdt.record_discussion(users["clinician"], agenda.items[0].id, "s", "Dr Okafor")
    ip.clock.advance(dt.timedelta(days=3))  # type: ignore[attr-defined]
    items = ip.mdt.agenda(users["clinician"], m.id).items
    for item in items:
        ip.mdt.record_discussion(users["clinician"], item.id, f"Discussed {item.patient_name}",
                                 "Dr Amara Okafor")
    ip.mdt.add_action(users["clinician"], items[0].id, "Refer to drug and alcohol service",
                      "partner:city-drug-alcohol", due_on=dt.date(2026, 12, 3))
    ip.mdt.add_action(users["clinician"], items[1].id, "Book a post-discharge review", "reception1",
                      due_on=dt.date(2026, 11, 27))
    later = ip.mdt.add_action(users["clinician"], items[2].id, "Weigh at next visit", "drokafor")
    assert later.due_on == MEETING + dt.timedelta(days=14)

    discussed = _events(ip, MDT_DISCUSSED_CODE)
    assert discussed == [(a, MEETING, float((MEETING - dt.date(2020, 1, 1)).days)),
                         (b, MEETING, 8.0), (c, MEETING, None)]
    assert ip.mdt.meetings(users["receptionist"])[0].status == "held"
    # Discussed patients leave the candidate list.
    assert ip.mdt.candidates(users["clinician"]) == []

    ip.clock.advance(dt.timedelta(days=2))  # type: ignore[attr-defined]
    due = ip.mdt.actions_due(users["receptionist"])
    assert [(x.patient_id, x.owner_label, x.overdue_on(ip.clock.today())) for x in due] == [
        (b, "Reception1", True), (a, "City Drug and Alcohol Service (synthetic)", False)]
    done = ip.mdt.complete_action(users["receptionist"], due[0].id, "Booked for 2 December")
    assert done.status is ActionStatus.DONE and done.completed_on == ip.clock.today()
    assert [x.patient_id for x in ip.mdt.actions_due(users["receptionist"])] == [a]
    assert [x.patient_id for x in ip.mdt.actions_due(users["receptionist"], owner="partner:city-drug-alcohol")] == [a]
    with pytest.raises(InvalidInput, match="already done"):
        ip.mdt.complete_action(users["receptionist"], due[0].id, "again")


def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    ip: InclusionPractice, users: dict[str, Actor]
) -> None:
    p = overlapping(ip)
    m = ip.mdt.create_meeting(users["manager"], MEETING)
    item = ip.mdt.add_patient(users["manager"], m.id, p, "why")
    before = _counts(ip)
    cases = [
        (lambda: ip.mdt.create_meeting(users["manager"], MEETING), "date"),
        (lambda: ip.mdt.create_meeting(users["manager"], dt.date(2030, 1, 1)), "date"),
        (lambda: ip.mdt.create_meeting(users["manager"], dt.date(2026, 12, 1), partners=["nope"]), "partner"),
        (lambda: ip.mdt.add_patient(users["manager"], m.id, p, "again"), "patient"),
        (lambda: ip.mdt.add_patient(users["manager"], m.id, p, "  "), "reason"),
        (lambda: ip.mdt.set_consent(users["manager"], item.id, "everything"), "consent"),
        (lambda: ip.mdt.add_action(users["clinician"], item.id, "x", "nobody"), "owner"),
        (lambda: ip.mdt.add_action(users["clinician"], item.id, " ", "drokafor"), "description"),
        (lambda: ip.mdt.add_action(users["clinician"], item.id, "x", "drokafor",
                                   due_on=dt.date(2026, 11, 1)), "due"),
        (lambda: ip.mdt.record_discussion(users["clinician"], item.id, "", "Dr"), "summary"),
        (lambda: ip.mdt.record_discussion(users["clinician"], item.id, "s", " "), "lead_professional"),
        (lambda: ip.mdt.complete_action(users["receptionist"], 1, "x", status="open"), "status"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInput) as err:
            call()
        assert err.value.field == field, (field, err.value)
    with pytest.raises(NotFound):
        ip.mdt.add_patient(users["manager"], m.id, 9999, "why")
    with pytest.raises(NotFound):
        ip.mdt.agenda(users["manager"], 9999)
    assert _counts(ip) == before


def test_permissions_partners_do_not_log_in_and_reception_cannot_plan_or_record(
    ip: InclusionPractice, users: dict[str, Actor]
) -> None:
    m = ip.mdt.create_meeting(users["clinician"], MEETING)
    with pytest.raises(PermissionDenied):
        ip.mdt.create_meeting(users["receptionist"], dt.date(2026, 12, 3))
    with pytest.raises(PermissionDenied):
        ip.mdt.partner_agenda(users["receptionist"], m.id)
    item = ip.mdt.add_patient(users["manager"], m.id, overlapping(ip), "why")
    with pytest.raises(PermissionDenied):
        ip.mdt.record_discussion(users["manager"], item.id, "s", "lead")
    assert ip.mdt.agenda(users["receptionist"], m.id).items[0].flags == ("Homelessness",)
    assert set(ip.mdt.agenda(users["clinician"], m.id).items[0].flags) == {"Homelessness", "Substance use"}


def test_the_partner_agenda_carries_only_what_each_patient_consented_to_share_and_never_a_flag(
    ip: InclusionPractice, users: dict[str, Actor]
) -> None:
    none_p, ident_p, summary_p = overlapping(ip), overlapping(ip), overlapping(ip)
    m = ip.mdt.create_meeting(users["manager"], MEETING, partners=["city-drug-alcohol"])
    ip.mdt.add_patient(users["manager"], m.id, none_p, "no consent recorded")
    ip.mdt.add_patient(users["manager"], m.id, ident_p, "identity only", consent="identity")
    s = ip.mdt.add_patient(users["manager"], m.id, summary_p,
                           "Substance use worsening; sex work mentioned; drug use increasing", consent="summary")
    ip.mdt.add_action(users["clinician"], s.id, "Offer substance use key worker", "partner:city-drug-alcohol")
    full = ip.mdt.agenda(users["clinician"], m.id)
    names = {i.patient_id: i.patient_name for i in full.items}
    shared = ip.mdt.partner_agenda(users["manager"], m.id)
    assert shared.organisations == ("City Drug and Alcohol Service (synthetic)",)
    by_consent = {i.consent: i for i in shared.items}
    assert by_consent[ShareConsent.NONE].name is None and by_consent[ShareConsent.NONE].why == ()
    assert by_consent[ShareConsent.IDENTITY].name == names[ident_p]
    assert by_consent[ShareConsent.IDENTITY].why == ()
    summary = by_consent[ShareConsent.SUMMARY]
    assert summary.name == names[summary_p]
    text = repr(shared).lower().replace("city drug and alcohol service", "the partner")
    assert names[none_p].lower() not in text
    for secret in ("substance", "sex work", "drug"):
        assert secret not in text
    assert "[withheld]" in " ".join(summary.why + summary.actions)


def test_every_agenda_read_and_print_is_in_the_access_log(
    ip: InclusionPractice, users: dict[str, Actor]
) -> None:
    p, q = overlapping(ip), overlapping(ip)
    m = ip.mdt.create_meeting(users["manager"], MEETING)
    ip.mdt.add_patient(users["manager"], m.id, p, "why", consent="identity")
    ip.mdt.add_patient(users["manager"], m.id, q, "why")
    ip.mdt.agenda_for_print(users["manager"], m.id)
    ip.mdt.partner_agenda(users["clinician"], m.id)
    with ip.db.read() as uow:
        rows = uow.session.exec(select(AccessEvent).where(
            AccessEvent.purpose.like("mdt.agenda.print%"))).all()  # type: ignore[attr-defined]
        got = sorted((r.purpose, r.actor, r.patient_ids) for r in rows)
    assert got == [("mdt.agenda.print", "manager1", f"[{p}, {q}]"),
                   ("mdt.agenda.print.partner", "drokafor", f"[{p}]")]
    assert [r.purpose for r in ip.access_log.for_patient(users["manager"], q)].count("mdt.agenda.print") == 1


def test_withdrawn_and_cancelled_are_ended_not_erased(ip: InclusionPractice, users: dict[str, Actor]) -> None:
    p = overlapping(ip)
    m = ip.mdt.create_meeting(users["manager"], MEETING)
    item = ip.mdt.add_patient(users["manager"], m.id, p, "why")
    ip.mdt.withdraw(users["manager"], item.id, "moved away")
    assert ip.mdt.agenda(users["manager"], m.id).items == ()
    ip.mdt.cancel_meeting(users["manager"], m.id, "room unavailable")
    with ip.db.read() as uow:
        row = uow.session.get(MdtItem, item.id)
        assert row is not None and row.withdrawn_reason == "moved away"
        meeting = uow.session.get(MdtMeeting, m.id)
        assert meeting is not None and meeting.status == "cancelled"
    # Another meeting can now be planned that day.
    assert ip.mdt.create_meeting(users["manager"], MEETING).id != m.id
