"""A receptionist never sees a restricted flag, on any screen or dialog.

The library filters restricted flags on every read; this walks every screen and dialog a
receptionist can reach with a patient who has one (sex work) and checks none of the restricted
labels is ever drawn — while the needs that follow from it (flexible DNA handling) are.
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import SelectionList

from inclusion_practice.clock import FixedClock
from inclusion_practice.services.access import SYSTEM
from tests.conftest import NOW
from tests.tui.conftest import Seeded
from tests.tui.helpers import notifications, screen_text, settle, sign_in, type_text
from tui.app import InclusionPracticeApp

pytestmark = pytest.mark.anyio


def _restricted_labels(app: InclusionPracticeApp) -> list[str]:
    return [c.label for c in app.ip.config.flag_categories().values() if c.restricted]


def _assert_clean(app: InclusionPracticeApp, where: str) -> None:
    text = screen_text(app).lower() + "\n".join(notifications(app)).lower()
    for label in _restricted_labels(app):
        assert label.lower() not in text, f"{label!r} shown to a receptionist on {where}"
    for code in ("sex_work", "substance_use", "domestic_abuse_refuge", "modern_slavery"):
        assert code not in text, f"{code!r} shown to a receptionist on {where}"


async def test_a_receptionist_never_sees_a_restricted_flag_on_any_screen(
    app: InclusionPracticeApp, seeded: Seeded
) -> None:
    ip = app.ip
    pid = seeded.flagged_restricted
    # A missed appointment this morning, so the DNA worklist and explanation have her too.
    offer = next(o for o in ip.appointments.find_slots(pid, date_from=NOW.date(), length=1,
                                                       per_session=40, limit=40)
                 if o.start.hour == 10)
    booked = ip.appointments.book(SYSTEM, pid, offer.slot_ids)
    clock = ip.clock
    assert isinstance(clock, FixedClock)
    clock.advance(dt.timedelta(hours=2))
    ip.appointments.dna(SYSTEM, booked.appointment.id)

    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "reception1")
        await type_text(pilot, "Zofia")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "flexible DNA handling" in screen_text(app)
        _assert_clean(app, "Find (results and banner)")

        await pilot.press("ctrl+f")
        await settle(pilot)
        categories = app.screen.categories  # type: ignore[attr-defined]
        assert not any(c.restricted for c in categories.values())
        _assert_clean(app, "the add-flag dialog")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("ctrl+b")
        await settle(pilot)
        _assert_clean(app, "Book")
        await pilot.press("ctrl+f")
        await settle(pilot)
        _assert_clean(app, "the find-slot dialog")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("f5")
        await settle(pilot)
        _assert_clean(app, "Today: arrivals")
        await pilot.press("3")
        await settle(pilot)
        assert "Policy: flexible" in screen_text(app)
        _assert_clean(app, "Today: DNA worklist and explanation")
        await pilot.press("2")
        await settle(pilot)
        _assert_clean(app, "Today: interpreters")

        await pilot.press("f3", "f8", "f8", "f8")
        await settle(pilot)
        flags = app.screen.query_one("#flags", SelectionList)
        offered = [str(flags.get_option_at_index(i).prompt)
                   for i in range(flags.option_count)]
        assert not any(label in " ".join(offered) for label in _restricted_labels(app))
        _assert_clean(app, "Register: flags step")
