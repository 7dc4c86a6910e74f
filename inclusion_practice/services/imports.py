"""The write side of data imports: the only way FHIR import (and any other bulk feed) reaches
storage.

The FHIR mapping layer checks and maps each resource; this service writes the results with the
same rules a receptionist's registration and booking follow:

- an imported patient who is new to the practice goes through the **duplicate check**
  (:class:`~inclusion_practice.domain.duplicates.DuplicateIndex`, the same rule reception sees);
  a batch cannot ask "new person or same person?", so each possible duplicate becomes a
  ``duplicate_review`` task for the practice and is listed in the import report;
- a new patient whose current registration started within the health-check window gets the
  **new-patient health check** task, as registering at the desk does (older registrations are
  history: their check belonged to the practice that held them then);
- an imported appointment must fit an uncancelled **session** of its clinician, use a channel the
  session offers, fall on a day the patient is **registered**, and may not take a slot another
  appointment holds (the appointment book's rules; only "not in the past" is waived, since
  imports carry history).

Rows are upserted by identity (NHS number, else the source system's key), so importing twice
changes nothing, and every write is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.attendance import HOLDS_SLOTS, AppointmentStatus
from inclusion_practice.domain.duplicates import DuplicateIndex, PersonFacts
from inclusion_practice.domain.patient_record import PatientRecord
from inclusion_practice.domain.registration import health_check_due
from inclusion_practice.domain.roles import Permission
from inclusion_practice.domain.span import covers
from inclusion_practice.services.access import require
from inclusion_practice.services.patients.rows import HEALTH_CHECK_TASK
from inclusion_practice.storage import fhir_store
from inclusion_practice.storage.bulk import table
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.fhir_store import UpsertCounts
from inclusion_practice.storage.guards import row_problems

__all__ = [
    "DUPLICATE_REVIEW_TASK", "ImportRun", "ImportService", "ImportWriter", "ImportedAppointment",
    "ImportedPatient", "PatientsWritten", "UpsertCounts", "row_problems",
]

T = TypeVar("T")
Json = dict[str, Any]

ACTION = "fhir_import"

DUPLICATE_REVIEW_TASK = "duplicate_review"
"""Task kind for an imported record that may be the same person as one already registered."""


@dataclass(frozen=True)
class ImportedPatient:
    """A checked patient: its table row, the record it maps to and its import key."""

    key: str
    row: Json
    record: PatientRecord
    location: str
    """Where the resource was in its source (for the report)."""


@dataclass(frozen=True)
class ImportedAppointment:
    """A checked appointment, its patient resolved."""

    patient_id: int
    clinician: str
    key: str
    row: Json
    location: str
    created: dt.datetime | None = None
    interpreter: Json | None = None


@dataclass
class PatientsWritten:
    """What :meth:`ImportWriter.register_patients` did."""

    counts: UpsertCounts
    ids: list[int]
    """One per patient given, in order."""
    possible_duplicates: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    """(location, ids of records that may be the same person) per new record."""
    health_checks: int = 0


class ImportWriter:
    """Writes inside one transaction (one batch, or a whole transaction Bundle)."""

    def __init__(self, run: ImportRun, uow: UnitOfWork) -> None:
        self._run = run
        self._uow = uow
        self._conn: Connection = uow.session.connection()
        self._actor = uow.actor
        assert self._actor is not None
        self._now = uow.clock.now()
        self._today = uow.clock.today()

    # ------------------------------------------------------------------ patients

    def register_patients(self, patients: Sequence[ImportedPatient]) -> PatientsWritten:
        """Upsert patients with their registration periods; new ones are duplicate-checked and
        given the health-check task when their registration is recent."""
        conn, actor, now = self._conn, self._actor, self._now
        assert actor is not None
        known_nhs, known_src, _ = fhir_store.patient_ids_by_keys(
            conn, nhs_numbers=[str(p.row["nhs_number"]) for p in patients if p.row.get("nhs_number")],
            source_ids=[str(p.row["source_id"]) for p in patients if p.row.get("source_id")])
        is_new = [not ((p.row.get("nhs_number") and str(p.row["nhs_number"]) in known_nhs)
                       or (p.row.get("source_id") and str(p.row["source_id"]) in known_src))
                  for p in patients]
        rows = []
        for p in patients:
            row = dict(p.row)
            row.setdefault("created_at", now)
            row["updated_at"] = now
            rows.append(row)
        index = self._run.duplicate_index(conn)  # before the upsert: the stored records only
        counts, ids = fhir_store.upsert(
            conn, actor, ACTION, "patient", rows, now, key="nhs_number", alt_key="source_id",
            keep=frozenset({"created_at", "updated_at", "source_id"}),
        )
        self._registrations(list(zip(ids, (p.record for p in patients), strict=True)))
        written = PatientsWritten(counts, ids)
        tasks: list[Json] = []
        seen: set[int] = set()
        window = self._run.config.registration.health_check_window_days
        for p, pid, new in zip(patients, ids, is_new, strict=True):
            if not new or pid in seen:
                continue
            seen.add(pid)
            facts = _facts(p.record, p.row, pid)
            found = tuple(c.patient_id for c in index.candidates(facts))
            index.add(facts)
            if found:
                written.possible_duplicates.append((p.location, found))
                tasks.append({"patient_id": pid, "kind": DUPLICATE_REVIEW_TASK,
                              "created_on": self._today, "due_date": self._today,
                              "status": "due",
                              "outcome": None})
            current = [r for r in p.record.registrations if covers(r.start, r.end, self._today)]
            if current:
                due = health_check_due(current[-1].start, window)
                if due >= self._today:
                    tasks.append({"patient_id": pid, "kind": HEALTH_CHECK_TASK,
                                  "created_on": self._today, "due_date": due, "status": "due",
                                  "outcome": None})
                    written.health_checks += 1
        fhir_store.upsert_plain_insert(conn, actor, ACTION, "task", tasks, now)
        return written

    def _registrations(self, records: list[tuple[int, PatientRecord]]) -> None:
        """Add registration periods the database does not have yet (history is never
        rewritten: a period is matched by its patient, kind and start)."""
        assert self._actor is not None
        t = table("registration")
        pids = sorted({pid for pid, _ in records})
        have: set[tuple[int, str, dt.date]] = set()
        for i in range(0, len(pids), fhir_store.CHUNK):
            have |= {(int(p), str(k), s) for p, k, s in self._conn.execute(
                select(t.c.patient_id, t.c.kind, t.c.start_date)
                .where(t.c.patient_id.in_(pids[i:i + fhir_store.CHUNK])))}
        rows = [
            {"patient_id": pid, "kind": r.kind.value, "start_date": r.start,
             "planned_end": r.planned_end, "end_date": r.end,
             "end_reason": r.end_reason.value if r.end_reason else None,
             "end_detail": r.end_detail, "created_at": self._now}
            for pid, record in records for r in record.registrations
            if (pid, r.kind.value, r.start) not in have
        ]
        # The same patient twice in one batch gives each period once.
        rows = list({(r["patient_id"], r["kind"], r["start_date"]): r for r in rows}.values())
        fhir_store.upsert_plain_insert(self._conn, self._actor, ACTION, "registration", rows,
                                       self._now)

    def patient_ids(self, *, nhs_numbers: Iterable[str] = (),
                    source_ids: Iterable[str] = ()) -> tuple[dict[str, int], dict[str, int]]:
        """Patients already stored (this transaction included), by NHS number and source key."""
        by_nhs, by_src, _ = fhir_store.patient_ids_by_keys(
            self._conn, nhs_numbers=nhs_numbers, source_ids=source_ids)
        return by_nhs, by_src

    # -------------------------------------------------------------- flags, events

    def record_flags(self, rows: Sequence[Json]) -> UpsertCounts:
        """Upsert inclusion-health flags (rows carry ``patient_id`` and ``source_id``)."""
        return self._upsert("flag", rows)

    def record_events(self, rows: Sequence[Json]) -> UpsertCounts:
        """Upsert coded clinical events (what the indicators count)."""
        assert self._actor is not None
        return self._upsert("clinical_event",
                            [dict(r, recorded_by=self._actor.username) for r in rows])

    def _upsert(self, name: str, rows: Sequence[Json]) -> UpsertCounts:
        assert self._actor is not None
        counts, _ = fhir_store.upsert(self._conn, self._actor, ACTION, name, list(rows),
                                      self._now)
        return counts

    # -------------------------------------------------------------- appointments

    def book(self, a: ImportedAppointment) -> UpsertCounts | tuple[str, str, str]:
        """Book (or update) one imported appointment with the appointment book's rules.

        Returns the counts, or ``(field, reason, issue code)`` when a rule refuses it."""
        conn, actor, now = self._conn, self._actor, self._now
        assert actor is not None
        start, end = a.row["start"], a.row["end"]
        sessions = fhir_store.sessions_covering(conn, a.clinician, start, end)
        if not sessions:
            return ("start", f"no session of {a.clinician} covers {start:%Y-%m-%d %H:%M}–"
                    f"{end:%H:%M} (generate the schedule first: schedule generate)", "not-found")
        session = sessions[0]
        offered = [c for c in str(session.get("channels") or "").split(",") if c]
        if offered and a.row["channel"] not in offered:
            return ("extension", f"session {session['id']} offers {', '.join(offered)}, not "
                    f"{a.row['channel']}", "business-rule")
        if not self._registered(a.patient_id, start.date()):
            return ("participant", f"the patient is not registered on {start.date()}: import "
                    "their registration first", "business-rule")
        slots = fhir_store.slots_between(conn, int(session["id"]), start, end)
        existing = fhir_store.existing_by(conn, "appointment", "source_id", [a.key])
        row = dict(a.row, patient_id=a.patient_id, session_id=int(session["id"]),
                   slot_count=max(len(slots), 1), booked_at=a.created or now,
                   booked_by=actor.username)
        holds = AppointmentStatus(row["status"]) in HOLDS_SLOTS
        if not existing and holds:
            taken = fhir_store.live_holds(conn, [int(s["id"]) for s in slots])
            if taken:
                return ("slot", f"the slot(s) at {start:%Y-%m-%d %H:%M} are already booked",
                        "conflict")
        counts, ids = fhir_store.upsert(conn, actor, ACTION, "appointment", [row], now,
                                        keep=frozenset({"booked_at", "booked_by"}))
        if not existing:
            fhir_store.add_holds(conn, actor, ACTION, now, ids[0],
                                 [int(s["id"]) for s in slots], live=holds)
            if a.interpreter:
                fhir_store.upsert_plain_insert(
                    conn, actor, ACTION, "interpreter_booking",
                    [dict(a.interpreter, appointment_id=ids[0], updated_at=now)], now)
        return counts

    def _registered(self, patient_id: int, day: dt.date) -> bool:
        t = table("registration")
        spans = self._conn.execute(
            select(t.c.start_date, t.c.end_date).where(t.c.patient_id == patient_id)).all()
        return any(covers(s, e, day) for s, e in spans)



class ImportService:
    """Bulk writes for imports. Needs an actor with ``IMPORT_DATA``."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self.config = config
        self.clock = clock

    def begin(self, actor: Actor | None) -> ImportRun:
        """One import run (one or several files): its transactions share the duplicate index."""
        require(actor, Permission.IMPORT_DATA)
        assert actor is not None
        return ImportRun(self._db, self.config, actor)

    def patient_ids(self, *, nhs_numbers: Iterable[str] = (),
                    source_ids: Iterable[str] = ()) -> tuple[dict[str, int], dict[str, int]]:
        """Stored patients by NHS number and by source key (a check without writing)."""
        with self._db.read() as uow:
            by_nhs, by_src, _ = fhir_store.patient_ids_by_keys(
                uow.session.connection(), nhs_numbers=nhs_numbers, source_ids=source_ids)
        return by_nhs, by_src


