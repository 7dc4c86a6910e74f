"""Returns end to end: the PDF says what the engine and the CSV say, for any practice size."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock, SystemClock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InvalidInput, PermissionDenied
from inclusion_practice.storage.database import Database
from reports.csv_json import to_csv, to_json
from reports.fhir_bundle import fhir_bundle
from reports.figures import ReturnFigures, ReturnKind
from reports.pdf import render_pdf
from reports.returns import build_return
from reports.service import Outputs, ReturnsService
from reports.suppression import SUPPRESSED, WITHHELD
from tests import returns_support as data
from tests.conftest import NOW, use_cli_password
from tests.fhir_schema import assert_valid

FIXED = dt.datetime(2026, 4, 30, 9, 0, tzinfo=dt.UTC)
MANAGER = Actor("manager1", "manager")


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def tokens(text: str) -> list[str]:
    """Whitespace-separated words with thousands separators removed (1,234 → 1234)."""
    return [re.sub(r"(?<=\d),(?=\d{3})", "", w) for w in text.split()]


def contains_run(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def csv_cells(text: str) -> dict[tuple[str, str, str, str], str]:
    return {(r["scope"], r["table"], r["row"], r["column"]): r["value"]
            for r in csv.DictReader(io.StringIO(text))}


@pytest.fixture(scope="module")
def demo(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, config: PracticeConfig
) -> Iterator[InclusionPractice]:
    """A 2,000-patient synthetic practice, two users and some appointments in 2026Q3.

    (The 100,000-patient practice is in ``benchmarks/returns.py``: too slow for the suite.)"""
    from inclusion_practice.services.access import SYSTEM
    from inclusion_practice.synthetic.generator import generate_practice

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    clock = FixedClock(NOW)
    db = Database(f"sqlite:///{path}", clock=clock)
    generate_practice(db, config, patients=2000, seed=11, with_users=False)
    ip = InclusionPractice(db, config, clock)
    for username, role in (("manager1", "manager"), ("reception1", "receptionist")):
        ip.users.create(SYSTEM, username, username.title(), role, password="correct horse")
    at = dt.datetime(2026, 10, 5, 9, 0)
    with db.engine.begin() as conn:
        for pid in range(1, 40):
            status = ("seen", "dna", "seen", "cancelled_patient")[pid % 4]
            data.appointment(conn, pid, at + dt.timedelta(days=pid), status, slots=1 + pid % 2,
                             interpreter=("pl", "telephone", "booked") if pid % 5 == 0 else None,
                             dna_actions=(("flexible", "contact_via_keyworker", "done"),))
    yield ip
    ip.close()


@pytest.fixture
def sqlite_ip(
    sqlite_template: Path, tmp_path: Path, config: PracticeConfig
) -> Iterator[InclusionPractice]:
    """An empty practice on SQLite only, for rules that do not depend on the engine."""
    path = tmp_path / "empty.db"
    shutil.copy(sqlite_template, path)
    clock = FixedClock(NOW)
    ip = InclusionPractice(Database(f"sqlite:///{path}", clock=clock), config, clock)
    yield ip
    ip.close()


@pytest.fixture(scope="module")
def les(demo: InclusionPractice) -> tuple[ReturnFigures, bytes, str]:
    figures = build_return(demo, MANAGER, ReturnKind.LES_ANNUAL, "2025/26")
    return figures, render_pdf(figures, creation_date=FIXED), to_csv(figures)


# --------------------------------------------------------------------------- numbers agree


def test_every_indicator_row_of_the_pdf_equals_the_engine_and_the_csv(
    demo: InclusionPractice, les: tuple[ReturnFigures, bytes, str]
) -> None:
    _, pdf, csv_text = les
    engine = demo.indicators.run(MANAGER, "2025/26", "inclusion-health-les")
    cells = csv_cells(csv_text)
    words = tokens(pdf_text(pdf))
    columns = ("numerator", "denominator", "exceptions", "achievement", "lower", "upper",
               "max_points", "points", "payment")
    for r in engine.results:
        row = [cells[("period", "indicators", r.indicator_id, c)] for c in columns]
        assert row[:3] == [str(r.counts.numerator), str(r.counts.denominator),
                           str(r.counts.exceptions)], r.indicator_id
        if r.kind == "proportion":
            assert r.achievement is not None
            assert row[3] == f"{r.achievement:.1f}"
        assert row[7] == f"{r.points:.2f}"
        assert row[8] == f"{r.payment:.2f}"
        assert contains_run(words, row), (r.indicator_id, row)
    total = f"{engine.total_payment:.2f}"
    assert cells[("period", "summary", "claim", "value")] == total
    assert total in words


def test_every_count_in_the_csv_appears_in_the_pdf(les: tuple[ReturnFigures, bytes, str]) -> None:
    _, pdf, csv_text = les
    words = set(tokens(pdf_text(pdf)))
    for (scope, table, _row, _col), value in csv_cells(csv_text).items():
        if scope == "return" or not value or not re.fullmatch(r"\d+(\.\d+)?", value):
            continue
        assert value in words, (table, _row, _col, value)


def test_the_register_at_the_year_end_is_the_register_indicator(
    demo: InclusionPractice, les: tuple[ReturnFigures, bytes, str]
) -> None:
    figures = les[0]
    ih001 = next(r for r in figures.current.indicators if r.indicator_id == "IH001")
    assert figures.current.register_total.at_end == ih001.numerator


def test_csv_and_json_carry_the_same_cells(demo: InclusionPractice) -> None:
    figures = build_return(demo, MANAGER, ReturnKind.QUARTERLY, "2026Q3", with_trend=False)
    cells = csv_cells(to_csv(figures))
    doc = json.loads(to_json(figures))
    from_json = {
        (t["scope"], t["key"], row["key"], col): value
        for t in doc["tables"] for row in t["rows"] for col, value in row["values"].items()
    }
    assert {k: str(v) for k, v in from_json.items()} == cells
    assert cells[("period", "appointments", "appointments", "count")] != "0"
    assert ("year_to_date", "indicators", "IH002", "numerator") in cells


# --------------------------------------------------------------------------- any practice size


def test_an_empty_practice_gets_a_complete_return_of_zeros_on_either_engine(
    ip: InclusionPractice,
) -> None:
    figures = build_return(ip, MANAGER, ReturnKind.LES_ANNUAL, "2025/26")
    text = pdf_text(render_pdf(figures, creation_date=FIXED))
    assert "Sign-off" in text and "Methods appendix" in text
    assert figures.current.register_total.at_end == 0
    assert all(r.numerator == 0 for r in figures.current.indicators)


@pytest.mark.parametrize("kind", [ReturnKind.PCTMS_ANNUAL, ReturnKind.QUARTERLY])
def test_an_empty_practice_gets_every_kind_of_return(
    sqlite_ip: InclusionPractice, kind: ReturnKind
) -> None:
    period = "2025Q4" if kind is ReturnKind.QUARTERLY else "2025/26"
    figures = build_return(sqlite_ip, MANAGER, kind, period)
    text = pdf_text(render_pdf(figures, creation_date=FIXED))
    assert "Sign-off" in text and "Methods appendix" in text
    assert figures.current.register_total.at_end == 0
    assert all(r.numerator == 0 for r in figures.current.indicators)
    assert "Page 1 of" in text


def test_one_flagged_patient_is_counted_privately_and_suppressed_when_published(
    ip: InclusionPractice,
) -> None:
    admin = Actor("admin1", "admin")
    with ip.db.engine.begin() as conn:
        data.patient(conn, 1, flags=(("sex_work", dt.date(2025, 6, 1), None),))
    private = build_return(ip, admin, ReturnKind.LES_ANNUAL, "2025/26", with_trend=False)
    published = build_return(ip, admin, ReturnKind.LES_ANNUAL, "2025/26", publishable=True)
    assert csv_cells(to_csv(private))[("period", "register", "sex_work", "at_end")] == "1"
    cells = csv_cells(to_csv(published))
    assert cells[("period", "register", "sex_work", "at_end")] == SUPPRESSED
    assert cells[("period", "summary", "claim", "value")] == WITHHELD
    text = pdf_text(render_pdf(published, creation_date=FIXED))
    assert SUPPRESSED in text
    assert "Publishable version" in text and "rounded to the nearest 5" in text
    private_text = pdf_text(render_pdf(private, creation_date=FIXED))
    assert "Private return" in private_text and "not for publication" in private_text


# --------------------------------------------------------------------------- determinism


def test_the_same_data_and_period_give_byte_identical_outputs(demo: InclusionPractice) -> None:
    a = build_return(demo, MANAGER, ReturnKind.QUARTERLY, "2025Q2")
    b = build_return(demo, MANAGER, ReturnKind.QUARTERLY, "2025Q2")
    assert to_csv(a).encode() == to_csv(b).encode()
    assert to_json(a).encode() == to_json(b).encode()
    assert render_pdf(a, creation_date=FIXED) == render_pdf(b, creation_date=FIXED)
    assert json.dumps(fhir_bundle(a, FIXED)) == json.dumps(fhir_bundle(b, FIXED))


def test_pdfs_made_at_different_moments_differ_only_in_their_creation_date(
    les: tuple[ReturnFigures, bytes, str],
) -> None:
    figures = les[0]
    first = render_pdf(figures, creation_date=FIXED)
    later = render_pdf(figures, creation_date=FIXED + dt.timedelta(days=3, hours=2))
    assert first != later
    stamp = re.compile(rb"D:\d{14}")
    assert stamp.sub(b"D:X", first) == stamp.sub(b"D:X", later)


# --------------------------------------------------------------------------- period edges


@pytest.mark.parametrize(
    ("today", "default_year", "provisional"),
    [
        ("2026-03-31 23:59:00", "2024/25", True),
        ("2026-04-01 00:01:00", "2025/26", False),
    ],
)
def test_on_31_march_the_year_is_provisional_and_on_1_april_it_is_the_default(
    db_url: str, config: PracticeConfig, today: str, default_year: str, provisional: bool
) -> None:
    with freeze_time(today):
        ip = InclusionPractice(Database(db_url, clock=SystemClock()), config, SystemClock())
        try:
            this_year = build_return(ip, MANAGER, ReturnKind.LES_ANNUAL, "2025/26", with_trend=False)
            default = build_return(ip, MANAGER, ReturnKind.LES_ANNUAL, with_trend=False)
        finally:
            ip.close()
    assert this_year.provisional is provisional
    assert any("Provisional" in n for n in this_year.notes) is provisional
    assert default.period.label == default_year
    status = csv_cells(to_csv(this_year))[("return", "identity", "status", "value")]
    assert status.startswith("provisional") is provisional


@freeze_time("2026-01-01 10:00:00")
def test_the_default_quarter_is_the_last_one_that_has_ended(
    db_url: str, config: PracticeConfig
) -> None:
    ip = InclusionPractice(Database(db_url, clock=SystemClock()), config, SystemClock())
    try:
        figures = build_return(ip, MANAGER, ReturnKind.QUARTERLY, with_trend=False)
    finally:
        ip.close()
    assert figures.period.label == "2025Q3"
    assert figures.year_to_date is not None
    assert (figures.year_to_date.period.start, figures.year_to_date.period.end) == (
        dt.date(2025, 4, 1), dt.date(2025, 12, 31))


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("role", ["receptionist", "clinician"])
def test_only_managers_and_admins_may_produce_returns(
    sqlite_ip: InclusionPractice, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        build_return(sqlite_ip, Actor("someone", role), ReturnKind.LES_ANNUAL, "2025/26")


@pytest.mark.parametrize(
    ("kind", "period", "reason"),
    [
        (ReturnKind.LES_ANNUAL, "2025Q3", "financial year"),
        (ReturnKind.PCTMS_ANNUAL, "2025-04-01..2025-12-31", "financial year"),
        (ReturnKind.QUARTERLY, "2025/26", "quarter"),
        (ReturnKind.QUARTERLY, "2025-04-02..2025-06-30", "quarter"),
        (ReturnKind.LES_ANNUAL, "last year", "not a period"),
    ],
)
def test_a_period_of_the_wrong_shape_is_refused_naming_the_period(
    sqlite_ip: InclusionPractice, kind: ReturnKind, period: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        build_return(sqlite_ip, MANAGER, kind, period)
    assert err.value.field == "period"
    assert reason in err.value.reason


# --------------------------------------------------------------------------- FHIR


def test_the_fhir_bundle_holds_a_valid_measure_report_per_indicator_and_period(
    demo: InclusionPractice,
) -> None:
    figures = build_return(demo, MANAGER, ReturnKind.QUARTERLY, "2025Q3", with_trend=False)
    bundle = fhir_bundle(figures, FIXED)
    assert_valid(bundle)
    reports = [e["resource"] for e in bundle["entry"]]
    assert len(reports) == 2 * len(figures.current.indicators)
    assert len({r["id"] for r in reports}) == len(reports)
    ih003 = next(r for r in reports if r["id"].startswith("IH003-2025-10-01"))
    pops = {p["code"]["coding"][0]["code"]: p["count"] for p in ih003["group"][0]["population"]}
    row = next(r for r in figures.current.indicators if r.indicator_id == "IH003")
    assert (pops["numerator"], pops["denominator"]) == (row.numerator, row.denominator)


def test_a_publishable_return_has_no_fhir_bundle(
    sqlite_ip: InclusionPractice, tmp_path: Path
) -> None:
    figures = build_return(sqlite_ip, MANAGER, ReturnKind.LES_ANNUAL, "2025/26",
                           publishable=True, with_trend=False)
    with pytest.raises(InvalidInput) as err:
        ReturnsService(sqlite_ip).write(figures, Outputs(pdf=tmp_path / "a.pdf", fhir=tmp_path / "a.json"))
    assert err.value.field == "--fhir"
    assert not (tmp_path / "a.pdf").exists()


def test_writing_to_a_missing_folder_is_refused_before_anything_is_written(
    sqlite_ip: InclusionPractice, tmp_path: Path
) -> None:
    figures = build_return(sqlite_ip, MANAGER, ReturnKind.LES_ANNUAL, "2025/26",
                           with_trend=False)
    with pytest.raises(InvalidInput) as err:
        ReturnsService(sqlite_ip).write(figures, Outputs(pdf=tmp_path / "ok.pdf",
                                                  csv=tmp_path / "nope" / "x.csv"))
    assert err.value.field == "--csv"
    assert not (tmp_path / "ok.pdf").exists()


# --------------------------------------------------------------------------- CLI


def test_the_report_command_writes_every_output_and_shows_progress(
    demo: InclusionPractice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from inclusion_practice.cli.app import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    use_cli_password(monkeypatch)
    code = main(["--db", demo.db.url, "--as", "manager1", "report", "pctms", "--period", "2025/26",
                 "--out", "p.pdf", "--csv", "p.csv", "--json", "p.json", "--fhir", "p.fhir.json",
                 "--creation-date", "2026-04-30T09:00"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "running indicators for 2025/26" in out.err
    for name in ("p.pdf", "p.csv", "p.json", "p.fhir.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert "PCTMS" in pdf_text((tmp_path / "p.pdf").read_bytes())
    assert main(["--db", demo.db.url, "--as", "reception1", "report", "les"]) == 2
    assert "may not produce returns" in capsys.readouterr().err
    assert main(["--db", demo.db.url, "--as", "manager1", "report", "quarterly",
                 "--period", "2025/26"]) == 2
    assert "period" in capsys.readouterr().err
