"""What a patient needs in order to be seen, derived from their record.

Reception sees these needs, never the restricted flags behind them: "flexible DNA handling",
not "sex work". The derivation is one pure function so every read path (show, find, lists,
banner, exports for non-clinical roles) gives the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from inclusion_practice.domain.languages import language_name

FLEXIBLE_DNA_CATEGORIES: frozenset[str] = frozenset(
    {
        "homelessness",
        "gypsy_roma_traveller",
        "sex_work",
        "vulnerable_migrant",
        "prison_leaver",
        "learning_disability",
        "substance_use",
        "domestic_abuse_refuge",
        "modern_slavery",
    }
)
"""Flag categories that bring the flexible DNA policy (NICE NG214: do not penalise missed
appointments). Practice-defined categories also do."""

FLEXIBLE_DNA_ADJUSTMENTS: frozenset[str] = frozenset(
    {"flexible_dna", "advocate_present", "extended_appointment"}
)
"""Reasonable adjustments that, on their own, bring the flexible DNA policy."""

MENTAL_HEALTH_OR_LD_REGISTERS: frozenset[str] = frozenset({"learning_disability", "mental_health"})

AGREED_FLEXIBLE = "agreed for this patient (the reason is in the clinical record)"
"""The one reason every role is given for flexible DNA handling, whatever the cause.

Naming the cause to reception ("inclusion-health flag") let anyone who also saw an empty flag
list conclude that the patient holds a restricted flag. With one phrase for every cause, a
restricted flag, the learning-disability or SMI register and a clinician's adjustment look the
same from the front desk; clinicians see the cause in ``flexible_dna_basis``."""


@dataclass(frozen=True)
class FlagFact:
    """An active flag as the rule needs it (category only; no dates, no author)."""

    category: str
    subcategory: str | None = None


@dataclass(frozen=True)
class AdjustmentFact:
    kind: str
    detail: str | None = None


@dataclass(frozen=True)
class CommunicationFact:
    main_language: str | None = None
    dialect: str | None = None
    interpreter_needed: bool = False
    interpreter_mode: str | None = None
    interpreter_gender: str | None = None
    no_family_interpreter: bool = False


@dataclass(frozen=True)
class AccessNeeds:
    """The needs shown to every role. Contains no flag category names."""

    double_appointment: bool = False
    double_reasons: tuple[str, ...] = ()
    flexible_dna: bool = False
    flexible_dna_reasons: tuple[str, ...] = ()
    """What every role is told: :data:`AGREED_FLEXIBLE`, whatever the cause."""
    flexible_dna_basis: tuple[str, ...] = ()
    """The causes ("inclusion-health flag", "reasonable adjustment", "learning disability or
    mental health register"): for clinical roles only; :meth:`for_front_desk` drops them."""
    interpreter_language: str | None = None
    interpreter_dialect: str | None = None
    interpreter_mode: str | None = None
    interpreter_gender: str | None = None
    no_family_interpreter: bool = False
    first_or_last: str | None = None
    """"first" or "last" appointment of a session."""
    clinician_gender: str | None = None
    minimal_wait: bool = False
    quiet_space: bool = False
    advocate_present: bool = False
    information_format: str | None = None
    contact_via_keyworker: bool = False
    prefers_drop_in: bool = False
    other: tuple[str, ...] = field(default_factory=tuple)

    def for_front_desk(self) -> AccessNeeds:
        """The needs without the clinical basis of flexible handling (non-clinical roles)."""
        return replace(self, flexible_dna_basis=())

    def summary(self) -> list[str]:
        """Short phrases for a banner, most important first."""
        out: list[str] = []
        if self.interpreter_language:
            mode = f" ({self.interpreter_mode.replace('_', ' ')})" if self.interpreter_mode else ""
            name = language_name(self.interpreter_language) or self.interpreter_language
            out.append(f"interpreter: {name}{mode}")
        if self.double_appointment:
            out.append("double appointment")
        if self.flexible_dna:
            out.append("flexible DNA handling")
        if self.contact_via_keyworker:
            out.append("contact via keyworker")
        if self.prefers_drop_in:
            out.append("prefers drop-in")
        if self.first_or_last:
            out.append(f"{self.first_or_last} appointment of session")
        if self.clinician_gender:
            out.append(f"{self.clinician_gender} clinician")
        if self.minimal_wait:
            out.append("minimal waiting")
        if self.quiet_space:
            out.append("quiet space")
        if self.advocate_present:
            out.append("advocate or keyworker present")
        if self.information_format:
            out.append(f"information: {self.information_format.replace('_', ' ')}")
        out.extend(self.other)
        return out


def derive_needs(
    flags: Iterable[FlagFact],
    adjustments: Iterable[AdjustmentFact],
    communication: CommunicationFact,
    *,
    contact_route: str | None = None,
    registers: Iterable[str] = (),
) -> AccessNeeds:
    """Combine flags, adjustments and communication into the needs reception acts on."""
    flags = list(flags)
    adjustments = list(adjustments)
    kinds = {a.kind: a for a in adjustments}
    flexible_reasons: list[str] = []
    if flags:
        flexible_reasons.append("inclusion-health flag")
    if MENTAL_HEALTH_OR_LD_REGISTERS.intersection(registers):
        flexible_reasons.append("learning disability or mental health register")
    if FLEXIBLE_DNA_ADJUSTMENTS.intersection(kinds):
        flexible_reasons.append("reasonable adjustment")
    double_reasons: list[str] = []
    if "extended_appointment" in kinds:
        double_reasons.append("extended appointment adjustment")
    if communication.interpreter_needed:
        double_reasons.append("interpreter needed")
    first_or_last = None
    if "first_or_last_appointment" in kinds:
        detail = (kinds["first_or_last_appointment"].detail or "first").lower()
        first_or_last = "last" if detail.startswith("last") else "first"
    clinician_gender = None
    if "clinician_gender" in kinds:
        clinician_gender = (kinds["clinician_gender"].detail or "").lower() or None
    info_format = None
    if "information_format" in kinds:
        info_format = kinds["information_format"].detail or "easy_read"
    rough = any(f.category == "homelessness" and f.subcategory == "rough_sleeping" for f in flags)
    other = tuple(
        a.detail or a.kind for a in adjustments if a.kind == "bespoke" and (a.detail or a.kind)
    )
    return AccessNeeds(
        double_appointment=bool(double_reasons),
        double_reasons=tuple(double_reasons),
        flexible_dna=bool(flexible_reasons),
        flexible_dna_reasons=(AGREED_FLEXIBLE,) if flexible_reasons else (),
        flexible_dna_basis=tuple(flexible_reasons),
        interpreter_language=communication.main_language if communication.interpreter_needed else None,
        interpreter_dialect=communication.dialect if communication.interpreter_needed else None,
        interpreter_mode=communication.interpreter_mode if communication.interpreter_needed else None,
        interpreter_gender=communication.interpreter_gender if communication.interpreter_needed else None,
        no_family_interpreter=communication.no_family_interpreter,
        first_or_last=first_or_last,
        clinician_gender=clinician_gender,
        minimal_wait="minimal_wait" in kinds,
        quiet_space="quiet_space" in kinds,
        advocate_present="advocate_present" in kinds,
        information_format=info_format,
        contact_via_keyworker=contact_route in ("keyworker", "hostel"),
        prefers_drop_in=rough or "prefers_drop_in" in kinds,
        other=other,
    )
