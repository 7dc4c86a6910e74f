"""Import FHIR R4: Bundles (transaction, collection) and NDJSON of Patient, Flag, Appointment and
coded events (Observation, Condition, Procedure, Immunization, Encounter).

Rules practice IT can rely on:

- **Idempotent.** Rows are upserted by identity: a Patient by NHS number, otherwise (and every
  other resource) by its source key: ``<Type>/<id>`` when it has an id, else its first
  identifier ``system|value``. Importing the same data twice changes nothing.
- **A transaction Bundle is all or nothing.** Every entry is checked first; if any fails, the
  report lists every problem (where in the resource, and why) and nothing is written.
  Collections and NDJSON import the valid resources and report the rest.
- **Bounded memory.** Files are streamed (NDJSON line by line; Bundles entry by entry with
  ``ijson`` when it is installed) and written in batches; only a map of patient references is
  kept, whatever the file size.
- Coded events go to ``clinical_event`` (SNOMED code, date, value), where the indicators count
  them. Patient and Flag use the registration area's mappings (``fhir.patient``,
  ``fhir.flag``); Appointment reuses the appointment book's status and channel tables.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.addresses import check_addresses
from inclusion_practice.domain.attendance import HOLDS_SLOTS, AppointmentStatus
from inclusion_practice.domain.names import name_key
from inclusion_practice.domain.nhs_number import resolve_identity
from inclusion_practice.domain.patient_record import PatientRecord
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InclusionPracticeError, InvalidInput
from inclusion_practice.fhir import scheduling, urls
from inclusion_practice.services.access import require
from inclusion_practice.storage import fhir_store
from inclusion_practice.storage.database import Database, UnitOfWork

Json = dict[str, Any]
Progress = Callable[[int], None]
"""Called with the number of resources just handled (for a progress bar)."""

EVENT_TYPES = ("Observation", "Condition", "Procedure", "Immunization", "Encounter")
SUPPORTED = ("Patient", "Flag", "Appointment", *EVENT_TYPES)
SKIPPED = ("Schedule", "Slot")
"""Accepted and skipped: the appointment book is generated from practice.toml, and an imported
Appointment is matched to its session and slots by clinician and time."""
BATCH = 1000
ACTION = "fhir_import"
MAX_ISSUES = 1000
"""A report lists at most this many problems (and says how many more there were)."""

EVENT_DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"),
    "Condition": ("onsetDateTime", "onsetPeriod.start", "recordedDate"),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
    "Immunization": ("occurrenceDateTime", "recorded"),
    "Encounter": ("period.start",),
}
EVENT_CODE_FIELD = {"Observation": "code", "Condition": "code", "Procedure": "code",
                    "Immunization": "vaccineCode", "Encounter": "type"}
EVENT_SUBJECT_FIELD = {"Observation": "subject", "Condition": "subject", "Procedure": "subject",
                       "Immunization": "patient", "Encounter": "subject"}
EVENT_STATUS: dict[str, frozenset[str]] = {
    "Observation": frozenset({"registered", "preliminary", "final", "amended", "corrected",
                              "cancelled", "entered-in-error", "unknown"}),
    "Procedure": frozenset({"preparation", "in-progress", "not-done", "on-hold", "stopped",
                            "completed", "entered-in-error", "unknown"}),
    "Immunization": frozenset({"completed", "entered-in-error", "not-done"}),
    "Encounter": frozenset({"planned", "arrived", "triaged", "in-progress", "onleave",
                            "finished", "cancelled", "entered-in-error", "unknown"}),
}
NOT_HAPPENED = frozenset({"entered-in-error", "cancelled", "not-done"})
"""Statuses meaning the event did not happen: never counted by an indicator, so refused."""
FHIR_STATUS_TO_OURS = {
    "booked": AppointmentStatus.BOOKED,
    "arrived": AppointmentStatus.ARRIVED,
    "fulfilled": AppointmentStatus.SEEN,
    "noshow": AppointmentStatus.DNA,
}


# ----------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Problem:
    """One problem with one resource: where (entry and path in the resource) and why."""

    location: str
    """E.g. ``entry[3].resource.subject.reference`` or ``line 17: Observation.code``."""
    reason: str
    code: str = "invalid"
    """OperationOutcome issue type: invalid, structure, required, value, code-invalid,
    not-found, conflict, not-supported."""

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did, and every problem found (as an OperationOutcome on request)."""

    source: str
    kind: str
    """transaction | collection | ndjson | resource."""
    read: int = 0
    counts: fhir_store.UpsertCounts = field(default_factory=fhir_store.UpsertCounts)
    rejected: int = 0
    skipped: int = 0
    """Schedule and Slot resources (the book is generated from practice.toml, not imported)."""
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.more_problems

    def add_problem(self, problem: Problem) -> None:
        if len(self.problems) < MAX_ISSUES:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    def summary(self) -> str:
        created = sum(self.counts.created.values())
        updated = sum(self.counts.updated.values())
        unchanged = sum(self.counts.unchanged.values())
        head = f"{self.source}: {self.kind}, {self.read} resources read"
        if self.kind == "transaction" and not self.committed:
            return f"{head}; nothing written: {self.rejected} resources have problems"
        skipped = f", {self.skipped} Schedule/Slot skipped" if self.skipped else ""
        return (f"{head}; {created} created, {updated} updated, {unchanged} unchanged, "
                f"{self.rejected} rejected{skipped}")

    def operation_outcome(self) -> Json:
        issues: list[Json] = [
            {"severity": "error", "code": p.code, "diagnostics": p.reason,
             "location": [p.location], "expression": [p.location]}
            for p in self.problems
        ]
        if self.more_problems:
            issues.append({"severity": "error", "code": "too-costly",
                           "diagnostics": f"{self.more_problems} more problems not listed"})
        issues.append({"severity": "information", "code": "informational",
                       "diagnostics": self.summary()})
        return {"resourceType": "OperationOutcome", "issue": issues}


