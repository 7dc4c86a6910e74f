"""Usual residence vs correspondence address, and contact routes: spec tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from inclusion_practice.domain.addresses import (
    ContactRoute,
    CorrespondenceKind,
    check_addresses,
    check_contact,
)
from inclusion_practice.errors import InvalidInput

TODAY = dt.date(2026, 11, 23)
PARTNERS = {"st-annes-hostel", "riverside-day-centre"}


def addr(**kw: Any) -> Any:
    return check_addresses(partners=PARTNERS, today=TODAY, **kw)


@pytest.mark.parametrize(
    ("given", "usual_postcode", "nfa", "kind"),
    [
        ({"no_fixed_abode": True}, "ZZ99 3VZ", True, CorrespondenceKind.NONE),
        ({"no_fixed_abode": True, "partner": "st-annes-hostel"}, "ZZ99 3VZ", True,
         CorrespondenceKind.PARTNER),
        ({"usual_postcode": "zz99 3vz"}, "ZZ99 3VZ", True, CorrespondenceKind.NONE),
        ({}, "ZZ99 3WZ", False, CorrespondenceKind.NONE),
        ({"usual_lines": ["1 High St", "Leeds"], "usual_postcode": "ls1 4ap"}, "LS1 4AP", False,
         CorrespondenceKind.USUAL),
        ({"no_fixed_abode": True, "correspondence_kind": "practice",
          "post_check_agreed_on": TODAY}, "ZZ99 3VZ", True, CorrespondenceKind.PRACTICE),
        ({"no_fixed_abode": True, "correspondence_lines": ["c/o J Smith", "2 Low Rd"],
          "correspondence_postcode": "LS2 7UE"}, "ZZ99 3VZ", True, CorrespondenceKind.CARE_OF),
        ({"no_fixed_abode": True, "correspondence_kind": "temporary",
          "correspondence_lines": ["Room 4", "5 Park Sq"], "correspondence_postcode": "LS1 2AB",
          "correspondence_to": dt.date(2027, 1, 1)}, "ZZ99 3VZ", True, CorrespondenceKind.TEMPORARY),
    ],
)
def test_addresses_are_kept_apart_and_defaulted(
    given: dict[str, Any], usual_postcode: str, nfa: bool, kind: CorrespondenceKind
) -> None:
    a = addr(**given)
    assert (a.usual_postcode, a.no_fixed_abode, a.correspondence_kind) == (usual_postcode, nfa, kind)


def test_a_temporary_address_starts_today_unless_given() -> None:
    a = addr(no_fixed_abode=True, correspondence_kind="temporary",
             correspondence_lines=["Room 4"], correspondence_postcode="LS1 2AB")
    assert a.correspondence_from == TODAY


@pytest.mark.parametrize(
    ("given", "field", "reason"),
    [
        ({"no_fixed_abode": True, "usual_postcode": "LS1 4AP"}, "usual_postcode", "ZZ99 3VZ"),
        ({"usual_postcode": "LS1"}, "usual_postcode", "5 to 7"),
        ({"partner": "nowhere-hostel"}, "partner", "unknown partner 'nowhere-hostel'"),
        ({"correspondence_kind": "practice"}, "post_check_agreed_on", "agreed to check in"),
        ({"correspondence_kind": "practice", "post_check_agreed_on": dt.date(2027, 1, 1)},
         "post_check_agreed_on", "in the future"),
        ({"correspondence_kind": "usual", "no_fixed_abode": True}, "correspondence_kind",
         "there is none"),
        ({"correspondence_kind": "care_of"}, "correspondence_address", "needs its lines"),
        ({"correspondence_kind": "care_of", "correspondence_lines": ["x"]},
         "correspondence_postcode", "required"),
        ({"correspondence_kind": "temporary", "correspondence_lines": ["x"],
          "correspondence_postcode": "LS1 2AB", "correspondence_from": TODAY,
          "correspondence_to": dt.date(2026, 1, 1)}, "correspondence_to", "before the start"),
        ({"correspondence_kind": "pigeon"}, "correspondence_kind", "is not one of"),
        ({"correspondence_kind": "none", "post_check_agreed_on": TODAY}, "post_check_agreed_on",
         "only used with the practice address"),
    ],
)
def test_bad_addresses_name_the_field(given: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        addr(**given)
    assert err.value.field == field
    assert reason in err.value.reason


@pytest.mark.parametrize(
    ("route", "kw", "ok"),
    [
        ("phone", {"phone": "07700 900123"}, True),
        ("sms", {}, False),
        ("email", {"email": "z@example.org"}, True),
        ("email", {"email": "not-an-email"}, False),
        ("keyworker", {"keyworker_name": "Sam", "keyworker_phone": "0113 496 0001"}, True),
        ("keyworker", {"keyworker_name": "Sam", "keyworker_partner": "st-annes-hostel"}, True),
        ("keyworker", {"keyworker_name": "Sam"}, False),
        ("hostel", {"keyworker_partner": "st-annes-hostel"}, True),
        ("hostel", {"keyworker_partner": "unknown"}, False),
        ("reception", {}, True),
        ("no_letters", {}, True),
        ("carrier_pigeon", {}, False),
        (None, {"phone": "12"}, False),
    ],
)
def test_each_contact_route_needs_what_it_uses(route: str | None, kw: dict[str, str], ok: bool) -> None:
    if ok:
        assert route is not None
        c = check_contact(route, partners=PARTNERS, **kw)
        assert c.route == ContactRoute(route)
    else:
        with pytest.raises(InvalidInput):
            check_contact(route, partners=PARTNERS, **kw)
