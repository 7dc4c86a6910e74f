"""A terminal or an import killed outright (SIGKILL: no cleanup, no rollback by us) leaves the
database consistent, and each operation either fully happened or not at all.

Each case runs the operation in a separate process (a "forkserver" child, so it has its own
connections like a real terminal) and kills it at a chosen point *inside* the transaction —
after the rows were written, before the commit — or at a random moment in a stream of
operations. Then the database is reopened ("restart") and checked: SQLite's integrity and
foreign-key checks pass, the audit chain is intact, every appointment holds exactly its slots,
nothing of the killed operation is visible, and the practice can carry on (the killed slot can
be booked; the import can be run again and completes).
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, text
from sqlmodel import col, select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import example_config_text, parse_config
from inclusion_practice.domain.actor import Actor
from inclusion_practice.fhir import urls
from inclusion_practice.fhir.importer import FhirImporter
from inclusion_practice.services.patients import NewPatient
from inclusion_practice.storage.bulk import table
from inclusion_practice.storage.database import Database
from inclusion_practice.storage.tables import Appointment, AuditEvent, Patient, SlotHold

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 23, 9, 0)
KILLED = -signal.SIGKILL
IMPORT_PATIENTS = 120
IMPORT_BATCH = 50
"""The importer's batch size in the child: 120 patients make three batches."""


# ------------------------------------------------------------------------ child processes


def _open(url: str) -> InclusionPractice:
    clock = FixedClock(NOW)
    return InclusionPractice(Database(url, clock=clock), parse_config(example_config_text()),
                             clock)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _book_then_die_before_commit(url: str, patient: int, slot: int) -> None:
    """Book, but die after every row of the booking is flushed and before the commit."""
    from inclusion_practice.services.appointments import AppointmentService

    real = AppointmentService._book_in

    def dying(self: Any, uow: Any, *args: Any, **kwargs: Any) -> Any:
        real(self, uow, *args, **kwargs)
        uow.flush()
        _die()

    AppointmentService._book_in = dying  # type: ignore[method-assign]
    _open(url).appointments.book(Actor("reception1", "receptionist"), patient, [slot])


def _book_until_killed(url: str, patient: int, slots: list[int], out: Any) -> None:
    """Book one slot after another, reporting each booking the library said was done.

    ``out`` is the sending end of a pipe: ``send`` writes before it returns, so a kill can lose
    at most the booking that committed before its report (a Queue's feeder thread could lose
    several, which made this test fail now and then on a loaded machine)."""
    ip = _open(url)
    actor = Actor("reception1", "receptionist")
    for slot in slots:
        out.send(ip.appointments.book(actor, patient, [slot]).appointment.id)


def _import_then_die(url: str, path: str, die_on_write: int) -> None:
    """Import a file, dying inside the ``die_on_write``-th batch write (rows written, not
    committed)."""
    import inclusion_practice.fhir.importer as importer

    importer.BATCH = IMPORT_BATCH
    real = importer.FhirImporter._write
    calls = [0]

    def dying(self: Any, writer: Any, *args: Any, **kwargs: Any) -> None:
        real(self, writer, *args, **kwargs)
        calls[0] += 1
        if calls[0] == die_on_write:
            writer._uow.flush()
            _die()

    importer.FhirImporter._write = dying  # type: ignore[method-assign]
    ip = _open(url)
    FhirImporter(ip.services).import_file(Actor("admin1", "admin"), Path(path))


def _generate_then_die(url: str, patients: int, batch: int, die_on_batch: int) -> None:
    """Load a synthetic practice, dying inside the ``die_on_batch``-th batch transaction."""
    from array import array

    import inclusion_practice.synthetic.generator as generator
    from inclusion_practice.storage import bulk

    # The full table of valid test-range NHS numbers takes seconds to build; a slice of it
    # serves 60 patients (still valid 999-range numbers).
    generator._valid_test_range_bases = lambda: array(  # type: ignore[assignment]
        "i", (b for b in range(2000) if generator.nhs_check_digit(f"999{b:06d}") is not None))
    real = bulk.insert_batch
    calls = [0]

    def dying(*args: Any, **kwargs: Any) -> int:
        written = real(*args, **kwargs)
        calls[0] += 1
        if calls[0] == die_on_batch:
            _die()
        return written

    bulk.insert_batch = dying  # type: ignore[assignment]
    ip = _open(url)
    generator.generate_practice(ip.db, ip.config, patients=patients, batch_size=batch,
                                with_users=False)


def _run_child(target: Callable[..., None], *args: Any) -> mp.process.BaseProcess:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["inclusion_practice.api", "tests.test_crash_safety"])
    proc = ctx.Process(target=target, args=args)
    proc.start()
    return proc


