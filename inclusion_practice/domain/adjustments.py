"""Reasonable adjustments: kinds reception records, NHS RA flag categories and SNOMED codes.

Categories are those of NHS England's Reasonable Adjustment Digital Flag (001–011). SNOMED codes
are from ``codes.csv`` (a test checks each one is there); a kind without a published concept
(quiet space has "low noise environment", large print has none) carries only the category.
The kind names are the ones :mod:`inclusion_practice.domain.needs` derives needs from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from inclusion_practice.errors import InvalidInput

RA_CATEGORIES: dict[str, str] = {
    "001": "Communication support",
    "002": "Requires communication professional",
    "003": "Requires specific contact method",
    "004": "Requires specific information format",
    "005": "Additional communication needs and support",
    "006": "Community language support",
    "007": "Additional support",
    "008": "Individual care requirements",
    "009": "Environment of care",
    "010": "Additional needs",
    "011": "Bespoke",
}
"""NHS England RA-FlagCategory codes and displays (ra-sandbox, draft 0.1.0)."""

GENERIC_ADJUSTMENT_SNOMED = "1108111000000107"
"""Requires reasonable adjustment for health and care access (Equality Act 2010)."""


class AdjustmentKind(StrEnum):
    """What reception can record. Keep in step with ``needs.derive_needs``."""

    EXTENDED_APPOINTMENT = "extended_appointment"
    FIRST_OR_LAST_APPOINTMENT = "first_or_last_appointment"
    MINIMAL_WAIT = "minimal_wait"
    QUIET_SPACE = "quiet_space"
    ADVOCATE_PRESENT = "advocate_present"
    CLINICIAN_GENDER = "clinician_gender"
    CONTACT_METHOD = "contact_method"
    INFORMATION_FORMAT = "information_format"
    FLEXIBLE_DNA = "flexible_dna"
    PREFERS_DROP_IN = "prefers_drop_in"
    BESPOKE = "bespoke"


@dataclass(frozen=True)
class AdjustmentType:
    """How a kind is coded, and which details it accepts."""

    kind: AdjustmentKind
    label: str
    ra_category: str
    snomed: str | None = None
    """The code when the detail does not choose one."""
    snomed_by_detail: tuple[tuple[str, str], ...] = ()
    details: tuple[str, ...] = ()
    """Allowed details (empty: any text). The first is the default when one is needed."""
    detail_required: bool = False


ADJUSTMENT_TYPES: dict[AdjustmentKind, AdjustmentType] = {
    t.kind: t
    for t in (
        AdjustmentType(
            AdjustmentKind.EXTENDED_APPOINTMENT, "extended (double) appointment", "008",
            snomed="1108171000000102",
        ),
        AdjustmentType(
            AdjustmentKind.FIRST_OR_LAST_APPOINTMENT, "first or last appointment of a session",
            "008",
            snomed_by_detail=(("first", "1325351000000103"), ("last", "1325361000000100")),
            details=("first", "last"),
        ),
        AdjustmentType(
            AdjustmentKind.MINIMAL_WAIT, "minimal waiting", "009", snomed="1325841000000109"
        ),
        AdjustmentType(
            AdjustmentKind.QUIET_SPACE, "quiet space to wait", "009", snomed="1325391000000106"
        ),
        AdjustmentType(
            AdjustmentKind.ADVOCATE_PRESENT, "advocate or keyworker present", "007",
            snomed="225835008",
        ),
        AdjustmentType(
            AdjustmentKind.CLINICIAN_GENDER, "clinician gender preference", "008",
            snomed_by_detail=(("female", "314434008"), ("male", "314435009")),
            details=("female", "male"), detail_required=True,
        ),
        AdjustmentType(
            AdjustmentKind.CONTACT_METHOD, "specific contact method", "003",
            snomed_by_detail=(
                ("sms", "936701000000103"), ("telephone", "795661000000104"),
                ("letter", "936721000000107"), ("via_carer_or_keyworker", "719561001"),
                ("email", ""), ("in_person", ""),
            ),
            details=("sms", "telephone", "letter", "via_carer_or_keyworker", "email", "in_person"),
            detail_required=True,
        ),
        AdjustmentType(
            AdjustmentKind.INFORMATION_FORMAT, "specific information format", "004",
            snomed_by_detail=(("easy_read", "796161000000101"),),
            details=("easy_read", "large_print", "braille", "audio", "translated"),
        ),
        AdjustmentType(
            AdjustmentKind.FLEXIBLE_DNA, "flexible handling of missed appointments", "010",
            snomed=GENERIC_ADJUSTMENT_SNOMED,
        ),
        AdjustmentType(
            AdjustmentKind.PREFERS_DROP_IN, "prefers drop-in or walk-in", "008",
            snomed=GENERIC_ADJUSTMENT_SNOMED,
        ),
        AdjustmentType(
            AdjustmentKind.BESPOKE, "bespoke adjustment", "011",
            snomed=GENERIC_ADJUSTMENT_SNOMED, detail_required=True,
        ),
    )
}


@dataclass(frozen=True)
class AdjustmentSpec:
    """A validated adjustment ready to store."""

    kind: AdjustmentKind
    ra_category: str
    snomed_code: str | None
    detail: str | None


_ALIASES = {
    "double_appointment": AdjustmentKind.EXTENDED_APPOINTMENT,
    "double": AdjustmentKind.EXTENDED_APPOINTMENT,
    "extended": AdjustmentKind.EXTENDED_APPOINTMENT,
    "first_or_last": AdjustmentKind.FIRST_OR_LAST_APPOINTMENT,
    "first_appointment": AdjustmentKind.FIRST_OR_LAST_APPOINTMENT,
    "last_appointment": AdjustmentKind.FIRST_OR_LAST_APPOINTMENT,
    "advocate": AdjustmentKind.ADVOCATE_PRESENT,
    "keyworker_present": AdjustmentKind.ADVOCATE_PRESENT,
    "quiet": AdjustmentKind.QUIET_SPACE,
    "minimal_waiting": AdjustmentKind.MINIMAL_WAIT,
    "easy_read": AdjustmentKind.INFORMATION_FORMAT,
    "large_print": AdjustmentKind.INFORMATION_FORMAT,
    "drop_in": AdjustmentKind.PREFERS_DROP_IN,
}


def parse_kind(text: str, field: str = "adjustment") -> AdjustmentKind:
    key = "_".join(text.strip().lower().replace("-", " ").split())
    try:
        return AdjustmentKind(key)
    except ValueError:
        pass
    if key in _ALIASES:
        return _ALIASES[key]
    raise InvalidInput(
        field, f"{text!r} is not one of {', '.join(k.value for k in AdjustmentKind)}"
    )


def check_adjustment(
    kind: AdjustmentKind | str, detail: str | None = None, field: str = "adjustment"
) -> AdjustmentSpec:
    """Validate ``kind`` and its detail and choose the RA category and SNOMED code.

    ``kind`` may also be written ``kind:detail`` (the CLI form), e.g. ``clinician_gender:female``.
    """
    raw_kind = str(kind)
    if ":" in raw_kind and detail is None:
        raw_kind, detail = raw_kind.split(":", 1)
    key = "_".join(raw_kind.strip().lower().replace("-", " ").split())
    parsed = parse_kind(raw_kind, field)
    if detail is None and key in ("easy_read", "large_print"):
        detail = key
    if detail is None and key in ("first_appointment", "last_appointment"):
        detail = key.split("_")[0]
    t = ADJUSTMENT_TYPES[parsed]
    clean = " ".join((detail or "").split()) or None
    if t.details and clean is not None:
        norm = "_".join(clean.lower().replace("-", " ").split())
        if norm not in t.details:
            raise InvalidInput(
                f"{field}.detail",
                f"{clean!r} is not one of {', '.join(t.details)} for {parsed.value}",
            )
        clean = norm
    if clean is None and t.detail_required:
        choices = f": one of {', '.join(t.details)}" if t.details else ""
        raise InvalidInput(f"{field}.detail", f"{parsed.value} needs a detail{choices}")
    if clean is None and t.details and parsed is AdjustmentKind.FIRST_OR_LAST_APPOINTMENT:
        clean = t.details[0]
    if clean is not None and len(clean) > 500:
        raise InvalidInput(f"{field}.detail", "is longer than 500 characters")
    code = dict(t.snomed_by_detail).get(clean or "", "") or t.snomed
    return AdjustmentSpec(parsed, t.ra_category, code or None, clean)
