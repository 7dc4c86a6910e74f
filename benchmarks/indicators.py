"""Benchmark: the default indicator set on every engine, at 10k / 100k (/ 300k / 1M) patients.

Contestants, per database (SQLite, PostgreSQL), timed interleaved in the same run:

* ``sql``          — the SQL engine: the compiled plan run in the database itself;
* ``duckdb``       — the DuckDB engine: the same plan run by DuckDB over the database attached
  read-only (the time includes attaching and copying the tables it reads);
* ``sql-floor``    — the floor on the database itself: the whole set as ONE hand-written query
  (:mod:`indicator_floor`), not the compiler's plan written out again;
* ``duckdb-floor`` — the same one-pass query run by DuckDB over the attached database;
* ``duckdb-plan``  — not a way to run: the DuckDB engine on tables it copied before the clock
  started, i.e. the plan alone (``duckdb`` minus this is the cost of reading the database);
* ``memory``       — the in-memory evaluator (load everything, loop in Python), one run, only up
  to ``--memory-max`` patients.

Every contestant must agree with the SQL engine on every total and stratum (asserted). Each
size reports the median of ``--repeat`` runs (wall clock, and this process's CPU time: on a
shared machine the CPU seconds show the work when the wall clock shows the queue — the SQL
engine's work on PostgreSQL is in the server, so not in its CPU column), the ratio of each to
the fastest, and the cost per 1,000 patients, then how flat that cost is across sizes.

Data: a block of synthetic patients (registrations, flags, :func:`clinical_history` events plus
unrelated coded noise — about 30 events a patient —, invitations, DNAs with outreach) is
generated and inserted once, then replicated in the database with shifted ids
(``INSERT … SELECT``) up to the size wanted, so 1M patients build in minutes. ``--reuse``
keeps a database already built at that size.

    python benchmarks/indicators.py                          # 10k and 100k, SQLite and PostgreSQL
    python benchmarks/indicators.py --sizes 10000 100000 300000 --dbs sqlite
    python benchmarks/indicators.py --max 1000000             # also 1M
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inclusion_practice.domain.periods import parse_period
from inclusion_practice.indicators import memory_engine
from inclusion_practice.indicators.definitions import IndicatorSet, load_shipped_set
from inclusion_practice.indicators.duckdb_engine import duckdb_engine
from inclusion_practice.indicators.records import (
    DnaActionRow,
    DnaRow,
    EventRow,
    FlagRow,
    InvitationRow,
    PatientHistory,
    RegistrationRow,
)
from inclusion_practice.indicators.results import IndicatorTally
from inclusion_practice.indicators.sql_engine import SqlEngine
from inclusion_practice.indicators.sql_loaders import load_records
from inclusion_practice.storage import tables as t
from inclusion_practice.storage.bulk import reset_sequences
from inclusion_practice.storage.database import create_db_engine
from inclusion_practice.storage.duckdb_source import duckdb_attached
from inclusion_practice.storage.migrate import upgrade
from inclusion_practice.synthetic.clinical import clinical_history
from inclusion_practice.synthetic.people import SyntheticPatient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from indicator_floor import one_pass_sql, tallies_from_rows

PG_URL = os.environ.get("INCLUSION_PRACTICE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = dt.date(2026, 3, 31)
PERIOD = parse_period("2025/26")
CATS = ["homelessness", "substance_use", "vulnerable_migrant", "sex_work", "prison_leaver", "gypsy_roma_traveller"]
NOISE = [  # real SNOMED CT codes (inclusion_practice/data/codes.csv) that no default indicator counts
    "315570003", "315579002", "315566006", "1108171000000102", "1108131000000104", "225835008",
    "936701000000103", "795661000000104", "314434008", "1325391000000103",
]
CHUNK = 10_000
BLOCK = 10_000
"""Patients generated in Python; larger sizes replicate this block in the database."""


def synthetic_records(n: int, seed: int = 1) -> Iterator[list[PatientHistory]]:
    rng = random.Random(seed)
    batch: list[PatientHistory] = []
    for pid in range(1, n + 1):
        reg = TODAY - dt.timedelta(days=rng.randint(10, 2500))
        flagged = rng.random() < 0.45
        cats = set(rng.sample(CATS, rng.choice([1, 1, 2]))) if flagged else set()
        lang = rng.choice(["en", "en", "en", "pl", "ar", "ro"])
        p = SyntheticPatient(
            id=pid, given_name="B", family_name="M",
            date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 70)),
            dob_estimated=False, sex=rng.choice(["female", "male"]), registered_on=reg,
            registration_kind="permanent", categories=cats, flagged_on=reg, smoker=rng.random() < 0.5,
            drinks_harmfully=rng.random() < 0.2, main_language=lang, interpreter_needed=lang != "en",
        )
        events, invites = clinical_history(rng, p, TODAY)
        noise = [
            EventRow(rng.choice(NOISE), TODAY - dt.timedelta(days=rng.randint(0, 1000)))
            for _ in range(rng.randint(10, 30))
        ]
        dnas = []
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            when = dt.datetime.combine(TODAY - dt.timedelta(days=rng.randint(0, 500)), dt.time(10))
            acts = ()
            if rng.random() < 0.65:
                acts = (DnaActionRow("contact_via_keyworker", "done", when + dt.timedelta(days=rng.randint(0, 20))),)
            dnas.append(DnaRow(when, None, acts))
        batch.append(PatientHistory(
            pid, p.date_of_birth, p.sex, lang, p.interpreter_needed,
            rng.choice([None, "telephone", "in_person"]) if lang != "en" else None,
            rng.choice([None, "Sam Keyworker"]),
            (RegistrationRow(reg),), tuple(FlagRow(c, reg) for c in sorted(cats)),
            tuple([EventRow(*e) for e in events] + noise), tuple(InvitationRow(*i) for i in invites),
            tuple(dnas),
        ))
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------------------- data

_REPLICATED = {  # table -> (columns shifted by the patient offset, by the DNA id offset, keep id?)
    "patient": ({"id"}, set(), True),
    "registration": ({"patient_id"}, set(), False),
    "flag": ({"patient_id"}, set(), False),
    "clinical_event": ({"patient_id"}, set(), False),
    "invitation": ({"patient_id"}, set(), False),
    "dna_event": ({"patient_id"}, {"id"}, True),
    "dna_action": ({"patient_id"}, {"dna_event_id"}, False),
}


def replicate(conn: Connection, block: int, n: int) -> None:
    """Copies of patients 1..``block`` (and all their rows) with shifted ids, up to ``n`` patients."""
    dna_block = int(conn.execute(select(func.coalesce(func.max(t.DnaEvent.id), 0))).scalar_one())  # type: ignore[arg-type]
    for k in range(1, -(-n // block)):
        take = min(block, n - k * block)
        for name, (by_patient, by_dna, keep_id) in _REPLICATED.items():
            table = t.SQLModel.metadata.tables[name]
            cols = [c.name for c in table.columns if keep_id or c.name != "id"]
            exprs = [
                f"{c} + {k * block}" if c in by_patient else f"{c} + {k * dna_block}" if c in by_dna else c
                for c in cols
            ]
            pid = "id" if name == "patient" else "patient_id"
            conn.execute(text(
                f"INSERT INTO {name} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {name} WHERE {pid} <= {take}"
            ))


def count_patients(url: str) -> tuple[int, int] | None:
    """(patients, events) of a database already built, or None."""
    try:
        engine = create_db_engine(url)
        with engine.connect() as conn:
            n = int(conn.execute(text("SELECT count(*) FROM patient")).scalar_one())
            e = int(conn.execute(text("SELECT count(*) FROM clinical_event")).scalar_one())
        engine.dispose()
        return n, e
    except Exception:
        return None


@contextmanager
def _bulk_connection(engine: Any) -> Iterator[Connection]:
    """One transaction for the replication; on SQLite without the journal (a benchmark's scratch
    database: a crash just means building it again), then back to WAL."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            yield conn
        return
    raw = create_engine(engine.url, poolclass=NullPool)
    with raw.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode = OFF")
        conn.exec_driver_sql("PRAGMA synchronous = OFF")
        conn.exec_driver_sql("PRAGMA cache_size = -1000000")
        conn.commit()
        with conn.begin():
            yield conn
        conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        conn.commit()
    raw.dispose()


