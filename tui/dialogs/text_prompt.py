"""Small dialogs that ask for one thing: a reason, an outcome, a yes/no, a choice."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static


class TextPromptDialog(ModalScreen[str | None]):
    """Ask for a line of text (required unless ``allow_empty``); Enter saves, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str = "", explanation: str = "",
                 *, allow_empty: bool = False, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.explanation = explanation
        self.allow_empty = allow_empty
        self.initial = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.explanation:
                yield Static(self.explanation, id="prompt-explanation")
            yield Input(self.initial, placeholder=self.placeholder, id="prompt-input")
            yield Static("Enter to save, Esc to cancel", classes="muted")

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value and not self.allow_empty:
            self.notify("Type something first", severity="warning")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CancelAppointmentDialog(ModalScreen[tuple[str, str] | None]):
    """Who cancelled (patient or practice) and why."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("ctrl+s", "save", "Cancel it")]

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Cancel appointment", classes="dialog-title")
            yield Static(self.description)
            yield Select([("the patient", "patient"), ("the practice", "practice")],
                         value="patient", allow_blank=False, id="cancel-by")
            yield Input(placeholder="reason", id="cancel-reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel appointment (Ctrl+S)", variant="error", id="save")
                yield Button("Keep it (Esc)", id="close")

    @on(Input.Submitted, "#cancel-reason")
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        reason = self.query_one("#cancel-reason", Input).value.strip()
        if not reason:
            self.notify("Say why it is cancelled", severity="warning")
            return
        self.dismiss((str(self.query_one("#cancel-by", Select).value), reason))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; Y or Enter for yes, N or Esc for no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.question, id="confirm-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (Y)", variant="primary", id="yes")
                yield Button("No (N)", id="no")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
