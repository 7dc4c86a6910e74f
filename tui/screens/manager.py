"""Manager: run an indicator set for a period, see achievement, drill into the patients missing
from an indicator, and produce the annual and quarterly returns to a folder.

Running a set and building a return read the whole practice, so both run in thread workers with
a progress bar; the screen stays usable (and lockable) meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, DataTable, Input, ProgressBar, Select, Static

from inclusion_practice.domain.periods import financial_year_of
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InclusionPracticeError
from inclusion_practice.services.indicators import PatientLists, SetResult, SetSummary
from tui.dialogs.text_prompt import TextPromptDialog
from tui.screens.base import SectionScreen


def _percent(value: float | None) -> str:
    """Achievement is already a percentage (A / (B − C) × 100)."""
    return "—" if value is None else f"{value:.1f}%"


class ManagerScreen(SectionScreen):
    """Period and set on top; results, or one indicator's missing patients, below."""

    SECTION = "manager"
    BINDINGS = [
        Binding("ctrl+r", "run", "Run indicators"),
        Binding("enter", "drill", "Missing patients"),
        Binding("escape", "back", "Back to results"),
        Binding("f9", "annual_return", "Annual return"),
        Binding("f10", "quarterly_return", "Quarterly return"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result: SetResult | None = None
        self.sets: list[SetSummary] = []

    def compose_body(self) -> ComposeResult:
        today = self.practice_app.clock.today()
        fy = financial_year_of(today)
        period = f"{fy.start.year}/{(fy.start.year + 1) % 100:02d}"
        with Vertical(id="manager-body"):
            with Horizontal(id="manager-controls"):
                yield Input(period, compact=True, placeholder="period: 2025/26, 2026-Q1",
                            id="period")
                yield Select([], compact=True, prompt="indicator set", id="indicator-set")
            with Horizontal(id="manager-progress-row"):
                yield ProgressBar(total=None, show_eta=False, id="manager-progress")
                yield Static("Ctrl+R runs the indicators for the period", id="manager-status")
            with ContentSwitcher(initial="results", id="manager-views"):
                yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
                with Vertical(id="missing-view"):
                    yield Static("", id="missing-title")
                    yield DataTable(id="missing", cursor_type="row", zebra_stripes=True)
            yield Static("", id="manager-totals")

    def on_mount(self) -> None:
        results = self.query_one("#results", DataTable)
        results.add_column("Indicator", width=9)
        results.add_column("Title", width=30)
        for label in ("Num/Den", "Achieved", "Points", "£"):
            results.add_column(label)
        self.query_one("#missing", DataTable).add_columns("#", "Patient", "Due", "Why missing")
        self.query_one("#manager-progress", ProgressBar).display = False
        self.call_service(self.ip.indicators.list_sets, self._show_sets)

    def _show_sets(self, sets: list[SetSummary]) -> None:
        self.sets = sets
        select = self.query_one("#indicator-set", Select)
        select.set_options([(f"{s.title} ({s.id})", s.id) for s in sets])
        default = next((s.id for s in sets if s.default), sets[0].id if sets else None)
        if default is not None:
            select.value = default

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return self.practice_app.may(Permission.RUN_INDICATORS)
        if action in ("annual_return", "quarterly_return"):
            return self.practice_app.may(Permission.PRODUCE_RETURNS)
        if action == "drill":
            return self.result is not None and self._view() == "results"
        if action == "back":
            return self._view() == "missing-view"
        return True

    def _view(self) -> str:
        return self.query_one("#manager-views", ContentSwitcher).current or "results"

    def _busy(self, message: str) -> None:
        self.query_one("#manager-progress", ProgressBar).display = True
        self.query_one("#manager-status", Static).update(message)

    def _idle(self, message: str) -> None:
        self.query_one("#manager-progress", ProgressBar).display = False
        self.query_one("#manager-status", Static).update(message)

    def _period(self) -> str:
        return self.query_one("#period", Input).value.strip()

    def _set(self) -> str | None:
        value = self.query_one("#indicator-set", Select).value
        return None if value is Select.NULL else str(value)

    # --- running indicators -------------------------------------------------------------

    def action_run(self) -> None:
        period, set_ref = self._period(), self._set()
        self._busy(f"Running indicators for {period}…")
        self._run(period, set_ref)

    @work(thread=True, exclusive=True, group="indicators")
    def _run(self, period: str, set_ref: str | None) -> None:
        try:
            result = self.ip.indicators.run(self.actor, period, set_ref)
        except InclusionPracticeError as exc:
            self.app.call_from_thread(self._idle, f"Not run: {exc}")
            return
        self.app.call_from_thread(self._show_result, result)

    def _show_result(self, result: SetResult) -> None:
        self.result = result
        table = self.query_one("#results", DataTable)
        table.clear()
        for r in result.results:
            c = r.counts
            counts = f"{c.numerator}/{c.denominator}" if r.kind == "proportion" else str(c.events)
            table.add_row(r.indicator_id, r.title, counts, _percent(r.achievement),
                          f"{r.points:g}/{r.max_points:g}", f"{r.payment:,.0f}",
                          key=r.indicator_id)
        self.query_one("#manager-views", ContentSwitcher).current = "results"
        self.query_one("#manager-totals", Static).update(
            f"{result.set_title} {result.set_version}, {result.period.start} to "
            f"{result.period.end}: {result.total_points:g} points, £{result.total_payment:,.2f}"
        )
        self._idle("Done. Enter on an indicator lists the patients missing from it.")
        table.focus()
        self.refresh_bindings()

    # --- drilling into missing patients -------------------------------------------------

    def action_drill(self) -> None:
        table = self.query_one("#results", DataTable)
        if self.result is None or not 0 <= table.cursor_row < len(self.result.results):
            return
        indicator = self.result.results[table.cursor_row]
        period, set_ref = self.result.period, self.result.set_id
        self._busy(f"Listing patients missing from {indicator.indicator_id}…")
        self.call_service(
            lambda: self.ip.indicators.patients(self.actor, indicator.indicator_id, period, set_ref),
            self._show_missing,
            lambda exc: self._idle(f"Not listed: {exc}"),
        )

    def _show_missing(self, lists: PatientLists) -> None:
        """The worklist; patients held back from this role are counted as withheld, so the
        screen's totals add up to the indicator run's denominator."""
        table = self.query_one("#missing", DataTable)
        table.clear()
        missing = lists.missing
        for p in missing:
            table.add_row(str(p.patient_id), p.name, f"{p.due:%d %b %Y}" if p.due else "",
                          p.reason, key=str(p.patient_id))
        withheld = (f"; {lists.withheld} withheld (on the register only through a restricted "
                    "category, not shown to your role)" if lists.withheld else "; 0 withheld")
        self.query_one("#missing-title", Static).update(
            f"{lists.indicator_id} {lists.title}: {len(missing)} patient(s) missing, due first; "
            f"{len(lists.numerator)} achieved, {len(lists.excepted)} excepted{withheld}. Esc: back"
        )
        self.query_one("#manager-views", ContentSwitcher).current = "missing-view"
        self._idle("")
        table.focus()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#results")
    def _row_selected(self) -> None:
        self.action_drill()

    def action_back(self) -> None:
        self.query_one("#manager-views", ContentSwitcher).current = "results"
        self.query_one("#results", DataTable).focus()
        self.refresh_bindings()

    # --- returns ------------------------------------------------------------------------

    def action_annual_return(self) -> None:
        self._ask_folder("les")

    def action_quarterly_return(self) -> None:
        self._ask_folder("quarterly")

    def _ask_folder(self, kind: str) -> None:
        label = "Annual return" if kind == "les" else "Quarterly return"
        period_hint = ("period: 2025/26, or empty for the last complete year" if kind == "les"
                       else "period: 2026-Q2, or empty for the last complete quarter")

        def folder_chosen(folder: str | None) -> None:
            if folder is None:
                return

            def period_chosen(period: str | None) -> None:
                if period is None:
                    return
                self._busy(f"Producing the {label.lower()}…")
                self._produce(kind, period or None, Path(folder).expanduser())

            self.app.push_screen(
                TextPromptDialog(f"{label}: period", period_hint, allow_empty=True), period_chosen
            )

        self.app.push_screen(
            TextPromptDialog(f"{label}: folder to write to", "folder",
                             "PDF, CSV, JSON and a FHIR Bundle are written there.",
                             value=str(self.practice_app.returns_dir)),
            folder_chosen,
        )

    @work(thread=True, exclusive=True, group="returns")
    def _produce(self, kind: str, period: str | None, folder: Path) -> None:
        # Imported when a return is produced: reportlab would add ~0.3 s to the app's start-up.
        from reports.figures import ReturnKind
        from reports.service import Outputs, ReturnsService

        def step(message: str) -> None:
            self.app.call_from_thread(self._busy, message)

        try:
            service = ReturnsService(self.ip)
            figures = service.build(self.actor, ReturnKind(kind), period, progress=step)
            stem = f"{kind}-return-{figures.period.start:%Y%m%d}-{figures.period.end:%Y%m%d}"
            written = service.write(
                figures,
                Outputs(pdf=folder / f"{stem}.pdf", csv=folder / f"{stem}.csv",
                        json=folder / f"{stem}.json", fhir=folder / f"{stem}.fhir.json"),
                progress=step,
            )
        except InclusionPracticeError as exc:
            self.app.call_from_thread(self._idle, f"Not produced: {exc}")
            return
        names = ", ".join(p.name for p in written)
        self.app.call_from_thread(self._idle, f"Written to {folder}: {names}")
        self.app.call_from_thread(self.notify, f"Return written: {names}", title="Done")
