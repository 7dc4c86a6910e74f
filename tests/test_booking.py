"""Pure booking rules: one session, contiguous, not past, and the double proposal."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.domain.booking import (
    SlotRef,
    check_slot_ids,
    check_slots,
    propose_slot_count,
)
from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.errors import InvalidInput

NOW = dt.datetime(2026, 11, 23, 9, 0)


def _ref(i: int, session: int = 1, seq: int | None = None, hour: int = 10, blocked: bool = False) -> SlotRef:
    seq = i if seq is None else seq
    start = dt.datetime(2026, 11, 23, hour) + dt.timedelta(minutes=10 * seq)
    return SlotRef(i, session, seq, start, start + dt.timedelta(minutes=10), blocked)


@pytest.mark.parametrize(("slots", "reason"), [
    ([], "choose at least one slot"),
    ([_ref(1), _ref(2, session=2)], "in 2 sessions"),
    ([_ref(1), _ref(3)], "not contiguous"),
    ([_ref(1, hour=8)], "is in the past"),
    ([_ref(1, blocked=True)], "is blocked"),
])
def test_slots_that_break_a_rule_are_refused_naming_slot_ids(slots: list[SlotRef], reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_slots(slots, NOW)
    assert err.value.field == "slot_ids"
    assert reason in err.value.reason


def test_contiguous_slots_of_one_session_come_back_in_order() -> None:
    assert [s.id for s in check_slots([_ref(3), _ref(2), _ref(4)], NOW)] == [2, 3, 4]


@pytest.mark.parametrize(("ids", "reason"), [
    ([], "at least one"), ([1, 1], "named twice"), (list(range(9)), "at most 8"),
])
def test_slot_id_lists_are_checked(ids: list[int], reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        check_slot_ids(ids)


NEEDS_DOUBLE = AccessNeeds(double_appointment=True, double_reasons=("interpreter needed",))


@pytest.mark.parametrize(("needs", "requested", "override", "count", "overridden"), [
    (AccessNeeds(), 1, None, 1, False),
    (AccessNeeds(), 3, None, 3, False),
    (NEEDS_DOUBLE, 1, None, 2, False),
    (NEEDS_DOUBLE, 2, None, 2, False),
    (NEEDS_DOUBLE, 1, "results only, five minutes", 1, True),
])
def test_the_double_proposal(needs: AccessNeeds, requested: int, override: str | None,
                             count: int, overridden: bool) -> None:
    p = propose_slot_count(needs, requested, override)
    assert (p.count, p.overridden) == (count, overridden)
    if overridden:
        assert p.override_reason == override


def test_an_override_reason_must_say_something_and_only_when_a_double_is_proposed() -> None:
    with pytest.raises(InvalidInput) as err:
        propose_slot_count(NEEDS_DOUBLE, 1, "ok")
    assert err.value.field == "double_override_reason"
    with pytest.raises(InvalidInput) as err:
        propose_slot_count(AccessNeeds(), 1, "because I said so")
    assert err.value.field == "double_override_reason"
