"""The DuckDB engine as the practice uses it: chosen by ``auto``, configurable, refused with the
reason where it cannot read the database, and never writing to it. (Its answers are checked
case by case in test_indicator_engines and on random practices in test_indicator_properties.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from sqlalchemy import create_engine

from inclusion_practice.api import InclusionPractice
from inclusion_practice.cli.app import main
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.periods import parse_period
from inclusion_practice.errors import InvalidInput
from inclusion_practice.indicators.definitions import load_shipped_set
from inclusion_practice.indicators.duckdb_engine import duckdb_engine, event_codes, to_duckdb
from inclusion_practice.indicators.records import FlagRow, PatientHistory, RegistrationRow
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.indicators import IndicatorService
from inclusion_practice.storage import duckdb_source
from inclusion_practice.storage.database import normalise_url
from inclusion_practice.storage.duckdb_source import duckdb_attached, duckdb_problem
from tests.conftest import PASSWORD, use_cli_password
from tests.indicator_support import insert_records

D = dt.date
PERIOD = parse_period("2025/26")


def _practice(ip: InclusionPractice) -> None:
    recs = [
        PatientHistory(i, D(1970 + i, 1, 1), "female" if i % 2 else "male",
                       registrations=(RegistrationRow(D(2024, 1, 1)),),
                       flags=(FlagRow("homelessness", D(2024, 1, 1)),))
        for i in range(1, 6)
    ]
    with ip.db.engine.begin() as conn:
        insert_records(conn, recs)


def _with_engine(config: PracticeConfig, engine: str) -> PracticeConfig:
    return config.model_copy(update={"reporting": config.reporting.model_copy(update={"indicator_engine": engine})})


def test_auto_runs_on_duckdb_with_the_sql_engines_answers(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    _practice(ip)
    auto = ip.indicators.run(actors["manager"], "2025/26")
    sql = ip.indicators.run(actors["manager"], "2025/26", engine="sql")
    assert (auto.engine, sql.engine) == ("duckdb", "sql")
    assert auto.results == sql.results
    assert next(r for r in auto.results if r.indicator_id == "IH001").counts.denominator == 5


def test_the_practice_chooses_its_engine_in_practice_toml(
    ip: InclusionPractice, actors: dict[str, Actor], config: PracticeConfig, clock: FixedClock
) -> None:
    _practice(ip)
    service = IndicatorService(ip.db, _with_engine(config, "sql"), clock)
    assert service.run(actors["manager"], "2025/26").engine == "sql"
    assert service.run(actors["manager"], "2025/26", engine="duckdb").engine == "duckdb"
    lists = IndicatorService(ip.db, _with_engine(config, "duckdb"), clock).patients(
        actors["clinician"], "IH001", "2025/26")
    assert [p.patient_id for p in lists.numerator] == [1, 2, 3, 4, 5]


def test_where_duckdb_cannot_read_auto_falls_back_and_duckdb_is_refused(
    config: PracticeConfig, clock: FixedClock
) -> None:
    assert duckdb_problem("sqlite:///practice.db") is None
    assert duckdb_problem("postgresql+psycopg://u@localhost/db") is None
    assert "file" in (duckdb_problem("sqlite://") or "")
    in_memory = IndicatorService(SimpleNamespace(url="sqlite://"), config, clock)  # type: ignore[arg-type]
    assert in_memory.engine("auto") == "sql"
    with pytest.raises(InvalidInput, match="duckdb cannot run here: DuckDB can only attach a SQLite database file"):
        in_memory.engine("duckdb")
    with pytest.raises(InvalidInput, match="auto, duckdb, sql, memory"):
        in_memory.engine("abacus")


def test_a_missing_or_mismatched_extension_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duckdb_source, "_duckdb_version", lambda: "9.9.9")
    problem = duckdb_problem("sqlite:///practice.db") or ""
    assert "not duckdb 9.9.9" in problem
    assert "pip install duckdb-extension-sqlite-scanner==9.9.9" in problem
    monkeypatch.setattr(duckdb_source, "_duckdb_version", lambda: None)
    assert duckdb_problem("postgresql://u@h/db") == "duckdb is not installed (pip install duckdb)"


def test_the_practice_database_is_attached_read_only(db_url: str) -> None:
    engine = create_engine(normalise_url(db_url))
    try:
        with engine.begin() as conn:
            insert_records(conn, [PatientHistory(1, D(1980, 1, 1), "female")])
        with engine.connect() as conn, duckdb_attached(conn) as (duck, practice):
            assert duck.execute(f"SELECT count(*) FROM {practice}.patient").fetchall() == [(1,)]
            with pytest.raises(duckdb.Error, match=r"(?i)read.only"):
                duck.execute(f"DELETE FROM {practice}.patient")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM patient").scalar_one() == 1
    finally:
        engine.dispose()


def test_a_session_copied_for_one_set_refuses_a_set_that_reads_other_events(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "p.db"
    db.write_bytes(sqlite_template.read_bytes())
    engine = create_engine(f"sqlite:///{db}")
    les, local = load_shipped_set("inclusion-health-les"), load_shipped_set("pctms-local")
    try:
        with engine.connect() as conn, duckdb_engine(conn, les) as duck:
            assert duck.run(les, PERIOD)["IH001"].total.denominator == 0
            assert not event_codes(local) <= event_codes(les)
            with pytest.raises(ValueError, match="did not copy"):
                duck.run(local, PERIOD)
    finally:
        engine.dispose()


def test_values_are_inlined_as_typed_literals() -> None:
    from sqlalchemy import column, literal, select

    stmt = select(literal("O'Brien"), literal(D(2026, 3, 31)), literal(dt.datetime(2026, 3, 31, 9, 5)),
                  literal(True), literal(2.5)).where(column("x").in_([1, 2]), column("y") % 2 == 1)
    sql = to_duckdb(stmt)
    assert "'O''Brien'" in sql and "DATE '2026-03-31'" in sql and "TIMESTAMP '2026-03-31 09:05:00'" in sql
    assert "IN (1, 2)" in sql and "% 2" in sql and "%%" not in sql and "?" not in sql


def test_indicators_run_on_the_command_line_names_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INCLUSION_PRACTICE_DB", raising=False)
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    assert main(["init"]) == 0
    ip = InclusionPractice.open(f"sqlite:///{tmp_path / 'inclusion_practice.db'}")
    ip.users.create(SYSTEM, "manager1", "Manager1", "manager", password=PASSWORD)
    _practice(ip)
    ip.close()
    use_cli_password(monkeypatch)
    for engine in ("auto", "duckdb", "sql", "memory"):
        capsys.readouterr()
        assert main(["--as", "manager1", "indicators", "run", "--period", "2025/26", "--engine", engine]) == 0
        out = capsys.readouterr().out
        assert f"engine {'duckdb' if engine == 'auto' else engine}" in out
        assert "IH001" in out