class ImportRun:
    """The transactions of one import run."""

    def __init__(self, db: Database, config: PracticeConfig, actor: Actor) -> None:
        self._db = db
        self.config = config
        self._actor = actor
        self._index: DuplicateIndex | None = None

    def write(self, fn: Callable[[ImportWriter], T], *, retries: int = 3) -> T:
        """Run ``fn`` with a writer in one transaction, committed when it returns."""
        def work(uow: UnitOfWork) -> T:
            return fn(ImportWriter(self, uow))

        try:
            return self._db.run_write(self._actor, ACTION, work, retries=retries)
        except BaseException:
            self._index = None  # it may hold records the rollback removed: reload next time
            raise

    def duplicate_index(self, conn: Connection) -> DuplicateIndex:
        """Every stored record's identifying facts, loaded once per run and kept up to date
        as the run adds records."""
        if self._index is None:
            t = table("patient")
            self._index = DuplicateIndex(
                PersonFacts(g, f, d, bool(e), s, n, int(i)) for i, g, f, d, e, s, n in
                conn.execute(select(t.c.id, t.c.given_name, t.c.family_name, t.c.date_of_birth,
                                    t.c.dob_estimated, t.c.sex, t.c.nhs_number)))
        return self._index


def _facts(record: PatientRecord, row: Json, pid: int) -> PersonFacts:
    return PersonFacts(record.given_name, record.family_name, record.date_of_birth,
                       record.dob_estimated, record.sex.value, row.get("nhs_number"), pid)
