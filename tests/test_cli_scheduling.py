"""The appointment-book commands end to end on a SQLite file, on a frozen Monday morning
(the CLI reads the system clock, which freezegun pins: a wall-clock date made this test fail on
Thursdays and Fridays, when "today + 2 days" fell on a weekend with no sessions)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from inclusion_practice.cli.app import main
from tests.scheduling_helpers import add_patient, open_cli_practice


@pytest.fixture(autouse=True)
def _monday_morning() -> Iterator[None]:
    with freeze_time("2026-11-23 09:00"):
        yield


@pytest.fixture
def practice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> dict[str, int]:
    ip = open_cli_practice(tmp_path, monkeypatch, sqlite_template, (
        ("reception1", "receptionist"), ("manager1", "manager")))
    ids = {"plain": add_patient(ip), "interp": add_patient(ip, interpreter="pl"),
           "flagged": add_patient(ip, flags=("homelessness",)),
           "unreg": add_patient(ip, registered=False)}
    ip.close()
    return ids


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_reception_generates_finds_books_and_cancels_from_the_command_line(
    practice: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--as", "manager1", "schedule", "generate", "--weeks", "2")
    assert code == 0 and "sessions" in out
    code, out, _ = _run(capsys, "--as", "manager1", "schedule", "generate", "--weeks", "2")
    assert "0 sessions (0 slots) created" in out

    tomorrow = "2026-11-24"
    code, out, _ = _run(capsys, "slots", "find", "--patient", str(practice["interp"]), "--from",
                        tomorrow, "--limit", "2")
    assert code == 0 and "needs: interpreter: Polish" in out and "why: double appointment" in out
    first = re.findall(r"--slot (\d+)", out)
    code, out, _ = _run(capsys, "--as", "reception1", "appointment", "book", "--patient",
                        str(practice["interp"]), "--slot", first[0])
    assert code == 0 and "booked appointment" in out and "(2 slots" in out
    appt = re.search(r"appointment (\d+)", out)
    assert appt is not None

    code, out, _ = _run(capsys, "interpreters", "due", "--days", "14")
    assert "TO_BOOK" in out and " pl " in out

    code, _, err = _run(capsys, "--as", "reception1", "appointment", "book", "--patient",
                        str(practice["plain"]), "--slot", first[0])
    assert code == 2 and "just taken" in err and "next free alternatives" in err

    code, _, err = _run(capsys, "--as", "reception1", "appointment", "book", "--patient",
                        str(practice["unreg"]), "--slot", str(int(first[0]) + 5))
    assert code == 2 and err.startswith("error: patient_id: ") and "not registered" in err

    code, out, _ = _run(capsys, "appointment", "show", appt.group(1), "--fhir")
    assert code == 0 and '"resourceType": "Appointment"' in out

    code, out, _ = _run(capsys, "--as", "reception1", "appointment", "cancel", appt.group(1),
                        "--by", "patient", "--reason", "feeling better")
    assert code == 0 and "cancelled_patient" in out

    code, _, err = _run(capsys, "slots", "find", "--patient", str(practice["plain"]),
                        "--clinician", "dr-who")
    assert code == 2 and "clinician: unknown clinician 'dr-who'" in err


def test_session_cancellation_lists_patients_and_the_dna_commands_explain_themselves(
    practice: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "--as", "manager1", "schedule", "generate", "--weeks", "2")
    later = "2026-11-25"
    _, out, _ = _run(capsys, "slots", "find", "--patient", str(practice["plain"]), "--from", later,
                     "--limit", "1")
    slot = re.findall(r"--slot (\d+)", out)[0]
    _run(capsys, "--as", "reception1", "appointment", "book", "--patient", str(practice["plain"]),
         "--slot", slot)
    _, out, _ = _run(capsys, "schedule", "sessions", "--from", later, "--to", later)
    booked = [line.split()[0] for line in out.splitlines()
              if (m := re.search(r"(\d+)/(\d+) free", line)) and m.group(1) != m.group(2)]
    assert len(booked) == 1
    code, out, _ = _run(capsys, "--as", "manager1", "schedule", "cancel-session", booked[0],
                        "--reason", "clinician on leave")
    assert code == 0 and "1 patient(s) to rebook" in out

    for _ in range(2):
        code, out, _ = _run(capsys, "--as", "reception1", "dna", "record", "--patient",
                            str(practice["flagged"]))
        assert code == 0 and "Policy: flexible" in out
    code, out, _ = _run(capsys, "--as", "reception1", "dna", "worklist", "--all")
    assert code == 0 and "contact via keyworker" in out and "raised" in out
    action = re.search(r"#(\d+)", out)
    assert action is not None
    code, out, _ = _run(capsys, "--as", "reception1", "dna", "explain", str(practice["flagged"]))
    assert "because: agreed for this patient" in out and "Rule: flexible ladder step 2" in out
    assert "inclusion-health flag" not in out
    code, out, _ = _run(capsys, "--as", "reception1", "dna", "done", action.group(1), "--outcome",
                        "hostel keyworker passed on message")
    assert code == 0 and "done: hostel keyworker" in out
    code, _, err = _run(capsys, "--as", "reception1", "appointment", "arrive", "1",
                        "--late-threshold", "-1")
    assert code == 2 and "late_threshold_minutes" in err
