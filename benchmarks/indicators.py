"""Benchmark: the default indicator set on SQLite and PostgreSQL at 10k / 100k (/1M) patients.

For each size and database it times, in the same run:

* ``engine``  — the compiled SQL engine (:class:`SqlEngine`) on the whole default set;
* ``hand``    — a hand-written SQL query computing the same numbers (A, B, C and events per
  indicator, stratified by sex, age band and category): the floor;
* ``memory``  — the naive in-memory evaluator (load everything, loop in Python); skipped above
  ``--memory-max`` patients.

and checks that all three agree. Data: synthetic patients with registrations, flags,
:func:`clinical_history` events plus unrelated coded noise (tens of events per patient),
invitations and DNAs with outreach actions, bulk-inserted with SQLAlchemy Core.

    python benchmarks/indicators.py                 # 10k and 100k on SQLite and PostgreSQL
    python benchmarks/indicators.py --max 1000000   # also 1M
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inclusion_practice.domain.periods import parse_period
from inclusion_practice.domain.qof import AGE_BANDS, Counts, birthday_cutoff
from inclusion_practice.indicators import memory_engine
from inclusion_practice.indicators.definitions import load_shipped_set
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
from inclusion_practice.storage.database import create_db_engine
from inclusion_practice.storage.migrate import upgrade
from inclusion_practice.synthetic.clinical import clinical_history
from inclusion_practice.synthetic.people import SyntheticPatient

PG_URL = os.environ.get("INCLUSION_PRACTICE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = dt.date(2026, 3, 31)
PERIOD = parse_period("2025/26")
CATS = ["homelessness", "substance_use", "vulnerable_migrant", "sex_work", "prison_leaver", "gypsy_roma_traveller"]
NOISE = [  # real SNOMED CT codes (inclusion_practice/data/codes.csv) that no default indicator counts
    "315570003", "315579002", "315566006", "1108171000000102", "1108131000000104", "225835008",
    "936701000000103", "795661000000104", "314434008", "1325391000000103",
]
CHUNK = 10_000


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


# ---------------------------------------------------------------------------- hand-written SQL

def hand_sql(dialect: str, codes: dict[str, list[str]]) -> tuple[str, list[tuple[str, str, str]]]:
    """The default set written by hand: one wide per-patient table, then one count per indicator.

    Returns the wide-table statement and, per indicator, (id, denominator predicate,
    numerator predicate, exception predicate) — the predicates are over the wide table ``w``.
    """
    def days(x: str) -> str:
        return f"CAST(julianday({x}) AS INTEGER)" if dialect == "sqlite" else f"({x} - DATE '2000-01-01')"

    def dday(x: str) -> str:  # day number of a timestamp's date
        return f"CAST(julianday(date({x})) AS INTEGER)" if dialect == "sqlite" else f"(CAST({x} AS DATE) - DATE '2000-01-01')"

    def q(name: str) -> str:
        return ", ".join(f"'{c}'" for c in codes[name])

    pend = PERIOD.end
    y0 = "'2025-04-01'"  # 12 months to the PPED
    end = f"'{pend}'"
    sql = f"""
