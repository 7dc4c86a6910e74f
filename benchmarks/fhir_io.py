"""Benchmark: FHIR import and export throughput and peak memory.

    python benchmarks/fhir_io.py [--patients 10000] [--observations 100000] [--db sqlite|postgresql]

Writes synthetic NDJSON (10,000 Patients; 100,000 Observations referencing them), imports each
file into a fresh database, then exports the patients; prints resources per second and the
peak resident memory of each step. Each step runs in its own child process so its peak memory
is its own.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NHS_BASE = 999_000_000


def nhs_numbers() -> Iterator[str]:
    """Synthetic NHS numbers in the 999 test range with correct check digits, in order."""
    from inclusion_practice.domain.nhs_number import check_digit

    for n in range(NHS_BASE, NHS_BASE + 1_000_000):
        digit = check_digit(str(n))
        if digit is not None:
            yield f"{n}{digit}"


def write_inputs(folder: Path, patients: int, observations: int) -> tuple[Path, Path]:
    p_path = folder / "Patient.ndjson"
    o_path = folder / "Observation.ndjson"
    numbers = nhs_numbers()
    with p_path.open("w") as fh:
        for i in range(patients):
            fh.write(json.dumps({
                "resourceType": "Patient", "id": f"p{i}",
                "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number",
                                "value": next(numbers)}],
                "name": [{"family": f"Benchmark{i}", "given": ["Synthetic"]}],
                "gender": "female" if i % 2 else "male",
                "birthDate": f"{1950 + i % 50}-0{1 + i % 9}-1{i % 9}",
            }) + "\n")
    codes = ["1108171000000102", "315594003", "416075005", "225835008"]
    with o_path.open("w") as fh:
        for i in range(observations):
            fh.write(json.dumps({
                "resourceType": "Observation", "id": f"o{i}", "status": "final",
                "code": {"coding": [{"system": "http://snomed.info/sct",
                                     "code": codes[i % len(codes)]}]},
                "subject": {"reference": f"Patient/p{i % patients}"},
                "effectiveDateTime": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
            }) + "\n")
    return p_path, o_path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _step(kind: str, url: str, paths: list[str], out_dir: str, q: Any) -> None:
    from inclusion_practice.api import InclusionPractice
    from inclusion_practice.config import example_config_text, parse_config
    from inclusion_practice.domain.actor import Actor
    from inclusion_practice.fhir.exporter import ExportFilter, FhirExporter
    from inclusion_practice.fhir.importer import FhirImporter

    ip = InclusionPractice.open(url, config=parse_config(example_config_text()))
    admin = Actor("bench", "admin")
    started = time.perf_counter()
    if kind == "import":
        reports = FhirImporter(ip.services).import_files(admin, [Path(p) for p in paths])
        n = sum(r.read for r in reports)
        assert all(r.ok for r in reports), [r.problems[:3] for r in reports]
    else:
        summary = FhirExporter(ip.services).write_ndjson(
            Actor("bench", "manager"), Path(out_dir), ExportFilter(types=("Patient",)))
        n = sum(summary.counts.values())
    seconds = time.perf_counter() - started
    ip.close()
    q.put({"step": f"{kind} {','.join(Path(p).name for p in paths) or 'Patient'}",
           "resources": n, "seconds": round(seconds, 1),
           "per_second": round(n / seconds), "peak_mb": round(_peak_mb())})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    from inclusion_practice.storage.database import create_db_engine
    from inclusion_practice.storage.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        p_path, o_path = write_inputs(folder, args.patients, args.observations)
        schema = None
        if args.db == "sqlite":
            url = f"sqlite:///{folder / 'bench.db'}"
        else:
            schema = f"ip_bench_{uuid.uuid4().hex[:8]}"
            admin = create_db_engine(PG)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{PG}?options=-csearch_path%3D{schema}"
        engine = create_db_engine(url)
        upgrade(engine)
        engine.dispose()
        ctx = mp.get_context("spawn")
        results = []
        for kind, paths in (("import", [str(p_path)]), ("import", [str(o_path)]),
                            ("import", [str(o_path)]), ("export", [])):
            q = ctx.Queue()
            proc = ctx.Process(target=_step, args=(kind, url, paths, str(folder / "out"), q))
            proc.start()
            results.append(q.get())
            proc.join()
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        print(f"database: {args.db}")
        for r in results:
            print(f"{r['step']:<28} {r['resources']:>8} resources {r['seconds']:>7}s "
                  f"{r['per_second']:>7}/s  peak {r['peak_mb']} MB")
        print("(the second Observation import is the idempotent re-run: every row unchanged)")


if __name__ == "__main__":
    main()
