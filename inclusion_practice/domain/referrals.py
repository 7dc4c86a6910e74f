"""Referrals to partner services: statuses, the transitions allowed, and the overdue rule.

A referral is a record, not a letter: who referred, to which partner and service, why (free text
and a coded reason), what the patient consented to share, and its status with the date of each
change. Pure: values and dates in, decisions out; the service writes them.

The coded reasons are our local code system (``ip:`` codes): no verified SNOMED CT "referral to
<partner service>" concepts were found in the published lists this product cites, so none are
sent as SNOMED CT (see :mod:`inclusion_practice.domain.code_sources`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from inclusion_practice.errors import InvalidInput

MAX_REASON_TEXT = 2000


class PartnerServiceKind(StrEnum):
    """What a partner offers (``[[partners]] services`` in practice.toml)."""

    MENTAL_HEALTH = "mental_health"
    DRUG_AND_ALCOHOL = "drug_and_alcohol"
    HOUSING = "housing"
    OUTREACH = "outreach"
    DENTAL = "dental"
    SEXUAL_HEALTH = "sexual_health"
    TB = "tb"

    @property
    def label(self) -> str:
        return _SERVICE_LABELS[self]


_SERVICE_LABELS = {
    PartnerServiceKind.MENTAL_HEALTH: "Mental health",
    PartnerServiceKind.DRUG_AND_ALCOHOL: "Drug and alcohol",
    PartnerServiceKind.HOUSING: "Housing",
    PartnerServiceKind.OUTREACH: "Outreach",
    PartnerServiceKind.DENTAL: "Dental",
    PartnerServiceKind.SEXUAL_HEALTH: "Sexual health",
    PartnerServiceKind.TB: "TB",
}


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    SEEN = "seen"
    DECLINED = "declined"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"

    @property
    def closed(self) -> bool:
        """No further change is expected (seen, declined, lost)."""
        return not ALLOWED_TRANSITIONS[self]


ALLOWED_TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.SENT: frozenset(
        {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.LOST_TO_FOLLOW_UP}
    ),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.SEEN, ReferralStatus.LOST_TO_FOLLOW_UP}),
    ReferralStatus.SEEN: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.LOST_TO_FOLLOW_UP: frozenset(),
}
"""A declined referral is closed: a new attempt is a new referral (the history stays)."""


@dataclass(frozen=True)
class ReferralReason:
    code: str
    """Our local code (``ip:ref-…``)."""
    label: str
    service: PartnerServiceKind


REFERRAL_REASONS: tuple[ReferralReason, ...] = (
    ReferralReason("ip:ref-drug-tx", "Drug or alcohol treatment", PartnerServiceKind.DRUG_AND_ALCOHOL),
    ReferralReason("ip:ref-mh-assess", "Mental-health assessment", PartnerServiceKind.MENTAL_HEALTH),
    ReferralReason("ip:ref-housing", "Housing support", PartnerServiceKind.HOUSING),
    ReferralReason("ip:ref-outreach", "Outreach engagement", PartnerServiceKind.OUTREACH),
    ReferralReason("ip:ref-dental", "Dental care", PartnerServiceKind.DENTAL),
    ReferralReason("ip:ref-sexual-hlth", "Sexual health", PartnerServiceKind.SEXUAL_HEALTH),
    ReferralReason("ip:ref-tb", "TB screening or treatment", PartnerServiceKind.TB),
)
REASONS_BY_KEY: dict[str, ReferralReason] = {
    **{r.code: r for r in REFERRAL_REASONS},
    **{r.code.removeprefix("ip:ref-"): r for r in REFERRAL_REASONS},
}
REASON_CODE_SYSTEM = "https://inclusion-practice.example/CodeSystem/referral-reason"


def parse_service(text: str | PartnerServiceKind, field: str = "service") -> PartnerServiceKind:
    value = str(text).strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return PartnerServiceKind(value)
    except ValueError:
        raise InvalidInput(
            field, f"{text!r} is not a service: use {', '.join(s.value for s in PartnerServiceKind)}"
        ) from None


def parse_reason(text: str, field: str = "reason_code") -> ReferralReason:
    """A coded reason by its code (``ip:ref-drug-tx``) or short name (``drug-tx``)."""
    key = text.strip().lower()
    found = REASONS_BY_KEY.get(key)
    if found is None:
        raise InvalidInput(
            field,
            f"{text!r} is not a coded reason: use "
            + ", ".join(r.code.removeprefix("ip:ref-") for r in REFERRAL_REASONS),
        )
    return found


def parse_status(text: str | ReferralStatus, field: str = "status") -> ReferralStatus:
    value = str(text).strip().lower().replace("-", "_").replace(" ", "_")
    if value == "lost":
        value = ReferralStatus.LOST_TO_FOLLOW_UP.value
    try:
        return ReferralStatus(value)
    except ValueError:
        raise InvalidInput(
            field, f"{text!r} is not a status: use {', '.join(s.value for s in ReferralStatus)}"
        ) from None


def clean_reason_text(text: str | None) -> str:
    """The free-text reason: required, one line of words, at most 2000 characters."""
    value = " ".join((text or "").split())
    if not value:
        raise InvalidInput("reason", "say why the patient is referred (free text)")
    if len(value) > MAX_REASON_TEXT:
        raise InvalidInput("reason", f"is longer than {MAX_REASON_TEXT} characters")
    return value


def check_transition(
    current: ReferralStatus, new: ReferralStatus, on: dt.date, last_change: dt.date, today: dt.date
) -> None:
    """Raise ``InvalidInput`` unless ``current`` may become ``new`` on ``on``."""
    if new == current:
        raise InvalidInput("status", f"the referral is already {current.value}")
    if new not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_TRANSITIONS[current])) or "none (closed)"
        raise InvalidInput(
            "status", f"a {current.value} referral cannot become {new.value} (allowed: {allowed})"
        )
    if on > today:
        raise InvalidInput("on", f"{on} is in the future")
    if on < last_change:
        raise InvalidInput("on", f"{on} is before the referral was last updated ({last_change})")


def reply_due(sent_on: dt.date, reply_days: int) -> dt.date:
    """The day a reply (accepted or declined) is due from the partner."""
    return sent_on + dt.timedelta(days=reply_days)


def is_overdue(status: ReferralStatus, due: dt.date, on: dt.date) -> bool:
    """Still awaiting a reply after the day it was due."""
    return status == ReferralStatus.SENT and on > due


def days_to_accept(sent_on: dt.date, accepted_on: dt.date) -> int:
    return (accepted_on - sent_on).days
