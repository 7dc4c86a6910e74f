"""Register: a guided form, one step at a time, with the duplicate check as its own step.

Steps: the person → where they live and how to reach them → communication and adjustments →
registration type and flags → possible duplicates → done. The reminder that no ID or proof of
address is needed stays on screen throughout. The form only gathers text; the patient service
validates it, and an error sends the user back to the step holding the field it names.
A refusal can only be recorded through the controlled reasons (F9).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import (
    Checkbox,
    ContentSwitcher,
    DataTable,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
)

from inclusion_practice.domain.addresses import ContactRoute, CorrespondenceKind
from inclusion_practice.domain.adjustments import ADJUSTMENT_TYPES, AdjustmentKind
from inclusion_practice.domain.dates import parse_day
from inclusion_practice.domain.duplicates import DuplicateCandidate
from inclusion_practice.domain.interpreters import InterpreterMode
from inclusion_practice.domain.registration import RegistrationKind
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InclusionPracticeError, InvalidInput, InvalidInputs
from inclusion_practice.services.patients import NewPatient, RegistrationResult
from tui.dialogs.refusal import RefusalDialog, RefusalRequest
from tui.screens.base import SectionScreen

NO_ID_REMINDER = "No ID, proof of address or immigration status is needed to register."

STEPS: tuple[tuple[str, str], ...] = (
    ("step-person", "1 Person"),
    ("step-address", "2 Address and contact"),
    ("step-needs", "3 Communication and adjustments"),
    ("step-flags", "4 Registration and flags"),
    ("step-duplicates", "5 Duplicate check"),
    ("step-done", "Done"),
)
STEP_IDS = [s for s, _ in STEPS]

FIELD_STEP: dict[str, str] = {
    **dict.fromkeys(
        ["given_name", "family_name", "sex", "date_of_birth", "title", "nhs_number",
         "nhs_number_status", "nhs_number_unavailable_reason", "ethnicity"], "step-person"),
    **dict.fromkeys(
        ["usual_address", "usual_postcode", "correspondence_kind", "partner",
         "correspondence_address", "correspondence_postcode", "correspondence_from",
         "correspondence_to", "post_check_agreed_on", "contact_route", "phone", "email",
         "keyworker_name", "keyworker_phone", "keyworker_partner"], "step-address"),
    **dict.fromkeys(
        ["main_language", "dialect", "interpreter_needed", "interpreter_mode",
         "interpreter_gender", "adjustments", "adjustment"], "step-needs"),
    **dict.fromkeys(["kind", "start", "planned_end", "category", "subcategory"], "step-flags"),
}
"""Which step holds the field a validation error names."""

SIMPLE_ADJUSTMENTS = (
    AdjustmentKind.EXTENDED_APPOINTMENT,
    AdjustmentKind.MINIMAL_WAIT,
    AdjustmentKind.QUIET_SPACE,
    AdjustmentKind.ADVOCATE_PRESENT,
    AdjustmentKind.FLEXIBLE_DNA,
    AdjustmentKind.PREFERS_DROP_IN,
)
"""Adjustments that need no detail: ticked in a list. The others have their own field."""

LETTERS_LABELS = {
    CorrespondenceKind.USUAL: "to their usual address",
    CorrespondenceKind.PRACTICE: "held at the practice (they check in for post)",
    CorrespondenceKind.PARTNER: "care of a partner organisation (hostel, day centre…)",
    CorrespondenceKind.CARE_OF: "care of another address",
    CorrespondenceKind.NONE: "no letters: collect at reception",
}


@dataclass(frozen=True)
class FlagChoice:
    category: str
    subcategory: str | None


def _blank(value: object) -> str | None:
    return None if value is Select.NULL or value is None or value == "" else str(value)


def _date(text: str, field: str, today: dt.date) -> dt.date | None:
    """Day first, as typed at an English desk (``03/12/1990``), or ISO."""
    return parse_day(text, field, today=today)


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class RegisterScreen(SectionScreen):
    """The guided registration form."""

    SECTION = "register"
    BINDINGS = [
        Binding("f8", "next_step", "Next"),
        Binding("f7", "previous_step", "Back"),
        Binding("ctrl+s", "register_new", "Register new person"),
        Binding("ctrl+e", "register_same", "Same person as chosen", priority=True),
        Binding("f9", "refuse", "Record refusal"),
        Binding("ctrl+b", "book", "Book"),
        Binding("ctrl+n", "start_again", "Start again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.step = STEP_IDS[0]
        self.candidates: list[DuplicateCandidate] = []
        self.checked_person: NewPatient | None = None
        self.result: RegistrationResult | None = None

    # --- layout -------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static(NO_ID_REMINDER, id="no-id-reminder", classes="reminder")
        yield Static("", id="step-title")
        with ContentSwitcher(initial=STEP_IDS[0], id="steps"):
            with VerticalScroll(id="step-person", classes="step"):
                yield from self._person_fields()
            # Later steps are filled on first visit: every widget costs restyling time each
            # time the section is shown, so the first step opens fast.
            yield VerticalScroll(id="step-address", classes="step")
            yield VerticalScroll(id="step-needs", classes="step")
            yield VerticalScroll(id="step-flags", classes="step")
            with Vertical(id="step-duplicates", classes="step"):
                yield Static("", id="dup-status")
                yield DataTable(id="dup-table", cursor_type="row")
            with VerticalScroll(id="step-done", classes="step"):
                yield Static("", id="done-summary")

    def _row(self, label: str, widget: Widget, row_id: str | None = None) -> Horizontal:
        return Horizontal(Label(label, classes="field-label"), widget, classes="field", id=row_id)

    def _person_fields(self) -> ComposeResult:
        yield self._row("Given name", Input(compact=True, id="given"))
        yield self._row("Family name", Input(compact=True, id="family"))
        yield self._row("Sex/gender", Select(compact=True, options=
            [("female", "female"), ("male", "male"), ("other", "other"),
             ("unknown", "unknown")], prompt="choose", id="sex"))
        yield self._row("Date of birth", Input(compact=True, placeholder="YYYY-MM-DD", id="dob"))
        yield self._row("…or about (year)", Input(compact=True, placeholder="estimated year, e.g. 1990",
                                                  id="birth-year"))
        yield self._row("NHS number", Input(compact=True, placeholder="optional", id="nhs"))

    def _address_fields(self) -> ComposeResult:
        partners = [(p.name, p.code) for p in self.ip.config.partners]
        yield Checkbox("No fixed abode (usual postcode ZZ99 3VZ)", id="nfa")
        yield self._row("Usual address", Input(compact=True, placeholder="lines, separated by commas",
                                               id="usual-lines"), "row-usual-lines")
        yield self._row("Postcode", Input(compact=True, id="usual-postcode"), "row-usual-postcode")
        yield self._row("Letters go", Select(compact=True, options=
            [(label, kind.value) for kind, label in LETTERS_LABELS.items()],
            prompt="choose", id="letters"))
        yield self._row("Care of", Select(partners, compact=True, prompt="partner", id="partner"),
                        "row-partner")
        yield Checkbox("They agreed to check in at the practice for post (today)",
                       id="post-check")
        yield self._row("Care-of address", Input(compact=True, placeholder="lines, separated by commas",
                                                 id="care-of-lines"), "row-care-of-lines")
        yield self._row("Care-of postcode", Input(compact=True, id="care-of-postcode"), "row-care-of-postcode")
        yield self._row("Contact by", Select(compact=True, options=
            [(r.value.replace("_", " "), r.value) for r in ContactRoute],
            prompt="choose", id="contact-route"))
        yield self._row("Phone", Input(compact=True, id="phone"))
        yield self._row("Keyworker", Input(compact=True, placeholder="name", id="keyworker-name"))
        yield self._row("Keyworker phone", Input(compact=True, id="keyworker-phone"))
        yield self._row("Keyworker org.", Select(partners, compact=True, prompt="partner (optional)",
                                                 id="keyworker-partner"))

    def _needs_fields(self) -> ComposeResult:
        yield self._row("Main language", Input(compact=True, placeholder="e.g. Tigrinya, Polish, ti, bfi",
                                               id="language"))
        yield self._row("Dialect", Input(compact=True, placeholder="optional", id="dialect"))
        yield Checkbox("Needs an interpreter (free to the patient)", id="interpreter")
        yield self._row("Interpreter mode", Select(compact=True, options=
            [(m.value.replace("_", " "), m.value) for m in InterpreterMode],
            prompt="choose", id="interp-mode"))
        yield self._row("Interp. gender", Select(compact=True, options=
            [("female", "female"), ("male", "male")], prompt="any", id="interp-gender"))
        yield Checkbox("Do not use family or friends to interpret", id="no-family")
        yield Label("Reasonable adjustments (space to tick):")
        yield SelectionList[str](
            *[(ADJUSTMENT_TYPES[k].label, k.value) for k in SIMPLE_ADJUSTMENTS],
            id="adjustments",
        )
        yield self._row("Clinician gender", Select(compact=True, options=
            [("female", "female"), ("male", "male")], prompt="no preference", id="clin-gender"))
        yield self._row("Appointment", Select(compact=True, options=
            [("first of a session", "first"), ("last of a session", "last")],
            prompt="any time", id="first-last"))
        yield self._row("Information as", Select(compact=True, options=
            [(d.replace("_", " "), d) for d in
             ADJUSTMENT_TYPES[AdjustmentKind.INFORMATION_FORMAT].details],
            prompt="standard", id="info-format"))
        yield self._row("Other adjustment", Input(compact=True, placeholder="optional, in words",
                                                  id="bespoke"))

    def _flag_fields(self) -> ComposeResult:
        yield self._row("Register as", Select(compact=True, options=
            [(k.label, k.value) for k in RegistrationKind],
            value=RegistrationKind.PERMANENT.value, allow_blank=False, id="reg-kind"))
        yield self._row("Planned end", Input(compact=True, placeholder="YYYY-MM-DD (temporary only)",
                                             id="planned-end"), "row-planned-end")
        restricted_ok = self.practice_app.may(Permission.ADD_RESTRICTED_FLAG)
        options: list[tuple[str, str]] = []
        for code, cat in self.ip.config.flag_categories().items():
            if cat.restricted and not restricted_ok:
                continue
            suffix = " (restricted)" if cat.restricted else ""
            options.append((cat.label + suffix, code))
            options += [
                (f"{cat.label}: {sub.replace('_', ' ')}{suffix}", f"{code}:{sub}")
                for sub in cat.subcategories
            ]
        yield Label("Inclusion-health flags (space to tick; self-declared):")
        yield SelectionList[str](*options, id="flags")

    async def on_mount(self) -> None:
        table = self.query_one("#dup-table", DataTable)
        table.add_columns("#", "Name", "Born", "Sex", "Why it may be them")
        await self._show_step(STEP_IDS[0])

    # --- steps --------------------------------------------------------------------------

    async def _ensure_step(self, step: str) -> None:
        """Mount a step's fields the first time it is shown."""
        builders = {"step-address": self._address_fields, "step-needs": self._needs_fields,
                    "step-flags": self._flag_fields}
        container = self.query_one(f"#{step}")
        if step in builders and not container.children:
            await container.mount_all(list(builders[step]()))
            self._refresh_conditional()

    async def _show_step(self, step: str) -> None:
        await self._ensure_step(step)
        self.step = step
        self.query_one("#steps", ContentSwitcher).current = step
        index = STEP_IDS.index(step)
        title = dict(STEPS)[step]
        of = f" (step {index + 1} of 5)" if index < 5 else ""
        self.query_one("#step-title", Static).update(f"Register a patient — {title}{of}")
        first = self.query_one(f"#{step}").query("Input, Select, SelectionList, Checkbox, DataTable")
        if first:
            first.first().focus()
        self.refresh_bindings()

    async def action_next_step(self) -> None:
        index = STEP_IDS.index(self.step)
        if STEP_IDS[index + 1] == "step-duplicates":
            await self._check_duplicates()
        else:
            await self._show_step(STEP_IDS[index + 1])

    async def action_previous_step(self) -> None:
        index = STEP_IDS.index(self.step)
        if index > 0:
            await self._show_step(STEP_IDS[index - 1])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        index = STEP_IDS.index(self.step)
        if action == "next_step":
            return index < STEP_IDS.index("step-duplicates")
        if action == "previous_step":
            return 0 < index < STEP_IDS.index("step-done")
        if action == "register_new":
            return self.step == "step-duplicates" and self.checked_person is not None
        if action == "register_same":
            return self.step == "step-duplicates" and bool(self.candidates)
        if action == "book":
            return self.step == "step-done" and self.practice_app.may(Permission.BOOK)
        if action == "refuse":
            return self.step != "step-done" and self.practice_app.may(Permission.RECORD_REFUSAL)
        return True

    def prefill_name(self, text: str) -> None:
        """Carry a name typed in Find into the form (first word given, the rest family)."""
        words = text.strip().split()
        if not words or any(ch.isdigit() for ch in text) or self.step != STEP_IDS[0]:
            return
        self.query_one("#given", Input).value = words[0]
        self.query_one("#family", Input).value = " ".join(words[1:])

    # --- conditional fields -------------------------------------------------------------

    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _conditional(self) -> None:
        self._refresh_conditional()

    def _refresh_conditional(self) -> None:
        if not self.query("#nfa") or not self.query("#reg-kind"):
            if self.query("#nfa"):
                self._refresh_address()
            return
        self._refresh_address()
        kind = _blank(self.query_one("#reg-kind", Select).value)
        self.query_one("#row-planned-end").display = kind == RegistrationKind.TEMPORARY.value

    def _refresh_address(self) -> None:
        nfa = self.query_one("#nfa", Checkbox).value
        letters = _blank(self.query_one("#letters", Select).value)
        for row in ("#row-usual-lines", "#row-usual-postcode"):
            self.query_one(row).display = not nfa
        self.query_one("#row-partner").display = letters == CorrespondenceKind.PARTNER.value
        self.query_one("#post-check").display = letters == CorrespondenceKind.PRACTICE.value
        for row in ("#row-care-of-lines", "#row-care-of-postcode"):
            self.query_one(row).display = letters == CorrespondenceKind.CARE_OF.value

    # --- the person the form describes --------------------------------------------------

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def person(self) -> NewPatient:
        """The form as a :class:`NewPatient` (the service validates it)."""
        year_text = self._value("#birth-year")
        year: int | None = None
        if year_text:
            if not year_text.isdigit():
                raise InvalidInput("date_of_birth", f"{year_text!r} is not a year")
            year = int(year_text)
        letters = _blank(self.query_one("#letters", Select).value)
        nfa = self.query_one("#nfa", Checkbox).value
        agreed = self.query_one("#post-check", Checkbox).value
        adjustments = list(self.query_one("#adjustments", SelectionList).selected)
        for selector, kind in (("#clin-gender", AdjustmentKind.CLINICIAN_GENDER),
                               ("#first-last", AdjustmentKind.FIRST_OR_LAST_APPOINTMENT),
                               ("#info-format", AdjustmentKind.INFORMATION_FORMAT)):
            detail = _blank(self.query_one(selector, Select).value)
            if detail:
                adjustments.append(f"{kind.value}:{detail}")
        bespoke = self._value("#bespoke")
        if bespoke:
            adjustments.append(f"{AdjustmentKind.BESPOKE.value}:{bespoke}")
        interpreter = self.query_one("#interpreter", Checkbox).value
        return NewPatient(
            given_name=self._value("#given"),
            family_name=self._value("#family"),
            sex=_blank(self.query_one("#sex", Select).value) or "",
            date_of_birth=_date(self._value("#dob"), "date_of_birth", self.practice_app.clock.today()),
            estimated_birth_year=year,
            nhs_number=self._value("#nhs") or None,
            usual_address=[] if nfa else _lines(self._value("#usual-lines")),
            usual_postcode=None if nfa else (self._value("#usual-postcode") or None),
            no_fixed_abode=nfa,
            correspondence=letters,
            care_of_partner=(_blank(self.query_one("#partner", Select).value)
                             if letters == CorrespondenceKind.PARTNER.value else None),
            correspondence_address=(_lines(self._value("#care-of-lines"))
                                    if letters == CorrespondenceKind.CARE_OF.value else []),
            correspondence_postcode=(self._value("#care-of-postcode") or None
                                     if letters == CorrespondenceKind.CARE_OF.value else None),
            post_check_agreed_on=(self.practice_app.clock.today()
                                  if letters == CorrespondenceKind.PRACTICE.value and agreed
                                  else None),
            contact_route=_blank(self.query_one("#contact-route", Select).value),
            phone=self._value("#phone") or None,
            keyworker_name=self._value("#keyworker-name") or None,
            keyworker_phone=self._value("#keyworker-phone") or None,
            keyworker_partner=_blank(self.query_one("#keyworker-partner", Select).value),
            main_language=self._value("#language") or None,
            dialect=self._value("#dialect") or None,
            interpreter_needed=True if interpreter else None,
            interpreter_mode=(_blank(self.query_one("#interp-mode", Select).value)
                              if interpreter else None),
            interpreter_gender=(_blank(self.query_one("#interp-gender", Select).value)
                                if interpreter else None),
            no_family_interpreter=self.query_one("#no-family", Checkbox).value,
            adjustments=adjustments,
        )

    def registration_kind(self) -> tuple[str, dt.date | None]:
        kind = _blank(self.query_one("#reg-kind", Select).value) or RegistrationKind.PERMANENT
        planned = (_date(self._value("#planned-end"), "planned_end", self.practice_app.clock.today())
                   if kind == RegistrationKind.TEMPORARY.value else None)
        return str(kind), planned

    def flag_choices(self) -> list[FlagChoice]:
        out = []
        for value in self.query_one("#flags", SelectionList).selected:
            category, _, sub = str(value).partition(":")
            out.append(FlagChoice(category, sub or None))
        return out

    # --- duplicate check and saving -----------------------------------------------------

    async def _form_error(self, exc: InclusionPracticeError) -> None:
        """Show the error and go to the step that holds the field it names."""
        problems = exc.problems if isinstance(exc, InvalidInputs) else [exc]
        first = problems[0]
        if isinstance(first, InvalidInput) and first.field in FIELD_STEP:
            await self._show_step(FIELD_STEP[first.field])
        self.show_error(exc)

    async def _check_duplicates(self) -> None:
        try:
            person = self.person()
            self.registration_kind()
        except InvalidInput as exc:
            await self._form_error(exc)
            return
        self.checked_person = None
        self.candidates = []
        await self._show_step("step-duplicates")
        self.query_one("#dup-status", Static).update("Checking for possible duplicates…")
        self.call_service(lambda: self.ip.patients.check_duplicates(self.actor, person),
                          lambda found: self._show_candidates(person, found),
                          self._form_error)

    def _show_candidates(self, person: NewPatient, found: list[DuplicateCandidate]) -> None:
        self.checked_person = person
        self.candidates = found
        table = self.query_one("#dup-table", DataTable)
        table.clear()
        for c in found:
            born = f"{c.date_of_birth}" + (" (est.)" if c.dob_estimated else "")
            table.add_row(str(c.patient_id), f"{c.given_name} {c.family_name}", born, c.sex,
                          ", ".join(c.reasons), key=str(c.patient_id))
        status = self.query_one("#dup-status", Static)
        if found:
            status.update(
                f"{len(found)} record(s) may be this person. Ask them. Ctrl+E: same person as "
                "the highlighted record (records are linked, both kept). Ctrl+S: a new person."
            )
            table.focus()
        else:
            status.update("No possible duplicates. Ctrl+S to register.")
        self.refresh_bindings()

    async def action_register_new(self) -> None:
        await self._register(decision="new_person", same_as=None)

    async def action_register_same(self) -> None:
        table = self.query_one("#dup-table", DataTable)
        if not self.candidates or table.cursor_row < 0:
            return
        chosen = self.candidates[table.cursor_row]
        await self._register(decision="same_person", same_as=chosen.patient_id)

    async def _register(self, decision: str, same_as: int | None) -> None:
        person = self.checked_person
        if person is None:
            return
        try:
            kind, planned = self.registration_kind()
        except InvalidInput as exc:
            await self._form_error(exc)
            return
        flags = self.flag_choices()
        actor = self.actor

        def work() -> tuple[RegistrationResult, list[str]]:
            result = self.ip.patients.register(actor, person, kind=kind, planned_end=planned,
                                               decision=decision, same_as=same_as)
            problems: list[str] = []
            assert result.patient.id is not None
            for flag in flags:
                try:
                    self.ip.flags.add(actor, result.patient.id, flag.category,
                                      subcategory=flag.subcategory)
                except InclusionPracticeError as exc:
                    problems.append(f"flag {flag.category}: {exc}")
            return result, problems

        self.call_service(work, self._registered, self._form_error)

    async def _registered(self, outcome: tuple[RegistrationResult, list[str]]) -> None:
        result, problems = outcome
        self.result = result
        record = result.patient
        if record.id is not None:
            self.practice_app.selected_patient_id = record.id
        lines = [
            f"Registered {record.display_name} (#{record.id}) as "
            f"{result.registration.kind.label} from {result.registration.start:%d %b %Y}.",
            f"New-patient health check due by {result.health_check_due:%d %b %Y}.",
        ]
        if result.linked_to_id is not None:
            lines.append(f"Linked to record #{result.linked_to_id} (same person; both kept).")
        lines += problems
        lines.append("")
        lines.append("Ctrl+B: book an appointment for them.  Ctrl+N: register someone else.")
        self.query_one("#done-summary", Static).update("\n".join(lines))
        await self._show_step("step-done")
        self.notify(f"Registered {record.display_name}")

    # --- after registering --------------------------------------------------------------

    async def action_book(self) -> None:
        if self.result is not None and self.result.patient.id is not None:
            await self.practice_app.open_booking(self.result.patient.id)

    async def action_start_again(self) -> None:
        for widget in self.query(Input):
            widget.value = ""
        for select in self.query(Select):
            if select.id != "reg-kind":
                select.clear()
        for box in self.query(Checkbox):
            box.value = False
        for selection in self.query(SelectionList):
            selection.deselect_all()
        self.candidates = []
        self.checked_person = None
        self.result = None
        self.query_one("#dup-table", DataTable).clear()
        await self._show_step(STEP_IDS[0])

    # --- refusal ------------------------------------------------------------------------

    def action_refuse(self) -> None:
        def done(request: RefusalRequest | None) -> None:
            if request is not None:
                self.notify(
                    f"Refusal recorded. Write to them with the reason by "
                    f"{request.written_reason_due:%d %b %Y}."
                )

        self.app.push_screen(
            RefusalDialog(self._value("#given"), self._value("#family")), done
        )
