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

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from inclusion_practice.domain.actor import Actor
from inclusion_practice.fhir.import_checks import (
    EVENT_SUBJECT_FIELD,
    EVENT_TYPES,
    SKIPPED,
    SUPPORTED,
    Json,
    Plan,
    Progress,
    Refs,
    ResourceChecker,
    nhs_of,
    patient_key,
)
from inclusion_practice.fhir.import_report import ImportRefused, ImportReport, Problem
from inclusion_practice.fhir.import_sources import Source, bundle_source, file_rank, open_source
from inclusion_practice.services.imports import (
    ImportedAppointment,
    ImportedPatient,
    ImportRun,
    ImportWriter,
)

if TYPE_CHECKING:
    from inclusion_practice.services.registry import PracticeServices

__all__ = [
    "BATCH", "EVENT_TYPES", "SKIPPED", "SUPPORTED", "FhirImporter", "ImportRefused",
    "ImportReport", "Problem",
]

BATCH = 1000
"""Resources per write transaction (collections and NDJSON)."""


class FhirImporter:
    """Checks and writes imported resources. Needs an actor with ``IMPORT_DATA``.

    Reading is :mod:`~inclusion_practice.fhir.import_sources`, checking and mapping
    :mod:`~inclusion_practice.fhir.import_checks`, writing the import service
    (:mod:`inclusion_practice.services.imports`): this class only runs them in order."""

    def __init__(self, services: PracticeServices) -> None:
        self._imports = services.imports
        self._checker = ResourceChecker(services.config, services.clock)

    # ------------------------------------------------------------------------ public API

    def import_files(
        self, actor: Actor | None, paths: Iterable[Path], *, progress: Progress | None = None,
        raise_on_refused: bool = False,
    ) -> list[ImportReport]:
        """Import several files in one run (patient references carry across the files, so
        ``Patient.ndjson`` then ``Observation.ndjson`` works). Patients' files go first."""
        run = self._imports.begin(actor)
        sources = [open_source(p) for p in paths]
        sources.sort(key=lambda s: file_rank(Path(s.name)))
        refs = Refs()
        out = []
        for src in sources:
            report = self._run(run, src, refs, progress)
            if raise_on_refused and src.kind == "transaction" and not report.committed:
                raise ImportRefused(report)
            out.append(report)
        return out

    def import_file(self, actor: Actor | None, path: Path, *,
                    progress: Progress | None = None) -> ImportReport:
        return self.import_files(actor, [path], progress=progress)[0]

    def import_bundle(self, actor: Actor | None, bundle: Json) -> ImportReport:
        """Import a Bundle held in memory (the REST API's POST)."""
        run = self._imports.begin(actor)
        return self._run(run, bundle_source(bundle), Refs(), None)

    def import_resources(
        self, actor: Actor | None, resources: Iterable[Json], *, atomic: bool = False,
    ) -> ImportReport:
        """Import resources already parsed (tests, scripts)."""
        items = list(resources)
        bundle = {"resourceType": "Bundle", "type": "transaction" if atomic else "collection",
                  "entry": [{"resource": r} for r in items]}
        return self.import_bundle(actor, bundle)

    def check_file(self, path: Path) -> ImportReport:
        """Validate without writing and without a database lookup of references (reads no
        practice data, so it needs no permission)."""
        src = open_source(path)
        report = ImportReport(src.name, src.kind)
        refs = Refs()
        self._learn(src, refs, report)
        for entry in src.entries():
            report.read += 1
            skipped = report.skipped
            plan = self._checker.check(entry, report, refs)
            if plan is None and report.skipped == skipped:
                report.rejected += 1
        return report

    # ------------------------------------------------------------------------- machinery

    @staticmethod
    def _learn(src: Source, refs: Refs, report: ImportReport) -> None:
        """Pre-scan: the patients this source defines, so references resolve in any order;
        a fullUrl used twice is refused (a reference to it would be ambiguous)."""
        first_at: dict[str, str] = {}
        for entry in src.entries():
            if entry.full_url:
                if entry.full_url in first_at:
                    report.add_problem(Problem(
                        f"{entry.location.removesuffix('.resource')}.fullUrl",
                        f"{entry.full_url!r} is also the fullUrl of "
                        f"{first_at[entry.full_url]}: each entry needs its own", "invariant"))
                else:
                    first_at[entry.full_url] = entry.location.removesuffix(".resource")
            res = entry.resource
            if res is not None and res.get("resourceType") == "Patient":
                key = patient_key(res)
                if key:
                    refs.learn(entry, res, key, nhs_of(res))

    def _run(self, run: ImportRun, src: Source, refs: Refs,
             progress: Progress | None) -> ImportReport:
        report = ImportReport(src.name, src.kind)
        self._learn(src, refs, report)
        if src.kind == "transaction":
            for batch in self._batches(src, report, refs, progress, count=True):
                resolved = self._resolve(None, batch, report, refs, check_only=True)
                report.rejected += sum(1 for p in batch if p.patient_ref
                                       and p.patient_ref not in resolved)
            if not report.ok:
                return report

            def work(writer: ImportWriter) -> None:
                for batch in self._batches(src, ImportReport(src.name, src.kind), refs, None,
                                           count=False):
                    self._write(writer, batch, report, refs)

            run.write(work, retries=0)
            report.committed = True
            return report
        if not report.ok:  # a duplicate fullUrl: which entry a reference means is unknown
            report.rejected = sum(1 for _ in src.entries())
            return report
        for batch in self._batches(src, report, refs, progress, count=True):
            def work_batch(writer: ImportWriter, batch: list[Plan] = batch) -> None:
                self._write(writer, batch, report, refs)

            run.write(work_batch)
        report.committed = True
        return report

    def _batches(
        self, src: Source, report: ImportReport, refs: Refs, progress: Progress | None,
        *, count: bool,
    ) -> Iterator[list[Plan]]:
        """Checked plans in batches: all patients first (one pass), then everything else."""
        for patients_only in (True, False):
            batch: list[Plan] = []
            for entry in src.entries():
                rtype = (entry.resource or {}).get("resourceType")
                if (rtype == "Patient") is not patients_only:
                    continue
                if count:
                    report.read += 1
                skipped = report.skipped
                plan = self._checker.check(entry, report, refs)
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

    def _resolve(self, writer: ImportWriter | None, batch: list[Plan], report: ImportReport,
                 refs: Refs, *, check_only: bool) -> dict[str, int]:
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
        if nhs or src:
            lookup = writer.patient_ids if writer is not None else self._imports.patient_ids
            by_nhs, by_src = lookup(nhs_numbers=nhs, source_ids=src)
            out.update({f"nhs:{k}": v for k, v in by_nhs.items()})
            out.update(by_src)
        for p in batch:
            if p.patient_ref and p.patient_ref not in out:
                report.add_problem(Problem(
                    f"{p.entry.location}.{EVENT_SUBJECT_FIELD.get(p.rtype, 'subject')}",
                    f"patient {p.patient_ref!r} is neither in this import nor in the database "
                    "(import the patients first)", "not-found"))
        return out

    def _write(self, writer: ImportWriter, batch: list[Plan], report: ImportReport,
               refs: Refs) -> None:
        patients = [p for p in batch if p.rtype == "Patient"]
        if patients:
            written = writer.register_patients([
                ImportedPatient(p.key, p.row, p.record, p.entry.location)
                for p in patients if p.record is not None])
            report.counts.add(written.counts)
            report.possible_duplicates += written.possible_duplicates
            report.health_checks += written.health_checks
            for p, pid in zip(patients, written.ids, strict=True):
                refs.ids[p.key] = pid
        others = [p for p in batch if p.rtype != "Patient"]
        if not others:
            return
        ids_by_ref = self._resolve(writer, others, report, refs, check_only=False)
        ok = [p for p in others if p.patient_ref in ids_by_ref]
        report.rejected += len(others) - len(ok)
        flags: list[Json] = []
        events: list[Json] = []
        for p in ok:
            pid = ids_by_ref[str(p.patient_ref)]
            if p.rtype == "Appointment":
                outcome = writer.book(ImportedAppointment(
                    pid, p.extra["clinician"], p.key, p.row, p.entry.location,
                    p.extra.get("created"), p.extra.get("interpreter")))
                if isinstance(outcome, tuple):
                    where, why, code = outcome
                    report.rejected += 1
                    report.add_problem(Problem(f"{p.entry.location}.{where}", why, code))
                else:
                    report.counts.add(outcome)
                continue
            (flags if p.rtype == "Flag" else events).append(dict(p.row, patient_id=pid))
        if flags:
            report.counts.add(writer.record_flags(flags))
        if events:
            report.counts.add(writer.record_events(events))
