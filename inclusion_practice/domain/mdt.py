"""Who needs discussing at the multidisciplinary team (MDT) meeting, and what may be shared.

People with overlapping needs (homelessness, substance use, mental illness) fall between
services; the MDT brings primary care, mental-health, drug and alcohol and voluntary-sector
partners together to agree a lead professional and actions. The rules below build the candidate
list from facts the practice already holds; each candidate carries every rule that put them there
and the day the rule was first met (what the "discussed within 8 weeks" indicator measures from).

Pure: a :class:`PatientFacts` and a date in, :class:`CandidateReason` out. The service gathers
the facts; the thresholds are ``[mdt]`` settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from inclusion_practice.domain.calendar_months import add_months
from inclusion_practice.domain.registers import MH_CODES
from inclusion_practice.domain.span import covers
from inclusion_practice.domain.strict import Strict
from inclusion_practice.errors import InvalidInput

# Local codes (``ip:``): no verified SNOMED CT concept was found for these in the published
# lists the product cites (see domain/code_sources.py). Recorded as clinical events so the
# indicator engines count them like any coded entry.
MDT_CANDIDATE_CODE = "ip:mdt-candidate"
"""Met an MDT discussion rule (dated the day the rule was first met)."""
MDT_DISCUSSED_CODE = "ip:mdt-discussed"
"""Discussed at an MDT meeting (value: days since the rule was met, when it was)."""
HOSPITAL_DISCHARGE_CODE = "ip:discharged"
"""Discharged from hospital (a practice adds its own discharge codes in ``[mdt]``)."""
REFERRAL_SENT_CODE = "ip:referral-sent"
REFERRAL_ACCEPTED_CODE = "ip:referral-accepted"
"""Referral accepted by the partner (value: days from sending to acceptance)."""
LOCAL_CODE_TERMS: dict[str, str] = {
    MDT_CANDIDATE_CODE: "Meets a multidisciplinary team discussion rule",
    MDT_DISCUSSED_CODE: "Discussed at multidisciplinary team meeting",
    HOSPITAL_DISCHARGE_CODE: "Discharged from hospital",
    REFERRAL_SENT_CODE: "Referral to partner service sent",
    REFERRAL_ACCEPTED_CODE: "Referral accepted by partner service",
}

MENTAL_HEALTH_NEED = "mental_health"
"""The third overlapping need: a severe-mental-illness code (QOF MH_COD) or a mental-health
referral; not a flag category."""


RESTRICTED_WORDS: dict[str, tuple[str, ...]] = {
    "substance_use": ("substance use", "substance misuse", "drug use", "drug misuse", "drug user",
                      "drugs", "injecting", "heroin", "crack", "opiate", "opioid"),
    "sex_work": ("sex work", "sex worker", "prostitut", "escort"),
    "domestic_abuse_refuge": ("refuge", "domestic abuse"),
    "modern_slavery": ("modern slavery", "trafficked", "trafficking"),
}
"""Words that name a restricted category in free text: withheld from anything sent to partners
(with the category's own label and code). Deliberately broad: a partner loses a word, never
learns a restricted fact."""


class MdtRule(StrEnum):
    OVERLAPPING_NEEDS = "overlapping_needs"
    REPEATED_DNAS = "repeated_dnas"
    SAFEGUARDING_CHECK = "safeguarding_check"
    HOSPITAL_DISCHARGE = "hospital_discharge"
    NO_CONTACT = "no_contact"

    @property
    def label(self) -> str:
        return _RULE_LABELS[self]


_RULE_LABELS = {
    MdtRule.OVERLAPPING_NEEDS: "Two or more of homelessness, substance use and mental illness",
    MdtRule.REPEATED_DNAS: "Repeated missed appointments",
    MdtRule.SAFEGUARDING_CHECK: "Safeguarding check raised by the DNA policy",
    MdtRule.HOSPITAL_DISCHARGE: "Recently discharged from hospital",
    MdtRule.NO_CONTACT: "No contact for months while flagged",
}


class ShareConsent(StrEnum):
    """What the patient agreed may go to partner organisations (the partner agenda, referrals)."""

    NONE = "none"
    """Nothing identifying: the partner agenda shows "a patient (no consent to share)"."""
    IDENTITY = "identity"
    """Name and date of birth, so partners can match their own records."""
    SUMMARY = "summary"
    """Identity, why they are discussed (never a restricted flag) and the agreed actions."""

    @property
    def shares_identity(self) -> bool:
        return self is not ShareConsent.NONE

    @property
    def shares_summary(self) -> bool:
        return self is ShareConsent.SUMMARY


def parse_consent(text: str | ShareConsent, field: str = "consent") -> ShareConsent:
    value = str(text).strip().lower()
    try:
        return ShareConsent(value)
    except ValueError:
        raise InvalidInput(
            field, f"{text!r} is not a consent: use {', '.join(c.value for c in ShareConsent)}"
        ) from None


class MdtSettings(Strict):
    """``[mdt]`` in practice.toml: the candidate rules' thresholds and the worklists' timings."""

    dna_count: Annotated[int, Field(ge=2, le=20)] = 3
    """Missed appointments in the flexible policy's window (``[dna] window_months``)."""
    lookback_days: Annotated[int, Field(ge=7, le=365)] = 56
    """How recent a discharge or safeguarding check must be to put someone on the list."""
    no_contact_months: Annotated[int, Field(ge=1, le=36)] = 4
    discharge_codes: list[Annotated[str, Field(min_length=3, max_length=20)]] = [
        HOSPITAL_DISCHARGE_CODE
    ]
    referral_reply_days: Annotated[int, Field(ge=1, le=90)] = 14
    """A referral still "sent" after this many days is overdue for a reply."""
    action_due_days: Annotated[int, Field(ge=1, le=180)] = 14
    """Default due date of an MDT action, from the meeting."""


@dataclass(frozen=True)
class FlagSpan:
    category: str
    start: dt.date
    end: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        return covers(self.start, self.end, day)


@dataclass(frozen=True)
class PatientFacts:
    """What the candidate rules read for one patient (gathered by the service)."""

    patient_id: int
    registered_since: dt.date | None
    flags: tuple[FlagSpan, ...] = ()
    events: tuple[tuple[str, dt.date], ...] = ()
    """Coded events (code, date): mental-health codes, discharges."""
    dnas: tuple[dt.date, ...] = ()
    """Missed appointments (not voided)."""
    safeguarding_checks: tuple[tuple[dt.date, str], ...] = ()
    """Safeguarding-check actions from the DNA policy: (raised on, status)."""
    contacts: tuple[dt.date, ...] = ()
    """Days the practice saw the patient (attended appointments, coded entries)."""
    mental_health_referrals: tuple[dt.date, ...] = field(default=())


@dataclass(frozen=True)
class CandidateReason:
    rule: MdtRule
    met_on: dt.date
    """The day the rule was first met (for this episode)."""
    needs: tuple[str, ...] = ()
    """For overlapping needs: which (category codes, or ``mental_health``)."""
    count: int = 0
    """For missed appointments: how many in the window."""
    last_contact: dt.date | None = None
    """For no contact: the last day the practice saw the patient (or their registration)."""

    def describe(self, show_need: Callable[[str], bool]) -> str:
        """Why, in words; needs the reader may not see are counted, not named."""
        if self.rule == MdtRule.OVERLAPPING_NEEDS:
            shown = [n.replace("_", " ") for n in self.needs if show_need(n)]
            hidden = len(self.needs) - len(shown)
            parts = shown + ([f"{hidden} more not shown to your role"] if hidden else [])
            return f"{len(self.needs)} overlapping needs ({', '.join(parts)}) since {self.met_on:%d %b %Y}"
        if self.rule == MdtRule.REPEATED_DNAS:
            return f"{self.count} missed appointments in the DNA window (rule met on {self.met_on:%d %b %Y})"
        if self.rule == MdtRule.SAFEGUARDING_CHECK:
            return f"safeguarding check raised on {self.met_on:%d %b %Y}"
        if self.rule == MdtRule.HOSPITAL_DISCHARGE:
            return f"discharged from hospital on {self.met_on:%d %b %Y}"
        seen = f"{self.last_contact:%d %b %Y}" if self.last_contact else "registration"
        return f"not seen since {seen} (rule met on {self.met_on:%d %b %Y})"


OVERLAP_NEEDS = ("homelessness", "substance_use", MENTAL_HEALTH_NEED)


def _overlapping(f: PatientFacts, on: dt.date) -> CandidateReason | None:
    since: dict[str, dt.date] = {}
    for span in f.flags:
        if span.category in ("homelessness", "substance_use") and span.active_on(on):
            # The start of the span active today (a flag ended and restarted starts again).
            since[span.category] = min(since.get(span.category, span.start), span.start)
    mh = [d for c, d in f.events if c in MH_CODES.codes and d <= on]
    mh += [d for d in f.mental_health_referrals if d <= on]
    if mh:
        since[MENTAL_HEALTH_NEED] = min(mh)
    if len(since) < 2:
        return None
    # Met on the day the second need began.
    met = sorted(since.values())[1]
    return CandidateReason(
        MdtRule.OVERLAPPING_NEEDS, met, tuple(n for n in OVERLAP_NEEDS if n in since)
    )


def _repeated_dnas(
    f: PatientFacts, on: dt.date, window_months: int, count: int
) -> CandidateReason | None:
    start = add_months(on, -window_months) + dt.timedelta(days=1)
    days = sorted(d for d in f.dnas if start <= d <= on)
    if len(days) < count:
        return None
    # The first day, within the window, on which ``count`` DNAs had been missed in the
    # ``window_months`` before it.
    for i in range(count - 1, len(days)):
        lo = add_months(days[i], -window_months) + dt.timedelta(days=1)
        if days[i - count + 1] >= lo:
            return CandidateReason(MdtRule.REPEATED_DNAS, days[i], count=len(days))
    return None  # pragma: no cover - len(days) >= count within one window always matches


def _safeguarding(f: PatientFacts, on: dt.date, lookback_days: int) -> CandidateReason | None:
    start = on - dt.timedelta(days=lookback_days)
    raised = [d for d, status in f.safeguarding_checks
              if d <= on and (d >= start or status == "due")]
    if not raised:
        return None
    return CandidateReason(MdtRule.SAFEGUARDING_CHECK, min(raised))


def _discharge(
    f: PatientFacts, on: dt.date, lookback_days: int, codes: frozenset[str]
) -> CandidateReason | None:
    start = on - dt.timedelta(days=lookback_days)
    days = [d for c, d in f.events if c in codes and start <= d <= on]
    if not days:
        return None
    return CandidateReason(MdtRule.HOSPITAL_DISCHARGE, max(days))


def _no_contact(f: PatientFacts, on: dt.date, months: int) -> CandidateReason | None:
    if not any(s.active_on(on) for s in f.flags) or f.registered_since is None:
        return None
    seen = [d for d in f.contacts if d <= on]
    last = max([*seen, f.registered_since])
    met = add_months(last, months)
    if met > on:
        return None
    return CandidateReason(MdtRule.NO_CONTACT, met, last_contact=last)


def candidate_reasons(
    f: PatientFacts, on: dt.date, settings: MdtSettings, dna_window_months: int
) -> tuple[CandidateReason, ...]:
    """Every rule ``f`` meets on ``on`` (empty: not a candidate). Needs registration on ``on``."""
    if f.registered_since is None or f.registered_since > on:
        return ()
    found = (
        _overlapping(f, on),
        _repeated_dnas(f, on, dna_window_months, settings.dna_count),
        _safeguarding(f, on, settings.lookback_days),
        _discharge(f, on, settings.lookback_days, frozenset(settings.discharge_codes)),
        _no_contact(f, on, settings.no_contact_months),
    )
    return tuple(r for r in found if r is not None)


def first_met(reasons: Sequence[CandidateReason]) -> dt.date:
    """When the patient became a candidate: the earliest day any current rule was met."""
    if not reasons:
        raise ValueError("no reasons")
    return min(r.met_on for r in reasons)


# --------------------------------------------------------------------------- meetings & actions


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class OwnerKind(StrEnum):
    USER = "user"
    PARTNER = "partner"


@dataclass(frozen=True)
class ActionOwner:
    kind: OwnerKind
    key: str
    """A username or a partner code."""


def parse_owner(text: str, users: Iterable[str], partners: Iterable[str]) -> ActionOwner:
    """``user:drokafor``, ``partner:forward-leeds`` or a bare name that is one of them."""
    value = text.strip()
    if not value:
        raise InvalidInput("owner", "name a user or a partner (user:NAME or partner:CODE)")
    kind, sep, key = value.partition(":")
    users_l, partners_l = set(users), set(partners)
    if sep:
        if kind not in ("user", "partner"):
            raise InvalidInput("owner", f"{kind!r} is not user or partner (user:NAME, partner:CODE)")
        pool = users_l if kind == "user" else partners_l
        if key not in pool:
            raise InvalidInput("owner", f"unknown {kind} {key!r}")
        return ActionOwner(OwnerKind(kind), key)
    if value in users_l and value in partners_l:
        raise InvalidInput("owner", f"{value!r} is both a user and a partner: write user:{value} or partner:{value}")
    if value in users_l:
        return ActionOwner(OwnerKind.USER, value)
    if value in partners_l:
        return ActionOwner(OwnerKind.PARTNER, value)
    raise InvalidInput("owner", f"{value!r} is neither a user nor a partner")


def clean_text(text: str | None, field: str, *, required: bool, limit: int = 4000) -> str | None:
    """Free text as one tidy line (summaries keep their line breaks)."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    value = "\n".join(line for line in lines if line).strip()
    if not value:
        if required:
            raise InvalidInput(field, "is required")
        return None
    if len(value) > limit:
        raise InvalidInput(field, f"is longer than {limit} characters")
    return value


def action_overdue(status: ActionStatus, due: dt.date, on: dt.date) -> bool:
    return status == ActionStatus.OPEN and due < on


def days_waited(met_on: dt.date | None, discussed_on: dt.date) -> int | None:
    """Days from meeting the rule to the discussion (the indicator's value)."""
    if met_on is None or met_on > discussed_on:
        return None
    return (discussed_on - met_on).days