def build(url: str, n: int) -> tuple[float, int]:
    """Generate ``min(n, BLOCK)`` patients, replicate them up to ``n``; (seconds, events)."""
    global _dna_offset
    _dna_offset = 0
    engine = create_db_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    for batch in synthetic_records(min(n, BLOCK)):
        with engine.begin() as conn:
            insert_records_fast(conn, batch)
    if n > BLOCK:
        engine.dispose()
        with _bulk_connection(engine) as conn:
            # Indexes are rebuilt once at the end: maintaining them row by row is most of the work.
            indexes = [ix for name in _REPLICATED for ix in t.SQLModel.metadata.tables[name].indexes]
            for ix in indexes:
                ix.drop(conn)
            replicate(conn, BLOCK, n)
            for ix in indexes:
                ix.create(conn)
    with engine.begin() as conn:
        reset_sequences(conn, ["patient", "dna_event"])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        events = int(conn.execute(text("SELECT count(*) FROM clinical_event")).scalar_one())
    engine.dispose()
    return time.perf_counter() - t0, events


_dna_offset = 0


def insert_records_fast(conn: Connection, batch: list[PatientHistory]) -> None:
    """insert_records numbers DNA ids from 1 per call; shift them per batch."""
    global _dna_offset
    import tests.indicator_support as sup

    original = sup.insert_records
    n_dnas = sum(len(p.dnas) for p in batch)
    # Re-number by inserting through a shim that offsets dna ids.
    from sqlalchemy import insert as sa_insert

    from inclusion_practice.storage import tables as t

    plain = [PatientHistory(p.id, p.date_of_birth, p.sex, p.main_language, p.interpreter_needed,
                           p.interpreter_mode, p.keyworker_name, p.registrations, p.flags, p.events,
                           p.invitations, ()) for p in batch]
    original(conn, plain)
    dnas, actions = [], []
    did = _dna_offset
    for p in batch:
        for d in p.dnas:
            did += 1
            dnas.append({"id": did, "patient_id": p.id, "occurred_at": d.occurred_at, "reason": "no_show",
                         "recorded_by": "bench", "voided_at": d.voided_at})
            for a in d.actions:
                actions.append({"patient_id": p.id, "dna_event_id": did, "policy": "flexible", "action": a.action,
                                "priority": 0, "due_date": d.occurred_at.date(), "explanation": "{}",
                                "status": a.status, "done_at": a.done_at})
    if dnas:
        conn.execute(sa_insert(t.DnaEvent.__table__), dnas)  # type: ignore[attr-defined]
    if actions:
        conn.execute(sa_insert(t.DnaAction.__table__), actions)  # type: ignore[attr-defined]
    _dna_offset += n_dnas


