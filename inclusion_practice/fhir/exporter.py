"""Export FHIR R4: Patient, Flag, Schedule, Slot, Appointment and MeasureReport, as one
``collection`` Bundle or as NDJSON, one file per resource type (bulk-data style).

Resources are built by the owning areas' mappings (``fhir.patient``, ``fhir.flag``,
``fhir.scheduling``, ``fhir.measure_report``) and streamed: rows are read in batches and written
as they are mapped, so memory does not grow with the practice. Flags go through the library's
role filter (:func:`inclusion_practice.services.flags.visible_flags`): restricted categories are
never exported for a non-clinical role.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput
from inclusion_practice.fhir import scheduling, urls
from inclusion_practice.fhir.flag import flag_to_fhir
from inclusion_practice.fhir.patient import patient_to_fhir
from inclusion_practice.services.exports import ExportReader, ExportScope

if TYPE_CHECKING:
    from inclusion_practice.services.indicators import IndicatorService
    from inclusion_practice.services.registry import PracticeServices

Json = dict[str, Any]
EXPORT_TYPES = ("Patient", "Flag", "Schedule", "Slot", "Appointment", "MeasureReport")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ExportFilter:
    """What to export: resource types, changes since a date, some patients only."""

    types: tuple[str, ...] = EXPORT_TYPES
    since: dt.date | None = None
    """Patients changed, flags current, slots and appointments starting on or after this day."""
    patient_ids: tuple[int, ...] | None = None
    measure_period: str | None = None
    """MeasureReports for this period (e.g. ``2025/26``); none unless given."""

    def __post_init__(self) -> None:
        bad = [t for t in self.types if t not in EXPORT_TYPES]
        if bad:
            raise InvalidInput("types", f"{', '.join(bad)}: can export {', '.join(EXPORT_TYPES)}")


@dataclass
class ExportSummary:
    counts: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    checkpoint: Path | None = None
    """The signed audit checkpoint the export wrote (None where there is no signing key)."""

    def lines(self) -> list[str]:
        out = [f"{t}: {n}" for t, n in self.counts.items()]
        out += [f"wrote {p}" for p in self.files]
        if self.checkpoint is not None:
            out.append(f"audit checkpoint {self.checkpoint}")
        return out


class FhirExporter:
    """Builds the export for one acting user (``EXPORT_DATA``), reading through the export
    service (:mod:`inclusion_practice.services.exports`)."""

    def __init__(self, services: PracticeServices) -> None:
        self._exports = services.exports
        self._audit = services.audit
        self._indicators = services.indicators
        self._config = services.config
        self._clock = services.clock

    def resources(self, actor: Actor | None, flt: ExportFilter = ExportFilter(),
                  *, permission: Permission = Permission.EXPORT_DATA) -> Iterator[Json]:
        """Every resource the filter selects, type by type, in id order."""
        reader = self._exports.reader(actor, permission)
        for rtype in flt.types:
            yield from self.of_type(rtype, reader, flt, actor)

    def of_type(self, rtype: str, reader: ExportReader, flt: ExportFilter,
                actor: Actor | None = None) -> Iterator[Json]:
        producer: dict[str, Callable[[ExportReader, ExportFilter], Iterator[Json]]] = {
            "Patient": self._patients,
            "Flag": self._flags,
            "Schedule": self._schedules,
            "Slot": self._slots,
            "Appointment": self._appointments,
        }
        if rtype == "MeasureReport":
            yield from self._measure_reports(actor, flt)
        else:
            yield from producer[rtype](reader, flt)

    # ----------------------------------------------------------------------- writers

    def write_bundle(self, actor: Actor | None, out: Path, flt: ExportFilter = ExportFilter(),
                     progress: Progress | None = None) -> ExportSummary:
        """One collection Bundle, written entry by entry."""
        self._exports.reader(actor)  # refused before the file is created or truncated
        summary = ExportSummary()
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            write_bundle_stream(fh, self._counted(self.resources(actor, flt), summary, progress),
                                self._clock.now())
        summary.files.append(out)
        self._checkpoint(summary)
        return summary

    def write_ndjson(self, actor: Actor | None, folder: Path, flt: ExportFilter = ExportFilter(),
                     progress: Progress | None = None) -> ExportSummary:
        """``<Type>.ndjson`` per resource type (files for empty types are not written)."""
        reader = self._exports.reader(actor)
        if folder.exists() and not folder.is_dir():
            raise InvalidInput("out", f"{folder} is a file: NDJSON is written to a folder")
        folder.mkdir(parents=True, exist_ok=True)
        summary = ExportSummary()
        for rtype in flt.types:
            path = folder / f"{rtype}.ndjson"
            n = 0
            with path.open("w", encoding="utf-8") as fh:
                for res in self.of_type(rtype, reader, flt, actor):
                    fh.write(json.dumps(res, ensure_ascii=False, separators=(",", ":")) + "\n")
                    n += 1
                    if progress:
                        progress(1)
            summary.counts[rtype] = n
            if n:
                summary.files.append(path)
            else:
                path.unlink()
        self._checkpoint(summary)
        return summary

    def _checkpoint(self, summary: ExportSummary) -> None:
        """Every export leaves a signed checkpoint of the audit chain outside the database."""
        written = self._audit.checkpoint("FHIR export")
        if written is not None:
            summary.checkpoint = written

    @staticmethod
    def _counted(items: Iterable[Json], summary: ExportSummary,
                 progress: Progress | None) -> Iterator[Json]:
        for res in items:
            rtype = str(res["resourceType"])
            summary.counts[rtype] = summary.counts.get(rtype, 0) + 1
            if progress:
                progress(1)
            yield res

    # -------------------------------------------------------------------- producers

    @staticmethod
    def _scope(flt: ExportFilter) -> ExportScope:
        return ExportScope(flt.patient_ids, flt.since)

    def _patients(self, reader: ExportReader, flt: ExportFilter) -> Iterator[Json]:
        today = self._clock.today()
        for page in reader.patient_pages(self._scope(flt)):
            for record in page:
                yield patient_to_fhir(record, self._config, today=today)

    def _flags(self, reader: ExportReader, flt: ExportFilter) -> Iterator[Json]:
        today = self._clock.today()
        for by_patient in reader.flag_pages(flt.patient_ids):
            for pid in sorted(by_patient):
                for flag in by_patient[pid]:
                    if flt.since is not None and flag.end is not None and flag.end < flt.since:
                        continue
                    yield flag_to_fhir(flag, today=today)

    def _schedules(self, reader: ExportReader, flt: ExportFilter) -> Iterator[Json]:
        spans = reader.clinician_spans(self._scope(flt))
        for code in sorted(spans):
            clinician = self._config.clinician(code)
            if clinician is None:
                continue
            yield scheduling.schedule_resource(clinician, *spans[code])

    def _slots(self, reader: ExportReader, flt: ExportFilter) -> Iterator[Json]:
        for slot, info in reader.slots(self._scope(flt)):
            yield scheduling.slot_resource(slot, info)

    def _appointments(self, reader: ExportReader, flt: ExportFilter) -> Iterator[Json]:
        for page in reader.appointment_pages(self._scope(flt)):
            for info in page:
                yield scheduling.appointment_resource(info, self._config.clinician(info.clinician))

    def _measure_reports(self, actor: Actor | None, flt: ExportFilter) -> Iterator[Json]:
        if flt.measure_period is None:
            return
        yield from measure_reports(self._indicators, self._config, self._clock, actor,
                                   flt.measure_period)


def measure_reports(indicators: IndicatorService, config: PracticeConfig, clock: Clock,
                    actor: Actor | None, period: Period | str,
                    indicator_ids: Sequence[str] | None = None) -> Iterator[Json]:
    """Summary MeasureReports of the practice's indicator set for ``period``."""
    from inclusion_practice.fhir.measure_report import measure_report

    result = indicators.run(actor, period)
    generated = clock.now()
    for r in result.results:
        if indicator_ids is not None and r.indicator_id not in indicator_ids:
            continue
        yield measure_report(
            r, result.period.start.isoformat(), result.period.end.isoformat(),
            ods_code=config.practice.ods_code, practice_name=config.practice.name,
            generated_at=generated,
        )


def write_bundle_stream(fh: IO[str], resources: Iterable[Json], now: dt.datetime) -> None:
    """Write a collection Bundle to ``fh`` one entry at a time."""
    fh.write('{"resourceType":"Bundle","type":"collection",')
    fh.write(f'"timestamp":{json.dumps(scheduling.instant(now))},"entry":[')
    first = True
    for res in resources:
        entry = {"fullUrl": f"{urls.BASE}/{res['resourceType']}/{res['id']}", "resource": res}
        fh.write(("" if first else ",\n") + json.dumps(entry, ensure_ascii=False,
                                                        separators=(",", ":")))
        first = False
    fh.write("]}\n")
