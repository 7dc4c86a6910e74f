"""Record a refused registration, only through the controlled reasons.

There is no free-text reason field: the reason is chosen from the lawful list, and the detail of
"other reasonable ground" is checked by the library, which refuses (and explains) any forbidden
ground such as no ID, no proof of address or immigration status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from inclusion_practice.domain.patient_record import ETHNIC_CATEGORIES_ENGLAND
from inclusion_practice.domain.refusals import OFFERED_REASONS
from inclusion_practice.errors import InclusionPracticeError
from inclusion_practice.services.refusals import RefusalInfo
from tui.screens.base import PracticeScreenMixin

NEVER_GROUNDS = (
    "Never a reason: no ID, no proof of address, immigration status, race, gender, gender "
    "reassignment, marriage or civil partnership, pregnancy or maternity, social class, age, "
    "religion, sexual orientation, appearance, disability or a medical condition."
)


@dataclass(frozen=True)
class RefusalRequest:
    refusal_id: int
    written_reason_due: dt.date


class RefusalDialog(PracticeScreenMixin, ModalScreen[RefusalRequest | None]):
    """Name, controlled reason, detail (for "other"): recorded by the refusal service."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Record refusal"),
    ]

    def __init__(self, given: str = "", family: str = "") -> None:
        super().__init__()
        self.given = given
        self.family = family

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="refusal-dialog"):
            yield Label("Record a refused registration", classes="dialog-title")
            yield Static(NEVER_GROUNDS, classes="reminder")
            yield Input(self.given, placeholder="given name", id="refusal-given")
            yield Input(self.family, placeholder="family name", id="refusal-family")
            yield Select([(r.label, r.value) for r in OFFERED_REASONS], prompt="Reason",
                         id="refusal-reason")
            yield Input(placeholder="detail (required for other reasonable ground)",
                        id="refusal-detail")
            with Horizontal(id="refusal-extra"):
                yield Input(placeholder="age (optional)", id="refusal-age")
                yield Select(
                    [(f"{code} {label}", code) for code, label in ETHNIC_CATEGORIES_ENGLAND.items()],
                    prompt="Ethnic category (optional)", id="refusal-ethnicity",
                )
            yield Static("", id="refusal-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record (Ctrl+S)", variant="error", id="save")
                yield Button("Cancel (Esc)", id="cancel")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        reason = self.query_one("#refusal-reason", Select).value
        if reason is Select.NULL:
            self.query_one("#refusal-error", Static).update("Choose a reason from the list")
            return
        age_text = self.query_one("#refusal-age", Input).value.strip()
        if age_text and not age_text.isdigit():
            self.query_one("#refusal-error", Static).update("Age: give whole years, or leave it empty")
            return
        ethnicity = self.query_one("#refusal-ethnicity", Select).value
        self._record(
            self.query_one("#refusal-given", Input).value,
            self.query_one("#refusal-family", Input).value,
            str(reason),
            self.query_one("#refusal-detail", Input).value or None,
            int(age_text) if age_text else None,
            None if ethnicity is Select.NULL else str(ethnicity),
        )

    @work(thread=True, exclusive=True, group="refusal")
    def _record(
        self, given: str, family: str, reason: str, detail: str | None, age: int | None,
        ethnicity: str | None,
    ) -> None:
        try:
            info = self.ip.refusals.record(self.actor, given, family, reason, detail=detail,
                                           age=age, ethnic_category=ethnicity)
        except InclusionPracticeError as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._recorded, info)

    def _failed(self, exc: InclusionPracticeError) -> None:
        self.query_one("#refusal-error", Static).update(str(exc))

    def _recorded(self, info: RefusalInfo) -> None:
        self.dismiss(RefusalRequest(info.id, info.written_reason_due))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