# ---------------------------------------------------------------------------- contestants

def contestants(
    conn: Connection, ind_set: IndicatorSet, n: int, memory_max: int, stack: ExitStack
) -> dict[str, Any]:
    codes = {k: sorted(v.code_set) for k, v in ind_set.codelists.items()}
    dialect = conn.dialect.name
    warm = stack.enter_context(duckdb_engine(conn, ind_set))  # copied once, for duckdb-plan

    def sql() -> dict[str, IndicatorTally]:
        return SqlEngine(conn).run(ind_set, PERIOD)

    def duck() -> dict[str, IndicatorTally]:
        with duckdb_engine(conn, ind_set) as engine:
            return engine.run(ind_set, PERIOD)

    def duck_plan() -> dict[str, IndicatorTally]:
        return warm.run(ind_set, PERIOD)

    def sql_floor() -> dict[str, IndicatorTally]:
        stmt, ids = one_pass_sql(dialect, codes, PERIOD, lambda name: name)
        if dialect == "postgresql":
            stmt = stmt.replace("%", "%%")  # psycopg reads % as a placeholder even with no parameters
        return tallies_from_rows(ids, conn.exec_driver_sql(stmt).all())

    def duck_floor() -> dict[str, IndicatorTally]:
        with duckdb_attached(conn) as (duckconn, practice):
            stmt, ids = one_pass_sql("duckdb", codes, PERIOD, lambda name: f"{practice}.{name}")
            return tallies_from_rows(ids, duckconn.execute(stmt).fetchall())

    def memory() -> dict[str, IndicatorTally]:
        return memory_engine.run_set(ind_set, load_records(conn), PERIOD)

    out: dict[str, Any] = {
        "sql": sql, "duckdb": duck, "sql-floor": sql_floor, "duckdb-floor": duck_floor, "duckdb-plan": duck_plan,
    }
    if n <= memory_max:
        out["memory"] = memory
    return out


def median(xs: list[float]) -> float:
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def database(db: str, n: int, workdir: Path) -> str:
    if db == "sqlite":
        return f"sqlite:///{workdir / f'bench-{n}.db'}"
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3Dip_bench_{n}"


