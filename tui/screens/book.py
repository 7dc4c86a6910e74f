"""Book: the appointment book by day and clinician, and booking, moving and cancelling.

The book lists every slot of the day's sessions with who holds it; booking goes through the
find-slot dialog (which proposes doubles and handles "just taken"); cancelling asks who
cancelled and why, and if an interpreter was booked it prompts to cancel them with the agency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Select, Static

from inclusion_practice.domain.attendance import AppointmentStatus
from inclusion_practice.domain.dates import parse_day
from inclusion_practice.domain.patient_record import PatientView
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput
from inclusion_practice.services.appointments import AppointmentInfo, BookingResult
from inclusion_practice.services.schedule import SessionInfo, SlotInfo
from tui.dialogs.find_slot import FindSlotDialog
from tui.dialogs.text_prompt import CancelAppointmentDialog, ConfirmDialog, TextPromptDialog
from tui.screens.base import SectionScreen
from tui.widgets.patient_banner import needs_phrases


@dataclass(frozen=True)
class BookRow:
    """One line of the book: a slot, and the appointment holding it if any."""

    session: SessionInfo
    slot: SlotInfo
    appointment: AppointmentInfo | None


@dataclass(frozen=True)
class DayBook:
    day: dt.date
    rows: tuple[BookRow, ...]


ACTIVE = {AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.SEEN,
          AppointmentStatus.DNA, AppointmentStatus.LEFT}


class BookScreen(SectionScreen):
    """Day and clinician at the top, the slots below, the chosen patient on the top line."""

    SECTION = "book"
    BINDINGS = [
        Binding("ctrl+f", "find_slot", "Find slot"),
        Binding("ctrl+r", "reschedule", "Move"),
        Binding("ctrl+x", "cancel_appointment", "Cancel appt", priority=True),
        Binding("ctrl+g", "interpreter_note", "Interpreter note"),
        Binding("f7", "previous_day", "Prev day"),
        Binding("f8", "next_day", "Next day"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.day = dt.date.min
        self.patient: PatientView | None = None
        self.rows: list[BookRow] = []

    def compose_body(self) -> ComposeResult:
        clinicians = [(c.name, c.code) for c in self.ip.config.clinicians]
        with Vertical(id="book-body"):
            yield Static("No patient chosen: find one with F2, then Ctrl+B", id="book-patient")
            with Horizontal(id="book-controls"):
                yield Input(compact=True, placeholder="YYYY-MM-DD", id="book-day")
                yield Select(clinicians, compact=True, prompt="all clinicians",
                             id="book-clinician")
            yield DataTable(id="book-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#book-table", DataTable)
        table.add_columns("Time", "Clinician", "Mins", "Patient", "Status", "Channel",
                          "Interpreter")
        self.day = self.practice_app.clock.today()
        self.query_one("#book-day", Input).value = self.day.isoformat()
        if self.practice_app.selected_patient_id is not None:
            self.choose_patient(self.practice_app.selected_patient_id)
        self.load_day()

    def on_screen_resume(self) -> None:
        pid = self.practice_app.selected_patient_id
        if pid is not None and (self.patient is None or self.patient.record.id != pid):
            self.choose_patient(pid)

    # --- the patient being booked -------------------------------------------------------

    def choose_patient(self, patient_id: int) -> None:
        self.call_service(lambda: self.ip.patients.show(self.actor, patient_id),
                          self._show_patient)

    def _show_patient(self, view: PatientView) -> None:
        self.patient = view
        needs = " · ".join(needs_phrases(view)) or "no recorded needs"
        self.query_one("#book-patient", Static).update(
            f"Booking for {view.record.display_name} (#{view.record.id}) — {needs}"
        )
        self.refresh_bindings()

    # --- the book -----------------------------------------------------------------------

    @on(Input.Submitted, "#book-day")
    def _day_typed(self, event: Input.Submitted) -> None:
        try:
            day = parse_day(event.value, "day", today=self.practice_app.clock.today())
        except InvalidInput as exc:
            self.notify(exc.reason, severity="warning")
            return
        if day is None:
            return
        self.day = day
        self.load_day()

    @on(Select.Changed, "#book-clinician")
    def _clinician_changed(self) -> None:
        self.load_day()

    def _clinician(self) -> str | None:
        value = self.query_one("#book-clinician", Select).value
        return None if value is Select.NULL else str(value)

    def action_previous_day(self) -> None:
        self._move_day(-1)

    def action_next_day(self) -> None:
        self._move_day(1)

    def _move_day(self, days: int) -> None:
        self.day += dt.timedelta(days=days)
        self.query_one("#book-day", Input).value = self.day.isoformat()
        self.load_day()

    def load_day(self) -> None:
        day, clinician = self.day, self._clinician()

        def read() -> DayBook:
            sessions = self.ip.schedule.sessions(day, day, clinician)
            appointments = {a.id: a for a in self.ip.appointments.for_day(day, clinician)}
            rows: list[BookRow] = []
            for session in sessions:
                for slot in self.ip.schedule.slots(session.id):
                    held = [appointments[i] for i in slot.appointment_ids if i in appointments]
                    rows.append(BookRow(session, slot, held[0] if held else None))
            return DayBook(day, tuple(rows))

        self.call_service(read, self._show_day)

    def _show_day(self, book: DayBook) -> None:
        if book.day != self.day:
            return
        self.rows = list(book.rows)
        table = self.query_one("#book-table", DataTable)
        table.clear()
        for i, row in enumerate(self.rows):
            a = row.appointment
            clinician = self.ip.config.clinician(row.session.clinician)
            interp = ""
            if a is not None and a.interpreter is not None:
                interp = f"{a.interpreter.language} {a.interpreter.status.replace('_', ' ')}"
            status = "free" if a is None else a.status.value.replace("_", " ")
            if row.slot.blocked:
                status = "blocked"
            table.add_row(
                f"{row.slot.start:%H:%M}", clinician.name if clinician else row.session.clinician,
                str(a.minutes if a else int((row.slot.end - row.slot.start).seconds // 60)),
                a.patient_name if a else "", status, a.channel.replace("_", " ") if a else "",
                interp, key=str(i),
            )
        if not self.rows:
            table.add_row(f"No sessions on {self.day:%a %d %b %Y}", "", "", "", "", "", "",
                          key="none")
        self.refresh_bindings()

    def _current(self) -> BookRow | None:
        table = self.query_one("#book-table", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _current_appointment(self) -> AppointmentInfo | None:
        row = self._current()
        if row is None or row.appointment is None:
            return None
        return row.appointment if row.appointment.status in ACTIVE else None

    # --- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "find_slot":
            return True if self.patient is not None else None
        if action in ("reschedule", "cancel_appointment", "interpreter_note"):
            return self.practice_app.may(Permission.BOOK)
        return True

    def action_find_slot(self) -> None:
        if self.patient is None or self.patient.record.id is None:
            self.notify("Choose a patient first (F2 Find, then Ctrl+B)", severity="warning")
            return
        self.app.push_screen(
            FindSlotDialog(self.patient.record.id, self.patient.record.display_name,
                           start=self.day, clinician=self._clinician()),
            self._booked,
        )

    def _booked(self, result: BookingResult | None) -> None:
        if result is None:
            return
        a = result.appointment
        message = f"Booked {a.patient_name} {a.start:%a %d %b %H:%M} ({a.minutes} min)"
        if result.warnings:
            message += "\n" + "\n".join(result.warnings)
        self.notify(message, title="Booked", timeout=8)
        self.day = a.start.date()
        self.query_one("#book-day", Input).value = self.day.isoformat()
        self.load_day()

    def action_reschedule(self) -> None:
        a = self._current_appointment()
        if a is None or a.status is not AppointmentStatus.BOOKED:
            self.notify("Highlight a booked appointment to move", severity="warning")
            return
        self.app.push_screen(
            FindSlotDialog(a.patient_id, a.patient_name, reschedule_id=a.id, start=self.day),
            self._booked,
        )

    def action_cancel_appointment(self) -> None:
        a = self._current_appointment()
        if a is None or a.status is not AppointmentStatus.BOOKED:
            self.notify("Highlight a booked appointment to cancel", severity="warning")
            return
        appointment = a

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is None:
                return
            by, reason = answer
            self.call_service(
                lambda: self.ip.appointments.cancel(self.actor, appointment.id, by=by,
                                                    reason=reason),
                self._cancelled,
            )

        self.app.push_screen(
            CancelAppointmentDialog(
                f"{a.patient_name}, {a.start:%a %d %b %H:%M}"
                + (" — an interpreter is arranged" if a.interpreter else "")
            ),
            chosen,
        )

    def _cancelled(self, a: AppointmentInfo) -> None:
        self.notify(f"Cancelled {a.patient_name} {a.start:%a %d %b %H:%M}")
        self.load_day()
        interp = a.interpreter
        if interp is not None and interp.status == "to_cancel":
            ref = f" (agency ref {interp.agency_ref})" if interp.agency_ref else ""

            def answered(yes: bool | None) -> None:
                if yes:
                    self.call_service(
                        lambda: self.ip.interpreters.set_note(self.actor, a.id,
                                                              status="cancelled"),
                        self.notify_and("Interpreter marked cancelled", self.load_day),
                    )
                else:
                    self.notify("Left on the interpreters list as 'to cancel'")

            self.app.push_screen(
                ConfirmDialog(
                    "Cancel the interpreter too",
                    f"A {interp.language} interpreter was booked{ref}. Cancel them with the "
                    "agency now (the practice is charged otherwise). Have you cancelled it?",
                ),
                answered,
            )
        elif interp is not None and interp.status == "cancelled":
            self.notify("The interpreter request (not yet booked) was withdrawn")

    def action_interpreter_note(self) -> None:
        a = self._current_appointment()
        if a is None:
            self.notify("Highlight an appointment", severity="warning")
            return
        appointment = a
        current = a.interpreter.note if a.interpreter and a.interpreter.note else ""

        def save(note: str | None) -> None:
            if note is None:
                return
            self.call_service(
                lambda: self.ip.interpreters.set_note(self.actor, appointment.id, note=note),
                self.notify_and("Interpreter note saved", self.load_day),
            )

        self.app.push_screen(
            TextPromptDialog("Interpreter note", "e.g. Tigrinya (Eritrean), female preferred",
                             f"{a.patient_name}, {a.start:%a %d %b %H:%M}", value=current),
            save,
        )
