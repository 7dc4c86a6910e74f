"""Today's MDT view: a receptionist sees the MDT actions due (overdue first) and records one done."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.domain.mdt import ActionStatus
from tests.tui.conftest import Seeded
from tests.tui.helpers import screen_text, settle, sign_in, type_text
from tui.app import InclusionPracticeApp

pytestmark = pytest.mark.anyio


async def test_reception_sees_mdt_actions_due_and_records_an_outcome(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    ip = app.ip
    manager, clinician = ip.users.actor("manager1"), ip.users.actor("drokafor")
    m = ip.mdt.create_meeting(manager, dt.date(2026, 11, 16), partners=["city-drug-alcohol"])
    item = ip.mdt.add_patient(manager, m.id, seeded.flagged_restricted, "keyworker asked", consent="summary")
    ip.mdt.record_discussion(clinician, item.id, "Plan agreed", "Dr Amara Okafor")
    overdue = ip.mdt.add_action(clinician, item.id, "Book double appointment", "reception1",
                                due_on=dt.date(2026, 11, 20))
    ip.mdt.add_action(clinician, item.id, "Assess at hub", "partner:city-drug-alcohol",
                      due_on=dt.date(2026, 11, 27))
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "reception1")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        text = screen_text(app)
        assert "MDT actions due" in text
        assert "Book double appointment" in text and "OVERDUE" in text
        assert "Assess at hub" in text and "City Drug and Alcohol" in text
        assert text.index("Book double appointment") < text.index("Assess at hub")
        assert "sex work" not in text.lower()
        await pilot.press("o")
        await settle(pilot)
        await type_text(pilot, "booked for Tuesday with the keyworker")
        await pilot.press("enter")
        await settle(pilot)
        assert ip.mdt.action(manager, overdue.id).status is ActionStatus.DONE
        assert "Book double appointment" not in screen_text(app)
