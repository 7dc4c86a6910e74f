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


@pytest.fixture(autouse=True)
def _cli_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run the CLI as a user: give it that user's password, as a batch job would."""
    from tests.conftest import use_cli_password

    use_cli_password(monkeypatch)


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
    _mdt_and_referrals_in_2025_26(ip)
    yield ip
    ip.close()


def _mdt_and_referrals_in_2025_26(ip: InclusionPractice) -> None:
    """The coded entries the MDT and referral services record (IH016, IH017): a few flagged
    patients met an MDT rule and were referred in 2025/26, some on time, some not."""
    from sqlalchemy import text

    from inclusion_practice.services.access import SYSTEM
    from inclusion_practice.storage.tables import ClinicalEvent

    with ip.db.engine.connect() as conn:
        pids = [r[0] for r in conn.execute(text(
            "select distinct patient_id from flag where start_date <= '2025-06-01' and end_date is null "
            "order by patient_id limit 12"))]
    rows = []
    for n, pid in enumerate(pids):
        waited = (20, 40, 70)[n % 3]
        rows += [("ip:mdt-candidate", dt.date(2025, 6, 2), None),
                 ("ip:mdt-discussed", dt.date(2025, 6, 2) + dt.timedelta(days=waited), float(waited)),
                 ("ip:referral-sent", dt.date(2025, 9, 1), None)]
        if n % 2:
            rows.append(("ip:referral-accepted", dt.date(2025, 9, 1) + dt.timedelta(days=7 * n),
                         float(7 * n)))
        with ip.db.write(SYSTEM, "test_fixture") as uow:
            for code, day, value in rows:
                uow.session.add(ClinicalEvent(patient_id=pid, code=code, system="local", event_date=day,
                                              value=value, recorded_by="system"))
            uow.commit()
        rows = []


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
    assert figures.current.register_total.at_end == ih001.counts.numerator


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
    assert all(r.counts.numerator == 0 for r in figures.current.indicators)