def _killed(proc: mp.process.BaseProcess) -> None:
    proc.join(timeout=120)
    assert proc.exitcode == KILLED, f"the child was not killed (exit code {proc.exitcode})"


# ------------------------------------------------------------------------ checks


def _consistent(url: str) -> InclusionPractice:
    """Reopen the database as after a restart and check it is consistent."""
    ip = _open(url)
    if ip.db.dialect == "sqlite":
        with ip.db.connection() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    check = ip.audit.verify()
    assert check.ok, check
    with ip.db.read() as uow:
        live = [h for h in uow.session.exec(select(SlotHold)).all()
                if h.active_slot_id is not None]
        assert len({h.active_slot_id for h in live}) == len(live)
        for appt in uow.session.exec(select(Appointment)).all():
            held = [h for h in live if h.appointment_id == appt.id]
            assert len(held) == (appt.slot_count if appt.status == "booked" else 0), appt.id
    return ip


def _counts(ip: InclusionPractice) -> dict[str, int]:
    with ip.db.connection() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
            for name in ("patient", "registration", "task", "flag", "clinical_event",
                         "appointment", "slot_hold", "audit_event")
        }


def _audited(ip: InclusionPractice, action: str, entity: str) -> list[str]:
    with ip.db.read() as uow:
        return list(uow.session.exec(
            select(AuditEvent.entity_id).where(AuditEvent.action == action,
                                               AuditEvent.entity == entity)).all())


def _week_of_slots(ip: InclusionPractice, manager: Actor) -> list[int]:
    ip.schedule.generate(manager, weeks=1)
    return [s.id for session in ip.schedule.sessions(NOW.date(), NOW.date() + dt.timedelta(days=6))
            for s in ip.schedule.slots(session.id) if s.start > NOW and not s.blocked]


def _patient(ip: InclusionPractice, actor: Actor) -> int:
    return int(ip.patients.register(actor, NewPatient(
        given_name="Killian", family_name="Crashtest", sex="male",
        date_of_birth=dt.date(1979, 9, 9))).patient.id or 0)


# ------------------------------------------------------------------------ booking


def test_a_terminal_killed_inside_a_booking_leaves_no_trace_and_the_slot_free(
    ip: InclusionPractice, actors: dict[str, Actor], db_url: str
) -> None:
    slots = _week_of_slots(ip, actors["manager"])
    pid = _patient(ip, actors["receptionist"])
    before = _counts(ip)

    _killed(_run_child(_book_then_die_before_commit, db_url, pid, slots[0]))

    after = _consistent(db_url)
    assert _counts(after) == before
    assert _audited(after, "book_appointment", "appointment") == []
    # The killed terminal held the slot's lock: after the restart it is free to book.
    booked = after.appointments.book(actors["receptionist"], pid, [slots[0]])
    assert booked.appointment.slot_ids == (slots[0],)
    after.close()


def test_a_terminal_killed_at_a_random_moment_while_booking_leaves_only_whole_bookings(
    ip: InclusionPractice, actors: dict[str, Actor], db_url: str
) -> None:
    slots = _week_of_slots(ip, actors["manager"])
    pid = _patient(ip, actors["receptionist"])
    rng = random.Random(7)
    reported: list[int] = []
    for round_ in range(3):
        ctx = mp.get_context("forkserver")
        received, out = ctx.Pipe(duplex=False)
        mine = slots[round_ * 30:(round_ + 1) * 30]
        proc = _run_child(_book_until_killed, db_url, pid, mine, out)
        for _ in range(2):  # it is booking now
            assert received.poll(60), "the child reported no booking within a minute"
            reported.append(received.recv())
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(proc.pid or 0, signal.SIGKILL)
        _killed(proc)
        while received.poll(0):
            try:
                reported.append(received.recv())
            except EOFError:
                break

        ip_after = _consistent(db_url)
        with ip_after.db.read() as uow:
            appointments = {a.id: a for a in uow.session.exec(select(Appointment)).all()}
            hold_ids = {h.id: h.appointment_id for h in uow.session.exec(select(SlotHold)).all()}
        # Every booking the terminal was told about is there; at most one more committed
        # just before the kill; each is whole: its hold and its audit rows.
        assert set(reported) <= set(appointments)
        assert len(appointments) - len(set(reported)) <= 1
        assert sorted(map(int, _audited(ip_after, "book_appointment", "appointment"))) == sorted(
            i for i in appointments if i is not None)
        assert sorted(map(int, _audited(ip_after, "book_appointment", "slot_hold"))) == sorted(
            i for i in hold_ids if i is not None)
        assert set(hold_ids.values()) == set(appointments)
        ip_after.close()
    # And booking carries on after the restarts.
    free = [s for s in slots[90:] if s]
    assert ip.appointments.book(actors["receptionist"], pid, [free[0]]).appointment.id


