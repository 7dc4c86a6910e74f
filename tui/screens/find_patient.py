"""Find a patient: type-ahead on name, date of birth or NHS number, with the patient banner.

Searching runs in an exclusive worker on every keystroke (a newer keystroke cancels the older
search, whose results are then dropped), so typing never waits on the database.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from inclusion_practice.domain.patient_record import PatientListItem, PatientView
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InclusionPracticeError
from inclusion_practice.services.portable_record import PortableStatus
from tui.dialogs.add_flag import AddFlagDialog, FlagRequest
from tui.dialogs.portable_record import PortableRecordDialog, PrintRequest
from tui.screens.base import SectionScreen
from tui.widgets.patient_banner import PatientBanner

MIN_NAME_CHARS = 2
SEARCH_LIMIT = 20
"""Rows fetched per keystroke: a screenful at 120x40; the service builds needs for each row."""


class FindPatientScreen(SectionScreen):
    """Search box, results, banner of the highlighted patient."""

    SECTION = "find"
    BINDINGS = [
        Binding("ctrl+b", "book", "Book"),
        Binding("ctrl+n", "register", "New patient"),
        Binding("ctrl+f", "add_flag", "Add flag"),
        Binding("ctrl+k", "print_portable", "Print portable record"),
        Binding("ctrl+r", "reprint_portable", "Reprint card"),
        Binding("escape", "clear", "Clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.results: list[PatientListItem] = []
        self.searched_for = ""
        self.selected: PatientView | None = None
        self.portable: PortableStatus | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="find-body"):
            yield Input(placeholder="Name, date of birth (YYYY-MM-DD), NHS number or #id",
                        id="search")
            yield Static("Type at least two letters of a name", id="search-status",
                         classes="muted")
            table: DataTable[str] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
            yield table
            yield PatientBanner(id="banner")

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        table.add_column("Name", width=24, key="name")
        table.add_column("Born", width=11, key="born")
        table.add_column("NHS no.", width=10, key="nhs")
        table.add_column("Reg", width=3, key="reg")
        table.add_column("Needs", key="needs")
        self.query_one("#search", Input).focus()

    # --- searching ----------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _changed(self, event: Input.Changed) -> None:
        query = event.value.strip()
        if len(query) < MIN_NAME_CHARS:
            self.workers.cancel_group(self, "search")
            self._show_results(query, [])
            return
        self.query_one("#search-status", Static).update("Searching…")
        self.search(query)

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        table = self.query_one("#results", DataTable)
        if table.row_count:
            table.focus()

    @work(thread=True, exclusive=True, group="search")
    def search(self, query: str) -> None:
        """Ask the patient service; drop the answer if a newer keystroke superseded it."""
        try:
            items = self.ip.patients.find(self.actor, query, limit=SEARCH_LIMIT)
        except InclusionPracticeError as exc:
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._search_failed, query, exc)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_results, query, items)

    def _search_failed(self, query: str, exc: InclusionPracticeError) -> None:
        self.query_one("#search-status", Static).update(str(exc))

    def _show_results(self, query: str, items: list[PatientListItem]) -> None:
        self.searched_for = query
        self.results = items
        table = self.query_one("#results", DataTable)
        table.clear()
        for item in items:
            born = f"{item.date_of_birth:%Y-%m-%d}" + ("~" if item.dob_estimated else "")
            needs = ", ".join(item.needs)
            if item.flag_labels:
                needs = f"[{', '.join(item.flag_labels)}] {needs}".strip()
            table.add_row(item.display_name, born, item.nhs_number or "", "yes" if
                          item.registered_today else "no", needs, key=str(item.id))
        status = self.query_one("#search-status", Static)
        if not query or len(query) < MIN_NAME_CHARS:
            status.update("Type at least two letters of a name")
        elif items:
            status.update(f"{len(items)} found for {query!r} — ↓ to choose, Enter for details")
        else:
            status.update(f"No one found for {query!r} — Ctrl+N to register a new patient")
        if not items:
            self._show_banner(None)

    # --- the highlighted patient --------------------------------------------------------

    @on(DataTable.RowHighlighted, "#results")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.load_patient(int(event.row_key.value))

    def load_patient(self, patient_id: int) -> None:
        def both() -> tuple[PatientView, PortableStatus]:
            return (self.ip.patients.show(self.actor, patient_id),
                    self.ip.portable.status(self.actor, patient_id))

        self.call_service(both, lambda got: self._show_banner(*got))

    def _show_banner(self, view: PatientView | None, portable: PortableStatus | None = None
                     ) -> None:
        self.selected = view
        self.portable = portable if view is not None else None
        if view is not None and view.record.id is not None:
            self.practice_app.selected_patient_id = view.record.id
        self.query_one("#banner", PatientBanner).show_patient(
            view, self.practice_app.clock.today(), self.ip.config, self.portable
        )
        self.refresh_bindings()

    # --- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("book", "add_flag"):
            permission = Permission.BOOK if action == "book" else Permission.ADD_FLAG
            if not self.practice_app.may(permission):
                return False
            return True if self.selected is not None else None
        if action == "register":
            return self.practice_app.may(Permission.REGISTER_PATIENT)
        if action == "print_portable":
            if not self.practice_app.may(Permission.PRINT_PORTABLE_RECORD):
                return False
            return True if self.selected is not None else None
        if action == "reprint_portable":
            if not self.practice_app.may(Permission.REPRINT_PORTABLE_RECORD):
                return False
            return True if self.portable is not None and self.portable.can_reprint else None
        return True

    async def action_book(self) -> None:
        if self.selected is not None and self.selected.record.id is not None:
            await self.practice_app.open_booking(self.selected.record.id)

    async def action_register(self) -> None:
        await self.practice_app.open_register(self.query_one("#search", Input).value)

    def action_add_flag(self) -> None:
        view = self.selected
        if view is None or view.record.id is None:
            return
        pid = view.record.id
        restricted_ok = self.practice_app.may(Permission.ADD_RESTRICTED_FLAG)

        def added(request: FlagRequest | None) -> None:
            if request is None:
                return
            self.call_service(
                lambda: self.ip.flags.add(self.actor, pid, request.category,
                                          subcategory=request.subcategory, source=request.source),
                self.notify_and("Flag added", lambda: self.load_patient(pid)),
            )

        self.app.push_screen(AddFlagDialog(self.ip.config, restricted_ok), added)

    def _portable_path(self, pid: int) -> Path:
        now = self.practice_app.clock.now()
        return self.practice_app.returns_dir / f"portable-record-{pid}-{now:%Y%m%d-%H%M%S}.pdf"

    def action_print_portable(self) -> None:
        """Ask the patient which sections they want to carry, record the consent, print."""
        view = self.selected
        if view is None or view.record.id is None:
            return
        pid = view.record.id
        consent = self.portable.consent if self.portable is not None else None
        chosen = consent.sections if consent is not None and consent.given else None

        def chosen_then(request: PrintRequest | None) -> None:
            if request is None:
                return
            out = self._portable_path(pid)

            def work() -> Path:
                from reports.portable_card import print_card

                current = self.ip.portable.status(self.actor, pid).consent
                if current is None or not current.given or current.sections != request.sections:
                    self.ip.portable.record_consent(self.actor, pid, request.sections)
                return print_card(self.ip, self.actor, pid, out, request.layout).path

            self.call_service(work, lambda path: self._printed(pid, path))

        self.app.push_screen(PortableRecordDialog(view.record.display_name, chosen), chosen_then)

    def action_reprint_portable(self) -> None:
        """Reprint the last card printed under the consent in force (reception)."""
        view = self.selected
        if view is None or view.record.id is None:
            return
        pid = view.record.id
        out = self._portable_path(pid)

        def work() -> Path:
            from reports.portable_card import reprint_card

            return reprint_card(self.ip, self.actor, pid, out).path

        self.call_service(work, lambda path: self._printed(pid, path))

    def _printed(self, pid: int, path: Path) -> None:
        self.notify(f"Portable record written to {path}", title="Printed")
        self.load_patient(pid)

    def action_clear(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        search.focus()
