"""Random small practices: the SQL engine (on SQLite and PostgreSQL) and DuckDB (over each) agree
with the in-memory evaluator on every shipped indicator, numerator ⊆ denominator and
exceptions ∩ numerator = ∅. The practices have temporary and immediately-necessary
registrations, overlapping and consecutive periods, linked records, duplicate entries on one
day, language tags in any case and values of spaces only."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from inclusion_practice.domain.periods import parse_period
from inclusion_practice.indicators import memory_engine
from inclusion_practice.indicators.definitions import load_shipped_set, shipped_set_names
from inclusion_practice.indicators.records import (
    DnaActionRow,
    DnaRow,
    EventRow,
    FlagRow,
    InvitationRow,
    PatientHistory,
    RegistrationRow,
)
from inclusion_practice.storage.database import normalise_url
from tests.conftest import truncate_pg
from tests.indicator_support import SQL_RUNNERS, insert_records, sql_runner

PERIOD = parse_period("2025/26")
SETS = [load_shipped_set(n) for n in shipped_set_names()]
CODES = sorted({c for s in SETS for cl in s.codelists.values() for c in cl.code_set})
TOPICS = ["health_review", "bbv", "flu", "mental_health", "smoking", "tb", "other"]
CATEGORIES = ["homelessness", "substance_use", "vulnerable_migrant", "sex_work", "prison_leaver"]
KINDS = ["permanent", "permanent", "temporary", "immediately_necessary"]

days = st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2026, 6, 30))


@st.composite
def patients(draw: st.DrawFn, pid: int, link: int | None = None) -> PatientHistory:
    def opt_end(start: dt.date) -> dt.date | None:
        return draw(st.none() | st.dates(min_value=start, max_value=dt.date(2027, 1, 1)))

    regs = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(days)
        regs.append(RegistrationRow(
            start, opt_end(start), draw(st.none() | st.just(start + dt.timedelta(days=90))),
            draw(st.sampled_from(KINDS)),
        ))
    flags = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(days)
        flags.append(FlagRow(draw(st.sampled_from(CATEGORIES)), start, opt_end(start)))
    events = [
        EventRow(draw(st.sampled_from(CODES)), draw(days), draw(st.none() | st.floats(0, 12).map(round)))
        for _ in range(draw(st.integers(0, 8)))
    ]
    if events and draw(st.booleans()):
        events.append(events[0])  # a duplicate entry on the same day
    invites = [InvitationRow(draw(st.sampled_from(TOPICS)), draw(days)) for _ in range(draw(st.integers(0, 4)))]
    dnas = []
    for _ in range(draw(st.integers(0, 2))):
        when = dt.datetime.combine(draw(days), dt.time(10))
        acts = tuple(
            DnaActionRow(
                draw(st.sampled_from(["contact_via_keyworker", "warning_letter", "offer_drop_in"])),
                draw(st.sampled_from(["done", "due"])),
                when + dt.timedelta(days=draw(st.integers(-1, 20))),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        dnas.append(DnaRow(when, draw(st.none() | st.just(when)), acts))
    return PatientHistory(
        id=pid,
        date_of_birth=draw(st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2015, 12, 31))),
        sex=draw(st.sampled_from(["female", "male", "other"])),
        main_language=draw(st.sampled_from([None, "en", "EN-gb", "pl", "PL", "ar", " "])),
        interpreter_needed=draw(st.booleans()),
        interpreter_mode=draw(st.sampled_from([None, "", "  ", "telephone"])),
        keyworker_name=draw(st.sampled_from([None, "", "   ", "Sam"])),
        linked_to_id=link,
        registrations=tuple(regs),
        flags=tuple(flags),
        events=tuple(events),
        invitations=tuple(invites),
        dnas=tuple(dnas),
    )


@st.composite
def practices(draw: st.DrawFn) -> list[PatientHistory]:
    n = draw(st.integers(1, 12))
    out: list[PatientHistory] = []
    for i in range(n):
        # Now and then a record linked as the same person as an earlier one (the surviving record,
        # or, rarely, a record that is itself linked: both engines drop such a chain).
        link = draw(st.none() | st.integers(1, i)) if i and draw(st.integers(0, 3)) == 0 else None
        out.append(draw(patients(i + 1, link)))
    return out


def _fresh(db_url: str, tmp_path: Path, sqlite_template: Path) -> str:
    """An empty migrated database per example: a new SQLite file, or the PostgreSQL schema emptied."""
    if db_url.startswith("sqlite"):
        db = tmp_path / f"{uuid.uuid4().hex}.db"
        shutil.copy(sqlite_template, db)
        return f"sqlite:///{db}"
    truncate_pg(db_url)
    return db_url


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(records=practices())
def test_engines_agree_on_random_practices(
    records: list[PatientHistory], db_url: str, tmp_path: Path, sqlite_template: Path
) -> None:
    engine = create_engine(normalise_url(_fresh(db_url, tmp_path, sqlite_template)))
    try:
        with engine.begin() as conn:
            insert_records(conn, records)
        mem_all = {s.id: {i.id: memory_engine.evaluate(i, records, PERIOD, s.codelists) for i in s.indicators} for s in SETS}
        for mem_set in mem_all.values():
            for iid, mem in mem_set.items():
                for o in mem:
                    assert not (o.numerator and o.exception), "exceptions ∩ numerator must be empty"
                denominator = {o.patient_id for o in mem}
                assert {o.patient_id for o in mem if o.numerator} <= denominator, iid
        for runner in SQL_RUNNERS:
            with engine.connect() as conn, sql_runner(runner, conn) as run:
                for s in SETS:
                    sql_all = run.all_outcomes(s, PERIOD)
                    for ind in s.indicators:
                        assert sql_all[ind.id] == mem_all[s.id][ind.id], (runner, ind.id)
                    assert run.run(s, PERIOD) == memory_engine.run_set(s, records, PERIOD), runner
    finally:
        engine.dispose()
