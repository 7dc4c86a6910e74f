"""The banner's portable record: a clinician prints it with the patient's consent; the banner
shows consent and the last print; reception reprints the last consented card and cannot print
a new one; a restricted flag is on no card."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox

from tests.portable_support import leaks, pdf_text
from tests.tui.conftest import Seeded
from tests.tui.helpers import notifications, screen_text, settle, sign_in, type_text
from tui.app import InclusionPracticeApp
from tui.dialogs.portable_record import PortableRecordDialog

pytestmark = pytest.mark.anyio


async def _find(pilot: object, name: str) -> None:
    await type_text(pilot, name)  # type: ignore[arg-type]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_a_clinician_prints_with_consent_and_reception_reprints_the_last_card(
    app: InclusionPracticeApp, seeded: Seeded, tmp_path: Path
) -> None:
    async with app.run_test(size=(130, 44)) as pilot:
        await sign_in(pilot, "drokafor")
        await _find(pilot, "Zofia")
        assert "Portable record: no consent recorded · never printed" in screen_text(app)
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert isinstance(app.screen, PortableRecordDialog)
        await pilot.press("ctrl+s")  # not yet: the consent box is not ticked
        await settle(pilot)
        assert isinstance(app.screen, PortableRecordDialog)
        assert any("consent" in n for n in notifications(app))
        app.screen.query_one("#portable-consent", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        written = sorted(tmp_path.glob("portable-record-*.pdf"))
        assert len(written) == 1, notifications(app)
        assert any("Portable record written to" in n for n in notifications(app))
        text = screen_text(app)
        assert "consent recorded 23 Nov 2026 · last printed 23 Nov 2026 by drokafor" in text
        words = pdf_text(written[0].read_bytes())
        assert "Zofia Kowalska-Nowak" in words and leaks(words) == []

        await pilot.press("ctrl+o")
        await settle(pilot)
        await sign_in(pilot, "reception1")
        await _find(pilot, "Zofia")
        assert "last printed 23 Nov 2026 by drokafor" in screen_text(app)
        await pilot.press("ctrl+k")  # printing a new record is for clinical roles
        await settle(pilot)
        assert not isinstance(app.screen, PortableRecordDialog)
        await pilot.press("ctrl+r")
        await settle(pilot)
        written = sorted(tmp_path.glob("portable-record-*.pdf"))
        assert any("Portable record written to" in n for n in notifications(app))
        assert "by reception1" in screen_text(app)
        assert written and "Reprinted 23 Nov 2026" in pdf_text(written[-1].read_bytes())
