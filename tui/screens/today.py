"""Today: arrivals, interpreters to book for the next days, the DNA worklist, the new-patient
health checks due and the MDT actions due.

Reception marks each appointment arrived, seen, did not attend (DNA) or left without being seen,
and records walk-ins. Recording a DNA runs the library's DNA policy; for a flagged patient that
is the flexible policy, whose actions are outreach (contact via keyworker, offer a drop-in),
never a warning letter. The worklist shows each action's explanation and records its outcome.
The MDT view lists the actions agreed at multidisciplinary team meetings that are due (overdue
first), whoever owns them, and records an outcome for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, DataTable, Static

from inclusion_practice.domain.attendance import AppointmentStatus
from inclusion_practice.domain.dna_policy import ACTION_LABELS
from inclusion_practice.domain.roles import Permission
from inclusion_practice.services.appointments import AppointmentInfo, AttendanceResult
from inclusion_practice.services.dna import DnaActionInfo, DnaExplanation
from inclusion_practice.services.interpreters import InterpreterDue
from inclusion_practice.services.mdt import ActionInfo
from inclusion_practice.services.patients import HealthCheckDue
from inclusion_practice.services.schedule import SessionInfo
from tui.dialogs.choose import ChooseDialog
from tui.dialogs.text_prompt import TextPromptDialog
from tui.screens.base import SectionScreen

INTERPRETER_DAYS = 3
"""Interpreters to book for tomorrow and the two days after (agencies need notice)."""

HEALTH_CHECK_DAYS = 7
"""New-patient health checks due within a week (and any overdue) are offered at the desk."""

MDT_DAYS = 7
"""MDT actions due within a week (and any overdue)."""

VIEWS = {"arrivals": "Arrivals", "interpreters": "Interpreters", "dna": "DNA worklist",
         "health": "Health checks", "mdt": "MDT actions due"}


@dataclass(frozen=True)
class TodayData:
    appointments: tuple[AppointmentInfo, ...]
    sessions: tuple[SessionInfo, ...]


class TodayScreen(SectionScreen):
    """Five lists, switched with 1 to 5."""

    SECTION = "today"
    BINDINGS = [
        # The view keys are shown in the title line; the footer keeps the actions.
        Binding("1", "view('arrivals')", "Arrivals", show=False),
        Binding("2", "view('interpreters')", "Interpreters", show=False),
        Binding("3", "view('dna')", "DNA worklist", show=False),
        Binding("4", "view('health')", "Health checks", show=False),
        Binding("5", "view('mdt')", "MDT actions", show=False),
        Binding("a", "mark('arrived')", "Arrived"),
        Binding("s", "mark('seen')", "Seen"),
        Binding("d", "mark('dna')", "DNA"),
        Binding("l", "mark('left')", "Left"),
        Binding("w", "walk_in", "Walk-in"),
        Binding("b", "interpreter_booked", "Booked"),
        Binding("c", "interpreter_cancelled", "Cancelled"),
        Binding("o", "outcome", "Record outcome"),
        Binding("h", "health_check_done", "Check done"),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "arrivals"
        self.appointments: list[AppointmentInfo] = []
        self.sessions: list[SessionInfo] = []
        self.interpreters: list[InterpreterDue] = []
        self.actions: list[DnaActionInfo] = []
        self.health_checks: list[HealthCheckDue] = []
        self.mdt_actions: list[ActionInfo] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="today-title")
        with ContentSwitcher(initial="arrivals", id="today-views"):
            yield DataTable(id="arrivals", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="interpreters", cursor_type="row", zebra_stripes=True)
            with Vertical(id="dna"):
                yield DataTable(id="dna-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="dna-explanation")
            yield DataTable(id="health", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="mdt", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#arrivals", DataTable).add_columns(
            "Time", "Patient", "Clinician", "Mins", "Status", "Interpreter")
        self.query_one("#interpreters", DataTable).add_columns(
            "When", "Patient", "Language", "Mode", "Mins", "To do", "Agency ref")
        self.query_one("#dna-table", DataTable).add_columns(
            "Due", "Patient", "Action", "Policy", "Priority")
        self.query_one("#health", DataTable).add_columns("Due", "Patient", "Registered", "")
        self.query_one("#mdt", DataTable).add_columns("Due", "Patient", "Action", "Owner", "")
        self.action_view("arrivals")
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    # --- views --------------------------------------------------------------------------

    def action_view(self, view: str) -> None:
        self.view = view
        self.query_one("#today-views", ContentSwitcher).current = view
        today = self.practice_app.clock.today()
        keys = "   1 Arrivals · 2 Interpreters · 3 DNA · 4 Health checks · 5 MDT"
        self.query_one("#today-title", Static).update(f"{VIEWS[view]}, {today:%a %d %b}{keys}")
        table_id = "dna-table" if view == "dna" else view
        self.query_one(f"#{table_id}", DataTable).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mark", "walk_in"):
            return self.view == "arrivals" and self.practice_app.may(Permission.RECORD_ATTENDANCE)
        if action in ("interpreter_booked", "interpreter_cancelled"):
            return self.view == "interpreters" and self.practice_app.may(Permission.BOOK)
        if action == "outcome":
            if self.view == "mdt":
                return self.practice_app.may(Permission.UPDATE_MDT_ACTION)
            return self.view == "dna" and self.practice_app.may(Permission.RECORD_DNA_OUTCOME)
        if action == "health_check_done":
            return self.view == "health" and self.practice_app.may(Permission.EDIT_PATIENT)
        return True

    def action_refresh(self) -> None:
        today = self.practice_app.clock.today()

        def read_today() -> TodayData:
            return TodayData(tuple(self.ip.appointments.for_day(today)),
                             tuple(self.ip.schedule.sessions(today, today)))

        self.call_service(read_today, self._show_arrivals)
        self.call_service(lambda: self.ip.interpreters.due(days=INTERPRETER_DAYS),
                          self._show_interpreters)
        self.call_service(lambda: self.ip.dna.worklist(self.actor, include_later=True), self._show_worklist)
        self.call_service(
            lambda: self.ip.patients.health_checks_due(self.actor, within_days=HEALTH_CHECK_DAYS),
            self._show_health_checks,
        )
        if self.practice_app.may(Permission.VIEW_MDT):
            self.call_service(lambda: self.ip.mdt.actions_due(self.actor, days_ahead=MDT_DAYS),
                              self._show_mdt_actions)

    # --- arrivals -----------------------------------------------------------------------

    def _clinician_name(self, code: str) -> str:
        clinician = self.ip.config.clinician(code)
        return clinician.name if clinician else code

    def _show_arrivals(self, data: TodayData) -> None:
        self.appointments = [a for a in data.appointments
                             if a.status not in (AppointmentStatus.CANCELLED_PATIENT,
                                                 AppointmentStatus.CANCELLED_PRACTICE)]
        self.sessions = list(data.sessions)
        table = self.query_one("#arrivals", DataTable)
        row = table.cursor_row
        table.clear()
        for a in self.appointments:
            interp = ""
            if a.interpreter is not None:
                interp = f"{a.interpreter.language} ({a.interpreter.status.replace('_', ' ')})"
            status = a.status.value.replace("_", " ")
            if a.minutes_late:
                status += f" ({a.minutes_late} min late)"
            table.add_row(f"{a.start:%H:%M}", a.patient_name, self._clinician_name(a.clinician),
                          str(a.minutes), status, interp, key=str(a.id))
        if self.appointments:
            table.move_cursor(row=min(max(row, 0), len(self.appointments) - 1))
        else:
            table.add_row("", "No appointments today", "", "", "", "", key="none")

    def _current_appointment(self) -> AppointmentInfo | None:
        table = self.query_one("#arrivals", DataTable)
        if not self.appointments or not 0 <= table.cursor_row < len(self.appointments):
            return None
        return self.appointments[table.cursor_row]

    def action_mark(self, what: str) -> None:
        a = self._current_appointment()
        if a is None:
            return
        service = self.ip.appointments
        calls: dict[str, Callable[[], AttendanceResult | AppointmentInfo]] = {
            "arrived": lambda: service.arrive(self.actor, a.id),
            "seen": lambda: service.seen(self.actor, a.id),
            "dna": lambda: service.dna(self.actor, a.id),
            "left": lambda: service.left(self.actor, a.id),
        }
        self.call_service(calls[what], self._marked)

    def _marked(self, result: AttendanceResult | AppointmentInfo) -> None:
        if isinstance(result, AttendanceResult):
            a = result.appointment
            lines = [f"{a.patient_name}: {a.status.value.replace('_', ' ')}", *result.messages]
            if result.dna is not None:
                actions = [ACTION_LABELS[x] for x in result.dna.decision.actions]
                lines.append("On the DNA worklist: " + (", ".join(actions) or "no action"))
            self.notify("\n".join(lines), title="Recorded", timeout=10)
        else:
            self.notify(f"{result.patient_name}: {result.status.value.replace('_', ' ')}")
        self.action_refresh()

    def action_walk_in(self) -> None:
        pid = self.practice_app.selected_patient_id
        if pid is None:
            self.notify("Find the patient first (F2), then come back for the walk-in",
                        severity="warning")
            return
        if not self.sessions:
            self.notify("There are no sessions today to record a walk-in against",
                        severity="warning")
            return
        choices = [
            (f"{s.start_time:%H:%M}-{s.end_time:%H:%M} {self._clinician_name(s.clinician)}"
             f" ({s.location.replace('_', ' ')})", str(s.id))
            for s in self.sessions
        ]

        def chosen(session_id: str | None) -> None:
            if session_id is None:
                return
            self.call_service(
                lambda: self.ip.appointments.walk_in(self.actor, pid, int(session_id)),
                self._marked,
            )

        self.app.push_screen(ChooseDialog("Walk-in: which session?", choices), chosen)

    # --- interpreters -------------------------------------------------------------------

    def _show_interpreters(self, due: list[InterpreterDue]) -> None:
        self.interpreters = due
        table = self.query_one("#interpreters", DataTable)
        table.clear()
        for d in due:
            todo = "CANCEL with agency" if d.status == "to_cancel" else "book"
            table.add_row(f"{d.start:%a %d %b %H:%M}", d.patient_name,
                          d.language + (f" ({d.dialect})" if d.dialect else ""),
                          d.mode.replace("_", " "), str(d.minutes), todo, d.agency_ref or "",
                          key=str(d.booking_id))
        if not due:
            table.add_row("", f"No interpreters to book or cancel in the next {INTERPRETER_DAYS}"
                          " days", "", "", "", "", "", key="none")

    def _current_interpreter(self) -> InterpreterDue | None:
        table = self.query_one("#interpreters", DataTable)
        if not self.interpreters or not 0 <= table.cursor_row < len(self.interpreters):
            return None
        return self.interpreters[table.cursor_row]

    def action_interpreter_booked(self) -> None:
        d = self._current_interpreter()
        if d is None or d.status != "to_book":
            return
        due = d

        def save(ref: str | None) -> None:
            if ref:
                self.call_service(
                    lambda: self.ip.interpreters.set_note(self.actor, due.appointment_id,
                                                          status="booked", agency_ref=ref),
                    self.notify_and("Interpreter booked", self.action_refresh),
                )

        self.app.push_screen(TextPromptDialog("Interpreter booked", "agency booking reference",
                                              f"{d.patient_name}, {d.language}, "
                                              f"{d.start:%a %d %b %H:%M}"), save)

    def action_interpreter_cancelled(self) -> None:
        d = self._current_interpreter()
        if d is None or d.status != "to_cancel":
            return
        due = d
        self.call_service(
            lambda: self.ip.interpreters.set_note(self.actor, due.appointment_id,
                                                  status="cancelled"),
            self.notify_and("Interpreter cancellation recorded", self.action_refresh),
        )

    # --- DNA worklist -------------------------------------------------------------------

    def _show_worklist(self, actions: list[DnaActionInfo]) -> None:
        self.actions = actions
        table = self.query_one("#dna-table", DataTable)
        table.clear()
        for a in actions:
            table.add_row(f"{a.due_date:%d %b}", a.patient_name, a.label, a.policy,
                          a.priority_label, key=str(a.id))
        if not actions:
            self.query_one("#dna-explanation", Static).update("Nothing due on the DNA worklist.")

    def _current_action(self) -> DnaActionInfo | None:
        table = self.query_one("#dna-table", DataTable)
        if not self.actions or not 0 <= table.cursor_row < len(self.actions):
            return None
        return self.actions[table.cursor_row]

    @on(DataTable.RowHighlighted, "#dna-table")
    def _action_highlighted(self) -> None:
        a = self._current_action()
        if a is None:
            return
        pid = a.patient_id
        self.call_service(lambda: self.ip.dna.explain(self.actor, pid), self._show_explanation)

    def _show_explanation(self, explanation: DnaExplanation) -> None:
        a = self._current_action()
        if a is None or a.patient_id != explanation.patient_id:
            return
        lines = [f"Why: {a.label} — {a.rule}"] if a.rule else []
        lines += explanation.decision.lines()
        self.query_one("#dna-explanation", Static).update("\n".join(lines))

    def action_outcome(self) -> None:
        if self.view == "mdt":
            self._mdt_outcome()
            return
        a = self._current_action()
        if a is None:
            return
        action = a

        def save(outcome: str | None) -> None:
            if outcome:
                self.call_service(
                    lambda: self.ip.dna.done(self.actor, action.id, outcome),
                    self.notify_and("Outcome recorded", self.action_refresh),
                )

        self.app.push_screen(
            TextPromptDialog("Record the outcome", "e.g. keyworker found him; rebooked",
                             f"{a.patient_name}: {a.label}"),
            save,
        )

    # --- new-patient health checks ------------------------------------------------------

    def _show_health_checks(self, due: list[HealthCheckDue]) -> None:
        self.health_checks = due
        table = self.query_one("#health", DataTable)
        table.clear()
        for d in due:
            table.add_row(f"{d.due_date:%a %d %b}", d.display_name, f"{d.registered_on:%d %b %Y}",
                          "OVERDUE" if d.overdue else "", key=str(d.task_id))
        if not due:
            table.add_row("", f"No new-patient health checks due in the next {HEALTH_CHECK_DAYS}"
                          " days", "", "", key="none")

    def action_health_check_done(self) -> None:
        table = self.query_one("#health", DataTable)
        if not self.health_checks or not 0 <= table.cursor_row < len(self.health_checks):
            return
        check = self.health_checks[table.cursor_row]

        def save(outcome: str | None) -> None:
            if outcome:
                self.call_service(
                    lambda: self.ip.patients.complete_health_check(
                        self.actor, check.patient_id, outcome=outcome),
                    self.notify_and("Health check recorded", self.action_refresh),
                )

        self.app.push_screen(
            TextPromptDialog("Health check done", "e.g. completed with the nurse",
                             f"{check.display_name}, due {check.due_date:%d %b}"),
            save,
        )

    # --- MDT actions due ------------------------------------------------------------------

    def _show_mdt_actions(self, due: list[ActionInfo]) -> None:
        self.mdt_actions = due
        table = self.query_one("#mdt", DataTable)
        table.clear()
        today = self.practice_app.clock.today()
        for a in due:
            table.add_row(f"{a.due_on:%a %d %b}", a.patient_name, a.description, a.owner_label,
                          "OVERDUE" if a.overdue_on(today) else "", key=str(a.id))
        if not due:
            table.add_row("", f"No MDT actions due in the next {MDT_DAYS} days", "", "", "",
                          key="none")

    def _mdt_outcome(self) -> None:
        table = self.query_one("#mdt", DataTable)
        if not self.mdt_actions or not 0 <= table.cursor_row < len(self.mdt_actions):
            return
        action = self.mdt_actions[table.cursor_row]

        def save(outcome: str | None) -> None:
            if outcome:
                self.call_service(
                    lambda: self.ip.mdt.complete_action(self.actor, action.id, outcome),
                    self.notify_and("MDT action done", self.action_refresh),
                )

        self.app.push_screen(
            TextPromptDialog("MDT action done", "e.g. booked for Tuesday with the keyworker",
                             f"{action.patient_name}: {action.description}"),
            save,
        )
