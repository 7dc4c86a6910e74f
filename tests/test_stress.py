"""Several terminals at once: registering, booking, cancelling and marking DNAs for a few seconds.

Four processes, each with its own engine as separate terminals would have, work the same small
pool of slots and the same appointments as fast as they can, on SQLite and on PostgreSQL. They
are started through a "forkserver" that has imported the library once (a clean process, like
"spawn", without paying four cold imports on two cores). Afterwards the database must hold:

- no slot held twice, and holds that agree with each appointment's status;
- every registration a terminal was told succeeded (and no patient nobody registered);
- exactly one audit row per successful operation, naming the row it wrote — so a refused or
  rolled-back operation left no trace and a successful one was never lost or overwritten;
- an intact audit chain: every row's own MAC, and, once the last queued rows are sealed, every
  row linked exactly once at positions 1..N.

The figures (operations per second, retries of lock/serialisation failures, outcomes) are
printed: run with ``pytest -s tests/test_stress.py`` to see them.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import random
import sqlite3
import time
from collections import Counter
from typing import Any

import psycopg
import pytest
from sqlalchemy import func
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import Conflict
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.patients import NewPatient
from inclusion_practice.storage.tables import (
    Appointment,
    AuditEvent,
    AuditLink,
    DnaEvent,
    Patient,
    Registration,
    SlotHold,
    Task,
)

TERMINALS = 4
SECONDS = 6.0
"""How long the terminals work (each engine); the whole test stays well under 30 s per engine."""
POOL = 40
"""Slots the terminals compete for: few enough that they collide often."""
NOW = dt.datetime(2026, 11, 23, 9, 0)
LATER = NOW + dt.timedelta(days=9)
"""The clock of the DNA desk: every slot of the first week has been missed by then."""
HOLDING = ("booked", "arrived", "seen", "dna")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _name(rng: random.Random) -> str:
    return rng.choice("BCDFGHKLMNPRSTVZ") + "".join(rng.choice(_LETTERS) for _ in range(7))


def _terminal(url: str, number: int, patients: list[int], slots: list[int], barrier: Any,
              out: Any) -> None:
    """One terminal: random operations until the time is up; report every outcome."""
    from inclusion_practice.api import InclusionPractice
    from inclusion_practice.clock import FixedClock
    from inclusion_practice.config import example_config_text, parse_config
    from inclusion_practice.errors import Conflict, InclusionPracticeError, SlotJustTaken
    from inclusion_practice.storage.database import Database

    rng = random.Random(number)
    config = parse_config(example_config_text())
    desk = InclusionPractice(Database(url, clock=FixedClock(NOW)), config, FixedClock(NOW))
    dna_desk = InclusionPractice(Database(url, clock=FixedClock(LATER)), config,
                                 FixedClock(LATER))
    actor = Actor("reception1", "receptionist")
    known = list(patients)
    done: dict[str, list[int]] = {"register": [], "book": [], "cancel": [], "dna": []}
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    started = time.perf_counter()
    try:
        barrier.wait(timeout=60)
        started = time.perf_counter()
        while time.perf_counter() - started < SECONDS:
            op = rng.choices(["register", "book", "cancel", "dna"], weights=[2, 4, 2, 2])[0]
            try:
                if op == "register":
                    person = NewPatient(
                        given_name=_name(rng), family_name=_name(rng),
                        sex=rng.choice(["female", "male"]),
                        date_of_birth=dt.date(rng.randint(1940, 2005), rng.randint(1, 12),
                                              rng.randint(1, 28)),
                    )
                    r = desk.patients.register(actor, person, decision="new_person")
                    done["register"].append(int(r.patient.id or 0))
                    known.append(int(r.patient.id or 0))
                elif op == "book":
                    b = desk.appointments.book(actor, rng.choice(known), [rng.choice(slots)])
                    done["book"].append(b.appointment.id)
                else:
                    with desk.db.read() as uow:
                        live = uow.session.exec(
                            select(Appointment.id).where(Appointment.status == "booked")
                            .order_by(col(Appointment.id).desc()).limit(6)
                        ).all()
                    if not live:
                        outcomes[f"{op}:nothing to do"] += 1
                        continue
                    target = int(rng.choice(live) or 0)
                    if op == "cancel":
                        desk.appointments.cancel(actor, target, by="patient", reason="stress")
                    else:
                        dna_desk.appointments.dna(actor, target)
                    done[op].append(target)
                outcomes[f"{op}:ok"] += 1
            except SlotJustTaken:
                outcomes[f"{op}:slot just taken"] += 1
            except Conflict:
                outcomes[f"{op}:conflict reported"] += 1
            except InclusionPracticeError as exc:
                outcomes[f"{op}:refused ({type(exc).__name__}: {getattr(exc, 'field', '')})"] += 1
            except Exception as exc:  # reported to the parent, which fails the test
                errors.append(f"{op}: {type(exc).__name__}: {exc}"[:500])
    finally:
        out.put({
            "terminal": number, "done": done, "outcomes": dict(outcomes), "errors": errors,
            "retries": desk.db.retries + dna_desk.db.retries,
            "seconds": time.perf_counter() - started,
        })
        desk.close()
        dna_desk.close()


def _audited_ids(ip: InclusionPractice, action: str, entity: str) -> list[str]:
    with ip.db.read() as uow:
        return list(uow.session.exec(
            select(AuditEvent.entity_id).where(AuditEvent.action == action,
                                               AuditEvent.entity == entity)
        ).all())


@pytest.mark.slow
def test_terminals_working_at_once_lose_nothing_and_hold_no_slot_twice(
    ip: InclusionPractice, actors: dict[str, Actor], db_url: str
) -> None:
    ip.schedule.generate(actors["manager"], weeks=1)
    slots = [
        s.id
        for session in ip.schedule.sessions(NOW.date(), NOW.date() + dt.timedelta(days=6))
        for s in ip.schedule.slots(session.id)
        if s.start > NOW and not s.blocked
    ][:POOL]
    assert len(slots) == POOL
    seeded = [
        ip.patients.register(
            actors["receptionist"],
            NewPatient(given_name=f"Seed{_LETTERS[i]}", family_name="Stress", sex="female",
                       date_of_birth=dt.date(1970 + i, 3, 3)),
            decision="new_person",
        ).patient.id
        for i in range(6)
    ]
    with ip.db.read() as uow:
        patients_before = uow.session.exec(select(func.count()).select_from(Patient)).one()

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["inclusion_practice.api", "tests.test_stress"])
    barrier = ctx.Barrier(TERMINALS)
    out = ctx.Queue()
    procs = [ctx.Process(target=_terminal, args=(db_url, n, seeded, slots, barrier, out))
             for n in range(TERMINALS)]
    for p in procs:
        p.start()
    reports = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)

    # Every failure a terminal saw was an expected, clearly reported one.
    assert [e for r in reports for e in r["errors"]] == []
    done = {op: [i for r in reports for i in r["done"][op]] for op in
            ("register", "book", "cancel", "dna")}
    outcomes: Counter[str] = Counter()
    for r in reports:
        outcomes.update(r["outcomes"])
    ops = sum(n for key, n in outcomes.items() if not key.endswith("nothing to do"))
    seconds = max(r["seconds"] for r in reports)
    retries = sum(r["retries"] for r in reports)
    engine = ip.db.dialect
    print(f"\n[stress {engine}] {TERMINALS} terminals, {seconds:.1f} s: {ops} operations "
          f"({ops / seconds:.0f} ops/s; {sum(len(v) for v in done.values()) / seconds:.0f} "
          f"successful writes/s); {retries} lock/serialisation retries")
    for key in sorted(outcomes):
        print(f"[stress {engine}]   {key}: {outcomes[key]}")
    assert done["register"] and done["book"] and done["cancel"] and done["dna"]

    with ip.db.read() as uow:
        s = uow.session
        # No lost registration, and no patient that nobody was told about.
        patient_ids = set(s.exec(select(Patient.id)).all())
        assert set(done["register"]) <= patient_ids
        assert len(patient_ids) == patients_before + len(done["register"])
        registered = set(s.exec(select(Registration.patient_id)).all())
        tasks = set(s.exec(select(Task.patient_id)).all())
        assert set(done["register"]) <= registered & tasks

        # No slot held twice; holds agree with each appointment's status.
        appointments = {a.id: a for a in s.exec(select(Appointment)).all()}
        assert set(done["book"]) == set(appointments)
        live = [h for h in s.exec(select(SlotHold)).all() if h.active_slot_id is not None]
        assert len({h.active_slot_id for h in live}) == len(live)
        held_by: Counter[int] = Counter(h.appointment_id for h in live)
        for appt in appointments.values():
            expected = appt.slot_count if appt.status in HOLDING else 0
            assert held_by[appt.id or 0] == expected, (appt.id, appt.status)

        # A cancelled appointment was never also marked a DNA (no lost update), and each
        # operation that said it succeeded is what the appointment now shows.
        assert not set(done["cancel"]) & set(done["dna"])
        for i in done["cancel"]:
            assert appointments[i].status == "cancelled_patient"
            assert appointments[i].cancelled_at is not None
        for i in done["dna"]:
            assert appointments[i].status == "dna"
            assert appointments[i].cancelled_at is None
        dna_events = s.exec(select(DnaEvent.appointment_id)).all()
        assert sorted(int(i or 0) for i in dna_events) == sorted(done["dna"])

    # One audit row per successful operation, naming the row it wrote.
    assert sorted(map(int, _audited_ids(ip, "register_patient", "patient"))) == sorted(
        seeded + done["register"])
    assert sorted(map(int, _audited_ids(ip, "book_appointment", "appointment"))) == sorted(
        done["book"])
    assert sorted(map(int, _audited_ids(ip, "cancel_appointment", "appointment"))) == sorted(
        done["cancel"])
    assert sorted(map(int, _audited_ids(ip, "record_dna", "appointment"))) == sorted(
        done["dna"])
    assert len(_audited_ids(ip, "record_dna", "dna_event")) == len(done["dna"])
    check = ip.audit.verify()
    assert check.ok, check
    # The sequencer linked every committed row exactly once, at positions 1..N with no gap
    # (terminals never waited for each other's audit rows; whatever the last try-lock losers
    # left queued is sealed now).
    ip.audit.seal()
    with ip.db.read() as uow:
        events = set(uow.session.exec(select(AuditEvent.id)).all())
        links = uow.session.exec(
            select(AuditLink.seq, AuditLink.audit_event_id).order_by(col(AuditLink.seq))).all()
    assert [seq for seq, _ in links] == list(range(1, len(events) + 1))
    assert sorted(e for _, e in links) == sorted(i for i in events if i is not None)
    sealed = ip.audit.verify()
    assert sealed.ok and sealed.unsealed == 0 and sealed.sealed == len(events), sealed


TRANSIENT = [
    pytest.param(sqlite3.OperationalError("database is locked"), id="sqlite-locked"),
    pytest.param(psycopg.errors.SerializationFailure("could not serialize access"),
                 id="postgresql-serialisation"),
    pytest.param(psycopg.errors.DeadlockDetected("deadlock detected"), id="postgresql-deadlock"),
]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("failure", TRANSIENT)
def test_lock_and_serialisation_failures_are_retried_a_bounded_number_of_times_then_reported(
    ip: InclusionPractice, failure: Exception
) -> None:
    attempts: list[int] = []

    def always_busy(uow: object) -> None:
        attempts.append(1)
        raise OperationalError("UPDATE appointment ...", {}, failure)

    before = ip.db.retries
    with pytest.raises(Conflict, match="stayed busy after 4 attempts; try again"):
        ip.db.run_write(SYSTEM, "stress_probe", always_busy)
    assert len(attempts) == 4 and ip.db.retries - before == 3


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_failure_that_clears_is_retried_and_the_write_goes_through(
    ip: InclusionPractice
) -> None:
    attempts: list[int] = []

    def busy_once(uow: object) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))
        return "written"

    assert ip.db.run_write(SYSTEM, "stress_probe", busy_once) == "written"
    assert len(attempts) == 2
