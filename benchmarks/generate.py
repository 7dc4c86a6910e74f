"""Benchmark: synthetic practice generation on SQLite and PostgreSQL.

    python benchmarks/generate.py [--patients 100000] [--skip-postgres]

Prints rows per second and peak memory (resident set, from ``resource``) per engine, with the
sizes used. Each engine runs in a fresh child process so peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

# Throwaway databases: one random audit MAC key for the run, inherited by every process it
# starts (a practice keeps its key in the file `init` makes).
os.environ.setdefault("INCLUSION_PRACTICE_AUDIT_KEY", secrets.token_hex(32))

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _run(url: str, patients: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from inclusion_practice.config import example_config_text, parse_config
    from inclusion_practice.storage.database import Database, create_db_engine
    from inclusion_practice.storage.migrate import upgrade
    from inclusion_practice.synthetic.generator import generate_practice

    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database(url)
    started = time.perf_counter()
    summary = generate_practice(db, parse_config(example_config_text()), patients=patients,
                                seed=1, with_users=False, batch_size=5000)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put({"rows": summary.rows, "seconds": seconds, "peak_mb": peak_mb,
             "events": summary.clinical_events})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    targets: list[tuple[str, str]] = []
    tmp = Path(tempfile.mkdtemp())
    targets.append(("sqlite", f"sqlite:///{tmp / 'bench.db'}"))
    schema = None
    if not args.skip_postgres:
        from inclusion_practice.storage.database import create_db_engine

        schema = f"ip_bench_{uuid.uuid4().hex[:8]}"
        admin = create_db_engine(PG)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        targets.append(("postgresql", f"{PG}?options=-csearch_path%3D{schema}"))
    ctx = mp.get_context("spawn")
    print(f"patients: {args.patients:,}")
    print(f"{'engine':<11} {'rows':>11} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
    try:
        for name, url in targets:
            q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
            proc = ctx.Process(target=_run, args=(url, args.patients, q))
            proc.start()
            result = q.get()
            proc.join()
            print(f"{name:<11} {result['rows']:>11,} {result['seconds']:>8.1f} "
                  f"{result['rows'] / result['seconds']:>9,.0f} {result['peak_mb']:>8.0f}")
            sys.stdout.flush()
            print(json.dumps({"engine": name, **result}), file=sys.stderr)
    finally:
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