CREATE TEMPORARY TABLE hw AS
WITH reg AS (
  SELECT patient_id, MAX(start_date) AS reg_start FROM registration
  WHERE start_date <= {end} AND (end_date IS NULL OR end_date >= {end})
    AND (planned_end IS NULL OR planned_end >= {end}) AND kind = 'permanent'
  GROUP BY patient_id
), cat AS (
  SELECT patient_id,
    MAX(CASE WHEN category IN ('homelessness','substance_use') THEN 1 ELSE 0 END) AS c_bbv,
    MAX(CASE WHEN category IN ('homelessness','substance_use','sex_work') THEN 1 ELSE 0 END) AS c_hepb,
    MAX(CASE WHEN category IN ('homelessness','vulnerable_migrant','prison_leaver') THEN 1 ELSE 0 END) AS c_tb,
    MAX(CASE WHEN category = 'substance_use' THEN 1 ELSE 0 END) AS c_drug,
    MAX(CASE WHEN category IN ('homelessness','vulnerable_migrant','prison_leaver','modern_slavery','domestic_abuse_refuge') THEN 1 ELSE 0 END) AS c_key
  FROM flag WHERE start_date <= {end} AND (end_date IS NULL OR end_date >= {end})
  GROUP BY patient_id
), ev AS (
  SELECT e.patient_id,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('new_patient_check')}) AND {days('e.event_date')} - {days('r.reg_start')} BETWEEN 0 AND 28 THEN e.event_date END) AS nphc,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('health_review')}) AND e.event_date >= {y0} THEN e.event_date END) AS hr,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('hepb_test')}) AND e.event_date >= {y0} THEN e.event_date END) AS hepb,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('hepc_test')}) AND e.event_date >= {y0} THEN e.event_date END) AS hepc,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('hiv_test')}) AND e.event_date >= {y0} THEN e.event_date END) AS hiv,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('hepb_vaccination')}) AND e.event_date >= '2021-03-31' THEN e.event_date END) AS hepbvac,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('flu_vaccination')}) AND e.event_date >= '2025-09-01' THEN e.event_date END) AS flu,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('flu_contraindicated')}) AND e.event_date >= '1926-03-31' THEN e.event_date END) AS fluci,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('tb_screen')}) AND e.event_date >= {y0} THEN e.event_date END) AS tb,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('smoking_status')}) AND e.event_date >= {y0} THEN e.event_date END) AS smok,
    MAX(CASE WHEN e.code IN ({q('smoking_status')}) AND e.event_date >= '2024-04-01'
        THEN {days('e.event_date')} * 2 + CASE WHEN e.code IN ({q('smoking_current')}) THEN 1 ELSE 0 END END) AS smok_latest,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('smoking_support')}) AND e.event_date >= {y0} THEN e.event_date END) AS support,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('audit_c')}) AND e.event_date >= {y0} AND e.value IS NOT NULL AND e.value >= 0 THEN e.event_date END) AS auditc,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('alcohol_declined')}) AND e.event_date >= {y0} THEN e.event_date END) AS alcdec,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('mental_health_review')}) AND e.event_date >= {y0} THEN e.event_date END) AS mh,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('mh_declined')}) AND e.event_date >= {y0} THEN e.event_date END) AS mhdec,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('mh_unsuitable')}) AND e.event_date >= {y0} THEN e.event_date END) AS mhuns,
    COUNT(DISTINCT CASE WHEN e.code IN ({q('drug_review')}) AND e.event_date >= {y0} THEN e.event_date END) AS drug
    , COUNT(DISTINCT CASE WHEN (e.code IN ({q('hepb_test')}) OR e.code IN ({q('hepc_test')}) OR e.code IN ({q('hiv_test')}))
        AND e.event_date >= {y0} THEN e.event_date END) AS bbv_days
  FROM clinical_event e JOIN reg r ON r.patient_id = e.patient_id
  WHERE e.event_date <= {end}
  GROUP BY e.patient_id
), inv AS (
  SELECT patient_id,
    MAX(CASE WHEN topic = 'health_review' THEN {days('sent_on')} END) - MIN(CASE WHEN topic = 'health_review' THEN {days('sent_on')} END) AS i_hr,
    MAX(CASE WHEN topic = 'bbv' THEN {days('sent_on')} END) - MIN(CASE WHEN topic = 'bbv' THEN {days('sent_on')} END) AS i_bbv,
    MAX(CASE WHEN topic = 'flu' AND sent_on >= '2025-09-01' THEN {days('sent_on')} END) - MIN(CASE WHEN topic = 'flu' AND sent_on >= '2025-09-01' THEN {days('sent_on')} END) AS i_flu,
    MAX(CASE WHEN topic = 'tb' THEN {days('sent_on')} END) - MIN(CASE WHEN topic = 'tb' THEN {days('sent_on')} END) AS i_tb,
    MAX(CASE WHEN topic = 'smoking' THEN {days('sent_on')} END) - MIN(CASE WHEN topic = 'smoking' THEN {days('sent_on')} END) AS i_smok,
    MAX(CASE WHEN topic = 'mental_health' THEN {days('sent_on')} END) - MIN(CASE WHEN topic = 'mental_health' THEN {days('sent_on')} END) AS i_mh
  FROM invitation WHERE sent_on >= {y0} AND sent_on <= {end}
  GROUP BY patient_id
), fu AS (
  SELECT DISTINCT a.dna_event_id FROM dna_action a JOIN dna_event d2 ON d2.id = a.dna_event_id
  WHERE a.status = 'done'
    AND a.action IN ('contact_via_keyworker','offer_drop_in','clinician_review','safeguarding_check')
    AND a.done_at IS NOT NULL AND {dday('a.done_at')} - {dday('d2.occurred_at')} BETWEEN 0 AND 14
    AND {dday('a.done_at')} <= {days(end if dialect == 'sqlite' else "DATE " + end)}
), dna AS (
  SELECT d.patient_id, COUNT(*) AS n, SUM(CASE WHEN fu.dna_event_id IS NULL THEN 1 ELSE 0 END) AS missed
  FROM dna_event d LEFT JOIN fu ON fu.dna_event_id = d.id
  WHERE d.voided_at IS NULL AND {dday('d.occurred_at')} BETWEEN {days("'2025-04-01'" if dialect == 'sqlite' else "DATE '2025-04-01'")}
        AND {days("'2026-03-17'" if dialect == 'sqlite' else "DATE '2026-03-17'")}
  GROUP BY d.patient_id
)
SELECT p.id AS patient_id, p.sex,
  CASE {" ".join(f"WHEN p.date_of_birth <= '{birthday_cutoff(pend, lo)}' THEN '{label}'" for label, lo, _ in reversed(AGE_BANDS[1:]))} ELSE '0-15' END AS age_band,
  p.date_of_birth AS dob, r.reg_start, p.main_language, p.interpreter_mode, p.keyworker_name,
  c.c_bbv, c.c_hepb, c.c_tb, c.c_drug, c.c_key,
  COALESCE(ev.nphc,0) AS nphc, COALESCE(ev.hr,0) AS hr, COALESCE(ev.hepb,0) AS hepb, COALESCE(ev.hepc,0) AS hepc,
  COALESCE(ev.hiv,0) AS hiv, COALESCE(ev.hepbvac,0) AS hepbvac, COALESCE(ev.flu,0) AS flu, COALESCE(ev.fluci,0) AS fluci,
  COALESCE(ev.tb,0) AS tb, COALESCE(ev.smok,0) AS smok, ev.smok_latest, COALESCE(ev.support,0) AS support,
  COALESCE(ev.auditc,0) AS auditc, COALESCE(ev.alcdec,0) AS alcdec, COALESCE(ev.mh,0) AS mh,
  COALESCE(ev.mhdec,0) AS mhdec, COALESCE(ev.mhuns,0) AS mhuns, COALESCE(ev.drug,0) AS drug, COALESCE(ev.bbv_days,0) AS bbv_days,
  inv.i_hr, inv.i_bbv, inv.i_flu, inv.i_tb, inv.i_smok, inv.i_mh,
  COALESCE(dna.n,0) AS dna_n, COALESCE(dna.missed,0) AS dna_missed
