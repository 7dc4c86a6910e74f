"""Print a portable health record: the sections the patient chooses, the layout, and their
consent. Offered to clinical roles; the library refuses anyone else and anything without consent."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Select, SelectionList

from inclusion_practice.domain.portable_record import (
    ALL_SECTIONS,
    REQUIRED_SECTIONS,
    SECTION_LABELS,
    Layout,
    Section,
)


@dataclass(frozen=True)
class PrintRequest:
    sections: frozenset[Section]
    layout: Layout


class PortableRecordDialog(ModalScreen[PrintRequest | None]):
    """Which sections, which layout; the patient's consent is asked for in words."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "print", "Print"),
    ]

    def __init__(self, name: str, chosen: frozenset[Section] | None) -> None:
        super().__init__()
        self.patient_name = name
        self.chosen = chosen if chosen is not None else frozenset(Section)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Print portable record: {self.patient_name}", classes="dialog-title")
            yield Label("Ask which parts they want to carry (name, date of birth and the "
                        "practice are always on it). Restricted flags never appear.")
            yield SelectionList[str](
                *[(SECTION_LABELS[s], s.value, s in self.chosen or s in REQUIRED_SECTIONS)
                  for s in ALL_SECTIONS if s not in REQUIRED_SECTIONS],
                id="portable-sections",
            )
            yield Select([("Standard", Layout.STANDARD.value), ("Large print", Layout.LARGE.value),
                          ("Easy read", Layout.EASY_READ.value)],
                         value=Layout.STANDARD.value, allow_blank=False, id="portable-layout")
            yield Checkbox("The patient agrees to carry these sections", id="portable-consent")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Print (Ctrl+S)", variant="primary", id="print")
                yield Button("Cancel (Esc)", id="cancel")

    @on(Button.Pressed, "#print")
    def action_print(self) -> None:
        if not self.query_one("#portable-consent", Checkbox).value:
            self.notify("Record the patient's consent first: tick that they agree",
                        severity="warning")
            return
        picked = self.query_one("#portable-sections", SelectionList).selected
        layout = self.query_one("#portable-layout", Select).value
        self.dismiss(PrintRequest(frozenset(Section(str(v)) for v in picked) | REQUIRED_SECTIONS,
                                  Layout(str(layout))))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
