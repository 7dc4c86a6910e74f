"""``patient portable-consent`` and ``patient summary --out/--fhir/--reprint`` end to end on a
SQLite file, on a frozen Monday morning (the CLI reads the system clock, which freezegun pins)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from inclusion_practice.api import InclusionPractice
from inclusion_practice.cli.app import main
from inclusion_practice.config import example_config_text, parse_config
from inclusion_practice.services.access import SYSTEM
from tests.conftest import PASSWORD, use_cli_password
from tests.fhir_schema import assert_valid
from tests.portable_support import as_json, decode_qr_codes, leaks, pdf_text, portable_patient


@pytest.fixture(autouse=True)
def _monday_morning() -> Iterator[None]:
    with freeze_time("2026-11-23 09:00"):
        yield


@pytest.fixture
def practice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> int:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "practice.db"
    db.write_bytes(sqlite_template.read_bytes())
    monkeypatch.setenv("INCLUSION_PRACTICE_DB", f"sqlite:///{db}")
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    ip = InclusionPractice.open(f"sqlite:///{db}", config=parse_config(example_config_text()))
    actors = {}
    for username, role in [("reception1", "receptionist"), ("drokafor", "clinician"),
                           ("manager1", "manager"), ("admin1", "admin")]:
        ip.users.create(SYSTEM, username, username.title(), role, password=PASSWORD)
        actors[role] = ip.users.actor(username)
    pid = portable_patient(ip, actors)
    ip.close()
    use_cli_password(monkeypatch)
    return pid


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_clinician_records_consent_and_prints_the_card_and_the_fhir_file(
    practice: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = str(practice)
    code, out, err = run(capsys, "--as", "drokafor", "patient", "summary", pid, "--out",
                         "card.pdf")
    assert code == 2 and "consent" in err and not (tmp_path / "card.pdf").exists()
    code, out, err = run(capsys, "--as", "reception1", "patient", "portable-consent", pid,
                         "--sections", "all")
    assert code == 2 and "may not record consent" in err
    code, out, err = run(capsys, "--as", "drokafor", "patient", "portable-consent", pid,
                         "--sections", "problems,allergies,medications,communication,contact")
    assert code == 0, err
    assert "consent to a portable record recorded on 23 Nov 2026 by drokafor" in out
    assert "on the record: Allergies" in out and "Vaccinations" not in out

    code, out, err = run(capsys, "--as", "drokafor", "patient", "summary", pid, "--out",
                         "card.pdf", "--fhir", "summary.json", "--layout", "easy-read")
    assert code == 0, err
    assert "wrote card.pdf: 3 pages (easy-read), printed 23 Nov 2026" in out
    assert "summary QR: fhir-" in out and "card QR: text-essentials" in out
    assert "not on the record: 2 coded entries never carried (a restricted category)" in out
    pdf = (tmp_path / "card.pdf").read_bytes()
    assert "This is me" in pdf_text(pdf) and leaks(pdf_text(pdf)) == []
    document = as_json(decode_qr_codes(pdf)[0][1])
    assert_valid(document)
    written = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert_valid(written) and written["type"] == "document"
    assert leaks(json.dumps(written)) == []

    code, out, err = run(capsys, "--as", "reception1", "patient", "portable-status", pid)
    assert code == 0, err
    assert "consent: recorded 23 Nov 2026 by drokafor" in out
    assert "last printed: 23 Nov 2026 09:00 by drokafor (easy-read)" in out

    code, out, err = run(capsys, "--as", "reception1", "patient", "summary", pid, "--out",
                         "new.pdf")
    assert code == 2 and "may not print a portable health record" in err
    code, out, err = run(capsys, "--as", "reception1", "patient", "summary", pid, "--reprint",
                         "--out", "again.pdf")
    assert code == 0, err
    assert "reprinted the card first printed 23 Nov 2026 to again.pdf" in out
    assert "Reprinted 23 Nov 2026" in pdf_text((tmp_path / "again.pdf").read_bytes())

    code, out, err = run(capsys, "--as", "drokafor", "patient", "portable-consent", pid,
                         "--withdraw")
    assert code == 0, err
    code, out, err = run(capsys, "--as", "reception1", "patient", "summary", pid, "--reprint",
                         "--out", "late.pdf")
    assert code == 2 and "consent" in err and "withdrawn" in err


def test_bad_options_are_refused_naming_them(
    practice: int, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = str(practice)
    code, _, err = run(capsys, "--as", "drokafor", "patient", "summary", pid)
    assert code == 2 and "--out" in err
    code, _, err = run(capsys, "--as", "drokafor", "patient", "portable-consent", pid,
                       "--sections", "everything")
    assert code == 2 and "'everything' is not a section" in err
    run(capsys, "--as", "drokafor", "patient", "portable-consent", pid, "--sections", "all")
    code, _, err = run(capsys, "--as", "drokafor", "patient", "summary", pid, "--out", "x.pdf",
                       "--layout", "tiny")
    assert code == 2 and "'tiny' is not a layout" in err
    code, _, err = run(capsys, "--as", "drokafor", "patient", "summary", "999999", "--out",
                       "x.pdf")
    assert code == 2 and "not found" in err
