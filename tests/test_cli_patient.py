"""``inclusion-practice patient`` and ``registration``: the issue's "done when" scenario end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.cli.app import main
from inclusion_practice.services.access import SYSTEM
from tests.conftest import PASSWORD, use_cli_password
from tests.fhir_schema import assert_valid


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialised practice with a receptionist, a clinician and a manager."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INCLUSION_PRACTICE_DB", raising=False)
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    assert main(["init"]) == 0
    ip = InclusionPractice.open(f"sqlite:///{tmp_path / 'inclusion_practice.db'}")
    for username, role in [("reception1", "receptionist"), ("drokafor", "clinician"),
                           ("manager1", "manager")]:
        ip.users.create(SYSTEM, username, username.title(), role, password=PASSWORD)
    ip.close()
    use_cli_password(monkeypatch)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_done_when_scenario(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # As a receptionist: no fixed abode, no NHS number, care of the hostel, Polish by telephone,
    # double appointment.
    code, out, err = run(
        capsys, "--as", "reception1", "patient", "register",
        "--given", "Zofia", "--family", "Kowalska-Nowak", "--sex", "female",
        "--estimated-year", "1990", "--no-fixed-abode", "--care-of", "st-annes-hostel",
        "--language", "pl", "--interpreter", "telephone", "--adjustment", "extended_appointment",
    )
    assert code == 0, err
    assert "registered patient 1: Zofia Kowalska-Nowak" in out
    assert "health check due by" in out

    # A clinician adds a sex-work flag; a receptionist may not.
    code, out, err = run(capsys, "--as", "reception1", "patient", "flag", "add", "1", "sex_work")
    assert code == 2 and "may not add a restricted" in err
    code, out, err = run(capsys, "--as", "drokafor", "patient", "flag", "add", "1", "sex_work",
                         "--source", "clinician")
    assert code == 0, err

    # The receptionist sees the needs but not the flag.
    code, out, err = run(capsys, "--as", "reception1", "patient", "show", "1")
    assert code == 0, err
    assert "no fixed abode (ZZ99 3VZ)" in out
    assert "care of St Anne's Hostel" in out
    assert "NHS number: none (NHS number not known)" in out
    assert "interpreter: Polish [pl], telephone" in out
    assert "double appointment" in out and "flexible DNA handling" in out
    assert "sex" not in out.lower().replace("sex/gender", "")
    for args in (["patient", "find", "Kowalska"], ["patient", "needs", "1"],
                 ["patient", "flag", "list", "1", "--all"], ["patient", "fhir", "1"]):
        code, out, err = run(capsys, "--as", "reception1", *args)
        assert code == 0, err
        assert "sex work" not in out.lower() and "sex_work" not in out, args
    bundle = json.loads(run(capsys, "--as", "reception1", "patient", "fhir", "1")[1])
    for entry in bundle["entry"]:
        assert_valid(entry["resource"])
    assert_valid(bundle)

    # The clinician sees the flag.
    code, out, _ = run(capsys, "--as", "drokafor", "patient", "show", "1")
    assert "Sex work [sex_work]" in out

    # The duplicate check catches the spacing variant born a year later.
    second = ["--as", "reception1", "patient", "register", "--given", "Zofia",
              "--family", "Kowalska Nowak", "--sex", "female", "--dob", "1991-04-02"]
    code, out, err = run(capsys, *second)
    assert code == 2
    assert "#1 Zofia Kowalska-Nowak, born 1990-01-01 (estimated)" in err
    assert "--new-person or --same-as" in err
    code, out, err = run(capsys, *second, "--same-as", "1")
    assert code == 0, err
    assert "linked to patient 1" in out


def test_registration_types_deregistration_and_history(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--as", "reception1", "patient", "register", "--given", "Tom", "--family", "Field",
        "--sex", "male", "--dob", "1970-02-03", "--type", "immediately_necessary",
        "--practice-address", "--agreed-to-check-post", "--contact", "hostel",
        "--keyworker-partner", "st-annes-hostel", "--nhs-number", "943 476 5919",
    )
    assert code == 0, err
    assert "immediately necessary treatment" in out
    code, out, err = run(capsys, "--as", "reception1", "patient", "show", "1")
    assert "the practice (agreed to check in for post on" in out
    assert "NHS number 943 476 5919 (02 Number present but not traced)" in out
    code, out, err = run(capsys, "--as", "reception1", "patient", "deregister", "1",
                         "--reason", "moved")
    assert code == 0, err
    code, out, err = run(capsys, "--as", "reception1", "patient", "registrations", "1")
    assert "ended: moved" in out


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--dob", "1990-01-01", "--nhs-number", "9434765918"], "nhs_number:"),
        (["--dob", "2999-01-01"], "date_of_birth:"),
        (["--dob", "the day before yesterday"], "--dob:"),
        (["--dob", "1990-01-01", "--care-of", "nowhere-hostel"], "partner:"),
        (["--dob", "1990-01-01", "--postcode", "NOT A CODE"], "usual_postcode:"),
        (["--dob", "1990-01-01", "--practice-address"], "post_check_agreed_on:"),
        (["--dob", "1990-01-01", "--type", "temporary", "--until", "2000-01-01"], "planned_end:"),
    ],
)
def test_bad_input_is_one_line_naming_the_field_and_nothing_is_written(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], field: str
) -> None:
    code, _, err = run(capsys, "--as", "reception1", "patient", "register", "--given", "A",
                       "--family", "B", "--sex", "female", *args)
    assert code == 2
    assert err.startswith(f"error: {field}") and err.count("\n") == 1
    assert run(capsys, "--as", "reception1", "patient", "find", "#1")[1] == "no patients found\n"


def test_refusals_from_the_cli(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--as", "reception1", "registration", "refuse", "--given", "Jan",
                       "--family", "Kowal", "--reason", "no_proof_of_address")
    assert code == 2 and "can never be a reason" in err and "ZZ99 3VZ" in err
    code, out, err = run(capsys, "--as", "reception1", "registration", "refuse", "--given", "Jan",
                         "--family", "Kowal", "--reason", "outside_boundary", "--on", "2025-10-01")
    assert code == 0, err
    assert "written reason due by 2025-10-15" in out
    code, out, err = run(capsys, "--as", "reception1", "registration", "refusals", "--year", "2025/26")
    assert code == 2 and "may not view the refusals summary" in err
    code, out, err = run(capsys, "--as", "manager1", "registration", "refusals", "--year", "2025/26")
    assert code == 0, err
    assert "registration refusals 2025/26 (2025-04-01 to 2026-03-31): 1" in out
    assert "outside_boundary             1" in out
    code, out, err = run(capsys, "--as", "reception1", "registration", "refusals", "--year",
                         "2025/26", "--list")
    assert "Jan Kowal" in out


def test_refusals_breakdown_by_reason_age_and_ethnicity_from_the_cli(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for given, extra in [("Ana", ["--age", "30", "--ethnicity", "N"]), ("Bo", ["--age-band", "65+"])]:
        code, _, err = run(capsys, "--as", "reception1", "registration", "refuse", "--given", given,
                           "--family", "Pop", "--reason", "outside_boundary", "--on", "2025-10-01",
                           *extra)
        assert code == 0, err
    code, _, err = run(capsys, "--as", "reception1", "registration", "refuse", "--given", "Cy",
                       "--family", "Pop", "--reason", "other_reasonable_ground", "--detail",
                       "she is expecting")
    assert code == 2 and "pregnancy or maternity" in err
    code, out, err = run(capsys, "--as", "manager1", "registration", "refusals", "--year",
                         "2025/26", "--by", "ethnicity")
    assert code == 0, err
    assert "N Black or Black British - African" in out and "not recorded" in out
    assert out.rstrip().endswith("2")
    code, out, err = run(capsys, "--as", "manager1", "registration", "refusals", "--year",
                         "2025/26", "--by", "age")
    assert code == 0, err
    lines = {ln.split()[0]: ln.split()[-1] for ln in out.splitlines()[1:]}
    assert lines["25-34"] == "1" and lines["65+"] == "1" and lines["0-15"] == "0"
    code, out, err = run(capsys, "--as", "manager1", "registration", "refusals", "--year",
                         "2025/26", "--by", "reason")
    assert code == 0 and "removed_recently" not in out
    code, _, err = run(capsys, "--as", "manager1", "registration", "refusals", "--by", "colour")
    assert code == 2 and err.startswith("error: by")