@pytest.mark.parametrize("kind", [ReturnKind.PCTMS_ANNUAL, ReturnKind.QUARTERLY])
def test_an_empty_practice_gets_every_kind_of_return(
    sqlite_ip: InclusionPractice, kind: ReturnKind
) -> None:
    period = "2025Q4" if kind is ReturnKind.QUARTERLY else "2025/26"
    figures = build_return(sqlite_ip, MANAGER, kind, period)
    text = pdf_text(render_pdf(figures, creation_date=FIXED))
    assert "Sign-off" in text and "Methods appendix" in text
    assert figures.current.register_total.at_end == 0
    assert all(r.counts.numerator == 0 for r in figures.current.indicators)
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
    assert (pops["numerator"], pops["denominator"]) == (row.counts.numerator, row.counts.denominator)


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
    import inclusion_practice.cli.progress as progress_module

    stages: list[str] = []
    monkeypatch.setattr(progress_module, "wanted", lambda **_: True)  # as if at a terminal
    monkeypatch.setattr(progress_module.Reporter, "stage",
                        lambda self, name: stages.append(name))
    code = main(["--db", demo.db.url, "--as", "manager1", "report", "pctms", "--period", "2025/26",
                 "--out", "p.pdf", "--csv", "p.csv", "--json", "p.json", "--fhir", "p.fhir.json",
                 "--creation-date", "2026-04-30T09:00"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "running indicators for 2025/26" in stages
    assert any("PDF" in s or "pdf" in s for s in stages), stages
    for name in ("p.pdf", "p.csv", "p.json", "p.fhir.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert "PCTMS" in pdf_text((tmp_path / "p.pdf").read_bytes())
    assert main(["--db", demo.db.url, "--as", "reception1", "report", "les"]) == 2
    assert "may not produce returns" in capsys.readouterr().err
    assert main(["--db", demo.db.url, "--as", "manager1", "report", "quarterly",
                 "--period", "2025/26"]) == 2
    assert "period" in capsys.readouterr().err


# --------------------------------------------------------------------------- returns that add up


def _rows(cells: dict[tuple[str, str, str, str], str], scope: str, table: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for (s, t, row, col), value in cells.items():
        if (s, t) == (scope, table):
            out.setdefault(row, {})[col] = value
    return out


def test_the_register_flow_balances_in_every_category_and_carries_over_from_last_year(
    demo: InclusionPractice, les: tuple[ReturnFigures, bytes, str]
) -> None:
    register = _rows(csv_cells(les[2]), "period", "register")
    last_year = build_return(demo, MANAGER, ReturnKind.LES_ANNUAL, "2024/25", with_trend=False)
    before = _rows(csv_cells(to_csv(last_year)), "period", "register")
    assert set(register) >= {"homelessness", "sex_work", "total"}
    moved = 0
    for key, r in register.items():
        start, joined, left, end = (int(r[c]) for c in ("at_start", "joined", "left", "at_end"))
        assert start + joined - left == end, key
        assert start == int(before[key]["at_end"]), key  # this year starts where last year ended
        moved += joined + left
    assert moved > 0  # the demo practice's register does move


def test_joining_or_leaving_the_practice_while_flagged_moves_the_register(
    sqlite_ip: InclusionPractice,
) -> None:
    admin = Actor("admin1", "admin")
    with sqlite_ip.db.engine.begin() as conn:
        data.patient(conn, 1, reg_end=dt.date(2025, 9, 1), reg_end_reason="moved",
                     flags=(("homelessness", dt.date(2024, 1, 1), None),))
        data.patient(conn, 2, registered=dt.date(2025, 10, 1),
                     flags=(("homelessness", dt.date(2024, 1, 1), None),))
    figures = build_return(sqlite_ip, admin, ReturnKind.LES_ANNUAL, "2025/26", with_trend=False)
    row = _rows(csv_cells(to_csv(figures)), "period", "register")["homelessness"]
    assert {k: row[k] for k in ("at_start", "joined", "left", "at_end")} == {
        "at_start": "1", "joined": "1", "left": "1", "at_end": "1"}


def test_appointment_and_dna_figures_agree_with_the_dna_actions_table(ip: InclusionPractice) -> None:
    admin = Actor("admin1", "admin")
    at = dt.datetime(2025, 10, 6, 9, 0)
    with ip.db.engine.begin() as conn:
        data.patient(conn, 1, flags=(("homelessness", dt.date(2024, 1, 1), None),))
        data.patient(conn, 2)
        data.appointment(conn, 1, at, "seen")
        data.appointment(conn, 1, at + dt.timedelta(days=1), "dna",
                         dna_actions=(("flexible", "contact_via_keyworker", "done"),
                                      ("flexible", "clinician_review", "due")))
        data.appointment(conn, 2, at, "seen")
        data.appointment(conn, 2, at + dt.timedelta(days=2), "dna")  # no action decided
        # Recorded in error: neither missed nor attended, and its action is not counted.
        data.appointment(conn, 2, at + dt.timedelta(days=3), "dna", voided=True,
                         dna_actions=(("standard", "sms_reminder", "done"),))
        # A DNA recorded without an appointment: in the actions table and its DNA count.
        data.dna_without_appointment(conn, 2, at + dt.timedelta(days=4),
                                     dna_actions=(("standard", "sms_reminder", "done"),))
        # Midnight after the year end: next year, in neither table.
        data.appointment(conn, 2, dt.datetime(2026, 4, 1, 0, 0), "dna",
                         dna_actions=(("standard", "letter", "due"),))
    figures = build_return(ip, admin, ReturnKind.LES_ANNUAL, "2025/26", with_trend=False)
    cells = csv_cells(to_csv(figures))
    rates = _rows(cells, "period", "dna_rates")
    actions = _rows(cells, "period", "dna_actions")
    assert (rates["flagged"]["appointments"], rates["flagged"]["missed"]) == ("2", "1")
    assert (rates["other"]["appointments"], rates["other"]["missed"]) == ("2", "1")
    assert (rates["total"]["missed"], rates["total"]["rate"]) == ("2", "50.0")
    totals = figures.current.counts.dna_totals
    assert totals.without_appointment == 1
    # The agreement: the actions table counts exactly the rates' DNAs, plus those without one.
    assert int(actions["dnas"]["decided"]) == int(rates["total"]["missed"]) + totals.without_appointment == 3
    assert actions["dnas_with_action"]["decided"] == "2"
    assert {k: v["decided"] for k, v in actions.items() if v["kind"]} == {
        "contact_via_keyworker": "1", "clinician_review": "1", "sms_reminder": "1"}
    assert actions["total"]["decided"] == "3"
    assert cells[("period", "appointments", "appointments", "count")] == "5"


def test_the_demo_practice_links_every_dna_to_a_missed_appointment(
    demo: InclusionPractice, les: tuple[ReturnFigures, bytes, str]
) -> None:
    from sqlalchemy import func, select

    from inclusion_practice.storage.tables import Appointment, DnaEvent

    with demo.db.read() as uow:
        events = uow.session.exec(
            select(func.count()).select_from(DnaEvent)  # type: ignore[arg-type]
        ).one()
        linked = uow.session.exec(
            select(func.count()).select_from(DnaEvent)  # type: ignore[arg-type]
            .join(Appointment, Appointment.id == DnaEvent.appointment_id)  # type: ignore[arg-type]
            .where(Appointment.status == "dna", Appointment.patient_id == DnaEvent.patient_id,
                   Appointment.start == DnaEvent.occurred_at)
        ).one()
    assert events[0] > 0
    assert linked[0] == events[0]
    figures, _, csv_text = les
    cells = csv_cells(csv_text)
    rates = _rows(cells, "period", "dna_rates")
    flagged, other = float(rates["flagged"]["rate"]), float(rates["other"]["rate"])
    assert flagged > other > 0  # real rates, and a rigid policy's effect shows
    totals = figures.current.counts.dna_totals
    assert totals.without_appointment == 0
    assert int(_rows(cells, "period", "dna_actions")["dnas"]["decided"]) == int(rates["total"]["missed"])


# --------------------------------------------------------------------------- dates follow --creation-date


def test_the_same_data_and_creation_date_give_the_same_bytes_on_any_day(
    demo: InclusionPractice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from inclusion_practice.cli.app import main

    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    names = ("r.pdf", "r.csv", "r.json", "r.fhir.json")
    made: list[dict[str, bytes]] = []
    for wall_clock in ("2026-12-03 14:00:00", "2027-07-19 02:30:00"):
        folder = tmp_path / wall_clock[:10]
        folder.mkdir()
        with freeze_time(wall_clock):
            code = main(["--db", demo.db.url, "--as", "manager1", "report", "les",
                         "--creation-date", "2026-04-30T09:00",
                         *(x for opt, name in zip(("--out", "--csv", "--json", "--fhir"), names,
                                                  strict=True)
                           for x in (opt, str(folder / name)))])
        assert code == 0, capsys.readouterr().err
        made.append({name: (folder / name).read_bytes() for name in names})
    assert made[0] == made[1]
    doc = json.loads(made[0]["r.json"])
    assert doc["period"]["label"] == "2025/26"  # the default period follows the creation date too
    assert (doc["produced_on"], doc["provisional"]) == ("2026-04-30", False)
    assert json.loads(made[0]["r.fhir.json"])["timestamp"] == "2026-04-30T09:00:00+00:00"
    assert b"D:20260430090000+00'00'" in made[0]["r.pdf"]
    assert "Produced 30 April 2026" in pdf_text(made[0]["r.pdf"])


def test_without_a_creation_date_the_return_is_dated_by_the_practice_clock(
    sqlite_ip: InclusionPractice,
) -> None:
    figures = build_return(sqlite_ip, MANAGER, ReturnKind.LES_ANNUAL, "2025/26", with_trend=False)
    assert figures.created_at == NOW
    assert figures.produced_on == NOW.date()
    assert json.loads(to_json(figures))["produced_on"] == NOW.date().isoformat()
    assert fhir_bundle(figures)["timestamp"] == "2026-11-23T09:00:00+00:00"


def test_no_report_module_reads_the_wall_clock() -> None:
    folder = Path(__file__).resolve().parents[1] / "reports"
    wall_clock = re.compile(r"\b(datetime\.now|datetime\.utcnow|datetime\.today|date\.today|time\.time)\(")
    offenders = [f"{p.name}:{i}" for p in sorted(folder.glob("*.py"))
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if wall_clock.search(line)]
    assert offenders == []


# --------------------------------------------------------------------------- bad input, clearly refused


@pytest.mark.parametrize(
    ("args", "option", "reason"),
    [
        (["les", "--period", "2025/27"], "period", ""),
        (["les", "--period", "2025Q3"], "period", "financial year"),
        (["quarterly", "--period", "2025Q5"], "period", ""),
        (["les", "--creation-date", "30/04/2026"], "--creation-date", "ISO"),
        (["les", "--out", "{tmp}/missing/r.pdf"], "--out", "does not exist"),
        (["les", "--out", "{tmp}/afile/r.pdf"], "--out", "not a folder"),
        (["les", "--csv", "{tmp}/afile/r.csv", "--out", "{tmp}/r.pdf"], "--csv", "not a folder"),
        (["les", "--out", "{tmp}/r.pdf", "--json", "{tmp}/r.pdf"], "--json", "also given"),
        (["les", "--publishable", "--fhir", "{tmp}/r.json"], "--fhir", "exact counts"),
    ],
)
def test_the_report_command_refuses_bad_input_naming_the_option(
    demo: InclusionPractice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], args: list[str], option: str, reason: str,
) -> None:
    from inclusion_practice.cli.app import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    (tmp_path / "afile").write_text("a file, not a folder")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = main(["--db", demo.db.url, "--as", "manager1", "report", *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert option in err and reason in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "ip.log"] or not any(
        p.suffix in (".pdf", ".csv", ".json") for p in tmp_path.iterdir())


def test_the_reporting_service_follows_roles(sqlite_ip: InclusionPractice) -> None:
    from inclusion_practice.domain.periods import parse_period

    year = parse_period("2025/26")
    counts = sqlite_ip.reporting.period_counts(MANAGER, year)
    assert counts.register_total.balances
    for role in ("receptionist", "clinician"):
        with pytest.raises(PermissionDenied):
            sqlite_ip.reporting.period_counts(Actor("someone", role), year)
