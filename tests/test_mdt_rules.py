"""The MDT candidate rules and the referral status rules, as tables (pure: no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.domain.mdt import (
    HOSPITAL_DISCHARGE_CODE,
    MdtRule,
    MdtSettings,
    OwnerKind,
    PatientFacts,
    ShareConsent,
    candidate_reasons,
    clean_text,
    days_waited,
    parse_consent,
    parse_owner,
)
from inclusion_practice.domain.mdt import FlagSpan as F
from inclusion_practice.domain.referrals import (
    ReferralStatus,
    check_transition,
    clean_reason_text,
    is_overdue,
    parse_reason,
    parse_status,
    reply_due,
)
from inclusion_practice.errors import InvalidInput

ON = dt.date(2026, 11, 23)
S = MdtSettings()
D = dt.date
SCHIZOPHRENIA = "58214004"


def facts(**kw: object) -> PatientFacts:
    base: dict[str, object] = dict(patient_id=1, registered_since=D(2025, 1, 1), contacts=(D(2026, 11, 1),))
    base.update(kw)
    return PatientFacts(**base)  # type: ignore[arg-type]


def rules(f: PatientFacts, on: dt.date = ON) -> dict[MdtRule, dt.date]:
    return {r.rule: r.met_on for r in candidate_reasons(f, on, S, 12)}


@pytest.mark.parametrize(
    ("flags", "events", "expected"),
    [
        # one need alone is not enough
        ((F("homelessness", D(2026, 1, 1)),), (), {}),
        # homelessness + substance use: met on the day the second began
        ((F("homelessness", D(2026, 1, 1)), F("substance_use", D(2026, 3, 4))), (),
         {MdtRule.OVERLAPPING_NEEDS: D(2026, 3, 4)}),
        # homelessness + a severe-mental-illness code
        ((F("homelessness", D(2026, 5, 1)),), ((SCHIZOPHRENIA, D(2024, 2, 2)),),
         {MdtRule.OVERLAPPING_NEEDS: D(2026, 5, 1)}),
        # an ended flag does not count
        ((F("homelessness", D(2025, 1, 1), D(2026, 1, 1)), F("substance_use", D(2026, 3, 4))), (), {}),
        # a flag starting after the day does not count yet
        ((F("homelessness", D(2026, 1, 1)), F("substance_use", D(2026, 12, 1))), (), {}),
        # a mental-health code dated after the day does not count
        ((F("homelessness", D(2026, 1, 1)),), ((SCHIZOPHRENIA, D(2026, 12, 1)),), {}),
    ],
)
def test_two_or_more_overlapping_needs_make_a_candidate(
    flags: tuple[F, ...], events: tuple[tuple[str, dt.date], ...], expected: dict[MdtRule, dt.date]
) -> None:
    assert rules(facts(flags=flags, events=events)) == expected


@pytest.mark.parametrize(
    ("dnas", "expected"),
    [
        ((D(2026, 10, 1), D(2026, 11, 1)), {}),
        ((D(2026, 3, 1), D(2026, 10, 1), D(2026, 11, 1)), {MdtRule.REPEATED_DNAS: D(2026, 11, 1)}),
        # the first falls outside the 12-month window
        ((D(2025, 11, 23), D(2026, 10, 1), D(2026, 11, 1)), {}),
        # exactly 12 months back (day after) counts
        ((D(2025, 11, 24), D(2026, 10, 1), D(2026, 11, 1)), {MdtRule.REPEATED_DNAS: D(2026, 11, 1)}),
        # four DNAs: met on the third
        ((D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)), {MdtRule.REPEATED_DNAS: D(2026, 3, 1)}),
    ],
)
def test_three_missed_appointments_in_the_dna_window(
    dnas: tuple[dt.date, ...], expected: dict[MdtRule, dt.date]
) -> None:
    assert rules(facts(dnas=dnas)) == expected


def test_a_safeguarding_check_discharge_and_no_contact_each_put_a_patient_on_the_list() -> None:
    f = facts(
        flags=(F("homelessness", D(2025, 1, 1)),),
        safeguarding_checks=((D(2026, 11, 2), "due"),),
        events=((HOSPITAL_DISCHARGE_CODE, D(2026, 11, 10)),),
        contacts=(D(2026, 6, 1),),
    )
    assert rules(f) == {
        MdtRule.SAFEGUARDING_CHECK: D(2026, 11, 2),
        MdtRule.HOSPITAL_DISCHARGE: D(2026, 11, 10),
        MdtRule.NO_CONTACT: D(2026, 10, 1),
    }


def test_old_discharges_and_done_checks_fall_off_but_an_open_check_stays() -> None:
    old = facts(safeguarding_checks=((D(2026, 1, 2), "done"),),
                events=((HOSPITAL_DISCHARGE_CODE, D(2026, 1, 10)),))
    assert rules(old) == {}
    still_open = facts(safeguarding_checks=((D(2026, 1, 2), "due"),))
    assert rules(still_open) == {MdtRule.SAFEGUARDING_CHECK: D(2026, 1, 2)}


def test_no_contact_needs_a_flag_and_counts_from_registration_when_never_seen() -> None:
    assert rules(facts(contacts=(), registered_since=D(2026, 1, 1))) == {}
    never_seen = facts(flags=(F("vulnerable_migrant", D(2026, 1, 1)),), contacts=(),
                       registered_since=D(2026, 1, 15))
    assert rules(never_seen) == {MdtRule.NO_CONTACT: D(2026, 5, 15)}


def test_an_unregistered_patient_is_never_a_candidate() -> None:
    f = facts(registered_since=None, dnas=(D(2026, 9, 1), D(2026, 10, 1), D(2026, 11, 1)))
    assert rules(f) == {}


def test_restricted_needs_are_counted_not_named_for_a_role_that_may_not_see_them() -> None:
    f = facts(flags=(F("homelessness", D(2026, 1, 1)), F("substance_use", D(2026, 3, 4))))
    [reason] = candidate_reasons(f, ON, S, 12)
    hidden = reason.describe(lambda n: n == "homelessness")
    assert "substance" not in hidden and "1 more not shown" in hidden
    assert "substance use" in reason.describe(lambda n: True)


def test_owners_are_users_or_partners_and_bad_ones_are_refused_naming_the_field() -> None:
    users, partners = ["drokafor"], ["city-drug-alcohol"]
    assert parse_owner("drokafor", users, partners).kind is OwnerKind.USER
    assert parse_owner("partner:city-drug-alcohol", users, partners).kind is OwnerKind.PARTNER
    for bad, why in [("", "name a user"), ("nobody", "neither"), ("team:x", "not user or partner"),
                     ("user:ghost", "unknown user")]:
        with pytest.raises(InvalidInput) as err:
            parse_owner(bad, users, partners)
        assert err.value.field == "owner" and why in err.value.reason


def test_consent_and_text_parsing() -> None:
    assert parse_consent(" Summary ") is ShareConsent.SUMMARY
    assert not ShareConsent.NONE.shares_identity and ShareConsent.IDENTITY.shares_identity
    with pytest.raises(InvalidInput, match="consent: 'all' is not a consent"):
        parse_consent("all")
    assert clean_text("  a \n\n b  ", "summary", required=True) == "a\nb"
    with pytest.raises(InvalidInput, match="summary: is required"):
        clean_text(" \n ", "summary", required=True)
    assert days_waited(D(2026, 1, 1), D(2026, 2, 26)) == 56
    assert days_waited(None, D(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("current", "new", "ok"),
    [
        (ReferralStatus.SENT, ReferralStatus.ACCEPTED, True),
        (ReferralStatus.SENT, ReferralStatus.DECLINED, True),
        (ReferralStatus.SENT, ReferralStatus.LOST_TO_FOLLOW_UP, True),
        (ReferralStatus.SENT, ReferralStatus.SEEN, False),
        (ReferralStatus.ACCEPTED, ReferralStatus.SEEN, True),
        (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, False),
        (ReferralStatus.SEEN, ReferralStatus.LOST_TO_FOLLOW_UP, False),
        (ReferralStatus.DECLINED, ReferralStatus.ACCEPTED, False),
        (ReferralStatus.SENT, ReferralStatus.SENT, False),
    ],
)
def test_referral_status_transitions(current: ReferralStatus, new: ReferralStatus, ok: bool) -> None:
    if ok:
        check_transition(current, new, ON, D(2026, 11, 1), ON)
    else:
        with pytest.raises(InvalidInput) as err:
            check_transition(current, new, ON, D(2026, 11, 1), ON)
        assert err.value.field == "status"


def test_referral_dates_and_overdue_rule() -> None:
    with pytest.raises(InvalidInput, match="on: 2026-11-24 is in the future"):
        check_transition(ReferralStatus.SENT, ReferralStatus.ACCEPTED, D(2026, 11, 24), D(2026, 11, 1), ON)
    with pytest.raises(InvalidInput, match="before the referral was last updated"):
        check_transition(ReferralStatus.SENT, ReferralStatus.ACCEPTED, D(2026, 10, 1), D(2026, 11, 1), ON)
    due = reply_due(D(2026, 11, 1), 14)
    assert due == D(2026, 11, 15)
    assert not is_overdue(ReferralStatus.SENT, due, D(2026, 11, 15))
    assert is_overdue(ReferralStatus.SENT, due, D(2026, 11, 16))
    assert not is_overdue(ReferralStatus.ACCEPTED, due, D(2026, 12, 16))


def test_referral_reasons_and_statuses_parse_or_say_what_is_allowed() -> None:
    assert parse_reason("drug-tx").code == "ip:ref-drug-tx"
    assert parse_reason("ip:ref-housing").label == "Housing support"
    assert parse_status("lost") is ReferralStatus.LOST_TO_FOLLOW_UP
    with pytest.raises(InvalidInput, match="reason_code: 'x' is not a coded reason"):
        parse_reason("x")
    with pytest.raises(InvalidInput, match="status: 'maybe' is not a status"):
        parse_status("maybe")
    with pytest.raises(InvalidInput, match="reason: say why"):
        clean_reason_text("   ")
