"""Usual residence, correspondence address and how to reach the patient.

The usual residence is what NHS data needs (no fixed abode: postcode ``ZZ99 3VZ``); the
correspondence address is where letters go. They are kept apart because for many patients
letters go to a hostel, a day centre, the practice itself, or nowhere ("collect at reception").
Nothing here requires proof of an address.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from inclusion_practice.domain.postcode import ADDRESS_NOT_KNOWN, NO_FIXED_ABODE, parse_postcode
from inclusion_practice.errors import InvalidInput


class CorrespondenceKind(StrEnum):
    """Where letters go."""

    USUAL = "usual"
    """To the usual residence."""
    PRACTICE = "practice"
    """To the practice; the patient has agreed to check in for post."""
    PARTNER = "partner"
    """Care of a partner organisation in practice.toml (hostel, day centre, outreach team)."""
    CARE_OF = "care_of"
    """Care of a free-text address (a friend, a support service not in the directory)."""
    TEMPORARY = "temporary"
    """A temporary address for a period."""
    NONE = "none"
    """No correspondence address: letters are kept to collect at reception."""


class ContactRoute(StrEnum):
    """How the practice reaches the patient."""

    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    KEYWORKER = "keyworker"
    HOSTEL = "hostel"
    RECEPTION = "reception"
    """Collect messages at reception."""
    NO_LETTERS = "no_letters"


@dataclass(frozen=True)
class Addresses:
    """A validated pair of usual residence and correspondence address."""

    usual_lines: tuple[str, ...] = ()
    usual_postcode: str | None = ADDRESS_NOT_KNOWN
    no_fixed_abode: bool = False
    correspondence_kind: CorrespondenceKind = CorrespondenceKind.USUAL
    correspondence_partner: str | None = None
    correspondence_lines: tuple[str, ...] = ()
    correspondence_postcode: str | None = None
    correspondence_from: dt.date | None = None
    correspondence_to: dt.date | None = None
    post_check_agreed_on: dt.date | None = None


@dataclass(frozen=True)
class ContactDetails:
    """A validated contact route with the numbers it needs."""

    route: ContactRoute | None = None
    phone: str | None = None
    email: str | None = None
    keyworker_name: str | None = None
    keyworker_phone: str | None = None
    keyworker_partner: str | None = None


def _lines(lines: Sequence[str] | None, field: str) -> tuple[str, ...]:
    out = tuple(" ".join(line.split()) for line in (lines or ()) if line and line.strip())
    for line in out:
        if len(line) > 200:
            raise InvalidInput(field, "an address line is longer than 200 characters")
    if len(out) > 6:
        raise InvalidInput(field, "has more than 6 lines")
    return out


def check_addresses(
    *,
    usual_lines: Sequence[str] | None = None,
    usual_postcode: str | None = None,
    no_fixed_abode: bool = False,
    correspondence_kind: CorrespondenceKind | str | None = None,
    partner: str | None = None,
    correspondence_lines: Sequence[str] | None = None,
    correspondence_postcode: str | None = None,
    correspondence_from: dt.date | None = None,
    correspondence_to: dt.date | None = None,
    post_check_agreed_on: dt.date | None = None,
    partners: Collection[str] = (),
    today: dt.date,
) -> Addresses:
    """Validate addresses; ``partners`` are the partner codes in the practice's config.

    - No fixed abode sets the usual postcode to ``ZZ99 3VZ`` (any other postcode is refused).
    - No usual address at all gives ``ZZ99 3WZ`` (address not known) — never a refusal.
    - Letters default to the usual residence when there is one, otherwise to reception.
    - The practice address needs the date the patient agreed to check in for post.
    """
    u_lines = _lines(usual_lines, "usual_address")
    u_post = parse_postcode(usual_postcode, "usual_postcode") if usual_postcode else None
    if no_fixed_abode:
        if u_post is not None and u_post != NO_FIXED_ABODE:
            raise InvalidInput(
                "usual_postcode",
                f"{u_post} given with no fixed abode; no fixed abode uses {NO_FIXED_ABODE}",
            )
        u_post = NO_FIXED_ABODE
    elif u_post is None:
        u_post = ADDRESS_NOT_KNOWN
    elif u_post == NO_FIXED_ABODE:
        no_fixed_abode = True
    has_usual = bool(u_lines) and not no_fixed_abode

    if correspondence_kind is None or correspondence_kind == "":
        if partner:
            kind = CorrespondenceKind.PARTNER
        elif correspondence_lines:
            kind = CorrespondenceKind.CARE_OF
        else:
            kind = CorrespondenceKind.USUAL if has_usual else CorrespondenceKind.NONE
    else:
        try:
            kind = CorrespondenceKind(str(correspondence_kind))
        except ValueError:
            raise InvalidInput(
                "correspondence_kind",
                f"{correspondence_kind!r} is not one of "
                f"{', '.join(k.value for k in CorrespondenceKind)}",
            ) from None

    c_lines = _lines(correspondence_lines, "correspondence_address")
    c_post: str | None = None
    c_from: dt.date | None = None
    c_to: dt.date | None = None
    agreed: dt.date | None = None
    partner_code: str | None = None
    if kind is not CorrespondenceKind.PARTNER and partner:
        raise InvalidInput("partner", f"a partner is only used with care-of-partner, not {kind.value}")
    if kind is CorrespondenceKind.USUAL:
        if not has_usual:
            raise InvalidInput(
                "correspondence_kind",
                "letters cannot go to the usual residence: there is none. Use the practice "
                "address, a care-of address, or none (collect at reception)",
            )
    elif kind is CorrespondenceKind.PRACTICE:
        if post_check_agreed_on is None:
            raise InvalidInput(
                "post_check_agreed_on",
                "when the practice address is used, record the date the patient agreed to "
                "check in for post",
            )
        if post_check_agreed_on > today:
            raise InvalidInput("post_check_agreed_on", f"{post_check_agreed_on} is in the future")
        agreed = post_check_agreed_on
    elif kind is CorrespondenceKind.PARTNER:
        if not partner:
            raise InvalidInput("partner", "name the partner organisation (care of)")
        if partner not in partners:
            known = ", ".join(sorted(partners)) or "none configured"
            raise InvalidInput("partner", f"unknown partner {partner!r} (known: {known})")
        partner_code = partner
    elif kind in (CorrespondenceKind.CARE_OF, CorrespondenceKind.TEMPORARY):
        field = "correspondence_address"
        if not c_lines:
            raise InvalidInput(field, f"a {kind.value.replace('_', '-')} address needs its lines")
        if not correspondence_postcode:
            raise InvalidInput("correspondence_postcode", "is required for letters to arrive")
        c_post = parse_postcode(correspondence_postcode, "correspondence_postcode")
        if kind is CorrespondenceKind.TEMPORARY:
            c_from = correspondence_from or today
            c_to = correspondence_to
            if c_to is not None and c_to < c_from:
                raise InvalidInput("correspondence_to", f"{c_to} is before the start {c_from}")
        elif correspondence_from or correspondence_to:
            raise InvalidInput("correspondence_from", "only a temporary address has a period")
    if kind not in (CorrespondenceKind.CARE_OF, CorrespondenceKind.TEMPORARY) and (
        c_lines or correspondence_postcode
    ):
        raise InvalidInput(
            "correspondence_address", f"address lines are not used with {kind.value}"
        )
    if kind is not CorrespondenceKind.PRACTICE and post_check_agreed_on is not None:
        raise InvalidInput("post_check_agreed_on", "only used with the practice address")
    return Addresses(
        usual_lines=() if no_fixed_abode and not u_lines else u_lines,
        usual_postcode=u_post,
        no_fixed_abode=no_fixed_abode,
        correspondence_kind=kind,
        correspondence_partner=partner_code,
        correspondence_lines=c_lines,
        correspondence_postcode=c_post,
        correspondence_from=c_from,
        correspondence_to=c_to,
        post_check_agreed_on=agreed,
    )


_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_phone(text: str | None, field: str) -> str | None:
    if text is None or not text.strip():
        return None
    clean = " ".join(text.split())
    digits = sum(ch.isdigit() for ch in clean)
    if not _PHONE.match(clean) or not 7 <= digits <= 15:
        raise InvalidInput(field, f"{text!r} is not a phone number (7 to 15 digits)")
    return clean


def check_contact(
    route: ContactRoute | str | None = None,
    *,
    phone: str | None = None,
    email: str | None = None,
    keyworker_name: str | None = None,
    keyworker_phone: str | None = None,
    keyworker_partner: str | None = None,
    partners: Collection[str] = (),
) -> ContactDetails:
    """Validate a contact route: each route needs what it uses (SMS a phone, keyworker a name
    and a number or partner, hostel a partner or a name and number)."""
    parsed: ContactRoute | None = None
    if route:
        try:
            parsed = ContactRoute(str(route).strip().lower())
        except ValueError:
            raise InvalidInput(
                "contact_route",
                f"{route!r} is not one of {', '.join(r.value for r in ContactRoute)}",
            ) from None
    ph = check_phone(phone, "phone")
    em = " ".join((email or "").split()) or None
    if em is not None and (not _EMAIL.match(em) or len(em) > 200):
        raise InvalidInput("email", f"{email!r} is not an email address")
    kw_name = " ".join((keyworker_name or "").split()) or None
    kw_phone = check_phone(keyworker_phone, "keyworker_phone")
    kw_partner = (keyworker_partner or "").strip() or None
    if kw_partner is not None and kw_partner not in partners:
        known = ", ".join(sorted(partners)) or "none configured"
        raise InvalidInput("keyworker_partner", f"unknown partner {kw_partner!r} (known: {known})")
    if parsed in (ContactRoute.PHONE, ContactRoute.SMS) and ph is None:
        raise InvalidInput("phone", f"contact by {parsed.value} needs a phone number")
    if parsed is ContactRoute.EMAIL and em is None:
        raise InvalidInput("email", "contact by email needs an email address")
    if parsed is ContactRoute.KEYWORKER and (kw_name is None or (kw_phone is None and kw_partner is None)):
        raise InvalidInput(
            "keyworker_name" if kw_name is None else "keyworker_phone",
            "contact via keyworker needs the keyworker's name and a number (or their organisation)",
        )
    if parsed is ContactRoute.HOSTEL and kw_partner is None and (kw_name is None or kw_phone is None):
        raise InvalidInput(
            "keyworker_partner",
            "contact via hostel needs the hostel (a partner) or a name and number",
        )
    return ContactDetails(parsed, ph, em, kw_name, kw_phone, kw_partner)