def fresh(db: str, n: int, workdir: Path) -> None:
    if db == "sqlite":
        path = workdir / f"bench-{n}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    admin = create_db_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "ip_bench_{n}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "ip_bench_{n}"'))
    admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--max", type=int, default=0, help="also run this size (e.g. 1000000)")
    ap.add_argument("--dbs", nargs="*", default=["sqlite", "postgresql"])
    ap.add_argument("--memory-max", type=int, default=10_000, help="skip the in-memory evaluator above this")
    ap.add_argument("--repeat", type=int, default=5, help="runs per contestant (the median is reported)")
    ap.add_argument("--only", nargs="*", default=None, help="run only these contestants")
    ap.add_argument("--reuse", action="store_true", help="keep a database already built at a size")
    ap.add_argument("--workdir", default="/tmp/ip-bench")
    args = ap.parse_args()
    sizes = sorted(set(args.sizes + ([args.max] if args.max else [])))
    ind_set = load_shipped_set("inclusion-health-les")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"cores {os.cpu_count()}, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"{args.repeat} interleaved runs per contestant, medians", flush=True)
    results: list[tuple[str, int, int, str, float, int, float]] = []
    for db in args.dbs:
        for n in sizes:
            url = database(db, n, workdir)
            have = count_patients(url) if args.reuse else None
            if have and have[0] == n:
                load_s, n_events = float("nan"), have[1]
            else:
                fresh(db, n, workdir)
                load_s, n_events = build(url, n)
            print(f"{db} {n:,} patients, {n_events:,} clinical events (built in {load_s:.1f} s); "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
            engine = create_db_engine(url)
            times: dict[str, list[float]] = {}
            cpus: dict[str, list[float]] = {}
            with engine.connect() as conn, ExitStack() as stack:
                runs = contestants(conn, ind_set, n, args.memory_max, stack)
                if args.only:
                    runs = {k: v for k, v in runs.items() if k in args.only or k == "sql"}
                reference: dict[str, IndicatorTally] | None = None
                names = list(runs)
                for rep in range(args.repeat):
                    order = names[rep % len(names):] + names[:rep % len(names)]  # rotate: interleaved
                    for name in order:
                        if name == "memory" and name in times:
                            continue  # one run is enough to show the gap
                        t0, c0 = time.perf_counter(), time.process_time()
                        got = runs[name]()
                        times.setdefault(name, []).append(time.perf_counter() - t0)
                        cpus.setdefault(name, []).append(time.process_time() - c0)
                        if reference is None:
                            reference = got
                        assert got == reference, f"{name} disagrees with the other contestants at {db} {n}"
            engine.dispose()
            fastest = min(median(v) for v in times.values())
            for name, ts in times.items():
                m, cpu = median(ts), median(cpus[name])
                results.append((db, n, n_events, name, m, len(ts), cpu))
                print(f"  {name:<13} median {m:8.3f} s (cpu {cpu:7.3f} s) over {len(ts)} runs  "
                      f"×{m / fastest:6.2f} the fastest  {1000 * m / n:7.4f} s per 1k patients", flush=True)
    print()
    print("| db | patients | clinical events | contestant | median s | cpu s | runs | × fastest | s per 1k patients |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for db, n, ne, name, m, runs_n, cpu in results:
        fastest = min(r[4] for r in results if r[0] == db and r[1] == n)
        print(f"| {db} | {n:,} | {ne:,} | {name} | {m:.3f} | {cpu:.3f} | {runs_n} | {m / fastest:.2f} | "
              f"{1000 * m / n:.4f} |")
    print()
    print("Speed-up of each contestant over the SQL engine, and cost per patient across sizes (max/min):")
    for db in args.dbs:
        for name in dict.fromkeys(r[3] for r in results if r[0] == db):
            per = {r[1]: r[4] for r in results if r[0] == db and r[3] == name}
            sql = {r[1]: r[4] for r in results if r[0] == db and r[3] == "sql"}
            ups = ", ".join(f"{n:,}: {sql[n] / per[n]:.1f}×" for n in sorted(per) if n in sql)
            costs = [per[n] / n for n in per]
            flat = max(costs) / min(costs) if len(costs) > 1 else 1.0
            print(f"  {db:<10} {name:<13} vs sql {ups}; cost per patient flat within {flat:.2f}×")


if __name__ == "__main__":
    main()
