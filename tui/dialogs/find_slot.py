"""Find a slot for a patient and book it (or move an appointment to it).

The slot finder in the library proposes contiguous double slots when the patient's needs call
for them (interpreter, extended-appointment adjustment), honours their clinician gender
preference and the channel asked for, and says why each time was offered. A single slot instead
of a proposed double needs a reason. If another terminal takes the slot first, the library
raises ``SlotJustTaken`` with the next free options, which replace the list here.
"""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static

from inclusion_practice.domain.dates import FORMS, parse_day
from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.domain.slot_finder import CHANNELS, SlotOffer
from inclusion_practice.errors import InclusionPracticeError, InvalidInput, SlotJustTaken
from inclusion_practice.services.appointments import BookingResult
from tui.screens.base import PracticeScreenMixin
from tui.widgets.patient_banner import needs_phrases_of


class FindSlotDialog(PracticeScreenMixin, ModalScreen[BookingResult | None]):
    """Offers for one patient; Enter books the highlighted one."""

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("ctrl+f", "search", "Search again"),
        Binding("ctrl+s", "book", "Book highlighted"),
    ]

    def __init__(
        self,
        patient_id: int,
        patient_name: str,
        *,
        reschedule_id: int | None = None,
        start: dt.date | None = None,
        clinician: str | None = None,
    ) -> None:
        super().__init__()
        self.patient_id = patient_id
        self.patient_name = patient_name
        self.reschedule_id = reschedule_id
        self.start = start
        self.clinician = clinician
        self.needs: AccessNeeds | None = None
        self.offers: list[SlotOffer] = []

    def compose(self) -> ComposeResult:
        verb = "Move appointment" if self.reschedule_id else "Book"
        clinicians = [(c.name, c.code) for c in self.ip.config.clinicians]
        with Vertical(classes="dialog", id="find-slot"):
            yield Label(f"{verb}: {self.patient_name}", classes="dialog-title")
            yield Static("", id="slot-needs")
            with Horizontal(classes="dialog-row"):
                yield Input(self.start.isoformat() if self.start else "", compact=True,
                            placeholder="from YYYY-MM-DD", id="slot-from")
                yield Select(clinicians, compact=True, prompt="any clinician",
                             value=self.clinician if self.clinician else Select.NULL,
                             id="slot-clinician")
                yield Select([(c.replace("_", " "), c) for c in CHANNELS], compact=True,
                             prompt="any channel", id="slot-channel")
            with Horizontal(classes="dialog-row"):
                yield Checkbox("One slot only", id="slot-single")
                yield Input(compact=True, placeholder="why one slot is enough",
                            id="slot-override")
            yield Input(compact=True, placeholder="interpreter note (for the agency/clinician)",
                        id="slot-interpreter-note")
            yield Input(compact=True, placeholder="comment for staff (optional)",
                        id="slot-comment")
            yield Static("", id="slot-status")
            yield DataTable(id="slot-offers", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one("#slot-offers", DataTable)
        table.add_columns("When", "Mins", "Clinician", "Where", "Why")
        self._load_needs()
        self.action_search()

    @work(thread=True, group="slot-needs")
    def _load_needs(self) -> None:
        try:
            needs = self.ip.patients.needs(self.actor, self.patient_id)
        except InclusionPracticeError as exc:
            self.app.call_from_thread(self._status, str(exc))
            return
        self.app.call_from_thread(self._show_needs, needs)

    def _show_needs(self, needs: AccessNeeds) -> None:
        self.needs = needs
        phrases = needs_phrases_of(needs)
        text = "Needs: " + (" · ".join(phrases) or "none recorded")
        if needs.double_appointment:
            text += f"\nDouble appointment proposed ({'; '.join(needs.double_reasons)})."
        self.query_one("#slot-needs", Static).update(text)
        self.query_one("#slot-interpreter-note", Input).display = bool(
            needs.interpreter_language
        )

    def _status(self, text: str) -> None:
        self.query_one("#slot-status", Static).update(text)

    # --- searching ----------------------------------------------------------------------

    def _query(self) -> dict[str, object]:
        start_text = self.query_one("#slot-from", Input).value.strip()
        start: dt.date | None = None
        if start_text:
            try:
                start = parse_day(start_text, "from", today=self.practice_app.clock.today())
            except InvalidInput as exc:
                self._status(f"{start_text!r} is not a date ({FORMS})")
                raise ValueError(exc.reason) from None
        clinician = self.query_one("#slot-clinician", Select).value
        channel = self.query_one("#slot-channel", Select).value
        single = self.query_one("#slot-single", Checkbox).value
        return {
            "date_from": start,
            "clinician": None if clinician is Select.NULL else str(clinician),
            "channel": None if channel is Select.NULL else str(channel),
            "length": 1 if single else None,
        }

    def action_search(self) -> None:
        try:
            query = self._query()
        except ValueError:
            return
        self._status("Looking for free times…")
        self._search(query)

    @on(Input.Submitted, "#slot-from")
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        if self.is_mounted:
            self.action_search()

    @work(thread=True, exclusive=True, group="slot-search")
    def _search(self, query: dict[str, object]) -> None:
        try:
            offers = self.ip.appointments.find_slots(self.patient_id, limit=12, **query)  # type: ignore[arg-type]
        except InclusionPracticeError as exc:
            self.app.call_from_thread(self._status, str(exc))
            return
        self.app.call_from_thread(self._show_offers, offers, "")

    def _show_offers(self, offers: list[SlotOffer], message: str) -> None:
        self.offers = list(offers)
        table = self.query_one("#slot-offers", DataTable)
        table.clear()
        for i, o in enumerate(self.offers):
            clinician = self.ip.config.clinician(o.clinician)
            table.add_row(f"{o.start:%a %d %b %H:%M}", str(o.minutes),
                          clinician.name if clinician else o.clinician,
                          o.location.replace("_", " "), "; ".join(o.reasons), key=str(i))
        found = f"{len(self.offers)} free time(s). Enter or Ctrl+S books the highlighted one."
        self._status(f"{message} {found}".strip() if self.offers else
                     f"{message} No free times match: widen the search.".strip())
        if self.offers:
            table.focus()

    # --- booking ------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#slot-offers")
    def _selected(self) -> None:
        self.action_book()

    def action_book(self) -> None:
        table = self.query_one("#slot-offers", DataTable)
        if not self.offers or not 0 <= table.cursor_row < len(self.offers):
            return
        offer = self.offers[table.cursor_row]
        single = self.query_one("#slot-single", Checkbox).value
        override = self.query_one("#slot-override", Input).value.strip()
        if single and self.needs is not None and self.needs.double_appointment and not override:
            self._status("Say why one slot is enough (a double is proposed for this patient).")
            self.query_one("#slot-override", Input).focus()
            return
        channel = self.query_one("#slot-channel", Select).value
        self._status("Booking…")
        self._book(
            offer,
            None if channel is Select.NULL else str(channel),
            override if single and override else None,
            self.query_one("#slot-comment", Input).value.strip() or None,
            self.query_one("#slot-interpreter-note", Input).value.strip() or None,
        )

    @work(thread=True, exclusive=True, group="slot-book")
    def _book(
        self,
        offer: SlotOffer,
        channel: str | None,
        override: str | None,
        comment: str | None,
        interpreter_note: str | None,
    ) -> None:
        try:
            if self.reschedule_id is not None:
                result = self.ip.appointments.reschedule(
                    self.actor, self.reschedule_id, offer.slot_ids, channel=channel,
                    double_override_reason=override, reason="moved at the patient's request",
                )
            else:
                result = self.ip.appointments.book(
                    self.actor, self.patient_id, offer.slot_ids, channel=channel,
                    comment=comment, double_override_reason=override,
                )
            if interpreter_note and result.appointment.interpreter is not None:
                self.ip.interpreters.set_note(self.actor, result.appointment.id,
                                              note=interpreter_note)
        except SlotJustTaken as taken:
            self.app.call_from_thread(
                self._show_offers, list(taken.alternatives),
                "That time was just taken by another booking. Next free times:",
            )
            return
        except InclusionPracticeError as exc:
            self.app.call_from_thread(self._status, str(exc))
            return
        self.app.call_from_thread(self.dismiss, result)

    def action_cancel(self) -> None:
        self.dismiss(None)
