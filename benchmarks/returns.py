"""Benchmark: time to produce the annual LES return for 10,000 and 100,000 patients.

    python benchmarks/returns.py [--patients 10000 100000] [--engine sqlite|postgresql]
                                 [--keep DIR]

For each size a synthetic practice is generated (not timed), then the return is built (indicator
engine for the year and the three earlier quarter-ends, aggregate counts) and rendered to PDF,
CSV, JSON and FHIR; each step is timed, and the aggregate counts and one engine run are also
timed on their own (the engine runs dominate: a return makes four, for the quarterly trend). ``--keep DIR`` keeps (and reuses) the SQLite databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

# Throwaway databases: one random audit MAC key for the run, inherited by every process it
# starts (a practice keeps its key in the file `init` makes).
os.environ.setdefault("INCLUSION_PRACTICE_AUDIT_KEY", secrets.token_hex(32))

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TODAY = dt.datetime(2026, 5, 4, 9, 0)


def _prepare(url: str, patients: int) -> None:
    from inclusion_practice.config import example_config_text, parse_config
    from inclusion_practice.storage import bulk
    from inclusion_practice.storage.database import Database, create_db_engine
    from inclusion_practice.storage.migrate import upgrade
    from inclusion_practice.synthetic.generator import generate_practice

    engine = create_db_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        existing = bulk.count_rows(conn, "patient")
    engine.dispose()
    if existing:
        return
    from inclusion_practice.clock import FixedClock

    db = Database(url, clock=FixedClock(TODAY))
    started = time.perf_counter()
    generate_practice(db, parse_config(example_config_text()), patients=patients, seed=1,
                      with_users=False, batch_size=5000)
    print(f"  generated {patients:,} patients in {time.perf_counter() - started:.1f} s")
    db.dispose()


def _time_return(url: str) -> dict[str, float]:
    from inclusion_practice.api import InclusionPractice
    from inclusion_practice.clock import FixedClock
    from inclusion_practice.config import example_config_text, parse_config
    from inclusion_practice.domain.actor import Actor
    from inclusion_practice.storage.database import Database
    from reports.csv_json import to_csv, to_json
    from reports.fhir_bundle import to_fhir_json
    from reports.figures import ReturnKind
    from reports.pdf import render_pdf
    from reports.returns import build_return

    clock = FixedClock(TODAY)
    ip = InclusionPractice(Database(url, clock=clock), parse_config(example_config_text()), clock)
    actor = Actor("manager1", "manager")
    out: dict[str, float] = {}
    from inclusion_practice.domain.periods import financial_year

    year = financial_year(2025)
    t = time.perf_counter()
    ip.reporting.period_counts(actor, year)
    out["aggregate counts only"] = time.perf_counter() - t
    t = time.perf_counter()
    ip.indicators.run(actor, year, "inclusion-health-les")
    out["one indicator-engine run"] = time.perf_counter() - t
    t0 = time.perf_counter()
    figures = build_return(ip, actor, ReturnKind.LES_ANNUAL, "2025/26",
                           creation_date=dt.datetime(2026, 5, 4, tzinfo=dt.UTC))
    out["build (engine x4 + counts)"] = time.perf_counter() - t0
    t = time.perf_counter()
    pdf = render_pdf(figures)
    out["pdf"] = time.perf_counter() - t
    t = time.perf_counter()
    to_csv(figures)
    to_json(figures)
    out["csv+json"] = time.perf_counter() - t
    t = time.perf_counter()
    to_fhir_json(figures)
    out["fhir"] = time.perf_counter() - t
    out["total"] = time.perf_counter() - t0
    out["pdf_kb"] = len(pdf) / 1024
    ip.close()
    out["register"] = float(figures.current.register_total.at_end)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    for n in args.patients:
        schema = None
        if args.engine == "sqlite":
            url = f"sqlite:///{folder / f'returns-{n}.db'}"
        else:
            from inclusion_practice.storage.database import create_db_engine

            schema = f"ip_bench_{uuid.uuid4().hex[:8]}"
            admin = create_db_engine(PG)
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            url = f"{PG}?options=-csearch_path%3D{schema}"
        print(f"{n:,} patients on {args.engine}:")
        _prepare(url, n)
        figures = _time_return(url)
        for key, value in figures.items():
            print(f"  {key:28s} {value:10.2f}")
        if schema is not None:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
