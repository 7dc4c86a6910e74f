"""The synthetic practice: deterministic from its seed, realistic within stated bounds."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.postcode import NO_FIXED_ABODE
from inclusion_practice.storage.database import Database
from inclusion_practice.storage.tables import AuditEvent
from inclusion_practice.synthetic.generator import generate_practice, nhs_check_digit

TODAY = dt.date(2026, 11, 22)
LANGUAGES_IN_CODES = {"ar", "bn", "pl", "so", "ur", "fa", "ku", "uk", "ti", "prs", "ro", "rom", "ps", "bfi"}


def _fresh(tmp_path: Path, template: Path, name: str) -> Database:
    target = tmp_path / name
    shutil.copy(template, target)
    return Database(f"sqlite:///{target}")


def _dump(db: Database) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        rows: list[tuple[object, ...]] = []
        for table in ("patient", "registration", "flag", "adjustment", "clinical_event",
                      "invitation", "clinic_session", "appointment", "dna_event", "task"):
            rows.extend(tuple(r) for r in conn.execute(text(f"select * from {table} order by id")))
        return rows


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
             config: PracticeConfig) -> Database:
    db = _fresh(tmp_path_factory.mktemp("demo"), sqlite_template, "demo.db")
    generate_practice(db, config, patients=3000, seed=7, today=TODAY, with_users=False)
    return db


def test_the_same_seed_gives_the_same_practice(
    tmp_path: Path, sqlite_template: Path, config: PracticeConfig
) -> None:
    a, b, c = (_fresh(tmp_path, sqlite_template, f"{n}.db") for n in "abc")
    for db, seed in ((a, 11), (b, 11), (c, 12)):
        generate_practice(db, config, patients=300, seed=seed, today=TODAY, batch_size=128,
                          with_users=False)
    assert _dump(a) == _dump(b)
    assert _dump(a) != _dump(c)


def _scalar(db: Database, sql: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_between_8_and_12_percent_are_flagged_and_some_have_several_flags(practice: Database) -> None:
    flagged = _scalar(practice, "select count(distinct patient_id) from flag")
    assert 0.08 * 3000 <= flagged <= 0.12 * 3000
    several = _scalar(practice, "select count(*) from (select patient_id from flag "
                                "group by patient_id having count(distinct category) > 1) x")
    assert several >= 0.1 * flagged


def test_every_category_and_interpreter_language_is_represented(practice: Database) -> None:
    with practice.engine.connect() as conn:
        cats = set(conn.execute(text("select distinct category from flag")).scalars())
        langs = set(conn.execute(
            text("select distinct main_language from patient where interpreter_needed")).scalars())
    assert {"homelessness", "vulnerable_migrant", "gypsy_roma_traveller", "sex_work",
            "substance_use", "prison_leaver", "learning_disability"} <= cats
    assert len(langs & LANGUAGES_IN_CODES) >= 10


def test_people_of_no_fixed_abode_use_the_pseudo_postcode_and_a_proxy_address(practice: Database) -> None:
    nfa = _scalar(practice, "select count(*) from patient where no_fixed_abode")
    assert nfa > 0
    assert _scalar(practice, f"select count(*) from patient where no_fixed_abode and "
                             f"usual_postcode <> '{NO_FIXED_ABODE}'") == 0
    assert _scalar(practice, "select count(*) from patient where no_fixed_abode and "
                             "correspondence_kind not in ('partner', 'practice')") == 0
    assert _scalar(practice, "select count(*) from patient where correspondence_kind = 'practice' "
                             "and post_check_agreed_on is null") == 0


def test_a_share_have_no_nhs_number_and_the_rest_are_valid_test_range_numbers(practice: Database) -> None:
    missing = _scalar(practice, "select count(*) from patient where nhs_number is null")
    assert 0.02 * 3000 <= missing <= 0.15 * 3000
    with practice.engine.connect() as conn:
        numbers = conn.execute(text("select nhs_number from patient where nhs_number is not null")).scalars().all()
    assert all(n.startswith("999") and nhs_check_digit(n[:9]) == int(n[9]) for n in numbers)


def test_names_have_accents_hyphens_and_estimated_dates_of_birth(practice: Database) -> None:
    with practice.engine.connect() as conn:
        names = conn.execute(text("select given_name || ' ' || family_name from patient")).scalars().all()
    assert any("-" in n for n in names)
    assert any(any(ord(ch) > 127 for ch in n) for n in names)
    assert _scalar(practice, "select count(*) from patient where dob_estimated") > 0
    assert _scalar(practice, "select count(*) from patient where dob_estimated and "
                             "strftime('%m-%d', date_of_birth) <> '01-01'") == 0


def test_there_are_dna_histories_and_three_years_of_coded_events(practice: Database) -> None:
    assert _scalar(practice, "select count(*) from dna_event") > 300
    assert _scalar(practice, "select count(*) from clinical_event") > 3000 * 3
    with practice.engine.connect() as conn:
        first = conn.execute(text("select min(event_date) from clinical_event")).scalar_one()
    assert str(first) <= str(TODAY.replace(year=TODAY.year - 2))


def test_every_dna_is_a_missed_appointment_among_the_ones_patients_came_to(
    practice: Database,
) -> None:
    assert _scalar(practice, "select count(*) from dna_event where appointment_id is null") == 0
    assert _scalar(practice, """
        select count(*) from dna_event e join appointment a on a.id = e.appointment_id
        where a.status = 'dna' and a.patient_id = e.patient_id and a.start = e.occurred_at
    """) == _scalar(practice, "select count(*) from dna_event")
    seen = _scalar(practice, "select count(*) from appointment where status = 'seen'")
    missed = _scalar(practice, "select count(*) from appointment where status = 'dna'")
    assert 0.01 < missed / (seen + missed) < 0.2
    # Past appointments sit in a past session of the same day, never today or later.
    assert _scalar(practice, f"""
        select count(*) from appointment a join clinic_session s on s.id = a.session_id
        where s.session_date <> date(a.start) or s.session_date >= '{TODAY.isoformat()}'
    """) == 0


def test_a_second_run_adds_to_the_past_sessions_instead_of_clashing(
    tmp_path: Path, sqlite_template: Path, config: PracticeConfig
) -> None:
    db = _fresh(tmp_path, sqlite_template, "twice.db")
    generate_practice(db, config, patients=200, seed=3, today=TODAY, with_users=False)
    sessions = _scalar(db, "select count(*) from clinic_session")
    summary = generate_practice(db, config, patients=200, seed=3, today=TODAY, with_users=False)
    assert summary.past_appointments > 0
    assert _scalar(db, "select count(*) from appointment") == 2 * summary.past_appointments
    assert _scalar(db, "select count(*) from clinic_session") < 2 * sessions


def test_bulk_loads_are_audited_per_batch(practice: Database) -> None:
    with practice.engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(AuditEvent)
                            .where(AuditEvent.action == "synthetic_practice")).scalar_one()
    assert rows >= 5


def test_every_generated_record_reads_back_through_the_library_and_fhir(
    practice: Database, config: PracticeConfig
) -> None:
    """Guards against the generator writing values the services would refuse to read."""
    from inclusion_practice.api import InclusionPractice
    from inclusion_practice.domain.actor import Actor

    ip = InclusionPractice(practice, config)
    clinician = Actor("drokafor", "clinician")
    for pid in range(1, 3001, 7):
        view = ip.patients.show(clinician, pid)
        assert view is not None
        bundle = ip.fhir.patient_bundle(clinician, pid)
        assert bundle["resourceType"] == "Bundle"