FROM patient p JOIN reg r ON r.patient_id = p.id JOIN cat c ON c.patient_id = p.id
LEFT JOIN ev ON ev.patient_id = p.id LEFT JOIN inv ON inv.patient_id = p.id LEFT JOIN dna ON dna.patient_id = p.id
"""
    a16, a15 = f"w.dob <= '{birthday_cutoff(pend, 16)}'", f"w.dob <= '{birthday_cutoff(pend, 15)}'"
    r91 = f"w.reg_start <= '{pend - dt.timedelta(days=91)}'"
    lang = "w.main_language IS NOT NULL AND TRIM(w.main_language) <> '' AND LOWER(w.main_language) NOT IN ('en','en-gb')"
    # (id, denominator, numerator, exception (evaluated only outside the numerator), events)
    inds = [
        ("IH001", "1=1", "1=1", "1=0", "0"),
        ("IH002", "w.reg_start BETWEEN '2025-04-01' AND '2026-03-03'", "w.nphc >= 1", "1=0", "w.nphc"),
        ("IH003", r91, "w.hr >= 1", "w.i_hr >= 7", "w.hr"),
        ("IH004", f"w.c_bbv = 1 AND {a16}", "w.hepb >= 1 AND w.hepc >= 1 AND w.hiv >= 1", "w.i_bbv >= 7",
         "w.bbv_days"),
        ("IH005", f"w.c_hepb = 1 AND {a16}", "w.hepbvac >= 3", "1=0", "w.hepbvac"),
        ("IH006", "1=1", "w.flu >= 1", "w.fluci >= 1 OR w.i_flu >= 7", "w.flu"),
        ("IH007", "w.c_tb = 1", "w.tb >= 1", "w.i_tb >= 7", "w.tb"),
        ("IH008", a15, "w.smok >= 1", "1=0", "w.smok"),
        ("IH009", f"{a15} AND w.smok_latest IS NOT NULL AND w.smok_latest % 2 = 1", "w.support >= 1", "w.i_smok >= 7",
         "w.support"),
        ("IH010", a16, "w.auditc >= 1", "w.alcdec >= 1", "w.auditc"),
        ("IH011", r91, "w.mh >= 1", "w.mhuns >= 1 OR w.mhdec >= 1 OR w.i_mh >= 7", "w.mh"),
        ("IH012", "w.c_drug = 1", "w.drug >= 1", "1=0", "w.drug"),
        ("IH013", lang, "w.interpreter_mode IS NOT NULL AND TRIM(w.interpreter_mode) <> ''", "1=0", "0"),
        ("IH014", "w.dna_n > 0", "w.dna_missed = 0", "1=0", "0"),
        ("IH015", "w.c_key = 1", "w.keyworker_name IS NOT NULL AND TRIM(w.keyworker_name) <> ''", "1=0", "0"),
    ]
    return sql, inds  # type: ignore[return-value]


def run_hand(conn: Connection, codes: dict[str, list[str]]) -> dict[str, IndicatorTally]:
    sql, inds = hand_sql(conn.dialect.name, codes)
    trans = conn.begin()
    try:
        conn.execute(text("DROP TABLE IF EXISTS hw"))
        conn.execute(text(sql))
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE hw"))
        parts = []
        for iid, den, num, exc, events in inds:  # type: ignore[misc]
            parts.append(
                f"SELECT '{iid}' AS ind, w.patient_id, w.sex, w.age_band, "
                f"CASE WHEN {num} THEN 1 ELSE 0 END AS n, "
                f"CASE WHEN NOT ({num}) AND ({exc}) THEN 1 ELSE 0 END AS x, "
                f"CASE WHEN {num} THEN {events} ELSE 0 END AS e FROM hw w WHERE {den}"
            )
        conn.execute(text("DROP TABLE IF EXISTS hr_rows"))
        conn.execute(text("CREATE TEMPORARY TABLE hr_rows AS " + " UNION ALL ".join(parts)))
        out: dict[str, dict[str, Any]] = {i[0]: {"t": Counts(), "s": {}, "a": {}, "c": {}} for i in inds}
        for ind, sex, band, b, a, c, e in conn.execute(text(
            "SELECT ind, sex, age_band, COUNT(*), SUM(n), SUM(x), SUM(e) FROM hr_rows GROUP BY ind, sex, age_band"
        )):
            cnt = Counts(int(a), int(b), int(c), int(e))
            o = out[ind]
            o["t"] = o["t"] + cnt
            o["s"][sex] = o["s"].get(sex, Counts()) + cnt
            o["a"][band] = o["a"].get(band, Counts()) + cnt
        for ind, cat, b, a, c, e in conn.execute(text(
            "SELECT r.ind, f.category, COUNT(*), SUM(r.n), SUM(r.x), SUM(r.e) FROM hr_rows r JOIN ("
            f"SELECT DISTINCT patient_id, category FROM flag WHERE start_date <= '{PERIOD.end}' "
            f"AND (end_date IS NULL OR end_date >= '{PERIOD.end}')) f ON f.patient_id = r.patient_id "
            "GROUP BY r.ind, f.category"
        )):
            out[ind]["c"][cat] = Counts(int(a), int(b), int(c), int(e))
        return {k: IndicatorTally(k, v["t"], v["s"], v["a"], v["c"]) for k, v in out.items()}
    finally:
        trans.rollback()


# ---------------------------------------------------------------------------- driver

def build(url: str, n: int) -> tuple[float, int]:
    engine = create_db_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    events = 0
    for batch in synthetic_records(n):
        with engine.begin() as conn:
            insert_records_fast(conn, batch)
        events += sum(len(p.events) for p in batch)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
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


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--max", type=int, default=0, help="also run this size (e.g. 1000000)")
    ap.add_argument("--dbs", nargs="*", default=["sqlite", "postgresql"])
    ap.add_argument("--memory-max", type=int, default=100_000, help="skip the in-memory evaluator above this")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default="/tmp/ip-bench")
    args = ap.parse_args()
    sizes = sorted(set(args.sizes + ([args.max] if args.max else [])))
    ind_set = load_shipped_set("inclusion-health-les")
    codes = {k: sorted(v.code_set) for k, v in ind_set.codelists.items()}
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    rows = []
    for db in args.dbs:
        for n in sizes:
            global _dna_offset
            _dna_offset = 0
            if db == "sqlite":
                path = Path(args.workdir) / f"bench-{n}.db"
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
                url = f"sqlite:///{path}"
            else:
                schema = f"ip_bench_{n}"
                admin = create_db_engine(PG_URL)
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                admin.dispose()
                sep = "&" if "?" in PG_URL else "?"
                url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
            load_s, n_events = build(url, n)
            engine = create_db_engine(url)
            with engine.connect() as conn:
                t_engine, res_engine = timed(lambda: SqlEngine(conn).run(ind_set, PERIOD), args.repeat)
                t_hand, res_hand = timed(lambda: run_hand(conn, codes), args.repeat)
                t_mem = None
                if n <= args.memory_max:
                    t_mem, res_mem = timed(
                        lambda: memory_engine.run_set(ind_set, load_records(conn), PERIOD), 1
                    )
                    assert res_mem == res_engine, "memory and SQL engine disagree"
            engine.dispose()
            assert res_hand == res_engine, "hand-written SQL and the engine disagree"
            rows.append((db, n, n_events, load_s, t_engine, t_hand, t_mem))
            print(f"{db:<10} {n:>9,} patients {n_events:>11,} events  load {load_s:7.1f}s  "
                  f"engine {t_engine:7.3f}s  hand {t_hand:7.3f}s  ratio {t_engine / t_hand:5.2f}  "
                  f"memory {'-' if t_mem is None else f'{t_mem:.2f}s'}", flush=True)
    print()
    print("| db | patients | events | engine s | hand-written s | engine/hand | memory s | memory/hand |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for db, n, ne, _load, te, th, tm in rows:
        mem = "-" if tm is None else f"{tm:.2f}"
        mr = "-" if tm is None else f"{tm / th:.1f}"
        print(f"| {db} | {n:,} | {ne:,} | {te:.3f} | {th:.3f} | {te / th:.2f} | {mem} | {mr} |")


if __name__ == "__main__":
    main()
