"""Rules a booking must satisfy before anything is written.

Pure checks (the service supplies the slots, "now" and the needs): one session, contiguous,
not in the past, not blocked, and the double-appointment proposal — a patient who needs extra
time gets two slots unless reception gives a reason not to (which is audited).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.errors import InvalidInput

MAX_SLOTS = 8
"""Longer than eight slots is a clinic, not an appointment."""


@dataclass(frozen=True)
class SlotRef:
    """A slot as the booking rules see it."""

    id: int
    session_id: int
    seq: int
    start: dt.datetime
    end: dt.datetime
    blocked: bool = False


@dataclass(frozen=True)
class SlotCountProposal:
    """How many slots to book and why; ``overridden`` when reception chose fewer."""

    count: int
    proposed: int
    reasons: tuple[str, ...]
    overridden: bool = False
    override_reason: str | None = None


def check_slot_ids(slot_ids: Sequence[int]) -> tuple[int, ...]:
    """At least one, at most :data:`MAX_SLOTS`, no repeats."""
    if not slot_ids:
        raise InvalidInput("slot_ids", "choose at least one slot")
    if len(slot_ids) > MAX_SLOTS:
        raise InvalidInput("slot_ids", f"at most {MAX_SLOTS} slots in one appointment")
    if len(set(slot_ids)) != len(slot_ids):
        raise InvalidInput("slot_ids", "a slot is named twice")
    return tuple(slot_ids)


def check_slots(slots: Sequence[SlotRef], now: dt.datetime) -> tuple[SlotRef, ...]:
    """The slots in order, or :class:`InvalidInput` saying which rule they break."""
    if not slots:
        raise InvalidInput("slot_ids", "choose at least one slot")
    ordered = tuple(sorted(slots, key=lambda s: (s.session_id, s.seq)))
    sessions = {s.session_id for s in ordered}
    if len(sessions) > 1:
        raise InvalidInput(
            "slot_ids", f"the slots are in {len(sessions)} sessions; an appointment is in one"
        )
    for a, b in itertools.pairwise(ordered):
        if b.seq != a.seq + 1:
            raise InvalidInput(
                "slot_ids",
                f"slots are not contiguous ({a.start:%H:%M} then {b.start:%H:%M})",
            )
    for s in ordered:
        if s.start < now:
            raise InvalidInput("slot_ids", f"slot {s.id} at {s.start:%Y-%m-%d %H:%M} is in the past")
        if s.blocked:
            raise InvalidInput("slot_ids", f"slot {s.id} at {s.start:%Y-%m-%d %H:%M} is blocked")
    return ordered


def propose_slot_count(
    needs: AccessNeeds, requested: int, override_reason: str | None = None
) -> SlotCountProposal:
    """The double-proposal rule.

    A patient whose needs call for a double appointment (extended-appointment adjustment,
    interpreter) gets at least two slots. Booking one slot anyway needs a reason.
    """
    if requested < 1:
        raise InvalidInput("slot_ids", "choose at least one slot")
    reason = (override_reason or "").strip() or None
    if not needs.double_appointment or requested >= 2:
        if reason is not None and not needs.double_appointment:
            raise InvalidInput(
                "double_override_reason", "only needed when a double appointment is proposed"
            )
        return SlotCountProposal(requested, max(requested, 2 if needs.double_appointment else 1),
                                 needs.double_reasons)
    if reason is None:
        return SlotCountProposal(2, 2, needs.double_reasons)
    if len(reason) < 5:
        raise InvalidInput("double_override_reason", "say why a single slot is enough (a sentence)")
    return SlotCountProposal(requested, 2, needs.double_reasons, overridden=True,
                             override_reason=reason)