class ImportRefused(InclusionPracticeError):
    """A transaction Bundle with problems: nothing was written. Carries the full report."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        first = "; ".join(str(p) for p in report.problems[:3])
        more = len(report.problems) + report.more_problems - 3
        super().__init__(
            f"{report.summary()}: {first}" + (f" (and {more} more)" if more > 0 else "")
        )


# ------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Entry:
    """One resource to import, with where it came from."""

    location: str
    resource: Json | None
    full_url: str | None = None
    problem: str | None = None


def _bundle_entry(i: int, item: Any) -> Entry:
    loc = f"entry[{i}]"
    if not isinstance(item, dict):
        return Entry(loc, None, problem="an entry must be a JSON object")
    res = item.get("resource")
    if not isinstance(res, dict):
        return Entry(loc, None, item.get("fullUrl"), problem="entry has no resource")
    return Entry(f"{loc}.resource", res, item.get("fullUrl"))


def _ndjson_entries(path: Path) -> Iterator[Entry]:
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield Entry(f"line {n}", None, problem="not UTF-8 text")
                continue
            if not line.strip():
                continue
            try:
                res = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Entry(f"line {n}", None, problem=f"malformed JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(res, dict):
                yield Entry(f"line {n}", None, problem="each line must be one JSON object")
                continue
            yield Entry(f"line {n}", res)


def _peek_json(path: Path) -> tuple[str, str | None]:
    """(top-level resourceType, Bundle.type) without loading the file (``ijson`` if present)."""
    try:
        import ijson  # type: ignore[import-untyped]
    except ImportError:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise InvalidInput(str(path), "a FHIR JSON file must hold one object") from None
        return str(data.get("resourceType")), data.get("type")
    rtype = btype = None
    with path.open("rb") as fh:
        for prefix, event, value in ijson.parse(fh):
            if prefix == "resourceType" and event == "string":
                rtype = value
            elif prefix == "type" and event == "string":
                btype = value
            if rtype and (btype or rtype != "Bundle"):
                break
    return str(rtype), btype


def _bundle_entries(path: Path) -> Iterator[Entry]:
    try:
        import ijson  # type: ignore[import-untyped]
    except ImportError:
        data = json.loads(path.read_text(encoding="utf-8"))
        for i, item in enumerate(data.get("entry") or []):
            yield _bundle_entry(i, item)
        return
    with path.open("rb") as fh:
        for i, item in enumerate(ijson.items(fh, "entry.item", use_float=True)):
            yield _bundle_entry(i, item)


@dataclass(frozen=True)
class Source:
    """A re-readable stream of entries (transactions read twice: check, then write)."""

    name: str
    kind: str
    entries: Callable[[], Iterator[Entry]]


def open_source(path: Path) -> Source:
    """Work out what ``path`` holds: NDJSON, a Bundle or one resource."""
    if not path.exists():
        raise InvalidInput(str(path), "file not found")
    if path.suffix.lower() in (".ndjson", ".jsonl"):
        return Source(str(path), "ndjson", lambda: _ndjson_entries(path))
    try:
        rtype, btype = _peek_json(path)
    except (json.JSONDecodeError, ValueError) as exc:
        raise InvalidInput(str(path), f"malformed JSON: {exc}") from None
    except Exception as exc:  # ijson's own errors: incomplete or malformed JSON
        raise InvalidInput(str(path), f"malformed JSON: {exc}") from None
    if rtype == "Bundle":
        if btype not in ("transaction", "collection", "batch"):
            raise InvalidInput(f"{path}: Bundle.type",
                               f"{btype!r} cannot be imported (use transaction or collection)")
        kind = "transaction" if btype == "transaction" else "collection"
        return Source(str(path), kind, lambda: _bundle_entries(path))

    def single() -> Iterator[Entry]:
        yield Entry("resource", json.loads(path.read_text(encoding="utf-8")))

    return Source(str(path), "resource", single)


def bundle_source(bundle: Json, name: str = "request") -> Source:
    """A Bundle already in memory (the API's POST)."""
    if bundle.get("resourceType") != "Bundle":
        raise InvalidInput("resourceType", f"expected a Bundle, got {bundle.get('resourceType')!r}")
    btype = bundle.get("type")
    if btype not in ("transaction", "collection", "batch"):
        raise InvalidInput("Bundle.type", f"{btype!r} cannot be imported (use transaction or collection)")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidInput("Bundle.entry", "must be a list")
    kind = "transaction" if btype == "transaction" else "collection"
    return Source(name, kind, lambda: (_bundle_entry(i, e) for i, e in enumerate(entries)))


# ----------------------------------------------------------------------------- checking


def _get(res: Json, dotted: str) -> Any:
    cur: Any = res
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _pydantic_problems(loc: str, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors()[:20]:
        path = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        msg = str(err["msg"]).removeprefix("Value error, ")
        out.append(Problem(f"{loc}.{path}" if path else loc, msg, "structure"))
    return out


def _source_key(res: Json) -> str | None:
    rid = res.get("id")
    if isinstance(rid, str) and rid:
        return f"{res['resourceType']}/{rid}"
    for ident in res.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") and ident.get("value") and (
            ident["system"] != urls.NHS_NUMBER_SYSTEM
        ):
            return f"{ident['system']}|{ident['value']}"
    return None


@dataclass
class _Plan:
    """A checked resource, ready to write."""

    entry: Entry
    rtype: str
    key: str
    patient_ref: str | None = None
    row: Json = field(default_factory=dict)
    record: PatientRecord | None = None
    extra: Json = field(default_factory=dict)


@dataclass
class _Refs:
    """Patient references known in this import: reference text → alias key (and id once
    written). Memory grows with patients, not with file size."""

    alias: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def learn(self, entry: Entry, res: Json, key: str, nhs: str | None) -> None:
        if entry.full_url:
            self.alias[entry.full_url] = key
        if res.get("id"):
            self.alias[f"Patient/{res['id']}"] = key
        if nhs:
            self.alias[f"nhs:{nhs}"] = key
        self.alias[key] = key


def _ref_text(ref: Any) -> str | None:
    """A patient reference as text: ``Patient/x``, ``urn:uuid:…`` or ``nhs:<number>``."""
    if not isinstance(ref, dict):
        return None
    if isinstance(ref.get("reference"), str):
        text: str = ref["reference"]
        if text.startswith(urls.BASE + "/"):
            text = text[len(urls.BASE) + 1 :]
        return text
    ident = ref.get("identifier")
    if isinstance(ident, dict) and ident.get("system") == urls.NHS_NUMBER_SYSTEM and ident.get("value"):
        return f"nhs:{ident['value']}"
    return None


class FhirImporter:
    """Checks and writes imported resources. Needs an actor with ``IMPORT_DATA``."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    # ------------------------------------------------------------------------ public API

    def import_files(
        self, actor: Actor | None, paths: Iterable[Path], *, progress: Progress | None = None,
        raise_on_refused: bool = False,
    ) -> list[ImportReport]:
        """Import several files in one run (patient references carry across the files, so
        ``Patient.ndjson`` then ``Observation.ndjson`` works). Patients' files go first."""
        require(actor, Permission.IMPORT_DATA)
        assert actor is not None
        sources = [open_source(p) for p in paths]
        sources.sort(key=lambda s: _file_rank(Path(s.name)))
        refs = _Refs()
        out = []
        for src in sources:
            report = self._run(actor, src, refs, progress)
            if raise_on_refused and src.kind == "transaction" and not report.committed:
                raise ImportRefused(report)
            out.append(report)
        return out

    def import_file(self, actor: Actor | None, path: Path, *,
                    progress: Progress | None = None) -> ImportReport:
        return self.import_files(actor, [path], progress=progress)[0]

    def import_bundle(self, actor: Actor | None, bundle: Json) -> ImportReport:
        """Import a Bundle held in memory (the REST API's POST)."""
        require(actor, Permission.IMPORT_DATA)
        assert actor is not None
        return self._run(actor, bundle_source(bundle), _Refs(), None)

    def import_resources(
        self, actor: Actor | None, resources: Iterable[Json], *, atomic: bool = False,
    ) -> ImportReport:
        """Import resources already parsed (tests, scripts)."""
        items = list(resources)
        bundle = {"resourceType": "Bundle", "type": "transaction" if atomic else "collection",
                  "entry": [{"resource": r} for r in items]}
        return self.import_bundle(actor, bundle)

    def check_file(self, path: Path) -> ImportReport:
        """Validate without writing and without a database lookup of references."""
        src = open_source(path)
        report = ImportReport(src.name, src.kind)
        refs = _Refs()
        for entry in src.entries():
            report.read += 1
            skipped = report.skipped
            plan = self._check(entry, report, refs, patients_only=None)
            if plan is None and report.skipped == skipped:
                report.rejected += 1
        return report

    # ------------------------------------------------------------------------- machinery

    def _run(self, actor: Actor, src: Source, refs: _Refs, progress: Progress | None) -> ImportReport:
        report = ImportReport(src.name, src.kind)
        # Pre-scan: learn the patients this source defines, so references resolve in any order.
        for entry in src.entries():
            res = entry.resource
            if res is not None and res.get("resourceType") == "Patient":
                key = _patient_key(res)
                if key:
                    refs.learn(entry, res, key, _nhs_of(res))
        atomic = src.kind == "transaction"
        if atomic:
            for batch in self._batches(src, report, refs, progress, count=True):
                resolved = self._resolve_in_db(None, batch, report, refs, check_only=True)
                report.rejected += sum(1 for p in batch if p.patient_ref
                                       and p.patient_ref not in resolved)
            if not report.ok:
                return report
            def work(uow: UnitOfWork) -> None:
                for batch in self._batches(src, ImportReport(src.name, src.kind), refs, None,
                                           count=False):
                    self._write(uow, actor, batch, report, refs)
            self._db.run_write(actor, ACTION, work, retries=0)
            report.committed = True
            return report
        for batch in self._batches(src, report, refs, progress, count=True):
            def work_batch(uow: UnitOfWork, batch: list[_Plan] = batch) -> None:
                self._write(uow, actor, batch, report, refs)
            self._db.run_write(actor, ACTION, work_batch)
        report.committed = True
        return report

    def _batches(
        self, src: Source, report: ImportReport, refs: _Refs, progress: Progress | None,
        *, count: bool,
    ) -> Iterator[list[_Plan]]:
        """Checked plans in batches: all patients first (one pass), then everything else."""
        for patients_only in (True, False):
            batch: list[_Plan] = []
            for entry in src.entries():
                rtype = (entry.resource or {}).get("resourceType")
                if (rtype == "Patient") is not patients_only:
                    continue
                if count:
                    report.read += 1
                skipped = report.skipped
                plan = self._check(entry, report, refs, patients_only)
                if not count:
                    report.skipped = skipped
                if plan is not None:
                    batch.append(plan)
                elif count and report.skipped == skipped:
                    report.rejected += 1
                if progress is not None:
                    progress(1)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

    def _check(self, entry: Entry, report: ImportReport, refs: _Refs,
               patients_only: bool | None) -> _Plan | None:
        if entry.problem or entry.resource is None:
            report.add_problem(Problem(entry.location, entry.problem or "no resource", "structure"))
            return None
        res = entry.resource
        rtype = res.get("resourceType")
        loc = entry.location
        if rtype in SKIPPED:
            report.skipped += 1
            return None
        if rtype not in SUPPORTED:
            report.add_problem(Problem(
                f"{loc}.resourceType",
                f"{rtype!r} cannot be imported (supported: {', '.join(SUPPORTED)})",
                "not-supported"))
            return None
        try:
            from fhir.resources.R4B import get_fhir_model_class

            model = get_fhir_model_class(rtype).model_validate(res)
        except ValidationError as exc:
            for p in _pydantic_problems(f"{loc}", exc):
                report.add_problem(p)
            return None
        problems: list[Problem] = []
        checker = {"Patient": self._check_patient, "Flag": self._check_flag,
                   "Appointment": self._check_appointment}.get(rtype, self._check_event)
        if rtype == "Patient":  # hand over the validated model: no second validation
            plan = self._check_patient(entry, res, problems, refs, model)
        else:
            plan = checker(entry, res, problems, refs)
        if plan is not None:  # values the database cannot hold: this entry's problem, not a batch's
            from inclusion_practice.storage.guards import row_problems

            target = {"Patient": "patient", "Flag": "flag", "Appointment": "appointment"}
            problems += [Problem(loc, f"{column}: {why}", "value") for column, why in
                         row_problems(target.get(rtype, "clinical_event"), plan.row)]
        for p in problems:
            report.add_problem(p)
        return None if problems else plan

    # ----------------------------------------------------------------- per resource type

    def _check_patient(self, entry: Entry, res: Json, problems: list[Problem],
                       refs: _Refs, model: Any = None) -> _Plan | None:
        from inclusion_practice.fhir.patient import patient_from_fhir

        loc = entry.location
        for i, ident in enumerate(res.get("identifier") or []):
            if ident.get("system") == urls.NHS_NUMBER_SYSTEM:
                try:
                    resolve_identity(ident.get("value"), None, None)
                except InvalidInput as exc:
                    problems.append(Problem(f"{loc}.identifier[{i}].value", exc.reason, "value"))
        if sum(1 for i in res.get("identifier") or []
               if i.get("system") == urls.NHS_NUMBER_SYSTEM) > 1:
            problems.append(Problem(f"{loc}.identifier",
                                    "more than one NHS number (UK Core allows one)", "invariant"))
        if not res.get("birthDate"):
            problems.append(Problem(f"{loc}.birthDate", "is required to register", "required"))
        names = res.get("name") or []
        if not names or not (names[0].get("family") and names[0].get("given")):
            problems.append(Problem(f"{loc}.name[0]", "family and given names are required",
                                    "required"))
        if problems:
            return None
        try:
            record = patient_from_fhir(model if model is not None else res)
        except (ValueError, AssertionError, KeyError) as exc:
            problems.append(Problem(loc, f"cannot be read as a patient: {exc}", "invalid"))
            return None
        try:
            nhs, status, reason = resolve_identity(
                record.nhs_number,
                record.nhs_number_status.value if record.nhs_number_status else None,
                record.nhs_number_unavailable_reason.value
                if record.nhs_number_unavailable_reason else None,
            )
            a = record.addresses
            check_addresses(
                usual_lines=a.usual_lines, usual_postcode=a.usual_postcode,
                no_fixed_abode=a.no_fixed_abode, correspondence_kind=a.correspondence_kind,
                partner=a.correspondence_partner, correspondence_lines=a.correspondence_lines,
                correspondence_postcode=a.correspondence_postcode,
                correspondence_from=a.correspondence_from, correspondence_to=a.correspondence_to,
                post_check_agreed_on=a.post_check_agreed_on,
                partners=[p.code for p in self._config.partners], today=self._clock.today(),
            )
        except InvalidInput as exc:
            problems.append(Problem(f"{loc} ({exc.field})", exc.reason, "value"))
            return None
        key = _patient_key(res)
        if key is None:
            problems.append(Problem(loc, "has no NHS number, id or identifier, so it cannot be "
                                         "imported idempotently", "required"))
            return None
        row = _patient_row(record)
        row.update(nhs_number=nhs, nhs_number_status=status.value if status else None,
                   nhs_number_unavailable_reason=reason.value if reason else None,
                   source_id=_source_key(res))
        return _Plan(entry, "Patient", key, row=row, record=record)

    def _patient_ref(self, loc: str, ref: Any, problems: list[Problem], refs: _Refs,
                     field_name: str) -> str | None:
        text = _ref_text(ref)
        if text is None:
            problems.append(Problem(f"{loc}.{field_name}", "must reference the patient "
                                    "(Patient/<id>, a fullUrl in this Bundle, or an NHS number "
                                    "identifier)", "required"))
            return None
        if not (text.startswith(("Patient/", "nhs:")) or text in refs.alias):
            problems.append(Problem(f"{loc}.{field_name}", f"{text!r} is not a Patient reference",
                                    "invalid"))
            return None
        return text

    def _check_flag(self, entry: Entry, res: Json, problems: list[Problem],
                    refs: _Refs) -> _Plan | None:
        from inclusion_practice.fhir.flag import flag_from_fhir, is_adjustment
        from inclusion_practice.services.flags import check_category

        loc = entry.location
        if is_adjustment(res):
            problems.append(Problem(f"{loc}.category", "reasonable-adjustment Flags are not "
                                    "imported (record them in the practice)", "not-supported"))
            return None
        ref = self._patient_ref(loc, res.get("subject"), problems, refs, "subject")
        codings = [c for cc in res.get("category") or [] for c in cc.get("coding") or []]
        if not any(c.get("system") == urls.CS_INCLUSION_HEALTH_CATEGORY for c in codings):
            systems = sorted({str(c.get("system")) for c in codings}) or ["none"]
            problems.append(Problem(f"{loc}.category", "needs a coding from "
                                    f"{urls.CS_INCLUSION_HEALTH_CATEGORY} (found systems: "
                                    f"{', '.join(systems)})", "code-invalid"))
        code_codings = (res.get("code") or {}).get("coding") or []
        for i, c in enumerate(code_codings):
            if c.get("system") not in (urls.SNOMED, urls.CS_INCLUSION_HEALTH_CATEGORY):
                problems.append(Problem(f"{loc}.code.coding[{i}].system",
                                        f"unknown code system {c.get('system')!r}: the binding "
                                        "requires SNOMED CT or our category codes",
                                        "code-invalid"))
        if not (res.get("period") or {}).get("start"):
            problems.append(Problem(f"{loc}.period.start", "is required (when the status began)",
                                    "required"))
        if problems or ref is None:
            return None
        copy = dict(res)
        copy["subject"] = {"reference": "Patient/0"}
        try:
            rec = flag_from_fhir(copy)
            cat, sub, code = check_category(self._config, rec.category, rec.subcategory,
                                            rec.snomed_code)
        except InvalidInput as exc:
            where = {"category": "category", "subcategory": "code", "snomed_code": "code"}
            problems.append(Problem(f"{loc}.{where.get(exc.field, exc.field)}", exc.reason,
                                    "code-invalid"))
            return None
        except (ValueError, KeyError) as exc:
            problems.append(Problem(loc, f"cannot be read as an inclusion-health flag: {exc}"))
            return None
        key = _source_key(res)
        if key is None:
            problems.append(Problem(loc, "needs an id or identifier to be imported idempotently",
                                    "required"))
            return None
        row = {"category": cat.code, "subcategory": sub, "snomed_code": code,
               "start_date": rec.start, "end_date": rec.end, "review_date": rec.review,
               "source": rec.source.value, "recorded_by": rec.recorded_by or "import",
               "end_reason": rec.end_reason, "source_id": key}
        return _Plan(entry, "Flag", key, ref, row)

    def _check_event(self, entry: Entry, res: Json, problems: list[Problem],
                     refs: _Refs) -> _Plan | None:
        rtype = res["resourceType"]
        loc = entry.location
        subj = EVENT_SUBJECT_FIELD[rtype]
        ref = self._patient_ref(loc, res.get(subj), problems, refs, subj)
        status = res.get("status") or res.get("clinicalStatus")
        if rtype in EVENT_STATUS and res.get("status") not in EVENT_STATUS[rtype]:
            problems.append(Problem(f"{loc}.status", f"{res.get('status')!r} is not a "
                                    f"{rtype} status", "code-invalid"))
        elif isinstance(status, str) and status in NOT_HAPPENED:
            problems.append(Problem(f"{loc}.status", f"{status}: the event did not happen, so "
                                    "it is not imported", "business-rule"))
        code_field = EVENT_CODE_FIELD[rtype]
        concepts = res.get(code_field)
        if isinstance(concepts, dict):
            concepts = [concepts]
        codings = [(i, j, c) for i, cc in enumerate(concepts or [])
                   for j, c in enumerate(cc.get("coding") or [])]
        snomed = [c for _, _, c in codings if c.get("system") == urls.SNOMED and c.get("code")]
        if not snomed:
            systems = sorted({str(c.get("system")) for _, _, c in codings}) or ["none"]
            problems.append(Problem(f"{loc}.{code_field}", "needs a SNOMED CT coding "
                                    f"({urls.SNOMED}); found code systems: {', '.join(systems)}",
                                    "code-invalid"))
        elif not str(snomed[0]["code"]).isdigit() or not 6 <= len(str(snomed[0]["code"])) <= 18:
            problems.append(Problem(f"{loc}.{code_field}", f"{snomed[0]['code']!r} is not a "
                                    "SNOMED CT concept id", "code-invalid"))
        when = None
        for f in EVENT_DATE_FIELDS[rtype]:
            when = _date(_get(res, f))
            if when:
                break
        if when is None:
            problems.append(Problem(f"{loc}.{EVENT_DATE_FIELDS[rtype][0]}",
                                    "a date is required (indicators count events by date)",
                                    "required"))
        elif when > self._clock.today() + dt.timedelta(days=1):
            problems.append(Problem(f"{loc}.{EVENT_DATE_FIELDS[rtype][0]}",
                                    f"{when} is in the future", "value"))
        key = _source_key(res)
        if key is None:
            problems.append(Problem(loc, "needs an id or identifier to be imported idempotently",
                                    "required"))
        if problems or ref is None or when is None:
            return None
        value = _get(res, "valueQuantity.value") if rtype == "Observation" else None
        row = {"code": str(snomed[0]["code"]), "system": "snomed", "event_date": when,
               "value": float(value) if isinstance(value, int | float) else None,
               "resource_type": rtype, "source_id": key}
        return _Plan(entry, rtype, str(key), ref, row)

    def _check_appointment(self, entry: Entry, res: Json, problems: list[Problem],
                           refs: _Refs) -> _Plan | None:
        loc = entry.location
        parts = res.get("participant") or []
        patient_ref = None
        clinician = None
        for i, p in enumerate(parts):
            actor = p.get("actor") or {}
            text = _ref_text(actor) or ""
            if text.startswith(("Patient/", "nhs:")) or text in refs.alias:
                patient_ref = self._patient_ref(f"{loc}.participant[{i}]", actor, problems, refs,
                                                "actor")
            elif text.startswith("Practitioner/"):
                clinician = text.split("/", 1)[1]
        if patient_ref is None and not problems:
            problems.append(Problem(f"{loc}.participant", "no participant references the patient",
                                    "required"))
        if clinician is None or self._config.clinician(clinician) is None:
            known = ", ".join(c.code for c in self._config.clinicians)
            problems.append(Problem(f"{loc}.participant", f"no participant is a clinician of "
                                    f"this practice (Practitioner/<code>; known: {known})",
                                    "not-found"))
        status = res.get("status")
        ours: AppointmentStatus | None = FHIR_STATUS_TO_OURS.get(str(status))
        if status == "cancelled":
            who = ((res.get("cancelationReason") or {}).get("coding") or [{}])[0].get("code")
            ours = (AppointmentStatus.CANCELLED_PRACTICE if who == "prov"
                    else AppointmentStatus.CANCELLED_PATIENT)
            if (res.get("cancelationReason") or {}).get("text") == "left without being seen":
                ours = AppointmentStatus.LEFT
        appt_type = ((res.get("appointmentType") or {}).get("coding") or [{}])[0].get("code")
        if status == "arrived" and appt_type == "WALKIN":
            ours = AppointmentStatus.WALK_IN
        if ours is None:
            problems.append(Problem(f"{loc}.status", f"{status!r} cannot be imported (booked, "
                                    "arrived, fulfilled, noshow, cancelled)", "code-invalid"))
        start = _instant(res.get("start"))
        end = _instant(res.get("end"))
        if start is None or end is None or end <= start:
            problems.append(Problem(f"{loc}.start", "start and end are required, end after start",
                                    "required"))
        channel = "in_person"
        for e in res.get("extension") or []:
            if e.get("url") == urls.EXT_DELIVERY_CHANNEL:
                code = ((e.get("valueCodeableConcept") or {}).get("coding") or [{}])[0].get("code")
                found = [k for k, (c, _) in scheduling.DELIVERY_CHANNEL.items() if c == code]
                if not found:
                    problems.append(Problem(f"{loc}.extension", f"delivery channel {code!r} is "
                                            "not In-person, Telephone or Video", "code-invalid"))
                else:
                    channel = found[0]
        key = _source_key(res)
        if key is None:
            problems.append(Problem(loc, "needs an id or identifier to be imported idempotently",
                                    "required"))
        if problems or patient_ref is None or ours is None or start is None or end is None:
            return None
        assert clinician is not None and key is not None
        reason = (res.get("cancelationReason") or {}).get("text")
        comment, override, interpreter = _split_comment(res.get("comment"))
        row = {"start": start, "end": end, "status": ours.value, "channel": channel,
               "comment": comment, "double_override_reason": override,
               "patient_instruction": res.get("patientInstruction"),
               "cancel_reason": reason if ours in (AppointmentStatus.CANCELLED_PATIENT,
                                                   AppointmentStatus.CANCELLED_PRACTICE) else None,
               "late_cancellation": bool(reason and "(late cancellation)" in reason),
               "source_id": key}
        created = _instant(res.get("created"))
        if reason and ours is not AppointmentStatus.LEFT:
            row["cancel_reason"] = reason.removesuffix(" (late cancellation)")
        translator = next((p for p in parts for t in p.get("type") or [] for c in
                           t.get("coding") or [] if c.get("code") == "TRANSL"), None)
        if translator is not None and interpreter is None:
            text = ((translator.get("type") or [{}])[0].get("text") or "")
            m = re.match(r"^interpreter: (\S+) \((.+)\)$", text)
            if m:
                interpreter = {"language": m.group(1), "mode": m.group(2).replace(" ", "_"),
                               "status": "to_book"}
        if interpreter is not None and translator is not None:
            name = (translator.get("actor") or {}).get("display")
            interpreter["interpreter_name"] = name
        return _Plan(entry, "Appointment", key, patient_ref, row,
                     extra={"clinician": clinician, "created": created,
                            "interpreter": interpreter})

    # ------------------------------------------------------------------------ references

    def _resolve_in_db(self, conn: Any, batch: list[_Plan], report: ImportReport, refs: _Refs,
                       *, check_only: bool) -> dict[str, int]:
        """Patient ids for the batch's references; a problem for each that resolves nowhere."""
        wanted = {p.patient_ref for p in batch if p.patient_ref}
        out: dict[str, int] = {}
        nhs, src = set(), set()
        for ref in wanted:
            if ref in refs.alias and refs.alias[ref] in refs.ids:
                out[ref] = refs.ids[refs.alias[ref]]
            elif ref in refs.alias and check_only:
                out[ref] = 0
            elif ref.startswith("nhs:"):
                nhs.add(ref[4:])
            else:
                src.add(ref)
        if (nhs or src) and conn is not None:
            by_nhs, by_src, _ = fhir_store.patient_ids_by_keys(conn, nhs_numbers=nhs,
                                                               source_ids=src)
        elif nhs or src:
            with self._db.read() as uow:
                by_nhs, by_src, _ = fhir_store.patient_ids_by_keys(
                    uow.session.connection(), nhs_numbers=nhs, source_ids=src)
        if nhs or src:
            out.update({f"nhs:{k}": v for k, v in by_nhs.items()})
            out.update(by_src)
        for p in batch:
            if p.patient_ref and p.patient_ref not in out:
                report.add_problem(Problem(
                    f"{p.entry.location}.{EVENT_SUBJECT_FIELD.get(p.rtype, 'subject')}",
                    f"patient {p.patient_ref!r} is neither in this import nor in the database "
                    "(import the patients first)", "not-found"))
        return out

    # ---------------------------------------------------------------------------- writing

    def _write(self, uow: UnitOfWork, actor: Actor, batch: list[_Plan], report: ImportReport,
               refs: _Refs) -> None:
        conn = uow.session.connection()
        now = uow.clock.now()
        patients = [p for p in batch if p.rtype == "Patient"]
        if patients:
            rows = []
            for p in patients:
                row = dict(p.row)
                row.setdefault("created_at", now)
                row["updated_at"] = now
                rows.append(row)
            counts, ids = fhir_store.upsert(
                conn, actor, ACTION, "patient", rows, now, key="nhs_number", alt_key="source_id",
                keep=frozenset({"created_at", "updated_at", "source_id"}),
            )
            report.counts.add(counts)
            for p, pid in zip(patients, ids, strict=True):
                refs.ids[p.key] = pid
            self._registrations(conn, actor, now, [
                (pid, p.record) for p, pid in zip(patients, ids, strict=True) if p.record])
        others = [p for p in batch if p.rtype != "Patient"]
        if not others:
            return
        ids_by_ref = self._resolve_in_db(conn, others, report, refs, check_only=False)
        ok = [p for p in others if p.patient_ref in ids_by_ref]
        report.rejected += len(others) - len(ok)
        by_table: dict[str, list[Json]] = {}
        for p in ok:
            pid = ids_by_ref[str(p.patient_ref)]
            if p.rtype == "Appointment":
                self._write_appointment(conn, actor, now, pid, p, report)
                continue
            row = dict(p.row, patient_id=pid)
            if p.rtype in EVENT_TYPES:
                row["recorded_by"] = actor.username
            by_table.setdefault("flag" if p.rtype == "Flag" else "clinical_event", []).append(row)
        for name, rows in by_table.items():
            counts, _ = fhir_store.upsert(conn, actor, ACTION, name, rows, now)
            report.counts.add(counts)

    def _registrations(self, conn: Any, actor: Actor, now: dt.datetime,
                       records: list[tuple[int, PatientRecord]]) -> None:
        """Add registration periods the database does not have yet (history is never
        rewritten: a period is matched by its patient, kind and start)."""
        from sqlalchemy import select

        from inclusion_practice.storage.bulk import table

        t = table("registration")
        pids = sorted({pid for pid, _ in records})
        have: set[tuple[int, str, dt.date]] = set()
        for i in range(0, len(pids), fhir_store.CHUNK):
            have |= {(int(p), str(k), s) for p, k, s in conn.execute(
                select(t.c.patient_id, t.c.kind, t.c.start_date)
                .where(t.c.patient_id.in_(pids[i:i + fhir_store.CHUNK])))}
        rows = [
            {"patient_id": pid, "kind": r.kind.value, "start_date": r.start,
             "planned_end": r.planned_end, "end_date": r.end,
             "end_reason": r.end_reason.value if r.end_reason else None,
             "end_detail": r.end_detail, "created_at": now}
            for pid, record in records for r in record.registrations
            if (pid, r.kind.value, r.start) not in have
        ]
        # The same patient twice in one batch gives each period once.
        rows = list({(r["patient_id"], r["kind"], r["start_date"]): r for r in rows}.values())
        fhir_store.upsert_plain_insert(conn, actor, ACTION, "registration", rows, now)

    def _write_appointment(self, conn: Any, actor: Actor, now: dt.datetime, pid: int,
                           p: _Plan, report: ImportReport) -> None:
        start, end = p.row["start"], p.row["end"]
        sessions = fhir_store.sessions_covering(conn, p.extra["clinician"], start, end)
        loc = p.entry.location
        if not sessions:
            report.rejected += 1
            report.add_problem(Problem(f"{loc}.start", f"no session of {p.extra['clinician']} "
                                       f"covers {start:%Y-%m-%d %H:%M}–{end:%H:%M} (generate the "
                                       "schedule first: schedule generate)", "not-found"))
            return
        session = sessions[0]
        slots = fhir_store.slots_between(conn, int(session["id"]), start, end)
        existing = fhir_store.existing_by(conn, "appointment", "source_id", [p.key])
        row = dict(p.row, patient_id=pid, session_id=int(session["id"]),
                   slot_count=max(len(slots), 1), booked_at=p.extra.get("created") or now,
                   booked_by=actor.username)
        holds = AppointmentStatus(row["status"]) in HOLDS_SLOTS
        if not existing and holds:
            taken = fhir_store.live_holds(conn, [int(s["id"]) for s in slots])
            if taken:
                report.rejected += 1
                report.add_problem(Problem(f"{loc}.slot", "the slot(s) at "
                                           f"{start:%Y-%m-%d %H:%M} are already booked",
                                           "conflict"))
                return
        counts, ids = fhir_store.upsert(conn, actor, ACTION, "appointment", [row], now,
                                        keep=frozenset({"booked_at", "booked_by"}))
        report.counts.add(counts)
        if not existing:
            fhir_store.add_holds(conn, actor, ACTION, now, ids[0],
                                 [int(s["id"]) for s in slots], live=holds)
            interp = p.extra.get("interpreter")
            if interp:
                fhir_store.upsert_plain_insert(
                    conn, actor, ACTION, "interpreter_booking",
                    [dict(interp, appointment_id=ids[0], updated_at=now)], now)


# --------------------------------------------------------------------------------- helpers

_INTERPRETER_LINE = re.compile(
    r"^Interpreter (?P<status>to book|booked|to cancel|cancelled): (?P<language>[^,]+)"
    r"(?:, dialect (?P<dialect>[^,]+))?"
    r", (?P<mode>face to face|telephone|video|bsl in person|bsl video relay)"
    r"(?:, (?P<gender>female|male) interpreter)?"
    r"(?:, agency ref (?P<agency>[^.]+))?(?:\. Note: (?P<note>.*))?$"
)
_OVERRIDE_PREFIX = "Single slot although a double was proposed: "


def _split_comment(text: Any) -> tuple[str | None, str | None, Json | None]:
    """Undo :func:`fhir.scheduling.appointment_resource`'s comment: staff note, double-slot
    override reason and interpreter details (the appointment book's own line formats)."""
    if not isinstance(text, str) or not text:
        return None, None, None
    keep: list[str] = []
    override = None
    interpreter: Json | None = None
    for line in text.split("\n"):
        m = _INTERPRETER_LINE.match(line)
        if m:
            interpreter = {
                "status": m["status"].replace(" ", "_"), "language": m["language"],
                "dialect": m["dialect"], "mode": m["mode"].replace(" ", "_"),
                "interpreter_gender": m["gender"], "agency_ref": m["agency"], "note": m["note"],
            }
        elif line.startswith(_OVERRIDE_PREFIX):
            override = line[len(_OVERRIDE_PREFIX):]
        else:
            keep.append(line)
    return "\n".join(keep) or None, override, interpreter



def _instant(value: Any) -> dt.datetime | None:
    """A FHIR dateTime/instant → naive practice-local time (as the appointment book stores)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(scheduling.LONDON).replace(tzinfo=None)
    return parsed


def _nhs_of(res: Json) -> str | None:
    for ident in res.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") == urls.NHS_NUMBER_SYSTEM:
            value = ident.get("value")
            return "".join(str(value).split()) if value else None
    return None


def _patient_key(res: Json) -> str | None:
    nhs = _nhs_of(res)
    return f"nhs:{nhs}" if nhs else _source_key(res)


def _patient_row(record: PatientRecord) -> Json:
    a, c, m = record.addresses, record.contact, record.communication
    return {
        "title": record.title, "given_name": record.given_name,
        "family_name": record.family_name,
        "name_key": name_key(record.given_name, record.family_name),
        "date_of_birth": record.date_of_birth, "dob_estimated": record.dob_estimated,
        "sex": record.sex.value,
        "usual_address": "\n".join(a.usual_lines) or None, "usual_postcode": a.usual_postcode,
        "no_fixed_abode": a.no_fixed_abode, "correspondence_kind": a.correspondence_kind.value,
        "correspondence_partner": a.correspondence_partner,
        "correspondence_address": "\n".join(a.correspondence_lines) or None,
        "correspondence_postcode": a.correspondence_postcode,
        "correspondence_from": a.correspondence_from, "correspondence_to": a.correspondence_to,
        "post_check_agreed_on": a.post_check_agreed_on,
        "contact_route": c.route.value if c.route else None, "phone": c.phone, "email": c.email,
        "keyworker_name": c.keyworker_name, "keyworker_phone": c.keyworker_phone,
        "keyworker_partner": c.keyworker_partner,
        "main_language": m.main_language, "dialect": m.dialect,
        "interpreter_needed": m.interpreter_needed,
        "interpreter_mode": m.interpreter_mode.value if m.interpreter_mode else None,
        "interpreter_gender": m.interpreter_gender.value if m.interpreter_gender else None,
        "no_family_interpreter": m.no_family_interpreter,
        "ethnicity_code": record.ethnicity_code,
    }


_FILE_ORDER = ("patient", "flag", "appointment")


def _file_rank(path: Path) -> int:
    """Patients' files first, then flags, appointments and events (references resolve)."""
    name = path.name.lower()
    for i, prefix in enumerate(_FILE_ORDER):
        if name.startswith(prefix):
            return i
    return len(_FILE_ORDER)
