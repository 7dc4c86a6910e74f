"""The terminal app's part of the access matrix: sections by role, and restricted flags.

Each role is offered exactly the sections its permissions allow (the library checks again when
an action is done: see ``tests/test_access_matrix.py``). A manager and an admin, like a
receptionist (``test_tui_restricted_flags.py``), never see a restricted flag on the patient
screens or the manager's worklists, while a clinician does — the positive control that proves
the check looks at the right place.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from inclusion_practice.domain.roles import Permission, Role
from tests.tui.conftest import USERS, Seeded
from tests.tui.helpers import notifications, screen_text, settle, sign_in, type_text
from tui.app import SECTIONS, InclusionPracticeApp

pytestmark = pytest.mark.anyio

SECTIONS_BY_ROLE = {
    Role.RECEPTIONIST: ["find", "register", "book", "today"],
    Role.CLINICIAN: ["find", "register", "book", "today", "manager"],
    Role.MANAGER: ["find", "register", "book", "today", "manager"],
    Role.ADMIN: ["find", "register", "book", "today", "manager"],
}
RESTRICTED_LABELS = ("sex work", "substance use", "domestic abuse refuge", "modern slavery",
                     "sex_work", "substance_use", "domestic_abuse_refuge", "modern_slavery")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_offered_exactly_the_sections_its_permissions_allow(role: Role) -> None:
    assert [s.mode for s in SECTIONS if s.allowed(role)] == SECTIONS_BY_ROLE[role]
    manager = next(s for s in SECTIONS if s.mode == "manager")
    assert set(manager.permissions) == {Permission.RUN_INDICATORS, Permission.PRODUCE_RETURNS}


def _shown(app: InclusionPracticeApp) -> str:
    return (screen_text(app) + "\n" + "\n".join(notifications(app))).lower()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN, Role.CLINICIAN])
async def test_only_a_clinician_sees_the_restricted_flag_on_the_patient_and_manager_screens(
    app: InclusionPracticeApp, seeded: Seeded, role: Role
) -> None:
    seen: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, USERS[role.value])
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "Zofia")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "flexible DNA handling" in screen_text(app)  # the need shows for every role
        seen.append(_shown(app))
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        results = app.screen.query_one("#results", DataTable)
        ids = [r.indicator_id for r in app.screen.result.results]  # type: ignore[attr-defined]
        # The "any" register, a mixed one and the substance-use one.
        for row in [ids.index(i) for i in ("IH001", "IH004", "IH012")]:
            results.move_cursor(row=row)
            await pilot.press("enter")
            await settle(pilot)
            seen.append(_shown(app))
            await pilot.press("escape")
            await settle(pilot)
    text = "\n".join(seen)
    if role is Role.CLINICIAN:
        assert "sex work" in text
    else:
        assert [w for w in RESTRICTED_LABELS if w in text] == []