# ------------------------------------------------------------------------ imports


def _import_file(tmp_path: Path, kind: str) -> Path:
    """IMPORT_PATIENTS synthetic patients, each with one coded event (no real data)."""
    resources: list[dict[str, Any]] = []
    for i in range(IMPORT_PATIENTS):
        resources.append({
            "resourceType": "Patient", "id": f"crash-{i}",
            "name": [{"family": f"Crashova{chr(97 + i % 26)}", "given": [f"Ilse{chr(97 + i // 26)}"]}],
            "gender": "female", "birthDate": f"{1950 + i % 50}-0{1 + i % 9}-1{i % 9}",
        })
        resources.append({
            "resourceType": "Observation", "id": f"crash-obs-{i}", "status": "final",
            "code": {"coding": [{"system": urls.SNOMED, "code": "1108171000000102"}]},
            "subject": {"reference": f"Patient/crash-{i}"}, "effectiveDateTime": "2026-10-01",
        })
    if kind == "ndjson":
        path = tmp_path / "crash.ndjson"
        path.write_text("\n".join(json.dumps(r) for r in resources) + "\n", encoding="utf-8")
    else:
        path = tmp_path / "crash-bundle.json"
        path.write_text(json.dumps({
            "resourceType": "Bundle", "type": "transaction",
            "entry": [{"resource": r, "request": {"method": "PUT",
                                                   "url": f"{r['resourceType']}/{r['id']}"}}
                      for r in resources]}), encoding="utf-8")
    return path


def test_an_import_killed_inside_a_transaction_bundle_writes_nothing_and_can_be_rerun(
    ip: InclusionPractice, actors: dict[str, Actor], db_url: str, tmp_path: Path
) -> None:
    path = _import_file(tmp_path, "transaction")
    before = _counts(ip)

    _killed(_run_child(_import_then_die, db_url, str(path), 2))  # 100 patients written, then

    after = _consistent(db_url)
    assert _counts(after) == before
    report = FhirImporter(after.services).import_file(actors["admin"], path)
    assert report.committed and report.ok, report.problems
    counts = _counts(after)
    assert counts["patient"] == before["patient"] + IMPORT_PATIENTS
    assert counts["clinical_event"] == before["clinical_event"] + IMPORT_PATIENTS
    assert _consistent(db_url).audit.verify().ok
    after.close()


def test_an_ndjson_import_killed_between_batches_keeps_whole_batches_and_rerunning_completes_it(
    ip: InclusionPractice, actors: dict[str, Actor], db_url: str, tmp_path: Path
) -> None:
    path = _import_file(tmp_path, "ndjson")
    before = _counts(ip)

    _killed(_run_child(_import_then_die, db_url, str(path), 2))  # batch 1 committed; 2 not

    after = _consistent(db_url)
    got = _counts(after)
    assert got["patient"] - before["patient"] == IMPORT_BATCH
    assert got["clinical_event"] == before["clinical_event"]
    with after.db.read() as uow:
        kept = uow.session.exec(select(Patient.source_id).where(
            col(Patient.source_id).is_not(None))).all()
    assert len(kept) == IMPORT_BATCH
    # Import is idempotent: running it again adds exactly what is missing.
    report = FhirImporter(after.services).import_file(actors["admin"], path)
    assert report.ok, report.problems
    assert report.counts.created == {"patient": IMPORT_PATIENTS - IMPORT_BATCH,
                                     "clinical_event": IMPORT_PATIENTS}
    final = _counts(after)
    assert final["patient"] == before["patient"] + IMPORT_PATIENTS
    assert final["clinical_event"] == before["clinical_event"] + IMPORT_PATIENTS
    after.close()


def test_a_synthetic_load_killed_mid_batch_keeps_whole_batches_and_the_practice_carries_on(
    ip: InclusionPractice, actors: dict[str, Actor], db_url: str
) -> None:
    before = _counts(ip)

    _killed(_run_child(_generate_then_die, db_url, 60, 25, 2))  # batch 1 kept; batch 2 lost

    after = _consistent(db_url)
    got = _counts(after)
    assert got["patient"] - before["patient"] == 25
    with after.db.read() as uow:
        unregistered = uow.session.exec(text(
            "SELECT count(*) FROM patient p WHERE NOT EXISTS "
            "(SELECT 1 FROM registration r WHERE r.patient_id = p.id)")).one()[0]  # type: ignore[call-overload]
    assert unregistered == 0
    # New writes after the restart get fresh ids (PostgreSQL sequences moved past the batch).
    assert _patient(after, actors["receptionist"]) > 25
    after.close()
