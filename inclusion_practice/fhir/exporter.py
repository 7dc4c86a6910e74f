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
from typing import IO, Any

from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.roles import Permission, Role
from inclusion_practice.errors import InvalidInput
from inclusion_practice.fhir import scheduling, urls
from inclusion_practice.fhir.flag import flag_to_fhir
from inclusion_practice.fhir.patient import patient_to_fhir
from inclusion_practice.services.access import require
from inclusion_practice.services.appointments import appointment_info
from inclusion_practice.services.flags import visible_flags
from inclusion_practice.services.patients import record_from_row
from inclusion_practice.services.schedule import SlotInfo, session_info
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import (
    Appointment,
    ClinicSession,
    Patient,
    Registration,
    Slot,
    SlotHold,
)

Json = dict[str, Any]
EXPORT_TYPES = ("Patient", "Flag", "Schedule", "Slot", "Appointment", "MeasureReport")
PAGE = 1000
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

    def lines(self) -> list[str]:
        out = [f"{t}: {n}" for t, n in self.counts.items()]
        out += [f"wrote {p}" for p in self.files]
        return out


class FhirExporter:
    """Builds the export for one acting user (``EXPORT_DATA``)."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def resources(self, actor: Actor | None, flt: ExportFilter = ExportFilter(),
                  *, permission: Permission = Permission.EXPORT_DATA) -> Iterator[Json]:
        """Every resource the filter selects, type by type, in id order."""
        role = require(actor, permission)
        for rtype in flt.types:
            yield from self.of_type(rtype, role, flt, actor)

    def of_type(self, rtype: str, role: Role, flt: ExportFilter,
                actor: Actor | None = None) -> Iterator[Json]:
        producer: dict[str, Callable[[Role, ExportFilter], Iterator[Json]]] = {
            "Patient": self._patients,
            "Flag": self._flags,
            "Schedule": self._schedules,
            "Slot": self._slots,
            "Appointment": self._appointments,
        }
        if rtype == "MeasureReport":
            yield from self._measure_reports(actor, flt)
        else:
            yield from producer[rtype](role, flt)

    # ----------------------------------------------------------------------- writers

    def write_bundle(self, actor: Actor | None, out: Path, flt: ExportFilter = ExportFilter(),
                     progress: Progress | None = None) -> ExportSummary:
        """One collection Bundle, written entry by entry."""
        require(actor, Permission.EXPORT_DATA)  # before the file is created or truncated
        summary = ExportSummary()
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            write_bundle_stream(fh, self._counted(self.resources(actor, flt), summary, progress),
                                self._clock.now())
        summary.files.append(out)
        return summary

    def write_ndjson(self, actor: Actor | None, folder: Path, flt: ExportFilter = ExportFilter(),
                     progress: Progress | None = None) -> ExportSummary:
        """``<Type>.ndjson`` per resource type (files for empty types are not written)."""
        role = require(actor, Permission.EXPORT_DATA)
        if folder.exists() and not folder.is_dir():
            raise InvalidInput("out", f"{folder} is a file: NDJSON is written to a folder")
        folder.mkdir(parents=True, exist_ok=True)
        summary = ExportSummary()
        for rtype in flt.types:
            path = folder / f"{rtype}.ndjson"
            n = 0
            with path.open("w", encoding="utf-8") as fh:
                for res in self.of_type(rtype, role, flt, actor):
                    fh.write(json.dumps(res, ensure_ascii=False, separators=(",", ":")) + "\n")
                    n += 1
                    if progress:
                        progress(1)
            summary.counts[rtype] = n
            if n:
                summary.files.append(path)
            else:
                path.unlink()
        return summary

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

    def _patient_pages(self, flt: ExportFilter) -> Iterator[tuple[UnitOfWork, list[Patient]]]:
        last = 0
        while True:
            with self._db.read() as uow:
                stmt = select(Patient).where(col(Patient.id) > last)
                if flt.patient_ids is not None:
                    stmt = stmt.where(col(Patient.id).in_(flt.patient_ids))
                if flt.since is not None:
                    stmt = stmt.where(
                        Patient.updated_at >= dt.datetime.combine(flt.since, dt.time.min)
                    )
                rows = list(uow.session.exec(stmt.order_by(col(Patient.id)).limit(PAGE)).all())
                if not rows:
                    return
                yield uow, rows
                last = int(rows[-1].id or 0)

    def _patients(self, role: Role, flt: ExportFilter) -> Iterator[Json]:
        today = self._clock.today()
        for uow, rows in self._patient_pages(flt):
            ids = [int(r.id or 0) for r in rows]
            regs: dict[int, list[Registration]] = {}
            for reg in uow.session.exec(
                select(Registration).where(col(Registration.patient_id).in_(ids))
                .order_by(col(Registration.start_date), col(Registration.id))
            ).all():
                regs.setdefault(reg.patient_id, []).append(reg)
            for row in rows:
                record = record_from_row(row, regs.get(int(row.id or 0), []))
                yield patient_to_fhir(record, self._config, today=today)

    def _flags(self, role: Role, flt: ExportFilter) -> Iterator[Json]:
        today = self._clock.today()
        unfiltered = ExportFilter(types=("Patient",), patient_ids=flt.patient_ids)
        for uow, rows in self._patient_pages(unfiltered):
            by_patient = visible_flags(uow.session, self._config, role,
                                       [int(r.id or 0) for r in rows], include_ended=True)
            for pid in sorted(by_patient):
                for flag in by_patient[pid]:
                    if flt.since is not None and flag.end is not None and flag.end < flt.since:
                        continue
                    yield flag_to_fhir(flag, today=today)

    def _sessions(self, uow: UnitOfWork, flt: ExportFilter) -> list[ClinicSession]:
        stmt = select(ClinicSession)
        if flt.since is not None:
            stmt = stmt.where(ClinicSession.session_date >= flt.since)
        return list(uow.session.exec(stmt.order_by(col(ClinicSession.id))).all())

    def _patient_slot_ids(self, uow: UnitOfWork, flt: ExportFilter) -> set[int] | None:
        if flt.patient_ids is None:
            return None
        stmt = (select(SlotHold.slot_id).join(Appointment, col(Appointment.id) ==
                                              col(SlotHold.appointment_id))
                .where(col(Appointment.patient_id).in_(flt.patient_ids)))
        return {int(s) for s in uow.session.exec(stmt).all()}

    def _schedules(self, role: Role, flt: ExportFilter) -> Iterator[Json]:
        with self._db.read() as uow:
            wanted = self._patient_slot_ids(uow, flt)
            spans: dict[str, tuple[dt.date, dt.date]] = {}
            for s in self._sessions(uow, flt):
                if wanted is not None:
                    ids = set(uow.session.exec(select(Slot.id).where(Slot.session_id == s.id)))
                    if not ids & wanted:
                        continue
                lo, hi = spans.get(s.clinician_code, (s.session_date, s.session_date))
                spans[s.clinician_code] = (min(lo, s.session_date), max(hi, s.session_date))
        for code in sorted(spans):
            clinician = self._config.clinician(code)
            if clinician is None:
                continue
            yield scheduling.schedule_resource(clinician, *spans[code])

    def _slots(self, role: Role, flt: ExportFilter) -> Iterator[Json]:
        with self._db.read() as uow:
            sessions = self._sessions(uow, flt)
            wanted = self._patient_slot_ids(uow, flt)
        for s in sessions:
            with self._db.read() as uow:
                rows = list(uow.session.exec(
                    select(Slot).where(Slot.session_id == s.id).order_by(col(Slot.seq))).all())
                ids = [int(r.id or 0) for r in rows]
                active = {int(a) for a in uow.session.exec(
                    select(SlotHold.active_slot_id).where(col(SlotHold.active_slot_id).in_(ids))
                ).all() if a is not None}
            info = session_info(s)
            for r in rows:
                if wanted is not None and r.id not in wanted:
                    continue
                slot = SlotInfo(id=int(r.id or 0), session_id=r.session_id, seq=r.seq,
                                start=r.start, end=r.end, free=r.id not in active,
                                blocked=r.blocked)
                yield scheduling.slot_resource(slot, info)

    def _appointments(self, role: Role, flt: ExportFilter) -> Iterator[Json]:
        last = 0
        while True:
            with self._db.read() as uow:
                stmt = select(Appointment).where(col(Appointment.id) > last)
                if flt.patient_ids is not None:
                    stmt = stmt.where(col(Appointment.patient_id).in_(flt.patient_ids))
                if flt.since is not None:
                    stmt = stmt.where(
                        Appointment.start >= dt.datetime.combine(flt.since, dt.time.min)
                    )
                rows = list(uow.session.exec(stmt.order_by(col(Appointment.id)).limit(PAGE)))
                if not rows:
                    return
                infos = [appointment_info(uow, r) for r in rows]
            for info in infos:
                yield scheduling.appointment_resource(info, self._config.clinician(info.clinician))
            last = int(rows[-1].id or 0)

    def _measure_reports(self, actor: Actor | None, flt: ExportFilter) -> Iterator[Json]:
        if flt.measure_period is None:
            return
        yield from measure_reports(self._db, self._config, self._clock, actor, flt.measure_period)


def measure_reports(db: Database, config: PracticeConfig, clock: Clock, actor: Actor | None,
                    period: Period | str, indicator_ids: Sequence[str] | None = None) -> Iterator[Json]:
    """Summary MeasureReports of the practice's indicator set for ``period``."""
    from inclusion_practice.fhir.measure_report import measure_report
    from inclusion_practice.services.indicators import IndicatorService

    result = IndicatorService(db, config, clock).run(actor, period)
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
