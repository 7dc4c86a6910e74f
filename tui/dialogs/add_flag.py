"""Add an inclusion-health flag. Restricted categories are offered to clinical roles only (and
the library refuses them for anyone else anyway)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select

from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.patient_record import FlagSource


@dataclass(frozen=True)
class FlagRequest:
    category: str
    subcategory: str | None
    source: str


class AddFlagDialog(ModalScreen[FlagRequest | None]):
    """Category, subcategory and who told us."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save flag"),
    ]

    def __init__(self, config: PracticeConfig, restricted_allowed: bool) -> None:
        super().__init__()
        self.categories = {
            code: cat for code, cat in config.flag_categories().items()
            if restricted_allowed or not cat.restricted
        }

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add an inclusion-health flag", classes="dialog-title")
            yield Select(
                [(c.label + (" (restricted)" if c.restricted else ""), code)
                 for code, c in self.categories.items()],
                prompt="Category", id="flag-category",
            )
            yield Select([], prompt="Subcategory (optional)", id="flag-subcategory")
            yield Select([(s.value.replace("_", " "), s.value) for s in FlagSource
                          if s is not FlagSource.IMPORTED],
                         value=FlagSource.SELF_DECLARED.value, allow_blank=False, id="flag-source")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (Ctrl+S)", variant="primary", id="save")
                yield Button("Cancel (Esc)", id="cancel")

    @on(Select.Changed, "#flag-category")
    def _category(self, event: Select.Changed) -> None:
        sub = self.query_one("#flag-subcategory", Select)
        cat = self.categories.get(str(event.value)) if event.value != Select.NULL else None
        sub.set_options([(s.replace("_", " "), s) for s in (cat.subcategories if cat else ())])

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        category = self.query_one("#flag-category", Select).value
        if category == Select.NULL:
            self.notify("Choose a category", severity="warning")
            return
        sub = self.query_one("#flag-subcategory", Select).value
        source = self.query_one("#flag-source", Select).value
        self.dismiss(FlagRequest(str(category), None if sub == Select.NULL else str(sub),
                                 str(source)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
