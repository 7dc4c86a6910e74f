"""What to do after missed appointments: the standard ladder and the flexible policy.

Pure: the caller passes the DNAs (with dates), the warning letters already sent, today's date,
the ``[dna]`` settings and whether the flexible policy applies (and why). The decision explains
itself — the rule that fired, the DNAs counted with their dates, and why the flexible policy
applied — so that ``dna explain`` can show a patient or a partner exactly how it was reached.

The flexible policy (NICE NG214: do not penalise missed appointments) never escalates to a
warning or a removal: its actions are outreach, and a repeated DNA raises the *priority* of that
outreach. Sanctions are filtered out of a flexible decision even if a ladder somehow held one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from inclusion_practice.domain.calendar_months import months_before
from inclusion_practice.domain.dna_ladder import SANCTIONS, DnaAction, DnaSettings, LadderStep


class Policy(StrEnum):
    STANDARD = "standard"
    FLEXIBLE = "flexible"


REMOVAL_STEPS: frozenset[DnaAction] = frozenset(
    {DnaAction.CONSIDER_REMOVAL, DnaAction.PARTNER_REVIEW}
)
"""Actions that lead to removal: they need a warning still in force."""

ACTION_LABELS: dict[DnaAction, str] = {
    DnaAction.SMS_REMINDER: "SMS reminder",
    DnaAction.LETTER: "letter",
    DnaAction.GENTLE_LETTER: "gentle letter",
    DnaAction.CONTACT_VIA_KEYWORKER: "contact via keyworker or hostel",
    DnaAction.CLINICIAN_REVIEW: "clinician review",
    DnaAction.SAFEGUARDING_CHECK: "safeguarding check",
    DnaAction.OFFER_DROP_IN: "offer drop-in or same-day access",
    DnaAction.WARNING_LETTER: "warning letter",
    DnaAction.PARTNER_REVIEW: "partner review",
    DnaAction.CONSIDER_REMOVAL: "consider removal",
}


@dataclass(frozen=True)
class DnaRecord:
    """One DNA the policy counts (voided DNAs are left out by the caller)."""

    on: dt.date
    event_id: int | None = None
    reason: str = "no_show"


@dataclass(frozen=True)
class FlexibleBasis:
    """Whether the flexible policy applies and the role-safe reasons (no flag names)."""

    applies: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class DnaDecision:
    """The policy's answer and how it got there."""

    policy: Policy
    actions: tuple[DnaAction, ...]
    rule: str
    counted: tuple[DnaRecord, ...]
    window_start: dt.date
    today: dt.date
    step_dnas: int | None = None
    priority: int = 0
    flexible_reasons: tuple[str, ...] = ()
    warnings_in_force: tuple[dt.date, ...] = ()
    warnings_lapsed: tuple[dt.date, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def proposes_sanction(self) -> bool:
        return bool(SANCTIONS.intersection(self.actions))

    def lines(self) -> list[str]:
        """The explanation as sentences, for ``dna explain`` and the worklist."""
        out = [
            f"Policy: {self.policy.value}"
            + (f" (because: {'; '.join(self.flexible_reasons)})" if self.flexible_reasons else ""),
            f"DNAs counted since {self.window_start + dt.timedelta(days=1)} up to {self.today}: "
            f"{len(self.counted)}"
            + (
                " (" + ", ".join(f"{d.on.isoformat()}" for d in self.counted) + ")"
                if self.counted
                else ""
            ),
            f"Rule: {self.rule}",
            "Actions: "
            + (", ".join(ACTION_LABELS[a] for a in self.actions) if self.actions else "none"),
        ]
        if self.policy is Policy.FLEXIBLE and self.actions:
            out.append(f"Outreach priority: {priority_label(self.priority)} ({self.priority})")
        if self.warnings_in_force:
            out.append("Warnings in force: " + ", ".join(d.isoformat() for d in self.warnings_in_force))
        if self.warnings_lapsed:
            out.append("Warnings lapsed: " + ", ".join(d.isoformat() for d in self.warnings_lapsed))
        out.extend(self.notes)
        return out

    def to_json(self) -> dict[str, Any]:
        """What is stored with each action (``dna_action.explanation``)."""
        return {
            "policy": self.policy.value,
            "rule": self.rule,
            "step_dnas": self.step_dnas,
            "counted": [{"on": d.on.isoformat(), "event_id": d.event_id, "reason": d.reason}
                        for d in self.counted],
            "window_start": self.window_start.isoformat(),
            "today": self.today.isoformat(),
            "flexible_reasons": list(self.flexible_reasons),
            "priority": self.priority,
            "actions": [a.value for a in self.actions],
            "warnings_in_force": [d.isoformat() for d in self.warnings_in_force],
            "warnings_lapsed": [d.isoformat() for d in self.warnings_lapsed],
            "notes": list(self.notes),
        }


def priority_label(priority: int) -> str:
    if priority >= 3:
        return "high"
    if priority == 2:
        return "raised"
    return "routine"


def _step(ladder: Iterable[LadderStep], count: int) -> LadderStep | None:
    fired = None
    for step in sorted(ladder, key=lambda s: s.dnas):
        if step.dnas <= count:
            fired = step
    return fired


def decide(
    dnas: Iterable[DnaRecord],
    warnings_sent: Iterable[dt.date],
    today: dt.date,
    settings: DnaSettings,
    flexible: FlexibleBasis,
) -> DnaDecision:
    """Decide the actions after the DNAs up to ``today``."""
    window_start = months_before(today, settings.window_months)
    counted = tuple(sorted((d for d in dnas if window_start < d.on <= today), key=lambda d: d.on))
    lapse_start = months_before(today, settings.warning_lapse_months)
    warnings = sorted(w for w in warnings_sent if w <= today)
    in_force = tuple(w for w in warnings if w > lapse_start)
    lapsed = tuple(w for w in warnings if w <= lapse_start)
    count = len(counted)
    policy = Policy.FLEXIBLE if flexible.applies else Policy.STANDARD
    ladder = settings.flexible_ladder if flexible.applies else settings.standard_ladder
    common: dict[str, Any] = {
        "policy": policy,
        "counted": counted,
        "window_start": window_start,
        "today": today,
        "flexible_reasons": flexible.reasons if flexible.applies else (),
        "warnings_in_force": in_force,
        "warnings_lapsed": lapsed,
    }
    step = _step(ladder, count)
    if step is None:
        return DnaDecision(
            actions=(),
            rule=(
                f"no DNAs in the last {settings.window_months} months"
                if count == 0
                else f"{count} DNA(s) in {settings.window_months} months is below the first step"
            ),
            **common,
        )
    top = max(s.dnas for s in ladder)
    beyond = f"; beyond the top step ({top})" if count > top else ""
    rule = (
        f"{policy.value} ladder step {step.dnas}: {count} DNA(s) in the last "
        f"{settings.window_months} months{beyond}"
    )
    actions = tuple(dict.fromkeys(step.actions))
    notes: list[str] = []
    if flexible.applies:
        kept = tuple(a for a in actions if a not in SANCTIONS)
        if kept != actions:
            notes.append("Sanctions removed: the flexible policy never escalates to them.")
        if not kept:
            kept = (DnaAction.CONTACT_VIA_KEYWORKER,)
        notes.append("A repeated DNA raises outreach priority; it never leads to a warning or removal.")
        return DnaDecision(actions=kept, rule=rule, step_dnas=step.dnas,
                           priority=min(count, 9), notes=tuple(notes), **common)
    if REMOVAL_STEPS.intersection(actions) and not in_force:
        lapsed_note = (
            f" (lapsed: {', '.join(d.isoformat() for d in lapsed)})" if lapsed else ""
        )
        rule += (
            f"; removal needs a warning in the last {settings.warning_lapse_months} months and "
            f"none is in force{lapsed_note}, so a warning letter instead"
        )
        actions = (DnaAction.WARNING_LETTER,)
    return DnaDecision(actions=actions, rule=rule, step_dnas=step.dnas, notes=tuple(notes),
                       **common)
