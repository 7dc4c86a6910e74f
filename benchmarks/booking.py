"""Booking throughput, latency and double bookings with 1, 5 and 20 terminals; slot search.

Each "terminal" is a separate process (multiprocessing "spawn") with its own engine, as separate
reception PCs would be. All terminals of a run draw from the same pool of slots in a shuffled
order, so they collide often; every attempt's latency is measured (wins and "just taken"
alike). Afterwards the database is asked how many slots are held by two live bookings (the
answer must be 0). The slot search is timed over a 3-month book for 10 clinicians.

    python benchmarks/booking.py                      # SQLite and PostgreSQL (127.0.0.1:5432/test)
    python benchmarks/booking.py --engines sqlite --terminals 1,5 --attempts 20

PostgreSQL runs in its own schema (``ip_bench_<random>``), dropped afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import random
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import PracticeConfig, example_config_text, parse_config
from inclusion_practice.domain.actor import Actor
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.storage.database import Database, create_db_engine
from inclusion_practice.storage.migrate import upgrade
from inclusion_practice.storage.tables import Patient, Registration

# The benchmark's databases are throwaway: one random audit MAC key for the run, inherited by
# every terminal process (a practice keeps its key in the file `init` makes).
os.environ.setdefault("INCLUSION_PRACTICE_AUDIT_KEY", secrets.token_hex(32))
PG_SERVER = os.environ.get(
    "INCLUSION_PRACTICE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = dt.datetime(2027, 1, 4, 7, 0)  # a Monday morning, before the first session
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
RECEPTION = Actor("bench-reception", "receptionist")


def bench_config(clinicians: int) -> dict[str, Any]:
    """The example practice with ``clinicians`` clinicians, each with a 3-hour session every
    weekday in 10-minute slots (18 slots a session)."""
    base = parse_config(example_config_text()).model_dump(mode="json")
    base["clinicians"] = [
        {"code": f"clin-{i:02d}", "name": f"Clinician {i:02d} (synthetic)",
         "gender": "female" if i % 2 else "male", "profession": "gp"}
        for i in range(clinicians)
    ]
    base["sessions"] = [
        {"clinician": f"clin-{i:02d}", "weekday": day, "start": "09:00" if i % 2 else "14:00",
         "end": "12:00" if i % 2 else "17:00", "slot_minutes": 10,
         "channels": ["in_person", "telephone"]}
        for i in range(clinicians)
        for day in WEEKDAYS
    ]
    base["schedule_horizon_weeks"] = 13
    return base


def open_practice(url: str, config: dict[str, Any]) -> InclusionPractice:
    clock = FixedClock(START)
    return InclusionPractice(Database(url, clock=clock), PracticeConfig.model_validate(config),
                             clock)


def seed(url: str, config: dict[str, Any], weeks: int, patients: int) -> list[int]:
    ip = open_practice(url, config)
    ip.users.create(SYSTEM, "bench-manager", "Bench manager", "manager")
    ip.users.create(SYSTEM, RECEPTION.username, "Bench reception", "receptionist")
    ip.schedule.generate(Actor("bench-manager", "manager"), weeks=weeks)
    now = START
    ids = []
    with ip.db.write(SYSTEM, "bench_seed") as uow:
        rows = [Patient(given_name=f"Test{i}", family_name="Synthetic", name_key=f"test{i} synthetic",
                        date_of_birth=dt.date(1980, 1, 1), sex="female", created_at=now,
                        updated_at=now) for i in range(patients)]
        uow.session.add_all(rows)
        uow.flush()
        uow.session.add_all(Registration(patient_id=r.id or 0, kind="permanent",
                                         start_date=dt.date(2020, 1, 1), created_at=now)
                            for r in rows)
        ids = [r.id or 0 for r in rows]
        uow.commit()
    ip.close()
    return ids


def terminal(url: str, config: dict[str, Any], pool: list[int], patients: list[int],
             attempts: int, seed_: int, warm_slot: int, barrier: Any, out: Any) -> None:
    """One reception terminal: open, book one warm-up slot of its own (a terminal in use is
    warm), wait for the others, then book through a shuffled shared pool."""
    from inclusion_practice.errors import InvalidInput, SlotJustTaken

    ip = open_practice(url, config)
    ip.appointments.find_slots(patients[0], limit=1)
    ip.appointments.book(RECEPTION, patients[-1], [warm_slot])
    rng = random.Random(seed_)
    order = pool[:]
    rng.shuffle(order)
    lat: list[float] = []
    won = taken = other = 0
    barrier.wait(timeout=300)
    began = time.perf_counter()
    for i in range(attempts):
        slot = order[i % len(order)]
        patient = patients[(seed_ * 7919 + i) % len(patients)]
        t = time.perf_counter()
        try:
            ip.appointments.book(RECEPTION, patient, [slot])
            won += 1
        except SlotJustTaken:
            taken += 1
        except InvalidInput:
            other += 1
        lat.append(time.perf_counter() - t)
    out.put((won, taken, other, lat, began, time.perf_counter()))
    ip.close()


def double_bookings(url: str) -> tuple[int, int]:
    """(slots with two live holds, slots held by two booked non-overbooked appointments)."""
    engine = create_db_engine(url)
    with engine.connect() as conn:
        live = conn.execute(text(
            "select count(*) from (select active_slot_id from slot_hold where active_slot_id is "
            "not null group by active_slot_id having count(*) > 1) x")).scalar_one()
        booked = conn.execute(text(
            "select count(*) from (select h.slot_id from slot_hold h join appointment a on "
            "a.id = h.appointment_id where a.status = 'booked' and not a.overbooked "
            "group by h.slot_id having count(*) > 1) x")).scalar_one()
    engine.dispose()
    return int(live), int(booked)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def run_terminals(url: str, config: dict[str, Any], pool: list[int], warm: list[int],
                  patients: list[int], n: int, attempts: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(n)
    out = ctx.Queue()
    procs = [ctx.Process(target=terminal,
                         args=(url, config, pool, patients, attempts, i + 1, warm.pop(), barrier,
                               out))
             for i in range(n)]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in range(n)]
    for p in procs:
        p.join(timeout=60)
    won = sum(r[0] for r in results)
    taken = sum(r[1] for r in results)
    other = sum(r[2] for r in results)
    lat = [x for r in results for x in r[3]]
    wall = max(r[5] for r in results) - min(r[4] for r in results)
    return {"won": won, "taken": taken, "other": other, "wall": wall,
            "p50": pct(lat, 50) * 1000, "p95": pct(lat, 95) * 1000,
            "attempts_per_s": len(lat) / wall, "bookings_per_s": won / wall}


def slot_pools(url: str, config: dict[str, Any], weeks: int) -> list[list[int]]:
    """Slot ids by week (each terminal-count run gets a fresh week to fight over)."""
    ip = open_practice(url, config)
    pools: list[list[int]] = []
    for w in range(weeks):
        first = START.date() + dt.timedelta(weeks=w)
        ids = [s.id for sess in ip.schedule.sessions(first, first + dt.timedelta(days=6))
               for s in ip.schedule.slots(sess.id)]
        pools.append(ids)
    ip.close()
    return pools


def search_bench(url: str, config: dict[str, Any], patients: list[int]) -> list[tuple[str, float, float, int]]:
    ip = open_practice(url, config)
    end = START.date() + dt.timedelta(weeks=13)
    cases = {
        "any clinician, next 10, 3 months": {},
        "double, any clinician, 3 months": {"double": True},
        "one clinician, 3 months, 50 offers": {"clinician": "clin-03", "per_session": 18,
                                                "limit": 50},
        "every free slot, 3 months (full scan)": {"per_session": 18, "limit": 20000},
        "telephone, last week of the 3 months": {"channel": "telephone",
                                                 "date_from": end - dt.timedelta(days=7)},
    }
    rows = []
    for name, kwargs in cases.items():
        times = []
        n = 0
        for _ in range(15):
            t = time.perf_counter()
            offers = ip.appointments.find_slots(patients[0], date_to=end, **kwargs)  # type: ignore[arg-type]
            times.append(time.perf_counter() - t)
            n = len(offers)
        rows.append((name, pct(times, 50) * 1000, pct(times, 95) * 1000, n))
    ip.close()
    return rows


def make_db(engine_name: str, workdir: Path) -> tuple[str, Any]:
    if engine_name == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
        upgrade(create_db_engine(url))
        return url, None
    schema = f"ip_bench_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(PG_SERVER)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_SERVER else "?"
    url = f"{PG_SERVER}{sep}options=-csearch_path%3D{schema}"
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url, drop


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--terminals", default="1,5,20")
    ap.add_argument("--attempts", type=int, default=30, help="booking attempts per terminal")
    ap.add_argument("--clinicians", type=int, default=10)
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--patients", type=int, default=500)
    args = ap.parse_args()
    terminals = [int(x) for x in args.terminals.split(",")]
    config = bench_config(args.clinicians)
    print(f"cpus: {os.cpu_count()}; python {sys.version.split()[0]}")
    for engine_name in args.engines.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = make_db(engine_name, Path(tmp))
            try:
                t = time.perf_counter()
                patients = seed(url, config, args.weeks, args.patients)
                seeded = time.perf_counter() - t
                pools = slot_pools(url, config, len(terminals) + 1)
                warm = pools.pop()  # a week of its own for the terminals' warm-up bookings
                ip = open_practice(url, config)
                sessions = ip.schedule.sessions(START.date(), START.date() + dt.timedelta(weeks=args.weeks))
                n_slots = sum(s.slot_count for s in sessions)
                ip.close()
                print(f"\n== {engine_name}: {args.clinicians} clinicians, {args.weeks} weeks, "
                      f"{len(sessions)} sessions, {n_slots} slots, {len(patients)} patients "
                      f"(seeded in {seeded:.1f} s)")
                print(f"{'terminals':>9} {'attempts':>8} {'booked':>6} {'taken':>6} {'wall s':>7} "
                      f"{'book/s':>7} {'try/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'double':>6}")
                for i, n in enumerate(terminals):
                    r = run_terminals(url, config, pools[i], warm, patients, n, args.attempts)
                    live, booked = double_bookings(url)
                    print(f"{n:>9} {n * args.attempts:>8} {r['won']:>6} {r['taken']:>6} "
                          f"{r['wall']:>7.2f} {r['bookings_per_s']:>7.1f} "
                          f"{r['attempts_per_s']:>7.1f} {r['p50']:>7.1f} {r['p95']:>7.1f} "
                          f"{live + booked:>6}")
                    if r["other"]:
                        print(f"{'':>9} ({r['other']} attempts refused for another reason)")
                    assert live == booked == 0, "double booking!"
                print(f"slot search over {args.weeks} weeks x {args.clinicians} clinicians "
                      f"(after the bookings above):")
                for name, p50, p95, n in search_bench(url, config, patients):
                    print(f"  {name:<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({n} offers)")
            finally:
                if drop:
                    drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
