"""The DNA ladder's vocabulary: the actions a practice may take, which are sanctions, and the
``[dna]`` settings (windows and the two ladders) that :mod:`inclusion_practice.domain.dna_policy`
applies. The flexible ladder refuses sanctions when it is loaded.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from inclusion_practice.domain.strict import Strict


class DnaAction(StrEnum):
    """What a practice does after missed appointments. The last four are sanctions."""

    SMS_REMINDER = "sms_reminder"
    LETTER = "letter"
    GENTLE_LETTER = "gentle_letter"
    CONTACT_VIA_KEYWORKER = "contact_via_keyworker"
    CLINICIAN_REVIEW = "clinician_review"
    SAFEGUARDING_CHECK = "safeguarding_check"
    OFFER_DROP_IN = "offer_drop_in"
    WARNING_LETTER = "warning_letter"
    PARTNER_REVIEW = "partner_review"
    CONSIDER_REMOVAL = "consider_removal"


SANCTIONS: frozenset[DnaAction] = frozenset(
    {DnaAction.WARNING_LETTER, DnaAction.PARTNER_REVIEW, DnaAction.CONSIDER_REMOVAL}
)

REMINDERS: frozenset[DnaAction] = frozenset(
    {DnaAction.SMS_REMINDER, DnaAction.LETTER, DnaAction.GENTLE_LETTER}
)
"""Messages sent to the patient: a reminder, however gently worded, is not outreach."""

OUTREACH: tuple[DnaAction, ...] = (
    DnaAction.CONTACT_VIA_KEYWORKER,
    DnaAction.OFFER_DROP_IN,
    DnaAction.CLINICIAN_REVIEW,
    DnaAction.SAFEGUARDING_CHECK,
)
"""Reaching out to re-engage the patient (NICE NG214: keyworkers, flexible access, clinician
contact, safeguarding), in the order the flexible ladder uses them. What IH014 counts."""


def action_kind(action: str) -> str:
    """``reminder``, ``sanction`` or ``outreach`` (an action this software does not know is
    reported as it is written, under ``other``)."""
    if action in {a.value for a in REMINDERS}:
        return "reminder"
    if action in {a.value for a in SANCTIONS}:
        return "sanction"
    if action in {a.value for a in OUTREACH}:
        return "outreach"
    return "other"


class LadderStep(Strict):
    dnas: Annotated[int, Field(ge=1)]
    """Number of DNAs within the window that triggers this step."""
    actions: Annotated[list[DnaAction], Field(min_length=1)]


def _default_standard() -> list[LadderStep]:
    return [
        LadderStep(dnas=1, actions=[DnaAction.SMS_REMINDER]),
        LadderStep(dnas=2, actions=[DnaAction.LETTER]),
        LadderStep(dnas=3, actions=[DnaAction.WARNING_LETTER]),
        LadderStep(dnas=4, actions=[DnaAction.PARTNER_REVIEW, DnaAction.CONSIDER_REMOVAL]),
    ]


def _default_flexible() -> list[LadderStep]:
    return [
        LadderStep(dnas=1, actions=[DnaAction.CONTACT_VIA_KEYWORKER, DnaAction.OFFER_DROP_IN]),
        LadderStep(dnas=2, actions=[DnaAction.CONTACT_VIA_KEYWORKER, DnaAction.CLINICIAN_REVIEW]),
        LadderStep(
            dnas=3,
            actions=[
                DnaAction.CONTACT_VIA_KEYWORKER,
                DnaAction.CLINICIAN_REVIEW,
                DnaAction.SAFEGUARDING_CHECK,
            ],
        ),
    ]


class DnaSettings(Strict):
    window_months: Annotated[int, Field(ge=1, le=36)] = 12
    warning_lapse_months: Annotated[int, Field(ge=1, le=36)] = 12
    lateness_fraction_of_slot: Annotated[float, Field(ge=0, le=10)] = 0.5
    """Arriving later than this fraction of the booked time counts as a DNA."""
    late_cancel_hours: Annotated[int, Field(ge=0, le=168)] = 24
    standard_ladder: list[LadderStep] = Field(default_factory=_default_standard)
    flexible_ladder: list[LadderStep] = Field(default_factory=_default_flexible)
    action_due_days: Annotated[int, Field(ge=0, le=60)] = 3

    @model_validator(mode="after")
    def _ladders(self) -> Self:
        for name in ("standard_ladder", "flexible_ladder"):
            steps: list[LadderStep] = getattr(self, name)
            counts = [s.dnas for s in steps]
            if counts != sorted(set(counts)):
                raise ValueError(f"{name}: steps must have strictly increasing dnas counts")
        for step in self.flexible_ladder:
            bad = SANCTIONS.intersection(step.actions)
            if bad:
                raise ValueError(
                    "flexible_ladder: sanctions are not allowed in the flexible policy: "
                    + ", ".join(sorted(bad))
                )
        return self
