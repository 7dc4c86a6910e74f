"""The MDT and referrals command groups end to end: a manager builds the agenda and prints it, a
clinician records outcomes and actions, reception sees what is due and records a partner's
reply; the printed partner copy carries no restricted flag and every print is in the access log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from freezegun import freeze_time
from sqlmodel import select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.cli.app import main
from inclusion_practice.config import example_config_text, parse_config
from inclusion_practice.domain.mdt import HOSPITAL_DISCHARGE_CODE
from inclusion_practice.storage.tables import AccessEvent
from tests.mdt_support import coded, overlapping
from tests.scheduling_helpers import add_patient, open_cli_practice


@pytest.fixture(autouse=True)
def _monday_morning() -> Iterator[None]:
    with freeze_time("2026-11-23 09:00"):
        yield


@pytest.fixture
def practice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> dict[str, int]:
    ip = open_cli_practice(tmp_path, monkeypatch, sqlite_template, (
        ("reception1", "receptionist"), ("manager1", "manager"), ("drokafor", "clinician")))
    a = overlapping(ip)
    b = add_patient(ip, flags=("homelessness",))
    coded(ip, b, "77176002", dt.date(2026, 11, 1))
    coded(ip, b, HOSPITAL_DISCHARGE_CODE, dt.date(2026, 11, 18), "local")
    ids = {"a": a, "b": b}
    ip.close()
    return ids


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def _pdf_text(path: Path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def test_the_mdt_tour_from_the_command_line(
    practice: dict[str, int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a = practice["a"]
    out = _run(capsys, "--as", "drokafor", "mdt", "candidates")
    assert "[overlapping_needs]" in out and "[hospital_discharge]" in out and "substance use" in out
    assert "substance" not in _run(capsys, "--as", "manager1", "mdt", "candidates")
    out = _run(capsys, "--as", "manager1", "mdt", "meeting-create", "--date", "today",
               "--partner", "city-drug-alcohol", "--user", "drokafor")
    assert "meeting 1" in out
    assert "2 patients on the agenda" in _run(capsys, "--as", "manager1", "mdt", "agenda-build", "1")
    _run(capsys, "--as", "manager1", "mdt", "consent", "1", "summary")
    out = _run(capsys, "--as", "manager1", "mdt", "agenda", "1", "--pdf", "practice.pdf")
    assert "wrote practice.pdf" in out and "attending: Drokafor, City Drug and Alcohol" in out
    _run(capsys, "--as", "manager1", "mdt", "agenda", "1", "--pdf", "partner.pdf", "--partner-copy")
    practice_text, partner_text = _pdf_text(tmp_path / "practice.pdf"), _pdf_text(tmp_path / "partner.pdf")
    assert "Homelessness" in practice_text and "Substance use" not in practice_text  # manager's view
    assert "partner copy" in partner_text and "City Drug and Alcohol Service" in partner_text
    assert "Homelessness" not in partner_text and "Substance" not in partner_text
    assert "no consent" in partner_text

    out = _run(capsys, "--as", "drokafor", "mdt", "discuss", "1", "--summary", "Plan agreed",
               "--lead", "Dr Amara Okafor")
    assert "discussed 23 Nov 2026" in out
    _run(capsys, "--as", "drokafor", "mdt", "action-add", "1", "Assess at the hub",
         "--owner", "partner:city-drug-alcohol", "--due", "+7d")
    _run(capsys, "--as", "drokafor", "mdt", "action-add", "2", "Book post-discharge review",
         "--owner", "reception1", "--due", "today")
    out = _run(capsys, "--as", "reception1", "mdt", "actions")
    assert out.index("Book post-discharge review") < out.index("Assess at the hub")
    assert "OVERDUE" not in out  # due today is due, not overdue
    out = _run(capsys, "--as", "reception1", "mdt", "action-done", "2", "--outcome", "Booked Tuesday")
    assert "action 2 done: Booked Tuesday" in out

    out = _run(capsys, "--as", "drokafor", "referrals", "create", "--patient", str(a), "--partner",
               "city-drug-alcohol", "--reason-code", "drug-tx", "--reason", "Wants treatment",
               "--consent", "summary", "--sent", "01/11/2026")
    assert "reply due 15 Nov 2026" in out
    assert "8 days overdue" in _run(capsys, "--as", "reception1", "referrals", "overdue")
    assert "accepted" in _run(capsys, "--as", "reception1", "referrals", "reply", "1", "accepted")
    assert "no referrals overdue" in _run(capsys, "--as", "reception1", "referrals", "overdue")

    ip = InclusionPractice.open(config=parse_config(example_config_text()))
    with ip.db.read() as uow:
        prints = sorted(r.purpose for r in uow.session.exec(select(AccessEvent)).all()
                        if r.purpose.startswith("mdt.agenda.print"))
    ip.close()
    assert prints == ["mdt.agenda.print", "mdt.agenda.print.partner"]


def test_bad_input_on_the_command_line_names_the_option(
    practice: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--as", "manager1", "mdt", "meeting-create", "--date", "soon"])
    assert code == 2 and "--date" in capsys.readouterr().err
    code = main(["--as", "drokafor", "referrals", "create", "--patient", str(practice["a"]),
                 "--partner", "st-annes-hostel", "--reason-code", "drug-tx", "--reason", "x",
                 "--consent", "summary"])
    assert code == 2 and "partner: St Anne's Hostel (synthetic) does not offer drug_and_alcohol" in capsys.readouterr().err
