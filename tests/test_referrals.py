"""Referrals to partner services through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.config import parse_config
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.mdt import REFERRAL_ACCEPTED_CODE, REFERRAL_SENT_CODE
from inclusion_practice.domain.referrals import PartnerServiceKind, ReferralStatus
from inclusion_practice.errors import ConfigError, InvalidInput, NotFound, PermissionDenied
from inclusion_practice.storage.tables import AuditEvent, ClinicalEvent, Referral
from tests.mdt_support import make_users, overlapping


@pytest.fixture
def users(ip: InclusionPractice) -> dict[str, Actor]:
    return make_users(ip)


def _counts(ip: InclusionPractice) -> tuple[int, int, int]:
    with ip.db.read() as uow:
        return tuple(uow.session.exec(select(func.count()).select_from(t)).one()  # type: ignore[return-value]
                     for t in (Referral, ClinicalEvent, AuditEvent))  # type: ignore[attr-defined]


def test_a_referral_goes_to_the_drug_and_alcohol_service_and_its_reply_is_recorded(
    ip: InclusionPractice, users: dict[str, Actor]
) -> None:
    p = overlapping(ip)
    r = ip.referrals.create(users["clinician"], p, "city-drug-alcohol", "drug-tx",
                            "Wants help to cut down; agreed at MDT", "summary",
                            sent_on=dt.date(2026, 11, 2))
    assert (r.status, r.service, r.reply_due, r.referred_by) == (
        ReferralStatus.SENT, PartnerServiceKind.DRUG_AND_ALCOHOL, dt.date(2026, 11, 16), "drokafor")
    assert [x.id for x in ip.referrals.overdue(users["receptionist"])] == [r.id]
    accepted = ip.referrals.record_reply(users["receptionist"], r.id, "accepted", on=dt.date(2026, 11, 20))
    assert accepted.accepted_on == dt.date(2026, 11, 20)
    assert ip.referrals.overdue(users["receptionist"]) == []
    seen = ip.referrals.record_reply(users["receptionist"], r.id, "seen")
    assert seen.status is ReferralStatus.SEEN and seen.seen_on == ip.clock.today()
    with ip.db.read() as uow:
        events = sorted((e.code, e.event_date, e.value) for e in uow.session.exec(select(ClinicalEvent).where(
            ClinicalEvent.patient_id == p, ClinicalEvent.system == "local")).all())
    assert events == [(REFERRAL_ACCEPTED_CODE, dt.date(2026, 11, 20), 18.0),
                      (REFERRAL_SENT_CODE, dt.date(2026, 11, 2), None)]
    assert [x.id for x in ip.referrals.for_patient(users["receptionist"], p)] == [r.id]
    assert ip.referrals.find(users["manager"], status="seen")[0].id == r.id


def test_bad_referrals_are_refused_naming_the_field_and_write_nothing(
    ip: InclusionPractice, users: dict[str, Actor]
) -> None:
    p = overlapping(ip)
    before = _counts(ip)
    doc = users["clinician"]
    cases = [
        (lambda: ip.referrals.create(doc, p, "nowhere", "drug-tx", "why", "summary"), "partner"),
        (lambda: ip.referrals.create(doc, p, "st-annes-hostel", "drug-tx", "why", "summary"), "partner"),
        (lambda: ip.referrals.create(doc, p, "city-drug-alcohol", "housing", "why", "summary"), "partner"),
        (lambda: ip.referrals.create(doc, p, "city-drug-alcohol", "zzz", "why", "summary"), "reason_code"),
        (lambda: ip.referrals.create(doc, p, "city-drug-alcohol", "drug-tx", " ", "summary"), "reason"),
        (lambda: ip.referrals.create(doc, p, "city-drug-alcohol", "drug-tx", "why", "none"), "consent"),
        (lambda: ip.referrals.create(doc, p, "city-drug-alcohol", "drug-tx", "why", "summary",
                                     sent_on=dt.date(2027, 1, 1)), "sent_on"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInput) as err:
            call()
        assert err.value.field == field, (field, err.value)
    with pytest.raises(NotFound):
        ip.referrals.create(doc, 999, "city-drug-alcohol", "drug-tx", "why", "summary")
    with pytest.raises(PermissionDenied):
        ip.referrals.create(users["receptionist"], p, "city-drug-alcohol", "drug-tx", "why", "summary")
    assert _counts(ip) == before
    r = ip.referrals.create(doc, p, "city-drug-alcohol", "drug-tx", "why", "identity")
    after = _counts(ip)
    for status, field in [("seen", "status"), ("declined", "note"), ("sent", "status")]:
        with pytest.raises(InvalidInput) as err:
            ip.referrals.record_reply(users["receptionist"], r.id, status)
        assert err.value.field == field
    assert _counts(ip) == after


def test_a_partner_offering_services_needs_a_contact_route() -> None:
    text = """
[practice]
name = "P"
ods_code = "Y99901"
phone = "0113 496 0000"
address = { lines = ["1 Street"], postcode = "LS1 4AP" }
[[partners]]
code = "x"
name = "X"
kind = "drug_alcohol_service"
services = ["drug_and_alcohol"]
address = { lines = ["1 Street"], postcode = "LS1 4AP" }
"""
    with pytest.raises(ConfigError, match="contact_route"):
        parse_config(text)
    with pytest.raises(ConfigError, match="services"):
        parse_config(text.replace('["drug_and_alcohol"]', '["podiatry"]'))
